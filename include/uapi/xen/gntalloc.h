/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * Userspace interface of /dev/xen/gntalloc: allocate pages of our own and
 * grant another Xen domain access to them.
 *
 * xen-gnt's own header, with the same ABI as Linux's
 * own uapi header of the same name (asserted by tools/testing/selftests/xen).
 *
 * Every page is a unit of its own: any contiguous run of allocated pages
 * of one file, even one made by several ALLOC_GREF calls, can be mmap()ed
 * or deallocated together. A page, and its grant, live on until it is
 * deallocated, unmapped everywhere, and no longer mapped by the peer.
 */

#ifndef __LINUX_PUBLIC_GNTALLOC_H__
#define __LINUX_PUBLIC_GNTALLOC_H__

#include <linux/stddef.h>
#include <linux/types.h>

/*
 * IOCTL_GNTALLOC_ALLOC_GREF - allocate @count zeroed pages and grant them.
 *
 * On success @index is the file offset at which the pages can be mmap()ed
 * (MAP_SHARED only: EINVAL otherwise; ENOENT if the range is not
 * allocated) and @gref_ids holds one grant reference per page.
 * Nothing is left allocated on failure. Errors: EINVAL for a @count of 0,
 * unknown @flags or a bad @domid; ENOSPC over the global page limit (or
 * a per-file one, if the administrator set one) or when the grant table
 * is full; ENOMEM; EFAULT.
 */
#define IOCTL_GNTALLOC_ALLOC_GREF \
	_IOC(_IOC_NONE, 'G', 5, sizeof(struct ioctl_gntalloc_alloc_gref))
/**
 * struct ioctl_gntalloc_alloc_gref - argument of IOCTL_GNTALLOC_ALLOC_GREF
 * @domid:    in, domain given access to the pages
 * @flags:    in, GNTALLOC_FLAG_* bits
 * @count:    in, number of pages
 * @index:    out, file offset for mmap()
 * @gref_ids: out, @count grant references (the array really holds @count)
 * @gref_ids_flex: the same array under the name Linux's header has had
 *            since 6.8, declared flexible; same offset, same size
 */
struct ioctl_gntalloc_alloc_gref {
	__u16 domid;
	__u16 flags;
	__u32 count;
	__u64 index;
	union {
		__u32 gref_ids[1];
		__DECLARE_FLEX_ARRAY(__u32, gref_ids_flex);
	};
};

/* The peer may write to the pages (otherwise it may only read them). */
#define GNTALLOC_FLAG_WRITABLE 1

/*
 * IOCTL_GNTALLOC_DEALLOC_GREF - give up @count pages starting at @index.
 *
 * The pages stop being reachable through this file at once; each is freed
 * and its grant revoked once no process maps it and the peer has unmapped
 * it. Errors: EINVAL if any page of the range is not allocated on this
 * file (nothing is deallocated then), for a @count of 0, or an @index
 * that is not page aligned.
 */
#define IOCTL_GNTALLOC_DEALLOC_GREF \
	_IOC(_IOC_NONE, 'G', 6, sizeof(struct ioctl_gntalloc_dealloc_gref))
/**
 * struct ioctl_gntalloc_dealloc_gref - argument of DEALLOC_GREF
 * @index: in, file offset of the first page
 * @count: in, number of pages
 */
struct ioctl_gntalloc_dealloc_gref {
	__u64 index;
	__u32 count;
};

/*
 * IOCTL_GNTALLOC_SET_UNMAP_NOTIFY - act when the page holding @index is
 * released, i.e. deallocated (DEALLOC_GREF, or the file closed) and no
 * longer mapped by any process of ours: clear the byte at @index
 * (UNMAP_NOTIFY_CLEAR_BYTE) and/or signal @event_channel_port
 * (UNMAP_NOTIFY_SEND_EVENT). A second call replaces the first. Errors:
 * ENOENT if the page is not allocated on this file (checked first);
 * EINVAL for unknown action bits or a bad event channel.
 */
#define IOCTL_GNTALLOC_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct ioctl_gntalloc_unmap_notify))
/**
 * struct ioctl_gntalloc_unmap_notify - argument of SET_UNMAP_NOTIFY
 * @index:              in, file offset of a byte within the page
 * @action:             in, UNMAP_NOTIFY_* bits
 * @event_channel_port: in, local event channel for UNMAP_NOTIFY_SEND_EVENT
 */
struct ioctl_gntalloc_unmap_notify {
	__u64 index;
	__u32 action;
	__u32 event_channel_port;
};

/* Action bits of SET_UNMAP_NOTIFY (shared with gntdev.h). */
#define UNMAP_NOTIFY_CLEAR_BYTE 0x1
#define UNMAP_NOTIFY_SEND_EVENT 0x2

#endif /* __LINUX_PUBLIC_GNTALLOC_H__ */
