// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_client_test - the dma-buf ioctls as a real client calls them:
 * through Debian's libxengnttab (xengnttab_dmabuf_exp_from_refs,
 * _exp_wait_released, _imp_to_refs, _imp_release), the calls EPAM's
 * display and sound backends and Qubes' GUI daemon make.
 *
 * libxengntshr shares pages with our own domain; libxengnttab exports
 * those grants as a dma-buf, imports the dma-buf back, and maps the
 * grants the import gives: the data must be the shared pages', both
 * ways. With Linux's in-tree gntdev built without dma-buf (Debian's),
 * the first call fails with ENOTTY and every test SKIPs.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xengnttab.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE
enum { NP = 2 };

FIXTURE(client)
{
	xengnttab_handle *xgt;
	xengntshr_handle *xgs;
	uint32_t refs[NP];
	uint8_t *shared; /* NP pages shared with ourselves */
	domid_t domid;
	bool stats;
	long long live0;
};

FIXTURE_SETUP(client)
{
	uint32_t fd;
	int rc;

	self->xgt = NULL;
	self->xgs = NULL;
	self->shared = NULL;
	rc = xg_self_domid();
	if (rc < 0)
		SKIP(return, "our domid: %s", strerror(-rc));
	self->domid = (domid_t)rc;
	self->xgt = xengnttab_open(NULL, 0);
	if (!self->xgt)
		SKIP(return, "xengnttab_open: %s", strerror(errno));
	self->xgs = xengntshr_open(NULL, 0);
	if (!self->xgs)
		SKIP(return, "xengntshr_open: %s", strerror(errno));
	self->stats = xg_is_ours();
	if (self->stats)
		ASSERT_EQ(0, xg_stats_sum("live_", &self->live0));
	self->shared = xengntshr_share_pages(self->xgs, self->domid, NP,
					     self->refs, 1);
	ASSERT_NE(NULL, self->shared) TH_LOG("share: %s", strerror(errno));

	/* Probe: what a client sees first. */
	rc = xengnttab_dmabuf_exp_from_refs(self->xgt, self->domid, 0, NP,
					    self->refs, &fd);
	if (rc && errno == ENOTTY)
		SKIP(return,
			   "libxengnttab: the dma-buf ioctls answer ENOTTY (Linux's in-tree gntdev without CONFIG_XEN_GNTDEV_DMABUF, as Debian builds it)");
	ASSERT_EQ(0, rc) TH_LOG("exp_from_refs: %s", strerror(errno));
	close((int)fd);
}

FIXTURE_TEARDOWN(client)
{
	if (self->shared)
		xengntshr_unshare(self->xgs, self->shared, NP);
	if (self->xgs)
		xengntshr_close(self->xgs);
	if (self->xgt)
		xengnttab_close(self->xgt);
}

static void check_clean(struct __test_metadata *_metadata,
			FIXTURE_DATA(client) * self)
{
	long long last;

	if (!self->stats)
		return;
	EXPECT_EQ(0, xg_stats_wait_le("live_dmabuf_", 0, 10000, &last))
	TH_LOG("live_dmabuf_* %lld", last);
}

TEST_F(client, export_import_map)
{
	uint32_t fd, refs2[NP];
	uint8_t *map;

	ASSERT_EQ(0, xengnttab_dmabuf_exp_from_refs(self->xgt, self->domid, 0,
						    NP, self->refs, &fd))
	TH_LOG("exp_from_refs: %s", strerror(errno));
	/* Held by our fd: the wait times out. */
	EXPECT_EQ(-1, xengnttab_dmabuf_exp_wait_released(self->xgt, fd, 10));
	EXPECT_EQ(ETIMEDOUT, errno);

	ASSERT_EQ(0, xengnttab_dmabuf_imp_to_refs(self->xgt, self->domid, fd,
						  NP, refs2))
	TH_LOG("imp_to_refs: %s", strerror(errno));
	map = xengnttab_map_domain_grant_refs(self->xgt, NP, self->domid, refs2,
					      PROT_READ | PROT_WRITE);
	ASSERT_NE(NULL, map) TH_LOG("map: %s", strerror(errno));
	xg_fill(self->shared, NP * PG, 0xc11e);
	EXPECT_EQ(-1, xg_check(map, NP * PG, 0xc11e));
	xg_fill(map, NP * PG, 0xc11f);
	EXPECT_EQ(-1, xg_check(self->shared, NP * PG, 0xc11f));
	EXPECT_EQ(0, xengnttab_unmap(self->xgt, map, NP));
	EXPECT_EQ(0, xengnttab_dmabuf_imp_release(self->xgt, fd))
	TH_LOG("imp_release: %s", strerror(errno));
	EXPECT_EQ(0, close((int)fd));
	check_clean(_metadata, self);
}

TEST_F(client, flags_refused)
{
	uint32_t fd;

	/* A client asking for coherent memory learns it cannot have it. */
	EXPECT_EQ(-1, xengnttab_dmabuf_exp_from_refs(self->xgt, self->domid,
						     GNTDEV_DMA_FLAG_WC, NP,
						     self->refs, &fd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, xengnttab_dmabuf_exp_from_refs(self->xgt, self->domid,
						     GNTDEV_DMA_FLAG_COHERENT,
						     NP, self->refs, &fd));
	EXPECT_EQ(EOPNOTSUPP, errno);
	check_clean(_metadata, self);
}

TEST_HARNESS_MAIN
