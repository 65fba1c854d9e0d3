// SPDX-License-Identifier: GPL-2.0
/*
 * compat_test - the gntdev/gntalloc basics from a 32-bit process on a
 * 64-bit kernel: i386 on x86_64, AArch32 (arm EABI) on arm64; built static
 * as compat_test_32, so that a domain needs no 32-bit libraries.
 *
 * What Linux's in-tree modules do here: they have no .compat_ioctl, and
 * compat_sys_ioctl() only falls back to .unlocked_ioctl for the VFS's own
 * commands, so EVERY gntdev/gntalloc ioctl from a 32-bit process is
 * ENOTTY, even those whose structure has the same layout in both ABIs
 * (GET_OFFSET_FOR_VADDR, SET_UNMAP_NOTIFY, UNMAP_GRANT_REF, MAP_GRANT_REF).
 * Some could not work anyway: on i386 ALLOC_GREF and DEALLOC_GREF have
 * other sizes (i386 aligns __u64 to 4 bytes; AArch32 aligns it to 8, as
 * arm64 does), hence other numbers, and on both GRANT_COPY holds a
 * pointer. mmap() itself works, but without ioctls there is
 * nothing to map. xen-gnt implements the compat ioctls.
 *
 * So the tests that use ioctls are *_improved: with the in-tree modules
 * they check that the first ioctl is ENOTTY, as described, and SKIP.
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

#define INTREE_SKIP "in-tree: no compat_ioctl, ENOTTY as expected"

FIXTURE(compat) {
	int dev;
	int alloc;
	int domid;
};

FIXTURE_SETUP(compat)
{
	int rc;

	self->dev = self->alloc = -1;
	rc = xg_open(XG_GNTDEV);
	if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO)
		SKIP(return, "%s: %s", XG_GNTDEV, strerror(-rc));
	ASSERT_LE(0, rc);
	self->dev = rc;
	rc = xg_open(XG_GNTALLOC);
	if (rc == -ENOENT || rc == -ENODEV || rc == -ENXIO)
		SKIP(return, "%s: %s", XG_GNTALLOC, strerror(-rc));
	ASSERT_LE(0, rc);
	self->alloc = rc;
	self->domid = xg_self_domid();
}

FIXTURE_TEARDOWN(compat)
{
	if (self->alloc >= 0)
		close(self->alloc);
	if (self->dev >= 0)
		close(self->dev);
}

/*
 * Checks the first ioctl of an _improved test: ENOTTY and SKIP in-tree,
 * success with xen-gnt.
 */
#define FIRST_IOCTL(call) do { \
	int __rc = (call); \
	if (!xg_is_ours()) { \
		ASSERT_EQ(-ENOTTY, __rc); \
		SKIP(return, INTREE_SKIP); \
	} \
	ASSERT_EQ(0, __rc) TH_LOG("%s: %s", #call, strerror(-__rc)); \
} while (0)

#define NEED_DOMID() do { \
	if (self->domid < 0) \
		SKIP(return, "cannot tell our domid: %s", \
		     strerror(-self->domid)); \
} while (0)

/* A 32-bit process can open both devices; unknown ioctls are ENOTTY. */
TEST_F(compat, open_and_unknown_ioctl)
{
	char buf[32] = { 0 };

	ASSERT_EQ(4, sizeof(long));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->dev, _IOC(_IOC_NONE, 'G', 13, 8),
				    buf));
	EXPECT_EQ(-ENOTTY, xg_ioctl(self->alloc, _IOC(_IOC_NONE, 'G', 13, 8),
				    buf));
}

/* gntalloc: ALLOC_GREF, mmap, SET_UNMAP_NOTIFY, DEALLOC_GREF and errors. */
TEST_F(compat, gntalloc_basics_improved)
{
	uint32_t grefs[3];
	uint64_t index;
	uint8_t *p;
	int i;

	NEED_DOMID();
	FIRST_IOCTL(xg_gntalloc_alloc(self->alloc, self->domid,
				      GNTALLOC_FLAG_WRITABLE, 3, &index,
				      grefs));
	EXPECT_EQ(0, index % PG);
	for (i = 0; i < 3; i++)
		EXPECT_LE(8, grefs[i]);
	EXPECT_NE(grefs[0], grefs[1]);
	EXPECT_NE(grefs[1], grefs[2]);
	p = xg_mmap(self->alloc, index, 3, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, p);
	xg_fill(p, 3 * PG, 201);
	EXPECT_EQ(0, xg_gntalloc_notify(self->alloc, index + 9,
					UNMAP_NOTIFY_CLEAR_BYTE, 0));
	EXPECT_EQ(-EINVAL, xg_gntalloc_notify(self->alloc, index, 4, 0));
	EXPECT_EQ(-ENOENT, xg_gntalloc_notify(self->alloc, index + 64 * PG,
					      UNMAP_NOTIFY_CLEAR_BYTE, 0));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->alloc, index, 3));
	/* The pages are gone: EINVAL, as in-tree answers. */
	EXPECT_EQ(-EINVAL, xg_gntalloc_dealloc(self->alloc, index, 3));
	EXPECT_EQ(-1, xg_check(p, 3 * PG, 201));
	EXPECT_EQ(0, munmap(p, 3 * PG));
	EXPECT_EQ(-ENOSPC, xg_gntalloc_alloc(self->alloc, self->domid,
					     GNTALLOC_FLAG_WRITABLE,
					     0xffffffffu, &index, NULL));
}

