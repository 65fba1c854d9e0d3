// SPDX-License-Identifier: GPL-2.0
/*
 * placeholder_test - xen-gntcore's cache of placeholder pages gives its
 * pages back when it is not used: on memory pressure (its shrinker, run
 * here by writing 2 to /proc/sys/vm/drop_caches) and after
 * placeholder_idle_ms without use. Its debugfs counters
 * placeholders_cached and placeholders_returned show it. The in-tree
 * modules keep no such cache: SKIP there.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE
#define N 256
#define IDLE_PARAM "/sys/module/xen_gntcore/parameters/placeholder_idle_ms"

FIXTURE(ph) {
	struct xg_selfgrant sg;
	long long idle_ms;
};

FIXTURE_SETUP(ph)
{
	int rc;

	self->idle_ms = -1;
	if (!xg_is_ours())
		SKIP(return, "in-tree modules: no placeholder cache to drain");
	self->idle_ms = xg_module_param("xen_gntcore", "placeholder_idle_ms");
	ASSERT_LE(0, self->idle_ms) TH_LOG("no placeholder_idle_ms parameter");
	rc = xg_selfgrant_open(&self->sg, N);
	if (rc && self->sg.skip)
		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
}

static int write_num(const char *path, long long v)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "%lld\n", v);
	return fclose(f) ? -errno : 0;
}

FIXTURE_TEARDOWN(ph)
{
	xg_selfgrant_close(&self->sg);
	if (self->idle_ms >= 0)
		write_num(IDLE_PARAM, self->idle_ms);
}

/* Map the N grants, touch them, unmap: the placeholders go to the cache. */
static void map_cycle(struct __test_metadata *_metadata,
		      FIXTURE_DATA(ph) *self)
{
	uint64_t index;
	uint8_t *g;
	int dev, i;

	dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xg_gntdev_map(dev, self->sg.domid, N, self->sg.grefs,
				   &index));
	g = xg_mmap(dev, index, N, PROT_READ | PROT_WRITE, MAP_SHARED);
	ASSERT_NE(NULL, g) TH_LOG("mmap: %s", strerror(errno));
	for (i = 0; i < N; i++)
		g[i * PG] ^= 1;
	EXPECT_EQ(0, munmap(g, N * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(dev, index, N));
	close(dev);
}

static long long cached(struct __test_metadata *_metadata)
{
	long long v = -1;

	EXPECT_EQ(0, xg_stats_sum("placeholders_cached", &v));
	return v;
}

/* Polls placeholders_cached until it is 0; its last value. */
static long long wait_drained(struct __test_metadata *_metadata, int ms)
{
	long long v = -1;
	int rc = xg_stats_wait_le("placeholders_cached", 0, ms, &v);

	EXPECT_EQ(0, rc) TH_LOG("placeholders_cached still %lld after %d ms", v,
				ms);
	return rc ? v : 0;
}

TEST_F(ph, shrinker_drains_cache_improved)
{
	long long before = -1, after = -1;

	/* The idle time-out out of the way: only the shrinker drains. */
	ASSERT_EQ(0, write_num(IDLE_PARAM, 3600000));
	map_cycle(_metadata, self);
	EXPECT_LE(N, cached(_metadata));
	ASSERT_EQ(0, xg_stats_sum("placeholders_returned", &before));
	ASSERT_EQ(0, write_num("/proc/sys/vm/drop_caches", 2));
	EXPECT_EQ(0, wait_drained(_metadata, 10000));
	ASSERT_EQ(0, xg_stats_sum("placeholders_returned", &after));
	EXPECT_LE(before + N, after);
}

TEST_F(ph, idle_cache_drains_improved)
{
	ASSERT_EQ(0, write_num(IDLE_PARAM, 200));
	map_cycle(_metadata, self);
	/* 200 ms idle, then the trim work's next pass. */
	EXPECT_EQ(0, wait_drained(_metadata, 10000));
}

TEST_HARNESS_MAIN
