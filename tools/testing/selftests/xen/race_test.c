// SPDX-License-Identifier: GPL-2.0
/*
 * race_test - an ioctl's last copy to user space held up while another
 * thread of the same process works on the same file.
 *
 * The ioctl's argument sits in a page write-protected with userfaultfd:
 * the driver reads it as usual, and its copy-out stalls until our fault
 * thread lets it go. Meanwhile a second thread does what an attacker
 * would: unmaps or deallocates what the ioctl has just made, or mmap()s
 * it. Then the fault thread either takes the page away, so that the
 * copy-out fails (EFAULT), or lifts the protection, so that it succeeds.
 *
 * What must hold whatever the order: the ioctl returns 0 or EFAULT, the
 * other thread's call returns one of the answers a serial order gives,
 * nothing stays allocated or mapped once the file is closed, and the
 * kernel logs no warning (a refcount underflow is how a use-after-free
 * of the object shows on a kernel without KASAN).
 *
 * A driver may also hold its lock across the copy-out (Linux's in-tree
 * gntdev does); the racing call then waits for the ioctl, so it runs in a
 * thread of its own that the fault thread gives up waiting for after a
 * while. A racer that waits with mmap_lock held cannot be waited out that
 * way: those tests are *_improved.
 *
 * Needs userfaultfd with write-protect of anonymous memory (x86_64 since
 * Linux 5.7, arm64 since 6.10): SKIP otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xen_gnt_util.h"

#define PG XG_PAGE
enum { NP = 2 };

/* How long the fault thread waits for the fault, and for the racer. */
#define FAULT_WAIT_MS 20000
#define RACER_WAIT_MS 3000
/* How long the driver gets to finish deferred work (revokes, unmaps). */
#define SETTLE_MS 10000

struct stall;
typedef int (*racer_fn)(struct stall *st);

/*
 * One stalled copy-out: the page holding the argument, the userfaultfd
 * that write-protects it, the fault thread and the racing call.
 */
struct stall {
	int uffd;
	uint8_t *page;
	bool fail;		/* take the page away (else unprotect it) */
	racer_fn racer;		/* the call made while the copy waits */
	void *ctx;		/* for the racer */
	int faults;		/* write faults seen on the page */
	int racer_ret;		/* what the racer returned */
	bool racer_done;	/* before the copy was let go */
	pthread_t fault_thread, racer_thread;
	bool racer_started;
	bool armed;		/* the fault thread runs */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool finished;		/* the racer's */
};

