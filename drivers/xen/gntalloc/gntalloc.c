// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntalloc: /dev/xen/gntalloc, pages of ours shared with another
 * domain through grant references, for user space (libxengntshr,
 * libxenvchan).
 *
 * A process allocates pages (ALLOC_GREF), gives their grant references to
 * the peer, mmap()s them at the returned offset, may ask to be told when
 * they are no longer mapped (SET_UNMAP_NOTIFY), and usually deallocates
 * them at once (DEALLOC_GREF): the pages live on while mapped.
 *
 * Objects and lifetimes:
 *  - struct gntalloc_file, one per open file, lives until release(); every
 *    VMA holds a reference to the file, so it outlives all its mappings.
 *  - struct gntalloc_page, one per page: every page is a unit of its own,
 *    whatever ALLOC_GREF call made it. It holds a count of users: the
 *    file's, from allocation to DEALLOC_GREF or release(), and one per VMA
 *    covering it (mmap.c). The last user gone, the page is released:
 *    notification carried out, grant revoked through the core (which keeps
 *    the memory while the peer still maps it).
 *  - struct gntalloc_chunk holds the pages of one ALLOC_GREF call in one
 *    block (one allocation per call, not one per page). The file's rbtree
 *    indexes the chunks by first page offset from the end of ALLOC_GREF
 *    until the chunk's last page is released, when the chunk is freed; a
 *    deallocated page no longer counts as allocated, but stays held while
 *    mapped, so the VMA callbacks find it. A walk over a range goes from
 *    chunk to chunk with rb_next() (gntalloc_run()) and through each
 *    chunk's array, so per page it costs O(1).
 *
 * Limits: the module parameter limit (pages held by all files together)
 * and, if not 0, file_limit (by one file; 0 by default, as Linux has no
 * per-file cap); a page counts against both from allocation to release.
 * Page indexes are never reused within a file.
 *
 * Locks: gf->lock (a mutex per file) protects the file and all its pages;
 * it nests inside the mmap lock and nothing copies to or from user space
 * under it. The global page count is an atomic, charged before allocating.
 */
#include <linux/atomic.h>
#include <linux/compat.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/rbtree.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/events.h>
#include <xen/gntalloc.h>
#include <xen/xen.h>

#include "gntalloc.h"

static unsigned int gntalloc_limit = 65536;
module_param_named(limit, gntalloc_limit, uint, 0644);
MODULE_PARM_DESC(limit,
		 "Maximum number of pages held by all gntalloc files together");

static unsigned int gntalloc_file_limit;
module_param_named(file_limit, gntalloc_file_limit, uint, 0644);
MODULE_PARM_DESC(file_limit,
		 "Pages one open gntalloc file may hold (0: no per-file cap)");

/* Pages held by all files, from allocation to release. */
static atomic_long_t gntalloc_nr_pages = ATOMIC_LONG_INIT(0);

struct gntcore_stats gntalloc_stats = { .name = "gntalloc" };

#define GNTALLOC_NOTIFY_ALL (UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT)

/* Charge @count pages against the global limit, or fail with nothing done. */
static bool gntalloc_charge(unsigned int count)
{
	unsigned long max = READ_ONCE(gntalloc_limit);
	long cur = atomic_long_read(&gntalloc_nr_pages);

	do {
		if (count > max || (unsigned long)cur > max - count)
			return false;
	} while (!atomic_long_try_cmpxchg(&gntalloc_nr_pages, &cur,
					  cur + count));
	return true;
}

static void gntalloc_uncharge(unsigned long count)
{
	atomic_long_sub(count, &gntalloc_nr_pages);
}

/* Must hold gf->lock. The chunk that holds page @pgoff, or NULL. */
static struct gntalloc_chunk *gntalloc_find_chunk(struct gntalloc_file *gf,
						  unsigned long pgoff)
{
	struct rb_node *n = gf->chunks.rb_node;

	lockdep_assert_held(&gf->lock);
	while (n) {
		struct gntalloc_chunk *c =
			rb_entry(n, struct gntalloc_chunk, node);

		if (pgoff < c->first)
			n = n->rb_left;
		else if (pgoff - c->first >= c->count)
			n = n->rb_right;
		else
			return c;
	}
	return NULL;
}

