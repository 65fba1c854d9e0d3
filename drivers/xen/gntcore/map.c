// SPDX-License-Identifier: GPL-2.0
/*
 * Foreign maps: grants of other domains mapped in batches.
 *
 * Objects: struct gntcore_fmap (below), one per mapping request of a
 * device; struct gntcore_unmap_req, one per unmap run in flight; the
 * placeholder cache. How maps are mapped and unmapped, and why, is told
 * in Documentation/design.rst ("Foreign maps", "The per-page state
 * machine"); the functions here say what each holds and guarantees.
 *
 * Lifetime: a map is reference counted (@users). Its creator holds one
 * reference; every unmap in flight holds another, so the last put, which
 * frees the placeholders, always comes after the last unmap completed.
 * The owner module is pinned from alloc to free, because the release
 * callback is its code and may run from a workqueue after its files are
 * closed.
 *
 * Locking: none inside. Page states (see enum gntcore_page_state) change
 * only by atomic_cmpxchg(), and the winner of a transition owns the work
 * that goes with it, so concurrent callers can never map or unmap a page
 * twice. Callers serialise map against map themselves.
 */
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <xen/xen.h>
#include <xen/grant_table.h>
#include <asm/xen/hypercall.h>

#include "internal.h"

/*
 * Page states (@state[] of a map), changed only by atomic_cmpxchg() (a
 * claim, whose winner owns the work that goes with it) or by the owner of
 * a claim; the diagram is in Documentation/design.rst. UNMAP_LATER is
 * UNMAPPING left to @unmap_work. DEAD is final: Xen may still map the
 * page, whose placeholder is never given back.
 */
enum gntcore_page_state {
	GNTCORE_PAGE_NONE,
	GNTCORE_PAGE_MAPPING,
	GNTCORE_PAGE_MAPPED,
	GNTCORE_PAGE_UNMAPPING,
	GNTCORE_PAGE_UNMAP_LATER,
	GNTCORE_PAGE_DEAD,
};

/**
 * struct gntcore_fmap - a batch of foreign grants and their mappings
 * @count:      number of grants
 * @pages:      placeholder pages, one per grant (ballooned on PV; there
 *              the array has a second half, for the unmap batch: see
 *              gntcore_fmap_alloc())
 * @map_ops:    map operation per page (gntcore_fmap_set_op())
 * @unmap_ops:  the matching unmap operations, with their handles while
 *              the page is mapped
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
 *
 * No lock: @state[] is atomic; the ops and handles of a page belong to
 * whoever holds its claim; callers serialise gntcore_fmap_set_op() and
 * gntcore_fmap_map() of one map.
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

static void gntcore_fmap_unmap_work(struct work_struct *work);

/* Status given to ops before a hypercall: Xen writes GNTST_* (<= 0). */
#define GNTCORE_ST_UNSEEN 1

/*
 * One run of pages being unmapped: @count pages from @first, whose unmap
 * operations still to be made are the @nops of @ops, for @pages (@count
 * pages; twice that, the same ones again, when @ops holds user and kernel
 * operations). @dwork retries while a page is held elsewhere; @tries
 * counts the retries, for the back-off.
 */
struct gntcore_unmap_req {
	struct delayed_work dwork;
	struct gntcore_fmap *fm;
	struct gnttab_unmap_grant_ref *ops;
	struct page **pages;
	unsigned int nops;
	unsigned int first;
	unsigned int count;
	unsigned int tries;
};

/* Back-off of a run whose pages are held: 5 ms more per retry, to 1 s. */
#define GNTCORE_BUSY_STEP_MS 5
#define GNTCORE_BUSY_MAX_MS 1000

/*
 * Placeholder pages kept for the next map. Each page taken from the
 * kernel (gnttab_alloc_pages()) costs a p2m set-up on PV, or a balloon
 * operation when the kernel's pool is empty, and a map cycle gives back
 * as many pages as it takes. A kept page has no memory behind it and is
 * in the state gnttab_alloc_pages() hands out: nothing maps it (its p2m
 * entry was cleared by the unmap), its count is 1. Pages that may still
 * be mapped (DEAD) never come here.
 *
 * Where placeholders are ballooned-out RAM, a kept page is memory the
 * guest goes without, so the cache gives its pages back when it has not
 * been used for placeholder_idle_ms, and when the kernel is short of
 * memory (a shrinker). Either only asks gntcore_ph_trim_work to do it: a
 * shrinker runs inside allocations, possibly ones made under the balloon's
 * or unpopulated-alloc's own lock, which freeing placeholders takes.
 */
#define GNTCORE_PH_KEEP 8192
/* Pages handed back to the kernel per call of the trim work. */
#define GNTCORE_PH_TRIM_BATCH 64
static DEFINE_SPINLOCK(gntcore_ph_lock);
/* The kept pages, [0, gntcore_ph_count). Protected by gntcore_ph_lock. */
static struct page *gntcore_ph_pages[GNTCORE_PH_KEEP];
static unsigned int gntcore_ph_count;
/* jiffies of the last get or put. Protected by gntcore_ph_lock. */
static unsigned long gntcore_ph_used;
/* Pages the shrinker asked back. Protected by gntcore_ph_lock. */
static unsigned int gntcore_ph_trim;

static unsigned int gntcore_ph_idle_ms = 10000;
module_param_named(placeholder_idle_ms, gntcore_ph_idle_ms, uint, 0644);
MODULE_PARM_DESC(placeholder_idle_ms,
		 "Give kept placeholder pages back after this long unused (ms)");

