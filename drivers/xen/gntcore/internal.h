/* SPDX-License-Identifier: GPL-2.0 */
/* Private declarations shared by the files of xen-gntcore. */
#ifndef _XEN_GNTCORE_INTERNAL_H
#define _XEN_GNTCORE_INTERNAL_H

#include <xen/gntcore.h>

struct dentry;

/* The core's own counters (deferred revocation lives in the core). */
extern struct gntcore_stats gntcore_stats;

/*
 * Every work item of the core runs here, so that the module's exit can
 * wait for them (destroy_workqueue()): a work item may drop the last
 * reference to a device module and go on running the core's code.
 */
extern struct workqueue_struct *gntcore_wq;

/* The core's counters of its own, after the common ones. */
enum gntcore_core_extra {
	GNTCORE_X_PH_CACHED, /* placeholder pages kept now */
	GNTCORE_X_PH_RETURNED, /* placeholder pages given back (all time) */
	GNTCORE_X_NR
};

extern atomic64_t gntcore_core_extra[GNTCORE_X_NR];

int gntcore_grant_init(void);
void gntcore_map_init(void);
void gntcore_grant_exit(void);
void gntcore_map_exit(void);
void gntcore_map_debugfs(struct dentry *dir);
void gntcore_map_unloading(void);
bool gntcore_map_work_running(void);

#endif /* _XEN_GNTCORE_INTERNAL_H */