/**
 * gntalloc_run() - the pages of a range that one chunk holds
 * @gf:    the file
 * @pgoff: index of the first page
 * @count: number of pages left in the range (not 0)
 * @hint:  in: a chunk of the file found by an earlier call, or NULL; out:
 *         the chunk of @pgoff, or NULL if none
 * @n:     out: number of pages of the run, up to the end of the range or
 *         of the chunk, whichever comes first (1 if no chunk holds @pgoff)
 *
 * A walk over a range in page order passes each call's @hint to the next
 * one, which then finds the next chunk with rb_next(): a walk costs one
 * call per chunk, and per page only the step to the next slot of the
 * chunk's array. The slots of a run may hold released pages (users == 0).
 *
 * Must hold gf->lock.
 *
 * Return: the slot of @pgoff in its chunk; the run is the @n slots from
 * it. NULL if no chunk holds @pgoff.
 */
struct gntalloc_page *gntalloc_run(struct gntalloc_file *gf,
				   unsigned long pgoff, unsigned long count,
				   struct gntalloc_chunk **hint,
				   unsigned long *n)
{
	struct gntalloc_chunk *c = *hint;
	struct rb_node *next;
	unsigned long off;

	lockdep_assert_held(&gf->lock);
	if (!c || pgoff - c->first >= c->count) {
		next = c ? rb_next(&c->node) : NULL;
		c = next ? rb_entry(next, struct gntalloc_chunk, node) : NULL;
		if (!c || pgoff - c->first >= c->count)
			c = gntalloc_find_chunk(gf, pgoff);
		*hint = c;
	}
	if (!c) {
		*n = 1;
		return NULL;
	}
	off = pgoff - c->first;
	*n = min(count, c->count - off);
	return &c->pages[off];
}

/**
 * gntalloc_range_allocated() - whether a range is allocated on the file
 * @gf:    the file
 * @first: index of the first page
 * @count: number of pages
 *
 * Must hold gf->lock.
 *
 * Return: true if every page of [@first, @first + @count) is allocated
 * and not deallocated; false for an empty range.
 */
bool gntalloc_range_allocated(struct gntalloc_file *gf, unsigned long first,
			      unsigned long count)
{
	struct gntalloc_chunk *c = NULL;
	struct gntalloc_page *p;
	unsigned long i, j, n;

	lockdep_assert_held(&gf->lock);
	if (!count || count > gf->nr_allocated || first >= GNTALLOC_MAX_PGOFF ||
	    count > GNTALLOC_MAX_PGOFF - first)
		return false;
	for (i = 0; i < count; i += n) {
		p = gntalloc_run(gf, first + i, count - i, &c, &n);
		if (!p)
			return false;
		/* An allocated page is held (the file's user). */
		for (j = 0; j < n; j++) {
			if (!p[j].allocated)
				return false;
		}
	}
	return true;
}

/*
 * Releasing a page whose last user is gone: carry out its notification,
 * revoke its grant (the core keeps the memory while the peer maps it),
 * and free the chunk with its last page. The byte is cleared before the
 * event is sent, so the peer sees it cleared when it wakes up, and both
 * come before the grant is revoked. gntalloc_put_run() revokes the
 * grants of the pages it releases in batches of this many.
 */
#define GNTALLOC_REVOKE_BATCH 64

/*
 * Must hold gf->lock. Carry out a released page's notification, if it
 * has one (most have none: the caller checks p->notify_action first).
 */
static void gntalloc_notify(struct gntalloc_file *gf, struct gntalloc_page *p)
{
	u8 *kaddr;

	lockdep_assert_held(&gf->lock);
	if (p->notify_action & UNMAP_NOTIFY_CLEAR_BYTE) {
		kaddr = page_address(p->gp.page);
		WRITE_ONCE(kaddr[p->notify_offset], 0);
	}
	if (p->notify_action & UNMAP_NOTIFY_SEND_EVENT) {
		notify_remote_via_evtchn(p->notify_port);
		evtchn_put(p->notify_port);
	}
	p->notify_action = 0;
}

/*
 * Must hold gf->lock. Revoke the grants of @count released pages of @c,
 * notified already, and take them off the counts. Freeing the chunk is
 * left to the caller.
 */