static void gntcore_ph_trim_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(gntcore_ph_trim_work, gntcore_ph_trim_fn);
static struct shrinker *gntcore_ph_shrinker;

/*
 * On PV, a page of our own (not foreign, so gnttab_unmap_refs() leaves
 * its p2m entry alone) named for the kernel-address half of a combined
 * unmap batch; NULL elsewhere, or if it could not be had (the
 * placeholders are named twice then, whose second clearing is a slow
 * p2m lookup).
 */
static struct page *gntcore_p2m_dummy;

static void gntcore_ph_stat_add(s64 cached, s64 returned)
{
	atomic64_add(cached, &gntcore_core_extra[GNTCORE_X_PH_CACHED]);
	atomic64_add(returned, &gntcore_core_extra[GNTCORE_X_PH_RETURNED]);
}

/* Keep what fits of @count placeholders; give the rest to the kernel. */
static void gntcore_put_placeholders(struct page **pages, unsigned int count)
{
	unsigned int n;
	bool first;

	spin_lock(&gntcore_ph_lock);
	n = min(count, GNTCORE_PH_KEEP - gntcore_ph_count);
	memcpy(&gntcore_ph_pages[gntcore_ph_count], pages + count - n,
	       n * sizeof(*pages));
	first = !gntcore_ph_count && n;
	gntcore_ph_count += n;
	gntcore_ph_used = jiffies;
	spin_unlock(&gntcore_ph_lock);
	gntcore_ph_stat_add(n, count - n);
	/* The first page kept starts the idle clock (it stops when empty). */
	if (first) {
		unsigned long idle =
			msecs_to_jiffies(READ_ONCE(gntcore_ph_idle_ms));

		queue_delayed_work(gntcore_wq, &gntcore_ph_trim_work, idle);
	}
	if (count > n)
		gnttab_free_pages(count - n, pages);
}

/* @count placeholders: kept ones first. All or nothing. */
static int gntcore_get_placeholders(struct page **pages, unsigned int count)
{
	unsigned int n;

	spin_lock(&gntcore_ph_lock);
	n = min(count, gntcore_ph_count);
	gntcore_ph_count -= n;
	memcpy(pages, &gntcore_ph_pages[gntcore_ph_count], n * sizeof(*pages));
	gntcore_ph_used = jiffies;
	spin_unlock(&gntcore_ph_lock);
	gntcore_ph_stat_add(-(s64)n, 0);
	if (n == count || !gnttab_alloc_pages(count - n, pages + n))
		return 0;
	if (n)
		gntcore_put_placeholders(pages, n);
	return -ENOMEM;
}

/*
 * Gives kept pages back: what the shrinker asked for, or all of them once
 * the cache has been idle for placeholder_idle_ms; then waits for the
 * rest of that time again while pages are kept.
 */
static void gntcore_ph_trim_fn(struct work_struct *work)
{
	unsigned long idle = msecs_to_jiffies(READ_ONCE(gntcore_ph_idle_ms));
	struct page *batch[GNTCORE_PH_TRIM_BATCH];
	unsigned long left = 0;
	unsigned int n;

	for (;;) {
		spin_lock(&gntcore_ph_lock);
		if (time_before(jiffies, gntcore_ph_used + idle)) {
			left = gntcore_ph_used + idle - jiffies;
			n = min(gntcore_ph_trim, gntcore_ph_count);
		} else {
			n = gntcore_ph_count;
		}
		n = min(n, GNTCORE_PH_TRIM_BATCH);
		gntcore_ph_count -= n;
		gntcore_ph_trim -= min(gntcore_ph_trim, n);
		memcpy(batch, &gntcore_ph_pages[gntcore_ph_count],
		       n * sizeof(batch[0]));
		if (!n) {
			gntcore_ph_trim = 0;
			if (gntcore_ph_count)
				queue_delayed_work(gntcore_wq,
						   &gntcore_ph_trim_work,
						   max(left, 1UL));
		}
		spin_unlock(&gntcore_ph_lock);
		if (!n)
			return;
		gntcore_ph_stat_add(-(s64)n, n);
		gnttab_free_pages(n, batch);
		cond_resched();
	}
}

static unsigned long gntcore_ph_count_objects(struct shrinker *sh,
					      struct shrink_control *sc)
{
	return READ_ONCE(gntcore_ph_count);
}

/* Asks the trim work for @sc->nr_to_scan pages; never frees here. */
static unsigned long gntcore_ph_scan_objects(struct shrinker *sh,
					     struct shrink_control *sc)
{
	unsigned long n;

	spin_lock(&gntcore_ph_lock);
	n = min_t(unsigned long, sc->nr_to_scan,
		  gntcore_ph_count - min(gntcore_ph_trim, gntcore_ph_count));
	gntcore_ph_trim += n;
	spin_unlock(&gntcore_ph_lock);
	if (!n)
		return SHRINK_STOP;
	mod_delayed_work(gntcore_wq, &gntcore_ph_trim_work, 0);
	return n;
}

