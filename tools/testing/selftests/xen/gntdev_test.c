// SPDX-License-Identifier: GPL-2.0
/*
 * gntdev_test - /dev/xen/gntdev: MAP_GRANT_REF, mmap, UNMAP_GRANT_REF,
 * GET_OFFSET_FOR_VADDR, SET_UNMAP_NOTIFY and GRANT_COPY, success paths and
 * the errors Linux's in-tree driver answers.
 *
 * Grants come from a self-grant loopback: gntalloc grants pages to our own
 * domain and gntdev maps them back, so one domain (dom0 or the domU) is
 * enough. Fixture "gntdev" needs gntdev alone (errors that are found before
 * any hypercall); fixture "selfgrant" needs both devices.
 *
 * The reference is Linux's drivers/xen/gntdev.c (6.1 and 6.12 behave the
 * same here): every test passes against it. Tests named *_improved check
 * what xen-gnt does better and SKIP with the in-tree module.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE

static int open_or_errno(const char *path)
{
	return xg_open(path);
}

static bool absent(int rc)
{
	return rc == -ENOENT || rc == -ENODEV || rc == -ENXIO;
}

/* ---------------------------------------------------------------------- */
/* gntdev alone                                                             */

FIXTURE(gntdev) {
	int fd;
	int domid;
};

FIXTURE_SETUP(gntdev)
{
	int rc = open_or_errno(XG_GNTDEV);

	self->fd = -1;
	if (absent(rc))
		SKIP(return, "%s: %s", XG_GNTDEV, strerror(-rc));
	ASSERT_LE(0, rc) TH_LOG("open %s: %s", XG_GNTDEV, strerror(-rc));
	self->fd = rc;
	self->domid = xg_self_domid();
}

FIXTURE_TEARDOWN(gntdev)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* MAP_GRANT_REF with no grants: EINVAL. */
TEST_F(gntdev, map_count_zero_einval)
{
	uint32_t ref = 8;
	uint64_t index;

	EXPECT_EQ(-EINVAL, xg_gntdev_map(self->fd, 0, 0, &ref, &index));
}

/* Above the per-call limit, or counts that wrap a sum: EINVAL. */
TEST_F(gntdev, map_count_over_limit_einval)
{
	long long limit = xg_module_param("xen_gntdev", "limit");
	uint64_t index;
	uint32_t *refs;

	if (limit > 0 && limit < (1 << 20)) {
		refs = calloc(limit + 1, sizeof(*refs));
		ASSERT_NE(NULL, refs);
		EXPECT_EQ(-EINVAL, xg_gntdev_map(self->fd, 0, limit + 1, refs,
						 &index));
		free(refs);
	} else {
		TH_LOG("no usable xen_gntdev limit parameter (%lld)", limit);
	}
	EXPECT_EQ(-EINVAL, xg_gntdev_map(self->fd, 0, 0xffffffffu, NULL,
					 &index));
	EXPECT_EQ(-EINVAL, xg_gntdev_map(self->fd, 0, 0xffff0000u, NULL,
					 &index));
	EXPECT_EQ(-EINVAL, xg_gntdev_map(self->fd, 0, 0x80000000u, NULL,
					 &index));
}

/*
 * Linux's gntdev.h: if no grants were ever added to this file, @index is
 * 0 (clients such as Wayland mmap() a file at offset 0).
 */
TEST_F(gntdev, first_map_index_zero)
{
	uint32_t refs[3] = { 8, 9, 10 };
	uint64_t index = 1;

	ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, 3, refs, &index));
	EXPECT_EQ(0, index);
}

/* Ranges of successive MAP_GRANT_REF calls are page aligned and disjoint. */
TEST_F(gntdev, map_ranges_disjoint)
{
	static const uint32_t counts[] = { 2, 3, 1, 5 };
	uint64_t idx[4];
	uint32_t refs[8] = { 8, 9, 10, 11, 12, 13, 14, 15 };
	int i, j;

	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, counts[i], refs,
					   &idx[i]));
		EXPECT_EQ(0, idx[i] % PG);
	}
	for (i = 0; i < 4; i++)
		for (j = 0; j < 4; j++)
			if (i != j)
				EXPECT_TRUE(idx[i] + counts[i] * PG <= idx[j] ||
					    idx[j] + counts[j] * PG <= idx[i]);
	/* A released range may be reused; the others stay where they are. */
	ASSERT_EQ(0, xg_gntdev_unmap(self->fd, idx[1], counts[1]));
	for (i = 0; i < 4; i++)
		if (i != 1)
			EXPECT_EQ(0, xg_gntdev_unmap(self->fd, idx[i],
						     counts[i]));
}

/* UNMAP_GRANT_REF of what this file did not map: ENOENT. */
TEST_F(gntdev, unmap_errors_enoent)
{
	uint32_t refs[2] = { 8, 9 };
	uint64_t index;

	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, 0, 1));
	ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, 2, refs, &index));
	/* Wrong count for the range. */
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, index, 1));
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, index, 3));
	/* Not the start of a range. */
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, index + PG, 1));
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, index + 64 * PG, 2));
	EXPECT_EQ(0, xg_gntdev_unmap(self->fd, index, 2));
	/* Twice. */
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, index, 2));
}

