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
 *     with one hypercall, every status checked, a partly failed batch
 *     unwound before returning, and each page's life kept by a small
 *     lock-free state machine so that concurrent teardown paths can never
 *     unmap a page twice.
 *
 *  3. Own grants (grant.c): pages of ours granted to a peer, and their
 *     revocation with the grant v1 protocol's single atomic step. A page
 *     the peer still maps is never freed: it moves to the core's deferred
 *     list and is retried, with back-off, until the peer lets go.
 */
#ifndef _XEN_GNTCORE_H
#define _XEN_GNTCORE_H

#include <linux/atomic.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
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
 * Page states of a foreign map (struct gntcore_fmap.state[]). Every
 * transition is one atomic_cmpxchg(); whoever wins a transition owns the
 * work that goes with it:
 *
 *   NONE --(gntcore_fmap_map: claim)--> MAPPING
 *   MAPPING --(map op and, on PV, kernel map op succeeded)--> MAPPED
 *   MAPPING --(failed; the half that succeeded is undone)--> NONE
 *   MAPPED --(gntcore_fmap_unmap: claim)--> UNMAPPING
 *   UNMAPPING --(unmap completed)--> NONE, or DEAD if Xen refused
 *
 * UNMAP_LATER is UNMAPPING whose request could not be allocated where the
 * unmap began (an MMU notifier may not enter reclaim): on PV its user
 * mapping is gone already; the map's work item moves it to UNMAPPING and
 * finishes the unmap.
 *
 * A page in DEAD may still be mapped by Xen: its placeholder page is
 * never given back to the allocator (it is leaked on purpose, and
 * counted in unmap_errors).
 */
enum gntcore_page_state {
	GNTCORE_PAGE_NONE,
	GNTCORE_PAGE_MAPPING,
	GNTCORE_PAGE_MAPPED,
	GNTCORE_PAGE_UNMAPPING,
	GNTCORE_PAGE_UNMAP_LATER,
	GNTCORE_PAGE_DEAD,
};

struct gntcore_fmap;

/**
 * struct gntcore_fmap - a batch of foreign grants and their mappings
 * @count:      number of grants
 * @pages:      placeholder pages, one per grant (ballooned on PV; there
 *              the array holds them twice, for the unmap batch)
 * @map_ops:    map operation per page, filled in by the caller
 *              (gnttab_set_map_op()) before gntcore_fmap_map()
 * @unmap_ops:  the matching unmap operations; the caller sets host_addr
 *              and flags, the core keeps the handles
 * @kmap_ops:   on PV only, the kernel-address map operations of the
 *              placeholders, built by gntcore_fmap_set_op() for PTE
 *              mappings (second half of @map_ops' array; NULL elsewhere)
 * @kunmap_ops: on PV only, their unmap operations (second half of
 *              @unmap_ops' array); a page's handle is valid while its
 *              kernel address maps the grant
 * @kmap:       the batch maps the kernel addresses too (set by
 *              gntcore_fmap_set_op())
 * @unmap_work: unmaps the UNMAP_LATER pages (holds a reference while
 *              queued)
 * @state:      enum gntcore_page_state per page
 * @stats:      counters to charge
 * @users:      references; the last gntcore_fmap_put() frees the map
 * @live:       pages in MAPPED or UNMAPPING state
 * @release:    called by the last put, once no page is live, before the
 *              core frees its arrays (may be NULL)
 * @owner:      module holding @release; pinned while the map exists
 * @priv:       for the caller
 */
struct gntcore_fmap {
	unsigned int count;
	struct page **pages;
	struct gnttab_map_grant_ref *map_ops;
	struct gnttab_unmap_grant_ref *unmap_ops;
	struct gnttab_map_grant_ref *kmap_ops;
	struct gnttab_unmap_grant_ref *kunmap_ops;
	bool kmap;
	struct work_struct unmap_work;
	atomic_t *state;
	struct gntcore_stats *stats;
	refcount_t users;
	atomic_t live;
	void (*release)(struct gntcore_fmap *fm);
	struct module *owner;
	void *priv;
};

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