/* Module load: the shrinker (none is not fatal: the idle time-out stays). */
void gntcore_map_init(void)
{
	static const char name[] = "xen-gntcore-placeholders";
	struct shrinker *sh = xen_gnt_shrinker_alloc(name);

	if (xen_pv_domain())
		gntcore_p2m_dummy = alloc_page(GFP_KERNEL);

	if (sh) {
		sh->count_objects = gntcore_ph_count_objects;
		sh->scan_objects = gntcore_ph_scan_objects;
		sh->seeks = DEFAULT_SEEKS;
		if (xen_gnt_shrinker_register(sh, name))
			sh = NULL;
	}
	if (!sh)
		pr_warn("no shrinker for the placeholder cache\n");
	gntcore_ph_shrinker = sh;
}

/*
 * Module unload: every map is gone (its pages were put back before its
 * owner was released), so nothing adds to the cache any more; stop the
 * shrinker and the trim work, before the core's workqueue goes, and give
 * the kept pages back.
 */
void gntcore_map_exit(void)
{
	xen_gnt_shrinker_free(gntcore_ph_shrinker);
	cancel_delayed_work_sync(&gntcore_ph_trim_work);
	if (gntcore_ph_count)
		gnttab_free_pages(gntcore_ph_count, gntcore_ph_pages);
	gntcore_ph_stat_add(-(s64)gntcore_ph_count, gntcore_ph_count);
	gntcore_ph_count = 0;
	if (gntcore_p2m_dummy)
		__free_page(gntcore_p2m_dummy);
	gntcore_p2m_dummy = NULL;
}

static void gntcore_fmap_free(struct gntcore_fmap *fm)
{
	unsigned int i, keep = 0, dead = 0;

	/* pages[] is all set or all NULL (no placeholders to be had). */
	if (fm->pages && fm->pages[0]) {
		/* Never give back a placeholder Xen may still map. */
		for (i = 0; i < fm->count; i++) {
			if (atomic_read(&fm->state[i]) == GNTCORE_PAGE_DEAD)
				dead++;
			else
				fm->pages[keep++] = fm->pages[i];
		}
		if (dead)
			pr_err("leaking %u page(s) whose grant unmap failed\n",
			       dead);
		if (keep)
			gntcore_put_placeholders(fm->pages, keep);
	}
	kvfree(fm->pages);
	/* On PV, kmap_ops and kunmap_ops are the second halves. */
	kvfree(fm->map_ops);
	kvfree(fm->unmap_ops);
	kvfree(fm->state);
	kfree(fm);
}

/**
 * gntcore_fmap_alloc() - allocate a foreign map of @count grants
 * @st:      counters to charge
 * @count:   number of grants, at least 1 (callers bound it)
 * @release: called once the last reference is gone (may be NULL)
 * @owner:   module of @release, pinned until then
 * @priv:    stored in @fm->priv
 *
 * Allocates the operation arrays and one placeholder page per grant.
 * Nothing is mapped yet. Return: the map with one reference, or NULL.
 */
struct gntcore_fmap *
gntcore_fmap_alloc(struct gntcore_stats *st, unsigned int count,
		   void (*release)(struct gntcore_fmap *fm),
		   struct module *owner, void *priv)
{
	struct gntcore_fmap *fm;
	unsigned int i, pv;

	fm = kzalloc(sizeof(*fm), GFP_KERNEL);
	if (!fm)
		return NULL;
	/*
	 * On PV, each array is twice as long: the second half holds the
	 * kernel-address operations, so that a whole map's user and kernel
	 * unmaps are one contiguous batch, and for pages[] the pages the
	 * kernel's unmap helper is to give back the p2m entries of for
	 * them: gntcore_p2m_dummy, which has none to give back.
	 */
	pv = xen_pv_domain() ? 2 : 1;
	fm->count = count;
	fm->pages = kvcalloc(count, pv * sizeof(*fm->pages), GFP_KERNEL);
	fm->map_ops = kvcalloc(count, pv * sizeof(*fm->map_ops), GFP_KERNEL);
	fm->unmap_ops =
		kvcalloc(count, pv * sizeof(*fm->unmap_ops), GFP_KERNEL);
	fm->state = kvcalloc(count, sizeof(*fm->state), GFP_KERNEL);
	if (!fm->pages || !fm->map_ops || !fm->unmap_ops || !fm->state)
		goto err;
	if (pv == 2) {
		fm->kmap_ops = fm->map_ops + count;
		fm->kunmap_ops = fm->unmap_ops + count;
	}
	if (gntcore_get_placeholders(fm->pages, count)) {
		kvfree(fm->pages);
		fm->pages = NULL;
		goto err;
	}
	for (i = count; i < pv * count; i++)
		fm->pages[i] = gntcore_p2m_dummy ?: fm->pages[i - count];
	for (i = 0; i < count; i++) {
		fm->unmap_ops[i].handle = INVALID_GRANT_HANDLE;
		if (fm->kunmap_ops)
			fm->kunmap_ops[i].handle = INVALID_GRANT_HANDLE;
		atomic_set(&fm->state[i], GNTCORE_PAGE_NONE);
	}
	INIT_WORK(&fm->unmap_work, gntcore_fmap_unmap_work);
	fm->stats = st;
	refcount_set(&fm->users, 1);
	atomic_set(&fm->live, 0);
	fm->release = release;
	fm->owner = owner;
	fm->priv = priv;
	__module_get(owner);
	return fm;

err:
	gntcore_fmap_free(fm);
	return NULL;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_alloc, XEN_GNTCORE_NS);

