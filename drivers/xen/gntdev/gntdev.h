/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private state of xen-gntdev, shared by its files.
 */
#ifndef _XEN_GNTDEV_PRIV_H
#define _XEN_GNTDEV_PRIV_H

#include <linux/rbtree.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <xen/gntcore.h>
#include <xen/gntdev.h>
#include <xen/interface/event_channel.h>

/* Lookups key maps by page index; keep offsets inside what mmap2 takes. */
#define GNTDEV_MAX_INDEX ((1UL << 32) - 1)

/**
 * struct gntdev_priv - one open file of /dev/xen/gntdev
 * @lock:       protects @maps, @next_index, @nr_grants, @max_grants and
 *              the maps' @node, @vm_start and @readonly fields
 * @maps:       the file's ranges (struct gntdev_map), by page index; they
 *              never overlap
 * @next_index: every index from here on is free (allocation hint)
 * @nr_grants:  grants reserved by MAP_GRANT_REF and not yet released
 * @max_grants: cap on @nr_grants (SET_MAX_GRANTS)
 * @copy_lock:  held by the GRANT_COPY call that uses @copy_mem
 * @copy_mem:   working memory of GRANT_COPY calls of a few segments,
 *              allocated by the first such call, kept until release
 * @dmabuf:     the file's dma-buf exports and imports (dmabuf.c)
 */
struct gntdev_priv {
	struct mutex lock; /* see above */
	struct rb_root maps;
	unsigned long next_index;
	unsigned long nr_grants;
	unsigned long max_grants;
	struct mutex copy_lock; /* see above */
	void *copy_mem;
	struct gntdev_dmabuf_file *dmabuf;
};

/**
 * struct gntdev_notify - what to do when a map is torn down
 * @flags: UNMAP_NOTIFY_* still to be done
 * @addr:  byte offset within the map of the byte to clear
 * @event: event channel to signal (a reference is held while set)
 */
struct gntdev_notify {
	u32 flags;
	u32 addr;
	evtchn_port_t event;
};

/**
 * struct gntdev_map - the grants of one MAP_GRANT_REF call
 * @node:      in priv->maps while the file refers to the range; empty
 *             (RB_EMPTY_NODE) once unlinked
 * @users:     references: the file's (until UNMAP_GRANT_REF or close)
 *             and one per VMA that maps it
 * @fm:        the core's map; freed, with this struct, by its release
 * @grants:    the grants (MAP_GRANT_REF's list), @count of them (constant)
 * @index:     first page index in the file (constant)
 * @count:     number of grants (constant)
 * @readonly:  grants mapped without write access; chosen by the mmap()
 *             that maps them, fixed while any page is mapped (priv->lock)
 * @nr_vmas:   VMAs (pieces after splits, copies after fork) mapping the
 *             grants; atomic because fork copies run under another mm
 * @vm_start:  user address of page 0 while mapped on PV (priv->lock)
 * @notifier:  tears the grants down when the user mapping goes (PV only)
 * @notifier_on: @notifier is registered (priv->lock in mmap, mmap lock
 *             in the VMA close that removes it)
 * @unmap_lock: protects @notify and serialises the unmap paths, so the
 *             notify byte is cleared while its page is still mapped
 * @notify:    UNMAP_NOTIFY state
 */
struct gntdev_map {
	struct rb_node node;
	refcount_t users;
	struct gntcore_fmap *fm;
	struct ioctl_gntdev_grant_ref *grants;
	unsigned long index;
	unsigned int count;
	bool readonly;
	atomic_t nr_vmas;
	unsigned long vm_start;
	struct mmu_interval_notifier notifier;
	bool notifier_on;
	struct mutex unmap_lock; /* see above */
	struct gntdev_notify notify;
};

extern struct gntcore_stats gntdev_stats;
extern bool gntdev_use_ptemod;

void gntdev_put_map(struct gntdev_map *map);
void gntdev_unmap_range(struct gntdev_map *map, unsigned int first,
			unsigned int n);
struct gntdev_map *gntdev_find_map(struct gntdev_priv *priv,
				   unsigned long index);
int gntdev_mmap(struct file *file, struct vm_area_struct *vma);
unsigned long gntdev_get_unmapped_area(struct file *file, unsigned long addr,
				       unsigned long len, unsigned long pgoff,
				       unsigned long flags);
struct gntdev_map *gntdev_vma_to_map(struct vm_area_struct *vma,
				     struct file *file);
long gntdev_ioctl_grant_copy(struct gntdev_priv *priv, void __user *arg,
			     bool compat);

/* Per-call cap on MAP_GRANT_REF (module parameter "limit"). */
extern unsigned int gntdev_limit;

struct device *gntdev_dma_device(void);

/* dma-buf (dmabuf.c), wherever the kernel has dma-buf. */
struct gntdev_dmabuf_file;
#if IS_ENABLED(CONFIG_DMA_SHARED_BUFFER)
void gntdev_dmabuf_init_stats(struct gntcore_stats *st);
struct gntdev_dmabuf_file *gntdev_dmabuf_open(void);
void gntdev_dmabuf_release(struct gntdev_dmabuf_file *df);
long gntdev_ioctl_dmabuf_exp_from_refs(struct gntdev_priv *priv,
				       void __user *arg);
long gntdev_ioctl_dmabuf_exp_wait_released(struct gntdev_priv *priv,
					   void __user *arg);
long gntdev_ioctl_dmabuf_imp_to_refs(struct gntdev_priv *priv,
				     void __user *arg);
long gntdev_ioctl_dmabuf_imp_release(struct gntdev_priv *priv,
				     void __user *arg);
#else
/* As Linux without CONFIG_XEN_GNTDEV_DMABUF: the ioctls answer ENOTTY. */
static inline void gntdev_dmabuf_init_stats(struct gntcore_stats *st)
{
}

static inline struct gntdev_dmabuf_file *gntdev_dmabuf_open(void)
{
	return NULL;
}

static inline void gntdev_dmabuf_release(struct gntdev_dmabuf_file *df)
{
}

#define gntdev_ioctl_dmabuf_exp_from_refs gntdev_ioctl_dmabuf_none
#define gntdev_ioctl_dmabuf_exp_wait_released gntdev_ioctl_dmabuf_none
#define gntdev_ioctl_dmabuf_imp_to_refs gntdev_ioctl_dmabuf_none
#define gntdev_ioctl_dmabuf_imp_release gntdev_ioctl_dmabuf_none
static inline long gntdev_ioctl_dmabuf_none(struct gntdev_priv *priv,
					    void __user *arg)
{
	return -ENOIOCTLCMD;
}
#endif

#endif /* _XEN_GNTDEV_PRIV_H */
