// SPDX-License-Identifier: GPL-2.0
/*
 * xen-gntcore module glue and statistics.
 *
 * Each user module owns a struct gntcore_stats (static, lives as long as
 * the module) and registers it at load time; the core shows it in debugfs
 * at xen-gnt/<name>/stats until it is unregistered at unload. The debugfs
 * file keeps no pointer beyond that: debugfs_remove_recursive() waits for
 * readers, so unregistering is enough to make the stats unreachable.
 *
 * Locking: the counters are atomics and need none; registration happens
 * only from module init and exit.
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include <linux/workqueue.h>
#include <xen/xen.h>

#include "internal.h"

static const char *const gntcore_stat_names[GNTCORE_STAT_NR] = {
	[GNTCORE_STAT_HYPERCALLS] = "hypercalls",
	[GNTCORE_STAT_BATCHES] = "batches",
	[GNTCORE_STAT_MAP_OPS] = "map_ops",
	[GNTCORE_STAT_UNMAP_OPS] = "unmap_ops",
	[GNTCORE_STAT_COPY_OPS] = "copy_ops",
	[GNTCORE_STAT_MAP_ERRORS] = "map_errors",
	[GNTCORE_STAT_UNMAP_ERRORS] = "unmap_errors",
	[GNTCORE_STAT_LIVE_MAPS] = "live_maps",
	[GNTCORE_STAT_LIVE_GRANTS] = "live_grants",
	[GNTCORE_STAT_LIVE_OBJECTS] = "live_objects",
	[GNTCORE_STAT_PENDING_REVOKE] = "pending_revoke",
	[GNTCORE_STAT_REVOKE_DEFERRED] = "revoke_deferred",
	[GNTCORE_STAT_REVOKE_RETRIES] = "revoke_retries",
	[GNTCORE_STAT_REVOKE_RECLAIMED] = "revoke_reclaimed",
	[GNTCORE_STAT_UNMAP_LATER] = "unmap_later",
};

static struct dentry *gntcore_debugfs_root;

atomic64_t gntcore_core_extra[GNTCORE_X_NR];

static const char *const gntcore_core_extra_names[GNTCORE_X_NR] = {
	[GNTCORE_X_PH_CACHED] = "placeholders_cached",
	[GNTCORE_X_PH_RETURNED] = "placeholders_returned",
};

struct gntcore_stats gntcore_stats = {
	.name = "core",
	.extra = gntcore_core_extra,
	.extra_names = gntcore_core_extra_names,
	.nr_extra = GNTCORE_X_NR,
};

struct workqueue_struct *gntcore_wq;

static int gntcore_stats_show(struct seq_file *m, void *unused)
{
	struct gntcore_stats *st = m->private;
	unsigned int i;

	for (i = 0; i < GNTCORE_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", gntcore_stat_names[i],
			   (long long)atomic64_read(&st->v[i]));
	for (i = 0; i < st->nr_extra; i++)
		seq_printf(m, "%s %lld\n", st->extra_names[i],
			   (long long)atomic64_read(&st->extra[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(gntcore_stats);

/**
 * gntcore_stats_register() - show a module's counters in debugfs
 * @st: the counters, with @st->name set; must outlive the registration
 *
 * Debugfs being unavailable is not an error: the counters still count.
 */
void gntcore_stats_register(struct gntcore_stats *st)
{
	st->dir = debugfs_create_dir(st->name, gntcore_debugfs_root);
	debugfs_create_file("stats", 0400, st->dir, st, &gntcore_stats_fops);
}
EXPORT_SYMBOL_NS_GPL(gntcore_stats_register, XEN_GNTCORE_NS);

/**
 * gntcore_stats_unregister() - remove a module's counters from debugfs
 * @st: counters passed to gntcore_stats_register()
 */
void gntcore_stats_unregister(struct gntcore_stats *st)
{
	debugfs_remove_recursive(st->dir);
	st->dir = NULL;
}
EXPORT_SYMBOL_NS_GPL(gntcore_stats_unregister, XEN_GNTCORE_NS);

static int __init gntcore_init(void)
{
	int ret;

	if (!xen_domain())
		return -ENODEV;

	/* Unmaps may have to finish under memory pressure. */
	gntcore_wq = alloc_workqueue("xen-gntcore", WQ_MEM_RECLAIM, 0);
	if (!gntcore_wq)
		return -ENOMEM;
	gntcore_debugfs_root = debugfs_create_dir("xen-gnt", NULL);
	gntcore_stats_register(&gntcore_stats);
	gntcore_map_debugfs(gntcore_stats.dir);
	gntcore_map_init();

	ret = gntcore_grant_init();
	if (ret) {
		gntcore_map_exit();
		debugfs_remove_recursive(gntcore_debugfs_root);
		destroy_workqueue(gntcore_wq);
		return ret;
	}
	return 0;
}

/*
 * No device module is left, but a work item that released the last one
 * may still be running: destroy_workqueue() waits for it.
 */
static void __exit gntcore_exit(void)
{
	gntcore_map_unloading();
	gntcore_grant_exit();
	gntcore_map_exit();
	destroy_workqueue(gntcore_wq);
	WARN_ONCE(gntcore_map_work_running(),
		  "xen-gntcore: unloaded while a work item runs its code\n");
	debugfs_remove_recursive(gntcore_debugfs_root);
}

module_init(gntcore_init);
module_exit(gntcore_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Xen grant-table core shared by the grant devices");
MODULE_VERSION(XEN_GNT_VERSION);
