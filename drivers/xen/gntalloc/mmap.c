// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntalloc: mmap() of granted pages, and the per-page map counts.
 *
 * The pages are ordinary kernel pages, inserted into a MAP_SHARED VMA
 * with vm_insert_pages(); the page tables then hold their own references
 * to them, so the memory outlives every PTE whatever happens here. What
 * this file tracks is when a page stops being mapped by any process of
 * ours, since that (with DEALLOC_GREF) is when its unmap notification
 * fires and its grant is revoked.
 *
 * Each page's @users counts the VMAs covering it, in every mm: the VMA
 * made by mmap() counts for its range, and so does every VMA the kernel
 * creates from it, except that a split only cuts a VMA in two, which
 * leaves each page covered as often as before. ->close() always releases
 * the VMA's current range. So:
 *
 *   mmap()                       +1 over the range
 *   ->open() of a split piece     0
 *   ->open() of a fork copy      +1 (the child's VMA covers the pages)
 *   ->open() of an mremap() copy +1 (the old range is closed after it)
 *   ->close()                    -1 over the VMA's range at that time
 *
 * A VMA's range otherwise changes only by splits: VM_DONTEXPAND is in
 * VM_SPECIAL, which keeps the kernel from merging our VMAs or growing
 * them. Partial munmap() and MAP_FIXED over part of a mapping are a split
 * and a close, so exactly the pages unmapped lose a count.
 *
 * Locks: the mmap lock of the VMA's mm is held by every caller here; the
 * file's lock nests inside it. A VMA holds a reference to its file, so
 * the file's state outlives every VMA.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <xen/gntalloc.h>

#include "gntalloc.h"

/* Must hold gf->lock. Adds one user to each page of a mapped range. */
static void gntalloc_get_range(struct gntalloc_file *gf, unsigned long first,
			       unsigned long count)
{
	struct gntalloc_chunk *c = NULL;
	struct gntalloc_page *p;
	unsigned long i, j, n;

	lockdep_assert_held(&gf->lock);
	for (i = 0; i < count; i += n) {
		p = gntalloc_run(gf, first + i, count - i, &c, &n);
		if (!p)
			continue;
		for (j = 0; j < n; j++) {
			if (p[j].users)
				p[j].users++;
		}
	}
}

/* Must hold gf->lock. Drops one user from each page of a mapped range. */
static void gntalloc_put_range(struct gntalloc_file *gf, unsigned long first,
			       unsigned long count)
{
	struct gntalloc_chunk *c = NULL;
	struct gntalloc_page *p;
	unsigned long i, n;

	lockdep_assert_held(&gf->lock);
	for (i = 0; i < count; i += n) {
		/* Held: a page stays held while a VMA covers it. */
		p = gntalloc_run(gf, first + i, count - i, &c, &n);
		if (p && gntalloc_put_run(gf, c, p, n, false))
			c = NULL;
	}
}

/*
 * Whether @vma is the new piece of a split, rather than a copy made by
 * fork() or mremap(). Both kernels we support call ->open() on the new
 * piece before shrinking the original, which is then still in the mm's
 * tree, covering the new piece: a copy, by contrast, lands in an mm (the
 * child's) or a range (mremap()'s target) where no other VMA of ours
 * covers it. Must hold the mmap lock of @vma's mm (as every ->open()
 * caller does).
 */
static bool gntalloc_vma_is_split(struct vm_area_struct *vma)
{
	struct vm_area_struct *orig;

	mmap_assert_locked(vma->vm_mm);
	orig = find_vma(vma->vm_mm, vma->vm_start);
	return orig && orig != vma && orig->vm_mm == vma->vm_mm &&
	       orig->vm_ops == vma->vm_ops && orig->vm_file == vma->vm_file &&
	       orig->vm_start <= vma->vm_start && vma->vm_end <= orig->vm_end;
}

static void gntalloc_vma_open(struct vm_area_struct *vma)
{
	struct gntalloc_file *gf = vma->vm_private_data;

	if (gntalloc_vma_is_split(vma))
		return;
	mutex_lock(&gf->lock);
	gntalloc_get_range(gf, vma->vm_pgoff, vma_pages(vma));
	mutex_unlock(&gf->lock);
}

static void gntalloc_vma_close(struct vm_area_struct *vma)
{
	struct gntalloc_file *gf = vma->vm_private_data;

	mutex_lock(&gf->lock);
	gntalloc_put_range(gf, vma->vm_pgoff, vma_pages(vma));
	mutex_unlock(&gf->lock);
}

static const struct vm_operations_struct gntalloc_vm_ops = {
	.open = gntalloc_vma_open,
	.close = gntalloc_vma_close,
};

/* Pages handed to vm_insert_pages() per call. */
#define GNTALLOC_INSERT_BATCH 64

/*
 * Insert @n pages that share one page table (they do not cross a PMD
 * boundary) at @addr. @new_pt: whether the page table may still be
 * missing.
 *
 * In a Xen PV domain every PTE write is a trapped write that Xen
 * emulates, unless it is made in lazy MMU mode, where the writes are
 * queued and issued as one multicall when the mode is left. The mode
 * must not be entered around anything that can allocate page tables or
 * sleep in reclaim (it does not nest on every kernel we support), so the
 * first page of a page table goes in alone: that call allocates the page
 * table if it is missing. For the others vm_insert_pages() then only
 * locks the page table and writes PTEs. Elsewhere (HVM, PVH, bare metal)
 * the mode costs nothing.
 */
static int gntalloc_insert_batch(struct vm_area_struct *vma, unsigned long addr,
				 struct page **pages, unsigned long n,
				 bool new_pt)
{
	unsigned long left = 1;
	int ret;

	if (new_pt) {
		ret = vm_insert_pages(vma, addr, pages, &left);
		if (ret || n == 1)
			return ret;
		addr += PAGE_SIZE;
		pages++;
		n--;
	}

	left = n;
	arch_enter_lazy_mmu_mode();
	ret = vm_insert_pages(vma, addr, pages, &left);
	arch_leave_lazy_mmu_mode();
	return ret;
}

/*
 * Must hold gf->lock. Insert the pages of an allocated range into @vma,
 * in batches that each stay within one page table: vm_insert_pages()
 * then walks the page tables and takes the PTE lock once per batch, not
 * once per page, and the PTE writes can be batched too. A page table
 * allocated for the first batch in it stays for the next ones: mmap()
 * runs under the mmap lock held for writing, and only the unmap paths
 * free page tables.
 */
static int gntalloc_insert_range(struct gntalloc_file *gf,
				 struct vm_area_struct *vma)
{
	struct page *batch[GNTALLOC_INSERT_BATCH];
	unsigned long count = vma_pages(vma), addr = vma->vm_start;
	struct gntalloc_chunk *c = NULL;
	unsigned long i = 0, j, n, span, run = 0;
	struct gntalloc_page *p = NULL;
	int ret;

	lockdep_assert_held(&gf->lock);
	while (i < count) {
		/* Up to the end of the page table, or of the VMA. */
		span = (pmd_addr_end(addr, vma->vm_end) - addr) >> PAGE_SHIFT;
		n = min3(count - i, (unsigned long)GNTALLOC_INSERT_BATCH, span);
		for (j = 0; j < n; j++) {
			/* The range is allocated: every run is a chunk's. */
			if (!run)
				p = gntalloc_run(gf, vma->vm_pgoff + i + j,
						 count - i - j, &c, &run);
			batch[j] = p->gp.page;
			p++;
			run--;
		}
		/*
		 * All pages or an error: vm_insert_pages() leaves pages out
		 * only when it fails. A page table may be new for the VMA's
		 * first batch and at a PMD boundary.
		 */
		ret = gntalloc_insert_batch(vma, addr, batch, n,
					    !i || !(addr & ~PMD_MASK));
		if (ret)
			return ret;
		i += n;
		addr += n << PAGE_SHIFT;
	}
	return 0;
}

/**
 * gntalloc_mmap() - map allocated pages of the file
 * @filp: the file
 * @vma:  the new VMA; its offset and length select the pages
 *
 * Return: 0; -EINVAL without MAP_SHARED; -ENOENT if a page of the range
 * is not allocated (or already deallocated) on this file; or the error of
 * vm_insert_pages() (the kernel then zaps what was inserted; no count has
 * been taken).
 */
int gntalloc_mmap(struct file *filp, struct vm_area_struct *vma)
{
	struct gntalloc_file *gf = filp->private_data;
	unsigned long count = vma_pages(vma);
	int ret;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	mutex_lock(&gf->lock);
	if (!gntalloc_range_allocated(gf, vma->vm_pgoff, count)) {
		ret = -ENOENT;
		goto out;
	}

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	ret = gntalloc_insert_range(gf, vma);
	if (ret)
		goto out;

	vma->vm_private_data = gf;
	vma->vm_ops = &gntalloc_vm_ops;
	gntalloc_get_range(gf, vma->vm_pgoff, count);
out:
	mutex_unlock(&gf->lock);
	return ret;
}