/* Why a page in @state (not NONE) cannot be mapped now. */
static int gntcore_state_errno(int state)
{
	switch (state) {
	case GNTCORE_PAGE_MAPPED:
		return -EBUSY;
	case GNTCORE_PAGE_DEAD:
		return -EIO;
	default: /* MAPPING, UNMAPPING, UNMAP_LATER: in flight */
		return -EAGAIN;
	}
}

/* Kernel address of a placeholder page, as grant ops want it. */
static unsigned long gntcore_page_kaddr(struct page *page)
{
	return (unsigned long)pfn_to_kaddr(page_to_pfn(page));
}

/**
 * gntcore_fmap_set_op() - describe how page @i is to be mapped
 * @fm:           the map
 * @i:            page index
 * @host_addr:    where Xen is to map the grant: a PTE's machine address
 *                with GNTMAP_contains_pte, or 0 for the kernel address of
 *                the placeholder page
 * @gntmap_flags: GNTMAP_* flags (GNTMAP_host_map is added for @host_addr 0)
 * @ref:          grant reference
 * @domid:        granting domain
 *
 * On PV, a PTE mapping comes with a mapping of the placeholder's kernel
 * address (read-only if the PTE is), made in the same batch. Must be
 * called for every page before each gntcore_fmap_map().
 *
 * The page's operations are rewritten only while it is unmapped (NONE):
 * an unmap still in flight owns the handles it is to give back to Xen,
 * and a handle lost there leaves the grant mapped for good. Nothing else
 * makes a NONE page change state, so the check holds until the caller's
 * gntcore_fmap_map().
 *
 * Return: 0; -EBUSY if the page is mapped, -EAGAIN if its unmap is still
 * in flight, -EIO if Xen refused to unmap it (DEAD).
 */
int gntcore_fmap_set_op(struct gntcore_fmap *fm, unsigned int i,
			phys_addr_t host_addr, u32 gntmap_flags,
			grant_ref_t ref, domid_t domid)
{
	unsigned long kaddr = gntcore_page_kaddr(fm->pages[i]);
	struct gnttab_map_grant_ref *op = &fm->map_ops[i];
	int state = atomic_read(&fm->state[i]);
	u32 kflags;

	if (state != GNTCORE_PAGE_NONE)
		return gntcore_state_errno(state);
	if (!host_addr) {
		host_addr = kaddr;
		gntmap_flags |= GNTMAP_host_map;
	}
	gnttab_set_map_op(op, host_addr, gntmap_flags, ref, domid);
	op->status = GNTCORE_ST_UNSEEN;
	op->handle = INVALID_GRANT_HANDLE;
	gnttab_set_unmap_op(&fm->unmap_ops[i], host_addr, gntmap_flags,
			    INVALID_GRANT_HANDLE);
	fm->kmap = fm->kmap_ops && (gntmap_flags & GNTMAP_contains_pte);
	if (!fm->kmap)
		return 0;
	op = &fm->kmap_ops[i];
	kflags = GNTMAP_host_map | (gntmap_flags & GNTMAP_readonly);
	gnttab_set_map_op(op, kaddr, kflags, ref, domid);
	op->status = GNTCORE_ST_UNSEEN;
	op->handle = INVALID_GRANT_HANDLE;
	gnttab_set_unmap_op(&fm->kunmap_ops[i], kaddr, kflags,
			    INVALID_GRANT_HANDLE);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_set_op, XEN_GNTCORE_NS);

void gntcore_fmap_get(struct gntcore_fmap *fm)
{
	refcount_inc(&fm->users);
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_get, XEN_GNTCORE_NS);

/*
 * Test hook, for unload_handoff_test: root writes N to debugfs
 * xen-gnt/core/work_put_delay_ms, and a work item that drops a map's last
 * reference then waits, up to N ms, until the core's unload has begun
 * before returning, with the owner module already released: the unload
 * of the modules races with the rest of the work item however slowly it
 * comes. 0, the default, delays nothing. gntcore_work_put_delaying
 * (debugfs work_put_delaying) counts the waiters: the test sees that its
 * window was open, and the unload tells (gntcore_map_work_running())
 * that it did not wait for one, where running freed code might go
 * unnoticed.
 */
static unsigned int gntcore_work_put_delay_ms;
static atomic_t gntcore_work_put_delaying = ATOMIC_INIT(0);
static bool gntcore_unloading;

static void gntcore_work_put_delay(void)
{
	unsigned int ms = READ_ONCE(gntcore_work_put_delay_ms);
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	if (!ms || !current_work())
		return;
	atomic_inc(&gntcore_work_put_delaying);
	while (!READ_ONCE(gntcore_unloading) && time_before(jiffies, end))
		msleep(10);
	atomic_dec(&gntcore_work_put_delaying);
}

/* The core's unload begins: the test hook above stops waiting. */
void gntcore_map_unloading(void)
{
	WRITE_ONCE(gntcore_unloading, true);
}

/* Whether a work item is still inside the test hook above. */
bool gntcore_map_work_running(void)
{
	return atomic_read(&gntcore_work_put_delaying);
}

/**
 * gntcore_fmap_put() - drop a reference; the last one frees the map
 * @fm: the map
 *
 * Pages must have been unmapped (gntcore_fmap_unmap()) before the
 * creator drops its reference: unmaps in flight hold references of their
 * own, so the last put always finds no live page.
 */