static void *racer_main(void *arg)
{
	struct stall *st = arg;
	int ret = st->racer(st);

	pthread_mutex_lock(&st->mu);
	st->racer_ret = ret;
	st->finished = true;
	pthread_cond_signal(&st->cv);
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

static void *fault_main(void *arg)
{
	struct stall *st = arg;
	struct pollfd pfd = { .fd = st->uffd, .events = POLLIN };
	struct uffdio_writeprotect wp;
	struct uffdio_range range;
	struct timespec until;
	struct uffd_msg msg;

	if (poll(&pfd, 1, FAULT_WAIT_MS) != 1 ||
	    read(st->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT ||
	    !(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP))
		return NULL;
	st->faults++;

	/* The copy-out waits: race it, for a while. */
	if (!pthread_create(&st->racer_thread, NULL, racer_main, st)) {
		st->racer_started = true;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += RACER_WAIT_MS / 1000;
		pthread_mutex_lock(&st->mu);
		while (!st->finished &&
		       !pthread_cond_timedwait(&st->cv, &st->mu, &until))
			;
		st->racer_done = st->finished;
		pthread_mutex_unlock(&st->mu);
	}

	range.start = (uintptr_t)st->page;
	range.len = PG;
	if (st->fail) {
		/* The retried fault finds no page: the copy fails. */
		munmap(st->page, PG);
		st->page = NULL;
		ioctl(st->uffd, UFFDIO_WAKE, &range);
	} else {
		wp.range = range;
		wp.mode = 0;
		ioctl(st->uffd, UFFDIO_WRITEPROTECT, &wp);
	}
	return NULL;
}

/*
 * Map the argument page and register it: 0, or -errno (-EINVAL or
 * -ENOSYS: no write-protect support, a SKIP).
 */
static int stall_open(struct stall *st)
{
	struct uffdio_register reg;
	struct uffdio_api api;

	memset(st, 0, sizeof(*st));
	st->uffd = -1;
	pthread_mutex_init(&st->mu, NULL);
	pthread_cond_init(&st->cv, NULL);
	st->page = mmap(NULL, PG, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (st->page == MAP_FAILED) {
		st->page = NULL;
		return -errno;
	}
	memset(st->page, 0, PG); /* present: write-protect needs a PTE */
	st->uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (st->uffd < 0)
		return -errno;
	memset(&api, 0, sizeof(api));
	api.api = UFFD_API;
	if (ioctl(st->uffd, UFFDIO_API, &api))
		return -errno;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)st->page;
	reg.range.len = PG;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(st->uffd, UFFDIO_REGISTER, &reg))
		return -errno;
	return 0;
}

/*
 * Protect the page and start the fault thread. The argument must be in
 * the page by now: from here on, the first write to it is the copy-out.
 */
static int stall_arm(struct stall *st, racer_fn racer, void *ctx, bool fail)
{
	struct uffdio_writeprotect wp;
	int rc;

	st->racer = racer;
	st->ctx = ctx;
	st->fail = fail;
	wp.range.start = (uintptr_t)st->page;
	wp.range.len = PG;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	if (ioctl(st->uffd, UFFDIO_WRITEPROTECT, &wp))
		return -errno;
	rc = pthread_create(&st->fault_thread, NULL, fault_main, st);
	st->armed = !rc;
	return -rc;
}

/*
 * Waits for both threads (the racer, if the copy-out held it up, can
 * finish now) and lets go of everything; may be called again.
 */
static void stall_close(struct stall *st)
{
	if (st->armed)
		pthread_join(st->fault_thread, NULL);
	st->armed = false;
	if (st->racer_started)
		pthread_join(st->racer_thread, NULL);
	st->racer_started = false;
	if (st->uffd >= 0)
		close(st->uffd);
	if (st->page)
		munmap(st->page, PG);
	st->page = NULL;
	st->uffd = -1;
}

FIXTURE(race) {
	struct xg_selfgrant sg; /* NP pages granted to ourselves */
	struct stall st;
	int fd;			/* a new file of the device under test */
	bool stats, warned0;
	long long live0, pend0;
};

FIXTURE_SETUP(race)
{
	int rc;

	self->fd = -1;
	self->st.uffd = -1;
	rc = xg_selfgrant_open(&self->sg, NP);
	if (rc && self->sg.skip)
		SKIP(return, "%s: %s", self->sg.step, strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("%s: %s", self->sg.step, strerror(-rc));
	xg_fill(self->sg.apage, NP * PG, 0x5eed);
	rc = stall_open(&self->st);
	if (rc == -EINVAL || rc == -ENOSYS || rc == -EPERM)
		SKIP(return, "no userfaultfd write-protect here: %s",
		     strerror(-rc));
	ASSERT_EQ(0, rc) TH_LOG("userfaultfd: %s", strerror(-rc));
	self->warned0 = xg_kernel_warned();
	self->stats = xg_is_ours();
	if (self->stats) {
		ASSERT_EQ(0, xg_stats_sum("live_", &self->live0));
		ASSERT_EQ(0, xg_stats_sum("pending_", &self->pend0));
	}
}

FIXTURE_TEARDOWN(race)
{
	stall_close(&self->st);
	if (self->fd >= 0)
		close(self->fd);
	xg_selfgrant_close(&self->sg);
}

/*
 * After the test file is closed: nothing of it is left (xen-gnt's
 * counters back to the baseline), no grant of the fixture is mapped but
 * by gntalloc itself, and the kernel has not warned.
 */
static void check_clean(struct __test_metadata *_metadata,
			FIXTURE_DATA(race) *self)
{
	long long last;
	int rc;

	if (self->fd >= 0)
		close(self->fd);
	self->fd = -1;
	if (!self->warned0)
		EXPECT_FALSE(xg_kernel_warned())
			TH_LOG("the kernel warned: see dmesg");
	if (!self->stats)
		return;
	/* The fixture's own objects are still there; ours must not be. */
	rc = xg_stats_wait_le("live_", self->live0, SETTLE_MS, &last);
	EXPECT_EQ(0, rc) TH_LOG("live_* %lld, was %lld", last, self->live0);
	rc = xg_stats_wait_le("pending_", self->pend0, SETTLE_MS, &last);
	EXPECT_EQ(0, rc) TH_LOG("pending_* %lld, was %lld", last, self->pend0);
}

/* --- gntdev MAP_GRANT_REF -------------------------------------------------- */

/* The argument of a one-page MAP_GRANT_REF, in the stalled page. */
static struct ioctl_gntdev_map_grant_ref *
map_arg(FIXTURE_DATA(race) *self)
{
	struct ioctl_gntdev_map_grant_ref *op = (void *)self->st.page;

	op->count = 1;
	op->refs[0].domid = self->sg.domid;
	op->refs[0].ref = self->sg.grefs[0];
	op->index = ~0ULL;
	return op;
}

/* A file's first range starts at index 0: unmap whatever is there. */
static int racer_unmap_first(struct stall *st)
{
	FIXTURE_DATA(race) *self = st->ctx;

	return xg_gntdev_unmap(self->fd, 0, 0);
}

static void map_racing_unmap(struct __test_metadata *_metadata,
			     FIXTURE_DATA(race) *self, bool fail)
{
	struct ioctl_gntdev_map_grant_ref *op;
	long ret;

	self->fd = xg_open(XG_GNTDEV);
	ASSERT_LE(0, self->fd);
	op = map_arg(self);
	ASSERT_EQ(0, stall_arm(&self->st, racer_unmap_first, self, fail));

	ret = xg_ioctl(self->fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	stall_close(&self->st);
	ASSERT_EQ(1, self->st.faults) TH_LOG("the copy-out never stalled");
	TH_LOG("racer %s the copy-out: %s",
	       self->st.racer_done ? "ran within" : "waited for",
	       strerror(-self->st.racer_ret));
	EXPECT_EQ(fail ? -EFAULT : 0, ret);
	/* Unmapped by the racer, or (EFAULT) taken back by the driver. */
	EXPECT_TRUE(self->st.racer_ret == 0 || self->st.racer_ret == -ENOENT);
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, 0, 0));
	check_clean(_metadata, self);
}

/* The use-after-free of issue 15: the map freed, then removed again. */
TEST_F(race, map_copyout_fails_racing_unmap)
{
	map_racing_unmap(_metadata, self, true);
}

TEST_F(race, map_copyout_succeeds_racing_unmap)
{
	map_racing_unmap(_metadata, self, false);
}

/*
 * The racer mmap()s the new range and unmaps it: the mapping keeps the
 * pages, and must still show the granted data after the ioctl has
 * failed or succeeded, until it is munmap()ed.
 */
struct mmap_racer {
	FIXTURE_DATA(race) *self;
	uint8_t *p;
};

static int racer_mmap_unmap(struct stall *st)
{
	struct mmap_racer *r = st->ctx;

	r->p = xg_mmap(r->self->fd, 0, 1, PROT_READ | PROT_WRITE, MAP_SHARED);
	if (!r->p)
		return -errno;
	return xg_gntdev_unmap(r->self->fd, 0, 0);
}

static void map_racing_mmap(struct __test_metadata *_metadata,
			    FIXTURE_DATA(race) *self, bool fail)
{
	struct mmap_racer r = { .self = self };
	struct ioctl_gntdev_map_grant_ref *op;
	long ret;

	self->fd = xg_open(XG_GNTDEV);
	ASSERT_LE(0, self->fd);
	op = map_arg(self);
	ASSERT_EQ(0, stall_arm(&self->st, racer_mmap_unmap, &r, fail));

	ret = xg_ioctl(self->fd, IOCTL_GNTDEV_MAP_GRANT_REF, op);
	stall_close(&self->st);
	ASSERT_EQ(1, self->st.faults) TH_LOG("the copy-out never stalled");
	EXPECT_EQ(fail ? -EFAULT : 0, ret);
	EXPECT_TRUE(self->st.racer_ret == 0 || self->st.racer_ret == -ENOENT)
		TH_LOG("racer: %s", strerror(-self->st.racer_ret));
	if (r.p) {
		/* The VMA holds the range, whatever the file's tree says. */
		EXPECT_EQ(-1, xg_check(r.p, PG, 0x5eed));
		r.p[0] ^= 0xff;
		EXPECT_EQ(self->sg.apage[0], r.p[0]);
		r.p[0] ^= 0xff;
		munmap(r.p, PG);
	}
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, 0, 0));
	check_clean(_metadata, self);
}

