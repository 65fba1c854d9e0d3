/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * Userspace interface of /dev/xen/gntdev: map pages granted by another
 * Xen domain into the calling process.
 *
 * This header is xen-gnt's own. Its ABI (ioctl numbers, structure sizes
 * and field offsets) is identical to Linux's own uapi header of the same name so
 * that libxengnttab and every other existing client work unchanged; a test
 * in tools/testing/selftests/xen asserts this against the system header.
 *
 * As in Linux, user space must define grant_ref_t (uint32_t) and domid_t
 * (uint16_t) before including this header.
 */

#ifndef __LINUX_PUBLIC_GNTDEV_H__
#define __LINUX_PUBLIC_GNTDEV_H__

#include <linux/types.h>

/**
 * struct ioctl_gntdev_grant_ref - one grant to map
 * @domid: domain that issued the grant
 * @ref:   grant reference within that domain's grant table
 */
struct ioctl_gntdev_grant_ref {
	__u32 domid;
	__u32 ref;
};

/*
 * IOCTL_GNTDEV_MAP_GRANT_REF - reserve a file range for a set of grants.
 *
 * Records @count grants and returns in @index the file offset at which
 * they must be mmap()ed (MAP_SHARED, or MAP_PRIVATE without PROT_WRITE;
 * length @count pages). No hypercall is made here: the grants are mapped,
 * in one batch, by mmap(). The range stays reserved until
 * IOCTL_GNTDEV_UNMAP_GRANT_REF and the last munmap().
 *
 * Errors: EINVAL if @count is 0 or above the per-call limit (module
 * parameter "limit"), or a domid is reserved (>= DOMID_FIRST_RESERVED);
 * ENOSPC if the file's grant cap (IOCTL_GNTDEV_SET_MAX_GRANTS) would be
 * exceeded or its offset space is full; ENOMEM; EFAULT.
 */
#define IOCTL_GNTDEV_MAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 0, sizeof(struct ioctl_gntdev_map_grant_ref))
/**
 * struct ioctl_gntdev_map_grant_ref - argument of IOCTL_GNTDEV_MAP_GRANT_REF
 * @count: in, number of entries in @refs
 * @pad:   reserved
 * @index: out, file offset to pass to mmap()
 * @refs:  in, @count grants (the array really holds @count entries)
 */
struct ioctl_gntdev_map_grant_ref {
	__u32 count;
	__u32 pad;
	__u64 index;
	struct ioctl_gntdev_grant_ref refs[1];
};

/*
 * IOCTL_GNTDEV_UNMAP_GRANT_REF - release a range reserved by MAP_GRANT_REF.
 *
 * The file stops referring to the range; pages still mmap()ed stay
 * mapped until munmap(). As in Linux, a @count of 0 matches the range
 * starting at @index whatever its size. Errors: EINVAL if @index is not
 * page aligned; ENOENT if no range starts at @index with @count pages.
 */
#define IOCTL_GNTDEV_UNMAP_GRANT_REF \
	_IOC(_IOC_NONE, 'G', 1, sizeof(struct ioctl_gntdev_unmap_grant_ref))
/**
 * struct ioctl_gntdev_unmap_grant_ref - argument of UNMAP_GRANT_REF
 * @index: in, offset returned by MAP_GRANT_REF
 * @count: in, number of pages in that range
 * @pad:   reserved
 */
struct ioctl_gntdev_unmap_grant_ref {
	__u64 index;
	__u32 count;
	__u32 pad;
};

/*
 * IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR - find the range behind a mapping.
 *
 * @vaddr may be any address inside a mapping; the answer is the whole
 * range the mapping was made from (even after a partial munmap()).
 * Errors: EINVAL unless @vaddr lies in a gntdev mapping of this file.
 */
#define IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR \
	_IOC(_IOC_NONE, 'G', 2,           \
	     sizeof(struct ioctl_gntdev_get_offset_for_vaddr))
