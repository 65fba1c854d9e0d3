// SPDX-License-Identifier: GPL-2.0
/*
 * unload_handoff_test - the grant modules of a domain are unloaded while a
 * peer still maps pages that domain granted and has deallocated.
 *
 * Runs in dom0 with XEN_GNT_HANDOFF_DOMID=<domU> set, a domU that runs the
 * xen_gnt_peer agent and nothing else, whose grant modules this program
 * unloads and loads again; SKIPs without it. The VM runner boots such a
 * throw-away domU for this program alone.
 *
 * The roles are swapped on purpose: unloading xen-gntcore in dom0 would
 * need xenstored and xenconsoled stopped (they hold gntdev), and the agent
 * is driven over xenstore. So the domU grants, dom0 maps, and the domU
 * unloads:
 *  1. the agent allocates N pages granted to dom0; dom0 maps them;
 *  2. the agent deallocates them (DEALLOC_GREF, close): xen-gntcore cannot
 *     end grants dom0 still maps and keeps them on its deferred list;
 *  3. the agent closes everything and unloads xen-gntalloc, xen-gntdev and
 *     xen-gntcore; the core's exit hands each page still mapped to the
 *     kernel's own deferral (gnttab_end_foreign_access()) and says how
 *     many it handed;
 *  4. dom0's mapping keeps its data and stays writable while the agent
 *     writes over most of the domU's free memory: the pages were not
 *     freed in the domU (a freed page would be reused and overwritten);
 *  5. dom0 unmaps; the domU kernel then ends the grants (a GRANT_COPY from
 *     them fails);
 *  6. the modules load again and work; the domU's kernel log shows no
 *     leaked grant and no warning.
 *
 * A second test, unload_after_deferred_unmap, has the agent unload the
 * modules right after a work item of the core dropped the last reference
 * to a map (see the test's comment).
 *
 * Against the in-tree modules in the domU, DEALLOC_GREF already hands the
 * pages to the kernel's deferral (there is no core, no counter and no exit
 * message): the checks of 4-6 still apply and pass; those of the core's
 * hand-off are noted as not applicable.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"
#include "xen_gnt_peer.h"
#include "xen_gnt_peer_client.h"

#define PG XG_PAGE
#define HANDOFF_ENV "XEN_GNT_HANDOFF_DOMID"
#define READY_TIMEOUT_MS 60000
/*
 * Per request: unloading and loading modules (under TCG on a loaded host,
 * loading took 20 s once), writing over memory.
 */
#define REQ_TIMEOUT_MS 120000
/*
 * How long the domU kernel may take to end grants nobody maps any more
 * (its deferral retries once a second, a few entries per pass).
 */
#define GONE_TIMEOUT_MS 60000
/* The harness's limit for the whole test (its default of 30 s is short). */
#define TEST_LIMIT_S 300

FIXTURE(handoff) {
	struct peer p;
	int dev;
	int alloc;
	unsigned int domid;
	bool unloaded;
	bool reloaded;
};

FIXTURE_SETUP(handoff)
{
	const char *what;
	int rc;

	self->unloaded = self->reloaded = false;
	rc = peer_session_from_env(HANDOFF_ENV, &self->p, &self->dev,
				   &self->alloc, &what);
	if (rc == 0)
		SKIP(return, "%s not set: no domain whose modules to unload (the VM runner starts one for this program)",
		     HANDOFF_ENV);
	ASSERT_LT(0, rc) TH_LOG("%s: %s", what, strerror(-rc));
	self->domid = rc;
	self->p.timeout_ms = REQ_TIMEOUT_MS;
	ASSERT_TRUE(peer_ready(&self->p, READY_TIMEOUT_MS))
		TH_LOG("no xen_gnt_peer agent in domain %u", self->domid);
}

FIXTURE_TEARDOWN(handoff)
{
	/* Leave the domU with its modules, for its own teardown checks. */
	if (self->unloaded && !self->reloaded && self->p.xs)
		peer_cmd(&self->p, "reload");
	peer_session_close(&self->p, &self->dev, &self->alloc);
}

/* KEY=VALUE of @reply: VALUE, or "(none)". */
static const char *field(const char *reply, const char *key, char *buf,
			 size_t len)
{
	return peer_field(reply, key, buf, len) ? buf : "(none)";
}