static void gntalloc_revoke_released(struct gntalloc_file *gf,
				     struct gntalloc_chunk *c,
				     struct gntcore_gpage **gp,
				     unsigned int count)
{
	unsigned int i;

	lockdep_assert_held(&gf->lock);
	gntcore_revoke_pages(&gntalloc_stats, gp, count);
	for (i = 0; i < count; i++)
		gp[i]->page = NULL;
	gf->nr_pages -= count;
	c->held -= count;
	gntalloc_uncharge(count);
}

/*
 * Must hold gf->lock. Free @c if none of its pages is held any more.
 * Return: whether it was freed.
 */
static bool gntalloc_chunk_put(struct gntalloc_file *gf,
			       struct gntalloc_chunk *c)
{
	lockdep_assert_held(&gf->lock);
	if (c->held)
		return false;
	rb_erase(&c->node, &gf->chunks);
	kvfree(c);
	gntcore_stat_dec(&gntalloc_stats, GNTCORE_STAT_LIVE_OBJECTS);
	return true;
}

/**
 * gntalloc_put_run() - drop one user of each held page of a run
 * @gf:      the file
 * @c:       the run's chunk
 * @p:       the run's first slot
 * @n:       number of slots in the run
 * @dealloc: the user dropped is the file's: every page of the run is
 *           allocated, and is deallocated
 *
 * The pages whose last user goes are released, their grants revoked in
 * batches. Slots of released pages are skipped.
 *
 * Must hold gf->lock.
 *
 * Return: whether the chunk was freed (@c is then gone).
 */
bool gntalloc_put_run(struct gntalloc_file *gf, struct gntalloc_chunk *c,
		      struct gntalloc_page *p, unsigned long n, bool dealloc)
{
	struct gntcore_gpage *gp[GNTALLOC_REVOKE_BATCH];
	unsigned int k = 0;
	unsigned long j;

	lockdep_assert_held(&gf->lock);
	if (dealloc)
		gf->nr_allocated -= n;
	for (j = 0; j < n; j++) {
		if (dealloc)
			p[j].allocated = false;
		else if (!p[j].users)
			continue;
		if (--p[j].users)
			continue;
		if (p[j].notify_action)
			gntalloc_notify(gf, &p[j]);
		gp[k++] = &p[j].gp;
		if (k == ARRAY_SIZE(gp)) {
			gntalloc_revoke_released(gf, c, gp, k);
			k = 0;
		}
	}
	if (k)
		gntalloc_revoke_released(gf, c, gp, k);
	return gntalloc_chunk_put(gf, c);
}

/*
 * Take @count pages off the per-file (if set) and global limits and
 * reserve their indexes, or fail with nothing done. Returns the first
 * index in *@first.
 */
static int gntalloc_reserve(struct gntalloc_file *gf, unsigned int count,
			    unsigned long *first)
{
	unsigned long max = READ_ONCE(gntalloc_file_limit);
	int ret = -ENOSPC;

	mutex_lock(&gf->lock);
	if (max && (count > max || gf->nr_pages > max - count))
		goto out;
	if (count > GNTALLOC_MAX_PGOFF - gf->next_pgoff)
		goto out;
	if (!gntalloc_charge(count))
		goto out;
	gf->nr_pages += count;
	*first = gf->next_pgoff;
	gf->next_pgoff += count;
	ret = 0;
out:
	mutex_unlock(&gf->lock);
	return ret;
}

static void gntalloc_unreserve(struct gntalloc_file *gf, unsigned int count)
{
	mutex_lock(&gf->lock);
	gf->nr_pages -= count;
	mutex_unlock(&gf->lock);
	gntalloc_uncharge(count);
}

/*
 * Must hold gf->lock. Make the pages of @c allocated and link the chunk
 * in; its indexes are above every chunk's of the file.
 */
static void gntalloc_commit(struct gntalloc_file *gf, struct gntalloc_chunk *c)
{
	struct rb_node **link = &gf->chunks.rb_node, *parent = NULL;
	unsigned int i;

	lockdep_assert_held(&gf->lock);
	for (i = 0; i < c->count; i++) {
		c->pages[i].users = 1;
		c->pages[i].allocated = true;
	}
	c->held = c->count;
	while (*link) {
		parent = *link;
		if (c->first <
		    rb_entry(parent, struct gntalloc_chunk, node)->first)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&c->node, parent, link);
	rb_insert_color(&c->node, &gf->chunks);
	gf->nr_allocated += c->count;
}

