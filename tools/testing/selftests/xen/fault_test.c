// SPDX-License-Identifier: GPL-2.0
/*
 * fault_test - both grant devices survive what processes do to them:
 * SIGKILL in the middle of a map, an mmap(), a GRANT_COPY or an
 * allocation; fork() with live mappings and both processes exiting; eight
 * threads racing on one file; an attempt to unload a module in use.
 *
 * After each test nothing may be left behind. With xen-gnt that is read
 * from its debugfs counters (every live_* and pending_* back to where it
 * was). The in-tree modules have no counters, so what can be seen from
 * outside is checked on both: the grants of the processes that died are
 * revoked (a GRANT_COPY from them fails), and gntalloc hands out exactly
 * its page limit again (when the limit is small enough to try).
 *
 * Grants come from the self-grant loopback (gntalloc grants pages to our
 * own domain, gntdev maps them back), so one domain is enough. Every test
 * passes against Linux's in-tree modules.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE

/* Grants the fixture allocates: the children and threads work on these. */
enum { NG = 16 };

/* How long the driver gets to finish deferred work (revokes, unmaps). */
#define SETTLE_MS 10000

FIXTURE(fault) {
	/* NG pages granted to ourselves; the tests open gntdev themselves. */
	struct xg_selfgrant sg;
	bool stats;
	long long live0, pend0;
};

FIXTURE_SETUP(fault)
{
	int rc;

	rc = xg_selfgrant_open(&self->sg, NG);
	if (rc && self->sg.skip)
		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
	close(self->sg.dev);
	self->sg.dev = -1;
	/* The baseline includes the fixture's own pages. */
	self->stats = xg_is_ours();
	if (self->stats) {
		ASSERT_EQ(0, xg_stats_sum("live_", &self->live0));
		ASSERT_EQ(0, xg_stats_sum("pending_", &self->pend0));
	}
}

FIXTURE_TEARDOWN(fault)
{
	xg_selfgrant_close(&self->sg);
}

/*
 * Everything a test did is undone: xen-gnt's counters are back to the
 * baseline; with a small gntalloc limit (in-tree: 1024 pages, global),
 * exactly the limit can be allocated again, less the fixture's pages.
 */
static void check_nothing_left(struct __test_metadata *_metadata,
			       FIXTURE_DATA(fault) *self)
{
	long long limit, last;
	int rc;

	if (self->stats) {
		rc = xg_stats_wait_le("live_", self->live0, SETTLE_MS, &last);
		EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last,
					self->live0);
		rc = xg_stats_wait_le("pending_", self->pend0, SETTLE_MS, &last);
		EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last,
					self->pend0);
	}
	limit = xg_module_param("xen_gntalloc", "limit");
	if (limit > NG && limit <= 4096) {
		rc = xg_gntalloc_fill_exactly(self->sg.domid, limit - NG);
		EXPECT_EQ(0, rc) TH_LOG("gntalloc refill to %lld pages: %s",
					limit, strerror(-rc));
	} else {
		TH_LOG("gntalloc limit %lld: refill not tried", limit);
	}
}

/* MAP_GRANT_REF + mmap() of grants [first, first + n) on @fd. */
static uint8_t *map_grants(FIXTURE_DATA(fault) *self, int fd,
			   unsigned int first, unsigned int n, int prot,
			   uint64_t *index)
{
	uint8_t *p;
	int rc;

	rc = xg_gntdev_map(fd, self->sg.domid, n, self->sg.grefs + first,
			   index);
	if (rc) {
		errno = -rc;
		return NULL;
	}
	do {
		p = xg_mmap(fd, *index, n, prot, MAP_SHARED);
	} while (!p && errno == EAGAIN);	/* libxengnttab's rule */
	if (!p) {
		rc = errno;
		xg_gntdev_unmap(fd, *index, n);
		errno = rc;
	}
	return p;
}