/* KEY=N of @reply: N, or -999 if there is no such number. */
static long long num_field(const char *reply, const char *key)
{
	char buf[32], *end;
	long long v;

	if (!peer_field(reply, key, buf, sizeof(buf)))
		return -999;
	v = strtoll(buf, &end, 10);
	return end == buf || *end ? -999 : v;
}

/*
 * The agent grants @n pages filled with @seed; dom0 maps them at *@g and
 * checks them. Returns the agent's handle, or -1 if there is no mapping.
 */
static int map_domu_pages(struct __test_metadata *_metadata,
			  FIXTURE_DATA(handoff) *self, int n, int seed,
			  uint32_t *grefs, uint64_t *index, uint8_t **g)
{
	int h = -1;

	EXPECT_EQ(0, peer_cmd(&self->p, "alloc 0 %d %d %d", n, seed,
			      GNTALLOC_FLAG_WRITABLE))
		TH_LOG("alloc: %s", self->p.reply);
	if (peer_parse_alloc(self->p.reply, &h, grefs, n))
		return -1;
	EXPECT_EQ(0, xg_gntdev_map(self->dev, self->domid, n, grefs, index));
	*g = xg_mmap(self->dev, *index, n, PROT_READ | PROT_WRITE, MAP_SHARED);
	EXPECT_NE(NULL, *g) TH_LOG("mmap: %s", strerror(errno));
	if (!*g)
		return -1;
	EXPECT_EQ(-1, xg_check(*g, (size_t)n * PG, seed));
	return h;
}

/*
 * The domU deallocates pages dom0 maps, then unloads its grant modules:
 * the pages stay intact until dom0 lets go, then their grants end.
 */