/*
 * IOCTL_GNTALLOC_ALLOC_GREF. Only the fixed part of the structure is
 * copied in (16 bytes), so 32-bit callers, whose structure is shorter,
 * share this code.
 */
static long gntalloc_ioctl_alloc(struct gntalloc_file *gf,
				 struct ioctl_gntalloc_alloc_gref __user *uarg)
{
	struct ioctl_gntalloc_alloc_gref op;
	struct gntalloc_chunk *c;
	struct gntcore_gpage **gp;
	unsigned long first;
	unsigned int i;
	u32 *ids;
	int ret;

	if (copy_from_user(&op, uarg,
			   offsetof(struct ioctl_gntalloc_alloc_gref,
				    gref_ids)))
		return -EFAULT;
	if (!op.count || (op.flags & ~GNTALLOC_FLAG_WRITABLE) ||
	    op.domid >= DOMID_FIRST_RESERVED)
		return -EINVAL;

	ret = gntalloc_reserve(gf, op.count, &first);
	if (ret)
		return ret;

	/* Sized by the caller, within limits the administrator may raise. */
	ret = -ENOMEM;
	c = kvzalloc(struct_size(c, pages, op.count),
		     GFP_KERNEL | __GFP_NOWARN);
	if (!c)
		goto err_unreserve;
	c->first = first;
	c->count = op.count;
	gp = kvmalloc_array(op.count, sizeof(*gp), GFP_KERNEL | __GFP_NOWARN);
	if (!gp)
		goto err_free_chunk;
	ids = kvmalloc_array(op.count, sizeof(*ids), GFP_KERNEL | __GFP_NOWARN);
	if (!ids)
		goto err_free_gp;
	for (i = 0; i < op.count; i++)
		gp[i] = &c->pages[i].gp;
	ret = gntcore_grant_pages(&gntalloc_stats, gp, op.count, op.domid,
				  !(op.flags & GNTALLOC_FLAG_WRITABLE));
	if (ret)
		goto err_free_ids;

	for (i = 0; i < op.count; i++)
		ids[i] = gp[i]->ref;
	op.index = (u64)first << PAGE_SHIFT;
	ret = -EFAULT;
	if (copy_to_user(&uarg->index, &op.index, sizeof(op.index)) ||
	    copy_to_user(uarg->gref_ids_flex, ids, op.count * sizeof(*ids)))
		goto err_revoke;

	gntcore_stat_inc(&gntalloc_stats, GNTCORE_STAT_LIVE_OBJECTS);
	mutex_lock(&gf->lock);
	gntalloc_commit(gf, c);
	mutex_unlock(&gf->lock);

	kvfree(ids);
	kvfree(gp);
	return 0;

err_revoke:
	gntcore_revoke_pages(&gntalloc_stats, gp, op.count);
err_free_ids:
	kvfree(ids);
err_free_gp:
	kvfree(gp);
err_free_chunk:
	kvfree(c);
err_unreserve:
	gntalloc_unreserve(gf, op.count);
	return ret;
}

/*
 * IOCTL_GNTALLOC_DEALLOC_GREF: all of the range, or nothing. Every bad
 * request is EINVAL, Linux's answer to a range it does not find.
 */
static long
gntalloc_ioctl_dealloc(struct gntalloc_file *gf,
		       struct ioctl_gntalloc_dealloc_gref __user *uarg)
{
	struct ioctl_gntalloc_dealloc_gref op;
	struct gntalloc_chunk *c = NULL;
	struct gntalloc_page *p;
	unsigned long first, i, n;
	int ret = 0;

	if (copy_from_user(&op, uarg,
			   offsetofend(struct ioctl_gntalloc_dealloc_gref,
				       count)))
		return -EFAULT;
	if (!op.count || offset_in_page(op.index) ||
	    op.index >> PAGE_SHIFT >= GNTALLOC_MAX_PGOFF)
		return -EINVAL;
	first = op.index >> PAGE_SHIFT;

	mutex_lock(&gf->lock);
	if (!gntalloc_range_allocated(gf, first, op.count)) {
		ret = -EINVAL;
		goto out;
	}
	for (i = 0; i < op.count; i += n) {
		p = gntalloc_run(gf, first + i, op.count - i, &c, &n);
		if (gntalloc_put_run(gf, c, p, n, true))
			c = NULL;
	}
out:
	mutex_unlock(&gf->lock);
	return ret;
}