/* mmap() that does not match a range exactly: EINVAL (no hypercall made). */
TEST_F(gntdev, mmap_wrong_offset_or_size_einval)
{
	uint32_t refs[2] = { 8, 9 };
	uint64_t index;

	ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, 2, refs, &index));
	/* Offset of no range. */
	EXPECT_EQ(NULL, xg_mmap(self->fd, index + 64 * PG, 2,
				PROT_READ | PROT_WRITE, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	/* The second page of the range. */
	EXPECT_EQ(NULL, xg_mmap(self->fd, index + PG, 1,
				PROT_READ | PROT_WRITE, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	/* Too short, too long. */
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 1, PROT_READ | PROT_WRITE,
				MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 3, PROT_READ | PROT_WRITE,
				MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, xg_gntdev_unmap(self->fd, index, 2));
}

/* A writable private mapping of grants: EINVAL. */
TEST_F(gntdev, mmap_private_writable_einval)
{
	uint32_t ref = 8;
	uint64_t index;

	ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, 1, &ref, &index));
	EXPECT_EQ(NULL, xg_mmap(self->fd, index, 1, PROT_READ | PROT_WRITE,
				MAP_PRIVATE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, xg_gntdev_unmap(self->fd, index, 1));
}

/* GET_OFFSET_FOR_VADDR on memory that is not a gntdev mapping: EINVAL. */
TEST_F(gntdev, get_offset_not_gntdev_einval)
{
	int on_stack = 0;
	void *anon;

	EXPECT_EQ(-EINVAL, xg_gntdev_offset(self->fd, &on_stack, NULL, NULL));
	anon = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(-EINVAL, xg_gntdev_offset(self->fd, anon, NULL, NULL));
	munmap(anon, PG);
	/* Above every mapping of the process. */
	EXPECT_EQ(-EINVAL, xg_gntdev_offset(self->fd, (void *)~0xfffUL, NULL,
					    NULL));
}

/* SET_UNMAP_NOTIFY errors: bad action, bad port, no such range. */
TEST_F(gntdev, notify_errors)
{
	uint32_t refs[2] = { 8, 9 };
	uint64_t index;

	/* Nothing mapped yet. */
	EXPECT_EQ(-ENOENT, xg_gntdev_notify(self->fd, 0,
					    UNMAP_NOTIFY_CLEAR_BYTE, 0));
	ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, 2, refs, &index));
	EXPECT_EQ(-EINVAL, xg_gntdev_notify(self->fd, index, 4, 0));
	EXPECT_EQ(-EINVAL, xg_gntdev_notify(self->fd, index, 0xffffffffu, 0));
	/* SEND_EVENT with a port nobody bound. */
	EXPECT_EQ(-EINVAL, xg_gntdev_notify(self->fd, index,
					    UNMAP_NOTIFY_SEND_EVENT, 0));
	EXPECT_EQ(-EINVAL, xg_gntdev_notify(self->fd, index,
					    UNMAP_NOTIFY_SEND_EVENT, 0xfffffu));
	/* Any byte of the range may be named, before mmap() too. */
	EXPECT_EQ(0, xg_gntdev_notify(self->fd, index + PG + 100,
				      UNMAP_NOTIFY_CLEAR_BYTE, 0));
	EXPECT_EQ(0, xg_gntdev_notify(self->fd, index, 0, 0));
	/* Just past the range. */
	EXPECT_EQ(-ENOENT, xg_gntdev_notify(self->fd, index + 2 * PG,
					    UNMAP_NOTIFY_CLEAR_BYTE, 0));
	EXPECT_EQ(0, xg_gntdev_unmap(self->fd, index, 2));
	EXPECT_EQ(-ENOENT, xg_gntdev_notify(self->fd, index,
					    UNMAP_NOTIFY_CLEAR_BYTE, 0));
}

/* GRANT_COPY of nothing succeeds. */
TEST_F(gntdev, grant_copy_count_zero)
{
	EXPECT_EQ(0, xg_gntdev_copy(self->fd, NULL, 0));
}

/* A segment with both sides local: EINVAL. */
TEST_F(gntdev, grant_copy_both_local_einval)
{
	struct gntdev_grant_copy_segment seg;
	char a[64], b[64];

	memset(&seg, 0, sizeof(seg));
	seg.source.virt = a;
	seg.dest.virt = b;
	seg.len = sizeof(a);
	seg.flags = 0;
	EXPECT_EQ(-EINVAL, xg_gntdev_copy(self->fd, &seg, 1));
}

/* A grant side that would cross its page: EINVAL. */
TEST_F(gntdev, grant_copy_crossing_page_einval)
{
	struct gntdev_grant_copy_segment seg;
	static char buf[2 * 4096];

	xg_seg_from_gref(&seg, 0, 8, 4000, buf, 200);
	EXPECT_EQ(-EINVAL, xg_gntdev_copy(self->fd, &seg, 1));
	xg_seg_to_gref(&seg, buf, 0, 8, 1, 4096);
	EXPECT_EQ(-EINVAL, xg_gntdev_copy(self->fd, &seg, 1));
	/* Both sides grants, one of them crossing. */
	xg_seg_from_gref(&seg, 0, 8, 0, NULL, 100);
	seg.flags |= XG_GNTCOPY_DEST_GREF;
	seg.dest.foreign.ref = 9;
	seg.dest.foreign.offset = 4050;
	EXPECT_EQ(-EINVAL, xg_gntdev_copy(self->fd, &seg, 1));
}

