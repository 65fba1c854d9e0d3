// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntdev: /dev/xen/gntdev, mapping grants of other domains into the
 * calling process. Drop-in for Linux's in-tree driver of the same name.
 *
 * Objects and lifetimes:
 *  - struct gntdev_priv, one per open file, freed at release. Its rbtree
 *    holds the ranges reserved by MAP_GRANT_REF, by page index: lookups
 *    are O(log n) however many maps a file has (xenstored keeps one per
 *    guest). New ranges go above the highest one; only once the index
 *    space is used up is a gap searched for, in index order.
 *  - struct gntdev_map, one per MAP_GRANT_REF. References: the file's
 *    (dropped by UNMAP_GRANT_REF or release) and one per VMA mapping it
 *    (mmap.c). When the last goes, its pages are unmapped; the core's
 *    foreign map (struct gntcore_fmap) then lives until those unmaps have
 *    completed, and its release callback sends the unmap notification
 *    event and frees the gntdev_map.
 *
 * Locks: priv->lock (a mutex) guards the file's tree and counters; it is
 * taken by the ioctls and mmap, never by the unmap paths. map->unmap_lock
 * serialises the unmap paths of one map (mmap.c) and guards its notify
 * state. Nothing here nests inside the mmap lock except in mmap() itself,
 * where the VFS holds it before we take priv->lock.
 */
#include <linux/compat.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <xen/events.h>
#include <xen/xen.h>
#include <xen/grant_table.h>

#include <xen/gntdev.h>
#include "gntdev.h"

unsigned int gntdev_limit = 64 * 1024;
module_param_named(limit, gntdev_limit, uint, 0644);
MODULE_PARM_DESC(limit, "Maximum number of grants mapped by one MAP_GRANT_REF");

struct gntcore_stats gntdev_stats = { .name = "gntdev" };
bool gntdev_use_ptemod;

static void gntdev_map_release(struct gntcore_fmap *fm)
{
	struct gntdev_map *map = gntcore_fmap_priv(fm);

	/* Every page is unmapped now: the peer may reuse them. */
	if (map->notify.flags & UNMAP_NOTIFY_SEND_EVENT) {
		notify_remote_via_evtchn(map->notify.event);
		evtchn_put(map->notify.event);
	}
	kvfree(map->grants);
	kfree(map);
	gntcore_stat_dec(&gntdev_stats, GNTCORE_STAT_LIVE_OBJECTS);
}

static struct gntdev_map *gntdev_alloc_map(unsigned int count)
{
	struct gntdev_map *map;

	map = kzalloc(sizeof(*map), GFP_KERNEL);
	if (!map)
		return NULL;
	map->fm = gntcore_fmap_alloc(&gntdev_stats, count, gntdev_map_release,
				     THIS_MODULE, map);
	if (!map->fm) {
		kfree(map);
		return NULL;
	}
	map->count = count;
	refcount_set(&map->users, 1);
	atomic_set(&map->nr_vmas, 0);
	mutex_init(&map->unmap_lock);
	gntcore_stat_inc(&gntdev_stats, GNTCORE_STAT_LIVE_OBJECTS);
	return map;
}

/**
 * gntdev_put_map() - drop a reference to a map
 * @map: the map
 *
 * The last reference unmaps whatever is still mapped (on auto-translated
 * guests, the kernel mappings made at mmap time) and hands the map to the
 * core, which frees it once those unmaps are done.
 */
void gntdev_put_map(struct gntdev_map *map)
{
	if (!refcount_dec_and_test(&map->users))
		return;
	gntdev_unmap_range(map, 0, map->count);
	gntcore_fmap_put(map->fm);
}

/**
 * gntdev_find_map() - the range of a file that holds page @index
 * @priv:  the file
 * @index: a page index
 *
 * Must hold priv->lock. Return: the map, or NULL.
 */
struct gntdev_map *gntdev_find_map(struct gntdev_priv *priv,
				   unsigned long index)
{
	struct rb_node *n = priv->maps.rb_node;

	lockdep_assert_held(&priv->lock);
	while (n) {
		struct gntdev_map *map = rb_entry(n, struct gntdev_map, node);

		if (index < map->index)
			n = n->rb_left;
		else if (index - map->index >= map->count)
			n = n->rb_right;
		else
			return map;
	}
	return NULL;
}

/*
 * Give @map a free range of indexes and link it in. Must hold priv->lock.
 * Return: 0, or -ENOSPC when no gap of map->count pages is left.
 */