/*
 * Linux's in-tree gntdev holds its lock across this copy-out: the racing
 * mmap() then waits for that lock with mmap_lock held for writing, and the
 * fault thread cannot let the copy go (munmap() and UFFDIO_WRITEPROTECT
 * both need mmap_lock), so the process hangs until it is killed. Ours
 * drops its lock before the copy-out.
 */
#define INTREE_MMAP_DEADLOCK \
	"in-tree holds its lock across the copy-out: a racing mmap() deadlocks a process whose userfaultfd handler needs mmap_lock"

TEST_F(race, map_copyout_fails_racing_mmap_improved)
{
	if (!self->stats)
		SKIP(return, INTREE_MMAP_DEADLOCK);
	map_racing_mmap(_metadata, self, true);
}

TEST_F(race, map_copyout_succeeds_racing_mmap_improved)
{
	if (!self->stats)
		SKIP(return, INTREE_MMAP_DEADLOCK);
	map_racing_mmap(_metadata, self, false);
}

/* --- gntdev GET_OFFSET_FOR_VADDR ------------------------------------------ */

struct offset_racer {
	FIXTURE_DATA(race) *self;
	uint8_t *p;
};

static int racer_munmap_unmap(struct stall *st)
{
	struct offset_racer *r = st->ctx;

	if (munmap(r->p, PG))
		return -errno;
	r->p = NULL;
	return xg_gntdev_unmap(r->self->fd, 0, 1);
}