/*
 * IOCTL_GNTALLOC_SET_UNMAP_NOTIFY: replaces the page's earlier request.
 * The page is looked up before the action is checked, as in Linux: a
 * request for a page the file does not have is ENOENT, whatever else is
 * wrong with it.
 */
static long
gntalloc_ioctl_notify(struct gntalloc_file *gf,
		      struct ioctl_gntalloc_unmap_notify __user *uarg)
{
	struct ioctl_gntalloc_unmap_notify op;
	struct gntalloc_chunk *c = NULL;
	struct gntalloc_page *p;
	unsigned long pgoff, n;
	int ret = 0;

	if (copy_from_user(&op, uarg, sizeof(op)))
		return -EFAULT;
	if (op.index >> PAGE_SHIFT >= GNTALLOC_MAX_PGOFF)
		return -ENOENT;
	pgoff = op.index >> PAGE_SHIFT;

	mutex_lock(&gf->lock);
	if (!gntalloc_range_allocated(gf, pgoff, 1)) {
		ret = -ENOENT;
		goto out;
	}
	if (op.action & ~GNTALLOC_NOTIFY_ALL) {
		ret = -EINVAL;
		goto out;
	}
	p = gntalloc_run(gf, pgoff, 1, &c, &n);
	/* Take the new channel first: it may be the one already held. */
	if ((op.action & UNMAP_NOTIFY_SEND_EVENT) &&
	    evtchn_get(op.event_channel_port)) {
		ret = -EINVAL;
		goto out;
	}
	if (p->notify_action & UNMAP_NOTIFY_SEND_EVENT)
		evtchn_put(p->notify_port);
	p->notify_action = op.action;
	p->notify_offset = offset_in_page(op.index);
	p->notify_port = op.event_channel_port;
out:
	mutex_unlock(&gf->lock);
	return ret;
}

static long gntalloc_ioctl(struct file *filp, unsigned int cmd,
			   unsigned long arg)
{
	struct gntalloc_file *gf = filp->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case IOCTL_GNTALLOC_ALLOC_GREF:
		return gntalloc_ioctl_alloc(gf, uarg);
	case IOCTL_GNTALLOC_DEALLOC_GREF:
		return gntalloc_ioctl_dealloc(gf, uarg);
	case IOCTL_GNTALLOC_SET_UNMAP_NOTIFY:
		return gntalloc_ioctl_notify(gf, uarg);
	default:
		return -ENOIOCTLCMD;
	}
}

#ifdef CONFIG_COMPAT
/*
 * 32-bit x86 aligns a 64-bit integer to 4 bytes only: there, the ALLOC and
 * DEALLOC structures have no tail padding and are 20 and 12 bytes long,
 * so their ioctl numbers, which encode the size, differ from the native
 * ones. The fields sit at the same offsets, and the handlers copy only the
 * fields, so translating the number is all it takes. AArch32 aligns a
 * 64-bit integer to 8 bytes as arm64 does (compat_u64 says so): there the
 * compat numbers are the native ones and the translation changes nothing.
 */
struct gntalloc_compat_alloc_gref {
	u16 domid;
	u16 flags;
	u32 count;
	compat_u64 index;
	u32 gref_ids[];
};

struct gntalloc_compat_dealloc_gref {
	compat_u64 index;
	u32 count;
};

/* The uapi structure declares one element of gref_ids: its size counts it. */
#define GNTALLOC_COMPAT_ALLOC_GREF_SIZE                                \
	ALIGN(sizeof(struct gntalloc_compat_alloc_gref) + sizeof(u32), \
	      __alignof__(struct gntalloc_compat_alloc_gref))
#define GNTALLOC_COMPAT_ALLOC_GREF \
	_IOC(_IOC_NONE, 'G', 5, GNTALLOC_COMPAT_ALLOC_GREF_SIZE)
#define GNTALLOC_COMPAT_DEALLOC_GREF \
	_IOC(_IOC_NONE, 'G', 6, sizeof(struct gntalloc_compat_dealloc_gref))

