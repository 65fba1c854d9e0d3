// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntdev: IOCTL_GNTDEV_GRANT_COPY.
 *
 * Segments are read from user space in chunks and turned into
 * GNTTABOP_copy operations. The local side of a segment is pinned and
 * split at Xen-page (4 KiB) boundaries, so a segment becomes one or two
 * operations (its grant side must fit in one Xen page, which bounds it to
 * 4 KiB). With larger kernel pages (arm64's 16K and 64K) a Linux page holds
 * several Xen frames: an operation names the frame its bytes are in. Up to
 * GNTDEV_COPY_BATCH operations go to Xen in one hypercall; a segment never
 * straddles two hypercalls, so its status is final once its batch is done.
 * Pages written by Xen are marked dirty, each one, as they are unpinned.
 *
 * The working memory of a call lives for that call, except that calls of
 * up to GNTDEV_COPY_SMALL segments use the file's own, kept between
 * calls: whichever such call holds the file's copy_lock uses it, and one
 * that finds it held allocates its own (never waits). Nothing else is
 * shared.
 */
#include <linux/compat.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/grant_table.h>
#include <xen/page.h>

#include <xen/gntdev.h>
#include "gntdev.h"

/* Operations per hypercall (Linux's driver does 16). */
#define GNTDEV_COPY_BATCH 512
/* Segments read from user space at a time. */
#define GNTDEV_COPY_CHUNK 128
/* Calls of up to this many segments can use the file's working memory. */
#define GNTDEV_COPY_SMALL 16

/* The arrays live in one allocation, @mem, sized for the call. */
struct gntdev_copy_batch {
	void *mem;
	struct gntdev_grant_copy_segment *segs; /* a chunk read from user */
	struct gnttab_copy *ops;
	unsigned int *op_seg; /* segment (chunk index) of each op */
	struct page **pages; /* pinned local pages */
	bool *page_written; /* ... and whether Xen writes them */
	bool shared; /* @mem is the file's (its copy_lock is held) */
	unsigned int nr_ops;
	unsigned int nr_pages;
	unsigned int cap;
	unsigned long last_addr; /* user page of pages[nr_pages - 1] */
};

/* Unpin runs of pages alike in whether Xen wrote them, a call per run. */
static void gntdev_copy_unpin(struct gntdev_copy_batch *b)
{
	unsigned int i, j;
	bool w;

	for (i = 0; i < b->nr_pages; i = j) {
		w = b->page_written[i];
		for (j = i + 1; j < b->nr_pages && b->page_written[j] == w; j++)
			;
		unpin_user_pages_dirty_lock(&b->pages[i], j - i, w);
	}
	b->nr_pages = 0;
}

/* Run the queued ops; fold their statuses into their segments'. */
static void gntdev_copy_flush(struct gntdev_copy_batch *b,
			      struct gntdev_grant_copy_segment *segs)
{
	unsigned int i;

	if (!b->nr_ops)
		return;
	gnttab_batch_copy(b->ops, b->nr_ops);
	gntcore_stat_inc(&gntdev_stats, GNTCORE_STAT_HYPERCALLS);
	gntcore_stat_inc(&gntdev_stats, GNTCORE_STAT_BATCHES);
	gntcore_stat_add(&gntdev_stats, GNTCORE_STAT_COPY_OPS, b->nr_ops);
	for (i = 0; i < b->nr_ops; i++) {
		struct gntdev_grant_copy_segment *seg = &segs[b->op_seg[i]];

		if (seg->status == GNTST_okay)
			seg->status = b->ops[i].status;
	}
	b->nr_ops = 0;
	gntdev_copy_unpin(b);
}

/*
 * Pin the user page holding @addr. Consecutive ops on the same page (many
 * small segments in one buffer) share one pin.
 */
static int gntdev_copy_pin(struct gntdev_copy_batch *b, unsigned long addr,
			   bool write, struct page **page)
{
	unsigned int n = b->nr_pages;
	int ret;

	addr &= PAGE_MASK;
	if (n && b->last_addr == addr && b->page_written[n - 1] == write) {
		*page = b->pages[n - 1];
		return 0;
	}
	ret = pin_user_pages_fast(addr, 1, write ? FOLL_WRITE : 0, page);
	if (ret != 1)
		return ret < 0 ? ret : -EFAULT;
	b->pages[n] = *page;
	b->page_written[n] = write;
	b->nr_pages++;
	b->last_addr = addr;
	return 0;
}

/* Fill in the grant side(s) of @op for bytes [@done, @done + len). */
static void gntdev_copy_set_foreign(struct gnttab_copy *op,
				    struct gntdev_grant_copy_segment *seg,
				    unsigned int done)
{
	if (seg->flags & GNTCOPY_source_gref) {
		op->source.u.ref = seg->source.foreign.ref;
		op->source.domid = seg->source.foreign.domid;
		op->source.offset = seg->source.foreign.offset + done;
		op->flags |= GNTCOPY_source_gref;
	}
	if (seg->flags & GNTCOPY_dest_gref) {
		op->dest.u.ref = seg->dest.foreign.ref;
		op->dest.domid = seg->dest.foreign.domid;
		op->dest.offset = seg->dest.foreign.offset + done;
		op->flags |= GNTCOPY_dest_gref;
	}
}

/*
 * Queue the ops of one segment: one when both sides are grants, else one
 * per page the local side touches (at most two); none for a segment of
 * length 0, which is GNTST_okay without its buffer pinned or its grant
 * looked at (as in Linux). On error nothing of the segment stays queued.
 */
static int gntdev_copy_add_seg(struct gntdev_copy_batch *b,
			       struct gntdev_grant_copy_segment *seg,
			       unsigned int idx, bool compat)
{
	bool src_local = !(seg->flags & GNTCOPY_source_gref);
	bool dst_local = !(seg->flags & GNTCOPY_dest_gref);
	unsigned int first_op = b->nr_ops, done = 0;
	struct gnttab_copy *op;
	unsigned long virt;

	if (seg->flags & ~(GNTCOPY_source_gref | GNTCOPY_dest_gref))
		return -EINVAL;
	/* A local-to-local copy is a memcpy: not our job. */
	if (src_local && dst_local)
		return -EINVAL;
	if (!src_local && seg->source.foreign.offset + seg->len > XEN_PAGE_SIZE)
		return -EINVAL;
	if (!dst_local && seg->dest.foreign.offset + seg->len > XEN_PAGE_SIZE)
		return -EINVAL;
	seg->status = GNTST_okay;
	if (!seg->len)
		return 0;

	if (!src_local && !dst_local) {
		op = &b->ops[b->nr_ops];
		memset(op, 0, sizeof(*op));
		gntdev_copy_set_foreign(op, seg, 0);
		op->len = seg->len;
		b->op_seg[b->nr_ops++] = idx;
		return 0;
	}

	virt = (unsigned long)(src_local ? seg->source.virt : seg->dest.virt);
	if (compat)
		virt = (u32)virt;
	do {
		unsigned long addr = virt + done;
		unsigned int off = addr & ~XEN_PAGE_MASK;
		unsigned int len = min_t(unsigned int, seg->len - done,
					 XEN_PAGE_SIZE - off);
		struct page *page;
		unsigned long gfn;
		int ret;

		ret = gntdev_copy_pin(b, addr, dst_local, &page);
		if (ret) {
			b->nr_ops = first_op;
			return ret;
		}
		/* The Xen frame of @addr within its (maybe larger) page. */
		gfn = pfn_to_gfn(page_to_xen_pfn(page) +
				 XEN_PFN_DOWN(offset_in_page(addr)));
		op = &b->ops[b->nr_ops];
		memset(op, 0, sizeof(*op));
		gntdev_copy_set_foreign(op, seg, done);
		if (src_local) {
			op->source.u.gmfn = gfn;
			op->source.domid = DOMID_SELF;
			op->source.offset = off;
		} else {
			op->dest.u.gmfn = gfn;
			op->dest.domid = DOMID_SELF;
			op->dest.offset = off;
		}
		op->len = len;
		b->op_seg[b->nr_ops++] = idx;
		done += len;
	} while (done < seg->len);
	return 0;
}

/*
 * The arrays of @b for calls of @count segments, in one block laid out by
 * decreasing alignment: placed in @mem unless it is NULL. Each segment
 * needs at most two ops; every size is bounded by the caps.
 * Return: the size of the block.
 */
static size_t gntdev_copy_layout(struct gntdev_copy_batch *b,
				 unsigned int count, void *mem)
{
	size_t segs, ops, pages, op_seg;

	b->cap = clamp_t(unsigned long, 2UL * count, 2, GNTDEV_COPY_BATCH);
	segs = min(count, GNTDEV_COPY_CHUNK) * sizeof(*b->segs);
	ops = b->cap * sizeof(*b->ops);
	pages = b->cap * sizeof(*b->pages);
	op_seg = b->cap * sizeof(*b->op_seg);
	if (mem) {
		b->mem = mem;
		b->segs = mem;
		b->ops = mem + segs;
		b->pages = mem + segs + ops;
		b->op_seg = mem + segs + ops + pages;
		b->page_written = mem + segs + ops + pages + op_seg;
		b->nr_ops = 0;
		b->nr_pages = 0;
	}
	return segs + ops + pages + op_seg + b->cap * sizeof(*b->page_written);
}

/*
 * Set up @b for a call of @count segments: on the file's working memory
 * if the call is small and that memory is free, else on its own.
 * Return: 0 or -ENOMEM.
 */
static int gntdev_copy_alloc(struct gntdev_priv *priv,
			     struct gntdev_copy_batch *b, unsigned int count)
{
	size_t size;
	void *mem;

	if (count <= GNTDEV_COPY_SMALL && mutex_trylock(&priv->copy_lock)) {
		size = gntdev_copy_layout(b, GNTDEV_COPY_SMALL, NULL);
		if (!priv->copy_mem)
			priv->copy_mem = kvmalloc(size, GFP_KERNEL);
		if (!priv->copy_mem) {
			mutex_unlock(&priv->copy_lock);
			return -ENOMEM;
		}
		gntdev_copy_layout(b, GNTDEV_COPY_SMALL, priv->copy_mem);
		b->shared = true;
		return 0;
	}
	mem = kvmalloc(gntdev_copy_layout(b, count, NULL), GFP_KERNEL);
	if (!mem)
		return -ENOMEM;
	gntdev_copy_layout(b, count, mem);
	b->shared = false;
	return 0;
}

static void gntdev_copy_free(struct gntdev_priv *priv,
			     struct gntdev_copy_batch *b)
{
	if (b->shared)
		mutex_unlock(&priv->copy_lock);
	else
		kvfree(b->mem);
}

/* Write back the statuses of segments [0, n) of the chunk. */
static int gntdev_copy_put_status(struct gntdev_grant_copy_segment __user *useg,
				  struct gntdev_grant_copy_segment *segs,
				  unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (put_user(segs[i].status, &useg[i].status))
			return -EFAULT;
	return 0;
}

/**
 * gntdev_ioctl_grant_copy() - IOCTL_GNTDEV_GRANT_COPY
 * @priv:   the file
 * @arg:    user pointer to struct ioctl_gntdev_grant_copy (or its i386
 *          layout when @compat)
 * @compat: called from a 32-bit process
 *
 * Return: 0 when every segment was submitted (each has its own status);
 * -EINVAL for a malformed segment, -EFAULT for bad user memory, -EINTR if
 * killed. Statuses of segments processed before an error are written.
 */
long gntdev_ioctl_grant_copy(struct gntdev_priv *priv, void __user *arg,
			     bool compat)
{
	struct gntdev_grant_copy_segment __user *useg;
	struct gntdev_grant_copy_segment *segs;
	struct gntdev_copy_batch b;
	unsigned int count, done = 0;
	long ret;

	if (compat) {
#ifdef CONFIG_COMPAT
		struct {
			compat_uint_t count;
			compat_uptr_t segments;
		} cop;

		if (copy_from_user(&cop, arg, sizeof(cop)))
			return -EFAULT;
		count = cop.count;
		useg = compat_ptr(cop.segments);
#else
		return -ENOTTY;
#endif
	} else {
		struct ioctl_gntdev_grant_copy op;

		if (copy_from_user(&op, arg, sizeof(op)))
			return -EFAULT;
		count = op.count;
		/* The uapi struct cannot say __user; it is one. */
		useg = (__force struct gntdev_grant_copy_segment __user *)
			       op.segments;
	}
	if (!count)
		return 0;

	ret = gntdev_copy_alloc(priv, &b, count);
	if (ret)
		return ret;
	segs = b.segs;

	while (done < count) {
		unsigned int n = min(count - done, GNTDEV_COPY_CHUNK), i;

		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (copy_from_user(segs, useg + done,
				   array_size(n, sizeof(*segs)))) {
			ret = -EFAULT;
			break;
		}
		for (i = 0; i < n; i++) {
			if (b.cap - b.nr_ops < 2 || b.cap - b.nr_pages < 2)
				gntdev_copy_flush(&b, segs);
			ret = gntdev_copy_add_seg(&b, &segs[i], i, compat);
			if (ret)
				break;
		}
		/* Segments of this chunk must be final before it is reused. */
		gntdev_copy_flush(&b, segs);
		if (gntdev_copy_put_status(useg + done, segs, i) && !ret)
			ret = -EFAULT;
		if (ret)
			break;
		done += n;
	}
	gntdev_copy_unpin(&b);
	gntdev_copy_free(priv, &b);
	return ret;
}
