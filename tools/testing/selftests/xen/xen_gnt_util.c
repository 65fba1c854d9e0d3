// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the xen-gnt selftests (see xen_gnt_util.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "xen_gnt_util.h"

/* After xen_gnt_util.h: it uses domid_t too. */
#include <xen/evtchn.h>

#ifdef XG_HAVE_LIBXENSTORE
#include <xenstore.h>
#endif

bool xg_is_ours(void)
{
	return access("/sys/module/xen_gntcore", F_OK) == 0;
}

static int xg_read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return n;
	}
	close(fd);
	buf[n] = '\0';
	return n;
}

long long xg_module_param(const char *module, const char *param)
{
	char path[256], buf[64], *end;
	long long v;
	int rc;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", module,
		 param);
	rc = xg_read_file(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	errno = 0;
	v = strtoll(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return v;
}

const char *xg_guest_type(void)
{
	static char buf[32];
	char *nl;

	if (xg_read_file("/sys/hypervisor/guest_type", buf, sizeof(buf)) < 0)
		return NULL;
	nl = strchr(buf, '\n');
	if (nl)
		*nl = '\0';
	return buf;
}

long long xg_mem_available_kib(void)
{
	long long kib = -1;
	char line[256];
	FILE *f = fopen("/proc/meminfo", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* --- who we are -------------------------------------------------------- */

/* The xenstore wire protocol (Xen's io/xs_wire.h): header, then payload. */
struct xg_xsd_msg {
	uint32_t type;
	uint32_t req_id;
	uint32_t tx_id;
	uint32_t len;
};

#define XG_XS_READ 2
#define XG_XS_ERROR 16

int xg_xenbus_read(const char *path, char *buf, size_t len)
{
	static const char *const devs[] = { "/dev/xen/xenbus",
					    "/proc/xen/xenbus" };
	char msg[sizeof(struct xg_xsd_msg) + 256];
	struct xg_xsd_msg hdr = { .type = XG_XS_READ, .req_id = 0x7867 };
	size_t plen = strlen(path) + 1, got = 0;
	uint32_t words[1024];		/* aligned for the header */
	char *reply = (char *)words;
	const size_t rsize = sizeof(words);
	unsigned int i;
	int fd = -1, rc;
	ssize_t n;

	if (plen > 256 || len == 0)
		return -EINVAL;
	for (i = 0; i < sizeof(devs) / sizeof(devs[0]) && fd < 0; i++)
		fd = open(devs[i], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;

	hdr.len = plen;
	memcpy(msg, &hdr, sizeof(hdr));
	memcpy(msg + sizeof(hdr), path, plen);
	if (write(fd, msg, sizeof(hdr) + plen) != (ssize_t)(sizeof(hdr) + plen)) {
		rc = -EIO;
		goto out;
	}
	/* One reply: a header, then hdr.len bytes. */
	while (got < sizeof(hdr) ||
	       got < sizeof(hdr) + ((struct xg_xsd_msg *)reply)->len) {
		n = read(fd, reply + got, rsize - got);
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			goto out;
		}
		got += n;
		if (got >= sizeof(hdr) &&
		    ((struct xg_xsd_msg *)reply)->len > rsize - sizeof(hdr)) {
			rc = -E2BIG;
			goto out;
		}
	}
	memcpy(&hdr, reply, sizeof(hdr));
	if (hdr.type == XG_XS_ERROR) {
		rc = -ENOENT;
		goto out;
	}
	if (hdr.type != XG_XS_READ || hdr.len >= len) {
		rc = -EPROTO;
		goto out;
	}
	memcpy(buf, reply + sizeof(hdr), hdr.len);
	buf[hdr.len] = '\0';
	rc = hdr.len;
out:
	close(fd);
	return rc;
}

static bool xg_in_dom0(void)
{
	char buf[256];

	if (getenv(XG_PEER_ENV))
		return true;
	if (xg_read_file("/proc/xen/capabilities", buf, sizeof(buf)) < 0)
		return false;
	return strstr(buf, "control_d") != NULL;
}

int xg_parse_domid(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0 || v >= 0x7ff0)
		return -EINVAL;
	return (int)v;
}

int xg_self_domid(void)
{
	static int cached = -1;
	const char *env = getenv("XEN_GNT_SELF_DOMID");
	char buf[32];
	int rc;

	if (cached >= 0)
		return cached;
	if (env) {
		rc = xg_parse_domid(env);
		goto out;
	}
	if (xg_in_dom0()) {
		rc = 0;
		goto out;
	}
#ifdef XG_HAVE_LIBXENSTORE
	{
		struct xs_handle *xs = xs_open(0);
		unsigned int len;
		char *v;

		if (xs) {
			v = xs_read(xs, XBT_NULL, "domid", &len);
			xs_close(xs);
			if (v) {
				rc = xg_parse_domid(v);
				free(v);
				goto out;
			}
		}
	}
#endif
	rc = xg_xenbus_read("domid", buf, sizeof(buf));
	if (rc >= 0)
		rc = xg_parse_domid(buf);
out:
	if (rc >= 0)
		cached = rc;
	return rc;
}

/* --- devices ----------------------------------------------------------- */

int xg_open(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

long xg_ioctl(int fd, unsigned long cmd, void *arg)
{
	long rc = ioctl(fd, cmd, arg);

	return rc < 0 ? -errno : rc;
}

int xg_gntalloc_alloc(int fd, domid_t domid, uint16_t flags, uint32_t count,
		      uint64_t *index, uint32_t *grefs)
{
	struct ioctl_gntalloc_alloc_gref *op;
	size_t n = count ? count : 1;
	int rc;

	/* Huge counts are rejected before the array is touched. */
	if (n > 65536)
		n = 1;
	op = calloc(1, sizeof(*op) + (n - 1) * sizeof(op->gref_ids[0]));
	if (!op)
		return -ENOMEM;
	op->domid = domid;
	op->flags = flags;
	op->count = count;
	rc = xg_ioctl(fd, IOCTL_GNTALLOC_ALLOC_GREF, op);
	if (rc == 0) {
		if (index)
			*index = op->index;
		if (grefs && count <= n)
			memcpy(grefs, op->gref_ids, count * sizeof(grefs[0]));
	}
	free(op);
	return rc;
}

int xg_gntalloc_dealloc(int fd, uint64_t index, uint32_t count)
{
	struct ioctl_gntalloc_dealloc_gref op = {
		.index = index,
		.count = count,
	};

	return xg_ioctl(fd, IOCTL_GNTALLOC_DEALLOC_GREF, &op);
}

int xg_gntalloc_notify(int fd, uint64_t index, uint32_t action, uint32_t port)
{
	struct ioctl_gntalloc_unmap_notify op = {
		.index = index,
		.action = action,
		.event_channel_port = port,
	};

	return xg_ioctl(fd, IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &op);
}

int xg_gntdev_map(int fd, domid_t domid, uint32_t count, const uint32_t *refs,
		  uint64_t *index)
{
	struct ioctl_gntdev_map_grant_ref *op;
	size_t n = count ? count : 1;
	uint32_t i;
	int rc;

	if (n > 65536 || !refs)
		n = 1;
	op = calloc(1, sizeof(*op) + (n - 1) * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	op->count = count;
	for (i = 0; refs && i < count && i < n; i++) {
		op->refs[i].domid = domid;
		op->refs[i].ref = refs[i];
	}
	rc = xg_ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	if (rc == 0 && index)
		*index = op->index;
	free(op);
	return rc;
}

int xg_gntdev_unmap(int fd, uint64_t index, uint32_t count)
{
	struct ioctl_gntdev_unmap_grant_ref op = {
		.index = index,
		.count = count,
	};

	return xg_ioctl(fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &op);
}

int xg_gntdev_offset(int fd, const void *vaddr, uint64_t *offset,
		     uint32_t *count)
{
	struct ioctl_gntdev_get_offset_for_vaddr op = {
		.vaddr = (uintptr_t)vaddr,
	};
	int rc;

	rc = xg_ioctl(fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &op);
	if (rc == 0) {
		if (offset)
			*offset = op.offset;
		if (count)
			*count = op.count;
	}
	return rc;
}

int xg_gntdev_notify(int fd, uint64_t index, uint32_t action, uint32_t port)
{
	struct ioctl_gntdev_unmap_notify op = {
		.index = index,
		.action = action,
		.event_channel_port = port,
	};

	return xg_ioctl(fd, IOCTL_GNTDEV_SET_UNMAP_NOTIFY, &op);
}

int xg_gntdev_set_max(int fd, uint32_t count)
{
	struct ioctl_gntdev_set_max_grants op = { .count = count };

	return xg_ioctl(fd, IOCTL_GNTDEV_SET_MAX_GRANTS, &op);
}

int xg_gntdev_copy(int fd, struct gntdev_grant_copy_segment *segs,
		   unsigned int count)
{
	struct ioctl_gntdev_grant_copy op = {
		.count = count,
		.segments = segs,
	};

	return xg_ioctl(fd, IOCTL_GNTDEV_GRANT_COPY, &op);
}

int xg_dmabuf_exp(int dev, domid_t domid, uint32_t flags, uint32_t count,
		  const uint32_t *refs, int *fd)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *op;
	size_t n = count && count <= 65536 ? count : 1;
	long rc;

	op = calloc(1, sizeof(*op) + (n - 1) * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	op->flags = flags;
	op->count = count;
	op->domid = domid;
	op->fd = ~0u;
	if (refs)
		memcpy(op->refs, refs, n * sizeof(op->refs[0]));
	rc = xg_ioctl(dev, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, op);
	if (!rc)
		*fd = (int)op->fd;
	free(op);
	return (int)rc;
}

int xg_dmabuf_imp(int dev, int fd, domid_t domid, uint32_t count,
		  uint32_t *refs)
{
	struct ioctl_gntdev_dmabuf_imp_to_refs *op;
	size_t n = count && count <= 65536 ? count : 1;
	long rc;

	op = calloc(1, sizeof(*op) + (n - 1) * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	op->fd = (uint32_t)fd;
	op->count = count;
	op->domid = domid;
	rc = xg_ioctl(dev, IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, op);
	if (!rc && refs)
		memcpy(refs, op->refs, n * sizeof(op->refs[0]));
	free(op);
	return (int)rc;
}

int xg_dmabuf_imp_release(int dev, int fd)
{
	struct ioctl_gntdev_dmabuf_imp_release op = { .fd = (uint32_t)fd };

	return (int)xg_ioctl(dev, IOCTL_GNTDEV_DMABUF_IMP_RELEASE, &op);
}

int xg_dmabuf_wait(int dev, int fd, uint32_t ms)
{
	struct ioctl_gntdev_dmabuf_exp_wait_released op = {
		.fd = (uint32_t)fd,
		.wait_to_ms = ms,
	};

	return (int)xg_ioctl(dev, IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, &op);
}

/* Not a GNTST_* value: a status left as it was shows. */
#define XG_SEG_STATUS_UNSET 0x7777

void xg_seg_from_gref(struct gntdev_grant_copy_segment *s, domid_t domid,
		      uint32_t ref, uint16_t off, void *dst, uint16_t len)
{
	memset(s, 0, sizeof(*s));
	s->source.foreign.ref = ref;
	s->source.foreign.offset = off;
	s->source.foreign.domid = domid;
	s->dest.virt = dst;
	s->len = len;
	s->flags = XG_GNTCOPY_SOURCE_GREF;
	s->status = XG_SEG_STATUS_UNSET;
}

void xg_seg_to_gref(struct gntdev_grant_copy_segment *s, void *src,
		    domid_t domid, uint32_t ref, uint16_t off, uint16_t len)
{
	memset(s, 0, sizeof(*s));
	s->source.virt = src;
	s->dest.foreign.ref = ref;
	s->dest.foreign.offset = off;
	s->dest.foreign.domid = domid;
	s->len = len;
	s->flags = XG_GNTCOPY_DEST_GREF;
	s->status = XG_SEG_STATUS_UNSET;
}

void *xg_mmap(int fd, uint64_t index, uint32_t pages, int prot, int flags)
{
	void *p = mmap(NULL, (size_t)pages * XG_PAGE, prot, flags, fd,
		       (off_t)index);

	return p == MAP_FAILED ? NULL : p;
}

/* --- event channels ---------------------------------------------------- */

int xg_evtchn_unbound(int fd, domid_t remote)
{
	struct ioctl_evtchn_bind_unbound_port op = { .remote_domain = remote };

	return xg_ioctl(fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &op);
}

int xg_evtchn_bind(int fd, domid_t remote, uint32_t port)
{
	struct ioctl_evtchn_bind_interdomain op = {
		.remote_domain = remote,
		.remote_port = port,
	};

	return xg_ioctl(fd, IOCTL_EVTCHN_BIND_INTERDOMAIN, &op);
}

int xg_evtchn_pair_open(struct xg_evtchn_pair *p, domid_t self)
{
	int rc;

	p->fd = xg_open(XG_EVTCHN);
	if (p->fd < 0)
		return p->fd;
	rc = xg_evtchn_unbound(p->fd, self);
	if (rc < 0)
		goto fail;
	p->recv = rc;
	rc = xg_evtchn_bind(p->fd, self, p->recv);
	if (rc < 0)
		goto fail;
	p->send = rc;
	return 0;
fail:
	close(p->fd);
	p->fd = -1;
	return rc;
}

void xg_evtchn_pair_close(struct xg_evtchn_pair *p)
{
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
}

long long xg_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

int xg_evtchn_wait(int fd, uint32_t port, int timeout_ms)
{
	long long end = xg_now_ms() + timeout_ms;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t ports[64];
	long long left;
	ssize_t n, i;
	bool seen = false;

	while (!seen) {
		left = end - xg_now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		n = read(fd, ports, sizeof(ports));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		for (i = 0; i < n / (ssize_t)sizeof(ports[0]); i++) {
			if (ports[i] == port)
				seen = true;
		}
		/* Unmask what we read, so that the ports can fire again. */
		if (n > 0 && write(fd, ports, n) != n)
			return -EIO;
	}
	return 0;
}

/* --- the self-grant loopback -------------------------------------------- */

static bool xg_absent(int rc)
{
	return rc == -ENOENT || rc == -ENODEV || rc == -ENXIO;
}

int xg_selfgrant_open(struct xg_selfgrant *sg, uint32_t count)
{
	int rc;

	memset(sg, 0, sizeof(*sg));
	sg->dev = sg->alloc = -1;
	sg->count = count;
	sg->step = "open " XG_GNTDEV;
	rc = xg_open(XG_GNTDEV);
	if (rc < 0) {
		sg->skip = xg_absent(rc);
		goto err;
	}
	sg->dev = rc;
	sg->step = "open " XG_GNTALLOC;
	rc = xg_open(XG_GNTALLOC);
	if (rc < 0) {
		sg->skip = xg_absent(rc);
		goto err;
	}
	sg->alloc = rc;
	sg->step = "our domid";
	rc = xg_self_domid();
	if (rc < 0) {
		sg->skip = true;
		goto err;
	}
	sg->domid = rc;
	sg->step = "calloc";
	sg->grefs = calloc(count ? count : 1, sizeof(*sg->grefs));
	if (!sg->grefs) {
		rc = -ENOMEM;
		goto err;
	}
	sg->step = "IOCTL_GNTALLOC_ALLOC_GREF";
	rc = xg_gntalloc_alloc(sg->alloc, sg->domid, GNTALLOC_FLAG_WRITABLE,
			       count, &sg->aidx, sg->grefs);
	if (rc)
		goto err;
	sg->step = "mmap of the gntalloc pages";
	sg->apage = xg_mmap(sg->alloc, sg->aidx, count, PROT_READ | PROT_WRITE,
			    MAP_SHARED);
	if (!sg->apage) {
		rc = -errno;
		goto err;
	}
	sg->step = NULL;
	return 0;
err:
	xg_selfgrant_close(sg);
	return rc;
}

void xg_selfgrant_close(struct xg_selfgrant *sg)
{
	if (sg->apage)
		munmap(sg->apage, (size_t)sg->count * XG_PAGE);
	sg->apage = NULL;
	if (sg->alloc >= 0)
		close(sg->alloc);
	sg->alloc = -1;
	if (sg->dev >= 0)
		close(sg->dev);
	sg->dev = -1;
	free(sg->grefs);
	sg->grefs = NULL;
}

/* --- statistics -------------------------------------------------------- */

#define XG_DEBUGFS "/sys/kernel/debug"
#define XG_STATS_DIR XG_DEBUGFS "/xen-gnt"

int xg_stats_sum(const char *prefix, long long *sum)
{
	char path[512], line[256], key[128];
	struct dirent *de;
	bool found = false;
	long long v;
	FILE *f;
	DIR *d;

	d = opendir(XG_STATS_DIR);
	if (!d && errno == ENOENT) {
		/* debugfs may not be mounted yet. */
		mount("debugfs", XG_DEBUGFS, "debugfs", 0, NULL);
		d = opendir(XG_STATS_DIR);
	}
	if (!d)
		return -errno;
	*sum = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), XG_STATS_DIR "/%s/stats",
			 de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		found = true;
		while (fgets(line, sizeof(line), f)) {
			if (sscanf(line, "%127s %lld", key, &v) != 2)
				continue;
			if (!strncmp(key, prefix, strlen(prefix)))
				*sum += v;
		}
		fclose(f);
	}
	closedir(d);
	return found ? 0 : -ENOENT;
}

int xg_stats_wait_le(const char *prefix, long long limit, int timeout_ms,
		     long long *last)
{
	long long end = xg_now_ms() + timeout_ms, v = 0;
	int rc;

	for (;;) {
		rc = xg_stats_sum(prefix, &v);
		if (last)
			*last = v;
		if (rc < 0)
			return rc;
		if (v <= limit)
			return 0;
		if (xg_now_ms() >= end)
			return -ETIMEDOUT;
		xg_msleep(20);
	}
}

int xg_debugfs_get(const char *name, long long *v)
{
	char path[512], buf[64], *end;
	int rc;

	snprintf(path, sizeof(path), XG_STATS_DIR "/%s", name);
	rc = xg_read_file(path, buf, sizeof(buf));
	if (rc < 0)
		return rc;
	errno = 0;
	*v = strtoll(buf, &end, 0);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

int xg_debugfs_set(const char *name, long long v)
{
	char path[512], buf[32];
	ssize_t n;
	int fd, len;

	snprintf(path, sizeof(path), XG_STATS_DIR "/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%lld\n", v);
	n = write(fd, buf, len);
	if (n < 0)
		n = -errno;
	close(fd);
	return n < 0 ? (int)n : n == len ? 0 : -EIO;
}

bool xg_kernel_warned(void)
{
	char buf[32];

	/* TAINT_WARN is bit 9 of /proc/sys/kernel/tainted. */
	if (xg_read_file("/proc/sys/kernel/tainted", buf, sizeof(buf)) < 0)
		return false;
	return strtoull(buf, NULL, 10) & (1ULL << 9);
}

/* --- grants seen from outside -------------------------------------------- */

int xg_grant_alive(int fd, domid_t domid, uint32_t gref)
{
	struct gntdev_grant_copy_segment seg;
	uint8_t byte;
	int rc;

	memset(&seg, 0, sizeof(seg));
	seg.source.foreign.ref = gref;
	seg.source.foreign.domid = domid;
	seg.dest.virt = &byte;
	seg.len = 1;
	seg.flags = XG_GNTCOPY_SOURCE_GREF;
	rc = xg_gntdev_copy(fd, &seg, 1);
	if (rc)
		return rc;
	return seg.status == XG_GNTST_OKAY;
}

int xg_grants_wait_gone(int fd, domid_t domid, const uint32_t *grefs,
			unsigned int n, int timeout_ms, unsigned int *alive)
{
	long long end = xg_now_ms() + timeout_ms;
	unsigned int i;
	int rc;

	for (;;) {
		for (i = 0; i < n; i++) {
			rc = xg_grant_alive(fd, domid, grefs[i]);
			if (rc < 0)
				return rc;
			if (rc)
				break;
		}
		if (i == n)
			return 0;
		if (alive)
			*alive = i;
		if (xg_now_ms() >= end)
			return -ETIMEDOUT;
		xg_msleep(50);
	}
}

int xg_gntalloc_fill_exactly(domid_t domid, uint32_t count)
{
	uint32_t chunk, done = 0;
	uint64_t index;
	int fd, rc = 0;

	fd = xg_open(XG_GNTALLOC);
	if (fd < 0)
		return fd;
	while (done < count) {
		chunk = count - done > 128 ? 128 : count - done;
		rc = xg_gntalloc_alloc(fd, domid, GNTALLOC_FLAG_WRITABLE, chunk,
				       &index, NULL);
		if (rc)
			goto out;
		done += chunk;
	}
	rc = xg_gntalloc_alloc(fd, domid, GNTALLOC_FLAG_WRITABLE, 1, &index,
			       NULL);
	rc = rc == -ENOSPC ? 0 : rc ? rc : -EOVERFLOW;
out:
	close(fd);
	return rc;
}

/* --- data -------------------------------------------------------------- */

uint8_t xg_pattern(uint32_t seed, size_t pos)
{
	uint32_t x = (uint32_t)pos * 2654435761u ^ (seed * 40503u + 0x9e37u);

	x ^= x >> 15;
	return (uint8_t)(x ^ (x >> 8) ^ seed);
}

void xg_fill(void *buf, size_t len, uint32_t seed)
{
	uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = xg_pattern(seed, i);
}

long xg_check(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != xg_pattern(seed, i))
			return (long)i;
	return -1;
}

void xg_msleep(int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

bool xg_wait_byte(volatile const uint8_t *p, uint8_t want, int timeout_ms)
{
	long long end = xg_now_ms() + timeout_ms;

	for (;;) {
		if (*p == want)
			return true;
		if (xg_now_ms() >= end)
			return false;
		xg_msleep(2);
	}
}
