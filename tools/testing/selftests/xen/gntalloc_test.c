// SPDX-License-Identifier: GPL-2.0
/*
 * gntalloc_test - /dev/xen/gntalloc on its own: ALLOC_GREF, mmap,
 * DEALLOC_GREF, SET_UNMAP_NOTIFY, with every error Linux's in-tree driver
 * answers. The pages are granted to our own domain; mapping them back
 * through gntdev is gntdev_test's job.
 *
 * The reference is Linux's drivers/xen/gntalloc.c (6.1 and 6.12 behave
 * the same here): every test passes against it. Tests named *_improved
 * check what xen-gnt does better and SKIP with the in-tree module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE

/* Linux never hands out grant references 0-7 (reserved for the toolstack). */
#define FIRST_FREE_GREF 8

FIXTURE(gntalloc) {
	int fd;
	domid_t domid;
};

FIXTURE_SETUP(gntalloc)
{
	int rc;

	self->fd = -1;
	rc = xg_open(XG_GNTALLOC);
	if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO)
		SKIP(return, "%s: %s", XG_GNTALLOC, strerror(-rc));
	ASSERT_LE(0, rc) TH_LOG("open %s: %s", XG_GNTALLOC, strerror(-rc));
	self->fd = rc;
	rc = xg_self_domid();
	if (rc < 0)
		SKIP(return, "cannot tell our domid: %s", strerror(-rc));
	self->domid = rc;
}

FIXTURE_TEARDOWN(gntalloc)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* ALLOC_GREF of one page: an mmap()able index and a real grant reference. */
TEST_F(gntalloc, alloc_one_page)
{
	uint64_t index = 1;
	uint32_t gref = 0;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       &gref));
	EXPECT_EQ(0, index % PG);
	EXPECT_LE(FIRST_FREE_GREF, gref);
}

/* Many pages at once: one distinct grant each; ranges of two calls disjoint. */
TEST_F(gntalloc, alloc_many_pages)
{
	enum { N = 64 };
	uint32_t a[N], b[N];
	uint64_t ia, ib;
	int i, j;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, N, &ia, a));
	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, N, &ib, b));
	EXPECT_EQ(0, ia % PG);
	EXPECT_EQ(0, ib % PG);
	EXPECT_TRUE(ib >= ia + N * PG || ia >= ib + N * PG)
		TH_LOG("ranges overlap: %#llx and %#llx",
		       (unsigned long long)ia, (unsigned long long)ib);
	for (i = 0; i < N; i++) {
		EXPECT_LE(FIRST_FREE_GREF, a[i]);
		for (j = 0; j < N; j++) {
			if (j > i)
				ASSERT_NE(a[i], a[j]);
			ASSERT_NE(a[i], b[j]);
		}
	}
}

/*
 * Where xen-gnt answers a bad request differently from Linux's in-tree
 * gntalloc, on purpose, the expected result depends on the module loaded:
 *  - ALLOC_GREF with a count of 0, or with flag bits other than
 *    GNTALLOC_FLAG_WRITABLE: in-tree succeeds (a count of 0 allocates
 *    nothing, unknown bits are ignored); ours refuses with EINVAL, so a
 *    caller's mistake is reported instead of silently accepted.
 * Where in-tree refuses a request, ours gives the same errno.
 */
static int alloc_bad_ret(void)
{
	return xg_is_ours() ? -EINVAL : 0;
}

/* A count of 0: in-tree 0 (nothing allocated), xen-gnt EINVAL (see above). */
TEST_F(gntalloc, alloc_count_zero)
{
	uint64_t index;

	EXPECT_EQ(alloc_bad_ret(), xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 0, &index,
				       NULL));
}