/* Bad user pointers: EFAULT. */
TEST_F(gntdev, grant_copy_bad_pointer_efault)
{
	struct gntdev_grant_copy_segment seg;

	EXPECT_EQ(-EFAULT, xg_gntdev_copy(self->fd, NULL, 1));
	/* The local side of a segment is not mapped. */
	xg_seg_from_gref(&seg, 0, 8, 0, (void *)16, 64);
	EXPECT_EQ(-EFAULT, xg_gntdev_copy(self->fd, &seg, 1));
	xg_seg_to_gref(&seg, (void *)16, 0, 8, 0, 64);
	EXPECT_EQ(-EFAULT, xg_gntdev_copy(self->fd, &seg, 1));
}

/*
 * A segment of length 0 copies nothing and touches nothing, neither its
 * local buffer (here unmapped) nor its grant (here a bad reference):
 * GNTST_okay, as in-tree.
 */
TEST_F(gntdev, grant_copy_zero_length_okay)
{
	struct gntdev_grant_copy_segment seg[3];
	int i;

	xg_seg_from_gref(&seg[0], 0, XG_BAD_GREF, 0, (void *)16, 0);
	xg_seg_to_gref(&seg[1], (void *)16, 0, XG_BAD_GREF, 0, 0);
	xg_seg_from_gref(&seg[2], 0, XG_BAD_GREF, 0, NULL, 0);
	seg[2].flags |= XG_GNTCOPY_DEST_GREF;
	seg[2].dest.foreign.ref = XG_BAD_GREF;
	ASSERT_EQ(0, xg_gntdev_copy(self->fd, seg, 3));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(XG_GNTST_OKAY, seg[i].status) TH_LOG("segment %d", i);
}

/* A grant reference or a domain that does not exist: per-segment status. */
TEST_F(gntdev, grant_copy_bad_grant_status)
{
	struct gntdev_grant_copy_segment seg;
	char buf[64];

	if (self->domid < 0)
		SKIP(return, "cannot tell our domid: %s",
		     strerror(-self->domid));
	xg_seg_from_gref(&seg, self->domid, XG_BAD_GREF, 0, buf, sizeof(buf));
	ASSERT_EQ(0, xg_gntdev_copy(self->fd, &seg, 1));
	EXPECT_EQ(XG_GNTST_BAD_GNTREF, seg.status);
	/* 0x7fef: below DOMID_FIRST_RESERVED, and no such domain here. */
	xg_seg_from_gref(&seg, 0x7fef, 8, 0, buf, sizeof(buf));
	ASSERT_EQ(0, xg_gntdev_copy(self->fd, &seg, 1));
	EXPECT_EQ(XG_GNTST_BAD_DOMAIN, seg.status);
}

/* Ioctl numbers gntdev does not implement: ENOTTY. */
TEST_F(gntdev, unknown_ioctl_enotty)
{
	char buf[64] = { 0 };

	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, IOCTL_GNTALLOC_ALLOC_GREF, buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, _IOC(_IOC_NONE, 'G', 4, 8), buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, _IOC(_IOC_NONE, 'G', 13, 8),
				    buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, _IOC(_IOC_NONE, 'G', 14, 8),
				    buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, _IOC(_IOC_NONE, 'X', 0, 24),
				    buf));
	/* A known number with another size is another ioctl. */
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->fd, _IOC(_IOC_NONE, 'G', 0, 16),
				    buf));
}

/* Many single-page ranges on one file: distinct indexes, all released. */
TEST_F(gntdev, many_ranges_one_file)
{
	enum { N = 256 };
	uint64_t *idx = calloc(N, sizeof(*idx));
	uint32_t ref = 8;
	int i;

	ASSERT_NE(NULL, idx);
	for (i = 0; i < N; i++)
		ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, 1, &ref, &idx[i]));
	for (i = 1; i < N; i++)
		ASSERT_NE(idx[i - 1], idx[i]);
	for (i = N - 1; i >= 0; i -= 2)
		ASSERT_EQ(0, xg_gntdev_unmap(self->fd, idx[i], 1));
	for (i = N - 2; i >= 0; i -= 2)
		ASSERT_EQ(0, xg_gntdev_unmap(self->fd, idx[i], 1));
	free(idx);
}

/*
 * SET_MAX_GRANTS: in-tree answers ENOTTY (libxengnttab takes that as
 * success); xen-gnt implements it as a cap on the grants a file reserves.
 */
TEST_F(gntdev, set_max_grants_improved)
{
	uint32_t refs[3] = { 8, 9, 10 };
	uint64_t index;

	if (!xg_is_ours()) {
		ASSERT_EQ(-ENOTTY, xg_gntdev_set_max(self->fd, 32752));
		SKIP(return, "in-tree gntdev: SET_MAX_GRANTS is ENOTTY");
	}
	EXPECT_EQ(0, xg_gntdev_set_max(self->fd, 32752));
	EXPECT_EQ(-EINVAL, xg_gntdev_set_max(self->fd, 0));
	ASSERT_EQ(0, xg_gntdev_map(self->fd, 0, 2, refs, &index));
	EXPECT_EQ(-EBUSY, xg_gntdev_set_max(self->fd, 1));
	ASSERT_EQ(0, xg_gntdev_set_max(self->fd, 3));
	EXPECT_EQ(-ENOSPC, xg_gntdev_map(self->fd, 0, 2, refs, &index));
	EXPECT_EQ(0, xg_gntdev_map(self->fd, 0, 1, refs, &index));
}