void gntcore_fmap_put(struct gntcore_fmap *fm)
{
	struct module *owner;

	if (!refcount_dec_and_test(&fm->users))
		return;
	if (WARN_ON_ONCE(atomic_read(&fm->live))) {
		/* A caller bug: leak rather than free mapped pages. */
		return;
	}
	owner = fm->owner;
	if (fm->release)
		fm->release(fm);
	gntcore_fmap_free(fm);
	module_put(owner);
	gntcore_work_put_delay();
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_put, XEN_GNTCORE_NS);

static int gntcore_gntst_to_errno(s16 status)
{
	switch (status) {
	case GNTST_okay:
		return 0;
	case GNTST_no_device_space: /* map-track table full, Xen < 4.18 */
	case GNTST_no_space: /* the same, later Xen */
		return -ENOSPC;
	case GNTST_eagain:
		return -EAGAIN;
	default:
		return -EINVAL;
	}
}

static bool gntcore_op_done(s16 status, grant_handle_t handle)
{
	return status == GNTST_okay && handle != INVALID_GRANT_HANDLE;
}

/*
 * The last step for page @i once its unmap ops have run: forget the
 * handles and move the page to NONE, or to DEAD if Xen refused an op that
 * held a handle (the grant may then still be mapped).
 * Return: whether the page is DEAD.
 */
static bool gntcore_page_unmapped(struct gntcore_fmap *fm, unsigned int i)
{
	bool dead = false;

	if (fm->unmap_ops[i].handle != INVALID_GRANT_HANDLE)
		dead |= fm->unmap_ops[i].status != GNTST_okay;
	fm->unmap_ops[i].handle = INVALID_GRANT_HANDLE;
	if (fm->kunmap_ops) {
		if (fm->kunmap_ops[i].handle != INVALID_GRANT_HANDLE)
			dead |= fm->kunmap_ops[i].status != GNTST_okay;
		fm->kunmap_ops[i].handle = INVALID_GRANT_HANDLE;
	}
	atomic_set(&fm->state[i], dead ? GNTCORE_PAGE_DEAD : GNTCORE_PAGE_NONE);
	return dead;
}

/*
 * Undo the half of a failed batch that succeeded. Only ops holding a
 * handle are unmapped; the others carry INVALID_GRANT_HANDLE, which Xen
 * answers with GNTST_bad_handle and nothing else. One call, like the map.
 */
static void gntcore_fmap_unwind(struct gntcore_fmap *fm,
				struct gnttab_map_grant_ref *kops)
{
	struct gnttab_unmap_grant_ref *kunops = kops ? fm->kunmap_ops : NULL;
	struct gntcore_stats *st = fm->stats;
	unsigned int i, n = 0, bad = 0;

	for (i = 0; i < fm->count; i++) {
		struct gnttab_map_grant_ref *op = &fm->map_ops[i];
		struct gnttab_unmap_grant_ref *un = &fm->unmap_ops[i];

		un->handle = op->status == GNTST_okay ? op->handle :
							INVALID_GRANT_HANDLE;
		un->status = GNTCORE_ST_UNSEEN;
		n += un->handle != INVALID_GRANT_HANDLE;
		if (kops) {
			struct gnttab_map_grant_ref *kop = &kops[i];
			struct gnttab_unmap_grant_ref *kun = &kunops[i];

			kun->handle = kop->status == GNTST_okay ?
					      kop->handle :
					      INVALID_GRANT_HANDLE;
			kun->status = GNTCORE_ST_UNSEEN;
			n += kun->handle != INVALID_GRANT_HANDLE;
		}
	}
	if (n) {
		gnttab_unmap_refs(fm->unmap_ops, kunops, fm->pages, fm->count);
		gntcore_stat_add(st, GNTCORE_STAT_HYPERCALLS, kunops ? 2 : 1);
		gntcore_stat_inc(st, GNTCORE_STAT_BATCHES);
	}
	for (i = 0; i < fm->count; i++)
		bad += gntcore_page_unmapped(fm, i);
	gntcore_stat_add(st, GNTCORE_STAT_UNMAP_OPS, n);
	if (bad) {
		gntcore_stat_add(st, GNTCORE_STAT_UNMAP_ERRORS, bad);
		pr_err("unwinding a failed map batch: %u page(s) stay mapped\n",
		       bad);
	}
}

/**
 * gntcore_fmap_map() - map every page of @fm in one batch
 * @fm: the map; its map ops set with gntcore_fmap_set_op()
 *
 * All or nothing: on failure no page of @fm stays mapped (except ones
 * Xen refused to unmap again, which are marked DEAD and leaked).
 *
 * Return: 0; -EBUSY if a page is already mapped, -EAGAIN if a previous
 * unmap is still in flight; else the error of the first failed op:
 * -ENOSPC when Xen's map-track table is full, -EINVAL otherwise (bad
 * domain, bad or revoked grant, permission).
 */
