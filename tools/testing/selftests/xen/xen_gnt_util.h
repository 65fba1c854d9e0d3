/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the xen-gnt selftests: the devices, our domain id, the
 * self-grant loopback (gntalloc grants pages to our own domain, gntdev
 * maps them back), event channel loopback, xen-gnt's debugfs statistics.
 *
 * Every ioctl wrapper returns 0 or a negative errno, so that a test reads
 * ASSERT_EQ(-EINVAL, xg_gntdev_map(...)).
 */
#ifndef XEN_GNT_UTIL_H
#define XEN_GNT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>

/* Linux's uapi gntdev.h uses these Xen types without defining them. */
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;

/* The project's include/uapi comes first on the include path. */
#include <xen/gntalloc.h>
#include <xen/gntdev.h>

#define XG_GNTDEV "/dev/xen/gntdev"
#define XG_GNTALLOC "/dev/xen/gntalloc"
#define XG_EVTCHN "/dev/xen/evtchn"

/* Xen's page size; the grant ABI is in 4 KiB pages on x86. */
#define XG_PAGE 4096UL

/* From Xen's public grant_table.h (GNTCOPY_*, GNTST_*). */
#define XG_GNTCOPY_SOURCE_GREF 0x1
#define XG_GNTCOPY_DEST_GREF 0x2
#define XG_GNTST_OKAY 0
#define XG_GNTST_BAD_DOMAIN (-2)
#define XG_GNTST_BAD_GNTREF (-3)

/* A grant reference no grant table has: Xen answers GNTST_bad_gntref. */
#define XG_BAD_GREF 0xfffffff0u

/* Set in the environment of the dom0 run: the domid of the PV domU. */
#define XG_PEER_ENV "XEN_GNT_PEER_DOMID"

/* --- which driver ------------------------------------------------------ */

/* True when xen-gnt's modules are loaded (its core module is present). */
bool xg_is_ours(void);

/* /sys/module/<module>/parameters/<param> as a number, or -errno. */
long long xg_module_param(const char *module, const char *param);

/* "PV", "HVM", "PVH" from /sys/hypervisor/guest_type, or NULL. */
const char *xg_guest_type(void);

/* "MemAvailable:" of /proc/meminfo in KiB, or -1. */
long long xg_mem_available_kib(void);

/* --- who we are -------------------------------------------------------- */

/*
 * Our domain id: $XEN_GNT_SELF_DOMID, else 0 in dom0 ($XEN_GNT_PEER_DOMID
 * set, or control_d in /proc/xen/capabilities), else xenstore "domid"
 * (libxenstore where linked, else the xenbus device directly).
 * Returns the domid or -errno.
 */
int xg_self_domid(void);

/* Parses a domain id in decimal, 0 to 0x7fef: the id, or -EINVAL. */
int xg_parse_domid(const char *s);

/* Reads a xenstore node through /dev/xen/xenbus (no libxenstore). */
int xg_xenbus_read(const char *path, char *buf, size_t len);

/* --- devices ----------------------------------------------------------- */

/* open(O_RDWR | O_CLOEXEC): fd or -errno. */
int xg_open(const char *path);

int xg_gntalloc_alloc(int fd, domid_t domid, uint16_t flags, uint32_t count,
		      uint64_t *index, uint32_t *grefs);
int xg_gntalloc_dealloc(int fd, uint64_t index, uint32_t count);
int xg_gntalloc_notify(int fd, uint64_t index, uint32_t action,
		       uint32_t port);

/* Maps @count grants of one domain. */
int xg_gntdev_map(int fd, domid_t domid, uint32_t count,
		  const uint32_t *refs, uint64_t *index);
int xg_gntdev_unmap(int fd, uint64_t index, uint32_t count);
int xg_gntdev_offset(int fd, const void *vaddr, uint64_t *offset,
		     uint32_t *count);
int xg_gntdev_notify(int fd, uint64_t index, uint32_t action, uint32_t port);
int xg_gntdev_set_max(int fd, uint32_t count);
int xg_gntdev_copy(int fd, struct gntdev_grant_copy_segment *segs,
		   unsigned int count);

/*
 * The dma-buf ioctls: 0 or -errno. xg_dmabuf_exp() exports @count grants
 * of @domid with @flags into a new dma-buf, *@fd; @refs may be NULL for
 * a call meant to fail before reading them. xg_dmabuf_imp() grants the
 * @count pages of dma-buf @fd to @domid, their references into @refs
 * (may be NULL). xg_dmabuf_wait() waits up to @ms for export @fd to be
 * released.
 */
int xg_dmabuf_exp(int dev, domid_t domid, uint32_t flags, uint32_t count,
		  const uint32_t *refs, int *fd);
int xg_dmabuf_imp(int dev, int fd, domid_t domid, uint32_t count,
		  uint32_t *refs);
int xg_dmabuf_imp_release(int dev, int fd);
int xg_dmabuf_wait(int dev, int fd, uint32_t ms);

/*
 * Fill one GRANT_COPY segment: @len bytes from grant @ref of @domid at
 * @off to local @dst, or (xg_seg_to_gref) from local @src to that grant.
 * The status is preset to a value the driver must overwrite.
 */
void xg_seg_from_gref(struct gntdev_grant_copy_segment *s, domid_t domid,
		      uint32_t ref, uint16_t off, void *dst, uint16_t len);
void xg_seg_to_gref(struct gntdev_grant_copy_segment *s, void *src,
		    domid_t domid, uint32_t ref, uint16_t off, uint16_t len);

/* mmap(NULL, pages, prot, flags, fd, index): the address or NULL (errno). */
void *xg_mmap(int fd, uint64_t index, uint32_t pages, int prot, int flags);

