/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private state of xen-gntalloc, shared by its files.
 */
#ifndef _XEN_GNTALLOC_PRIV_H
#define _XEN_GNTALLOC_PRIV_H

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/xarray.h>
#include <xen/gntcore.h>
#include <xen/interface/event_channel.h>

/*
 * Page indexes stay below this, so that a byte offset (index << PAGE_SHIFT)
 * is a valid mmap() offset.
 */
#define GNTALLOC_MAX_PGOFF ((unsigned long)(MAX_LFS_FILESIZE >> PAGE_SHIFT))

/**
 * struct gntalloc_file - one open file of /dev/xen/gntalloc
 * @lock:         protects everything below and every gntalloc_page of the
 *                file; nests inside the mmap lock (taken in mmap() and the
 *                VMA callbacks), so no user memory is touched under it
 * @pages:        page index -> struct gntalloc_page, every page of the
 *                file from its allocation to its release (deallocated
 *                pages stay while mapped); slots of an allocation under
 *                way are reserved and read as NULL
 * @nr_pages:     pages held, counting reserved ones (the per-file limit)
 * @nr_allocated: pages allocated and not yet deallocated
 * @next_pgoff:   index of the next allocation (indexes are not reused)
 */
struct gntalloc_file {
	struct mutex lock; /* see above */
	struct xarray pages;
	unsigned long nr_pages;
	unsigned long nr_allocated;
	unsigned long next_pgoff;
};

/**
 * struct gntalloc_page - one granted page; a unit of its own
 * @gp:            the page and its grant (the core's descriptor)
 * @pgoff:         index in the file (constant)
 * @users:         1 for the file while allocated, plus one per VMA that
 *                 covers the page; the page is released (notify fired,
 *                 grant revoked) when it drops to 0
 * @allocated:     not yet deallocated (the file's reference is held)
 * @notify_action: UNMAP_NOTIFY_* bits to carry out on release
 * @notify_offset: byte of the page cleared by UNMAP_NOTIFY_CLEAR_BYTE
 * @notify_port:   event channel signalled by UNMAP_NOTIFY_SEND_EVENT
 *                 (a reference is held while the bit is set)
 *
 * All fields but @gp and @pgoff are protected by the file's lock.
 */
struct gntalloc_page {
	struct gntcore_gpage gp;
	unsigned long pgoff;
	unsigned long users;
	bool allocated;
	u8 notify_action;
	u16 notify_offset;
	evtchn_port_t notify_port;
};

extern struct gntcore_stats gntalloc_stats;

/* gntalloc.c */
bool gntalloc_range_allocated(struct gntalloc_file *gf, unsigned long first,
			      unsigned long count);
void gntalloc_put_page(struct gntalloc_file *gf, struct gntalloc_page *p);

/* mmap.c */
int gntalloc_mmap(struct file *filp, struct vm_area_struct *vma);

#endif /* _XEN_GNTALLOC_PRIV_H */
