// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_test - gntdev's dma-buf ioctls (numbers 9 to 12): EXP_FROM_REFS,
 * EXP_WAIT_RELEASED, IMP_TO_REFS, IMP_RELEASE.
 *
 * One domain is enough. gntalloc grants pages to our own domain; gntdev
 * exports those grants as a dma-buf; a second gntdev file imports the
 * dma-buf and grants its pages, again to ourselves; and those grants,
 * mapped with MAP_GRANT_REF, must show the gntalloc pages' data, both
 * ways. udmabuf, where the kernel has it, is an exporter that is not
 * ours.
 *
 * Linux's in-tree gntdev has these ioctls only when built with
 * CONFIG_XEN_GNTDEV_DMABUF, which Debian's kernels are not: it answers
 * ENOTTY, and every test here then SKIPs and says so.
 *
 * After each test the files are closed and xen-gnt's live_* counters
 * (live_dmabuf_exports and live_dmabuf_imports among them) must be back
 * where they were, and the kernel must not have warned.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/udmabuf.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE
enum { NP = 4 };

/* How long the driver gets to finish deferred work (revokes, unmaps). */
#define SETTLE_MS 10000

/* A sum of xen-gnt counters by key prefix, or -1 without our modules. */
static long long stat_sum(const char *prefix)
{
	long long v;

	return xg_stats_sum(prefix, &v) ? -1 : v;
}

FIXTURE(dmabuf)
{
	struct xg_selfgrant sg; /* NP pages gntalloc grants to ourselves */
	int imp; /* a second gntdev file, the importer */
	bool stats, warned0;
	long long live0, pend0;
};

FIXTURE_SETUP(dmabuf)
{
	int rc, fd;

	self->imp = -1;
	rc = xg_selfgrant_open(&self->sg, NP);
	if (rc && self->sg.skip)
		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
	/* A count of 0 is refused by a driver with dma-buf, after the cmd. */
	rc = xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, 0, NULL, &fd);
	if (rc == -ENOTTY)
		SKIP(return,
			   "gntdev has no dma-buf ioctls (ENOTTY): Linux's in-tree driver without CONFIG_XEN_GNTDEV_DMABUF, as Debian builds it");
	ASSERT_EQ(-EINVAL, rc);
	self->imp = xg_open(XG_GNTDEV);
	ASSERT_LE(0, self->imp);
	self->warned0 = xg_kernel_warned();
	self->stats = xg_is_ours();
	if (self->stats) {
		ASSERT_EQ(0, xg_stats_sum("live_", &self->live0));
		ASSERT_EQ(0, xg_stats_sum("pending_", &self->pend0));
	}
}

FIXTURE_TEARDOWN(dmabuf)
{
	if (self->imp >= 0)
		close(self->imp);
	xg_selfgrant_close(&self->sg);
}

/* Nothing of the test left once its files are closed; no warning. */
static void check_clean(struct __test_metadata *_metadata,
			FIXTURE_DATA(dmabuf) * self)
{
	long long last;
	int rc;

	if (self->imp >= 0)
		close(self->imp);
	self->imp = -1;
	if (!self->warned0)
		EXPECT_FALSE(xg_kernel_warned())
	TH_LOG("the kernel warned: see dmesg");
	if (!self->stats)
		return;
	rc = xg_stats_wait_le("live_dmabuf_", 0, SETTLE_MS, &last);
	EXPECT_EQ(0, rc) TH_LOG("live_dmabuf_* %lld", last);
	rc = xg_stats_wait_le("live_", self->live0, SETTLE_MS, &last);
	EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, self->live0);
	rc = xg_stats_wait_le("pending_", self->pend0, SETTLE_MS, &last);
	EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last, self->pend0);
}

/*
 * Import @fd (@pages pages) into the fixture's importer, map the grants
 * that gives with MAP_GRANT_REF and check that they show @buf's data,
 * then write through them and check @buf sees it. Releases the import.
 */
