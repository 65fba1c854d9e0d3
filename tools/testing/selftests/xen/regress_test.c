// SPDX-License-Identifier: GPL-2.0
/*
 * regress_test - one test per known fault of grant devices, each named
 * after what it guards against:
 *
 *  xsa361_*        a map batch of which only part fails (XSA-361: handles
 *                  of the good part were lost, and the grants stayed mapped)
 *  xsa396_*        revoking a page the same domain still maps (XSA-396: the
 *                  page was freed and reused while mapped)
 *  async_unmap_*   unmapping a page somebody else holds (Linux 5.19-era
 *                  deadlock: the unmap waited for the holder for ever;
 *                  since, in-tree zaps the grant PTEs it left mapped)
 *  unmap_alloc_failure_*  xen-gnt only: the unmap request an MMU notifier
 *                  allocates without waiting is not to be had (injected
 *                  through debugfs); the deferred path must still unmap
 *                  everything, once
 *  partial_munmap_*, map_fixed_*   part of a mapping unmapped or replaced
 *                  (older Linux crashed or leaked)
 *  mmap_signal_*   mmap() with signals arriving (an error path that
 *                  dereferenced NULL)
 *  grant_copy_dirty_*  GRANT_COPY into a file's page must dirty it, or the
 *                  data never reaches the file
 *  count_wrap_*    counts whose products or sums wrap (a wrapped check once
 *                  broke the global limit)
 *  gntalloc_interleaved_*  allocations of two files interleaved (in-tree
 *                  gntalloc walks the global list where it means the file's)
 *
 * "Nothing stays mapped" is checked from outside, so that the test holds
 * for any driver: once the granting side lets go, a grant nobody maps is
 * revoked, and a GRANT_COPY from it fails; a grant something still maps is
 * never revoked. xen-gnt's debugfs counters are checked too where loaded.
 *
 * Every test passes against Linux's in-tree modules, except *_improved
 * ones, which check what xen-gnt does better and SKIP there.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE

/* How long the driver gets to finish deferred work (revokes, unmaps). */
#define SETTLE_MS 10000

enum { NP = 4 };

FIXTURE(rg) {
	struct xg_selfgrant sg; /* NP pages granted to ourselves */
	bool stats;
	long long live0, pend0;
};

FIXTURE_SETUP(rg)
{
	int rc;

	rc = xg_selfgrant_open(&self->sg, NP);
	if (rc && self->sg.skip)
		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
	self->stats = xg_is_ours();
	if (self->stats) {
		ASSERT_EQ(0, xg_stats_sum("live_", &self->live0));
		ASSERT_EQ(0, xg_stats_sum("pending_", &self->pend0));
	}
}

FIXTURE_TEARDOWN(rg)
{
	xg_selfgrant_close(&self->sg);
}

/* xen-gnt's live_* and pending_* are back to the fixture's baseline. */
static void check_counters(struct __test_metadata *_metadata,
			   FIXTURE_DATA(rg) *self)
{
	long long last;
	int rc;

	if (!self->stats)
		return;
	rc = xg_stats_wait_le("live_", self->live0, SETTLE_MS, &last);
	EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, self->live0);
	rc = xg_stats_wait_le("pending_", self->pend0, SETTLE_MS, &last);
	EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last, self->pend0);
}

/* Every grant of @grefs is revoked within SETTLE_MS. */
static void check_grants_gone(struct __test_metadata *_metadata,
			      FIXTURE_DATA(rg) *self, const uint32_t *grefs,
			      unsigned int n)
{
	unsigned int alive = 0;
	int rc;

	rc = xg_grants_wait_gone(self->sg.dev, self->sg.domid, grefs, n,
				 SETTLE_MS, &alive);
	EXPECT_EQ(0, rc) TH_LOG("grant %u still in force: %s", grefs[alive],
				strerror(-rc));
}

/* MAP_GRANT_REF + mmap() of @n of @grefs on @fd; NULL on error (errno). */
static uint8_t *map_refs(FIXTURE_DATA(rg) *self, int fd, const uint32_t *grefs,
			 uint32_t n, int prot, uint64_t *index)
{
	uint8_t *p;
	int rc;

	rc = xg_gntdev_map(fd, self->sg.domid, n, grefs, index);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	p = xg_mmap(fd, *index, n, prot, MAP_SHARED);
	if (!p) {
		rc = errno;
		xg_gntdev_unmap(fd, *index, n);
		errno = rc;
	}
	return p;
}

/*
 * A gntalloc file of its own with @n pages granted to us, mapped and
 * filled with @seed; for tests that revoke their grants.
 */
struct own {
	int fd;
	uint64_t index;
	uint32_t n;
	uint32_t *grefs;
	uint8_t *map;
};

static int own_alloc(FIXTURE_DATA(rg) *self, struct own *o, uint32_t n,
		     uint32_t seed)
{
	int rc;

	memset(o, 0, sizeof(*o));
	o->n = n;
	o->grefs = calloc(n, sizeof(*o->grefs));
	if (!o->grefs)
		return -ENOMEM;
	o->fd = xg_open(XG_GNTALLOC);
	if (o->fd < 0)
		return o->fd;
	rc = xg_gntalloc_alloc(o->fd, self->sg.domid, GNTALLOC_FLAG_WRITABLE, n,
			       &o->index, o->grefs);
	if (rc)
		return rc;
	o->map = xg_mmap(o->fd, o->index, n, PROT_READ | PROT_WRITE,
			 MAP_SHARED);
	if (!o->map)
		return -errno;
	xg_fill(o->map, (size_t)n * PG, seed);
	return 0;
}

/* Lets go of everything: the grants are revoked once nobody maps them. */
static void own_release(struct own *o)
{
	if (o->map)
		munmap(o->map, (size_t)o->n * PG);
	o->map = NULL;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}

/*
 * The end of a test that gave @o's pages to others: let go of them, then
 * every grant of @o must be revoked and the counters back; frees @o.
 */
static void own_finish(struct __test_metadata *_metadata,
		       FIXTURE_DATA(rg) *self, struct own *o)
{
	own_release(o);
	check_grants_gone(_metadata, self, o->grefs, o->n);
	check_counters(_metadata, self);
	free(o->grefs);
	o->grefs = NULL;
}