/* More pages than the module's limit: ENOSPC, before anything is allocated. */
TEST_F(gntalloc, alloc_over_limit_enospc)
{
	long long limit = xg_module_param("xen_gntalloc", "limit");
	uint64_t index;

	if (limit > 0 && limit < 0xffffffffLL) {
		EXPECT_EQ(-ENOSPC, xg_gntalloc_alloc(self->fd, self->domid,
						     GNTALLOC_FLAG_WRITABLE,
						     (uint32_t)limit + 1,
						     &index, NULL));
	} else {
		TH_LOG("no xen_gntalloc limit parameter (%lld)", limit);
	}
	/* Counts that overflow a naive "used + count" check. */
	EXPECT_EQ(-ENOSPC, xg_gntalloc_alloc(self->fd, self->domid,
					     GNTALLOC_FLAG_WRITABLE,
					     0xffffffffu, &index, NULL));
	EXPECT_EQ(-ENOSPC, xg_gntalloc_alloc(self->fd, self->domid,
					     GNTALLOC_FLAG_WRITABLE,
					     0xffff0000u, &index, NULL));
	/* The failures left the file usable. */
	EXPECT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       NULL));
}

/* Unknown flag bits: in-tree ignores them, xen-gnt says EINVAL (see above). */
TEST_F(gntalloc, alloc_unknown_flags)
{
	uint64_t index;
	uint32_t gref;

	EXPECT_EQ(alloc_bad_ret(), xg_gntalloc_alloc(self->fd, self->domid,
						     0xfffe, 1, &index, &gref));
	EXPECT_EQ(alloc_bad_ret(), xg_gntalloc_alloc(self->fd, self->domid,
						     0xffff, 1, &index, &gref));
}

/* New pages are zeroed, writable through MAP_SHARED, and keep their data. */
TEST_F(gntalloc, mmap_shared_zeroed_and_persistent)
{
	enum { N = 4 };
	uint64_t index;
	uint8_t *p;
	size_t i;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, N, &index,
				       NULL));
	p = xg_mmap(self->fd, index, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < N * PG; i++)
		ASSERT_EQ(0, p[i]) TH_LOG("byte %zu not zero", i);
	xg_fill(p, N * PG, 11);
	ASSERT_EQ(0, munmap(p, N * PG));

	/* Mapped again: the same pages. */
	p = xg_mmap(self->fd, index, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(p, N * PG, 11));
	/* One page of the range alone. */
	ASSERT_EQ(0, munmap(p, N * PG));
	p = xg_mmap(self->fd, index + 2 * PG, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(xg_pattern(11, 2 * PG), p[0]);
	EXPECT_EQ(0, munmap(p, PG));
}

/* Two mappings of one page see each other's writes. */
TEST_F(gntalloc, mmap_twice_shares_page)
{
	uint8_t *a, *b;
	uint64_t index;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       NULL));
	a = xg_mmap(self->fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	b = xg_mmap(self->fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, b);
	xg_fill(a, PG, 12);
	EXPECT_EQ(-1, xg_check(b, PG, 12));
	b[77] = 0x5a;
	EXPECT_EQ(0x5a, a[77]);
	munmap(a, PG);
	munmap(b, PG);
}

/* gntalloc mappings must be shared: MAP_PRIVATE gets EINVAL. */
TEST_F(gntalloc, mmap_private_einval)
{
	uint64_t index;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       NULL));
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 1, PROT_READ, MAP_PRIVATE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 1, PROT_READ | PROT_WRITE,
				MAP_PRIVATE));
	EXPECT_EQ(EINVAL, errno);
}

/* An offset or a length not covered by allocated pages: ENOENT. */
TEST_F(gntalloc, mmap_unallocated_enoent)
{
	uint64_t index;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 2, &index,
				       NULL));
	EXPECT_EQ(NULL, xg_mmap(self->fd, index + 64 * PG, 1, PROT_READ,
				MAP_SHARED));
	EXPECT_EQ(ENOENT, errno);
	/* One page more than was allocated. */
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 3, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENOENT, errno);
}

/* DEALLOC_GREF of a whole range; after it the range is gone. */
TEST_F(gntalloc, dealloc_then_again)
{
	uint64_t index;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 2, &index,
				       NULL));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 2));
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->fd, index, 2));
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 2, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENOENT, errno);
}

/* DEALLOC_GREF of something never allocated: EINVAL, as in-tree. */
TEST_F(gntalloc, dealloc_unknown_index)
{
	uint64_t index;

	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->fd, 0, 1));
	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       NULL));
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->fd, index + 100 * PG, 1));
	/* Not page aligned: no page starts there. */
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->fd, index + 1, 1));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 1));
}

