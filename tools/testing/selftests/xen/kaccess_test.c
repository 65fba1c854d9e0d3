// SPDX-License-Identifier: GPL-2.0
/*
 * kaccess_test - what reaches a mapped grant page through the kernel, on
 * the self-grant loopback: get_user_pages() users (vmsplice(),
 * process_vm_readv(), O_DIRECT I/O), the unmap notification's cleared
 * byte, and the /proc readers that look the pages up without touching
 * them (smaps, smaps_rollup, numa_maps, pagemap).
 *
 *  - proc_readers_no_hypercall: reading those /proc files of a process
 *    with grant pages mapped makes no grant-table hypercall (xen-gnt's
 *    debugfs counter; in-tree has none, and only the reads are checked).
 *  - full_maptrack: with Xen's map-track table of this domain full (the
 *    test maps the same grants over and over until Xen refuses, the
 *    grants cycling so that none is mapped more than Xen allows), a
 *    mapping made before still serves vmsplice(), process_vm_readv() and
 *    O_DIRECT writes (to $XG_FILE_DIR, dom0's ext4; left out without it),
 *    and its unmap still clears the notify byte. Xen's refusal is ENOSPC
 *    from xen-gnt's mmap() (in-tree: EINVAL). SKIPs if the table is
 *    larger than the test's cap.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE
/* Pages granted for the fill-up; each is mapped at most MAX_USES times. */
#define FILL_PAGES 4096
#define MAX_USES 100
/* Cap on the pages mapped to fill the table (Xen's default: 262144 entries). */
#define FILL_CAP 600000
#define MAX_FILL_MAPS 1024

FIXTURE(ka) {
	struct xg_selfgrant sg;
	long long old_limit;
};

FIXTURE_SETUP(ka)
{
	int rc;

	self->old_limit = xg_module_param("xen_gntalloc", "limit");
	if (self->old_limit >= 0 && self->old_limit < FILL_PAGES + 16) {
		FILE *f = fopen("/sys/module/xen_gntalloc/parameters/limit",
				"we");

		ASSERT_NE(NULL, f);
		fprintf(f, "%d\n", FILL_PAGES + 16);
		ASSERT_EQ(0, fclose(f));
	}
	rc = xg_selfgrant_open(&self->sg, FILL_PAGES);
	if (rc && self->sg.skip)
		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
	xg_fill(self->sg.apage, 2 * PG, 41);
}

FIXTURE_TEARDOWN(ka)
{
	xg_selfgrant_close(&self->sg);
	if (self->old_limit >= 0 && self->old_limit < FILL_PAGES + 16) {
		FILE *f = fopen("/sys/module/xen_gntalloc/parameters/limit",
				"we");

		if (f) {
			fprintf(f, "%lld\n", self->old_limit);
			fclose(f);
		}
	}
}

/* @n grants of @refs mapped and mmap()ed on @dev; NULL (errno) if not. */
static uint8_t *map_refs(FIXTURE_DATA(ka) *self, int dev, uint32_t *refs,
			 uint32_t n, uint64_t *index)
{
	uint8_t *p;
	int rc;

	rc = xg_gntdev_map(dev, self->sg.domid, n, refs, index);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	p = xg_mmap(dev, *index, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!p) {
		rc = errno;
		xg_gntdev_unmap(dev, *index, n);
		errno = rc;
	}
	return p;
}

/* A whole file read and thrown away: its size, or -errno. */
static long read_all(const char *path)
{
	char buf[4096];
	long total = 0;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	if (n < 0)
		total = -errno;
	close(fd);
	return total;
}

