/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol between the dom0 peer tests (cross_domain_test,
 * peer_destroy_test, unload_handoff_test) and xen_gnt_peer (the agent, in
 * a PV domU), over xenstore.
 *
 * The agent owns XG_PEER_DIR (/local/domain/<domU>/data/xen-gnt-peer; a
 * guest may write its own data/ subtree, dom0 may write anywhere):
 *   ready  written last at start-up: "<pid>"; removed at exit
 *   req    written by dom0: "<id> <verb> <args...>"
 *   resp   written by the agent: "<id> ok [<result...>]"
 *                            or "<id> err <text>"
 * One request at a time. <id> is a decimal number chosen by dom0, new for
 * every request; the agent answers each <id> once (it watches req, and
 * re-reads it every XG_PEER_POLL_MS in case a watch event is lost), and
 * dom0 waits for a resp that starts with its <id>.
 *
 * Numbers are decimal. A "handle" names one thing the agent holds:
 *   alloc DOMID N SEED FLAGS   gntalloc N pages granted to DOMID with
 *                              FLAGS (GNTALLOC_FLAG_*), mmap()ed, filled
 *                              with xg_fill(SEED) over all N pages
 *                              -> "H GREF1 ... GREFN"
 *   map DOMID SEED RW GREF...  gntdev map of DOMID's grants, mmap()ed
 *                              read-write if RW is 1; if SEED is not -1
 *                              the pages must hold xg_fill(SEED) -> "H"
 *   check H SEED               the pages hold xg_fill(SEED)
 *   fill H SEED                write xg_fill(SEED) into the pages
 *   peek H POS                 -> "BYTE" at byte POS of the pages
 *   poke H POS BYTE            write BYTE at byte POS
 *   notify H POS ACTION PORT   SET_UNMAP_NOTIFY on byte POS (ACTION:
 *                              UNMAP_NOTIFY_* bits); for SEND_EVENT the
 *                              agent binds an event channel to port PORT
 *                              of domain 0 and uses its own end
 *   release H                  munmap, then UNMAP_GRANT_REF (map) or
 *                              DEALLOC_GREF (alloc), then close
 *   reset                      release every handle
 *   quit                       release every handle and exit
 * For unload_handoff_test, which unloads the grant modules of the domU
 * under dom0's mappings:
 *   unload                     release every handle, close every device
 *                              file, then delete_module(O_NONBLOCK) of
 *                              xen_gntalloc, xen_gntdev, xen_gntcore in
 *                              that order -> "pending_revoke=P
 *                              xen_gntalloc=R xen_gntdev=R xen_gntcore=R
 *                              handed=K": P the sum of pending_revoke in
 *                              xen-gnt's debugfs stats just before (-1:
 *                              none, the in-tree modules); R 0 (unloaded),
 *                              -errno, or "absent" (not a loaded module);
 *                              K the count in the core's exit message
 *                              "K granted pages still mapped by their
 *                              peers, ..." logged during the unload (-1:
 *                              no such message)
 *   reload                     run the command in $XEN_GNT_PEER_RELOAD
 *                              (the domU's init sets it), which loads the
 *                              grant modules again; err if it fails
 *   unload_race N MS           N rounds of: set the core's debugfs
 *                              work_put_delay_ms to MS, map a page of our
 *                              own whose unmap a work item of the core
 *                              finishes (alternately: request allocation
 *                              failing, a pipe holding the page), then
 *                              unload the grant modules at once (retried
 *                              only while in use) and run the reload
 *                              command -> "rounds=N"; err at the first
 *                              step that fails
 *   scribble                   write over 3/4 of the domU's available
 *                              memory (MemAvailable), at most 64 MiB, in
 *                              a memfd, then free it: a page freed while
 *                              still granted would very likely be
 *                              overwritten -> "MIB"
 *   klog                       count kernel log lines (/dev/kmsg, all of
 *                              it) -> "leaking=L still_pending=S bad=B":
 *                              L containing "leaking" (any case), S
 *                              "still pending" or "still maps granted"
 *                              (a peer holding a page for long), B "BUG:",
 *                              "WARNING:", "Oops", "general protection" or
 *                              "Call Trace"; each such line is logged
 * The agent also exits, releasing everything, on SIGTERM or SIGINT.
 */
#ifndef XEN_GNT_PEER_H
#define XEN_GNT_PEER_H

#define XG_PEER_DIR_FMT "/local/domain/%u/data/xen-gnt-peer"
#define XG_PEER_READY "ready"
#define XG_PEER_REQ "req"
#define XG_PEER_RESP "resp"

/* The environment variable naming the command of "reload". */
#define XG_PEER_RELOAD_ENV "XEN_GNT_PEER_RELOAD"

/* The agent re-reads req this often even without a watch event. */
#define XG_PEER_POLL_MS 200

/* At most this many grants in one request (xenstore values are small). */
#define XG_PEER_MAX_GRANTS 256

/* At most this many handles held at once. */
#define XG_PEER_MAX_HANDLES 64

#endif /* XEN_GNT_PEER_H */
