// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntdev: mmap() of a reserved range, and everything that tears the
 * resulting mapping down.
 *
 * Two paths, chosen once at load time:
 *
 *  - PV guests (gntdev_use_ptemod): Xen writes the grant mappings straight
 *    into the process's page tables (GNTMAP_contains_pte, with each PTE's
 *    machine address), and the core maps each placeholder's kernel
 *    address in the same batch, for get_user_pages() (through
 *    find_special_page) and the notify byte. An MMU interval notifier
 *    covering the
 *    VMA unmaps the grants of any part of it the mm invalidates (munmap,
 *    MAP_FIXED over it, process exit), before the page tables go. Like
 *    Linux's driver, it does so for every invalidation, whatever its
 *    cause: an mprotect() or madvise(MADV_DONTNEED) over the range also
 *    unmaps the grants, and later accesses there fault (SIGBUS). One
 *    mapping of a range at a time; VM_DONTCOPY keeps fork from copying it.
 *
 *  - Auto-translated guests (PVH, HVM): the grants are mapped once onto
 *    the placeholder pages, which are then inserted into the VMA like any
 *    page. They stay mapped until the range's last reference goes.
 *
 * Defined behaviour: a second mmap() of a range while it is mapped (as
 * in Linux's driver, on every guest type), a writable mmap() of a range
 * whose grants are mapped read-only, or a writable MAP_PRIVATE one, is
 * EINVAL (a read-only MAP_PRIVATE mapping is allowed, and stays
 * read-only); an mmap() while an earlier unmap of the range is still in
 * flight is EAGAIN (libxengnttab retries).
 * Partial munmap() and MAP_FIXED over part of a mapping unmap exactly
 * the pages concerned; the rest stay usable.
 * mremap() is refused (EINVAL), on PV before anything moves
 * (gntdev_get_unmapped_area()). A read-only mapping cannot be made
 * writable with mprotect().
 *
 * Lifetime: every VMA (pieces after a split, copies after fork on
 * auto-translated guests) holds a reference to its gntdev_map.
 */
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mmu_notifier.h>
#include <linux/sched/mm.h>
#include <xen/events.h>
#include <xen/features.h>
#include <xen/grant_table.h>

#include <xen/gntdev.h>
#include "gntdev.h"

static const struct vm_operations_struct gntdev_vmops;

/**
 * gntdev_vma_to_map() - the map behind a VMA of this driver
 * @vma:  a VMA of the current mm (mmap lock held)
 * @file: the gntdev file it must belong to
 *
 * Return: the map, or NULL if @vma is not a mapping of @file.
 */
struct gntdev_map *gntdev_vma_to_map(struct vm_area_struct *vma,
				     struct file *file)
{
	if (vma->vm_ops != &gntdev_vmops || vma->vm_file != file)
		return NULL;
	return vma->vm_private_data;
}

/**
 * gntdev_unmap_range() - unmap pages [@first, @first + @n) of a map
 * @map:   the map
 * @first: first page
 * @n:     number of pages
 *
 * Clears the notify byte first if it lies in the range and its page is
 * still mapped. Pages not mapped are skipped. Does not wait for the
 * unmaps to complete.
 */
void gntdev_unmap_range(struct gntdev_map *map, unsigned int first,
			unsigned int n)
{
	struct gntcore_fmap *fm = map->fm;

	mutex_lock(&map->unmap_lock);
	if (map->notify.flags & UNMAP_NOTIFY_CLEAR_BYTE) {
		unsigned int pg = map->notify.addr >> PAGE_SHIFT;

		/*
		 * The kernel mapping of a read-only grant is read-only; a
		 * mapped page's kernel address maps its grant.
		 */
		if (pg >= first && pg - first < n && !map->readonly &&
		    gntcore_fmap_page_mapped(fm, pg)) {
			struct page *page = gntcore_fmap_page(fm, pg);
			u8 *va = pfn_to_kaddr(page_to_pfn(page));

			WRITE_ONCE(va[map->notify.addr & ~PAGE_MASK], 0);
			map->notify.flags &= ~UNMAP_NOTIFY_CLEAR_BYTE;
		}
	}
	gntcore_fmap_unmap(fm, first, n);
	mutex_unlock(&map->unmap_lock);
}

static void gntdev_vma_open(struct vm_area_struct *vma)
{
	struct gntdev_map *map = vma->vm_private_data;

	refcount_inc(&map->users);
	atomic_inc(&map->nr_vmas);
}

static void gntdev_vma_close(struct vm_area_struct *vma)
{
	struct gntdev_priv *priv = vma->vm_file->private_data;
	struct gntdev_map *map = vma->vm_private_data;

	/*
	 * The notifier has already unmapped this VMA's pages; the last VMA
	 * takes the notifier away. priv->lock (same order as in mmap: mmap
	 * lock, then priv->lock) keeps another process sharing the file
	 * from mapping the range again before the notifier is gone.
	 */
	mutex_lock(&priv->lock);
	if (atomic_dec_and_test(&map->nr_vmas) && map->notifier_on) {
		mmu_interval_notifier_remove(&map->notifier);
		map->notifier_on = false;
	}
	mutex_unlock(&priv->lock);
	vma->vm_private_data = NULL;
	gntdev_put_map(map);
}

/*
 * mremap() is refused. On PV gntdev_get_unmapped_area() has refused it
 * already, before anything moved; this refusal comes after the page
 * tables have moved (they are then moved back), which is harmless only
 * on auto-translated guests, where no notifier fires on the way.
 */
static int gntdev_vma_mremap(struct vm_area_struct *vma)
{
	return -EINVAL;
}

/*
 * The page behind a PV grant PTE, for get_user_pages() and the /proc
 * readers: its placeholder, whose kernel address maps the grant while the
 * PTE does. No hypercall. Called with the PTE lock held.
 */
static struct page *gntdev_vma_find_special_page(struct vm_area_struct *vma,
						 unsigned long addr)
{
	struct gntdev_map *map = vma->vm_private_data;

	return gntcore_fmap_page(map->fm, (addr - map->vm_start) >> PAGE_SHIFT);
}

static const struct vm_operations_struct gntdev_vmops = {
	.open = gntdev_vma_open,
	.close = gntdev_vma_close,
	.mremap = gntdev_vma_mremap,
	.find_special_page = gntdev_vma_find_special_page,
};

static bool gntdev_invalidate(struct mmu_interval_notifier *mn,
			      const struct mmu_notifier_range *range,
			      unsigned long cur_seq)
{
	struct gntdev_map *map = container_of(mn, struct gntdev_map, notifier);
	unsigned long end =
		map->vm_start + ((unsigned long)map->count << PAGE_SHIFT);
	unsigned long mstart = max(range->start, map->vm_start);
	unsigned long mend = min(range->end, end);

	/* Unmapping takes a mutex and may allocate. */
	if (!mmu_notifier_range_blockable(range))
		return false;
	mmu_interval_set_seq(mn, cur_seq);
	if (mstart < mend)
		gntdev_unmap_range(map, (mstart - map->vm_start) >> PAGE_SHIFT,
				   (mend - mstart) >> PAGE_SHIFT);
	return true;
}

static const struct mmu_interval_notifier_ops gntdev_mn_ops = {
	.invalidate = gntdev_invalidate,
};

/* apply_to_page_range() callback: tell Xen where each grant's PTE is. */
static int gntdev_set_pte_op(pte_t *pte, unsigned long addr, void *data)
{
	struct gntdev_map *map = data;
	unsigned int i = (addr - map->vm_start) >> PAGE_SHIFT;
	/* guest_avail0 asks Xen to mark the PTE special (pte_special()). */
	u32 flags = GNTMAP_host_map | GNTMAP_application_map |
		    GNTMAP_contains_pte | (1 << _GNTMAP_guest_avail0);

	if (map->readonly)
		flags |= GNTMAP_readonly;
	return gntcore_fmap_set_op(map->fm, i,
				   arbitrary_virt_to_machine(pte).maddr, flags,
				   map->grants[i].ref, map->grants[i].domid);
}

#ifdef CONFIG_X86
static int gntdev_pte_mkspecial(pte_t *pte, unsigned long addr, void *data)
{
	set_pte_at(&init_mm, addr, pte, pte_mkspecial(*pte));
	return 0;
}
#endif

/* Must hold priv->lock and the mmap lock for writing. */
static int gntdev_mmap_pv(struct gntdev_map *map, struct vm_area_struct *vma)
{
	struct mmu_interval_notifier *mn;
	unsigned long len = vma->vm_end - vma->vm_start;
	int err;

	map->vm_start = vma->vm_start;
	mn = &map->notifier;
	err = mmu_interval_notifier_insert_locked(mn, vma->vm_mm, map->vm_start,
						  len, &gntdev_mn_ops);
	/*
	 * The first notifier of an mm sets up the mm's notifier list, which
	 * takes all the mm's locks and gives up with -EINTR if a signal is
	 * pending. Nothing has been done yet: have the mmap() restarted once
	 * the signal is handled rather than fail it.
	 */
	if (err == -EINTR)
		return -ERESTARTNOINTR;
	if (err)
		return err;
	/*
	 * Inserted while the mm is being invalidated elsewhere (an
	 * invalidation that does not take the mmap lock), the notifier
	 * joins the tree only once that one ends; wait for it, so that
	 * every invalidation after this mmap() reaches the grants.
	 */
	mmu_interval_read_begin(mn);

	/* set_op refuses a page whose last unmap is in flight (-EAGAIN). */
	err = apply_to_page_range(vma->vm_mm, vma->vm_start, len,
				  gntdev_set_pte_op, map);
	if (!err)
		err = gntcore_fmap_map(map->fm);
	if (err) {
		mmu_interval_notifier_remove(&map->notifier);
		return err;
	}
	map->notifier_on = true;

#ifdef CONFIG_X86
	/* Older Xen cannot set the special bit itself. */
	if (!xen_feature(XENFEAT_gnttab_map_avail_bits))
		apply_to_page_range(vma->vm_mm, vma->vm_start, len,
				    gntdev_pte_mkspecial, NULL);
#endif
	return 0;
}

/* Must hold priv->lock and the mmap lock for writing. */
static int gntdev_mmap_auto(struct gntdev_map *map, struct vm_area_struct *vma)
{
	struct gntcore_fmap *fm = map->fm;
	bool mapped_here = false;
	unsigned int i;
	int err;

	/* The first mmap() maps the grants; later ones reuse them. */
	if (gntcore_fmap_nr_mapped(fm) != map->count) {
		u32 flags = map->readonly ? GNTMAP_readonly : 0;

		for (i = 0; i < map->count; i++) {
			err = gntcore_fmap_set_op(fm, i, 0, flags,
						  map->grants[i].ref,
						  map->grants[i].domid);
			if (err)
				return err;
		}
		err = gntcore_fmap_map(fm);
		if (err)
			return err;
		mapped_here = true;
	}
	err = vm_map_pages_zero(vma, gntcore_fmap_pages(fm), map->count);
	if (err && mapped_here)
		gntdev_unmap_range(map, 0, map->count);
	return err;
}

/**
 * gntdev_get_unmapped_area() - where a new mapping of the file may go
 * @file:  the gntdev file
 * @addr:  hint, or the address of a fixed mapping
 * @len:   length
 * @pgoff: page offset in the file
 * @flags: MAP_* flags
 *
 * mmap() asks this before it maps, and so does mremap() before it moves
 * a mapping: the move's first step, moving the page tables, invalidates
 * the old range, and on PV the notifier then unmaps the grants, so the
 * refusal of gntdev_vma_mremap() comes too late to keep them. On PV a
 * range is mapped once at a time: a request for a range mapped now is a
 * move, or a second mmap() that gntdev_mmap() would refuse anyway. It
 * is refused here, with nothing moved. One exception: a MAP_FIXED
 * mmap() of the whole range exactly over its own mapping replaces that
 * mapping, which goes first (a move never lands on the range it moves
 * from: mremap() refuses overlaps). Called with the mmap lock held (the
 * order is the mmap lock, then priv->lock).
 *
 * Return: the address, as the mm's own allocator finds it, or -EINVAL.
 */
unsigned long gntdev_get_unmapped_area(struct file *file, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags)
{
	struct gntdev_priv *priv = file->private_data;
	struct gntdev_map *map;
	bool refuse = false;

	if (gntdev_use_ptemod) {
		mutex_lock(&priv->lock);
		map = gntdev_find_map(priv, pgoff);
		if (map && atomic_read(&map->nr_vmas))
			refuse = !(flags & MAP_FIXED) || !map->notifier_on ||
				 map->notifier.mm != current->mm ||
				 addr != map->vm_start || pgoff != map->index ||
				 len != (unsigned long)map->count << PAGE_SHIFT;
		mutex_unlock(&priv->lock);
		if (refuse)
			return -EINVAL;
	}
	return mm_get_unmapped_area(current->mm, file, addr, len, pgoff, flags);
}

int gntdev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct gntdev_priv *priv = file->private_data;
	unsigned long index = vma->vm_pgoff;
	unsigned long count = vma_pages(vma);
	struct gntdev_map *map;
	int err = -EINVAL;

	/*
	 * A private mapping must stay read-only: written, it would copy the
	 * grant's page on write. Without VM_MAYWRITE neither mprotect() nor
	 * a forced write (ptrace, /proc/pid/mem) can make it writable.
	 */
	if (!(vma->vm_flags & VM_SHARED)) {
		if (vma->vm_flags & VM_WRITE)
			return -EINVAL;
		vm_flags_clear(vma, VM_MAYWRITE);
	}

	mutex_lock(&priv->lock);
	map = gntdev_find_map(priv, index);
	if (!map || map->index != index || map->count != count)
		goto out_unlock;
	if (atomic_read(&map->nr_vmas))
		goto out_unlock;
	/* Write access is chosen by the mmap() that maps the grants. */
	if (!gntcore_fmap_nr_mapped(map->fm))
		map->readonly = !(vma->vm_flags & VM_WRITE);
	else if ((vma->vm_flags & VM_WRITE) && map->readonly)
		goto out_unlock;

	vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP | VM_MIXEDMAP);
	if (map->readonly)
		vm_flags_clear(vma, VM_MAYWRITE);
	if (gntdev_use_ptemod) {
		vm_flags_set(vma, VM_DONTCOPY);
		err = gntdev_mmap_pv(map, vma);
	} else {
		err = gntdev_mmap_auto(map, vma);
	}
	if (err)
		goto out_unlock;

	/* Only a mapping that worked gets our VMA callbacks. */
	refcount_inc(&map->users);
	atomic_inc(&map->nr_vmas);
	vma->vm_private_data = map;
	vma->vm_ops = &gntdev_vmops;
out_unlock:
	mutex_unlock(&priv->lock);
	return err;
}
