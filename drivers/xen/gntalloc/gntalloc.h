/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Private state of xen-gntalloc, shared by its files.
 */
#ifndef _XEN_GNTALLOC_PRIV_H
#define _XEN_GNTALLOC_PRIV_H

#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include <xen/gntcore.h>
#include <xen/interface/event_channel.h>

/*
 * Page indexes stay below this, so that a byte offset (index << PAGE_SHIFT)
 * is a valid mmap() offset.
 */
#define GNTALLOC_MAX_PGOFF ((unsigned long)(MAX_LFS_FILESIZE >> PAGE_SHIFT))

/**
 * struct gntalloc_file - one open file of /dev/xen/gntalloc
 * @lock:         protects everything below and every chunk and page of the
 *                file; nests inside the mmap lock (taken in mmap() and the
 *                VMA callbacks), so no user memory is touched under it
 * @chunks:       struct gntalloc_chunk by first page index, every chunk
 *                that still holds a page; chunks never overlap
 * @nr_pages:     pages held, counting those of allocations under way (the
 *                per-file limit)
 * @nr_allocated: pages allocated and not yet deallocated
 * @next_pgoff:   index of the next allocation (indexes are not reused)
 */
struct gntalloc_file {
	struct mutex lock; /* see above */
	struct rb_root chunks;
	unsigned long nr_pages;
	unsigned long nr_allocated;
	unsigned long next_pgoff;
};

/**
 * struct gntalloc_page - one granted page; a unit of its own
 * @gp:            the page and its grant (the core's descriptor); @gp.page
 *                 is NULL once the page is released
 * @users:         1 for the file while allocated, plus one per VMA that
 *                 covers the page; the page is released (notify fired,
 *                 grant revoked) when it drops to 0, and is "held" while
 *                 it is not 0
 * @allocated:     not yet deallocated (the file's reference is held)
 * @notify_action: UNMAP_NOTIFY_* bits to carry out on release
 * @notify_offset: byte of the page cleared by UNMAP_NOTIFY_CLEAR_BYTE
 * @notify_port:   event channel signalled by UNMAP_NOTIFY_SEND_EVENT
 *                 (a reference is held while the bit is set)
 *
 * All fields are protected by the file's lock.
 */
struct gntalloc_page {
	struct gntcore_gpage gp;
	unsigned int users;
	bool allocated;
	u8 notify_action;
	u16 notify_offset;
	evtchn_port_t notify_port;
};

/**
 * struct gntalloc_chunk - the pages of one ALLOC_GREF call, in one block
 * @node:  in the file's @chunks from the end of ALLOC_GREF until its last
 *         page is released; then the chunk is freed
 * @first: page index of @pages[0] (constant)
 * @count: number of pages (constant)
 * @held:  pages of the chunk not yet released
 * @pages: the pages, each with a life of its own
 *
 * @node and @held are protected by the file's lock.
 */
struct gntalloc_chunk {
	struct rb_node node;
	unsigned long first;
	unsigned int count;
	unsigned int held;
	struct gntalloc_page pages[];
};

extern struct gntcore_stats gntalloc_stats;

/* gntalloc.c */
struct gntalloc_page *gntalloc_run(struct gntalloc_file *gf,
				   unsigned long pgoff, unsigned long count,
				   struct gntalloc_chunk **hint,
				   unsigned long *n);

bool gntalloc_range_allocated(struct gntalloc_file *gf, unsigned long first,
			      unsigned long count);
bool gntalloc_put_run(struct gntalloc_file *gf, struct gntalloc_chunk *c,
		      struct gntalloc_page *p, unsigned long n, bool dealloc);

/* mmap.c */
int gntalloc_mmap(struct file *filp, struct vm_area_struct *vma);

#endif /* _XEN_GNTALLOC_PRIV_H */