/* ---------------------------------------------------------------------- */
/* XSA-361                                                                  */

/* MAP_GRANT_REF with a domain per grant. */
static int map_mixed(int fd, uint32_t n, const domid_t *doms,
		     const uint32_t *refs, uint64_t *index)
{
	struct ioctl_gntdev_map_grant_ref *op;
	uint32_t i;
	long rc;

	op = calloc(1, sizeof(*op) + n * sizeof(op->refs[0]));
	if (!op)
		return -ENOMEM;
	op->count = n;
	for (i = 0; i < n; i++) {
		op->refs[i].domid = doms[i];
		op->refs[i].ref = refs[i];
	}
	rc = xg_ioctl(fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	*index = op->index;
	free(op);
	return rc;
}

/*
 * Batches in which one grant is bad (no such reference, no such domain),
 * first, in the middle or last: mmap() fails with EINVAL as a whole,
 * nothing of the batch stays mapped (the good grants are revoked as soon
 * as their owner lets go), the counters are unchanged, and a later map of
 * the good grants works.
 */
TEST_F(rg, xsa361_partial_map_failure)
{
	enum { NB = 4 };
	long long live = 0, last;
	struct own o;
	uint32_t refs[NB][3];
	domid_t doms[NB][3];
	uint64_t index;
	uint8_t *g;
	int b, i, rc;

	ASSERT_EQ(0, own_alloc(self, &o, 2, 60));
	for (b = 0; b < NB; b++)
		for (i = 0; i < 3; i++)
			doms[b][i] = self->sg.domid;
	/* [good, bad, good], [bad, good, good], [good, good, bad] */
	refs[0][0] = o.grefs[0], refs[0][1] = XG_BAD_GREF,
	refs[0][2] = o.grefs[1];
	refs[1][0] = XG_BAD_GREF, refs[1][1] = o.grefs[0],
	refs[1][2] = o.grefs[1];
	refs[2][0] = o.grefs[0], refs[2][1] = o.grefs[1],
	refs[2][2] = XG_BAD_GREF;
	/* [good, good of a domain that does not exist, good] */
	refs[3][0] = o.grefs[0], refs[3][1] = o.grefs[1],
	refs[3][2] = o.grefs[1];
	doms[3][1] = 0x7fef;

	if (self->stats)
		ASSERT_EQ(0, xg_stats_sum("live_", &live));
	for (b = 0; b < NB; b++) {
		ASSERT_EQ(0,
			  map_mixed(self->sg.dev, 3, doms[b], refs[b], &index));
		EXPECT_EQ(NULL, xg_mmap(self->sg.dev, index, 3,
					PROT_READ | PROT_WRITE, MAP_SHARED))
			TH_LOG("batch %d mapped", b);
		EXPECT_EQ(EINVAL, errno) TH_LOG("batch %d", b);
		EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 3));
	}
	/* Counters as before the batches (the pages above are live). */
	if (self->stats) {
		rc = xg_stats_wait_le("live_", live, SETTLE_MS, &last);
		EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, live);
	}

	/* A later good map works and sees the data. */
	g = map_refs(self, self->sg.dev, o.grefs, 2, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, 2 * PG, 60));
	EXPECT_EQ(0, munmap(g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 2));

	/* Nothing of the failed batches holds the good grants. */
	own_finish(_metadata, self, &o);
}

/* ---------------------------------------------------------------------- */
/* XSA-396                                                                  */

/*
 * gntalloc lets go of pages (DEALLOC_GREF and munmap(), or close()) while
 * gntdev in the same domain maps them. The pages must stay the mapper's:
 * not freed, not handed to a new allocation; its writes land in them.
 * Once the mapper unmaps, the grants are revoked.
 */
static void revoke_while_mapped(struct __test_metadata *_metadata,
				FIXTURE_DATA(rg) *self, bool by_close)
{
	enum { N = 4, FRESH = 64 };
	struct own o, fresh;
	long long pend;
	uint64_t index;
	uint8_t *g;
	size_t i;

	ASSERT_EQ(0, own_alloc(self, &o, N, 61));
	g = map_refs(self, self->sg.dev, o.grefs, N, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, N * PG, 61));

	if (by_close) {
		ASSERT_EQ(0, munmap(o.map, N * PG));
		o.map = NULL;
		ASSERT_EQ(0, close(o.fd));
		o.fd = -1;
	} else {
		ASSERT_EQ(0, xg_gntalloc_dealloc(o.fd, o.index, N));
		ASSERT_EQ(0, munmap(o.map, N * PG));
		o.map = NULL;
	}
	/* xen-gnt: the revocations wait for the mapper. */
	if (self->stats) {
		ASSERT_EQ(0, xg_stats_sum("pending_revoke", &pend));
		EXPECT_LE(self->pend0 + N, pend)
			TH_LOG("pending_revoke %lld", pend);
	}

	/*
	 * New pages are not the revoked ones: filling them leaves the
	 * mapper's data alone.
	 */
	ASSERT_EQ(0, own_alloc(self, &fresh, FRESH, 62));
	EXPECT_EQ(-1, xg_check(g, N * PG, 61));
	munmap(fresh.map, FRESH * PG);
	fresh.map = xg_mmap(fresh.fd, fresh.index, FRESH, PROT_READ,
			    MAP_SHARED);
	ASSERT_NE(NULL, fresh.map);
	EXPECT_EQ(-1, xg_check(fresh.map, FRESH * PG, 62));

	/* The mapper's writes still reach the pages, and only them. */
	xg_fill(g, N * PG, 63);
	EXPECT_EQ(-1, xg_check(g, N * PG, 63));
	EXPECT_EQ(-1, xg_check(fresh.map, FRESH * PG, 62));
	for (i = 0; i < N; i++)
		EXPECT_EQ(1, xg_grant_alive(self->sg.dev, self->sg.domid,
					    o.grefs[i]))
			TH_LOG("grant %u ended while mapped", o.grefs[i]);

	EXPECT_EQ(0, munmap(g, N * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, N));
	check_grants_gone(_metadata, self, o.grefs, N);
	own_release(&fresh);
	own_release(&o);
	check_counters(_metadata, self);
	free(o.grefs);
	free(fresh.grefs);
}

