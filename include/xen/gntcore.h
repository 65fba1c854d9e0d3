/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xen-gntcore: the grant-table core shared by xen-gntdev and xen-gntalloc.
 *
 * The core knows grant-table operations and nothing of files, ioctls or
 * user memory. It offers three things, all exported GPL-only in the
 * XEN_GNTCORE symbol namespace:
 *
 *  1. Statistics: a set of counters per module, shown in debugfs at
 *     xen-gnt/<module>/stats as "key value" lines. Keys starting with
 *     "live_" or "pending_" count things that must be back to zero once
 *     every user is gone; the test runner checks them.
 *
 *  2. Foreign maps (map.c): a batch of grants from other domains mapped
 *     in one batch, all or nothing; pages unmapped by ranges, each page
 *     at most once whoever races to unmap it. The object is the core's;
 *     the devices reach it through the functions below.
 *
 *  3. Own grants (grant.c): pages of ours granted to a peer, and their
 *     revocation with the grant v1 protocol's single atomic step. A page
 *     the peer still maps is never freed: it moves to the core's deferred
 *     list and is retried, with back-off, until the peer lets go.
 */
#ifndef _XEN_GNTCORE_H
#define _XEN_GNTCORE_H

#include <linux/atomic.h>
#include <linux/types.h>
#include <xen/grant_table.h>

/* ---------------------------------------------------------------- stats */

enum gntcore_stat {
	GNTCORE_STAT_HYPERCALLS, /* grant-table hypercalls issued */
	GNTCORE_STAT_BATCHES, /* map, unmap or copy batches */
	GNTCORE_STAT_MAP_OPS, /* grant map operations */
	GNTCORE_STAT_UNMAP_OPS, /* grant unmap operations */
	GNTCORE_STAT_COPY_OPS, /* grant copy operations */
	GNTCORE_STAT_MAP_ERRORS, /* map operations Xen refused */
	GNTCORE_STAT_UNMAP_ERRORS, /* unmap operations Xen refused */
	GNTCORE_STAT_LIVE_MAPS, /* foreign pages mapped now */
	GNTCORE_STAT_LIVE_GRANTS, /* own pages granted, not yet revoked */
	GNTCORE_STAT_LIVE_OBJECTS, /* device objects (files, ranges) alive */
	GNTCORE_STAT_PENDING_REVOKE, /* own pages a peer still maps */
	GNTCORE_STAT_REVOKE_DEFERRED, /* revocations that had to wait */
	GNTCORE_STAT_REVOKE_RETRIES, /* retries of deferred revocations */
	GNTCORE_STAT_REVOKE_RECLAIMED, /* deferred pages finally freed */
	GNTCORE_STAT_UNMAP_LATER, /* unmaps finished by the work item */
	GNTCORE_STAT_NR
};

/**
 * struct gntcore_stats - the counters of one module
 * @name:  debugfs directory name (xen-gnt/@name)
 * @v:     the counters, indexed by enum gntcore_stat
 * @extra: counters of the module's own, shown after @v (may be NULL)
 * @extra_names: their keys, @nr_extra of them; the "live_"/"pending_"
 *         rule above applies to them too
 * @nr_extra: number of @extra counters
 * @dir:   private to the core
 */
struct gntcore_stats {
	const char *name;
	atomic64_t v[GNTCORE_STAT_NR];
	atomic64_t *extra;
	const char *const *extra_names;
	unsigned int nr_extra;
	struct dentry *dir;
};

static inline void gntcore_stat_add(struct gntcore_stats *st,
				    enum gntcore_stat i, s64 n)
{
	atomic64_add(n, &st->v[i]);
}

static inline void gntcore_stat_inc(struct gntcore_stats *st,
				    enum gntcore_stat i)
{
	atomic64_inc(&st->v[i]);
}

static inline void gntcore_stat_dec(struct gntcore_stats *st,
				    enum gntcore_stat i)
{
	atomic64_dec(&st->v[i]);
}

void gntcore_stats_register(struct gntcore_stats *st);
void gntcore_stats_unregister(struct gntcore_stats *st);

/* --------------------------------------------------------- foreign maps */

/*
 * A batch of grants of other domains, their placeholder pages and their
 * mappings; private to the core. Documentation/design.rst tells how a
 * map is mapped, unmapped and freed.
 */
struct gntcore_fmap;

struct gntcore_fmap *
gntcore_fmap_alloc(struct gntcore_stats *st, unsigned int count,
		   void (*release)(struct gntcore_fmap *fm),
		   struct module *owner, void *priv);
void gntcore_fmap_set_op(struct gntcore_fmap *fm, unsigned int i,
			 phys_addr_t host_addr, u32 gntmap_flags,
			 grant_ref_t ref, domid_t domid);
void gntcore_fmap_get(struct gntcore_fmap *fm);
void gntcore_fmap_put(struct gntcore_fmap *fm);
int gntcore_fmap_map(struct gntcore_fmap *fm);
unsigned int gntcore_fmap_unmap(struct gntcore_fmap *fm, unsigned int first,
				unsigned int n);
unsigned int gntcore_fmap_count(const struct gntcore_fmap *fm);
void *gntcore_fmap_priv(const struct gntcore_fmap *fm);
struct page *gntcore_fmap_page(const struct gntcore_fmap *fm, unsigned int i);
struct page **gntcore_fmap_pages(const struct gntcore_fmap *fm);
bool gntcore_fmap_page_mapped(const struct gntcore_fmap *fm, unsigned int i);
unsigned int gntcore_fmap_nr_mapped(const struct gntcore_fmap *fm);

/* ----------------------------------------------------------- own grants */

/**
 * struct gntcore_gpage - one page of ours granted to a peer
 * @page:     the page: zeroed when gntcore_grant_pages() allocated it,
 *            the caller's when given to gntcore_grant_existing(); the
 *            grant holds one reference to it, dropped (put_page()) once
 *            the grant has ended
 * @ref:      its grant reference
 * @domid:    the peer
 * @readonly: whether the peer may only read
 */
struct gntcore_gpage {
	struct page *page;
	grant_ref_t ref;
	domid_t domid;
	bool readonly;
};

int gntcore_grant_pages(struct gntcore_stats *st, struct gntcore_gpage **gp,
			unsigned int count, domid_t domid, bool readonly);
int gntcore_grant_existing(struct gntcore_stats *st, struct gntcore_gpage **gp,
			   unsigned int count, domid_t domid, bool readonly);
void gntcore_revoke(struct gntcore_stats *st, struct gntcore_gpage *gp);
void gntcore_revoke_pages(struct gntcore_stats *st, struct gntcore_gpage **gp,
			  unsigned int count);

#endif /* _XEN_GNTCORE_H */
