// SPDX-License-Identifier: GPL-2.0
/*
 * cross_domain_test - grants between dom0 and a PV domU, both ways.
 *
 * Runs in dom0 with XEN_GNT_PEER_DOMID=<domU> set (SKIPs otherwise, so
 * that the same program can run in the domU too) and drives the agent
 * xen_gnt_peer, which must already be running in that domU; the protocol
 * is in xen_gnt_peer.h. Every test starts and ends with the agent holding
 * nothing ("reset").
 *
 * Passes against Linux's in-tree modules; *_improved tests need xen-gnt
 * on the side they check and SKIP otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xenstore.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"
#include "xen_gnt_peer.h"
#include "xen_gnt_peer_client.h"

#define PG XG_PAGE

/* How long the first test waits for the agent to be ready. */
#define READY_TIMEOUT_MS 15000

/* Shared by all tests (each runs in its own process): did the agent answer? */
enum { PEER_UNKNOWN, PEER_OK, PEER_ABSENT };
static int *peer_state;

static void __attribute__((constructor)) peer_state_init(void)
{
	peer_state = mmap(NULL, sizeof(*peer_state), PROT_READ | PROT_WRITE,
			  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (peer_state == MAP_FAILED)
		peer_state = NULL;
	else
		*peer_state = PEER_UNKNOWN;
}

FIXTURE(peer) {
	struct peer p;
	int dev;
	int alloc;
	domid_t peer;
};

FIXTURE_SETUP(peer)
{
	const char *what;
	int rc;

	rc = peer_session_from_env(XG_PEER_ENV, &self->p, &self->dev,
				   &self->alloc, &what);
	if (rc == 0)
		SKIP(return, "%s not set: no peer domain (runs in dom0 only)",
		     XG_PEER_ENV);
	ASSERT_LT(0, rc) TH_LOG("%s: %s", what, strerror(-rc));
	self->peer = rc;
	/* Wait for the agent once; the tests after the first know. */
	if (peer_state && *peer_state == PEER_ABSENT)
		ASSERT_TRUE(false) TH_LOG("the peer agent did not answer before");
	if (!peer_state || *peer_state == PEER_UNKNOWN) {
		bool ok;

		if (peer_state)
			*peer_state = PEER_ABSENT;
		ok = peer_ready(&self->p, READY_TIMEOUT_MS);
		ASSERT_TRUE(ok) TH_LOG("no xen_gnt_peer agent in domain %u (%s/%s)",
				       self->p.domid, self->p.dir,
				       XG_PEER_READY);
		ASSERT_EQ(0, peer_cmd(&self->p, "reset"))
			TH_LOG("%s", self->p.reply);
		if (peer_state)
			*peer_state = PEER_OK;
	} else {
		ASSERT_EQ(0, peer_cmd(&self->p, "reset"))
			TH_LOG("%s", self->p.reply);
	}
}

FIXTURE_TEARDOWN(peer)
{
	if (self->p.xs && peer_state && *peer_state == PEER_OK)
		peer_cmd(&self->p, "reset");
	peer_session_close(&self->p, &self->dev, &self->alloc);
}

/* The domU grants, dom0 maps: data both ways, many pages in one map. */
TEST_F(peer, domu_grants_dom0_maps)
{
	enum { N = 32 };
	uint32_t grefs[N];
	uint64_t index;
	uint8_t *g;
	int h;

	ASSERT_EQ(0, peer_cmd(&self->p, "alloc 0 %d 101 %d", N,
			      GNTALLOC_FLAG_WRITABLE)) TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_parse_alloc(self->p.reply, &h, grefs, N));
	ASSERT_EQ(0, xg_gntdev_map(self->dev, self->peer, N, grefs, &index));
	g = xg_mmap(self->dev, index, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, g) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, N * PG, 101));
	xg_fill(g, N * PG, 102);
	EXPECT_EQ(0, peer_cmd(&self->p, "check %d 102", h))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0, peer_cmd(&self->p, "fill %d 103", h));
	EXPECT_EQ(-1, xg_check(g, N * PG, 103));
	EXPECT_EQ(0, munmap(g, N * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->dev, index, N));
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
}