static void check_import(struct __test_metadata *_metadata,
			 FIXTURE_DATA(dmabuf) * self, int fd, uint8_t *buf,
			 uint32_t pages, uint32_t seed)
{
	uint32_t refs[NP];
	uint64_t index;
	uint8_t *map;
	int map_dev;

	ASSERT_LE(pages, NP);
	xg_fill(buf, (size_t)pages * PG, seed);
	ASSERT_EQ(0, xg_dmabuf_imp(self->imp, fd, self->sg.domid, pages, refs));
	if (self->stats)
		EXPECT_EQ(1, stat_sum("live_dmabuf_imports"));

	map_dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, map_dev);
	ASSERT_EQ(0,
		  xg_gntdev_map(map_dev, self->sg.domid, pages, refs, &index));
	map = xg_mmap(map_dev, index, pages, PROT_READ | PROT_WRITE,
		      MAP_SHARED);
	ASSERT_NE(NULL, map) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(map, (size_t)pages * PG, seed))
	TH_LOG("the imported grants do not show the buffer's data");
	xg_fill(map, (size_t)pages * PG, seed + 1);
	EXPECT_EQ(-1, xg_check(buf, (size_t)pages * PG, seed + 1))
	TH_LOG("a write through the imported grants did not reach the buffer");
	munmap(map, (size_t)pages * PG);
	EXPECT_EQ(0, xg_gntdev_unmap(map_dev, index, pages));
	close(map_dev);
	EXPECT_EQ(0, xg_dmabuf_imp_release(self->imp, fd));
	/* Released: a second release finds nothing. */
	EXPECT_EQ(-ENOENT, xg_dmabuf_imp_release(self->imp, fd));
}

/*
 * gntalloc's grants exported as a dma-buf, imported back and granted to
 * ourselves: the same memory seen three ways.
 */
TEST_F(dmabuf, loopback_both_ways)
{
	int fd = -1;

	ASSERT_EQ(0, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, NP,
				   self->sg.grefs, &fd));
	ASSERT_LE(0, fd);
	EXPECT_NE(-1, fcntl(fd, F_GETFD));
	EXPECT_TRUE(fcntl(fd, F_GETFD) & FD_CLOEXEC) TH_LOG("no O_CLOEXEC");
	if (self->stats)
		EXPECT_EQ(1, stat_sum("live_dmabuf_exports"));
	check_import(_metadata, self, fd, self->sg.apage, NP, 0xd1ab);
	/* Both files stay open: the buffer is released by its fd alone. */
	close(fd);
	if (self->stats) {
		long long last;

		EXPECT_EQ(0, xg_stats_wait_le("live_dmabuf_exports", 0,
					      SETTLE_MS, &last))
		TH_LOG("the export outlived its last fd: %lld", last);
	}
	check_clean(_metadata, self);
}

/* An import holds the buffer: closing the exporter's fd does not free it. */
TEST_F(dmabuf, import_outlives_fd)
{
	uint32_t refs[NP];
	int fd = -1;

	ASSERT_EQ(0, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, NP,
				   self->sg.grefs, &fd));
	ASSERT_EQ(0, xg_dmabuf_imp(self->imp, fd, self->sg.domid, NP, refs));
	/* Released by closing the importing file, not by IMP_RELEASE. */
	close(fd);
	if (self->stats)
		EXPECT_EQ(1, stat_sum("live_dmabuf_exports"));
	check_clean(_metadata, self);
}

/* The exporting gntdev file may go first: the buffer lives on. */
TEST_F(dmabuf, export_outlives_gntdev_file)
{
	uint32_t refs[NP];
	int fd = -1, dev;

	dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, dev);
	ASSERT_EQ(0, xg_dmabuf_exp(dev, self->sg.domid, 0, NP, self->sg.grefs,
				   &fd));
	close(dev);
	ASSERT_EQ(0, xg_dmabuf_imp(self->imp, fd, self->sg.domid, NP, refs));
	EXPECT_EQ(0, xg_dmabuf_imp_release(self->imp, fd));
	close(fd);
	check_clean(_metadata, self);
}