/* DEALLOC_GREF and munmap() on the granting side while gntdev maps. */
TEST_F(rg, xsa396_dealloc_while_mapped)
{
	revoke_while_mapped(_metadata, self, false);
}

/* close() of the gntalloc file while gntdev maps its pages. */
TEST_F(rg, xsa396_close_while_mapped)
{
	revoke_while_mapped(_metadata, self, true);
}

/* ---------------------------------------------------------------------- */
/* Async unmap                                                              */

/*
 * Two of @o's pages mapped on a gntdev file of their own, the second
 * held by a pipe.
 */
struct held {
	int dev;
	int pfd[2];
	uint64_t index;
	uint8_t *g;
};

/*
 * Map @o's first two pages on a new gntdev file, fill them with
 * xg_fill(@seed) unless @seed is -1, and vmsplice() the second one into
 * a pipe, which then holds a reference to it.
 */
static void hold_page(struct __test_metadata *_metadata,
		      FIXTURE_DATA(rg) *self, struct own *o, long seed,
		      struct held *h)
{
	struct iovec iov;
	ssize_t n;

	h->dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, h->dev);
	h->g = map_refs(self, h->dev, o->grefs, 2, PROT_READ | PROT_WRITE,
			&h->index);
	ASSERT_NE(NULL, h->g) TH_LOG("map: %s", strerror(errno));
	if (seed >= 0)
		xg_fill(h->g, 2 * PG, seed);
	ASSERT_EQ(0, pipe(h->pfd));
	iov.iov_base = h->g + PG;
	iov.iov_len = PG;
	n = vmsplice(h->pfd[1], &iov, 1, 0);
	ASSERT_EQ((ssize_t)PG, n) TH_LOG("vmsplice: %s", strerror(errno));
}