static int gntdev_insert_map(struct gntdev_priv *priv, struct gntdev_map *map)
{
	struct rb_node **link = &priv->maps.rb_node, *parent = NULL, *n;
	unsigned long start = priv->next_index;

	lockdep_assert_held(&priv->lock);
	if (start > GNTDEV_MAX_INDEX + 1 - map->count) {
		/* Rare: the space above is used up; first fit from 0. */
		start = 0;
		for (n = rb_first(&priv->maps); n; n = rb_next(n)) {
			struct gntdev_map *m =
				rb_entry(n, struct gntdev_map, node);

			if (m->index - start >= map->count)
				break;
			start = m->index + m->count;
		}
		if (start > GNTDEV_MAX_INDEX + 1 - map->count)
			return -ENOSPC;
	}
	map->index = start;
	while (*link) {
		parent = *link;
		if (start < rb_entry(parent, struct gntdev_map, node)->index)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&map->node, parent, link);
	rb_insert_color(&map->node, &priv->maps);
	priv->next_index = max(priv->next_index, start + map->count);
	priv->nr_grants += map->count;
	return 0;
}

/*
 * Unlink @map from its file; its node is then empty (RB_EMPTY_NODE), so
 * that a holder of a reference can tell. Must hold priv->lock.
 */
static void gntdev_remove_map(struct gntdev_priv *priv, struct gntdev_map *map)
{
	lockdep_assert_held(&priv->lock);
	rb_erase(&map->node, &priv->maps);
	RB_CLEAR_NODE(&map->node);
	priv->nr_grants -= map->count;
	if (RB_EMPTY_ROOT(&priv->maps))
		priv->next_index = 0;
}

static int gntdev_open(struct inode *inode, struct file *file)
{
	struct gntdev_priv *priv;

	priv = kzalloc(sizeof(*priv), GFP_KERNEL);
	if (!priv)
		return -ENOMEM;
	priv->dmabuf = gntdev_dmabuf_open();
	if (IS_ENABLED(CONFIG_DMA_SHARED_BUFFER) && !priv->dmabuf) {
		kfree(priv);
		return -ENOMEM;
	}
	mutex_init(&priv->lock);
	mutex_init(&priv->copy_lock);
	priv->maps = RB_ROOT;
	priv->max_grants = ULONG_MAX;
	file->private_data = priv;
	gntcore_stat_inc(&gntdev_stats, GNTCORE_STAT_LIVE_OBJECTS);
	return 0;
}

static int gntdev_release(struct inode *inode, struct file *file)
{
	struct gntdev_priv *priv = file->private_data;
	struct gntdev_map *map, *next;

	/* No VMA refers to the file any more: nothing else can reach priv. */
	rbtree_postorder_for_each_entry_safe(map, next, &priv->maps, node)
		gntdev_put_map(map);
	gntdev_dmabuf_release(priv->dmabuf);
	mutex_destroy(&priv->copy_lock);
	kvfree(priv->copy_mem);
	kfree(priv);
	gntcore_stat_dec(&gntdev_stats, GNTCORE_STAT_LIVE_OBJECTS);
	return 0;
}

static long
gntdev_ioctl_map_grant_ref(struct gntdev_priv *priv,
			   struct ioctl_gntdev_map_grant_ref __user *u)
{
	struct ioctl_gntdev_map_grant_ref op;
	struct ioctl_gntdev_grant_ref *refs;
	struct gntdev_map *map;
	unsigned int i;
	long ret;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (!op.count || op.count > READ_ONCE(gntdev_limit))
		return -EINVAL;

	refs = kvmalloc_array(op.count, sizeof(*refs), GFP_KERNEL);
	if (!refs)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(refs, u->refs, array_size(op.count, sizeof(*refs))))
		goto out_free_refs;
	ret = -EINVAL;
	for (i = 0; i < op.count; i++)
		if (refs[i].domid >= DOMID_FIRST_RESERVED)
			goto out_free_refs;

	ret = -ENOMEM;
	map = gntdev_alloc_map(op.count);
	if (!map)
		goto out_free_refs;
	/* The map keeps the list (and frees it); mmap() maps it. */
	map->grants = refs;
	refs = NULL;

	mutex_lock(&priv->lock);
	ret = -ENOSPC;
	if (op.count > priv->max_grants - priv->nr_grants)
		goto out_unlock;
	ret = gntdev_insert_map(priv, map);
	if (ret)
		goto out_unlock;
	/*
	 * Once unlocked, the range is another thread's to unmap (a file's
	 * first range is at index 0, easy to guess), and the copy-out below
	 * may wait for as long as user space likes: hold a reference of our
	 * own until we are done with the map.
	 */
	refcount_inc(&map->users);
	op.index = (u64)map->index << PAGE_SHIFT;
	mutex_unlock(&priv->lock);

	ret = 0;
	if (copy_to_user(&u->index, &op.index, sizeof(op.index))) {
		/* Take the range back, unless it was unmapped meanwhile. */
		bool linked;

		mutex_lock(&priv->lock);
		linked = !RB_EMPTY_NODE(&map->node);
		if (linked)
			gntdev_remove_map(priv, map);
		mutex_unlock(&priv->lock);
		if (linked)
			gntdev_put_map(map);
		ret = -EFAULT;
	}
	gntdev_put_map(map);
	return ret;