/* udmabuf: an exporter that is not ours. */
TEST_F(dmabuf, udmabuf_import)
{
	struct udmabuf_create create;
	uint8_t *buf;
	int u, memfd, fd;

	u = open("/dev/udmabuf", O_RDWR | O_CLOEXEC);
	if (u < 0)
		SKIP(return,
			   "/dev/udmabuf: %s (CONFIG_UDMABUF is off in Debian's 6.1)",
			   strerror(errno));
	memfd = memfd_create("dmabuf_test", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	ASSERT_LE(0, memfd);
	ASSERT_EQ(0, ftruncate(memfd, NP * PG));
	ASSERT_EQ(0, fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK));
	buf = mmap(NULL, NP * PG, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	ASSERT_NE(MAP_FAILED, buf);
	memset(&create, 0, sizeof(create));
	create.memfd = memfd;
	create.flags = UDMABUF_FLAGS_CLOEXEC;
	create.offset = 0;
	create.size = NP * PG;
	fd = ioctl(u, UDMABUF_CREATE, &create);
	ASSERT_LE(0, fd) TH_LOG("UDMABUF_CREATE: %s", strerror(errno));

	check_import(_metadata, self, fd, buf, NP, 0x0dab);
	/* Not one of ours: no export to wait for. */
	EXPECT_EQ(-ENOENT, xg_dmabuf_wait(self->sg.dev, fd, 0));
	/* Nor can it be imported as a different size. */
	EXPECT_EQ(-EINVAL,
		  xg_dmabuf_imp(self->imp, fd, self->sg.domid, NP - 1, NULL));
	close(fd);
	munmap(buf, NP * PG);
	close(memfd);
	close(u);
	check_clean(_metadata, self);
}

/* --- EXP_WAIT_RELEASED ------------------------------------------------- */

struct closer {
	pid_t waiter; /* thread id of the thread in the wait */
	int fd; /* what to close once it waits */
	int dev; /* the gntdev file it waits on */
	volatile bool stop; /* the wait is over: close now */
	int ret; /* close()'s */
};

/*
 * Whether thread @tid sleeps in an ioctl on @dev, from
 * /proc/self/task/TID/syscall ("NR arg0 ..." while in a syscall).
 */
static bool in_ioctl(pid_t tid, int dev)
{
	char path[64], buf[256];
	long nr, arg0;
	FILE *f;
	bool yes = false;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)tid);
	f = fopen(path, "re");
	if (!f)
		return false;
	if (fgets(buf, sizeof(buf), f) &&
	    sscanf(buf, "%ld %lx", &nr, &arg0) == 2)
		yes = nr == SYS_ioctl && arg0 == dev;
	fclose(f);
	return yes;
}

static void *closer_main(void *arg)
{
	struct closer *c = arg;
	int i;

	/* Up to 60 s for the waiter to get into the ioctl. */
	for (i = 0; i < 60000 && !c->stop && !in_ioctl(c->waiter, c->dev); i++)
		xg_msleep(1);
	c->ret = close(c->fd) ? -errno : 0;
	return NULL;
}

TEST_F(dmabuf, wait_released)
{
	struct closer c;
	pthread_t t;
	int fd = -1;

	ASSERT_EQ(0, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, NP,
				   self->sg.grefs, &fd));
	/* Our own fd holds it. */
	EXPECT_EQ(-ETIMEDOUT, xg_dmabuf_wait(self->sg.dev, fd, 0));
	EXPECT_EQ(-ETIMEDOUT, xg_dmabuf_wait(self->sg.dev, fd, 50));
	/* Another gntdev file did not export it. */
	EXPECT_EQ(-ENOENT, xg_dmabuf_wait(self->imp, fd, 0));
	/* Not a dma-buf, not an fd. */
	EXPECT_EQ(-EINVAL, xg_dmabuf_wait(self->sg.dev, self->imp, 0));
	EXPECT_EQ(-EBADF, xg_dmabuf_wait(self->sg.dev, -1, 0));

	/* Closed while we wait: the wait returns 0. */
	c.waiter = (pid_t)syscall(SYS_gettid);
	c.fd = fd;
	c.dev = self->sg.dev;
	c.stop = false;
	c.ret = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, closer_main, &c));
	EXPECT_EQ(0, xg_dmabuf_wait(self->sg.dev, fd, 60000));
	c.stop = true;
	pthread_join(t, NULL);
	EXPECT_EQ(0, c.ret);
	/* Gone: the fd is no more. */
	EXPECT_EQ(-EBADF, xg_dmabuf_wait(self->sg.dev, fd, 0));
	check_clean(_metadata, self);
}