/* ---------------------------------------------------------------------- */
/* self-grant loopback: gntalloc grants to us, gntdev maps back             */

enum { NPAGES = 4 };

FIXTURE(selfgrant) {
	struct xg_selfgrant sg; /* NPAGES pages granted to ourselves */
};

FIXTURE_SETUP(selfgrant)
{
	int rc;

	rc = xg_selfgrant_open(&self->sg, NPAGES);
	if (rc && self->sg.skip)
		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
}

FIXTURE_TEARDOWN(selfgrant)
{
	xg_selfgrant_close(&self->sg);
}

/* MAP_GRANT_REF + mmap of @count of our grants from @first; NULL on error. */
static uint8_t *map_self(FIXTURE_DATA(selfgrant) *self, int fd,
			 uint32_t first, uint32_t count, int prot,
			 uint64_t *index)
{
	uint8_t *p;
	int rc;

	rc = xg_gntdev_map(fd, self->sg.domid, count, self->sg.grefs + first,
			   index);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	p = xg_mmap(fd, *index, count, prot, MAP_SHARED);
	if (!p) {
		rc = errno;
		xg_gntdev_unmap(fd, *index, count);
		errno = rc;
	}
	return p;
}

/* Data written through either mapping shows in the other. */
TEST_F(selfgrant, map_shares_data_both_ways)
{
	uint64_t index;
	uint8_t *g;

	xg_fill(self->sg.apage, NPAGES * PG, 30);
	g = map_self(self, self->sg.dev, 0, NPAGES, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, NPAGES * PG, 30));
	xg_fill(g, NPAGES * PG, 31);
	EXPECT_EQ(-1, xg_check(self->sg.apage, NPAGES * PG, 31));
	EXPECT_EQ(0, munmap(g, NPAGES * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, NPAGES));
	/* And the range can be mapped again, in a different order. */
	g = map_self(self, self->sg.dev, 2, 2, PROT_READ, &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(g, self->sg.apage + 2 * PG, 2 * PG));
	EXPECT_EQ(0, munmap(g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
}

/* GET_OFFSET_FOR_VADDR gives back the index and count of a mapping. */
TEST_F(selfgrant, get_offset_for_vaddr)
{
	uint64_t i1, i2, off = 1;
	uint32_t count = 0;
	uint8_t *g1, *g2;

	g1 = map_self(self, self->sg.dev, 0, 1, PROT_READ | PROT_WRITE, &i1);
	ASSERT_NE(NULL, g1) TH_LOG("map: %s", strerror(errno));
	g2 = map_self(self, self->sg.dev, 1, 3, PROT_READ | PROT_WRITE, &i2);
	ASSERT_NE(NULL, g2) TH_LOG("map: %s", strerror(errno));
	ASSERT_EQ(0, xg_gntdev_offset(self->sg.dev, g2, &off, &count));
	EXPECT_EQ(i2, off);
	EXPECT_EQ(3, count);
	ASSERT_EQ(0, xg_gntdev_offset(self->sg.dev, g1, &off, &count));
	EXPECT_EQ(i1, off);
	EXPECT_EQ(1, count);
	/* The libxengnttab unmap sequence. */
	ASSERT_EQ(0, munmap(g2, 3 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, i2, 3));
	ASSERT_EQ(0, munmap(g1, PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, i1, 1));
	/*
	 * Gone. (Checked once no gntdev mapping is left: in-tree looks the
	 * address up with find_vma(), which also finds a mapping above it.)
	 */
	EXPECT_EQ(-EINVAL, xg_gntdev_offset(self->sg.dev, g1, &off, &count));
	EXPECT_EQ(-EINVAL, xg_gntdev_offset(self->sg.dev, g2, &off, &count));
}

/*
 * A second mmap() of a mapped range: EINVAL on a PV domain, where the
 * grants are mapped into the first mapping's page tables; an
 * auto-translated domain (PVH, HVM, every Arm domain) maps the same
 * placeholder pages again, so both mappings show the same bytes.
 */
TEST_F(selfgrant, mmap_twice)
{
	const char *gt = xg_guest_type();
	uint8_t *g, *g2;
	uint64_t index;

	g = map_self(self, self->sg.dev, 0, 2, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g);
	g2 = xg_mmap(self->sg.dev, index, 2, PROT_READ | PROT_WRITE,
		     MAP_SHARED);
	if (!gt || !strcmp(gt, "PV")) {
		EXPECT_EQ(NULL, g2);
		EXPECT_EQ(EINVAL, errno);
	} else {
		ASSERT_NE(NULL, g2) TH_LOG("guest type %s: %s", gt,
					   strerror(errno));
		xg_fill(g, 2 * PG, 51);
		EXPECT_EQ(-1, xg_check(g2, 2 * PG, 51));
		EXPECT_EQ(-1, xg_check(self->sg.apage, 2 * PG, 51));
		munmap(g2, 2 * PG);
	}
	munmap(g, 2 * PG);
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
}

/* UNMAP_GRANT_REF before munmap(): the pages stay mapped until munmap(). */
TEST_F(selfgrant, unmap_before_munmap_keeps_pages)
{
	uint64_t index;
	uint8_t *g;

	xg_fill(self->sg.apage, NPAGES * PG, 32);
	g = map_self(self, self->sg.dev, 0, NPAGES, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g);
	ASSERT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, NPAGES));
	EXPECT_EQ(-1, xg_check(g, NPAGES * PG, 32));
	xg_fill(g, NPAGES * PG, 33);
	EXPECT_EQ(-1, xg_check(self->sg.apage, NPAGES * PG, 33));
	/* The range is gone from the file. */
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->sg.dev, index, NPAGES));
	EXPECT_EQ(NULL,
		  xg_mmap(self->sg.dev, index, NPAGES, PROT_READ, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, munmap(g, NPAGES * PG));
}