/* The range and its mapping go while the offset is copied out. */
TEST_F(race, offset_copyout_racing_munmap)
{
	struct ioctl_gntdev_get_offset_for_vaddr *op = (void *)self->st.page;
	struct offset_racer r = { .self = self };
	uint64_t index;
	long ret;

	self->fd = xg_open(XG_GNTDEV);
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, xg_gntdev_map(self->fd, self->sg.domid, 1,
				   self->sg.grefs, &index));
	ASSERT_EQ(0, index);
	r.p = xg_mmap(self->fd, index, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(NULL, r.p);
	op->vaddr = (uintptr_t)r.p;
	op->offset = ~0ULL;
	ASSERT_EQ(0, stall_arm(&self->st, racer_munmap_unmap, &r, false));

	ret = xg_ioctl(self->fd, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, op);
	stall_close(&self->st);
	ASSERT_EQ(1, self->st.faults);
	EXPECT_EQ(0, ret);
	EXPECT_EQ(0, self->st.racer_ret) TH_LOG("racer: %s",
						strerror(-self->st.racer_ret));
	EXPECT_EQ(-ENOENT, xg_gntdev_unmap(self->fd, 0, 1));
	if (r.p)
		munmap(r.p, PG);
	check_clean(_metadata, self);
}

/* --- gntalloc ALLOC_GREF -------------------------------------------------- */

/* A new file's first allocation starts at index 0: deallocate it. */
static int racer_dealloc_first(struct stall *st)
{
	FIXTURE_DATA(race) *self = st->ctx;

	return xg_gntalloc_dealloc(self->fd, 0, 1);
}

