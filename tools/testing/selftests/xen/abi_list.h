/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every ABI fact of gntdev.h and gntalloc.h that abi-check compares
 * between xen-gnt's include/uapi/xen headers and the system's
 * /usr/include/xen headers (Linux's uapi, from linux-libc-dev).
 *
 * The includer defines:
 *   XG_VAL(name, expr)  one constant: an ioctl number, a flag, a size
 * and gets, for free:
 *   XG_SIZE(s)          sizeof(struct s)             as size_<s>
 *   XG_FIELD(s, n, m)   offsetof and sizeof of s.m   as off_<s>_<n>, sz_<s>_<n>
 *
 * XG_ABI_DMABUF_LIST holds the dma-buf ioctls, which older system headers
 * lack; abi_gen.c emits HAVE_DMABUF when the header it reads has them.
 *
 * ALLOC_GREF's array has two names since Linux 6.8: gref_ids and, in a
 * union with it, the flexible gref_ids_flex. The Makefile defines
 * XG_GREF_IDS_FLEX as gref_ids_flex for our header (so that it fails to
 * compile without that name) and for a system header that has it, and as
 * gref_ids for an older one: the new name must cover the same bytes.
 */

#define XG_SIZE(s) XG_VAL(size_##s, sizeof(struct s))
#define XG_FIELD(s, n, m) \
	XG_VAL(off_##s##_##n, __builtin_offsetof(struct s, m)) \
	XG_VAL(sz_##s##_##n, sizeof(((struct s *)0)->m))

#define XG_ABI_LIST \
	/* gntdev: ioctl numbers */ \
	XG_VAL(IOCTL_GNTDEV_MAP_GRANT_REF, IOCTL_GNTDEV_MAP_GRANT_REF) \
	XG_VAL(IOCTL_GNTDEV_UNMAP_GRANT_REF, IOCTL_GNTDEV_UNMAP_GRANT_REF) \
	XG_VAL(IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, \
	       IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR) \
	XG_VAL(IOCTL_GNTDEV_SET_MAX_GRANTS, IOCTL_GNTDEV_SET_MAX_GRANTS) \
	XG_VAL(IOCTL_GNTDEV_SET_UNMAP_NOTIFY, IOCTL_GNTDEV_SET_UNMAP_NOTIFY) \
	XG_VAL(IOCTL_GNTDEV_GRANT_COPY, IOCTL_GNTDEV_GRANT_COPY) \
	/* gntdev: structures */ \
	XG_SIZE(ioctl_gntdev_grant_ref) \
	XG_FIELD(ioctl_gntdev_grant_ref, domid, domid) \
	XG_FIELD(ioctl_gntdev_grant_ref, ref, ref) \
	XG_SIZE(ioctl_gntdev_map_grant_ref) \
	XG_FIELD(ioctl_gntdev_map_grant_ref, count, count) \
	XG_FIELD(ioctl_gntdev_map_grant_ref, pad, pad) \
	XG_FIELD(ioctl_gntdev_map_grant_ref, index, index) \
	XG_FIELD(ioctl_gntdev_map_grant_ref, refs, refs) \
	XG_FIELD(ioctl_gntdev_map_grant_ref, refs0_ref, refs[0].ref) \
	XG_SIZE(ioctl_gntdev_unmap_grant_ref) \
	XG_FIELD(ioctl_gntdev_unmap_grant_ref, index, index) \
	XG_FIELD(ioctl_gntdev_unmap_grant_ref, count, count) \
	XG_FIELD(ioctl_gntdev_unmap_grant_ref, pad, pad) \
	XG_SIZE(ioctl_gntdev_get_offset_for_vaddr) \
	XG_FIELD(ioctl_gntdev_get_offset_for_vaddr, vaddr, vaddr) \
	XG_FIELD(ioctl_gntdev_get_offset_for_vaddr, offset, offset) \
	XG_FIELD(ioctl_gntdev_get_offset_for_vaddr, count, count) \
	XG_FIELD(ioctl_gntdev_get_offset_for_vaddr, pad, pad) \
	XG_SIZE(ioctl_gntdev_set_max_grants) \
	XG_FIELD(ioctl_gntdev_set_max_grants, count, count) \
	XG_SIZE(ioctl_gntdev_unmap_notify) \
	XG_FIELD(ioctl_gntdev_unmap_notify, index, index) \
	XG_FIELD(ioctl_gntdev_unmap_notify, action, action) \
	XG_FIELD(ioctl_gntdev_unmap_notify, event_channel_port, \
		 event_channel_port) \
	XG_SIZE(gntdev_grant_copy_segment) \
	XG_FIELD(gntdev_grant_copy_segment, source, source) \
	XG_FIELD(gntdev_grant_copy_segment, source_virt, source.virt) \
	XG_FIELD(gntdev_grant_copy_segment, source_ref, source.foreign.ref) \
	XG_FIELD(gntdev_grant_copy_segment, source_offset, \
		 source.foreign.offset) \
	XG_FIELD(gntdev_grant_copy_segment, source_domid, \
		 source.foreign.domid) \
	XG_FIELD(gntdev_grant_copy_segment, dest, dest) \
	XG_FIELD(gntdev_grant_copy_segment, dest_virt, dest.virt) \
	XG_FIELD(gntdev_grant_copy_segment, dest_ref, dest.foreign.ref) \
	XG_FIELD(gntdev_grant_copy_segment, dest_offset, dest.foreign.offset) \
	XG_FIELD(gntdev_grant_copy_segment, dest_domid, dest.foreign.domid) \
	XG_FIELD(gntdev_grant_copy_segment, len, len) \
	XG_FIELD(gntdev_grant_copy_segment, flags, flags) \
	XG_FIELD(gntdev_grant_copy_segment, status, status) \
	XG_SIZE(ioctl_gntdev_grant_copy) \
	XG_FIELD(ioctl_gntdev_grant_copy, count, count) \
	XG_FIELD(ioctl_gntdev_grant_copy, segments, segments) \
	/* gntalloc: ioctl numbers and flags */ \
	XG_VAL(IOCTL_GNTALLOC_ALLOC_GREF, IOCTL_GNTALLOC_ALLOC_GREF) \
	XG_VAL(IOCTL_GNTALLOC_DEALLOC_GREF, IOCTL_GNTALLOC_DEALLOC_GREF) \
	XG_VAL(IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, \
	       IOCTL_GNTALLOC_SET_UNMAP_NOTIFY) \
	XG_VAL(GNTALLOC_FLAG_WRITABLE, GNTALLOC_FLAG_WRITABLE) \
	/* gntalloc: structures */ \
	XG_SIZE(ioctl_gntalloc_alloc_gref) \
	XG_FIELD(ioctl_gntalloc_alloc_gref, domid, domid) \
	XG_FIELD(ioctl_gntalloc_alloc_gref, flags, flags) \
	XG_FIELD(ioctl_gntalloc_alloc_gref, count, count) \
	XG_FIELD(ioctl_gntalloc_alloc_gref, index, index) \
	XG_FIELD(ioctl_gntalloc_alloc_gref, gref_ids, gref_ids) \
	XG_FIELD(ioctl_gntalloc_alloc_gref, gref_ids0, gref_ids[0]) \
	XG_VAL(off_ioctl_gntalloc_alloc_gref_gref_ids_flex, \
	       __builtin_offsetof(struct ioctl_gntalloc_alloc_gref, \
				  XG_GREF_IDS_FLEX)) \
	XG_VAL(sz_ioctl_gntalloc_alloc_gref_gref_ids_flex0, \
	       sizeof(((struct ioctl_gntalloc_alloc_gref *)0) \
			      ->XG_GREF_IDS_FLEX[0])) \
	XG_SIZE(ioctl_gntalloc_dealloc_gref) \
	XG_FIELD(ioctl_gntalloc_dealloc_gref, index, index) \
	XG_FIELD(ioctl_gntalloc_dealloc_gref, count, count) \
	XG_SIZE(ioctl_gntalloc_unmap_notify) \
	XG_FIELD(ioctl_gntalloc_unmap_notify, index, index) \
	XG_FIELD(ioctl_gntalloc_unmap_notify, action, action) \
	XG_FIELD(ioctl_gntalloc_unmap_notify, event_channel_port, \
		 event_channel_port) \
	/* shared action bits (defined by both headers) */ \
	XG_VAL(UNMAP_NOTIFY_CLEAR_BYTE, UNMAP_NOTIFY_CLEAR_BYTE) \
	XG_VAL(UNMAP_NOTIFY_SEND_EVENT, UNMAP_NOTIFY_SEND_EVENT)

#define XG_ABI_DMABUF_LIST \
	XG_VAL(GNTDEV_DMA_FLAG_WC, GNTDEV_DMA_FLAG_WC) \
	XG_VAL(GNTDEV_DMA_FLAG_COHERENT, GNTDEV_DMA_FLAG_COHERENT) \
	XG_VAL(IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, \
	       IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS) \
	XG_VAL(IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED, \
	       IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED) \
	XG_VAL(IOCTL_GNTDEV_DMABUF_IMP_TO_REFS, \
	       IOCTL_GNTDEV_DMABUF_IMP_TO_REFS) \
	XG_VAL(IOCTL_GNTDEV_DMABUF_IMP_RELEASE, \
	       IOCTL_GNTDEV_DMABUF_IMP_RELEASE) \
	XG_SIZE(ioctl_gntdev_dmabuf_exp_from_refs) \
	XG_FIELD(ioctl_gntdev_dmabuf_exp_from_refs, flags, flags) \
	XG_FIELD(ioctl_gntdev_dmabuf_exp_from_refs, count, count) \
	XG_FIELD(ioctl_gntdev_dmabuf_exp_from_refs, fd, fd) \
	XG_FIELD(ioctl_gntdev_dmabuf_exp_from_refs, domid, domid) \
	XG_FIELD(ioctl_gntdev_dmabuf_exp_from_refs, refs, refs) \
	XG_SIZE(ioctl_gntdev_dmabuf_exp_wait_released) \
	XG_FIELD(ioctl_gntdev_dmabuf_exp_wait_released, fd, fd) \
	XG_FIELD(ioctl_gntdev_dmabuf_exp_wait_released, wait_to_ms, \
		 wait_to_ms) \
	XG_SIZE(ioctl_gntdev_dmabuf_imp_to_refs) \
	XG_FIELD(ioctl_gntdev_dmabuf_imp_to_refs, fd, fd) \
	XG_FIELD(ioctl_gntdev_dmabuf_imp_to_refs, count, count) \
	XG_FIELD(ioctl_gntdev_dmabuf_imp_to_refs, domid, domid) \
	XG_FIELD(ioctl_gntdev_dmabuf_imp_to_refs, reserved, reserved) \
	XG_FIELD(ioctl_gntdev_dmabuf_imp_to_refs, refs, refs) \
	XG_SIZE(ioctl_gntdev_dmabuf_imp_release) \
	XG_FIELD(ioctl_gntdev_dmabuf_imp_release, fd, fd) \
	XG_FIELD(ioctl_gntdev_dmabuf_imp_release, reserved, reserved)