/* A count of 0 matches nothing: EINVAL. */
TEST_F(gntalloc, dealloc_count_zero_einval)
{
	uint64_t index;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 2, &index,
				       NULL));
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->fd, index, 0));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 2));
}

/* A range longer than what is allocated: refused, nothing deallocated. */
TEST_F(gntalloc, dealloc_too_many)
{
	uint64_t index;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 2, &index,
				       NULL));
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->fd, index, 3));
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->fd, index, 0xffffffffu));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 2));
}

/* One page out of the middle of a range; the others stay usable. */
TEST_F(gntalloc, dealloc_middle_page)
{
	uint64_t index;
	uint8_t *p;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 3, &index,
				       NULL));
	ASSERT_EQ(0, xg_gntalloc_dealloc(self->fd, index + PG, 1));
	/* The range has a hole now. */
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 3, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(NULL, xg_mmap(self->fd, index + PG, 1, PROT_READ,
				MAP_SHARED));
	EXPECT_EQ(ENOENT, errno);
	p = xg_mmap(self->fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	munmap(p, PG);
	p = xg_mmap(self->fd, index + 2 * PG, 1, PROT_READ | PROT_WRITE,
		    MAP_SHARED);
	ASSERT_NE(NULL, p);
	p[0] = 1;
	munmap(p, PG);
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 1));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->fd, index + 2 * PG, 1));
}

/* Deallocated while mapped: the pages live on until munmap(). */
TEST_F(gntalloc, dealloc_while_mapped_keeps_pages)
{
	enum { N = 2 };
	uint64_t index;
	uint8_t *p;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, N, &index,
				       NULL));
	p = xg_mmap(self->fd, index, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	xg_fill(p, N * PG, 13);
	ASSERT_EQ(0, xg_gntalloc_dealloc(self->fd, index, N));
	EXPECT_EQ(-1, xg_check(p, N * PG, 13));
	xg_fill(p, N * PG, 14);
	EXPECT_EQ(-1, xg_check(p, N * PG, 14));
	/* But the file no longer offers them. */
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, N, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, munmap(p, N * PG));
}

/* Closing the file with a mapping alive: the mapping stays valid. */
TEST_F(gntalloc, close_while_mapped_keeps_pages)
{
	uint64_t index;
	uint8_t *p;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 2, &index,
				       NULL));
	p = xg_mmap(self->fd, index, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	xg_fill(p, 2 * PG, 15);
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(-1, xg_check(p, 2 * PG, 15));
	p[5] = 0;
	EXPECT_EQ(0, munmap(p, 2 * PG));
}

/* SET_UNMAP_NOTIFY: accepted actions, and the in-tree errors. */
TEST_F(gntalloc, notify_actions_and_errors)
{
	uint64_t index;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 2, &index,
				       NULL));
	/* CLEAR_BYTE on any byte of either page. */
	EXPECT_EQ(0, xg_gntalloc_notify(self->fd, index + 5,
					UNMAP_NOTIFY_CLEAR_BYTE, 0));
	EXPECT_EQ(0, xg_gntalloc_notify(self->fd, index + PG + PG - 1,
					UNMAP_NOTIFY_CLEAR_BYTE, 0));
	/* No action: clears the notification. */
	EXPECT_EQ(0, xg_gntalloc_notify(self->fd, index, 0, 0));
	/* Unknown action bits. */
	EXPECT_EQ(-EINVAL, xg_gntalloc_notify(self->fd, index, 4, 0));
	EXPECT_EQ(-EINVAL, xg_gntalloc_notify(self->fd, index, 0xffffffffu, 0));
	/* SEND_EVENT with a port that is not ours. */
	EXPECT_EQ(-EINVAL, xg_gntalloc_notify(self->fd, index,
					      UNMAP_NOTIFY_SEND_EVENT, 0));
	EXPECT_EQ(-EINVAL, xg_gntalloc_notify(self->fd, index,
					      UNMAP_NOTIFY_SEND_EVENT,
					      0xfffffu));
	/* A page this file does not have. */
	EXPECT_EQ(-ENOENT, xg_gntalloc_notify(self->fd, index + 16 * PG,
					      UNMAP_NOTIFY_CLEAR_BYTE, 0));
	/* The page is looked up first: no page, ENOENT, whatever the action. */
	EXPECT_EQ(-ENOENT, xg_gntalloc_notify(self->fd, index + 16 * PG, 4, 0));
	ASSERT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 2));
	EXPECT_EQ(-ENOENT, xg_gntalloc_notify(self->fd, index,
					      UNMAP_NOTIFY_CLEAR_BYTE, 0));
}