/* A later map of every grant works and sees the data. */
static void check_maps_again(struct __test_metadata *_metadata,
			     FIXTURE_DATA(fault) *self, uint32_t seed)
{
	uint64_t index;
	uint8_t *g;
	int fd;

	xg_fill(self->sg.apage, PG, seed);
	fd = xg_open(XG_GNTDEV);
	ASSERT_LE(0, fd);
	g = map_grants(self, fd, 0, NG, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g) TH_LOG("map after the faults: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, PG, seed));
	xg_fill(g + PG, PG, seed + 1);
	EXPECT_EQ(-1, xg_check(self->sg.apage + PG, PG, seed + 1));
	EXPECT_EQ(0, munmap(g, NG * PG));
	EXPECT_EQ(0, xg_gntdev_unmap(fd, index, NG));
	close(fd);
}

/* ---------------------------------------------------------------------- */
/* SIGKILL in the middle of things                                         */

enum child_kind { K_MAP, K_MMAP, K_COPY, K_ALLOC, K_NR };

static const char *const kind_name[K_NR] = { "map", "mmap", "grant-copy",
					      "gntalloc" };

/*
 * The body of a child killed at some point: loops for ever over one kind
 * of work, leaving a varying amount of it undone. Page 0 of the fixture's
 * grants is only read; the others are written. Exits non-zero (is not
 * killed) only if an operation fails.
 */
static void __attribute__((noreturn))
child_loop(FIXTURE_DATA(fault) *self, enum child_kind kind)
{
	enum { KEEP = 32, NSEG = 256 };
	static struct gntdev_grant_copy_segment seg[NSEG];
	static uint8_t buf[NSEG * 64];
	uint64_t idx[KEEP];
	unsigned int i, n = 0, k;
	uint8_t *g;
	int dev, al;

	dev = xg_open(XG_GNTDEV);
	al = xg_open(XG_GNTALLOC);
	if (dev < 0 || al < 0)
		_exit(10);
	for (k = 0;; k++) {
		switch (kind) {
		case K_MAP:
			/* Ranges reserved and kept, some released again. */
			if (xg_gntdev_map(dev, self->sg.domid, NG,
					  self->sg.grefs, &idx[n % KEEP]))
				_exit(11);
			if (++n % 3 == 0 &&
			    xg_gntdev_unmap(dev, idx[(n - 1) % KEEP], NG))
				_exit(12);
			if (n % KEEP == 0) {
				close(dev);
				dev = xg_open(XG_GNTDEV);
				if (dev < 0)
					_exit(13);
			}
			break;
		case K_MMAP:
			g = map_grants(self, dev, 0, NG,
				       PROT_READ | PROT_WRITE, &idx[0]);
			if (!g)
				_exit(14);
			g[PG + k % ((NG - 1) * PG)] = (uint8_t)k;
			/*
			 * Every other mapping of the first ones is left for
			 * the exit (few: Xen counts a grant's mappings in a
			 * small field).
			 */
			if (k % 2 == 0 || k >= 16) {
				if (munmap(g, NG * PG) ||
				    xg_gntdev_unmap(dev, idx[0], NG))
					_exit(15);
			}
			break;
		case K_COPY:
			for (i = 0; i < NSEG; i++) {
				unsigned int pg = i % NG;
				uint16_t off = (i / NG) * 64 % PG;

				if (pg == 0 || i % 2)
					xg_seg_from_gref(&seg[i],
							 self->sg.domid,
							 self->sg.grefs[pg],
							 off, buf + i * 64, 64);
				else
					xg_seg_to_gref(&seg[i], buf + i * 64,
						       self->sg.domid,
						       self->sg.grefs[pg], off,
						       64);
			}
			if (xg_gntdev_copy(dev, seg, NSEG))
				_exit(16);
			for (i = 0; i < NSEG; i++)
				if (seg[i].status != XG_GNTST_OKAY)
					_exit(17);
			break;
		case K_ALLOC:
			if (xg_gntalloc_alloc(al, self->sg.domid,
					      GNTALLOC_FLAG_WRITABLE, 4,
					      &idx[0], NULL))
				_exit(18);
			g = xg_mmap(al, idx[0], 4, PROT_READ | PROT_WRITE,
				    MAP_SHARED);
			if (!g)
				_exit(19);
			memset(g, (int)k, 4 * PG);
			if (k % 2 == 0) {
				if (xg_gntalloc_dealloc(al, idx[0], 4) ||
				    munmap(g, 4 * PG))
					_exit(20);
			}
			if (k % 16 == 15) {
				close(al);
				al = xg_open(XG_GNTALLOC);
				if (al < 0)
					_exit(21);
			}
			break;
		default:
			_exit(22);
		}
	}
}

/*
 * Children doing each kind of work are killed with SIGKILL after varied
 * delays, from before their first call to well into their loop; every
 * one must die of the signal (an error exit is a failed operation), and
 * nothing may be left once they are gone.
 */
TEST_F_TIMEOUT(fault, sigkill_during_map_mmap_copy, 120)
{
	enum { ITERS = 64 };
	unsigned int failures = 0, it;
	int status;
	pid_t pid;

	xg_fill(self->sg.apage, PG, 50);
	for (it = 0; it < ITERS; it++) {
		enum child_kind kind = it % K_NR;
		/* 0 us, then a spread up to ~25 ms, varied per kind. */
		unsigned int delay_us = (it / K_NR) * 1627 % 25000;

		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			child_loop(self, kind);
		if (delay_us)
			usleep(delay_us);
		ASSERT_EQ(0, kill(pid, SIGKILL));
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL) {
			failures++;
			TH_LOG("%s child %u: %s %d", kind_name[kind], it,
			       WIFEXITED(status) ? "exited" : "signal",
			       WIFEXITED(status) ? WEXITSTATUS(status) :
						   WTERMSIG(status));
		}
	}
	EXPECT_EQ(0, failures);
	/* Page 0 was only read by the children. */
	EXPECT_EQ(-1, xg_check(self->sg.apage, PG, 50));
	check_maps_again(_metadata, self, 50);
	check_nothing_left(_metadata, self);
}

