/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place where differences between kernel versions are handled.
 *
 * Driver sources are written against the current kernel API. Where an
 * older kernel we support lacks something, it is provided here, selected
 * by the feature probes of compat/Kbuild.include (never by version
 * numbers). Included first in every translation unit by Kbuild.
 */
#ifndef _XEN_GNT_COMPAT_H
#define _XEN_GNT_COMPAT_H

/* One log prefix for every file of every module, set before any header. */
#define pr_fmt(fmt) "xen:" KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/module.h>

#ifndef XEN_GNT_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}
#endif

#ifndef XEN_GNT_HAVE_MM_GET_UNMAPPED_AREA
#include <linux/sched/mm.h>

/* Before 6.10 the mm's placement policy was a method of the mm. */
static inline unsigned long
mm_get_unmapped_area(struct mm_struct *mm, struct file *file,
		     unsigned long addr, unsigned long len, unsigned long pgoff,
		     unsigned long flags)
{
	return mm->get_unmapped_area(file, addr, len, pgoff, flags);
}
#endif

/*
 * The symbol namespace of the core's API, for EXPORT_SYMBOL_NS_GPL() and
 * MODULE_IMPORT_NS(): a string literal from 6.13 on, a bare identifier
 * (which those macros stringify) before.
 */
#ifdef XEN_GNT_NS_IS_STRING
#define XEN_GNTCORE_NS "XEN_GNTCORE"
#else
#define XEN_GNTCORE_NS XEN_GNTCORE
#endif

/* The dma-buf symbols' namespace (xen-gntdev's dmabuf.c), likewise. */
#ifdef XEN_GNT_NS_IS_STRING
#define XEN_GNT_DMA_BUF_NS "DMA_BUF"
#else
#define XEN_GNT_DMA_BUF_NS DMA_BUF
#endif

/*
 * dma_buf_map_attachment() wants the reservation lock held by its caller
 * since 6.2 (Debian's 6.1 has the change backported), and the _unlocked
 * variants take it. Before, the plain calls took what they needed
 * themselves.
 */
#ifndef XEN_GNT_HAVE_DMA_BUF_MAP_UNLOCKED
#define dma_buf_map_attachment_unlocked dma_buf_map_attachment
#define dma_buf_unmap_attachment_unlocked dma_buf_unmap_attachment
#endif

/*
 * A shrinker: allocated by the kernel and registered in two steps from
 * 6.7 on (shrinker_alloc(), shrinker_register(), shrinker_free()); before,
 * the caller's own struct, registered with register_shrinker(). Here:
 * alloc (NULL or a zeroed shrinker), fill in, register (0, or -errno with
 * the shrinker freed), and free a registered one.
 */
#include <linux/shrinker.h>
#include <linux/slab.h>

#ifdef XEN_GNT_HAVE_SHRINKER_ALLOC
static inline struct shrinker *xen_gnt_shrinker_alloc(const char *name)
{
	return shrinker_alloc(0, "%s", name);
}

static inline int xen_gnt_shrinker_register(struct shrinker *sh,
					    const char *name)
{
	shrinker_register(sh);
	return 0;
}

static inline void xen_gnt_shrinker_free(struct shrinker *sh)
{
	shrinker_free(sh);
}
#else
static inline struct shrinker *xen_gnt_shrinker_alloc(const char *name)
{
	return kzalloc(sizeof(struct shrinker), GFP_KERNEL);
}

static inline int xen_gnt_shrinker_register(struct shrinker *sh,
					    const char *name)
{
	int err = register_shrinker(sh, "%s", name);

	if (err)
		kfree(sh);
	return err;
}

static inline void xen_gnt_shrinker_free(struct shrinker *sh)
{
	if (!sh)
		return;
	unregister_shrinker(sh);
	kfree(sh);
}
#endif

#endif /* _XEN_GNT_COMPAT_H */