/* Everything but the pipe lets go: munmap(), UNMAP_GRANT_REF, close(). */
static void let_go_held(struct __test_metadata *_metadata, struct held *h)
{
	EXPECT_EQ(0, munmap(h->g, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(h->dev, h->index, 2));
	EXPECT_EQ(0, close(h->dev));
}

/* The pipe gives back the held page as @o has it; then it is closed. */
static void read_held(struct __test_metadata *_metadata, struct held *h,
		      const struct own *o)
{
	uint8_t buf[PG];
	ssize_t n;

	n = read(h->pfd[0], buf, sizeof(buf));
	EXPECT_EQ((ssize_t)PG, n) TH_LOG("read: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(buf, o->map + PG, PG));
	close(h->pfd[0]);
	close(h->pfd[1]);
}

/*
 * A pipe holds a reference to a mapped grant page (vmsplice(), as
 * O_DIRECT I/O would through get_user_pages()). munmap(),
 * UNMAP_GRANT_REF and close() must all return although the page cannot
 * be unmapped yet (Linux once waited here for ever); the pipe still reads
 * the page's data; once it lets go, the unmap completes and nothing is
 * left.
 *
 * Improved: on PV, in-tree defers the unmap of the user page table
 * entries along with the held page's kernel mapping, so munmap() then
 * zaps live grant PTEs as ordinary pages, dropping references the
 * placeholder pages never gave (a warning in free_zone_device_folio(),
 * "Bad rss-counter state", and a pipe that reads garbage). xen-gnt
 * unmaps the user entries at once and only the kernel mapping waits.
 */
TEST_F(rg, async_unmap_page_held_improved)
{
	struct held h;
	struct own o;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntdev zaps deferred grant PTEs");
	ASSERT_EQ(0, own_alloc(self, &o, 2, 64));
	hold_page(_metadata, self, &o, -1, &h);

	/* Everything lets go while the pipe holds the page. */
	let_go_held(_metadata, &h);
	read_held(_metadata, &h, &o);

	/* The delayed unmap completed: the grants can be revoked. */
	own_finish(_metadata, self, &o);
}

/* ---------------------------------------------------------------------- */
/* Unmap request allocation failure (xen-gnt's fault injection)            */

#define FAIL_UNMAP_ALLOC "core/fail_unmap_alloc"
#define NO_FAIL_UNMAP_ALLOC \
	"in-tree modules: no fault injection (xen-gnt/" FAIL_UNMAP_ALLOC ")"

/* The next @n unmap request allocations of xen-gnt fail. */
static void inject_unmap_failures(struct __test_metadata *_metadata,
				  long long n)
{
	long long v = -1;
	int rc;

	rc = xg_debugfs_get(FAIL_UNMAP_ALLOC, &v);
	ASSERT_EQ(0, rc) TH_LOG("read %s: %s", FAIL_UNMAP_ALLOC,
				strerror(-rc));
	EXPECT_EQ(0, v) TH_LOG("%s left at %lld", FAIL_UNMAP_ALLOC, v);
	rc = xg_debugfs_set(FAIL_UNMAP_ALLOC, n);
	ASSERT_EQ(0, rc) TH_LOG("write %s: %s", FAIL_UNMAP_ALLOC,
				strerror(-rc));
}

/*
 * After the unmaps: every injected failure was used (none is left for
 * later tests), and @pages pages went the deferred way since @later0.
 */
static void check_injected_used(struct __test_metadata *_metadata,
				long long later0, long long pages)
{
	long long left = -1, later = -1;

	EXPECT_EQ(0, xg_debugfs_get(FAIL_UNMAP_ALLOC, &left));
	xg_debugfs_set(FAIL_UNMAP_ALLOC, 0);
	EXPECT_EQ(0, left) TH_LOG("%lld injected failure(s) not used", left);
	EXPECT_EQ(0, xg_stats_sum("unmap_later", &later));
	EXPECT_EQ(pages, later - later0)
		TH_LOG("unmap_later went from %lld to %lld", later0, later);
}

/*
 * Unmap runs of munmap() of one page of a mapping, then of the rest, then
 * UNMAP_GRANT_REF: on PV the MMU notifier unmaps at each munmap(); on
 * auto-translated guests the grants stay mapped until the range goes.
 */
static long long munmap_runs(void)
{
	const char *type = xg_guest_type();

	return type && !strcmp(type, "PV") ? 2 : 1;
}

/*
 * The request of every unmap run fails: munmap() of one page of a mapping,
 * then of the other three, and UNMAP_GRANT_REF. The user mappings go at
 * once, the rest of each unmap in the work item (UNMAP_LATER): what was
 * written through the mapping is in the granted pages, every page went
 * the deferred way exactly once, the grants can be revoked afterwards, the
 * counters are back, and the kernel did not warn.
 */
TEST_F(rg, unmap_alloc_failure_munmap)
{
	long long later0;
	bool warned;
	struct own o;
	uint64_t index;
	uint8_t *g;

	if (!xg_is_ours())
		SKIP(return, NO_FAIL_UNMAP_ALLOC);
	ASSERT_EQ(0, own_alloc(self, &o, NP, 71));
	g = map_refs(self, self->sg.dev, o.grefs, NP, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, NP * PG, 71));
	xg_fill(g, NP * PG, 72);
	warned = xg_kernel_warned();
	ASSERT_EQ(0, xg_stats_sum("unmap_later", &later0));
	inject_unmap_failures(_metadata, munmap_runs());

	EXPECT_EQ(0, munmap(g, PG));
	EXPECT_EQ(0, munmap(g + PG, (NP - 1) * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, NP));
	check_injected_used(_metadata, later0, NP);
	EXPECT_EQ(-1, xg_check(o.map, NP * PG, 72));

	own_finish(_metadata, self, &o);
	if (!warned)
		EXPECT_FALSE(xg_kernel_warned()) TH_LOG("the kernel warned");
}

/*
 * The same with a page held by a pipe (vmsplice()) and one unmap run: the
 * deferred unmap of the held page's kernel mapping must then wait for the
 * pipe as well. The pipe reads the page's data after the munmap(); once
 * it lets go, everything is released.
 */
TEST_F(rg, unmap_alloc_failure_page_held)
{
	long long later0;
	struct held h;
	bool warned;
	struct own o;

	if (!xg_is_ours())
		SKIP(return, NO_FAIL_UNMAP_ALLOC);
	ASSERT_EQ(0, own_alloc(self, &o, 2, 73));
	hold_page(_metadata, self, &o, 74, &h);
	warned = xg_kernel_warned();
	ASSERT_EQ(0, xg_stats_sum("unmap_later", &later0));
	inject_unmap_failures(_metadata, 1);

	/* Everything lets go while the pipe holds the page. */
	let_go_held(_metadata, &h);
	check_injected_used(_metadata, later0, 2);

	EXPECT_EQ(-1, xg_check(o.map, 2 * PG, 74));
	read_held(_metadata, &h, &o);

	own_finish(_metadata, self, &o);
	if (!warned)
		EXPECT_FALSE(xg_kernel_warned()) TH_LOG("the kernel warned");
}

/* ---------------------------------------------------------------------- */
/* Partial munmap, MAP_FIXED over a mapping                                 */

/*
 * gntdev: munmap() of a page in the middle of a mapping; the rest stays
 * mapped and correct; once all is unmapped, everything is released.
 */
TEST_F(rg, partial_munmap_gntdev)
{
	struct own o;
	uint64_t index;
	uint8_t *g;

	ASSERT_EQ(0, own_alloc(self, &o, NP, 65));
	g = map_refs(self, self->sg.dev, o.grefs, NP, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	ASSERT_EQ(0, munmap(g + PG, PG));
	EXPECT_EQ(-1, xg_check(g, PG, 65));
	EXPECT_EQ(0, memcmp(g + 2 * PG, o.map + 2 * PG, 2 * PG));
	g[3 * PG] = 0x12;
	EXPECT_EQ(0x12, o.map[3 * PG]);
	ASSERT_EQ(0, munmap(g, PG));
	EXPECT_EQ(0, memcmp(g + 2 * PG, o.map + 2 * PG, 2 * PG));
	ASSERT_EQ(0, munmap(g + 2 * PG, 2 * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, NP));
	own_finish(_metadata, self, &o);
}

/* gntdev: MAP_FIXED over one page of a mapping replaces just that page. */
TEST_F(rg, map_fixed_over_gntdev_mapping)
{
	uint8_t *g, *anon;
	struct own o;
	uint64_t index;
	size_t i;

	ASSERT_EQ(0, own_alloc(self, &o, NP, 66));
	g = map_refs(self, self->sg.dev, o.grefs, NP, PROT_READ | PROT_WRITE,
		     &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	anon = mmap(g + PG, PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(g + PG, anon);
	for (i = 0; i < PG; i++)
		ASSERT_EQ(0, anon[i]);
	anon[0] = 0x34;
	EXPECT_EQ(xg_pattern(66, PG), o.map[PG]);
	EXPECT_EQ(-1, xg_check(g, PG, 66));
	EXPECT_EQ(0, memcmp(g + 2 * PG, o.map + 2 * PG, 2 * PG));
	ASSERT_EQ(0, munmap(g, NP * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, NP));
	own_finish(_metadata, self, &o);
}

/*
 * gntalloc: munmap() of part of a mapping of deallocated pages; the rest
 * stays; all pages are revoked once every part is unmapped.
 */
TEST_F(rg, partial_munmap_gntalloc)
{
	struct own o;
	uint8_t *p;

	ASSERT_EQ(0, own_alloc(self, &o, NP, 67));
	p = o.map;
	ASSERT_EQ(0, xg_gntalloc_dealloc(o.fd, o.index, NP));
	ASSERT_EQ(0, munmap(p + PG, PG));
	EXPECT_EQ(-1, xg_check(p, PG, 67));
	ASSERT_EQ(0, munmap(p, PG));
	EXPECT_EQ(xg_pattern(67, 2 * PG), p[2 * PG]);
	EXPECT_EQ(xg_pattern(67, 4 * PG - 1), p[4 * PG - 1]);
	p[2 * PG] = 0x21;
	EXPECT_EQ(0x21, p[2 * PG]);
	/* Unmapped in pieces, the last piece goes. */
	ASSERT_EQ(0, munmap(p + 3 * PG, PG));
	EXPECT_EQ(0x21, p[2 * PG]);
	ASSERT_EQ(0, munmap(p + 2 * PG, PG));
	o.map = NULL;
	check_grants_gone(_metadata, self, o.grefs, NP);
	own_release(&o);
	check_counters(_metadata, self);
	free(o.grefs);
}

/* gntalloc: MAP_FIXED over one page of a mapping replaces that page. */
TEST_F(rg, map_fixed_over_gntalloc_mapping)
{
	uint8_t *p, *anon;
	struct own o;
	size_t i;

	ASSERT_EQ(0, own_alloc(self, &o, NP, 68));
	p = o.map;
	anon = mmap(p + 2 * PG, PG, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_EQ(p + 2 * PG, anon);
	for (i = 0; i < PG; i++)
		ASSERT_EQ(0, anon[i]);
	anon[0] = 0x43;
	EXPECT_EQ(-1, xg_check(p, 2 * PG, 68));
	EXPECT_EQ(xg_pattern(68, 3 * PG), p[3 * PG]);
	/* The replaced page is still allocated: mapped again, it is intact. */
	anon = xg_mmap(o.fd, o.index + 2 * PG, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, anon) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(xg_pattern(68, 2 * PG), anon[0]);
	EXPECT_EQ(0, munmap(anon, PG));
	ASSERT_EQ(0, munmap(p, NP * PG));
	o.map = NULL;
	own_finish(_metadata, self, &o);
}

/* ---------------------------------------------------------------------- */
/* mmap() and signals                                                       */

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * A large mmap() of grants, again and again (a new range each time: in-tree
 * maps a range once only), with a timer signal every millisecond (no
 * SA_RESTART), and now and then with a bad grant in the batch: each mmap()
 * either works (and maps the right data) or fails with EINTR (in-tree
 * only; xen-gnt restarts it), or EINVAL for a bad batch; EAGAIN is retried (libxengnttab's rule). Afterwards
 * nothing is left.
 */
TEST_F_TIMEOUT(rg, mmap_signal_interrupted, 90)
{
	/*
	 * At least ITERS rounds, and more (up to MAX_ITERS) until a signal
	 * has come: on a loaded host the domU once ran its 24 rounds
	 * without the 1 ms timer firing once, which tests nothing.
	 */
	enum { N = 256, ITERS = 24, MAX_ITERS = 2400 };
	unsigned int ok = 0, eintr = 0, it, i, n;
	struct sigaction sa, old_sa;
	struct itimerval tv;
	uint32_t *refs;
	uint64_t index;
	struct own o;
	uint8_t *g;
	bool bad;

	ASSERT_EQ(0, own_alloc(self, &o, N, 69));
	refs = calloc(N + 1, sizeof(*refs));
	ASSERT_NE(NULL, refs);
	memcpy(refs, o.grefs, N * sizeof(*refs));
	refs[N] = XG_BAD_GREF;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	ASSERT_EQ(0, sigaction(SIGALRM, &sa, &old_sa));
	memset(&tv, 0, sizeof(tv));
	tv.it_interval.tv_usec = 1000;
	tv.it_value.tv_usec = 1000;
	ASSERT_EQ(0, setitimer(ITIMER_REAL, &tv, NULL));

	for (it = 0; it < ITERS || (!alarms && it < MAX_ITERS); it++) {
		bad = it % 6 == 5;
		n = bad ? N + 1 : N;
		ASSERT_EQ(0, xg_gntdev_map(self->sg.dev, self->sg.domid, n,
					   refs, &index));
		do {
			g = xg_mmap(self->sg.dev, index, n,
				    PROT_READ | PROT_WRITE, MAP_SHARED);
		} while (!g && errno == EAGAIN);
		if (!g && errno == EINTR) {
			eintr++;
		} else if (!g) {
			EXPECT_TRUE(bad && errno == EINVAL)
				TH_LOG("iteration %u: %s", it, strerror(errno));
		} else {
			EXPECT_FALSE(bad) TH_LOG("a batch with a bad grant mapped");
			ok++;
			for (i = 0; i < N; i += 17)
				EXPECT_EQ(xg_pattern(69, i * PG + i),
					  g[i * PG + i]);
			EXPECT_EQ(0, munmap(g, n * PG));
		}
		EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, n));
	}
	memset(&tv, 0, sizeof(tv));
	setitimer(ITIMER_REAL, &tv, NULL);
	sigaction(SIGALRM, &old_sa, NULL);
	TH_LOG("%u rounds: %u mapped, %u EINTR, %d signals", it, ok, eintr,
	       (int)alarms);
	EXPECT_LT(0, alarms);
	/*
	 * xen-gnt does better: the EINTR comes from the kernel setting up the
	 * mm's notifier list on the first mapping, and xen-gnt has that
	 * mmap() restarted instead.
	 */
	if (xg_is_ours())
		EXPECT_EQ(0, eintr);

	/* Without signals it works, and then everything is released. */
	g = map_refs(self, self->sg.dev, refs, N, PROT_READ, &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, N * PG, 69));
	EXPECT_EQ(0, munmap(g, N * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, N));
	own_release(&o);
	check_grants_gone(_metadata, self, o.grefs, N);
	check_counters(_metadata, self);
	free(refs);
	free(o.grefs);
}

/* ---------------------------------------------------------------------- */
/* GRANT_COPY into a file                                                   */

static bool memory_fs(long type)
{
	return type == 0x01021994 /* TMPFS_MAGIC */ ||
	       type == (long)0x858458f6 /* RAMFS_MAGIC */;
}

/*
 * A directory where a file can be mapped MAP_SHARED and writable,
 * preferring one on a file system with backing store: $XG_FILE_DIR, then
 * every read-write mount but pseudo and in-memory ones, then /dev/shm,
 * /tmp and the current directory. Creates the file there, two pages
 * long; returns its fd (path in @path) or -errno.
 */
static int file_for_copy(char *path, size_t len, long *fstype)
{
	static const char *const pseudo[] = {
		"proc", "sysfs", "devtmpfs", "devpts", "debugfs", "tracefs",
		"securityfs", "cgroup", "cgroup2", "pstore", "bpf", "mqueue",
		"hugetlbfs", "configfs", "fusectl", "xenfs", "binfmt_misc",
		"autofs", "efivarfs", "nsfs", "tmpfs", "ramfs", "rootfs",
	};
	char dirs[16][256], line[1024], dir[256], type[64], opts[512];
	unsigned int nd = 0, i, j;
	struct statfs sf;
	const char *env = getenv("XG_FILE_DIR");
	bool skip;
	void *m;
	FILE *f;
	int fd;

	if (env)
		snprintf(dirs[nd++], sizeof(dirs[0]), "%s", env);
	f = fopen("/proc/mounts", "re");
	while (f && nd < 13 && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%*s %255s %63s %511s", dir, type, opts) != 3)
			continue;
		if (strncmp(opts, "rw", 2) || (opts[2] && opts[2] != ','))
			continue;
		skip = false;
		for (j = 0; j < sizeof(pseudo) / sizeof(pseudo[0]); j++)
			skip |= !strcmp(type, pseudo[j]);
		if (!skip)
			snprintf(dirs[nd++], sizeof(dirs[0]), "%s", dir);
	}
	if (f)
		fclose(f);
	snprintf(dirs[nd++], sizeof(dirs[0]), "/dev/shm");
	snprintf(dirs[nd++], sizeof(dirs[0]), "/tmp");
	snprintf(dirs[nd++], sizeof(dirs[0]), ".");

	for (i = 0; i < nd; i++) {
		snprintf(path, len, "%.200s/xg-copy-XXXXXX", dirs[i]);
		fd = mkstemp(path);
		if (fd < 0)
			continue;
		if (ftruncate(fd, 2 * PG) || fstatfs(fd, &sf))
			goto next;
		m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 0);
		if (m == MAP_FAILED)
			goto next;
		munmap(m, 2 * PG);
		*fstype = sf.f_type;
		return fd;
next:
		close(fd);
		unlink(path);
	}
	return -ENOENT;
}

/*
 * A page that stops GRANT_COPY in the middle: a userfaultfd-registered
 * anonymous page, whose fault (the driver pinning it for the copy) a
 * thread serves after writing the file back. The copy's earlier segments
 * have pinned their file pages by then, and Xen writes them only after
 * the fault: so the data lands in pages that writeback has just cleaned,
 * and reaches the file only if the driver marks them dirty when it lets
 * go of them. Without that window the pages are dirty already (the pin's
 * write fault dirtied them) and a driver that forgets does no harm here.
 */
struct wb_window {
	int uffd;
	int stop[2];		/* a pipe: wakes the thread when closed */
	int file;		/* fsync()ed in the window */
	uint8_t *page;		/* the registered page */
	int served;		/* faults served */
	int fsync_err;		/* errno of the fsync(), or 0 */
	pthread_t thread;
};

static void *wb_window_serve(void *arg)
{
	static uint8_t zero[PG];
	struct wb_window *w = arg;
	struct pollfd pfd[2] = { { .fd = w->uffd, .events = POLLIN },
				 { .fd = w->stop[0], .events = POLLIN } };
	struct uffdio_copy copy;
	struct uffd_msg msg;

	/* Only the copy faults on the page: once. */
	if (poll(pfd, 2, -1) < 1 || !(pfd[0].revents & POLLIN) ||
	    read(w->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT)
		return NULL;
	w->fsync_err = fsync(w->file) ? errno : 0;
	w->served++;
	memset(&copy, 0, sizeof(copy));
	copy.dst = (uintptr_t)w->page;
	copy.src = (uintptr_t)zero;
	copy.len = PG;
	ioctl(w->uffd, UFFDIO_COPY, &copy);
	return NULL;
}

/* 0, or -errno when the kernel offers no userfaultfd (w->uffd is -1). */
static int wb_window_open(struct wb_window *w, int file)
{
	struct uffdio_register reg;
	struct uffdio_api api;
	int rc;

	memset(w, 0, sizeof(*w));
	w->file = file;
	w->page = MAP_FAILED;
	w->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (w->uffd < 0)
		return -errno;
	if (pipe2(w->stop, O_CLOEXEC)) {
		rc = -errno;
		close(w->uffd);
		w->uffd = -1;
		return rc;
	}
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	if (ioctl(w->uffd, UFFDIO_API, &api))
		goto err;
	w->page = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (w->page == MAP_FAILED)
		goto err;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)w->page;
	reg.range.len = PG;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(w->uffd, UFFDIO_REGISTER, &reg))
		goto err;
	rc = pthread_create(&w->thread, NULL, wb_window_serve, w);
	if (rc) {
		errno = rc;
		goto err;
	}
	return 0;
err:
	rc = -errno;
	if (w->page != MAP_FAILED)
		munmap(w->page, PG);
	close(w->stop[0]);
	close(w->stop[1]);
	close(w->uffd);
	w->uffd = -1;
	return rc;
}

static void wb_window_close(struct wb_window *w)
{
	if (w->uffd < 0)
		return;
	close(w->stop[1]);
	pthread_join(w->thread, NULL);
	close(w->stop[0]);
	close(w->uffd);
	munmap(w->page, PG);
	w->uffd = -1;
}

/*
 * GRANT_COPY into two pages of a MAP_SHARED file mapping that are mapped
 * clean (faulted in by reading), with the file written back while the
 * copy has them pinned (struct wb_window): each page must end up dirty,
 * so that msync() writes it; the data is then read back through a new
 * descriptor after the clean page cache was dropped. The runner gives
 * dom0 an ext4 file system for this ($XG_FILE_DIR); on tmpfs or ramfs
 * (all a domain of the test VM has otherwise) pages are never written
 * back, and only the content can be checked. Without userfaultfd (the
 * debug kernel of make check-debug has none) there is no window, and a
 * lost dirty bit goes unseen (logged).
 */
TEST_F(rg, grant_copy_dirty_file_pages)
{
	struct gntdev_grant_copy_segment seg[3];
	const char *env = getenv("XG_FILE_DIR");
	uint8_t back[2 * PG], *m;
	unsigned char core[2];
	struct wb_window w;
	char path[PATH_MAX];
	volatile uint8_t sink;
	long fstype = 0;
	int fd, i, rc;

	fd = file_for_copy(path, sizeof(path), &fstype);
	if (fd < 0)
		SKIP(return, "no file system lets a file be mapped shared");
	if (env)
		ASSERT_EQ(0, strncmp(path, env, strlen(env)))
			TH_LOG("XG_FILE_DIR=%s is not usable", env);
	TH_LOG("file %s, file system type %#lx", path, fstype);
	if (memory_fs(fstype))
		TH_LOG("tmpfs/ramfs: no write-back, content only");
	memset(back, 0x11, sizeof(back));
	ASSERT_EQ((ssize_t)sizeof(back), pwrite(fd, back, sizeof(back), 0));
	ASSERT_EQ(0, fsync(fd));
	m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ASSERT_NE(MAP_FAILED, m);
	/* Read faults: the pages are mapped clean. */
	sink = m[0];
	sink = m[PG];
	(void)sink;

	xg_fill(self->sg.apage, 3 * PG, 70);
	for (i = 0; i < 3; i++) {
		memset(&seg[i], 0, sizeof(seg[i]));
		seg[i].source.foreign.ref = self->sg.grefs[i];
		seg[i].source.foreign.domid = self->sg.domid;
		seg[i].dest.virt = m + i * PG;
		seg[i].len = PG;
		seg[i].flags = XG_GNTCOPY_SOURCE_GREF;
		seg[i].status = 0x7777;
	}
	rc = wb_window_open(&w, fd);
	if (rc)
		TH_LOG("no userfaultfd (%s): no write-back while the pages are pinned; a lost dirty bit goes unseen",
		       strerror(-rc));
	else
		seg[2].dest.virt = w.page;
	ASSERT_EQ(0, xg_gntdev_copy(self->sg.dev, seg, rc ? 2 : 3));
	if (!rc) {
		EXPECT_EQ(XG_GNTST_OKAY, seg[2].status);
		EXPECT_EQ(0, memcmp(w.page, self->sg.apage + 2 * PG, PG));
		wb_window_close(&w);
		EXPECT_EQ(1, w.served) TH_LOG("the copy never faulted");
		EXPECT_EQ(0, w.fsync_err)
			TH_LOG("fsync: %s", strerror(w.fsync_err));
	}
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(XG_GNTST_OKAY, seg[1].status);
	EXPECT_EQ(0, msync(m, 2 * PG, MS_SYNC));
	EXPECT_EQ(0, munmap(m, 2 * PG));
	EXPECT_EQ(0, fsync(fd));
	/* Drop the (now clean) cached pages: the read must go to storage. */
	EXPECT_EQ(0, posix_fadvise(fd, 0, 2 * PG, POSIX_FADV_DONTNEED));
	if (!memory_fs(fstype)) {
		m = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
		ASSERT_NE(MAP_FAILED, m);
		ASSERT_EQ(0, mincore(m, 2 * PG, core));
		EXPECT_EQ(0, (core[0] | core[1]) & 1)
			TH_LOG("still in the page cache: %d %d", core[0] & 1,
			       core[1] & 1);
		munmap(m, 2 * PG);
	}
	close(fd);

	fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	memset(back, 0, sizeof(back));
	EXPECT_EQ((ssize_t)sizeof(back), pread(fd, back, sizeof(back), 0));
	EXPECT_EQ(-1, xg_check(back, 2 * PG, 70))
		TH_LOG("file type %#lx", fstype);
	close(fd);
	unlink(path);
}

/* ---------------------------------------------------------------------- */
/* Counts that wrap                                                        */

/*
 * Counts chosen so that count * sizeof(element), index + count pages or
 * used + count wrap around in 32 or 64 bits: each call fails with the
 * driver's errno for "too many" or "no such range", and allocates
 * nothing: with a small gntalloc limit (in-tree: 1024), exactly the limit
 * can be allocated afterwards, and xen-gnt's counters are unchanged.
 */
TEST_F(rg, count_wrap_limits)
{
	static const uint32_t counts[] = { 0xffffffffu, 0xffff0000u,
					   0x80000000u, 0x40000001u,
					   0x20000000u, 0x10000001u };
	const uint64_t top = ~(uint64_t)(PG - 1);
	long long limit;
	uint64_t index;
	uint32_t ref = self->sg.grefs[0];
	unsigned int i;
	int rc;

	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		/* Only the header is passed: the count is refused first. */
		EXPECT_EQ(-EINVAL, xg_gntdev_map(self->sg.dev, self->sg.domid,
						 counts[i], NULL, &index))
			TH_LOG("gntdev count %#x", counts[i]);
		EXPECT_EQ(-ENOSPC,
			  xg_gntalloc_alloc(self->sg.alloc, self->sg.domid,
					    GNTALLOC_FLAG_WRITABLE, counts[i],
					    &index, NULL))
			TH_LOG("gntalloc count %#x", counts[i]);
		EXPECT_EQ(-ENOENT,
			  xg_gntdev_unmap(self->sg.dev, top - PG, counts[i]));
		/* A range the file does not have: EINVAL, as in-tree. */
		EXPECT_EQ(-EINVAL,
			  xg_gntalloc_dealloc(self->sg.alloc, top - PG,
					      counts[i]));
		EXPECT_EQ(-EINVAL,
			  xg_gntalloc_dealloc(self->sg.alloc, self->sg.aidx,
					      counts[i]));
	}
	/* Ranges at the very top of the index space. */
	EXPECT_EQ(-ENOENT, xg_gntdev_notify(self->sg.dev, top,
					    UNMAP_NOTIFY_CLEAR_BYTE, 0));
	EXPECT_EQ(-ENOENT, xg_gntalloc_notify(self->sg.alloc, top,
					      UNMAP_NOTIFY_CLEAR_BYTE, 0));
	ASSERT_EQ(0,
		  xg_gntdev_map(self->sg.dev, self->sg.domid, 1, &ref, &index));
	EXPECT_EQ(MAP_FAILED,
		  mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED, self->sg.dev,
		       (off_t)((top >> 1) & ~(PG - 1))));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 1UL << 40, PROT_READ, MAP_SHARED,
				   self->sg.dev, (off_t)index));
	EXPECT_EQ(MAP_FAILED, mmap(NULL, 1UL << 40, PROT_READ, MAP_SHARED,
				   self->sg.alloc, (off_t)self->sg.aidx));
	EXPECT_EQ(0, xg_gntdev_unmap(self->sg.dev, index, 1));

	/* Nothing was allocated or reserved by the failed calls. */
	check_counters(_metadata, self);
	limit = xg_module_param("xen_gntalloc", "limit");
	if (limit > NP && limit <= 4096) {
		rc = xg_gntalloc_fill_exactly(self->sg.domid, limit - NP);
		EXPECT_EQ(0, rc) TH_LOG("gntalloc refill to %lld pages: %s",
					limit, strerror(-rc));
	} else {
		TH_LOG("gntalloc limit %lld: refill not tried", limit);
	}
}