/* Closing the file with the mapping alive: the mapping stays valid. */
TEST_F(selfgrant, close_before_munmap_keeps_pages)
{
	uint64_t index;
	uint8_t *g;

	xg_fill(self->sg.apage, NPAGES * PG, 34);
	g = map_self(self, self->sg.dev, 0, NPAGES, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g);
	close(self->sg.dev);
	self->sg.dev = -1;
	EXPECT_EQ(-1, xg_check(g, NPAGES * PG, 34));
	g[10] = 0x42;
	EXPECT_EQ(0x42, self->sg.apage[10]);
	EXPECT_EQ(0, munmap(g, NPAGES * PG));
}

/* A read-only mapping reads; CLEAR_BYTE on it is EINVAL. */
TEST_F(selfgrant, readonly_map_no_clear_byte)
{
	uint64_t index;
	uint8_t *g;

	xg_fill(self->sg.apage, NPAGES * PG, 35);
	g = map_self(self, self->sg.dev, 0, 2, PROT_READ, &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 35));
	EXPECT_EQ(-EINVAL, xg_gntdev_notify(self->sg.dev, index + 5,
					    UNMAP_NOTIFY_CLEAR_BYTE, 0));
	/* A notification without CLEAR_BYTE is fine. */
	EXPECT_EQ(0, xg_gntdev_notify(self->sg.dev, index + 5, 0, 0));
	munmap(g, 2 * PG);
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
}

/* A read-only grant maps read-only; a writable mmap() of it fails. */
TEST_F(selfgrant, readonly_grant)
{
	uint64_t aidx, index;
	uint32_t gref;
	uint8_t *a, *g;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->sg.alloc, self->sg.domid, 0, 1,
				       &aidx, &gref));
	a = xg_mmap(self->sg.alloc, aidx, 1, PROT_READ | PROT_WRITE,
		    MAP_SHARED);
	ASSERT_NE(NULL, a);
	xg_fill(a, PG, 36);

	ASSERT_EQ(0, xg_gntdev_map(self->sg.dev, self->sg.domid, 1, &gref,
				   &index));
	EXPECT_EQ(NULL, xg_mmap(self->sg.dev, index, 1, PROT_READ | PROT_WRITE,
				MAP_SHARED));
	/* A permanent failure: never EAGAIN, which libxengnttab retries. */
	EXPECT_NE(EAGAIN, errno);
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 1));

	ASSERT_EQ(0, xg_gntdev_map(self->sg.dev, self->sg.domid, 1, &gref,
				   &index));
	g = xg_mmap(self->sg.dev, index, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, g) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, PG, 36));
	munmap(g, PG);
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 1));
	munmap(a, PG);
}

/*
 * A read-only MAP_PRIVATE mapping works, as in-tree: it shows the grants'
 * pages themselves, the peer's writes included.
 */