int gntcore_fmap_map(struct gntcore_fmap *fm)
{
	struct gntcore_stats *st = fm->stats;
	struct gnttab_map_grant_ref *kops = fm->kmap ? fm->kmap_ops : NULL;
	unsigned int i, claimed, failed = 0;
	int ret = 0, state;

	/* Step 1: claim every page, NONE -> MAPPING. */
	for (claimed = 0; claimed < fm->count; claimed++) {
		state = atomic_cmpxchg(&fm->state[claimed], GNTCORE_PAGE_NONE,
				       GNTCORE_PAGE_MAPPING);
		if (state != GNTCORE_PAGE_NONE) {
			ret = gntcore_state_errno(state);
			break;
		}
	}
	if (ret) {
		for (i = 0; i < claimed; i++)
			atomic_set(&fm->state[i], GNTCORE_PAGE_NONE);
		return ret;
	}

	/*
	 * Step 2: one batch (on PV with kernel mappings, their hypercall
	 * too). Statuses, not the return value, tell the truth.
	 */
	gnttab_map_refs(fm->map_ops, kops, fm->pages, fm->count);
	gntcore_stat_add(st, GNTCORE_STAT_HYPERCALLS, kops ? 2 : 1);
	gntcore_stat_inc(st, GNTCORE_STAT_BATCHES);
	gntcore_stat_add(st, GNTCORE_STAT_MAP_OPS,
			 kops ? 2 * fm->count : fm->count);

	for (i = 0; i < fm->count; i++) {
		s16 status = fm->map_ops[i].status;

		if (kops && status == GNTST_okay)
			status = kops[i].status;
		if (gntcore_op_done(fm->map_ops[i].status,
				    fm->map_ops[i].handle) &&
		    (!kops || gntcore_op_done(kops[i].status, kops[i].handle)))
			continue;
		if (status > 0) /* never processed */
			status = GNTST_general_error;
		if (!failed++)
			ret = gntcore_gntst_to_errno(status);
	}

	/* Step 3: all mapped (MAPPING -> MAPPED), or unwind (-> NONE). */
	if (failed) {
		gntcore_stat_add(st, GNTCORE_STAT_MAP_ERRORS, failed);
		gntcore_fmap_unwind(fm, kops);
		return ret ? ret : -EINVAL;
	}
	for (i = 0; i < fm->count; i++) {
		fm->unmap_ops[i].handle = fm->map_ops[i].handle;
		if (kops)
			fm->kunmap_ops[i].handle = kops[i].handle;
		atomic_set(&fm->state[i], GNTCORE_PAGE_MAPPED);
	}
	atomic_add(fm->count, &fm->live);
	gntcore_stat_add(st, GNTCORE_STAT_LIVE_MAPS, fm->count);
	return 0;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_map, XEN_GNTCORE_NS);

static void gntcore_unmap_done(int result, struct gntcore_unmap_req *req)
{
	struct gntcore_fmap *fm = req->fm;
	struct gntcore_stats *st = fm->stats;
	unsigned int i, bad = 0, n = req->count;

	/* Step 3 of unmap: UNMAPPING -> NONE (or DEAD). */
	for (i = req->first; i < req->first + n; i++)
		bad += gntcore_page_unmapped(fm, i);
	gntcore_stat_inc(st, GNTCORE_STAT_HYPERCALLS);
	gntcore_stat_add(st, GNTCORE_STAT_LIVE_MAPS, -(s64)n);
	if (bad) {
		gntcore_stat_add(st, GNTCORE_STAT_UNMAP_ERRORS, bad);
		pr_err_ratelimited("unmap failed (%d): leaking %u page(s)\n",
				   result, bad);
	}
	atomic_sub(n, &fm->live);
	kfree(req);
	gntcore_fmap_put(fm);
}

/*
 * A run of user and kernel operations found a page held: the user
 * mappings go at once (see gntcore_fmap_unmap_run()), the kernel ones
 * wait.
 */
static void gntcore_unmap_user_now(struct gntcore_unmap_req *req)
{
	struct gntcore_fmap *fm = req->fm;
	int err;

	err = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, req->ops,
					req->count);
	gntcore_stat_inc(fm->stats, GNTCORE_STAT_HYPERCALLS);
	if (err)
		pr_err_ratelimited("user unmap hypercall: %d\n", err);
	req->ops = fm->kunmap_ops + req->first;
	req->nops = req->count;
}

/*
 * Makes the run's unmap operations once no page of it is held elsewhere
 * (page count above the placeholder's own 1: an I/O in flight), else
 * tries again later from the core's workqueue.
 */
static void gntcore_unmap_try(struct gntcore_unmap_req *req)
{
	struct page **pages = req->pages;
	unsigned int i, ms;

	for (i = 0; i < req->count; i++) {
		if (page_count(pages[i]) > 1) {
			if (req->nops > req->count)
				gntcore_unmap_user_now(req);
			ms = min(GNTCORE_BUSY_STEP_MS * ++req->tries,
				 GNTCORE_BUSY_MAX_MS);
			queue_delayed_work(gntcore_wq, &req->dwork,
					   msecs_to_jiffies(ms));
			return;
		}
	}
	gntcore_unmap_done(gnttab_unmap_refs(req->ops, NULL, pages, req->nops),
			   req);
}

static void gntcore_unmap_retry(struct work_struct *work)
{
	gntcore_unmap_try(container_of(to_delayed_work(work),
				       struct gntcore_unmap_req, dwork));
}

/* Which unmap operations of a run gntcore_fmap_queue_run() is to make. */
enum gntcore_run_ops {
	GNTCORE_RUN_USER, /* the main ones (no kernel mappings) */
	GNTCORE_RUN_KERNEL, /* only the kernel mappings' (PV) */
	GNTCORE_RUN_BOTH, /* both, one batch: the whole map on PV */
};

/*
 * Unmaps a run of UNMAPPING pages with @req: the operations @which says,
 * and the p2m entries, at once or, while a page is held, later; then
 * completes the run.
 */
