/* SPDX-License-Identifier: GPL-2.0 */
/* Private declarations shared by the files of xen-gntcore. */
#ifndef _XEN_GNTCORE_INTERNAL_H
#define _XEN_GNTCORE_INTERNAL_H

#include <xen/gntcore.h>

struct dentry;

/* The core's own counters (deferred revocation lives in the core). */
extern struct gntcore_stats gntcore_stats;

int gntcore_grant_init(void);
void gntcore_grant_exit(void);
void gntcore_map_exit(void);
void gntcore_map_debugfs(struct dentry *dir);

#endif /* _XEN_GNTCORE_INTERNAL_H */