/* gntdev: MAP_GRANT_REF, mmap, GET_OFFSET_FOR_VADDR, UNMAP_GRANT_REF. */
TEST_F(compat, gntdev_map_unmap_improved)
{
	uint64_t aidx, index, off;
	uint32_t grefs[2], count;
	uint8_t *a, *g;

	NEED_DOMID();
	FIRST_IOCTL(xg_gntalloc_alloc(self->alloc, self->domid,
				      GNTALLOC_FLAG_WRITABLE, 2, &aidx,
				      grefs));
	a = xg_mmap(self->alloc, aidx, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	xg_fill(a, 2 * PG, 202);

	ASSERT_EQ(0, xg_gntdev_map(self->dev, self->domid, 2, grefs, &index));
	g = xg_mmap(self->dev, index, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, g) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 202));
	xg_fill(g, 2 * PG, 203);
	EXPECT_EQ(-1, xg_check(a, 2 * PG, 203));
	ASSERT_EQ(0, xg_gntdev_offset(self->dev, g, &off, &count));
	EXPECT_EQ(index, off);
	EXPECT_EQ(2, count);
	EXPECT_EQ(0, munmap(g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->dev, index, 2));
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->dev, index, 2));
	EXPECT_EQ(-EINVAL, xg_gntdev_map(self->dev, self->domid, 0, grefs,
					 &index));
	munmap(a, 2 * PG);
}

/* gntdev: SET_UNMAP_NOTIFY CLEAR_BYTE seen through gntalloc. */
TEST_F(compat, gntdev_notify_improved)
{
	uint64_t aidx, index;
	uint32_t gref;
	uint8_t *a, *g;

	NEED_DOMID();
	FIRST_IOCTL(xg_gntalloc_alloc(self->alloc, self->domid,
				      GNTALLOC_FLAG_WRITABLE, 1, &aidx,
				      &gref));
	a = xg_mmap(self->alloc, aidx, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	memset(a, 0x66, PG);
	ASSERT_EQ(0, xg_gntdev_map(self->dev, self->domid, 1, &gref, &index));
	g = xg_mmap(self->dev, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(-EINVAL, xg_gntdev_notify(self->dev, index, 4, 0));
	ASSERT_EQ(0, xg_gntdev_notify(self->dev, index + 50,
				      UNMAP_NOTIFY_CLEAR_BYTE, 0));
	munmap(g, PG);
	EXPECT_EQ(0, xg_gntdev_unmap(self->dev, index, 1));
	EXPECT_TRUE(xg_wait_byte(a + 50, 0, 3000));
	EXPECT_EQ(0x66, a[49]);
	munmap(a, PG);
}

/*
 * GRANT_COPY from 32 bits: the structure holds a pointer and so has
 * another size and number; the segments' local addresses are 32-bit.
 */
TEST_F(compat, grant_copy_improved)
{
	struct gntdev_grant_copy_segment seg[3];
	uint8_t buf[2 * 4096];
	uint64_t aidx;
	uint32_t grefs[2];
	uint8_t *a;

	NEED_DOMID();
	FIRST_IOCTL(xg_gntalloc_alloc(self->alloc, self->domid,
				      GNTALLOC_FLAG_WRITABLE, 2, &aidx,
				      grefs));
	a = xg_mmap(self->alloc, aidx, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	xg_fill(a, PG, 204);

	memset(seg, 0, sizeof(seg));
	/* grant 0 -> local */
	seg[0].source.foreign.ref = grefs[0];
	seg[0].source.foreign.domid = self->domid;
	seg[0].dest.virt = buf;
	seg[0].len = PG;
	seg[0].flags = XG_GNTCOPY_SOURCE_GREF;
	/* local (across a page boundary) -> grant 1 at an offset */
	xg_fill(buf + PG + 2000, 300, 205);
	seg[1].source.virt = buf + PG + 2000;
	seg[1].dest.foreign.ref = grefs[1];
	seg[1].dest.foreign.offset = 10;
	seg[1].dest.foreign.domid = self->domid;
	seg[1].len = 300;
	seg[1].flags = XG_GNTCOPY_DEST_GREF;
	/* a bad reference */
	seg[2].source.foreign.ref = XG_BAD_GREF;
	seg[2].source.foreign.domid = self->domid;
	seg[2].dest.virt = buf + PG;
	seg[2].len = 16;
	seg[2].flags = XG_GNTCOPY_SOURCE_GREF;
	ASSERT_EQ(0, xg_gntdev_copy(self->dev, seg, 3));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(XG_GNTST_OKAY, seg[1].status);
	EXPECT_EQ(XG_GNTST_BAD_GNTREF, seg[2].status);
	EXPECT_EQ(-1, xg_check(buf, PG, 204));
	EXPECT_EQ(0, memcmp(a + PG + 10, buf + PG + 2000, 300));

	/* Both sides local: EINVAL, as from 64 bits. */
	seg[0].flags = 0;
	seg[0].source.virt = buf;
	EXPECT_EQ(-EINVAL, xg_gntdev_copy(self->dev, seg, 1));
	munmap(a, 2 * PG);
}

/* SET_MAX_GRANTS from 32 bits (xen-gnt implements it; in-tree ENOTTY). */
TEST_F(compat, set_max_grants_improved)
{
	FIRST_IOCTL(xg_gntdev_set_max(self->dev, 32752));
}

TEST_HARNESS_MAIN