static void alloc_racing_dealloc(struct __test_metadata *_metadata,
				 FIXTURE_DATA(race) *self, bool fail)
{
	struct ioctl_gntalloc_alloc_gref *op = (void *)self->st.page;
	long ret;

	self->fd = xg_open(XG_GNTALLOC);
	ASSERT_LE(0, self->fd);
	op->domid = self->sg.domid;
	op->flags = GNTALLOC_FLAG_WRITABLE;
	op->count = 1;
	op->index = ~0ULL;
	ASSERT_EQ(0, stall_arm(&self->st, racer_dealloc_first, self, fail));

	ret = xg_ioctl(self->fd, IOCTL_GNTALLOC_ALLOC_GREF, op);
	stall_close(&self->st);
	ASSERT_EQ(1, self->st.faults);
	EXPECT_EQ(fail ? -EFAULT : 0, ret);
	TH_LOG("racer: %s", strerror(-self->st.racer_ret));
	/* Whoever got it, the page is deallocated at most once. */
	if (self->st.racer_ret == 0)
		EXPECT_NE(0, xg_gntalloc_dealloc(self->fd, 0, 1));
	check_clean(_metadata, self);
}

TEST_F(race, alloc_copyout_fails_racing_dealloc)
{
	alloc_racing_dealloc(_metadata, self, true);
}

TEST_F(race, alloc_copyout_succeeds_racing_dealloc)
{
	alloc_racing_dealloc(_metadata, self, false);
}

/* --- gntdev DMABUF_EXP_FROM_REFS (CVE-2025-38595) ------------------------ */

/*
 * The fd number EXP_FROM_REFS will return is the lowest free one, easy
 * to guess. Linux once installed the fd and then went on writing to the
 * buffer's state, which a close() of that number in between had freed.
 * xen-gnt copies the number out while the fd is only reserved and
 * installs it last: during the stalled copy-out the number is not open
 * (the racer's close fails with EBADF), and if the copy fails nothing is
 * installed at all.
 */
static int racer_close_next_fd(struct stall *st)
{
	int *fd = st->ctx;

	return close(*fd) ? -errno : 0;
}

static void dmabuf_racing_close(struct __test_metadata *_metadata,
				FIXTURE_DATA(race) *self, bool fail)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *op;
	int next;
	long ret;

	if (!self->stats)
		SKIP(return, "xen-gnt's order; Linux's in-tree gntdev (without dma-buf in Debian) is not ours");
	self->fd = xg_open(XG_GNTDEV);
	ASSERT_LE(0, self->fd);
	op = (void *)(self->st.page + PG - sizeof(*op));
	op->flags = 0;
	op->count = 1;
	op->domid = self->sg.domid;
	op->refs[0] = self->sg.grefs[0];
	op->fd = ~0u;
	next = dup(0);
	ASSERT_LE(0, next);
	close(next);
	ASSERT_EQ(0, stall_arm(&self->st, racer_close_next_fd, &next, fail));

	ret = xg_ioctl(self->fd, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, op);
	stall_close(&self->st);
	if (ret == -ENOTTY)
		SKIP(return, "gntdev without dma-buf (ENOTTY)");
	ASSERT_EQ(1, self->st.faults) TH_LOG("the copy-out never stalled");
	EXPECT_TRUE(self->st.racer_done) TH_LOG("the racer waited for the ioctl");
	EXPECT_EQ(-EBADF, self->st.racer_ret)
		TH_LOG("the new fd was open before its number was copied out");
	if (fail) {
		EXPECT_EQ(-EFAULT, ret);
		EXPECT_EQ(-1, fcntl(next, F_GETFD)) TH_LOG("an fd was left installed");
	} else {
		EXPECT_EQ(0, ret);
		EXPECT_NE(-1, fcntl(next, F_GETFD));
		close(next);
	}
	check_clean(_metadata, self);
}

TEST_F(race, dmabuf_exp_copyout_fails_racing_close_improved)
{
	dmabuf_racing_close(_metadata, self, true);
}

TEST_F(race, dmabuf_exp_copyout_succeeds_racing_close_improved)
{
	dmabuf_racing_close(_metadata, self, false);
}

TEST_HARNESS_MAIN