static void gntcore_fmap_queue_run(struct gntcore_fmap *fm,
				   struct gntcore_unmap_req *req,
				   unsigned int first, unsigned int n,
				   enum gntcore_run_ops which)
{
	INIT_DELAYED_WORK(&req->dwork, gntcore_unmap_retry);
	req->fm = fm;
	req->first = first;
	req->count = n;
	req->tries = 0;
	req->pages = fm->pages + first;
	req->nops = which == GNTCORE_RUN_BOTH ? 2 * n : n;
	req->ops = which == GNTCORE_RUN_KERNEL ? fm->kunmap_ops + first :
						 fm->unmap_ops + first;
	gntcore_fmap_get(fm);
	gntcore_stat_inc(fm->stats, GNTCORE_STAT_BATCHES);
	gntcore_unmap_try(req);
}

/*
 * Fault injection, for tests of the UNMAP_LATER path, which is taken only
 * when an allocation that may not wait fails. Root (the file is 0600)
 * writes N to debugfs xen-gnt/core/fail_unmap_alloc: the next N request
 * allocations of gntcore_fmap_unmap_run() fail, each taking one off the
 * count; reading the file gives what is left. 0, the default, injects
 * nothing.
 */
static atomic_t gntcore_fail_unmap_alloc = ATOMIC_INIT(0);

static int gntcore_fail_unmap_get(void *data, u64 *val)
{
	*val = atomic_read(&gntcore_fail_unmap_alloc);
	return 0;
}

static int gntcore_fail_unmap_set(void *data, u64 val)
{
	if (val > INT_MAX)
		return -EINVAL;
	atomic_set(&gntcore_fail_unmap_alloc, val);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(gntcore_fail_unmap_fops, gntcore_fail_unmap_get,
			 gntcore_fail_unmap_set, "%llu\n");

/**
 * gntcore_map_debugfs() - add the map code's test knobs
 * @dir: the core's debugfs directory (removed with it at unload)
 */
void gntcore_map_debugfs(struct dentry *dir)
{
	debugfs_create_file_unsafe("fail_unmap_alloc", 0600, dir, NULL,
				   &gntcore_fail_unmap_fops);
	debugfs_create_u32("work_put_delay_ms", 0600, dir,
			   &gntcore_work_put_delay_ms);
	debugfs_create_atomic_t("work_put_delaying", 0400, dir,
				&gntcore_work_put_delaying);
}

/* A request for an unmap run, without waiting; NULL if there is none. */
static struct gntcore_unmap_req *gntcore_unmap_req_nowait(void)
{
	struct gntcore_unmap_req *req;

	if (atomic_dec_if_positive(&gntcore_fail_unmap_alloc) >= 0)
		return NULL;
	return kzalloc(sizeof(*req), GFP_NOWAIT | __GFP_NOWARN);
}

/*
 * The deferred unmaps (UNMAP_LATER): runs of such pages, with requests
 * allocated here, in process context.
 */
static void gntcore_fmap_unmap_work(struct work_struct *work)
{
	struct gntcore_fmap *fm =
		container_of(work, struct gntcore_fmap, unmap_work);
	struct gntcore_unmap_req *req;
	unsigned int i, run = 0;

	for (i = 0; i <= fm->count; i++) {
		if (i < fm->count &&
		    atomic_cmpxchg(&fm->state[i], GNTCORE_PAGE_UNMAP_LATER,
				   GNTCORE_PAGE_UNMAPPING) ==
			    GNTCORE_PAGE_UNMAP_LATER) {
			run++;
			continue;
		}
		if (!run)
			continue;
		req = kzalloc(sizeof(*req), GFP_KERNEL | __GFP_NOFAIL);
		gntcore_fmap_queue_run(fm, req, i - run, run,
				       fm->kunmap_ops ? GNTCORE_RUN_KERNEL :
							GNTCORE_RUN_USER);
		run = 0;
	}
	gntcore_fmap_put(fm);
}

/*
 * Unmaps a run of pages claimed for unmapping (UNMAPPING). May be called
 * from an MMU notifier, where an allocation must not enter reclaim: the
 * request is allocated without waiting, and if there is none to be had,
 * what must happen at once happens (on PV: the user mappings go) and the
 * rest is left to the map's work item.
 */
static void gntcore_fmap_unmap_run(struct gntcore_fmap *fm, unsigned int first,
				   unsigned int n)
{
	struct gntcore_unmap_req *req;
	unsigned int i, nk = 0;
	bool held = false;
	int err;

	/*
	 * The pages are UNMAPPING: their handles can no longer change.
	 * Kernel unmap ops only if one of them has one; ops without a
	 * handle are refused by Xen and ignored by the completion.
	 */
	for (i = first; i < first + n; i++) {
		fm->unmap_ops[i].status = GNTCORE_ST_UNSEEN;
		if (fm->kunmap_ops) {
			fm->kunmap_ops[i].status = GNTCORE_ST_UNSEEN;
			nk += fm->kunmap_ops[i].handle != INVALID_GRANT_HANDLE;
			held |= page_count(fm->pages[i]) > 1;
		}
	}
	gntcore_stat_add(fm->stats, GNTCORE_STAT_UNMAP_OPS, nk ? 2 * n : n);
	req = gntcore_unmap_req_nowait();
	if (req && !nk) {
		/* No kernel mappings (auto-translated, dma-buf): one batch. */
		gntcore_fmap_queue_run(fm, req, first, n, GNTCORE_RUN_USER);
		return;
	}
	if (req && !held && first == 0 && n == fm->count) {
		/* The whole map, nothing held: user and kernel ops at once. */
		gntcore_fmap_queue_run(fm, req, 0, n, GNTCORE_RUN_BOTH);
		return;
	}
	if (fm->kunmap_ops) {
		/*
		 * PV: the user mappings now, whoever holds a page; an op
		 * that fails keeps its status and makes its page DEAD at
		 * the end. The kernel mappings wait for the holders.
		 */
		err = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref,
						fm->unmap_ops + first, n);
		gntcore_stat_inc(fm->stats, GNTCORE_STAT_HYPERCALLS);
		if (err)
			pr_err_ratelimited("user unmap hypercall: %d\n", err);
	}
	if (req) {
		gntcore_fmap_queue_run(fm, req, first, n, GNTCORE_RUN_KERNEL);
		return;
	}
	for (i = first; i < first + n; i++)
		atomic_set(&fm->state[i], GNTCORE_PAGE_UNMAP_LATER);
	gntcore_stat_add(fm->stats, GNTCORE_STAT_UNMAP_LATER, n);
	gntcore_fmap_get(fm);
	if (!queue_work(gntcore_wq, &fm->unmap_work))
		gntcore_fmap_put(fm);
}