/* An importer keeps the buffer: closing the last fd does not end the wait. */
TEST_F(dmabuf, wait_released_after_import_release)
{
	uint32_t refs[NP];
	struct closer c;
	pthread_t t;
	int fd = -1, dup_fd;

	ASSERT_EQ(0, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, NP,
				   self->sg.grefs, &fd));
	ASSERT_EQ(0, xg_dmabuf_imp(self->imp, fd, self->sg.domid, NP, refs));
	/* The waiter needs an fd; the closer drops it, the import stays. */
	dup_fd = dup(fd);
	ASSERT_LE(0, dup_fd);
	close(fd);
	c.waiter = (pid_t)syscall(SYS_gettid);
	c.fd = dup_fd;
	c.dev = self->sg.dev;
	c.stop = false;
	c.ret = 1;
	ASSERT_EQ(0, pthread_create(&t, NULL, closer_main, &c));
	EXPECT_EQ(-ETIMEDOUT, xg_dmabuf_wait(self->sg.dev, dup_fd, 500));
	c.stop = true;
	pthread_join(t, NULL);
	EXPECT_EQ(0, c.ret);
	/* Closing the importer's file releases the import, then the buffer. */
	check_clean(_metadata, self);
}

/* --- errors -------------------------------------------------------------- */

TEST_F(dmabuf, exp_flags)
{
	int fd = -1;

	EXPECT_EQ(-EOPNOTSUPP,
		  xg_dmabuf_exp(self->sg.dev, self->sg.domid,
				GNTDEV_DMA_FLAG_WC, NP, self->sg.grefs, &fd));
	EXPECT_EQ(-EOPNOTSUPP, xg_dmabuf_exp(self->sg.dev, self->sg.domid,
					     GNTDEV_DMA_FLAG_COHERENT, NP,
					     self->sg.grefs, &fd));
	EXPECT_EQ(-EINVAL,
		  xg_dmabuf_exp(self->sg.dev, self->sg.domid,
				GNTDEV_DMA_FLAG_WC | GNTDEV_DMA_FLAG_COHERENT,
				NP, self->sg.grefs, &fd));
	EXPECT_EQ(-EINVAL, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 1u << 2,
					 NP, self->sg.grefs, &fd));
	EXPECT_EQ(-EINVAL, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 1u << 31,
					 NP, self->sg.grefs, &fd));
	check_clean(_metadata, self);
}

TEST_F(dmabuf, exp_bad_args)
{
	long long limit = xg_module_param("xen_gntdev", "limit");
	uint32_t bad[NP];
	int fd = -1, i;

	EXPECT_EQ(-EINVAL, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, 0,
					 self->sg.grefs, &fd));
	/* Huge counts: refused before anything is allocated. */
	EXPECT_EQ(-EINVAL, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0,
					 UINT32_MAX, NULL, &fd));
	EXPECT_EQ(-EINVAL, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0,
					 1u << 31, NULL, &fd));
	if (limit > 0 && limit < UINT32_MAX)
		EXPECT_EQ(-EINVAL,
			  xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0,
					(uint32_t)limit + 1, NULL, &fd));
	/* A reserved domid. */
	EXPECT_EQ(-EINVAL, xg_dmabuf_exp(self->sg.dev, 0x7ff0, 0, NP,
					 self->sg.grefs, &fd));
	/* A grant reference nobody has: the whole batch is refused. */
	memcpy(bad, self->sg.grefs, sizeof(bad));
	bad[NP - 1] = XG_BAD_GREF;
	for (i = 0; i < 2; i++)
		EXPECT_EQ(-EINVAL, xg_dmabuf_exp(self->sg.dev, self->sg.domid,
						 0, NP, bad, &fd));
	check_clean(_metadata, self);
}