/* ---------------------------------------------------------------------- */
/* fork() with live mappings                                                */

enum { FK = 4 };

/* Bytes [@from, @to) of @buf hold xg_fill(@buf, ..., @seed)'s pattern. */
static bool pattern_at(const uint8_t *buf, size_t from, size_t to,
		       uint32_t seed)
{
	size_t i;

	for (i = from; i < to; i++)
		if (buf[i] != xg_pattern(seed, i))
			return false;
	return true;
}

struct fork_report {
	uint32_t grefs[FK];
	int32_t child_status;	/* 0: the child saw the right data */
};

/*
 * A process maps its own grants through both devices and forks; the
 * parent exits first (@parent_first) or after the child. Neither cleans
 * up. The child checks the pages it inherited through gntalloc (on PV,
 * gntdev mappings are not inherited), before and after its parent is
 * gone, and reports through @wfd. Runs in a process of its own.
 */
static void __attribute__((noreturn))
fork_family(domid_t domid, int wfd, bool parent_first)
{
	struct fork_report rep = { .child_status = 99 };
	int dev, al, sync[2], status;
	uint64_t aidx, index;
	uint8_t *a, *g, c;
	pid_t pid;

	dev = xg_open(XG_GNTDEV);
	al = xg_open(XG_GNTALLOC);
	if (dev < 0 || al < 0 || pipe(sync))
		_exit(30);
	if (xg_gntalloc_alloc(al, domid, GNTALLOC_FLAG_WRITABLE, FK, &aidx,
			      rep.grefs))
		_exit(31);
	a = xg_mmap(al, aidx, FK, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!a)
		_exit(32);
	xg_fill(a, FK * PG, 51);
	if (xg_gntdev_map(dev, domid, FK, rep.grefs, &index))
		_exit(33);
	g = xg_mmap(dev, index, FK, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!g || xg_check(g, FK * PG, 51) != -1)
		_exit(34);
	if (xg_gntalloc_notify(al, aidx + 10, UNMAP_NOTIFY_CLEAR_BYTE, 0))
		_exit(35);

	pid = fork();
	if (pid < 0)
		_exit(36);
	if (pid == 0) {
		/* The child: wfd stays open until it exits. */
		close(sync[1]);
		rep.child_status = pattern_at(a, 0, FK * PG, 51) ? 0 : 1;
		a[PG] = 0x5c;
		if (parent_first) {
			/* Wait for the parent's exit (EOF). */
			if (read(sync[0], &c, 1) != 0)
				rep.child_status = 2;
			if (!pattern_at(a, PG + 1, FK * PG, 51) ||
			    a[PG] != 0x5c)
				rep.child_status = 3;
			a[PG + 1] = 0x5d;
		}
		if (write(wfd, &rep, sizeof(rep)) != sizeof(rep))
			_exit(37);
		_exit(0);	/* no munmap, no close */
	}
	close(sync[0]);
	if (!parent_first && waitpid(pid, &status, 0) != pid)
		_exit(38);
	_exit(0);		/* no munmap, no dealloc, no close */
}