/*
 * MAPPED -> UNMAPPING for page @i; false if someone else got there first
 * or the page is not mapped.
 */
static bool gntcore_claim_unmap(struct gntcore_fmap *fm, unsigned int i)
{
	return atomic_cmpxchg(&fm->state[i], GNTCORE_PAGE_MAPPED,
			      GNTCORE_PAGE_UNMAPPING) == GNTCORE_PAGE_MAPPED;
}

/**
 * gntcore_fmap_unmap() - unmap the mapped pages among [@first, @first+@n)
 * @fm:    the map
 * @first: first page
 * @n:     number of pages
 *
 * Pages not mapped, or being unmapped by someone else, are skipped. Each
 * contiguous run of claimed pages is one batch. Does not wait: a run whose
 * pages are still held elsewhere completes later, from a workqueue.
 *
 * Return: the number of pages this call claimed for unmapping.
 */
unsigned int gntcore_fmap_unmap(struct gntcore_fmap *fm, unsigned int first,
				unsigned int n)
{
	unsigned int i, run = 0, claimed = 0;
	unsigned int end = min(first + n, fm->count);

	for (i = first; i < end; i++) {
		/* Step 1 of unmap: MAPPED -> UNMAPPING; losers skip the page. */
		if (gntcore_claim_unmap(fm, i)) {
			run++;
			continue;
		}
		/* Step 2: each run of claimed pages is one batch. */
		if (run)
			gntcore_fmap_unmap_run(fm, i - run, run);
		claimed += run;
		run = 0;
	}
	if (run)
		gntcore_fmap_unmap_run(fm, end - run, run);
	return claimed + run;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_unmap, XEN_GNTCORE_NS);

/* Accessors for the devices; none of them takes a lock. */

/** gntcore_fmap_count() - the number of grants of @fm */
unsigned int gntcore_fmap_count(const struct gntcore_fmap *fm)
{
	return fm->count;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_count, XEN_GNTCORE_NS);

/** gntcore_fmap_priv() - the @priv given to gntcore_fmap_alloc() */
void *gntcore_fmap_priv(const struct gntcore_fmap *fm)
{
	return fm->priv;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_priv, XEN_GNTCORE_NS);

/**
 * gntcore_fmap_page() - the placeholder page of grant @i
 * @fm: the map
 * @i:  page index, below gntcore_fmap_count()
 *
 * Constant for the map's life. While the page is mapped, its kernel
 * address maps the grant (on PV, for PTE mappings too).
 */
struct page *gntcore_fmap_page(const struct gntcore_fmap *fm, unsigned int i)
{
	return fm->pages[i];
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_page, XEN_GNTCORE_NS);

/**
 * gntcore_fmap_pages() - the placeholder pages, gntcore_fmap_count() of them
 * @fm: the map
 *
 * The array is the core's: read it, never write it.
 */
struct page **gntcore_fmap_pages(const struct gntcore_fmap *fm)
{
	return fm->pages;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_pages, XEN_GNTCORE_NS);

/**
 * gntcore_fmap_page_mapped() - whether grant @i is mapped now
 * @fm: the map
 * @i:  page index
 *
 * True from a successful gntcore_fmap_map() until an unmap claims the
 * page: a caller that serialises its unmaps (and maps) of @fm against
 * this call may use the page's kernel address meanwhile.
 */
bool gntcore_fmap_page_mapped(const struct gntcore_fmap *fm, unsigned int i)
{
	return atomic_read(&fm->state[i]) == GNTCORE_PAGE_MAPPED;
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_page_mapped, XEN_GNTCORE_NS);

/**
 * gntcore_fmap_nr_mapped() - pages mapped or still being unmapped
 * @fm: the map
 *
 * 0 once every unmap of @fm has completed; gntcore_fmap_count() after a
 * successful gntcore_fmap_map() until the first unmap.
 */
unsigned int gntcore_fmap_nr_mapped(const struct gntcore_fmap *fm)
{
	return atomic_read(&fm->live);
}
EXPORT_SYMBOL_NS_GPL(gntcore_fmap_nr_mapped, XEN_GNTCORE_NS);