/* dom0 grants, the domU maps: data both ways. */
TEST_F(peer, dom0_grants_domu_maps)
{
	enum { N = 8 };
	uint32_t grefs[N];
	uint64_t index;
	uint8_t *a;
	int h;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->alloc, self->peer,
				       GNTALLOC_FLAG_WRITABLE, N, &index,
				       grefs));
	a = xg_mmap(self->alloc, index, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	xg_fill(a, N * PG, 111);
	ASSERT_EQ(0, peer_map(&self->p, 111, 1, grefs, N, &h))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0, peer_cmd(&self->p, "fill %d 112", h));
	EXPECT_EQ(-1, xg_check(a, N * PG, 112));
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
	EXPECT_EQ(0, munmap(a, N * PG));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->alloc, index, N));
}

/* A read-only grant: the domU maps it read-only only. */
TEST_F(peer, readonly_grant_to_domu)
{
	uint64_t index;
	uint32_t gref;
	uint8_t *a;
	int h;

	ASSERT_EQ(0, xg_gntalloc_alloc(self->alloc, self->peer, 0, 1, &index,
				       &gref));
	a = xg_mmap(self->alloc, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	xg_fill(a, PG, 121);
	EXPECT_EQ(1, peer_map(&self->p, -1, 1, &gref, 1, &h))
		TH_LOG("a writable map of a read-only grant: %s",
		       self->p.reply);
	ASSERT_EQ(0, peer_map(&self->p, 121, 0, &gref, 1, &h))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
	munmap(a, PG);
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->alloc, index, 1));
}

/*
 * The domU maps dom0's page with CLEAR_BYTE | SEND_EVENT, then unmaps:
 * dom0 sees the byte cleared in its page and the event on its port.
 */
TEST_F(peer, notify_domu_unmap_seen_by_dom0)
{
	uint64_t index;
	uint32_t gref;
	int h, port, evfd, rc;
	uint8_t *a;

	evfd = xg_open(XG_EVTCHN);
	ASSERT_LE(0, evfd) TH_LOG("%s: %s", XG_EVTCHN, strerror(-evfd));
	port = xg_evtchn_unbound(evfd, self->peer);
	ASSERT_LE(0, port) TH_LOG("unbound port: %s", strerror(-port));

	ASSERT_EQ(0, xg_gntalloc_alloc(self->alloc, self->peer,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       &gref));
	a = xg_mmap(self->alloc, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	memset(a, 0xff, PG);
	ASSERT_EQ(0, peer_map(&self->p, -1, 1, &gref, 1, &h))
		TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_cmd(&self->p, "notify %d 100 %d %d", h,
			      UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT,
			      port)) TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0xff, a[100]);
	EXPECT_EQ(-ETIMEDOUT, xg_evtchn_wait(evfd, port, 100));
	ASSERT_EQ(0, peer_cmd(&self->p, "release %d", h));
	rc = xg_evtchn_wait(evfd, port, 5000);
	EXPECT_EQ(0, rc) TH_LOG("no event on port %d", port);
	EXPECT_TRUE(xg_wait_byte(a + 100, 0, 5000)) TH_LOG("byte %#x", a[100]);
	EXPECT_EQ(0xff, a[99]);
	EXPECT_EQ(0xff, a[101]);
	munmap(a, PG);
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->alloc, index, 1));
	close(evfd);
}

/*
 * The domU grants with CLEAR_BYTE | SEND_EVENT and lets go of its page
 * while dom0 maps it: dom0 sees the byte cleared and the event.
 */
TEST_F(peer, notify_domu_release_seen_by_dom0)
{
	uint64_t index;
	uint32_t gref;
	int h, port, evfd, rc;
	uint8_t *g;

	evfd = xg_open(XG_EVTCHN);
	ASSERT_LE(0, evfd) TH_LOG("%s: %s", XG_EVTCHN, strerror(-evfd));
	port = xg_evtchn_unbound(evfd, self->peer);
	ASSERT_LE(0, port) TH_LOG("unbound port: %s", strerror(-port));

	ASSERT_EQ(0, peer_cmd(&self->p, "alloc 0 1 131 %d",
			      GNTALLOC_FLAG_WRITABLE)) TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_parse_alloc(self->p.reply, &h, &gref, 1));
	ASSERT_EQ(0, xg_gntdev_map(self->dev, self->peer, 1, &gref, &index));
	g = xg_mmap(self->dev, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, g);
	memset(g, 0xee, PG);
	ASSERT_EQ(0, peer_cmd(&self->p, "notify %d 200 %d %d", h,
			      UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT,
			      port)) TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_cmd(&self->p, "release %d", h));
	rc = xg_evtchn_wait(evfd, port, 5000);
	EXPECT_EQ(0, rc) TH_LOG("no event on port %d", port);
	EXPECT_TRUE(xg_wait_byte(g + 200, 0, 5000)) TH_LOG("byte %#x", g[200]);
	EXPECT_EQ(0xee, g[199]);
	EXPECT_EQ(0xee, g[201]);
	/* dom0 still has the page until it unmaps. */
	g[0] = 1;
	EXPECT_EQ(0, munmap(g, PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->dev, index, 1));
	close(evfd);
}