static void run_fork_family(struct __test_metadata *_metadata,
			    FIXTURE_DATA(fault) *self, bool parent_first)
{
	struct fork_report rep;
	int fds[2], status, dev, rc;
	unsigned int alive = 0;
	ssize_t n;
	pid_t pid;

	ASSERT_EQ(0, pipe(fds));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(fds[0]);
		fork_family(self->sg.domid, fds[1], parent_first);
	}
	close(fds[1]);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(0, WEXITSTATUS(status));
	/* The child's report, then EOF once the child is gone too. */
	n = read(fds[0], &rep, sizeof(rep));
	ASSERT_EQ(sizeof(rep), n);
	EXPECT_EQ(0, rep.child_status);
	ASSERT_EQ(0, read(fds[0], &rep.child_status, 1));
	close(fds[0]);

	/* Both have exited: their grants are revoked, nothing is left. */
	dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, dev);
	rc = xg_grants_wait_gone(dev, self->sg.domid, rep.grefs, FK, SETTLE_MS,
				 &alive);
	EXPECT_EQ(0, rc) TH_LOG("grant %u still in force: %s",
				rep.grefs[alive], strerror(-rc));
	close(dev);
	check_nothing_left(_metadata, self);
}

/* fork() with live mappings of both devices; the child exits first. */
TEST_F(fault, fork_live_mappings_child_exits_first)
{
	run_fork_family(_metadata, self, false);
}

/* The same, the parent exiting first: the child still sees the pages. */
TEST_F(fault, fork_live_mappings_parent_exits_first)
{
	run_fork_family(_metadata, self, true);
}

/* ---------------------------------------------------------------------- */
/* Eight threads on one file                                               */

enum { NTHREADS = 8, TITERS = 40 };

struct racer {
	FIXTURE_DATA(fault) *self;
	int fd;			/* the shared file */
	unsigned int id;
	unsigned int seed;
	/* The first unexpected result, if any. */
	int err;
	int step;
	unsigned int iter;
};

static void racer_fail(struct racer *r, int step, int err)
{
	if (!r->step) {
		r->step = step;
		r->err = err;
	}
}

/* mmap() with libxengnttab's documented retry on EAGAIN. */
static uint8_t *racer_mmap(int fd, uint64_t index, unsigned int n, int prot)
{
	uint8_t *p;

	do {
		p = xg_mmap(fd, index, n, prot, MAP_SHARED);
	} while (!p && errno == EAGAIN);
	return p;
}

/*
 * Each thread owns two of the fixture's grants and maps them through the
 * shared gntdev file in one of four ways per iteration; what it writes
 * must show in the gntalloc pages, and the reverse.
 */