/* ---------------------------------------------------------------------- */
/* gntalloc: two files' allocations interleaved                            */

/*
 * Two files allocate in turn; each range is mapped on its own (in-tree's
 * layout keeps the pages of one call together), deallocated and closed
 * in a mixed order: every page keeps its own data, none of the other
 * file's pages is touched, and in the end all grants are revoked.
 */
TEST_F(rg, gntalloc_interleaved_files)
{
	struct {
		int file;
		uint32_t n;
		uint64_t index;
		uint32_t grefs[3];
		uint8_t *p;
	} r[4] = { { .file = 0, .n = 2 }, { .file = 1, .n = 1 },
		    { .file = 0, .n = 1 }, { .file = 1, .n = 3 } };
	uint32_t all[7];
	int fd[2], i, k = 0;

	fd[0] = xg_open(XG_GNTALLOC);
	fd[1] = xg_open(XG_GNTALLOC);
	ASSERT_LE(0, fd[0]);
	ASSERT_LE(0, fd[1]);
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, xg_gntalloc_alloc(fd[r[i].file], self->sg.domid,
					       GNTALLOC_FLAG_WRITABLE, r[i].n,
					       &r[i].index, r[i].grefs));
		memcpy(all + k, r[i].grefs, r[i].n * sizeof(all[0]));
		k += r[i].n;
	}
	for (i = 0; i < 4; i++) {
		r[i].p = xg_mmap(fd[r[i].file], r[i].index, r[i].n,
				 PROT_READ | PROT_WRITE, MAP_SHARED);
		ASSERT_NE(NULL, r[i].p) TH_LOG("range %d: %s", i,
					       strerror(errno));
		xg_fill(r[i].p, r[i].n * PG, 80 + i);
	}
	/* File 0's first range: deallocated, then unmapped. */
	ASSERT_EQ(0, xg_gntalloc_dealloc(fd[0], r[0].index, r[0].n));
	ASSERT_EQ(0, munmap(r[0].p, r[0].n * PG));
	/* File 1's first range unmapped, still allocated. */
	ASSERT_EQ(0, munmap(r[1].p, r[1].n * PG));
	for (i = 2; i < 4; i++)
		EXPECT_EQ(-1, xg_check(r[i].p, r[i].n * PG, 80 + i))
			TH_LOG("range %d", i);
	/* File 0 closed while its second range is mapped. */
	close(fd[0]);
	EXPECT_EQ(-1, xg_check(r[2].p, r[2].n * PG, 82));
	ASSERT_EQ(0, munmap(r[2].p, r[2].n * PG));
	EXPECT_EQ(-1, xg_check(r[3].p, r[3].n * PG, 83));
	/* File 1's first range, mapped again, kept its data. */
	r[1].p = xg_mmap(fd[1], r[1].index, r[1].n, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, r[1].p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(r[1].p, r[1].n * PG, 81));
	ASSERT_EQ(0, munmap(r[1].p, r[1].n * PG));
	ASSERT_EQ(0, xg_gntalloc_dealloc(fd[1], r[1].index, r[1].n));
	ASSERT_EQ(0, munmap(r[3].p, r[3].n * PG));
	close(fd[1]);
	check_grants_gone(_metadata, self, all, k);
	check_counters(_metadata, self);
}