TEST_F(selfgrant, mmap_private_readonly)
{
	uint64_t index;
	uint8_t *g;

	xg_fill(self->sg.apage, 2 * PG, 40);
	ASSERT_EQ(0, xg_gntdev_map(self->sg.dev, self->sg.domid, 2,
				   self->sg.grefs, &index));
	g = xg_mmap(self->sg.dev, index, 2, PROT_READ, MAP_PRIVATE);
	ASSERT_NE(NULL, g) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 40));
	self->sg.apage[PG + 9] = 0x42;
	EXPECT_EQ(0x42, g[PG + 9]);
	EXPECT_EQ(0, munmap(g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
}

/*
 * A private mapping never gains write access: not with mprotect(), not
 * through /proc/self/mem (the grant's page would be copied on write).
 * In-tree 6.12 refuses too; in-tree 6.1 lets mprotect() make it writable.
 */
TEST_F(selfgrant, mmap_private_never_writable_improved)
{
	uint64_t index;
	char c = 0x5a;
	uint8_t *g;
	int fd;

	if (!xg_is_ours())
		SKIP(return, "in-tree 6.1 lets mprotect() make it writable");
	xg_fill(self->sg.apage, 2 * PG, 43);
	ASSERT_EQ(0, xg_gntdev_map(self->sg.dev, self->sg.domid, 2,
				   self->sg.grefs, &index));
	g = xg_mmap(self->sg.dev, index, 2, PROT_READ, MAP_PRIVATE);
	ASSERT_NE(NULL, g) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, mprotect(g, PG, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		EXPECT_EQ(-1, pwrite(fd, &c, 1, (off_t)(uintptr_t)g));
		close(fd);
	}
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 43));
	EXPECT_EQ(-1, xg_check(self->sg.apage, 2 * PG, 43));
	EXPECT_EQ(0, munmap(g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
}

/*
 * mremap() of a mapping is refused before anything moves: the mapping
 * stays where it was and keeps working (on PV its grants stay mapped).
 * In-tree lets the move go ahead, the grants unmapped on the way.
 */
TEST_F(selfgrant, mremap_refused_mapping_kept_improved)
{
	uint8_t *g, *dst;
	uint64_t index;
	void *r;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntdev moves the mapping, unmapped");
	xg_fill(self->sg.apage, 2 * PG, 41);
	g = map_self(self, self->sg.dev, 0, 2, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	dst = mmap(NULL, 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, dst);
	/* All of it. */
	r = mremap(g, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	EXPECT_EQ(MAP_FAILED, r);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 41));
	/* One page of it. */
	r = mremap(g + PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst);
	EXPECT_EQ(MAP_FAILED, r);
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 41));
	/* Writes still reach the pages. */
	g[PG + 3] = 0x5a;
	EXPECT_EQ(0x5a, self->sg.apage[PG + 3]);
	munmap(dst, 2 * PG);
	EXPECT_EQ(0, munmap(g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
}

/*
 * A MAP_FIXED mmap() of a range exactly over its own mapping replaces
 * it (the old mapping goes first). In-tree maps a range once only.
 */
TEST_F(selfgrant, mmap_fixed_over_own_mapping_improved)
{
	uint64_t index;
	uint8_t *g;
	void *r;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntdev maps a range once only");
	xg_fill(self->sg.apage, 2 * PG, 42);
	g = map_self(self, self->sg.dev, 0, 2, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	r = mmap(g, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 self->sg.dev, (off_t)index);
	ASSERT_EQ((void *)g, r) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 42));
	g[PG + 1] = 0x24;
	EXPECT_EQ(0x24, self->sg.apage[PG + 1]);
	EXPECT_EQ(0, munmap(g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
}

/* CLEAR_BYTE: the byte is zero once the mapping is gone, nothing else is. */
TEST_F(selfgrant, notify_clear_byte_on_unmap)
{
	uint8_t *b = self->sg.apage + PG + 100;
	uint64_t index;
	uint8_t *g;

	memset(self->sg.apage, 0x5a, NPAGES * PG);
	g = map_self(self, self->sg.dev, 0, NPAGES, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g);
	ASSERT_EQ(0, xg_gntdev_notify(self->sg.dev, index + PG + 100,
				      UNMAP_NOTIFY_CLEAR_BYTE, 0));
	EXPECT_EQ(0x5a, *b);
	ASSERT_EQ(0, munmap(g, NPAGES * PG));
	ASSERT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, NPAGES));
	EXPECT_TRUE(xg_wait_byte(b, 0, 3000)) TH_LOG("byte is %#x", *b);
	EXPECT_EQ(0x5a, b[-1]);
	EXPECT_EQ(0x5a, b[1]);
	EXPECT_EQ(0x5a, self->sg.apage[100]);
}

/* CLEAR_BYTE may be set up before mmap(). */
TEST_F(selfgrant, notify_clear_byte_set_before_mmap)
{
	uint8_t *b = self->sg.apage + 7;
	uint64_t index;
	uint8_t *g;

	memset(self->sg.apage, 0xa5, PG);
	ASSERT_EQ(0, xg_gntdev_map(self->sg.dev, self->sg.domid, 1,
				   self->sg.grefs, &index));
	ASSERT_EQ(0, xg_gntdev_notify(self->sg.dev, index + 7,
				      UNMAP_NOTIFY_CLEAR_BYTE, 0));
	g = xg_mmap(self->sg.dev, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(0xa5, g[7]);
	ASSERT_EQ(0, munmap(g, PG));
	ASSERT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 1));
	EXPECT_TRUE(xg_wait_byte(b, 0, 3000)) TH_LOG("byte is %#x", *b);
	EXPECT_EQ(0xa5, b[1]);
}

/* SEND_EVENT fires once the range is unmapped and released. */
TEST_F(selfgrant, notify_send_event_on_unmap)
{
	struct xg_evtchn_pair ev;
	uint64_t index;
	uint8_t *g;
	int rc;

	rc = xg_evtchn_pair_open(&ev, self->sg.domid);
	if (rc == -ENOENT)
		SKIP(return, "%s: no such device", XG_EVTCHN);
	ASSERT_EQ(0, rc) TH_LOG("event channel loopback: %s", strerror(-rc));
	g = map_self(self, self->sg.dev, 0, 2, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g);
	ASSERT_EQ(0, xg_gntdev_notify(self->sg.dev, index + 3,
				      UNMAP_NOTIFY_CLEAR_BYTE |
				      UNMAP_NOTIFY_SEND_EVENT, ev.send));
	EXPECT_EQ(-ETIMEDOUT, xg_evtchn_wait(ev.fd, ev.recv, 100));
	ASSERT_EQ(0, munmap(g, 2 * PG));
	ASSERT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));
	EXPECT_EQ(0, xg_evtchn_wait(ev.fd, ev.recv, 3000));
	EXPECT_EQ(0, self->sg.apage[3]);
	xg_evtchn_pair_close(&ev);
}

/*
 * A process that exits with a live mapping and a notification set: the
 * exit tears the mapping down, clears the byte and sends the event.
 */