TEST_F_TIMEOUT(handoff, revoke_pending_at_unload, TEST_LIMIT_S)
{
	enum { N = 16 };
	uint32_t grefs[N], grefs2[N];
	char unload[sizeof(self->p.reply)], val[32];
	const char *core;
	long long live0 = 0, last;
	bool ours0 = xg_is_ours();
	unsigned int alive = 0;
	uint64_t index;
	uint8_t *g;
	int h, i, rc;

	if (ours0)
		ASSERT_EQ(0, xg_stats_sum("live_", &live0));

	/* 1. The domU grants N pages, dom0 maps them. */
	h = map_domu_pages(_metadata, self, N, 701, grefs, &index, &g);
	ASSERT_LE(0, h);

	/* 2. The domU deallocates them: its grants cannot end yet. */
	ASSERT_EQ(0, peer_cmd(&self->p, "release %d", h))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(-1, xg_check(g, N * PG, 701));
	xg_fill(g, N * PG, 702);
	ASSERT_EQ(0, peer_cmd(&self->p, "scribble"))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(-1, xg_check(g, N * PG, 702))
		TH_LOG("a deallocated page dom0 maps was reused in the domU");

	/* 3. The domU unloads its grant modules. */
	ASSERT_EQ(0, peer_cmd(&self->p, "unload")) TH_LOG("%s", self->p.reply);
	self->unloaded = true;
	snprintf(unload, sizeof(unload), "%s", self->p.reply);
	TH_LOG("unload: %s", unload);
	EXPECT_STREQ("0", field(unload, "xen_gntalloc", val, sizeof(val)));
	EXPECT_STREQ("0", field(unload, "xen_gntdev", val, sizeof(val)));
	core = field(unload, "xen_gntcore", val, sizeof(val));
	if (strcmp(core, "absent")) {
		/* xen-gnt: the core held them, and handed them over. */
		EXPECT_STREQ("0", core);
		EXPECT_EQ(N, num_field(unload, "pending_revoke"));
		EXPECT_EQ(N, num_field(unload, "handed"))
			TH_LOG("the core's exit message missing or wrong; see the agent's log");
	} else {
		TH_LOG("in-tree modules in the domU: DEALLOC_GREF gave the pages to the kernel's deferral at once (no core to hand them over); the checks below stand for them");
	}

	/* 4. The domU kernel holds them now: intact, writable, not reused. */
	EXPECT_EQ(-1, xg_check(g, N * PG, 702));
	xg_fill(g, N * PG, 703);
	EXPECT_EQ(-1, xg_check(g, N * PG, 703));
	ASSERT_EQ(0, peer_cmd(&self->p, "scribble"))
		TH_LOG("%s", self->p.reply);
	EXPECT_EQ(-1, xg_check(g, N * PG, 703))
		TH_LOG("a page handed to the domU kernel was reused while dom0 maps it");
	for (i = 0; i < N; i++) {
		uint32_t ref = grefs[i];

		EXPECT_EQ(1, xg_grant_alive(self->dev, self->domid, ref))
			TH_LOG("ref %u ended while dom0 maps it", ref);
	}

	/* 5. dom0 lets go: the domU kernel ends the grants. */
	EXPECT_EQ(0, munmap(g, N * PG)) TH_LOG("munmap: %s", strerror(errno));
	EXPECT_EQ(0, xg_gntdev_unmap(self->dev, index, N));
	rc = xg_grants_wait_gone(self->dev, self->domid, grefs, N,
				 GONE_TIMEOUT_MS, &alive);
	EXPECT_EQ(0, rc) TH_LOG("ref %u still in force %d s after dom0 unmapped it (%s)",
				grefs[alive], GONE_TIMEOUT_MS / 1000,
				rc == -ETIMEDOUT ? "timed out" : strerror(-rc));

	/* 6. The modules load again and work; the kernel log is clean. */
	ASSERT_EQ(0, peer_cmd(&self->p, "reload")) TH_LOG("%s", self->p.reply);
	self->reloaded = true;
	h = map_domu_pages(_metadata, self, N, 704, grefs2, &index, &g);
	ASSERT_LE(0, h);
	EXPECT_EQ(0, munmap(g, N * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(self->dev, index, N));
	EXPECT_EQ(0, peer_cmd(&self->p, "release %d", h));
	rc = xg_grants_wait_gone(self->dev, self->domid, grefs2, N,
				 GONE_TIMEOUT_MS, &alive);
	EXPECT_EQ(0, rc) TH_LOG("ref %u (reloaded modules) still in force",
				grefs2[alive]);

	ASSERT_EQ(0, peer_cmd(&self->p, "klog")) TH_LOG("%s", self->p.reply);
	TH_LOG("domU kernel log: %s", self->p.reply);
	EXPECT_EQ(0, num_field(self->p.reply, "leaking"))
		TH_LOG("the domU leaked grants; see the agent's log");
	EXPECT_EQ(0, num_field(self->p.reply, "bad"))
		TH_LOG("BUG/WARNING in the domU's kernel log; see its console");

	if (ours0) {
		rc = xg_stats_wait_le("live_", live0, 10000, &last);
		EXPECT_EQ(0, rc) TH_LOG("dom0 live_* %lld, was %lld", last,
					live0);
	}
}

/*
 * Work items of the core finish deferred unmaps and may drop a map's last
 * reference, releasing the device module the map pins; the modules can
 * then be unloaded while that work item is still returning through the
 * core's code. The core must wait for its work items at unload. The
 * domU's agent widens the window (the core's work_put_delay_ms: the work
 * item waits after the last put until the core's unload begins) and
 * unloads at once, several rounds, pausing before loading again. A core
 * that does not wait warns at exit (its count of waiting work items is
 * not 0) or crashes the domU, which stops answering. With our modules at least one round
 * must have had a work item in the core's code when its unload began,
 * else this test proved nothing.
 */
TEST_F_TIMEOUT(handoff, unload_after_deferred_unmap, 2 * TEST_LIMIT_S)
{
	/* The hook's longest wait; it ends when the core's unload begins. */
	enum { ROUNDS = 4, DELAY_MS = 20000 };

	self->unloaded = true;
	self->p.timeout_ms = 2 * TEST_LIMIT_S * 1000 - 60000;
	ASSERT_EQ(0, peer_cmd(&self->p, "unload_race %d %d", ROUNDS,
			      DELAY_MS))
		TH_LOG("unload_race: %s (a domU that stopped answering crashed: see its console)",
		       self->p.reply);
	self->reloaded = true;
	self->p.timeout_ms = REQ_TIMEOUT_MS;
	TH_LOG("unload_race: %s", self->p.reply);
	EXPECT_EQ(ROUNDS, num_field(self->p.reply, "rounds"));
	if (xg_is_ours())
		EXPECT_LE(1, num_field(self->p.reply, "windows"))
			TH_LOG("no round had a work item in the core at its unload: the race was not run");

	ASSERT_EQ(0, peer_cmd(&self->p, "klog")) TH_LOG("%s", self->p.reply);
	TH_LOG("domU kernel log: %s", self->p.reply);
	EXPECT_EQ(0, num_field(self->p.reply, "bad"))
		TH_LOG("BUG/WARNING in the domU's kernel log; see its console");
}

TEST_HARNESS_MAIN