TEST_F(dmabuf, imp_bad_args)
{
	uint32_t refs[NP];
	int fd = -1;

	ASSERT_EQ(0, xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, NP,
				   self->sg.grefs, &fd));
	EXPECT_EQ(-EBADF,
		  xg_dmabuf_imp(self->imp, -1, self->sg.domid, NP, refs));
	EXPECT_EQ(-EBADF,
		  xg_dmabuf_imp(self->imp, 1 << 30, self->sg.domid, NP, refs));
	/* An fd that is not a dma-buf. */
	EXPECT_EQ(-EINVAL, xg_dmabuf_imp(self->imp, self->sg.dev,
					 self->sg.domid, NP, refs));
	EXPECT_EQ(-EINVAL,
		  xg_dmabuf_imp(self->imp, fd, self->sg.domid, 0, refs));
	EXPECT_EQ(-EINVAL, xg_dmabuf_imp(self->imp, fd, self->sg.domid,
					 UINT32_MAX, NULL));
	/* The count must be the buffer's size in pages. */
	EXPECT_EQ(-EINVAL,
		  xg_dmabuf_imp(self->imp, fd, self->sg.domid, NP - 1, refs));
	EXPECT_EQ(-EINVAL,
		  xg_dmabuf_imp(self->imp, fd, self->sg.domid, NP + 1, NULL));
	EXPECT_EQ(-EINVAL, xg_dmabuf_imp(self->imp, fd, 0x7ff0, NP, refs));
	/* Release: bad fd, not a dma-buf, not imported. */
	EXPECT_EQ(-EBADF, xg_dmabuf_imp_release(self->imp, -1));
	EXPECT_EQ(-EINVAL, xg_dmabuf_imp_release(self->imp, self->sg.dev));
	EXPECT_EQ(-ENOENT, xg_dmabuf_imp_release(self->imp, fd));
	/* Imported in one file, not released through another. */
	ASSERT_EQ(0, xg_dmabuf_imp(self->imp, fd, self->sg.domid, NP, refs));
	EXPECT_EQ(-ENOENT, xg_dmabuf_imp_release(self->sg.dev, fd));
	EXPECT_EQ(0, xg_dmabuf_imp_release(self->imp, fd));
	close(fd);
	check_clean(_metadata, self);
}

/* --- CVE-2025-38595 ------------------------------------------------------ */

/*
 * Another thread closes the number the next dma-buf fd will get, over
 * and over, while EXP_FROM_REFS runs and returns. Linux once wrote to
 * the buffer's state after installing its fd, which such a close had
 * already freed. Whatever the interleaving: the ioctl succeeds, nothing
 * leaks, the kernel does not warn.
 */
struct racer {
	int target;
	volatile bool stop;
	long closed;
};

static void *racer_main(void *arg)
{
	struct racer *r = arg;

	while (!r->stop)
		if (!close(r->target))
			r->closed++;
	return NULL;
}

/*
 * 2000 exports, or as many as fit in 15 s (the harness stops a test
 * after 30 s; a debug kernel's domU under TCG managed fewer than 2000).
 */
#define RACE_EXPORTS 2000
#define RACE_BUDGET_S 15

TEST_F(dmabuf, exp_racing_close_of_new_fd)
{
	struct racer r = { 0 };
	long long end = xg_now_ms() + RACE_BUDGET_S * 1000LL;
	pthread_t t;
	int i, fd, ret, ok = 0;

	/* The lowest free number: the one every export below gets. */
	r.target = dup(0);
	ASSERT_LE(0, r.target);
	close(r.target);
	ASSERT_EQ(0, pthread_create(&t, NULL, racer_main, &r));
	for (i = 0; i < RACE_EXPORTS && (i < 100 || xg_now_ms() < end); i++) {
		fd = -1;
		ret = xg_dmabuf_exp(self->sg.dev, self->sg.domid, 0, NP,
				    self->sg.grefs, &fd);
		if (ret) {
			/* Only the racer's close can make this fail. */
			EXPECT_EQ(0, ret);
			break;
		}
		ok++;
		EXPECT_EQ(r.target, fd);
		close(fd); /* EBADF if the racer was first */
	}
	r.stop = true;
	pthread_join(t, NULL);
	TH_LOG("%d exports, %ld closed by the racer", ok, r.closed);
	check_clean(_metadata, self);
}

TEST_HARNESS_MAIN