/*
 * SEND_EVENT fires when the page is released: not at DEALLOC_GREF while
 * it is still mapped, but at the munmap() that follows.
 */
TEST_F(gntalloc, notify_send_event_on_release)
{
	struct xg_evtchn_pair ev;
	uint64_t index;
	uint8_t *p;
	int rc;

	rc = xg_evtchn_pair_open(&ev, self->domid);
	if (rc == -ENOENT)
		SKIP(return, "%s: no such device", XG_EVTCHN);
	ASSERT_EQ(0, rc) TH_LOG("event channel loopback: %s", strerror(-rc));

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       NULL));
	p = xg_mmap(self->fd, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, xg_gntalloc_notify(self->fd, index,
					UNMAP_NOTIFY_SEND_EVENT, ev.send));
	ASSERT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 1));
	EXPECT_EQ(-ETIMEDOUT, xg_evtchn_wait(ev.fd, ev.recv, 200));
	ASSERT_EQ(0, munmap(p, PG));
	EXPECT_EQ(0, xg_evtchn_wait(ev.fd, ev.recv, 3000));
	xg_evtchn_pair_close(&ev);
}

/* SEND_EVENT fires when the file is closed with the page unmapped. */
TEST_F(gntalloc, notify_send_event_on_close)
{
	struct xg_evtchn_pair ev;
	uint64_t index;
	int rc;

	rc = xg_evtchn_pair_open(&ev, self->domid);
	if (rc == -ENOENT)
		SKIP(return, "%s: no such device", XG_EVTCHN);
	ASSERT_EQ(0, rc) TH_LOG("event channel loopback: %s", strerror(-rc));

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       NULL));
	ASSERT_EQ(0, xg_gntalloc_notify(self->fd, index,
					UNMAP_NOTIFY_SEND_EVENT, ev.send));
	EXPECT_EQ(-ETIMEDOUT, xg_evtchn_wait(ev.fd, ev.recv, 100));
	close(self->fd);
	self->fd = -1;
	EXPECT_EQ(0, xg_evtchn_wait(ev.fd, ev.recv, 3000));
	xg_evtchn_pair_close(&ev);
}

/* Ioctls gntalloc does not have, gntdev's among them: ENOTTY. */
TEST_F(gntalloc, unknown_ioctl_enotty)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, IOCTL_GNTDEV_MAP_GRANT_REF, buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, IOCTL_GNTDEV_GRANT_COPY, buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, _IOC(_IOC_NONE, 'G', 13, 8),
				    buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, _IOC(_IOC_NONE, 'X', 5, 24),
				    buf));
}

/* Separate files have separate pages: one cannot deallocate another's. */
TEST_F(gntalloc, files_are_separate)
{
	uint64_t index;
	int fd2;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       NULL));
	fd2 = xg_open(XG_GNTALLOC);
	ASSERT_LE(0, fd2);
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(fd2, index, 1));
	EXPECT_EQ(NULL, xg_mmap(fd2, index, 1, PROT_READ, MAP_SHARED));
	EXPECT_EQ(ENOENT, errno);
	close(fd2);
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->fd, index, 1));
}

/*
 * xen-gnt raises gntalloc's global default limit well above the in-tree
 * 1024 pages (Qubes and DPDK raise it by hand).
 */
TEST_F(gntalloc, limit_above_1024_improved)
{
	enum { CHUNK = 128, TOTAL = 1152 };
	long long limit;
	uint64_t index;
	int i;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntalloc: the default limit is 1024");
	limit = xg_module_param("xen_gntalloc", "limit");
	ASSERT_LT(1024, limit) TH_LOG("limit parameter: %lld", limit);
	for (i = 0; i < TOTAL / CHUNK; i++)
		ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
					       GNTALLOC_FLAG_WRITABLE, CHUNK,
					       &index, NULL))
			TH_LOG("after %d pages", i * CHUNK);
}