TEST_F(selfgrant, process_exit_with_live_mapping)
{
	struct xg_evtchn_pair ev;
	bool have_ev;
	int status, rc;
	pid_t pid;

	rc = xg_evtchn_pair_open(&ev, self->sg.domid);
	have_ev = rc == 0;
	if (!have_ev)
		TH_LOG("no event channel loopback (%s): byte only",
		       strerror(-rc));
	memset(self->sg.apage, 0x3c, PG);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		uint64_t index;
		uint8_t *g;
		int fd = xg_open(XG_GNTDEV);

		if (fd < 0)
			_exit(10);
		g = map_self(self, fd, 0, 1, PROT_READ | PROT_WRITE, &index);
		if (!g)
			_exit(11);
		if (xg_gntdev_notify(fd, index + 200,
				     UNMAP_NOTIFY_CLEAR_BYTE |
				     (have_ev ? UNMAP_NOTIFY_SEND_EVENT : 0),
				     have_ev ? ev.send : 0))
			_exit(12);
		g[201] = 0x11;
		_exit(0);	/* no munmap, no UNMAP_GRANT_REF, no close */
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0x11, self->sg.apage[201]);
	EXPECT_TRUE(xg_wait_byte(self->sg.apage + 200, 0, 3000));
	if (have_ev) {
		EXPECT_EQ(0, xg_evtchn_wait(ev.fd, ev.recv, 3000));
		xg_evtchn_pair_close(&ev);
	}
}

/*
 * On a PV domain gntdev mappings are VM_DONTCOPY: a forked child has
 * nothing at that address, the parent keeps its mapping.
 */
TEST_F(selfgrant, fork_child_does_not_inherit)
{
	const char *gt = xg_guest_type();
	unsigned char vec;
	uint64_t index;
	int status;
	uint8_t *g;
	pid_t pid;

	if (gt && strcmp(gt, "PV"))
		SKIP(return, "guest type %s: only PV mappings are not copied",
		     gt);
	xg_fill(self->sg.apage, PG, 38);
	g = map_self(self, self->sg.dev, 0, 1, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* ENOMEM: no mapping there. */
		if (mincore(g, PG, &vec) == 0)
			_exit(1);
		_exit(errno == ENOMEM ? 0 : 2);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(-1, xg_check(g, PG, 38));
	munmap(g, PG);
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 1));
}

/*
 * gntalloc's CLEAR_BYTE is seen by the one who maps the page: when the
 * granting side deallocates and unmaps, the byte reads 0 through gntdev.
 */
TEST_F(selfgrant, gntalloc_notify_seen_by_mapper)
{
	uint64_t index;
	uint8_t *g;

	g = map_self(self, self->sg.dev, 0, 1, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g);
	memset(g, 0x77, PG);
	ASSERT_EQ(0, xg_gntalloc_notify(self->sg.alloc, self->sg.aidx + 300,
					UNMAP_NOTIFY_CLEAR_BYTE, 0));
	ASSERT_EQ(0, xg_gntalloc_dealloc(self->sg.alloc, self->sg.aidx, 1));
	EXPECT_EQ(0x77, g[300]);
	ASSERT_EQ(0, munmap(self->sg.apage, NPAGES * PG));
	self->sg.apage = NULL;
	EXPECT_TRUE(xg_wait_byte(g + 300, 0, 3000)) TH_LOG("byte %#x", g[300]);
	EXPECT_EQ(0x77, g[299]);
	EXPECT_EQ(0x77, g[301]);
	munmap(g, PG);
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 1));
}

/* GRANT_COPY both ways, whole pages and parts, checked through gntalloc. */
TEST_F(selfgrant, grant_copy_both_ways)
{
	struct gntdev_grant_copy_segment seg[2];
	uint8_t *buf;
	size_t i;

	buf = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);

	/* Local -> grant, a whole page. */
	xg_fill(buf, PG, 41);
	xg_seg_to_gref(&seg[0], buf, self->sg.domid, self->sg.grefs[0], 0, PG);
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, 1));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(-1, xg_check(self->sg.apage, PG, 41));

	/* Grant -> local, a whole page. */
	xg_fill(self->sg.apage + PG, PG, 42);
	memset(buf, 0, 2 * PG);
	xg_seg_from_gref(&seg[0], self->sg.domid, self->sg.grefs[1], 0, buf,
			 PG);
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, 1));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(-1, xg_check(buf, PG, 42));

	/* Part of a page, at an offset: nothing around it is touched. */
	memset(self->sg.apage + 2 * PG, 0xee, PG);
	xg_fill(buf, 1000, 43);
	xg_seg_to_gref(&seg[0], buf, self->sg.domid, self->sg.grefs[2], 100,
		       1000);
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, 1));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(0, memcmp(self->sg.apage + 2 * PG + 100, buf, 1000));
	for (i = 0; i < PG; i++)
		if (i < 100 || i >= 1100)
			ASSERT_EQ(0xee, self->sg.apage[2 * PG + i]);

	/* A local buffer across a page boundary, both directions. */
	xg_fill(buf + PG - 50, 200, 44);
	xg_seg_to_gref(&seg[0], buf + PG - 50, self->sg.domid,
		       self->sg.grefs[3], 0, 200);
	memset(buf + 3000, 0, 200);
	xg_seg_from_gref(&seg[1], self->sg.domid, self->sg.grefs[1], 0,
			 buf + 3000, 200);
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, 2));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(XG_GNTST_OKAY, seg[1].status);
	EXPECT_EQ(0, memcmp(self->sg.apage + 3 * PG, buf + PG - 50, 200));
	EXPECT_EQ(0, memcmp(buf + 3000, self->sg.apage + PG, 200));
	munmap(buf, 2 * PG);
}