TEST_F(ka, proc_readers_no_hypercall)
{
	enum { N = 16 };
	long long before = 0, after = 0;
	uint64_t index, ent[N];
	bool counted;
	uint8_t *g;
	int dev, fd, i;

	dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, dev);
	g = map_refs(self, dev, self->sg.grefs, N, &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	for (i = 0; i < N; i++)
		g[i * PG] ^= 1;

	counted = xg_stats_sum("hypercalls", &before) == 0;
	EXPECT_LT(0, read_all("/proc/self/smaps"));
	EXPECT_LT(0, read_all("/proc/self/smaps_rollup"));
	EXPECT_LT(0, read_all("/proc/self/numa_maps"));
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	EXPECT_EQ((ssize_t)sizeof(ent),
		  pread(fd, ent, sizeof(ent), (uintptr_t)g / PG * sizeof(ent[0])));
	close(fd);
	for (i = 0; i < N; i++)
		EXPECT_NE(0, ent[i] >> 63) TH_LOG("page %d not present", i);
	if (counted) {
		ASSERT_EQ(0, xg_stats_sum("hypercalls", &after));
		EXPECT_EQ(before, after)
			TH_LOG("reading /proc of a process with %d grant pages cost %lld grant-table hypercalls",
			       N, after - before);
	} else {
		TH_LOG("no xen-gnt counters (in-tree modules): only the reads are checked");
	}
	EXPECT_EQ(0, munmap(g, N * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(dev, index, N));
	close(dev);
}

struct fill {
	uint8_t *p[MAX_FILL_MAPS];
	uint64_t index[MAX_FILL_MAPS];
	uint32_t n[MAX_FILL_MAPS];
	unsigned int maps;
	long pages;
	int err;
	bool lowmem;
};

/* Memory a fill leaves to the rest of the domain. */
#define FILL_FLOOR_KIB (128 << 10)

/*
 * Maps grants 2.. of @self over and over on @dev, in ever smaller maps,
 * until Xen refuses even one page (f->err: the errno) or the cap is hit
 * (f->err 0).  Where the placeholder pages behind a map come out of this
 * domain's RAM (Arm 6.1: no ZONE_DEVICE, the balloon gives them), a fill
 * stops before a map would leave less than FILL_FLOOR_KIB available
 * (f->lowmem): the OOM killer cannot free placeholder pages, so going on
 * deadlocks the domain.
 */
static void fill_maptrack(FIXTURE_DATA(ka) *self, int dev, struct fill *f)
{
	static const uint32_t sizes[] = { 4096, 1024, 256, 64, 16, 4, 1 };
	static uint32_t refs[4096];
	unsigned int s, j;
	long next = 0;

	f->err = 0;
	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (;;) {
			if (f->maps == MAX_FILL_MAPS || f->pages >= FILL_CAP)
				return;
			if (xg_mem_available_kib() <
			    FILL_FLOOR_KIB + sizes[s] * (long long)(PG >> 10)) {
				f->lowmem = true;
				return;
			}
			for (j = 0; j < sizes[s]; j++, next++)
				refs[j] = self->sg.grefs[2 + next %
							 (FILL_PAGES - 2)];
			f->p[f->maps] = map_refs(self, dev, refs, sizes[s],
						 &f->index[f->maps]);
			if (!f->p[f->maps]) {
				f->err = errno;
				next -= sizes[s];
				break;
			}
			f->n[f->maps++] = sizes[s];
			f->pages += sizes[s];
		}
	}
}

static void unfill(struct __test_metadata *_metadata, int dev, struct fill *f)
{
	unsigned int i;

	for (i = 0; i < f->maps; i++) {
		EXPECT_EQ(0, munmap(f->p[i], f->n[i] * PG));
		EXPECT_EQ(0, xg_gntdev_unmap(dev, f->index[i], f->n[i]));
	}
	f->maps = 0;
}

/* O_DIRECT write of @src (one page) to a file in $XG_FILE_DIR, read back. */
static void odirect_page(struct __test_metadata *_metadata, const uint8_t *src)
{
	const char *dir = getenv("XG_FILE_DIR");
	char path[512];
	void *back;
	int fd;

	if (!dir || !*dir) {
		TH_LOG("no $XG_FILE_DIR: O_DIRECT left out");
		return;
	}
	snprintf(path, sizeof(path), "%s/kaccess-%d", dir, getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC,
		  0600);
	ASSERT_LE(0, fd) TH_LOG("%s: %s", path, strerror(errno));
	unlink(path);
	EXPECT_EQ((ssize_t)PG, pwrite(fd, src, PG, 0))
		TH_LOG("O_DIRECT write from a grant page: %s", strerror(errno));
	ASSERT_EQ(0, posix_memalign(&back, PG, PG));
	EXPECT_EQ((ssize_t)PG, pread(fd, back, PG, 0));
	EXPECT_EQ(0, memcmp(back, src, PG));
	free(back);
	close(fd);
}