/**
 * struct ioctl_gntdev_get_offset_for_vaddr - argument of GET_OFFSET_FOR_VADDR
 * @vaddr:  in, start address of a mapping made by mmap() on this file
 * @offset: out, the file offset that mapping was made at
 * @count:  out, number of pages in the mapping
 * @pad:    reserved
 */
struct ioctl_gntdev_get_offset_for_vaddr {
	__u64 vaddr;
	__u64 offset;
	__u32 count;
	__u32 pad;
};

/*
 * IOCTL_GNTDEV_SET_MAX_GRANTS - cap the number of grants this file may
 * have reserved at once (no cap until set). Errors: EINVAL if @count is
 * 0; EBUSY if more grants than @count are already reserved. Linux's
 * in-tree driver answers ENOTTY to every call, and libxengnttab's
 * xengnttab_set_max_grants() turns ENOTTY alone into success: our
 * EINVAL and EBUSY reach its caller, where in-tree's ENOTTY was ignored.
 */
#define IOCTL_GNTDEV_SET_MAX_GRANTS \
	_IOC(_IOC_NONE, 'G', 3, sizeof(struct ioctl_gntdev_set_max_grants))
/**
 * struct ioctl_gntdev_set_max_grants - argument of SET_MAX_GRANTS
 * @count: in, maximum number of grants reserved at once on this file
 */
struct ioctl_gntdev_set_max_grants {
	__u32 count;
};

/*
 * IOCTL_GNTDEV_SET_UNMAP_NOTIFY - act when a range is finally torn down.
 *
 * When the grants of the range holding @index are unmapped for the last
 * time (munmap, UNMAP_GRANT_REF, or the process exiting), the driver
 * clears the byte at @index (UNMAP_NOTIFY_CLEAR_BYTE, writable maps only)
 * and/or signals @event_channel_port (UNMAP_NOTIFY_SEND_EVENT). A second
 * call replaces the first. Errors: EINVAL for unknown action bits, a
 * CLEAR_BYTE on a read-only range, or a bad event channel; ENOENT if
 * @index lies in no range.
 */
#define IOCTL_GNTDEV_SET_UNMAP_NOTIFY \
	_IOC(_IOC_NONE, 'G', 7, sizeof(struct ioctl_gntdev_unmap_notify))
/**
 * struct ioctl_gntdev_unmap_notify - argument of SET_UNMAP_NOTIFY
 * @index:              in, file offset of a byte within the range
 * @action:             in, UNMAP_NOTIFY_* bits
 * @event_channel_port: in, local event channel for UNMAP_NOTIFY_SEND_EVENT
 */
struct ioctl_gntdev_unmap_notify {
	__u64 index;
	__u32 action;
	__u32 event_channel_port;
};

/**
 * struct gntdev_grant_copy_segment - one copy of GRANT_COPY
 * @source: where to read: @source.virt (a user address) when @flags has
 *          no GNTCOPY_source_gref, else @source.foreign
 * @dest:   where to write, likewise with GNTCOPY_dest_gref
 * @len:    bytes to copy; a grant side must not cross its page
 * @flags:  GNTCOPY_* bits (from Xen's grant_table.h)
 * @status: out, GNTST_* result of this segment
 */
struct gntdev_grant_copy_segment {
	union {
		void *virt;
		struct {
			grant_ref_t ref;
			__u16 offset;
			domid_t domid;
		} foreign;
	} source, dest;
	__u16 len;
	__u16 flags;
	__s16 status;
};

/*
 * IOCTL_GNTDEV_GRANT_COPY - copy between local memory and foreign grants.
 *
 * Each segment gets its own status. The ioctl stops with EINVAL at a
 * segment that has both sides local, a grant side crossing a page or
 * unknown flags; with EFAULT on a bad user buffer; with EINTR when the
 * process is killed; ENOMEM. The statuses of the segments processed
 * before are still written back.
 */