/*
 * By default one file may hold every page the global limit allows: Linux
 * has no per-file cap, and Qubes' gui-agent keeps all its window buffers
 * on one libxengntshr handle (two 4K framebuffers are about 16,200
 * pages). Run in dom0 only: a domU's grant table may hold fewer entries.
 */
TEST_F(gntalloc, one_file_past_16384_pages_improved)
{
	enum { CHUNK = 1024, TOTAL = 16384 + CHUNK };
	long long limit, file_limit;
	uint64_t index;
	int i;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntalloc: the global limit is 1024");
	if (self->domid != 0)
		SKIP(return, "dom0 only: %u pages need as many grant entries",
		     TOTAL);
	limit = xg_module_param("xen_gntalloc", "limit");
	file_limit = xg_module_param("xen_gntalloc", "file_limit");
	EXPECT_EQ(0, file_limit) TH_LOG("default file_limit: %lld", file_limit);
	ASSERT_LE(TOTAL, limit) TH_LOG("limit parameter: %lld", limit);
	for (i = 0; i < TOTAL / CHUNK; i++) {
		ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
					       GNTALLOC_FLAG_WRITABLE, CHUNK,
					       &index, NULL))
			TH_LOG("after %d pages", i * CHUNK);
	}
}

#define FILE_LIMIT_PARAM "/sys/module/xen_gntalloc/parameters/file_limit"

static int write_file_limit(long long v)
{
	char buf[32];
	int fd, n, rc = 0;

	fd = open(FILE_LIMIT_PARAM, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%lld\n", v);
	if (write(fd, buf, n) != n)
		rc = -errno;
	close(fd);
	return rc;
}

/* file_limit, when set, caps each file on its own. */
TEST_F(gntalloc, file_limit_caps_one_file_improved)
{
	long long old;
	uint64_t index;
	int fd2, rc;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntalloc has no file_limit");
	old = xg_module_param("xen_gntalloc", "file_limit");
	ASSERT_LE(0, old) TH_LOG("file_limit: %s", strerror((int)-old));
	rc = write_file_limit(4);
	if (rc == -EACCES || rc == -EPERM)
		SKIP(return, "cannot set file_limit: %s", strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("set file_limit: %s", strerror(-rc));
	fd2 = xg_open(XG_GNTALLOC);
	EXPECT_LE(0, fd2);
	EXPECT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 3, &index, NULL));
	EXPECT_EQ(-ENOSPC, xg_gntalloc_alloc(self->fd, self->domid,
					     GNTALLOC_FLAG_WRITABLE, 2, &index,
					     NULL));
	EXPECT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &index, NULL));
	/* Another file has a cap of its own. */
	EXPECT_EQ(0, xg_gntalloc_alloc(fd2, self->domid, GNTALLOC_FLAG_WRITABLE,
				       4, &index, NULL));
	if (fd2 >= 0)
		close(fd2);
	EXPECT_EQ(0, write_file_limit(old));
}

/*
 * xen-gnt counts its pages in debugfs: after a file is closed and its
 * mappings gone, live_* and pending_* are back where they were.
 */
TEST_F(gntalloc, close_releases_everything_improved)
{
	long long live0, pend0, last;
	uint64_t index;
	uint8_t *p;
	int rc;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntalloc has no statistics");
	ASSERT_EQ(0, xg_stats_sum("live_", &live0));
	ASSERT_EQ(0, xg_stats_sum("pending_", &pend0));
	ASSERT_EQ(0, xg_gntalloc_alloc(self->fd, self->domid,
				       GNTALLOC_FLAG_WRITABLE, 8, &index,
				       NULL));
	p = xg_mmap(self->fd, index, 8, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, xg_stats_sum("live_", &last));
	EXPECT_LT(live0, last);
	close(self->fd);
	self->fd = -1;
	munmap(p, 8 * PG);
	rc = xg_stats_wait_le("live_", live0, 5000, &last);
	EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, live0);
	rc = xg_stats_wait_le("pending_", pend0, 5000, &last);
	EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last, pend0);
}

TEST_HARNESS_MAIN