TEST_F_TIMEOUT(ka, full_maptrack, 600)
{
	uint8_t *v1, *v2, buf[PG];
	struct iovec local, remote, iov;
	static struct fill f;
	uint64_t i1, i2;
	bool pv = xg_guest_type() && !strcmp(xg_guest_type(), "PV");
	int dev, pfd[2];
	ssize_t n;

	dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, dev);
	/* v1: the notify byte's page; v2: the page the kernel is asked for. */
	v1 = map_refs(self, dev, &self->sg.grefs[0], 1, &i1);
	ASSERT_NE(NULL, v1) TH_LOG("map: %s", strerror(errno));
	v1[7] = 0xaa;
	ASSERT_EQ(0, xg_gntdev_notify(dev, i1 + 7, UNMAP_NOTIFY_CLEAR_BYTE, 0));
	v2 = map_refs(self, dev, &self->sg.grefs[1], 1, &i2);
	ASSERT_NE(NULL, v2) TH_LOG("map: %s", strerror(errno));

	fill_maptrack(self, dev, &f);
	if (!f.err) {
		unfill(_metadata, dev, &f);
		if (f.lowmem)
			SKIP(return,
			     "memory low after %ld placeholder pages, map-track table not full (lower Xen's gnttab_max_maptrack_frames=)",
			     f.pages);
		SKIP(return, "map-track table not full after %ld pages", f.pages);
	}
	TH_LOG("map-track table full after %ld more pages: %s", f.pages,
	       strerror(f.err));
	if (xg_is_ours())
		EXPECT_EQ(ENOSPC, f.err);

	/* get_user_pages() users. */
	ASSERT_EQ(0, pipe(pfd));
	iov.iov_base = v2;
	iov.iov_len = PG;
	EXPECT_EQ((ssize_t)PG, vmsplice(pfd[1], &iov, 1, 0))
		TH_LOG("vmsplice: %s", strerror(errno));
	n = read(pfd[0], buf, PG);
	EXPECT_EQ((ssize_t)PG, n);
	EXPECT_EQ(0, memcmp(buf, self->sg.apage + PG, PG));
	close(pfd[0]);
	close(pfd[1]);

	memset(buf, 0, sizeof(buf));
	local.iov_base = buf;
	local.iov_len = PG;
	remote.iov_base = v2;
	remote.iov_len = PG;
	EXPECT_EQ((ssize_t)PG, process_vm_readv(getpid(), &local, 1, &remote,
						1, 0))
		TH_LOG("process_vm_readv: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(buf, self->sg.apage + PG, PG));

	odirect_page(_metadata, v2);

	/*
	 * The notify byte: cleared by the unmap, whatever Xen has left.  On
	 * PV munmap() ends the grant mapping; on an auto-translated guest
	 * (Arm, PVH, HVM) the grant stays mapped until UNMAP_GRANT_REF.
	 */
	EXPECT_EQ(0, munmap(v1, PG));
	if (pv)
		EXPECT_EQ(0, self->sg.apage[7])
			TH_LOG("the notify byte was not cleared by munmap()");
	EXPECT_EQ(0, xg_gntdev_unmap(dev, i1, 1));
	EXPECT_EQ(0, self->sg.apage[7]) TH_LOG("the notify byte was not cleared");

	unfill(_metadata, dev, &f);
	EXPECT_EQ(0, munmap(v2, PG));
	EXPECT_EQ(0, xg_gntdev_unmap(dev, i2, 1));
	close(dev);
}

TEST_HARNESS_MAIN