/* More segments than one hypercall batch, each checked. */
TEST_F(selfgrant, grant_copy_many_segments)
{
	enum { NSEG = 64, LEN = 64 };
	struct gntdev_grant_copy_segment seg[NSEG];
	uint8_t src[NSEG * LEN], dst[NSEG * LEN];
	int i;

	memset(self->sg.apage, 0, NPAGES * PG);
	xg_fill(src, sizeof(src), 45);
	for (i = 0; i < NSEG; i++)
		xg_seg_to_gref(&seg[i], src + i * LEN, self->sg.domid,
			       self->sg.grefs[i % NPAGES], (i / NPAGES) * LEN,
			       LEN);
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, NSEG));
	for (i = 0; i < NSEG; i++) {
		EXPECT_EQ(XG_GNTST_OKAY, seg[i].status) TH_LOG("segment %d", i);
		EXPECT_EQ(0, memcmp(self->sg.apage + (i % NPAGES) * PG +
					    (i / NPAGES) * LEN,
				    src + i * LEN, LEN))
			TH_LOG("segment %d", i);
	}
	memset(dst, 0, sizeof(dst));
	for (i = 0; i < NSEG; i++)
		xg_seg_from_gref(&seg[i], self->sg.domid,
				 self->sg.grefs[i % NPAGES], (i / NPAGES) * LEN,
				 dst + i * LEN, LEN);
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, NSEG));
	for (i = 0; i < NSEG; i++)
		EXPECT_EQ(XG_GNTST_OKAY, seg[i].status);
	EXPECT_EQ(0, memcmp(src, dst, sizeof(src)));
}

/* One bad segment among good ones: its own status; the others copy. */
TEST_F(selfgrant, grant_copy_status_per_segment)
{
	struct gntdev_grant_copy_segment seg[3];
	uint8_t buf[3][128];

	xg_fill(self->sg.apage, PG, 46);
	memset(buf, 0, sizeof(buf));
	xg_seg_from_gref(&seg[0], self->sg.domid, self->sg.grefs[0], 0, buf[0],
			 128);
	xg_seg_from_gref(&seg[1], self->sg.domid, XG_BAD_GREF, 0, buf[1], 128);
	xg_seg_from_gref(&seg[2], self->sg.domid, self->sg.grefs[0], 128,
			 buf[2], 128);
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, 3));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(XG_GNTST_BAD_GNTREF, seg[1].status);
	EXPECT_EQ(XG_GNTST_OKAY, seg[2].status);
	EXPECT_EQ(0, memcmp(buf[0], self->sg.apage, 128));
	EXPECT_EQ(0, memcmp(buf[2], self->sg.apage + 128, 128));
}

/* Copying into a read-only grant fails (status); reading it works. */
TEST_F(selfgrant, grant_copy_readonly_grant)
{
	struct gntdev_grant_copy_segment seg;
	uint8_t buf[256], *a;
	uint64_t aidx;
	uint32_t gref;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->sg.alloc, self->sg.domid, 0, 1,
				       &aidx, &gref));
	a = xg_mmap(self->sg.alloc, aidx, 1, PROT_READ | PROT_WRITE,
		    MAP_SHARED);
	ASSERT_NE(NULL, a);
	memset(a, 0x99, PG);
	memset(buf, 0x11, sizeof(buf));
	xg_seg_to_gref(&seg, buf, self->sg.domid, gref, 0, sizeof(buf));
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, &seg, 1));
	EXPECT_NE(XG_GNTST_OKAY, seg.status);
	EXPECT_EQ(0x99, a[0]);
	xg_seg_from_gref(&seg, self->sg.domid, gref, 0, buf, sizeof(buf));
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, &seg, 1));
	EXPECT_EQ(XG_GNTST_OKAY, seg.status);
	EXPECT_EQ(0x99, buf[255]);
	munmap(a, PG);
}

/*
 * xen-gnt's debugfs counters: after a full map/unmap cycle and the
 * grants' release, live_* and pending_* are back where they started.
 */
TEST_F(selfgrant, counters_back_to_start_improved)
{
	long long live0, pend0, last;
	uint64_t index;
	uint8_t *g;
	int rc;

	if (!xg_is_ours())
		SKIP(return, "in-tree modules have no statistics");
	/* The fixture's own allocation is part of the baseline. */
	ASSERT_EQ(0, xg_stats_sum("live_", &live0));
	ASSERT_EQ(0, xg_stats_sum("pending_", &pend0));
	g = map_self(self, self->sg.dev, 0, NPAGES, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g);
	ASSERT_EQ(0, xg_stats_sum("live_", &last));
	EXPECT_LT(live0, last);
	ASSERT_EQ(0, munmap(g, NPAGES * PG));
	ASSERT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, NPAGES));
	rc = xg_stats_wait_le("live_", live0, 5000, &last);
	EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, live0);
	rc = xg_stats_wait_le("pending_", pend0, 5000, &last);
	EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last, pend0);
}

TEST_HARNESS_MAIN