#define IOCTL_GNTDEV_GRANT_COPY \
	_IOC(_IOC_NONE, 'G', 8, sizeof(struct ioctl_gntdev_grant_copy))
/**
 * struct ioctl_gntdev_grant_copy - argument of GRANT_COPY
 * @count:    in, number of segments
 * @segments: in/out, the segments; their @status fields are written
 */
struct ioctl_gntdev_grant_copy {
	unsigned int count;
	struct gntdev_grant_copy_segment *segments;
};

/* Action bits of SET_UNMAP_NOTIFY. */
#define UNMAP_NOTIFY_CLEAR_BYTE 0x1
#define UNMAP_NOTIFY_SEND_EVENT 0x2

/*
 * The dma-buf ioctls (numbers 9 to 12) are part of Linux's ABI, where
 * they exist only with CONFIG_XEN_GNTDEV_DMABUF (ENOTTY otherwise, as in
 * Debian's kernels). xen-gnt has them wherever the kernel has dma-buf;
 * GNTDEV_DMA_FLAG_WC and GNTDEV_DMA_FLAG_COHERENT are refused with
 * EOPNOTSUPP there (see Documentation/userspace-api.rst).
 */
#define GNTDEV_DMA_FLAG_WC (1 << 0)
#define GNTDEV_DMA_FLAG_COHERENT (1 << 1)

#define IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS \
	_IOC(_IOC_NONE, 'G', 9,           \
	     sizeof(struct ioctl_gntdev_dmabuf_exp_from_refs))
/**
 * struct ioctl_gntdev_dmabuf_exp_from_refs - export grants as a dma-buf
 * @flags:  in, GNTDEV_DMA_FLAG_* bits
 * @count:  in, number of entries in @refs
 * @fd:     out, the dma-buf's file descriptor
 * @domid:  in, domain that issued the grants
 * @refs:   in, @count grant references
 */
struct ioctl_gntdev_dmabuf_exp_from_refs {
	__u32 flags;
	__u32 count;
	__u32 fd;
	__u32 domid;
	__u32 refs[1];
};

#define IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED \
	_IOC(_IOC_NONE, 'G', 10,              \
	     sizeof(struct ioctl_gntdev_dmabuf_exp_wait_released))
/**
 * struct ioctl_gntdev_dmabuf_exp_wait_released - wait for a dma-buf
 * @fd:         in, dma-buf file descriptor
 * @wait_to_ms: in, time-out in milliseconds
 */
struct ioctl_gntdev_dmabuf_exp_wait_released {
	__u32 fd;
	__u32 wait_to_ms;
};

#define IOCTL_GNTDEV_DMABUF_IMP_TO_REFS \
	_IOC(_IOC_NONE, 'G', 11, sizeof(struct ioctl_gntdev_dmabuf_imp_to_refs))
/**
 * struct ioctl_gntdev_dmabuf_imp_to_refs - grant a dma-buf's pages
 * @fd:    in, dma-buf file descriptor
 * @count: in, number of entries in @refs
 * @domid: in, domain to grant to
 * @reserved: reserved
 * @refs:  out, @count grant references
 */
struct ioctl_gntdev_dmabuf_imp_to_refs {
	__u32 fd;
	__u32 count;
	__u32 domid;
	__u32 reserved;
	__u32 refs[1];
};

#define IOCTL_GNTDEV_DMABUF_IMP_RELEASE \
	_IOC(_IOC_NONE, 'G', 12, sizeof(struct ioctl_gntdev_dmabuf_imp_release))
/**
 * struct ioctl_gntdev_dmabuf_imp_release - release an imported dma-buf
 * @fd:       in, dma-buf file descriptor
 * @reserved: reserved
 */
struct ioctl_gntdev_dmabuf_imp_release {
	__u32 fd;
	__u32 reserved;
};

#endif /* __LINUX_PUBLIC_GNTDEV_H__ */