static long gntalloc_compat_ioctl(struct file *filp, unsigned int cmd,
				  unsigned long arg)
{
	BUILD_BUG_ON(offsetof(struct gntalloc_compat_alloc_gref, index) !=
		     offsetof(struct ioctl_gntalloc_alloc_gref, index));
	BUILD_BUG_ON(offsetof(struct gntalloc_compat_alloc_gref, gref_ids) !=
		     offsetof(struct ioctl_gntalloc_alloc_gref, gref_ids));
	BUILD_BUG_ON(offsetof(struct gntalloc_compat_dealloc_gref, count) !=
		     offsetof(struct ioctl_gntalloc_dealloc_gref, count));
	BUILD_BUG_ON(IS_ENABLED(CONFIG_X86_64) &&
		     (GNTALLOC_COMPAT_ALLOC_GREF_SIZE != 20 ||
		      sizeof(struct gntalloc_compat_dealloc_gref) != 12));
	BUILD_BUG_ON(IS_ENABLED(CONFIG_ARM64) &&
		     IOCTL_GNTALLOC_ALLOC_GREF != GNTALLOC_COMPAT_ALLOC_GREF);
	BUILD_BUG_ON(IS_ENABLED(CONFIG_ARM64) &&
		     IOCTL_GNTALLOC_DEALLOC_GREF != GNTALLOC_COMPAT_DEALLOC_GREF);

	switch (cmd) {
	case GNTALLOC_COMPAT_ALLOC_GREF:
		cmd = IOCTL_GNTALLOC_ALLOC_GREF;
		break;
	case GNTALLOC_COMPAT_DEALLOC_GREF:
		cmd = IOCTL_GNTALLOC_DEALLOC_GREF;
		break;
	}
	return gntalloc_ioctl(filp, cmd, (unsigned long)compat_ptr(arg));
}
#endif

static int gntalloc_open(struct inode *inode, struct file *filp)
{
	struct gntalloc_file *gf;

	gf = kzalloc(sizeof(*gf), GFP_KERNEL);
	if (!gf)
		return -ENOMEM;
	mutex_init(&gf->lock);
	gf->chunks = RB_ROOT;
	filp->private_data = gf;
	return 0;
}

/*
 * The last reference to the file is gone, so no VMA maps any of its pages
 * any more: every page left is allocated, and the file's user is its last.
 */
static int gntalloc_release(struct inode *inode, struct file *filp)
{
	struct gntalloc_file *gf = filp->private_data;
	struct gntalloc_chunk *c;
	struct rb_node *n;
	unsigned int i, j;
	bool freed;

	mutex_lock(&gf->lock);
	while ((n = rb_first(&gf->chunks))) {
		c = rb_entry(n, struct gntalloc_chunk, node);
		freed = false;
		/*
		 * Deallocate each run of allocated pages; !freed first: once
		 * it is freed, @c is gone.
		 */
		for (i = 0; !freed && i < c->count; i = j) {
			for (j = i; j < c->count && c->pages[j].allocated; j++)
				;
			if (j > i)
				freed = gntalloc_put_run(gf, c, &c->pages[i],
							 j - i, true);
			else
				j++;
		}
		/* No VMA is left: every held page was allocated. */
		if (WARN_ON_ONCE(!freed))
			rb_erase(&c->node, &gf->chunks);
	}
	mutex_unlock(&gf->lock);

	mutex_destroy(&gf->lock);
	kfree(gf);
	return 0;
}

static const struct file_operations gntalloc_fops = {
	.owner = THIS_MODULE,
	.open = gntalloc_open,
	.release = gntalloc_release,
	.unlocked_ioctl = gntalloc_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = gntalloc_compat_ioctl,
#endif
	.mmap = gntalloc_mmap,
};

static struct miscdevice gntalloc_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xen/gntalloc",
	.fops = &gntalloc_fops,
};

static int __init gntalloc_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;

	gntcore_stats_register(&gntalloc_stats);
	ret = misc_register(&gntalloc_miscdev);
	if (ret) {
		pr_err("cannot register /dev/%s: %d\n", gntalloc_miscdev.name,
		       ret);
		gntcore_stats_unregister(&gntalloc_stats);
		return ret;
	}
	return 0;
}

static void __exit gntalloc_exit(void)
{
	misc_deregister(&gntalloc_miscdev);
	gntcore_stats_unregister(&gntalloc_stats);
}

module_init(gntalloc_init);
module_exit(gntalloc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xen grant allocation device: share pages with a domain");
MODULE_VERSION(XEN_GNT_VERSION);
MODULE_IMPORT_NS(XEN_GNTCORE_NS);