/* A raw ioctl: 0 / positive result, or -errno. */
long xg_ioctl(int fd, unsigned long cmd, void *arg);

/* --- the self-grant loopback -------------------------------------------- */

/*
 * @count pages that gntalloc grants, writable, to our own domain, mapped
 * through gntalloc at @apage (MAP_SHARED, read-write), and gntdev open to
 * map them back: the set-up of every test that needs grants and has one
 * domain only.
 */
struct xg_selfgrant {
	int dev; /* /dev/xen/gntdev, or -1 */
	int alloc; /* /dev/xen/gntalloc, or -1 */
	domid_t domid; /* our domain */
	uint32_t count; /* pages */
	uint64_t aidx; /* gntalloc's index of the pages */
	uint32_t *grefs; /* their grant references, @count of them */
	uint8_t *apage; /* gntalloc's mapping of the pages, or NULL */
	const char *step; /* after a failure: the step that failed */
	bool skip; /* after a failure: nothing to test here */
};

/*
 * Sets up @sg with @count pages. Returns 0, or -errno with @sg->step
 * naming the step that failed and everything undone (xg_selfgrant_close()
 * is still allowed). @sg->skip is set when the failure means the domain
 * has nothing to test (a device missing: ENOENT, ENODEV, ENXIO; or our
 * domid unknown) rather than a fault; a fixture then SKIPs, else fails:
 *
 *	rc = xg_selfgrant_open(&self->sg, N);
 *	if (rc && self->sg.skip)
 *		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
 *	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
 */
int xg_selfgrant_open(struct xg_selfgrant *sg, uint32_t count);
/* Unmaps, closes and frees what @sg holds; may be called again. */
void xg_selfgrant_close(struct xg_selfgrant *sg);

/* --- event channels ---------------------------------------------------- */

/*
 * Two ports of one /dev/xen/evtchn file joined to each other: notifying
 * @send makes @recv pending (readable from @fd). @self is our domid.
 */
struct xg_evtchn_pair {
	int fd;
	uint32_t recv;
	uint32_t send;
};

int xg_evtchn_pair_open(struct xg_evtchn_pair *p, domid_t self);
void xg_evtchn_pair_close(struct xg_evtchn_pair *p);

/* An unbound port of @fd that domain @remote may bind to: port or -errno. */
int xg_evtchn_unbound(int fd, domid_t remote);
/* Binds to @remote's @port: our port or -errno. */
int xg_evtchn_bind(int fd, domid_t remote, uint32_t port);

/* Waits until @port fires on @fd (and unmasks it): 0, or -ETIMEDOUT. */
int xg_evtchn_wait(int fd, uint32_t port, int timeout_ms);

/* --- xen-gnt statistics (debugfs) -------------------------------------- */

/*
 * Sum of the values of every key starting with @prefix ("live_",
 * "pending_") in every /sys/kernel/debug/xen-gnt/<module>/stats (mounting
 * debugfs if needed). Returns 0 and sets *sum, or -errno (-ENOENT: no
 * stats files).
 */
int xg_stats_sum(const char *prefix, long long *sum);

/*
 * Polls xg_stats_sum(@prefix) until it is <= @limit, for @timeout_ms.
 * Returns 0 when it got there, -ETIMEDOUT (with *last set) or -errno.
 */
int xg_stats_wait_le(const char *prefix, long long limit, int timeout_ms,
		     long long *last);

/*
 * A number in a file of xen-gnt's debugfs directory (@name relative to
 * /sys/kernel/debug/xen-gnt, e.g. "core/fail_unmap_alloc"): read into *v,
 * or written. 0 or -errno (-ENOENT: no such file, as with in-tree modules).
 */
int xg_debugfs_get(const char *name, long long *v);
int xg_debugfs_set(const char *name, long long v);

/* Whether the kernel has warned since boot (taint flag W). */
bool xg_kernel_warned(void);

/* --- grants seen from outside -------------------------------------------- */

/*
 * Whether grant @gref of domain @domid is still in force, asked with a
 * one-byte GRANT_COPY from it on gntdev file @fd: 1 (the copy worked),
 * 0 (Xen refused it: revoked, or never granted to us), or -errno.
 */
int xg_grant_alive(int fd, domid_t domid, uint32_t gref);

/*
 * Polls xg_grant_alive() on each of @grefs until none is in force, for up
 * to @timeout_ms. Returns 0 once all are gone, -ETIMEDOUT (with *@alive
 * set to the index of one still in force) or -errno.
 */
int xg_grants_wait_gone(int fd, domid_t domid, const uint32_t *grefs,
			unsigned int n, int timeout_ms, unsigned int *alive);

/*
 * Allocates on a new gntalloc file, in chunks, @count pages granted to
 * @domid, then asks for one page more. Returns 0 when the @count pages
 * were allocated and the one more was refused with ENOSPC, else -errno of
 * the call that went wrong (-EOVERFLOW: the one more was granted). The
 * file is closed before returning, so nothing stays allocated.
 */
int xg_gntalloc_fill_exactly(domid_t domid, uint32_t count);

/* --- data -------------------------------------------------------------- */

/* A byte pattern that differs by @seed and by position. */
uint8_t xg_pattern(uint32_t seed, size_t pos);
void xg_fill(void *buf, size_t len, uint32_t seed);
/* -1 when @buf holds the pattern, else the first wrong position. */
long xg_check(const void *buf, size_t len, uint32_t seed);

/* Sleeps @ms milliseconds. */
/* CLOCK_MONOTONIC in milliseconds. */
long long xg_now_ms(void);
void xg_msleep(int ms);

/* Polls until *@p == @want, for up to @timeout_ms: true when seen. */
bool xg_wait_byte(volatile const uint8_t *p, uint8_t want, int timeout_ms);

#endif /* XEN_GNT_UTIL_H */