/*
 * Revoke with a live peer: dom0 deallocates, unmaps and closes while the
 * domU still maps its pages. The domU's mapping stays intact and usable;
 * once the domU unmaps, dom0 frees the pages (with xen-gnt: the pending_*
 * counters return to where they were). In-tree: nothing may break.
 */
TEST_F(peer, revoke_with_live_peer)
{
	enum { N = 4 };
	long long live0 = 0, pend0 = 0, last;
	uint32_t grefs[N];
	bool ours = xg_is_ours();
	uint64_t index;
	int h, fd, rc;
	uint8_t *a;

	if (ours) {
		ASSERT_EQ(0, xg_stats_sum("live_", &live0));
		ASSERT_EQ(0, xg_stats_sum("pending_", &pend0));
	}
	fd = xg_open(XG_GNTALLOC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, xg_gntalloc_alloc(fd, self->peer, GNTALLOC_FLAG_WRITABLE,
				       N, &index, grefs));
	a = xg_mmap(fd, index, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	xg_fill(a, N * PG, 141);
	ASSERT_EQ(0, peer_map(&self->p, 141, 1, grefs, N, &h))
		TH_LOG("%s", self->p.reply);

	ASSERT_EQ(0, xg_gntalloc_dealloc(fd, index, N));
	ASSERT_EQ(0, munmap(a, N * PG));
	close(fd);

	/* The peer's view is intact and still writable. */
	EXPECT_EQ(0, peer_cmd(&self->p, "check %d 141", h))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0, peer_cmd(&self->p, "fill %d 142", h));
	EXPECT_EQ(0, peer_cmd(&self->p, "check %d 142", h))
		TH_LOG("%s", self->p.reply);
	if (ours) {
		/* Not revocable while the peer maps the pages. */
		ASSERT_EQ(0, xg_stats_sum("pending_", &last));
		EXPECT_LT(pend0, last) TH_LOG("pending_* %lld, was %lld", last,
					      pend0);
	}
	ASSERT_EQ(0, peer_cmd(&self->p, "release %d", h));
	if (ours) {
		rc = xg_stats_wait_le("pending_", pend0, 10000, &last);
		EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last,
					pend0);
		rc = xg_stats_wait_le("live_", live0, 5000, &last);
		EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, live0);
	}
	/* Business as usual afterwards. */
	ASSERT_EQ(0, xg_gntalloc_alloc(self->alloc, self->peer,
				       GNTALLOC_FLAG_WRITABLE, 1, &index,
				       grefs));
	a = xg_mmap(self->alloc, index, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, a);
	xg_fill(a, PG, 143);
	ASSERT_EQ(0, peer_map(&self->p, 143, 1, grefs, 1, &h))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
	munmap(a, PG);
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->alloc, index, 1));
}