/*
 * In-tree, a mapping's close walks the global list of pages from its first
 * page on, while mmap() found the pages in the file's list: when another
 * file allocated in between, munmap() drops a reference on the other
 * file's page (use after free). xen-gnt tracks each page on its own.
 */
TEST_F(rg, gntalloc_interleaved_files_improved)
{
	uint64_t a0, a1, b0;
	uint8_t *pa, *pb;
	int fd2;

	if (!xg_is_ours())
		SKIP(return, "in-tree gntalloc frees the wrong file's page here");
	fd2 = xg_open(XG_GNTALLOC);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, xg_gntalloc_alloc(self->sg.alloc, self->sg.domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &a0, NULL));
	ASSERT_EQ(0, xg_gntalloc_alloc(fd2, self->sg.domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &b0, NULL));
	ASSERT_EQ(0, xg_gntalloc_alloc(self->sg.alloc, self->sg.domid,
				       GNTALLOC_FLAG_WRITABLE, 1, &a1, NULL));
	pb = xg_mmap(fd2, b0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, pb);
	xg_fill(pb, PG, 16);
	munmap(pb, PG);
	/* Both of the file's pages in one mapping. */
	ASSERT_EQ(a0 + PG, a1);
	pa = xg_mmap(self->sg.alloc, a0, 2, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, pa) TH_LOG("mmap: %s", strerror(errno));
	xg_fill(pa, 2 * PG, 17);
	munmap(pa, 2 * PG);
	ASSERT_EQ(0, xg_gntalloc_dealloc(self->sg.alloc, a0, 1));
	ASSERT_EQ(0, xg_gntalloc_dealloc(self->sg.alloc, a1, 1));
	/* The other file's page is intact. */
	pb = xg_mmap(fd2, b0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, pb) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(pb, PG, 16));
	munmap(pb, PG);
	EXPECT_EQ(0, xg_gntalloc_dealloc(fd2, b0, 1));
	close(fd2);
	check_counters(_metadata, self);
}

TEST_HARNESS_MAIN
