// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntcore: pages of ours granted to a peer, and their revocation.
 *
 * gntcore_grant_pages() allocates zeroed pages and gives each one a grant
 * reference of our grant table (v1 entries are written in our own memory:
 * no hypercall). gntcore_grant_existing() does the same for pages someone
 * else allocated (a dma-buf's), taking a reference to each. From then on
 * the caller owns the grant and describes it with a struct gntcore_gpage;
 * the grant holds one reference to the page.
 *
 * gntcore_revoke() (gntcore_revoke_pages() for several) takes both back.
 * Ending a grant is one atomic step of the v1 protocol (see the numbered
 * steps at gntcore_try_end()); it fails while the peer still maps the
 * page, and Xen offers no way to force it.
 * Such a page must not be freed: the peer could still read or write it
 * after we handed it to someone else. It moves, with its reference, to a
 * record of the core's own on the deferred list, and the caller is done
 * with it (it may free its gntcore_gpage at once).
 *
 * Lifetimes:
 *  - A gntcore_gpage belongs to the caller from gntcore_grant_*() to
 *    gntcore_revoke(). The grant's page reference (put_page()) and the
 *    grant reference are released by the revoke, or later by the retry
 *    worker, never by the caller.
 *  - A struct gntcore_deferred lives from a revocation that had to wait
 *    until its grant is finally ended. If it cannot be allocated, or the
 *    core is unloaded first, the page goes to the kernel's own deferral,
 *    gnttab_end_foreign_access(), which owns it from then on and likewise
 *    never frees a page still granted.
 *
 * The retry worker (a delayed work on the core's workqueue) runs while the list is not empty,
 * with a back-off that doubles from GNTCORE_RETRY_MIN_MS to
 * GNTCORE_RETRY_MAX_MS and starts over whenever a new entry arrives.
 *
 * Locks: gntcore_deferred_lock (a spinlock, never held across a call out
 * of this file) protects the deferred list and the back-off. The worker
 * takes the whole list off under the lock and retries it unlocked, so a
 * revocation never waits for a retry pass.
 */
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include "internal.h"

#define GNTCORE_RETRY_MIN_MS 10
#define GNTCORE_RETRY_MAX_MS (4 * MSEC_PER_SEC)
/* A peer holding a page this long gets named in the log, once. */
#define GNTCORE_WARN_AFTER (60 * HZ)

/**
 * struct gntcore_deferred - a revoked page the peer still maps
 * @node:   entry in gntcore_deferred_list, or in the worker's private
 *          batch while it retries
 * @page:   the page, still granted; its reference kept until the grant has ended
 * @ref:    its grant reference
 * @domid:  the peer, for the log
 * @since:  jiffies when the revocation was first refused
 * @warned: whether the long wait has been logged
 */
struct gntcore_deferred {
	struct list_head node;
	struct page *page;
	grant_ref_t ref;
	domid_t domid;
	unsigned long since;
	bool warned;
};

static DEFINE_SPINLOCK(gntcore_deferred_lock);
/* Revocations waiting for their peer. Protected by gntcore_deferred_lock. */
static LIST_HEAD(gntcore_deferred_list);
/* Delay before the next retry pass. Protected by gntcore_deferred_lock. */
static unsigned int gntcore_retry_ms = GNTCORE_RETRY_MIN_MS;

static void gntcore_retry_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(gntcore_retry_work, gntcore_retry_fn);

/* Pages asked of the bulk allocator per call (an array on the stack). */
#define GNTCORE_ALLOC_BATCH 64

static void gntcore_free_pages(struct gntcore_gpage **gp, unsigned int count)
{
	unsigned int i;

	for (i = 0; i < count; i++) {
		__free_page(gp[i]->page);
		gp[i]->page = NULL;
	}
}

/*
 * Zeroed pages for @count descriptors, or -ENOMEM with none allocated.
 * The bulk allocator takes many pages off the per-CPU lists at once; it
 * may return fewer than asked, and the rest then come one at a time.
 */
static int gntcore_alloc_pages(struct gntcore_gpage **gp, unsigned int count)
{
	struct page *batch[GNTCORE_ALLOC_BATCH];
	unsigned int i, j, n;

	for (i = 0; i < count; i += n) {
		n = min_t(unsigned int, count - i, GNTCORE_ALLOC_BATCH);
		memset(batch, 0, n * sizeof(batch[0]));
		alloc_pages_bulk_array(GFP_KERNEL | __GFP_ZERO, n, batch);
		for (j = 0; j < n; j++) {
			if (!batch[j])
				batch[j] = alloc_page(GFP_KERNEL | __GFP_ZERO);
			if (!batch[j])
				goto err;
			gp[i + j]->page = batch[j];
		}
	}
	return 0;

err:
	/* This batch's pages, then the earlier batches'. */
	for (j = 0; j < n; j++) {
		if (batch[j])
			__free_page(batch[j]);
	}
	gntcore_free_pages(gp, i);
	return -ENOMEM;
}

/*
 * Reserve @count references and grant @domid each page of @gp. All or
 * nothing: on failure no reference is kept and nothing was granted (a
 * reservation is complete before the first grant is written).
 */
static int gntcore_grant_refs(struct gntcore_stats *st,
			      struct gntcore_gpage **gp, unsigned int count,
			      domid_t domid, bool readonly)
{
	unsigned int i, n, done = 0;
	grant_ref_t head;
	int ret;

	/*
	 * The kernel reserves references in batches of at most U16_MAX; once
	 * a batch is reserved, claiming each of its references cannot fail.
	 */
	while (done < count) {
		n = min_t(unsigned int, count - done, U16_MAX);
		ret = gnttab_alloc_grant_references(n, &head);
		if (ret)
			goto err_refs;
		for (i = done; i < done + n; i++)
			gp[i]->ref = gnttab_claim_grant_reference(&head);
		done += n;
	}

	for (i = 0; i < count; i++) {
		gp[i]->domid = domid;
		gp[i]->readonly = readonly;
		gnttab_grant_foreign_access_ref(gp[i]->ref, domid,
						xen_page_to_gfn(gp[i]->page),
						readonly);
	}
	gntcore_stat_add(st, GNTCORE_STAT_LIVE_GRANTS, count);
	return 0;

err_refs:
	/* Claimed, never granted: the entries are unused, give them back. */
	for (i = 0; i < done; i++)
		gnttab_free_grant_reference(gp[i]->ref);
	return ret;
}

/**
 * gntcore_grant_pages() - allocate pages and grant a peer access to them
 * @st:       counters to charge (live_grants)
 * @gp:       @count descriptors, filled in on success
 * @count:    number of pages
 * @domid:    the peer
 * @readonly: grant read-only access
 *
 * All or nothing: on failure no page is allocated and no reference is
 * taken; the descriptors' contents are then undefined. Nothing is granted
 * before every page and every reference has been obtained, so failing
 * never has to take a grant back.
 *
 * Context: process context, may sleep.
 * Return: 0, -ENOMEM, or -ENOSPC when the grant table is full.
 */
int gntcore_grant_pages(struct gntcore_stats *st, struct gntcore_gpage **gp,
			unsigned int count, domid_t domid, bool readonly)
{
	int ret;

	might_sleep();

	ret = gntcore_alloc_pages(gp, count);
	if (ret)
		return ret;
	ret = gntcore_grant_refs(st, gp, count, domid, readonly);
	if (ret)
		gntcore_free_pages(gp, count);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(gntcore_grant_pages, XEN_GNTCORE_NS);

/**
 * gntcore_grant_existing() - grant a peer access to pages we did not allocate
 * @st:       counters to charge (live_grants)
 * @gp:       @count descriptors with @page set by the caller (pages that
 *            belong to someone else, e.g. a dma-buf's exporter); the
 *            other fields are filled in on success
 * @count:    number of pages
 * @domid:    the peer
 * @readonly: grant read-only access
 *
 * Each grant takes a reference to its page, so that a page the peer still
 * maps outlives whatever its owner does with it: gntcore_revoke() drops
 * that reference once the grant has ended, at once or after a deferral.
 * The page's contents are not touched. All or nothing, like
 * gntcore_grant_pages(); on failure no reference is left taken.
 *
 * Context: process context, may sleep.
 * Return: 0, or -ENOSPC when the grant table is full.
 */
int gntcore_grant_existing(struct gntcore_stats *st, struct gntcore_gpage **gp,
			   unsigned int count, domid_t domid, bool readonly)
{
	unsigned int i;
	int ret;

	might_sleep();

	for (i = 0; i < count; i++)
		get_page(gp[i]->page);
	ret = gntcore_grant_refs(st, gp, count, domid, readonly);
	if (ret) {
		for (i = 0; i < count; i++)
			put_page(gp[i]->page);
	}
	return ret;
}
EXPORT_SYMBOL_NS_GPL(gntcore_grant_existing, XEN_GNTCORE_NS);

/*
 * End the grant @ref if the peer no longer uses it. On success the kernel
 * has also put the reference back on its free list.
 *
 * gnttab_try_end_foreign_access() carries out, on the v1 entry:
 *  1. Read the entry's flags.
 *  2. If GTF_reading or GTF_writing is set, the peer maps the page: stop,
 *     the grant stays in force.
 *  3. Compare-and-exchange the flags read in step 1 with 0. If Xen changed
 *     them in the meantime (the peer has just mapped the page), go back to
 *     step 1. Once the exchange succeeds Xen refuses every new mapping,
 *     and none is left: the page is ours again.
 *
 * Checking and ending in one atomic step is what closes the XSA-396 race
 * (a peer mapping the page between a separate "is it in use?" query and
 * the end of the grant). Never split it into a query and an end.
 */
static bool gntcore_try_end(grant_ref_t ref)
{
	return gnttab_try_end_foreign_access(ref);
}

/* Must hold gntcore_deferred_lock. Schedules a retry pass in @ms. */
static void gntcore_retry_in(unsigned int ms)
{
	lockdep_assert_held(&gntcore_deferred_lock);
	gntcore_retry_ms = ms;
	mod_delayed_work(gntcore_wq, &gntcore_retry_work, msecs_to_jiffies(ms));
}

/* Release a deferred page whose grant has ended, and free its record. */
static void gntcore_deferred_reclaim(struct gntcore_deferred *d)
{
	put_page(d->page);
	kfree(d);
	gntcore_stat_inc(&gntcore_stats, GNTCORE_STAT_REVOKE_RECLAIMED);
	gntcore_stat_dec(&gntcore_stats, GNTCORE_STAT_PENDING_REVOKE);
}

/* A revocation the peer holds up: defer it (see the file comment). */
static void gntcore_defer(struct gntcore_gpage *gp)
{
	struct gntcore_deferred *d;

	gntcore_stat_inc(&gntcore_stats, GNTCORE_STAT_REVOKE_DEFERRED);
	d = kmalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		/* The kernel's deferral owns the page and the reference now. */
		gnttab_end_foreign_access(gp->ref, gp->page);
		return;
	}
	d->page = gp->page;
	d->ref = gp->ref;
	d->domid = gp->domid;
	d->since = jiffies;
	d->warned = false;
	gntcore_stat_inc(&gntcore_stats, GNTCORE_STAT_PENDING_REVOKE);

	spin_lock(&gntcore_deferred_lock);
	list_add_tail(&d->node, &gntcore_deferred_list);
	gntcore_retry_in(GNTCORE_RETRY_MIN_MS);
	spin_unlock(&gntcore_deferred_lock);
}

/**
 * gntcore_revoke_pages() - end grants made by gntcore_grant_pages() or gntcore_grant_existing()
 * @st:    counters the grants were charged to
 * @gp:    @count pages; the caller may free the descriptors as soon as
 *         this returns
 * @count: number of pages
 *
 * Releases each page (put_page(): the grant's reference, which for a page
 * gntcore_grant_pages() allocated is its last) and its grant reference at
 * once when the peer does not map it, and otherwise as soon as the peer
 * lets go (see the file comment).
 * The same as gntcore_revoke() on each page, with the per-call work done
 * once.
 *
 * Context: process context, may sleep.
 */
void gntcore_revoke_pages(struct gntcore_stats *st, struct gntcore_gpage **gp,
			  unsigned int count)
{
	unsigned int i;

	might_sleep();
	gntcore_stat_add(st, GNTCORE_STAT_LIVE_GRANTS, -(s64)count);

	for (i = 0; i < count; i++) {
		if (gntcore_try_end(gp[i]->ref))
			put_page(gp[i]->page);
		else
			gntcore_defer(gp[i]);
	}
}
EXPORT_SYMBOL_NS_GPL(gntcore_revoke_pages, XEN_GNTCORE_NS);

/**
 * gntcore_revoke() - end one grant made by gntcore_grant_*()
 * @st: counters the grant was charged to
 * @gp: the page; the caller may free @gp as soon as this returns
 *
 * gntcore_revoke_pages() for one page.
 *
 * Context: process context, may sleep.
 */
void gntcore_revoke(struct gntcore_stats *st, struct gntcore_gpage *gp)
{
	gntcore_revoke_pages(st, &gp, 1);
}
EXPORT_SYMBOL_NS_GPL(gntcore_revoke, XEN_GNTCORE_NS);

/* Rate-limited: a peer may hold thousands of pages. */
static void gntcore_warn_pending(const struct gntcore_deferred *d)
{
	pr_warn_ratelimited("domain %u still maps granted ref %u after %lu s\n",
			    d->domid, d->ref, (jiffies - d->since) / HZ);
}

/* One retry pass over every deferred revocation. */
static void gntcore_retry_fn(struct work_struct *work)
{
	struct gntcore_deferred *d, *tmp;
	LIST_HEAD(batch);

	spin_lock(&gntcore_deferred_lock);
	list_splice_init(&gntcore_deferred_list, &batch);
	spin_unlock(&gntcore_deferred_lock);

	list_for_each_entry_safe(d, tmp, &batch, node) {
		gntcore_stat_inc(&gntcore_stats, GNTCORE_STAT_REVOKE_RETRIES);
		if (gntcore_try_end(d->ref)) {
			list_del(&d->node);
			gntcore_deferred_reclaim(d);
		} else if (!d->warned &&
			   time_after(jiffies, d->since + GNTCORE_WARN_AFTER)) {
			d->warned = true;
			gntcore_warn_pending(d);
		}
		cond_resched();
	}

	spin_lock(&gntcore_deferred_lock);
	/* Older entries first, then those added during this pass. */
	list_splice(&batch, &gntcore_deferred_list);
	if (!list_empty(&gntcore_deferred_list))
		gntcore_retry_in(min_t(unsigned int, gntcore_retry_ms * 2,
				       GNTCORE_RETRY_MAX_MS));
	spin_unlock(&gntcore_deferred_lock);
}

int gntcore_grant_init(void)
{
	return 0;
}

/*
 * Module unload: no user module is left, so nothing adds to the list any
 * more. Stop the worker, try every entry a last time and hand what the
 * peers still map to the kernel, which keeps those pages until the grants
 * end.
 */
void gntcore_grant_exit(void)
{
	struct gntcore_deferred *d, *tmp;
	unsigned int handed = 0;
	LIST_HEAD(batch);

	cancel_delayed_work_sync(&gntcore_retry_work);

	spin_lock(&gntcore_deferred_lock);
	list_splice_init(&gntcore_deferred_list, &batch);
	spin_unlock(&gntcore_deferred_lock);

	list_for_each_entry_safe(d, tmp, &batch, node) {
		list_del(&d->node);
		if (gntcore_try_end(d->ref)) {
			gntcore_deferred_reclaim(d);
			continue;
		}
		gnttab_end_foreign_access(d->ref, d->page);
		gntcore_stat_dec(&gntcore_stats, GNTCORE_STAT_PENDING_REVOKE);
		kfree(d);
		handed++;
	}
	if (handed)
		pr_info("%u granted pages still mapped by their peers, left to the kernel's deferred revocation\n",
			handed);
}
