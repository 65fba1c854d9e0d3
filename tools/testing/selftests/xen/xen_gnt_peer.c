// SPDX-License-Identifier: GPL-2.0
/*
 * xen_gnt_peer - the agent the dom0 peer tests (cross_domain_test,
 * peer_destroy_test, unload_handoff_test) talk to, run in the background
 * in a PV domU. It allocates, maps, checks and releases grants on dom0's
 * request; the protocol is in xen_gnt_peer.h.
 *
 * Usage: xen_gnt_peer [-t IDLE_SECONDS]
 * Runs until "quit", SIGTERM/SIGINT, or IDLE_SECONDS without a request
 * (default 0: forever). Logs one line per request to stdout, with the
 * time it took.
 * $XEN_GNT_PEER_RELOAD: the command the "reload" verb runs (sh -c).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <xenstore.h>

#include "xen_gnt_util.h"
#include "xen_gnt_peer.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

enum kind { H_FREE, H_ALLOC, H_MAP };

struct handle {
	enum kind kind;
	int fd;
	uint8_t *p;
	uint32_t n;
	uint64_t index;
};

static struct handle handles[XG_PEER_MAX_HANDLES];
static int evtchn_fd = -1;
static volatile sig_atomic_t stop;
static struct xs_handle *xs;
static char dir[128];

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void plog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void plog(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("xen_gnt_peer: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	fflush(stdout);
	va_end(ap);
}

static char *path(const char *key)
{
	static char buf[192];

	snprintf(buf, sizeof(buf), "%s/%s", dir, key);
	return buf;
}

static void release(struct handle *h)
{
	if (h->p)
		munmap(h->p, (size_t)h->n * XG_PAGE);
	if (h->kind == H_MAP)
		xg_gntdev_unmap(h->fd, h->index, h->n);
	else if (h->kind == H_ALLOC)
		xg_gntalloc_dealloc(h->fd, h->index, h->n);
	if (h->fd >= 0)
		close(h->fd);
	memset(h, 0, sizeof(*h));
	h->fd = -1;
}

static void release_all(void)
{
	int i;

	for (i = 0; i < XG_PEER_MAX_HANDLES; i++)
		if (handles[i].kind != H_FREE)
			release(&handles[i]);
}

static struct handle *new_handle(int *id)
{
	int i;

	for (i = 0; i < XG_PEER_MAX_HANDLES; i++) {
		if (handles[i].kind == H_FREE) {
			*id = i;
			handles[i].fd = -1;
			return &handles[i];
		}
	}
	return NULL;
}

static struct handle *get_handle(const char *s)
{
	char *end;
	long i = strtol(s ? s : "", &end, 10);

	if (!s || *end || i < 0 || i >= XG_PEER_MAX_HANDLES ||
	    handles[i].kind == H_FREE)
		return NULL;
	return &handles[i];
}

static int num(const char *s, long long lo, long long hi, long long *v)
{
	char *end;

	if (!s)
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 0);
	if (errno || *end || end == s || *v < lo || *v > hi)
		return -1;
	return 0;
}

/* Result text of one request: "ok ..." or "err ...". */
static char out[4000];

static int err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int err(const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(out, sizeof(out), "err ");

	va_start(ap, fmt);
	vsnprintf(out + n, sizeof(out) - n, fmt, ap);
	va_end(ap);
	return -1;
}

static int check(struct handle *h, uint32_t seed)
{
	long bad = xg_check(h->p, (size_t)h->n * XG_PAGE, seed);

	if (bad >= 0)
		return err("mismatch at %ld: %#x, want %#x", bad, h->p[bad],
			   xg_pattern(seed, bad));
	return 0;
}

