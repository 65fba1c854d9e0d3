// SPDX-License-Identifier: GPL-2.0
/*
 * peer_destroy_test - the peer domain is destroyed (xl destroy) while dom0
 * maps its grants and while it maps dom0's gntalloc pages.
 *
 * Runs in dom0 with XEN_GNT_VICTIM_DOMID=<domU> set, a domU that runs the
 * xen_gnt_peer agent and that this program destroys; SKIPs without it.
 * The VM runner boots such a throw-away domU for this program alone.
 *
 * What must hold when a peer dies under us:
 *  - the pages dom0 maps stay mapped, with their data, until dom0 unmaps
 *    them (Xen keeps the dying domain's pages while they are mapped);
 *  - munmap and UNMAP_GRANT_REF succeed; DEALLOC_GREF of the pages the
 *    dead peer mapped succeeds, and nothing stays pending (xen-gnt's
 *    counters go back to where they were);
 *  - once dom0 has let go of everything, the domain disappears from Xen
 *    entirely: a page reference leaked by a driver leaves it a zombie.
 *
 * Passes against Linux's in-tree modules; the counter checks need xen-gnt
 * and are skipped (with a note) on the in-tree modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"
#include "xen_gnt_peer.h"
#include "xen_gnt_peer_client.h"

#define PG XG_PAGE
#define VICTIM_ENV "XEN_GNT_VICTIM_DOMID"
#define READY_TIMEOUT_MS 60000
/* How long Xen may take to free a dead domain once nothing holds it. */
#define GONE_TIMEOUT_MS 60000
/*
 * The harness's limit for the whole test: the waits above, xl, and a
 * loaded host under TCG (the harness's default of 30 s is too short).
 */
#define TEST_LIMIT_S 300