/* GRANT_COPY from and to the domU's grants, checked on both sides. */
TEST_F(peer, grant_copy_with_domu)
{
	enum { N = 2 };
	struct gntdev_grant_copy_segment seg[3];
	uint8_t want[N * 4096], buf[N * 4096];
	uint32_t grefs[N];
	int h;

	ASSERT_EQ(0, peer_cmd(&self->p, "alloc 0 %d 151 %d", N,
			      GNTALLOC_FLAG_WRITABLE)) TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_parse_alloc(self->p.reply, &h, grefs, N));

	/* From the domU: both pages, and a bad reference in between. */
	xg_fill(want, sizeof(want), 151);
	memset(buf, 0, sizeof(buf));
	xg_seg_from_gref(&seg[0], self->peer, grefs[0], 0, buf, PG);
	xg_seg_from_gref(&seg[1], self->peer, XG_BAD_GREF, 0, buf, 16);
	xg_seg_from_gref(&seg[2], self->peer, grefs[1], 0, buf + PG, PG);
	ASSERT_EQ(0, xg_gntdev_copy(self->dev, seg, 3));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(XG_GNTST_BAD_GNTREF, seg[1].status);
	EXPECT_EQ(XG_GNTST_OKAY, seg[2].status);
	EXPECT_EQ(0, memcmp(want, buf, sizeof(buf)));

	/* To the domU: whole pages, then a part at an offset. */
	xg_fill(buf, sizeof(buf), 152);
	xg_seg_to_gref(&seg[0], buf, self->peer, grefs[0], 0, PG);
	xg_seg_to_gref(&seg[1], buf + PG, self->peer, grefs[1], 0, PG);
	ASSERT_EQ(0, xg_gntdev_copy(self->dev, seg, 2));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(XG_GNTST_OKAY, seg[1].status);
	EXPECT_EQ(0, peer_cmd(&self->p, "check %d 152", h))
		TH_LOG("%s", self->p.reply);
	buf[0] = 0x5c;
	xg_seg_to_gref(&seg[0], buf, self->peer, grefs[1], 1000, 1);
	ASSERT_EQ(0, xg_gntdev_copy(self->dev, seg, 1));
	EXPECT_EQ(XG_GNTST_OKAY, seg[0].status);
	EXPECT_EQ(0, peer_cmd(&self->p, "peek %d %lu", h, PG + 1000));
	EXPECT_EQ(0x5c, atoi(self->p.reply));
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
}

/* GRANT_COPY into a read-only grant of the domU fails; reading works. */
TEST_F(peer, grant_copy_readonly_domu_grant)
{
	struct gntdev_grant_copy_segment seg;
	uint8_t buf[4096], want[4096];
	uint32_t gref;
	int h;

	ASSERT_EQ(0, peer_cmd(&self->p, "alloc 0 1 161 0"))
		TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_parse_alloc(self->p.reply, &h, &gref, 1));
	memset(buf, 0x33, sizeof(buf));
	xg_seg_to_gref(&seg, buf, self->peer, gref, 0, PG);
	ASSERT_EQ(0, xg_gntdev_copy(self->dev, &seg, 1));
	EXPECT_NE(XG_GNTST_OKAY, seg.status);
	EXPECT_EQ(0, peer_cmd(&self->p, "check %d 161", h))
		TH_LOG("%s", self->p.reply);
	xg_seg_from_gref(&seg, self->peer, gref, 0, buf, PG);
	ASSERT_EQ(0, xg_gntdev_copy(self->dev, &seg, 1));
	EXPECT_EQ(XG_GNTST_OKAY, seg.status);
	xg_fill(want, sizeof(want), 161);
	EXPECT_EQ(0, memcmp(want, buf, sizeof(buf)));
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
}

/* --- dma-buf (xen-gnt's; Debian's in-tree gntdev answers ENOTTY) ------- */

/* SKIP unless gntdev has the dma-buf ioctls: 0, or 1 after SKIP. */
static int dmabuf_absent(int dev)
{
	int fd;

	return xg_dmabuf_exp(dev, 0, 0, 0, NULL, &fd) == -ENOTTY;
}

/*
 * The domU's grants exported as a dma-buf in dom0: the export maps them,
 * and once its fd is closed they are unmapped, so the domU can take its
 * pages back at once (no pending revocation in dom0's counters, the
 * domU's release succeeds, dom0 maps nothing).
 */
TEST_F(peer, dmabuf_domu_grants_exported_in_dom0)
{
	enum { N = 8 };
	long long live0 = 0, last;
	uint32_t grefs[N];
	int h, fd = -1;

	if (dmabuf_absent(self->dev))
		SKIP(return, "gntdev has no dma-buf ioctls (ENOTTY)");
	if (xg_is_ours())
		ASSERT_EQ(0, xg_stats_sum("live_maps", &live0));
	ASSERT_EQ(0, peer_cmd(&self->p, "alloc 0 %d 121 %d", N,
			      GNTALLOC_FLAG_WRITABLE))
		TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_parse_alloc(self->p.reply, &h, grefs, N));
	ASSERT_EQ(0, xg_dmabuf_exp(self->dev, self->peer, 0, N, grefs, &fd));
	if (xg_is_ours()) {
		ASSERT_EQ(0, xg_stats_sum("live_maps", &last));
		EXPECT_EQ(live0 + N, last);
	}
	EXPECT_EQ(-ETIMEDOUT, xg_dmabuf_wait(self->dev, fd, 0));
	EXPECT_EQ(0, close(fd));
	if (xg_is_ours()) {
		EXPECT_EQ(0, xg_stats_wait_le("live_maps", live0, 10000, &last))
			TH_LOG("live_maps %lld, was %lld", last, live0);
		EXPECT_EQ(0, xg_stats_wait_le("live_dmabuf_", 0, 10000, &last));
	}
	/* Unmapped in dom0: the domU's pages come back without waiting. */
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
}