static int do_alloc(char **arg, int argc)
{
	long long domid, n, seed, flags;
	struct handle *h;
	uint32_t grefs[XG_PEER_MAX_GRANTS];
	size_t len;
	int id, rc;
	long long i;

	if (argc != 4 || num(arg[0], 0, 0x7fef, &domid) ||
	    num(arg[1], 1, XG_PEER_MAX_GRANTS, &n) ||
	    num(arg[2], 0, 0xffffffffLL, &seed) || num(arg[3], 0, 0xffff, &flags))
		return err("usage: alloc DOMID N SEED FLAGS");
	h = new_handle(&id);
	if (!h)
		return err("no free handle");
	h->fd = xg_open(XG_GNTALLOC);
	if (h->fd < 0)
		return err("open %s: %s", XG_GNTALLOC, strerror(-h->fd));
	h->kind = H_ALLOC;
	h->n = n;
	rc = xg_gntalloc_alloc(h->fd, domid, flags, n, &h->index, grefs);
	if (rc) {
		h->kind = H_FREE;
		release(h);
		return err("ALLOC_GREF: %s", strerror(-rc));
	}
	h->p = xg_mmap(h->fd, h->index, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!h->p) {
		rc = errno;
		release(h);
		return err("mmap: %s", strerror(rc));
	}
	xg_fill(h->p, (size_t)n * XG_PAGE, seed);
	len = snprintf(out, sizeof(out), "ok %d", id);
	for (i = 0; i < n; i++)
		len += snprintf(out + len, sizeof(out) - len, " %u", grefs[i]);
	return 0;
}

static int do_map(char **arg, int argc)
{
	long long domid, seed, rw, v;
	uint32_t refs[XG_PEER_MAX_GRANTS];
	struct handle *h;
	int id, rc, i, n = argc - 3;

	if (n < 1 || n > XG_PEER_MAX_GRANTS || num(arg[0], 0, 0x7fef, &domid) ||
	    num(arg[1], -1, 0xffffffffLL, &seed) || num(arg[2], 0, 1, &rw))
		return err("usage: map DOMID SEED RW GREF...");
	for (i = 0; i < n; i++) {
		if (num(arg[3 + i], 0, 0xffffffffLL, &v))
			return err("bad grant reference '%s'", arg[3 + i]);
		refs[i] = v;
	}
	h = new_handle(&id);
	if (!h)
		return err("no free handle");
	h->fd = xg_open(XG_GNTDEV);
	if (h->fd < 0)
		return err("open %s: %s", XG_GNTDEV, strerror(-h->fd));
	rc = xg_gntdev_map(h->fd, domid, n, refs, &h->index);
	if (rc) {
		release(h);
		return err("MAP_GRANT_REF: %s", strerror(-rc));
	}
	h->kind = H_MAP;
	h->n = n;
	h->p = xg_mmap(h->fd, h->index, n,
		       rw ? PROT_READ | PROT_WRITE : PROT_READ, MAP_SHARED);
	if (!h->p) {
		rc = errno;
		release(h);
		return err("mmap: %s", strerror(rc));
	}
	if (seed >= 0 && check(h, seed)) {
		release(h);
		return -1;
	}
	snprintf(out, sizeof(out), "ok %d", id);
	return 0;
}

static int do_notify(struct handle *h, char **arg, int argc)
{
	long long pos, action, port;
	int local = 0, rc;

	if (argc != 3 || num(arg[0], 0, (long long)h->n * XG_PAGE - 1, &pos) ||
	    num(arg[1], 0, 0xffffffffLL, &action) ||
	    num(arg[2], 0, 0xffffffffLL, &port))
		return err("usage: notify H POS ACTION PORT");
	if (action & UNMAP_NOTIFY_SEND_EVENT) {
		if (evtchn_fd < 0)
			evtchn_fd = xg_open(XG_EVTCHN);
		if (evtchn_fd < 0)
			return err("open %s: %s", XG_EVTCHN,
				   strerror(-evtchn_fd));
		local = xg_evtchn_bind(evtchn_fd, 0, port);
		if (local < 0)
			return err("bind to port %lld of dom0: %s", port,
				   strerror(-local));
	}
	if (h->kind == H_MAP)
		rc = xg_gntdev_notify(h->fd, h->index + pos, action, local);
	else
		rc = xg_gntalloc_notify(h->fd, h->index + pos, action, local);
	if (rc)
		return err("SET_UNMAP_NOTIFY: %s", strerror(-rc));
	snprintf(out, sizeof(out), "ok %d", local);
	return 0;
}

/* --- unloading the grant modules (unload_handoff_test) ----------------- */