out_unlock:
	mutex_unlock(&priv->lock);
	gntdev_put_map(map);
out_free_refs:
	kvfree(refs);
	return ret;
}

static long
gntdev_ioctl_unmap_grant_ref(struct gntdev_priv *priv,
			     struct ioctl_gntdev_unmap_grant_ref __user *u)
{
	struct ioctl_gntdev_unmap_grant_ref op;
	struct gntdev_map *map;
	unsigned long index;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.index & ~PAGE_MASK)
		return -EINVAL;
	index = op.index >> PAGE_SHIFT;

	mutex_lock(&priv->lock);
	map = gntdev_find_map(priv, index);
	/* As in Linux, a count of 0 matches whatever range starts there. */
	if (!map || map->index != index ||
	    (op.count && op.count != map->count)) {
		mutex_unlock(&priv->lock);
		return -ENOENT;
	}
	gntdev_remove_map(priv, map);
	mutex_unlock(&priv->lock);

	gntdev_put_map(map);
	return 0;
}

static long
gntdev_ioctl_get_offset(struct file *file,
			struct ioctl_gntdev_get_offset_for_vaddr __user *u)
{
	struct ioctl_gntdev_get_offset_for_vaddr op;
	struct vm_area_struct *vma;
	struct gntdev_map *map;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;

	mmap_read_lock(current->mm);
	vma = op.vaddr <= ULONG_MAX ? vma_lookup(current->mm, op.vaddr) : NULL;
	map = vma ? gntdev_vma_to_map(vma, file) : NULL;
	if (!map) {
		mmap_read_unlock(current->mm);
		return -EINVAL;
	}
	op.offset = (u64)map->index << PAGE_SHIFT;
	op.count = map->count;
	mmap_read_unlock(current->mm);

	if (copy_to_user(u, &op, sizeof(op)))
		return -EFAULT;
	return 0;
}

static long
gntdev_ioctl_set_max_grants(struct gntdev_priv *priv,
			    struct ioctl_gntdev_set_max_grants __user *u)
{
	struct ioctl_gntdev_set_max_grants op;
	long ret = 0;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (!op.count)
		return -EINVAL;

	mutex_lock(&priv->lock);
	if (priv->nr_grants > op.count)
		ret = -EBUSY;
	else
		priv->max_grants = op.count;
	mutex_unlock(&priv->lock);
	return ret;
}

static long
gntdev_ioctl_set_unmap_notify(struct gntdev_priv *priv,
			      struct ioctl_gntdev_unmap_notify __user *u)
{
	struct ioctl_gntdev_unmap_notify op;
	struct gntdev_notify old = {};
	struct gntdev_map *map;
	unsigned long index;
	long ret;

	if (copy_from_user(&op, u, sizeof(op)))
		return -EFAULT;
	if (op.action & ~(UNMAP_NOTIFY_CLEAR_BYTE | UNMAP_NOTIFY_SEND_EVENT))
		return -EINVAL;
	/* Hold the event channel so it cannot be reused under us. */
	if ((op.action & UNMAP_NOTIFY_SEND_EVENT) &&
	    evtchn_get(op.event_channel_port))
		return -EINVAL;

	index = op.index >> PAGE_SHIFT;
	mutex_lock(&priv->lock);
	map = gntdev_find_map(priv, index);
	ret = -ENOENT;
	if (!map)
		goto out_unlock;
	ret = -EINVAL;
	if ((op.action & UNMAP_NOTIFY_CLEAR_BYTE) && map->readonly)
		goto out_unlock;

	mutex_lock(&map->unmap_lock);
	old = map->notify;
	map->notify.flags = op.action;
	map->notify.addr = op.index - ((u64)map->index << PAGE_SHIFT);
	map->notify.event = op.event_channel_port;
	mutex_unlock(&map->unmap_lock);
	ret = 0;

out_unlock:
	mutex_unlock(&priv->lock);
	if (ret && (op.action & UNMAP_NOTIFY_SEND_EVENT))
		evtchn_put(op.event_channel_port);
	if (old.flags & UNMAP_NOTIFY_SEND_EVENT)
		evtchn_put(old.event);
	return ret;
}