/*
 * A dma-buf of dom0 imported and granted to the domU, which maps the
 * grants: data both ways. Released while the domU still maps them, the
 * grants wait in dom0's deferred revocation, holding their pages, until
 * the domU lets go.
 */
static void dmabuf_to_domu(struct __test_metadata *_metadata,
			   FIXTURE_DATA(peer) *self, int fd, uint8_t *buf,
			   unsigned int n, int seed)
{
	long long pend0 = 0, last;
	bool ours = xg_is_ours();
	uint32_t refs[16];
	int imp, h;

	ASSERT_LE(n, 16);
	if (ours)
		ASSERT_EQ(0, xg_stats_sum("pending_", &pend0));
	imp = xg_open(XG_GNTDEV);
	ASSERT_LE(0, imp);
	xg_fill(buf, n * PG, seed);
	ASSERT_EQ(0, xg_dmabuf_imp(imp, fd, self->peer, n, refs));
	ASSERT_EQ(0, peer_map(&self->p, seed, 1, refs, (int)n, &h))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0, peer_cmd(&self->p, "fill %d %d", h, seed + 1));
	EXPECT_EQ(-1, xg_check(buf, n * PG, seed + 1));

	/* Released under the domU's mapping: deferred, the data intact. */
	EXPECT_EQ(0, xg_dmabuf_imp_release(imp, fd));
	close(imp);
	if (ours) {
		ASSERT_EQ(0, xg_stats_sum("pending_", &last));
		EXPECT_EQ(pend0 + n, last);
	}
	EXPECT_EQ(0, peer_cmd(&self->p, "check %d %d", h, seed + 1))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
	if (ours)
		EXPECT_EQ(0, xg_stats_wait_le("pending_", pend0, 10000, &last))
			TH_LOG("pending_* %lld, was %lld", last, pend0);
}

/* The buffer: dom0's own gntalloc pages, exported by gntdev. */
TEST_F(peer, dmabuf_dom0_export_granted_to_domu)
{
	enum { N = 4 };
	long long live0 = 0, last;
	struct xg_selfgrant sg;
	int rc, fd = -1;

	if (dmabuf_absent(self->dev))
		SKIP(return, "gntdev has no dma-buf ioctls (ENOTTY)");
	if (xg_is_ours())
		ASSERT_EQ(0, xg_stats_sum("live_", &live0));
	rc = xg_selfgrant_open(&sg, N);
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", sg.step, strerror(-rc));
	ASSERT_EQ(0, xg_dmabuf_exp(sg.dev, sg.domid, 0, N, sg.grefs, &fd));
	dmabuf_to_domu(_metadata, self, fd, sg.apage, N, 131);
	close(fd);
	xg_selfgrant_close(&sg);
	if (xg_is_ours())
		EXPECT_EQ(0, xg_stats_wait_le("live_", live0, 10000, &last))
			TH_LOG("live_* %lld, was %lld", last, live0);
}

/* The buffer: udmabuf, an exporter that is not ours. */
TEST_F(peer, dmabuf_udmabuf_granted_to_domu)
{
	enum { N = 4 };
	struct udmabuf_create create;
	int u, memfd, fd;
	uint8_t *buf;

	if (dmabuf_absent(self->dev))
		SKIP(return, "gntdev has no dma-buf ioctls (ENOTTY)");
	u = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (u < 0)
		SKIP(return, "/dev/udmabuf: %s", strerror(errno));
	memfd = memfd_create("cross_domain_test", MFD_ALLOW_SEALING);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, N * PG));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	buf = mmap(NULL, N * PG, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(&create, 0, sizeof(create));
	create.memfd = memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.size = N * PG;
	fd = ioctl(u, UDMABUF_CREATE, &create);
	ASSERT_LE(0, fd) TH_LOG("UDMABUF_CREATE: %s", strerror(errno));
	dmabuf_to_domu(_metadata, self, fd, buf, N, 151);
	close(fd);
	munmap(buf, N * PG);
	close(memfd);
	close(u);
}

TEST_HARNESS_MAIN