/* The grant modules, users first: the order they can be unloaded in. */
static const char *const grant_modules[] = {
	"xen_gntalloc", "xen_gntdev", "xen_gntcore",
};

/* What xen-gntcore logs at unload when it hands pages to the kernel. */
#define HANDOFF_MSG "granted pages still mapped by their peers"

/* A loadable module that is loaded (built-in ones have no initstate). */
static bool module_loaded(const char *name)
{
	char p[128];

	snprintf(p, sizeof(p), "/sys/module/%s/initstate", name);
	return access(p, F_OK) == 0;
}

/*
 * /dev/kmsg, non-blocking: at its first record, or past its last one if
 * @from_end. fd or -1 (errno).
 */
static int kmsg_open(bool from_end)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0 && from_end && lseek(fd, 0, SEEK_END) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The text of the next kernel log record, or NULL at the end. */
static const char *kmsg_next(int fd, char *buf, size_t len)
{
	char *text;
	ssize_t n;

	for (;;) {
		n = read(fd, buf, len - 1);
		/* EPIPE: records were overwritten; go on with the next. */
		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			return NULL;
		buf[n] = '\0';
		text = strchr(buf, ';');
		if (!text)
			continue;
		text++;
		/* Continuation lines (" KEY=value") follow the text. */
		text[strcspn(text, "\n")] = '\0';
		return text;
	}
}

static int do_unload(void)
{
	long long pending = -1;
	long handed = -1;
	char buf[8192];
	const char *text;
	size_t len, i;
	int fd, rc;

	release_all();
	if (evtchn_fd >= 0)
		close(evtchn_fd);
	evtchn_fd = -1;
	if (xg_stats_sum("pending_revoke", &pending))
		pending = -1;
	fd = kmsg_open(true);
	if (fd < 0)
		return err("/dev/kmsg: %s", strerror(errno));
	len = snprintf(out, sizeof(out), "ok pending_revoke=%lld", pending);
	for (i = 0; i < ARRAY_SIZE(grant_modules); i++) {
		const char *m = grant_modules[i];

		if (!module_loaded(m)) {
			len += snprintf(out + len, sizeof(out) - len,
					" %s=absent", m);
			continue;
		}
		rc = syscall(SYS_delete_module, m, O_NONBLOCK) ? -errno : 0;
		len += snprintf(out + len, sizeof(out) - len, " %s=%d", m, rc);
	}
	while ((text = kmsg_next(fd, buf, sizeof(buf)))) {
		const char *at = strstr(text, HANDOFF_MSG);

		plog("kernel: %s", text);
		/* "<prefix>: K granted pages ...": the number before it. */
		if (!at || at == text || at[-1] != ' ')
			continue;
		for (at--; at > text && isdigit((unsigned char)at[-1]); at--)
			;
		if (isdigit((unsigned char)*at))
			handed = strtol(at, NULL, 10);
	}
	close(fd);
	snprintf(out + len, sizeof(out) - len, " handed=%ld", handed);
	return 0;
}