static void *gntdev_racer(void *arg)
{
	struct racer *r = arg;
	FIXTURE_DATA(fault) *self = r->self;
	unsigned int first = 2 * r->id, it, op;
	uint8_t *mine = self->sg.apage + first * PG, *g;
	uint64_t index, off;
	uint32_t count, ocount, seed;
	int rc, dup_fd, mfd;

	for (it = 0; it < TITERS && !r->step; it++) {
		r->iter = it;
		op = rand_r(&r->seed) % 4;
		seed = 1000 + r->id * 100 + it;
		mfd = r->fd;
		dup_fd = -1;
		if (op == 2) {
			/* A second descriptor of the same file, closed early. */
			dup_fd = dup(r->fd);
			if (dup_fd < 0) {
				racer_fail(r, 1, errno);
				break;
			}
			mfd = dup_fd;
		}
		count = op == 3 ? 1 : 2;
		rc = xg_gntdev_map(mfd, self->sg.domid, count,
				   self->sg.grefs + first, &index);
		if (rc) {
			racer_fail(r, 2, -rc);
			break;
		}
		g = racer_mmap(mfd, index, count,
			       op == 3 ? PROT_READ : PROT_READ | PROT_WRITE);
		if (!g) {
			racer_fail(r, 3, errno);
			xg_gntdev_unmap(mfd, index, count);
			break;
		}
		if (op == 1 && (rc = xg_gntdev_unmap(r->fd, index, count)))
			racer_fail(r, 4, -rc);
		if (dup_fd >= 0)
			close(dup_fd);
		if (op == 3) {
			xg_fill(mine, PG, seed);
			if (xg_check(g, PG, seed) != -1)
				racer_fail(r, 5, EIO);
		} else {
			xg_fill(g, 2 * PG, seed);
			if (xg_check(mine, 2 * PG, seed) != -1)
				racer_fail(r, 6, EIO);
			xg_fill(mine + PG, PG, seed + 1);
			if (xg_check(g + PG, PG, seed + 1) != -1)
				racer_fail(r, 7, EIO);
		}
		rc = xg_gntdev_offset(r->fd, g, &off, &ocount);
		if (rc || off != index || ocount != count)
			racer_fail(r, 8, rc ? -rc : EIO);
		if (munmap(g, count * PG))
			racer_fail(r, 9, errno);
		if (op != 1 && (rc = xg_gntdev_unmap(r->fd, index, count)))
			racer_fail(r, 10, -rc);
	}
	return NULL;
}

/*
 * Each thread allocates pages on the shared gntalloc file, maps them,
 * fills and checks them, and deallocates them before or after munmap().
 */
static void *gntalloc_racer(void *arg)
{
	struct racer *r = arg;
	FIXTURE_DATA(fault) *self = r->self;
	unsigned int it, n, i;
	uint64_t index;
	uint32_t seed;
	uint8_t *p;
	int rc;

	for (it = 0; it < TITERS && !r->step; it++) {
		r->iter = it;
		n = 1 + rand_r(&r->seed) % 3;
		seed = 2000 + r->id * 100 + it;
		rc = xg_gntalloc_alloc(r->fd, self->sg.domid,
				       GNTALLOC_FLAG_WRITABLE, n, &index, NULL);
		if (rc) {
			racer_fail(r, 1, -rc);
			break;
		}
		p = xg_mmap(r->fd, index, n, PROT_READ | PROT_WRITE,
			    MAP_SHARED);
		if (!p) {
			racer_fail(r, 2, errno);
			xg_gntalloc_dealloc(r->fd, index, n);
			break;
		}
		for (i = 0; i < n * PG; i++)
			if (p[i]) {
				racer_fail(r, 3, EIO);
				break;
			}
		if (it % 2 &&
		    (rc = xg_gntalloc_notify(r->fd, index + 7,
					     UNMAP_NOTIFY_CLEAR_BYTE, 0)))
			racer_fail(r, 4, -rc);
		xg_fill(p, n * PG, seed);
		if (it % 3 == 0 &&
		    (rc = xg_gntalloc_dealloc(r->fd, index, n)))
			racer_fail(r, 5, -rc);
		sched_yield();
		if (xg_check(p, n * PG, seed) != -1)
			racer_fail(r, 6, EIO);
		if (munmap(p, n * PG))
			racer_fail(r, 7, errno);
		if (it % 3 && (rc = xg_gntalloc_dealloc(r->fd, index, n)))
			racer_fail(r, 8, -rc);
	}
	return NULL;
}

static void run_racers(struct __test_metadata *_metadata,
		       FIXTURE_DATA(fault) *self, int fd,
		       void *(*fn)(void *))
{
	struct racer r[NTHREADS];
	pthread_t tid[NTHREADS];
	unsigned int i;

	memset(r, 0, sizeof(r));
	for (i = 0; i < NTHREADS; i++) {
		r[i].self = self;
		r[i].fd = fd;
		r[i].id = i;
		r[i].seed = 0x5eed + i;
		ASSERT_EQ(0, pthread_create(&tid[i], NULL, fn, &r[i]));
	}
	for (i = 0; i < NTHREADS; i++)
		ASSERT_EQ(0, pthread_join(tid[i], NULL));
	for (i = 0; i < NTHREADS; i++) {
		struct racer *t = &r[i];

		EXPECT_EQ(0, t->step)
			TH_LOG("thread %u, iteration %u, step %d: %s", t->id,
			       t->iter, t->step, strerror(t->err));
	}
}