static long gntdev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct gntdev_priv *priv = file->private_data;
	void __user *ptr = (void __user *)arg;

	switch (cmd) {
	case IOCTL_GNTDEV_MAP_GRANT_REF:
		return gntdev_ioctl_map_grant_ref(priv, ptr);
	case IOCTL_GNTDEV_UNMAP_GRANT_REF:
		return gntdev_ioctl_unmap_grant_ref(priv, ptr);
	case IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR:
		return gntdev_ioctl_get_offset(file, ptr);
	case IOCTL_GNTDEV_SET_MAX_GRANTS:
		return gntdev_ioctl_set_max_grants(priv, ptr);
	case IOCTL_GNTDEV_SET_UNMAP_NOTIFY:
		return gntdev_ioctl_set_unmap_notify(priv, ptr);
	case IOCTL_GNTDEV_GRANT_COPY:
		return gntdev_ioctl_grant_copy(priv, ptr, false);
	case IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS:
		return gntdev_ioctl_dmabuf_exp_from_refs(priv, ptr);
	case IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED:
		return gntdev_ioctl_dmabuf_exp_wait_released(priv, ptr);
	case IOCTL_GNTDEV_DMABUF_IMP_TO_REFS:
		return gntdev_ioctl_dmabuf_imp_to_refs(priv, ptr);
	case IOCTL_GNTDEV_DMABUF_IMP_RELEASE:
		return gntdev_ioctl_dmabuf_imp_release(priv, ptr);
	default:
		return -ENOIOCTLCMD;
	}
}

#ifdef CONFIG_COMPAT
/*
 * 32-bit layout of struct ioctl_gntdev_grant_copy (i386 and AArch32 alike):
 * 8 bytes, not 16.
 */
struct compat_ioctl_gntdev_grant_copy {
	compat_uint_t count;
	compat_uptr_t segments;
};

#define COMPAT_IOCTL_GNTDEV_GRANT_COPY \
	_IOC(_IOC_NONE, 'G', 8, sizeof(struct compat_ioctl_gntdev_grant_copy))

/*
 * 32-bit processes: every argument but GRANT_COPY's has the same layout
 * on i386 as on x86_64 and on AArch32 as on arm64 (no pointers, 64-bit
 * fields at offsets that are multiples of 8 either way), so only that one
 * is translated. Its segments are 24 bytes on all four; a 32-bit virt is
 * the low half of its union (little-endian), which copy.c keeps.
 */
static long gntdev_compat_ioctl(struct file *file, unsigned int cmd,
				unsigned long arg)
{
	BUILD_BUG_ON(sizeof(struct compat_ioctl_gntdev_grant_copy) != 8);
	BUILD_BUG_ON(sizeof(struct gntdev_grant_copy_segment) != 24);
	switch (cmd) {
	case COMPAT_IOCTL_GNTDEV_GRANT_COPY:
		return gntdev_ioctl_grant_copy(file->private_data,
					       compat_ptr(arg), true);
	case IOCTL_GNTDEV_GRANT_COPY:
		return -ENOIOCTLCMD;
	default:
		return gntdev_ioctl(file, cmd, (unsigned long)compat_ptr(arg));
	}
}
#endif

static const struct file_operations gntdev_fops = {
	.owner = THIS_MODULE,
	.open = gntdev_open,
	.release = gntdev_release,
	.mmap = gntdev_mmap,
	.get_unmapped_area = gntdev_get_unmapped_area,
	.unlocked_ioctl = gntdev_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = gntdev_compat_ioctl,
#endif
};

static struct miscdevice gntdev_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "xen/gntdev",
	.fops = &gntdev_fops,
};

/**
 * gntdev_dma_device() - the device dma-buf imports attach with
 *
 * The misc device, given a 64-bit DMA mask at load time: exporters map
 * their buffers for it, and we only read the pages back from those maps.
 */
struct device *gntdev_dma_device(void)
{
	return gntdev_miscdev.this_device;
}

static int __init gntdev_init(void)
{
	int err;

	if (!xen_domain())
		return -ENODEV;

	gntdev_use_ptemod = !xen_feature(XENFEAT_auto_translated_physmap);
	gntdev_dmabuf_init_stats(&gntdev_stats);
	gntcore_stats_register(&gntdev_stats);
	err = misc_register(&gntdev_miscdev);
	if (err) {
		pr_err("could not register the gntdev device: %d\n", err);
		gntcore_stats_unregister(&gntdev_stats);
		return err;
	}
	err = dma_coerce_mask_and_coherent(gntdev_miscdev.this_device,
					   DMA_BIT_MASK(64));
	if (err) {
		pr_err("could not set the gntdev device's DMA mask: %d\n", err);
		misc_deregister(&gntdev_miscdev);
		gntcore_stats_unregister(&gntdev_stats);
		return err;
	}
	return 0;
}

static void __exit gntdev_exit(void)
{
	misc_deregister(&gntdev_miscdev);
	gntcore_stats_unregister(&gntdev_stats);
}

module_init(gntdev_init);
module_exit(gntdev_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xen grant device: map other domains' grants into processes");
MODULE_VERSION(XEN_GNT_VERSION);
MODULE_IMPORT_NS(XEN_GNTCORE_NS);