static int do_reload(void)
{
	const char *cmd = getenv(XG_PEER_RELOAD_ENV);
	int status;

	if (!cmd || !*cmd)
		return err("%s not set: no command to load the modules",
			   XG_PEER_RELOAD_ENV);
	fflush(stdout);
	status = system(cmd);
	if (status == -1)
		return err("system(%s): %s", cmd, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return err("'%s' failed (wait status %#x)", cmd, status);
	return 0;
}

/*
 * delete_module(O_NONBLOCK) of @name, retried while the module is in use
 * (a work item of the core may still hold a reference), for up to 10 s.
 * 0, or -errno.
 */
static int unload_module_retry(const char *name)
{
	int i, rc = 0;

	for (i = 0; i < 10000; i++) {
		if (!module_loaded(name))
			return 0;
		rc = syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
		if (rc != -EWOULDBLOCK && rc != -EBUSY)
			return rc;
		xg_msleep(1);
	}
	return rc;
}

/*
 * One map of a page of our own whose unmap a work item of the core
 * finishes: UNMAP_GRANT_REF first, so that the VMA holds the last
 * reference; then the munmap() leaves the unmap to a work item, either
 * because its request cannot be allocated (@held false: fault injection)
 * or because a pipe holds the page (@held true; the pipe is closed after
 * everything else). 0, or -errno with *@step set.
 */
static int deferred_unmap_once(bool held, const char **step)
{
	struct xg_selfgrant sg;
	int pfd[2] = { -1, -1 };
	struct iovec iov;
	uint64_t idx;
	uint8_t *p;
	int rc;

	rc = xg_selfgrant_open(&sg, 1);
	if (rc) {
		*step = sg.step;
		return rc;
	}
	*step = "MAP_GRANT_REF";
	rc = xg_gntdev_map(sg.dev, sg.domid, 1, sg.grefs, &idx);
	if (rc)
		goto out;
	*step = "mmap";
	p = xg_mmap(sg.dev, idx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!p) {
		rc = -errno;
		xg_gntdev_unmap(sg.dev, idx, 1);
		goto out;
	}
	p[0] = 1;
	*step = "UNMAP_GRANT_REF";
	rc = xg_gntdev_unmap(sg.dev, idx, 1);
	if (!rc && held) {
		*step = "vmsplice";
		iov.iov_base = p;
		iov.iov_len = XG_PAGE;
		if (pipe(pfd) || vmsplice(pfd[1], &iov, 1, 0) != XG_PAGE)
			rc = -errno;
	} else if (!rc) {
		/* No such file with in-tree modules: nothing to inject. */
		xg_debugfs_set("core/fail_unmap_alloc", 1);
	}
	munmap(p, XG_PAGE);
	close(sg.dev);
	sg.dev = -1;
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
out:
	xg_selfgrant_close(&sg);
	return rc;
}

/*
 * unload_race N MS: N rounds of a deferred unmap (alternately with fault
 * injection and with a pipe holding the page), then the unload of the
 * grant modules at once, retried only while they are in use, then reload.
 * Replies "rounds=N windows=K": in K rounds a work item was still in the
 * core's code when the core's unload began (0 without xen-gntcore).
 * With the core's work_put_delay_ms set to MS, the work item that drops
 * the last reference waits (up to MS) for the core's unload after letting
 * the modules go; an unload that does not wait for it makes xen-gntcore
 * warn at exit (and the work item return into freed code).
 */
static int do_unload_race(char **w, int n)
{
	long long rounds, ms, v, windows = 0;
	const char *step = "";
	size_t i;
	int r, rc;

	if (n != 2 || num(w[0], 1, 100, &rounds) || num(w[1], 0, 60000, &ms))
		return err("usage: unload_race N MS");
	release_all();
	if (evtchn_fd >= 0)
		close(evtchn_fd);
	evtchn_fd = -1;
	for (r = 0; r < rounds; r++) {
		/* No such file with in-tree modules: nothing to delay. */
		xg_debugfs_set("core/work_put_delay_ms", ms);
		rc = deferred_unmap_once(r & 1, &step);
		if (rc)
			return err("round %d: %s: %s", r, step, strerror(-rc));
		for (i = 0; i < ARRAY_SIZE(grant_modules); i++) {
			/*
			 * The device modules are gone: is a work item still
			 * in the core's code (the window this round is for)?
			 */
			if (!strcmp(grant_modules[i], "xen_gntcore") &&
			    !xg_debugfs_get("core/work_put_delaying", &v) && v)
				windows++;
			rc = unload_module_retry(grant_modules[i]);
			if (rc)
				return err("round %d: unload %s: %s", r,
					   grant_modules[i], strerror(-rc));
		}
		/*
		 * The hook ends its wait when the core's unload begins: a
		 * work item the unload did not wait for returns into freed
		 * memory within this pause, not into a fresh copy of the
		 * same code.
		 */
		xg_msleep(500);
		rc = do_reload();
		if (rc)
			return rc;
	}
	snprintf(out, sizeof(out), "ok rounds=%lld windows=%lld", rounds,
		 windows);
	return 0;
}

/*
 * The pages are written into a memfd (shmem): the kernel allocates them
 * and copies into them through its own mapping, so no user page table is
 * written per page, which a PV guest pays for with a trap into Xen (under
 * TCG, 32 MiB of anonymous memory took up to 41 s on a loaded host).
 */
static int do_scribble(void)
{
	const size_t max = 64UL << 20;
	long long kib = xg_mem_available_kib();
	static uint8_t chunk[1 << 20];
	size_t len, done = 0;
	ssize_t n;
	int fd;

	if (kib <= 0)
		return err("no MemAvailable in /proc/meminfo");
	len = (size_t)kib / 4 * 3 * 1024;
	if (len > max)
		len = max;
	len &= ~(sizeof(chunk) - 1);
	fd = memfd_create("xen_gnt_peer-scribble", MFD_CLOEXEC);
	if (fd < 0)
		return err("memfd_create: %s", strerror(errno));
	memset(chunk, 0xa5, sizeof(chunk));
	while (done < len) {
		n = write(fd, chunk, sizeof(chunk));
		if (n <= 0) {
			close(fd);
			return err("write to memfd after %zu bytes: %s", done,
				   n < 0 ? strerror(errno) : "no progress");
		}
		done += n;
	}
	close(fd);
	snprintf(out, sizeof(out), "ok %zu", len >> 20);
	return 0;
}

static bool kernel_bad(const char *text)
{
	static const char *const bad[] = {
		"BUG:", "WARNING:", "Oops", "general protection", "Call Trace",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (strstr(text, bad[i]))
			return true;
	return false;
}

static int do_klog(void)
{
	unsigned int leaking = 0, pending = 0, bad = 0;
	const char *text;
	char buf[8192];
	bool show;
	int fd;

	fd = kmsg_open(false);
	if (fd < 0)
		return err("/dev/kmsg: %s", strerror(errno));
	while ((text = kmsg_next(fd, buf, sizeof(buf)))) {
		show = false;
		if (strcasestr(text, "leaking")) {
			leaking++;
			show = true;
		}
		if (strstr(text, "still pending") ||
		    strstr(text, "still maps granted")) {
			pending++;
			show = true;
		}
		if (kernel_bad(text)) {
			bad++;
			show = true;
		}
		if (show)
			plog("kernel: %s", text);
	}
	close(fd);
	snprintf(out, sizeof(out), "ok leaking=%u still_pending=%u bad=%u",
		 leaking, pending, bad);
	return 0;
}

/* Runs one request (words in @w, @n of them); fills @out. */
static int run(char **w, int n)
{
	const char *verb = w[0];
	struct handle *h;
	long long v, pos;

	snprintf(out, sizeof(out), "ok");
	if (!strcmp(verb, "alloc"))
		return do_alloc(w + 1, n - 1);
	if (!strcmp(verb, "map"))
		return do_map(w + 1, n - 1);
	if (!strcmp(verb, "unload"))
		return do_unload();
	if (!strcmp(verb, "reload"))
		return do_reload();
	if (!strcmp(verb, "unload_race"))
		return do_unload_race(w + 1, n - 1);
	if (!strcmp(verb, "scribble"))
		return do_scribble();
	if (!strcmp(verb, "klog"))
		return do_klog();
	if (!strcmp(verb, "reset") || !strcmp(verb, "quit")) {
		release_all();
		if (!strcmp(verb, "quit"))
			stop = 1;
		return 0;
	}
	h = n < 2 ? NULL : get_handle(w[1]);
	if (!h)
		return err("%s: no such handle", verb);
	if (!strcmp(verb, "check")) {
		if (n != 3 || num(w[2], 0, 0xffffffffLL, &v))
			return err("usage: check H SEED");
		return check(h, v);
	}
	if (!strcmp(verb, "fill")) {
		if (n != 3 || num(w[2], 0, 0xffffffffLL, &v))
			return err("usage: fill H SEED");
		xg_fill(h->p, (size_t)h->n * XG_PAGE, v);
		return 0;
	}
	if (!strcmp(verb, "peek")) {
		if (n != 3 || num(w[2], 0, (long long)h->n * XG_PAGE - 1, &pos))
			return err("usage: peek H POS");
		snprintf(out, sizeof(out), "ok %u", h->p[pos]);
		return 0;
	}
	if (!strcmp(verb, "poke")) {
		if (n != 4 || num(w[2], 0, (long long)h->n * XG_PAGE - 1, &pos) ||
		    num(w[3], 0, 255, &v))
			return err("usage: poke H POS BYTE");
		h->p[pos] = v;
		return 0;
	}
	if (!strcmp(verb, "notify"))
		return do_notify(h, w + 2, n - 2);
	if (!strcmp(verb, "release")) {
		release(h);
		return 0;
	}
	return err("unknown verb '%s'", verb);
}

/* Answers the request in req if it is a new one: true if it was. */
static bool serve(char *last_id, size_t last_len)
{
	char *w[XG_PEER_MAX_GRANTS + 8], *req, *save, *tok, *resp;
	unsigned int len;
	long long t0;
	int n = 0, rc;

	req = xs_read(xs, XBT_NULL, path(XG_PEER_REQ), &len);
	if (!req)
		return false;
	for (tok = strtok_r(req, " \n", &save);
	     tok && n < (int)(sizeof(w) / sizeof(w[0]));
	     tok = strtok_r(NULL, " \n", &save))
		w[n++] = tok;
	if (n < 2 || !strcmp(w[0], last_id)) {
		free(req);
		return false;
	}
	snprintf(last_id, last_len, "%s", w[0]);
	t0 = xg_now_ms();
	rc = run(w + 1, n - 1);
	plog("%s %s -> %s%s (%lld ms)", w[0], w[1], out,
	     rc ? " (failed)" : "", xg_now_ms() - t0);
	if (asprintf(&resp, "%s %s", w[0], out) < 0) {
		free(req);
		return true;
	}
	if (!xs_write(xs, XBT_NULL, path(XG_PEER_RESP), resp, strlen(resp)))
		plog("cannot write %s: %s", path(XG_PEER_RESP), strerror(errno));
	free(resp);
	free(req);
	return true;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char last_id[32] = "", pid[32];
	long long idle = 0, last_req;
	struct pollfd pfd;
	int domid, opt, i;
	char **ev;

	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't') {
			idle = atoll(optarg);
		} else {
			fprintf(stderr, "usage: %s [-t IDLE_SECONDS]\n", argv[0]);
			return 2;
		}
	}
	for (i = 0; i < XG_PEER_MAX_HANDLES; i++)
		handles[i].fd = -1;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	domid = xg_self_domid();
	if (domid < 0) {
		plog("cannot tell our domid: %s", strerror(-domid));
		return 1;
	}
	xs = xs_open(0);
	if (!xs) {
		plog("xs_open: %s", strerror(errno));
		return 1;
	}
	snprintf(dir, sizeof(dir), XG_PEER_DIR_FMT, domid);
	xs_rm(xs, XBT_NULL, dir);
	if (!xs_write(xs, XBT_NULL, path(XG_PEER_REQ), "", 0) ||
	    !xs_write(xs, XBT_NULL, path(XG_PEER_RESP), "", 0)) {
		plog("cannot write under %s: %s", dir, strerror(errno));
		return 1;
	}
	if (!xs_watch(xs, path(XG_PEER_REQ), "req"))
		plog("xs_watch: %s (polling only)", strerror(errno));
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (!xs_write(xs, XBT_NULL, path(XG_PEER_READY), pid, strlen(pid))) {
		plog("cannot write %s: %s", path(XG_PEER_READY), strerror(errno));
		return 1;
	}
	plog("ready, domid %d, %s", domid, dir);

	pfd.fd = xs_fileno(xs);
	pfd.events = POLLIN;
	last_req = time(NULL);
	while (!stop) {
		if (pfd.fd >= 0)
			poll(&pfd, 1, XG_PEER_POLL_MS);
		else
			xg_msleep(XG_PEER_POLL_MS);
		/* Drain watch events; req is read below either way. */
		while (pfd.fd >= 0 && (ev = xs_check_watch(xs)))
			free(ev);
		if (stop)
			break;
		if (serve(last_id, sizeof(last_id)))
			last_req = time(NULL);
		if (idle > 0 && time(NULL) - last_req > idle) {
			plog("idle for %lld s, exiting", idle);
			break;
		}
	}
	release_all();
	if (evtchn_fd >= 0)
		close(evtchn_fd);
	xs_rm(xs, XBT_NULL, path(XG_PEER_READY));
	xs_close(xs);
	plog("exiting");
	return 0;
}