/*
 * Eight threads map, mmap, munmap, unmap and close duplicates of one
 * gntdev file at once, each on grants of its own: every call succeeds
 * (mmap() may say EAGAIN, retried as libxengnttab does), every thread's
 * data is intact, and nothing is left after the file is closed.
 */
TEST_F_TIMEOUT(fault, threads_race_on_one_gntdev_fd, 120)
{
	int fd;

	fd = xg_open(XG_GNTDEV);
	ASSERT_LE(0, fd);
	run_racers(_metadata, self, fd, gntdev_racer);
	close(fd);
	check_maps_again(_metadata, self, 52);
	check_nothing_left(_metadata, self);
}

/* The same with gntalloc: ALLOC_GREF, mmap, munmap, DEALLOC_GREF. */
TEST_F_TIMEOUT(fault, threads_race_on_one_gntalloc_fd, 120)
{
	int fd;

	fd = xg_open(XG_GNTALLOC);
	ASSERT_LE(0, fd);
	run_racers(_metadata, self, fd, gntalloc_racer);
	close(fd);
	check_nothing_left(_metadata, self);
}

/* ---------------------------------------------------------------------- */
/* Module unload while in use                                              */

/*
 * delete_module(@name, O_NONBLOCK): 0, or -errno. Tried only when the
 * module is loadable (has a refcnt), so that a built-in one is skipped.
 */
static int try_unload(const char *name)
{
	char path[128];

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	if (access(path, F_OK))
		return -ENOENT;
	if (syscall(__NR_delete_module, name, O_NONBLOCK) == 0)
		return 0;
	return -errno;
}

static bool busy(int rc)
{
	return rc == -EBUSY || rc == -EWOULDBLOCK;
}

/*
 * Unloading a module with one of its files open, or with only a mapping
 * left, is refused; the module works afterwards. (The module is never
 * actually unloaded here: the runner does that once every file is closed.)
 */
TEST_F(fault, module_unload_refused_while_in_use)
{
	uint64_t index;
	uint8_t *g;
	int dev, rc;

	dev = xg_open(XG_GNTDEV);
	ASSERT_LE(0, dev);
	rc = try_unload("xen_gntdev");
	if (rc == -ENOENT)
		SKIP(close(dev); return, "xen_gntdev is not a loaded module");
	if (rc == -EPERM)
		SKIP(close(dev); return, "no permission to unload modules");
	ASSERT_TRUE(busy(rc)) TH_LOG("delete_module(xen_gntdev): %s",
				     rc ? strerror(-rc) : "unloaded");
	/* gntalloc's file is held by this process too. */
	rc = try_unload("xen_gntalloc");
	if (rc != -ENOENT)
		ASSERT_TRUE(busy(rc)) TH_LOG("delete_module(xen_gntalloc): %s",
					     rc ? strerror(-rc) : "unloaded");
	/* xen-gnt's core is held by both device modules. */
	rc = try_unload("xen_gntcore");
	if (rc != -ENOENT)
		ASSERT_TRUE(busy(rc)) TH_LOG("delete_module(xen_gntcore): %s",
					     rc ? strerror(-rc) : "unloaded");

	/* It still works; then only a mapping holds the file. */
	xg_fill(self->sg.apage, NG * PG, 53);
	g = map_grants(self, dev, 0, NG, PROT_READ | PROT_WRITE, &index);
	ASSERT_NE(NULL, g) TH_LOG("map: %s", strerror(errno));
	EXPECT_EQ(-1, xg_check(g, NG * PG, 53));
	ASSERT_EQ(0, xg_gntdev_unmap(dev, index, NG));
	close(dev);
	rc = try_unload("xen_gntdev");
	ASSERT_TRUE(busy(rc)) TH_LOG("mapping only: delete_module: %s",
				     rc ? strerror(-rc) : "unloaded");
	xg_fill(g, NG * PG, 54);
	EXPECT_EQ(-1, xg_check(self->sg.apage, NG * PG, 54));
	EXPECT_EQ(0, munmap(g, NG * PG));
	check_maps_again(_metadata, self, 54);
	check_nothing_left(_metadata, self);
}

TEST_HARNESS_MAIN