/* Runs "xl ARGS..." and returns its exit status (-1: did not run). */
static int xl(const char *verb, unsigned int domid, bool quiet)
{
	char id[16];
	int status;
	pid_t pid;

	snprintf(id, sizeof(id), "%u", domid);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (quiet && null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		execlp("xl", "xl", verb, id, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* True once Xen no longer knows @domid (polls up to @timeout_ms). */
static bool domain_gone(unsigned int domid, int timeout_ms)
{
	for (; timeout_ms > 0; timeout_ms -= 250) {
		if (xl("list", domid, true) != 0)
			return true;
		xg_msleep(250);
	}
	return xl("list", domid, true) != 0;
}

FIXTURE(victim) {
	struct peer p;
	int dev;
	int alloc;
	unsigned int domid;
};

FIXTURE_SETUP(victim)
{
	const char *what;
	int rc;

	rc = peer_session_from_env(VICTIM_ENV, &self->p, &self->dev,
				   &self->alloc, &what);
	if (rc == 0)
		SKIP(return, "%s not set: no domain to destroy (the VM runner starts one for this program)",
		     VICTIM_ENV);
	ASSERT_LT(0, rc) TH_LOG("%s: %s", what, strerror(-rc));
	self->domid = rc;
	ASSERT_TRUE(peer_ready(&self->p, READY_TIMEOUT_MS))
		TH_LOG("no xen_gnt_peer agent in domain %u", self->domid);
}

FIXTURE_TEARDOWN(victim)
{
	peer_session_close(&self->p, &self->dev, &self->alloc);
}

/*
 * Both directions at once: dom0 maps N of the victim's pages, the victim
 * maps N of dom0's gntalloc pages; then the victim is destroyed.
 */
TEST_F_TIMEOUT(victim, destroyed_while_mapped_both_ways, TEST_LIMIT_S)
{
	enum { N = 16 };
	uint32_t vgrefs[N], dgrefs[N];
	long long live0 = 0, pend0 = 0, last;
	uint64_t vindex, dindex;
	uint8_t *vmap, *dpages;
	bool ours = xg_is_ours();
	int h_alloc, h_map, rc;

	if (ours) {
		ASSERT_EQ(0, xg_stats_sum("live_", &live0));
		ASSERT_EQ(0, xg_stats_sum("pending_", &pend0));
	}

	/* The victim grants N pages to dom0, which maps them. */
	ASSERT_EQ(0, peer_cmd(&self->p, "alloc 0 %d 201 %d", N,
			      GNTALLOC_FLAG_WRITABLE)) TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_parse_alloc(self->p.reply, &h_alloc, vgrefs, N));
	ASSERT_EQ(0, xg_gntdev_map(self->dev, self->domid, N, vgrefs, &vindex));
	vmap = xg_mmap(self->dev, vindex, N, PROT_READ | PROT_WRITE,
		       MAP_SHARED);
	ASSERT_NE(NULL, vmap) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(-1, xg_check(vmap, N * PG, 201));

	/* dom0 grants N pages to the victim, which maps them and writes. */
	ASSERT_EQ(0, xg_gntalloc_alloc(self->alloc, self->domid,
				       GNTALLOC_FLAG_WRITABLE, N, &dindex,
				       dgrefs));
	dpages = xg_mmap(self->alloc, dindex, N, PROT_READ | PROT_WRITE,
			 MAP_SHARED);
	ASSERT_NE(NULL, dpages) TH_LOG("mmap: %s", strerror(errno));
	xg_fill(dpages, N * PG, 202);
	ASSERT_EQ(0, peer_map(&self->p, 202, 1, dgrefs, N, &h_map))
		TH_LOG("%s", self->p.reply);
	ASSERT_EQ(0, peer_cmd(&self->p, "fill %d 203", h_map))
		TH_LOG("%s", self->p.reply);
	ASSERT_EQ(-1, xg_check(dpages, N * PG, 203));

	/* The victim dies holding both. */
	ASSERT_EQ(0, xl("destroy", self->domid, false));

	/* dom0's view of the victim's pages is intact and still writable. */
	EXPECT_EQ(-1, xg_check(vmap, N * PG, 201));
	xg_fill(vmap, N * PG, 204);
	EXPECT_EQ(-1, xg_check(vmap, N * PG, 204));
	/* dom0's own pages: what the victim wrote last, and ours again. */
	EXPECT_EQ(-1, xg_check(dpages, N * PG, 203));
	xg_fill(dpages, N * PG, 205);
	EXPECT_EQ(-1, xg_check(dpages, N * PG, 205));

	/* Let go of everything: every call succeeds. */
	EXPECT_EQ(0, munmap(vmap, N * PG)) TH_LOG("munmap: %s",
						   strerror(errno));
	EXPECT_EQ(0, xg_gntdev_unmap(self->dev, vindex, N));
	EXPECT_EQ(0, munmap(dpages, N * PG)) TH_LOG("munmap: %s",
						     strerror(errno));
	EXPECT_EQ(0, xg_gntalloc_dealloc(self->alloc, dindex, N));

	if (ours) {
		/*
		 * Xen dropped the dead domain's mappings of dom0's pages, so
		 * no revoke stays pending; the daemons (xenstored,
		 * xenconsoled) unmap its rings too, so live_* may go below
		 * where it started.
		 */
		rc = xg_stats_wait_le("pending_", pend0, 10000, &last);
		EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last,
					pend0);
		rc = xg_stats_wait_le("live_", live0, 10000, &last);
		EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, live0);
	} else {
		TH_LOG("in-tree modules: no counters; the domain check below stands for them");
	}

	close(self->dev);
	self->dev = -1;
	close(self->alloc);
	self->alloc = -1;
	/* Nothing of dom0 holds the dead domain: Xen can free it. */
	EXPECT_TRUE(domain_gone(self->domid, GONE_TIMEOUT_MS))
		TH_LOG("domain %u still exists after dom0 let go of its pages",
		       self->domid);
}

TEST_HARNESS_MAIN
