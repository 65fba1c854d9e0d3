// SPDX-License-Identifier: GPL-2.0
/*
 * gntfuzz: seeded random-operation fuzzer for /dev/xen/gntdev and
 * /dev/xen/gntalloc.
 *
 * Runs random sequences of open/close, every ioctl of both devices (valid
 * and invalid arguments), mmap/munmap/mprotect, fork, self-grant loopback
 * (gntalloc grants to our own domid, gntdev maps them back) and GRANT_COPY
 * on such grants.  Exit status: 0 = no invariant broken, 1 = an invariant
 * was broken or the kernel logged a problem, 2 = usage / setup error.
 *
 *   gntfuzz [--seed N] [--seconds S] [--iterations N] [--domid D]
 *           [--threads N] [--stall-percent P] [--no-kmsg]
 *           [--log FILE] [--verbose]
 *
 * Concurrency (--threads N, default 3): thread 0 runs the sequence above
 * and keeps the model its invariants are checked against; threads 1..N-1
 * work on the same open files at the same time, with grants and indexes
 * of their own and with guessed ones (index 0, count 0, the index the
 * file hands out next), so they unmap and deallocate thread 0's ranges
 * behind its back.  Every such destructive call is published, before it
 * is made and again once it has returned, as a "chaos intent" (file,
 * range); thread 0 forgets the
 * records an intent may have destroyed before its next operation, and a
 * check whose record an intent published during the operation may have
 * touched is skipped.  So each check holds whatever the interleaving.
 * The seed fixes each thread's sequence, not the interleaving: with more
 * than one thread a run is not replayed exactly.
 *
 * Stalls (--stall-percent P, default 10): that share of the ioctls of
 * every thread get their argument in a page registered with
 * userfaultfd: write-protected (the copy-out faults) or missing (the
 * copy-in faults).  A handler thread holds the fault while a racing call
 * on the same file unmaps, deallocates, mmap()s, closes (dup2 of
 * /dev/null over the descriptor) or, for a dma-buf export, closes the
 * descriptor the ioctl is about to return; then it lets the copy fail
 * (the page replaced by an inaccessible one: EFAULT) or succeed, as the
 * seed says.  Without userfaultfd there are no stalls (printed), without
 * write-protect only copy-in stalls.
 *
 * Kernel log (unless --no-kmsg): a thread reads /dev/kmsg while the run
 * lasts; a BUG:, WARNING:, refcount_t:, KASAN, Oops, list corruption or
 * general protection line stops the run and fails it, with the time and
 * the operation count at which it appeared.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/gntdev.h>
#include <xen/gntalloc.h>

#define PG 4096UL
#define MAXFD 6
#define MAXREC 48
#define MAXMAP 64
#define SMALLMAX 16
#define BIGBUF 70000
#define MAXTHREADS 16

#define GCOPY_SRC_GREF 0x1
#define GCOPY_DST_GREF 0x2

enum { K_ALLOC = 0, K_DEV = 1 };

struct rec {		/* a gntalloc allocation or a gntdev map record */
	int used;
	int kind;
	int fdslot;
	uint64_t index;
	uint32_t count;
	uint32_t *grefs;
	uint16_t domid;
	int writable;	/* alloc: GNTALLOC_FLAG_WRITABLE */
	int src;	/* dev: alloc record the refs come from, or -1 */
	uint32_t srcoff;	/* dev: first page in src */
};

struct mapping {
	int used;
	char *addr;
	size_t len;
	int kind;
	int rec;	/* record backing it when clean */
	int clean;	/* exact, shared, full mapping of an intact record */
	int writable;
};

/*
 * Thread 0's model. S.fd and S.gen are written by thread 0 only, with
 * fdtab held for writing; the other threads read them with fdtab held for
 * reading (so a descriptor they use is not closed under them). The rest
 * is thread 0's alone.
 */
static struct {
	int fd[2][MAXFD];
	unsigned gen[2][MAXFD];	/* bumped at every open and close */
	struct rec rec[MAXREC];
	struct mapping map[MAXMAP];
} S;
static pthread_rwlock_t fdtab = PTHREAD_RWLOCK_INITIALIZER;
/*
 * Address space: a MAP_FIXED mmap() that fails may leave a hole where
 * thread 0's mapping was, until it reserves the range again; another
 * thread's mmap(NULL) must not land in it (the reserve would then take
 * its page away). Thread 0 holds as_lock for writing across the two;
 * the others hold it for reading across each mmap(NULL). No thread is
 * created while the run lasts (a stack is an mmap too).
 */
static pthread_rwlock_t as_lock = PTHREAD_RWLOCK_INITIALIZER;
/* per file: the end of the last range handed out (a racer's guess) */
static uint64_t hint[2][MAXFD];

/* A file and its generation, as one call sees it. */
struct target {
	int kind, slot, fd;
	unsigned gen;
};

#define RING 64
#define RREC 12
#define RMAPS 6

struct stall;

struct rrec {		/* a racer's own allocation or map */
	int used, kind, slot;
	unsigned gen;
	uint64_t index;
	uint32_t count;
	uint32_t grefs[8];
};

/* Per-thread state; `me` is the running thread's. */
struct thr {
	int id;
	pthread_t tid;
	uint64_t rng;
	unsigned long long iter, nops, nok, nerr, nfault, nstall, nfaulted,
		nstallfail, nraces;
	char ring[RING][160];
	unsigned ring_pos;
	sigjmp_buf jb;
	volatile sig_atomic_t jb_armed;
	char *stallsrc;		/* a page: missing-mode contents */
	int stall_failed;	/* the last xioctl's EFAULT was ours */
	/* the executor of this thread's stall racers */
	pthread_t exec_tid;
	struct stall *exec_job;	/* under stall_mu */
	struct rrec rr[RREC];	/* racers */
	char *rm_addr[RMAPS];
	size_t rm_len[RMAPS];
	uint64_t scratch[2048];	/* misaligned garbage for bad pointers */
	uint32_t bigbuf[BIGBUF];
};
static struct thr *thr[MAXTHREADS];
static __thread struct thr *me;

static uint64_t seed;
static uint16_t self_domid;
static int in_child;
static int verbose;
static int nthreads = 3, stall_pct = 10;
static volatile int stop_all;
static FILE *logf;
static unsigned long long nforks, nloop, ncopy, nviol, nkernel;
static char *unmapped_addr;
static int devnull = -1;
static double t_start;
static pthread_mutex_t print_mu = PTHREAD_MUTEX_INITIALIZER;

enum { OP_OPEN, OP_CLOSE, OP_ALLOC, OP_DEALLOC, OP_DMAP, OP_DUNMAP,
	OP_GETOFF, OP_SETMAX, OP_NOTIFY, OP_COPY, OP_MMAP, OP_MUNMAP,
	OP_MPROT, OP_TOUCH, OP_LOOP, OP_FORK, OP_BADIOCTL, OP_DMABUF, OP_N };
static const int op_weight[OP_N] = { 6, 3, 12, 6, 12, 6, 4, 1, 4, 6,
				     12, 5, 3, 8, 10, 1, 2, 4 };

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void add(unsigned long long *c)
{
	__atomic_fetch_add(c, 1, __ATOMIC_RELAXED);
}

static unsigned long long get(const unsigned long long *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static uint64_t rnd(void)
{
	uint64_t x = me->rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	me->rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* Locks that a fork child must not take: it has one thread, and a lock
 * another thread held at the fork stays held in the child for ever.
 */
static void lock(pthread_mutex_t *m)
{
	if (!in_child)
		pthread_mutex_lock(m);
}

static void unlock(pthread_mutex_t *m)
{
	if (!in_child)
		pthread_mutex_unlock(m);
}

static void note(const char *fmt, ...)
{
	va_list ap;
	char *s = me->ring[me->ring_pos++ % RING];

	va_start(ap, fmt);
	vsnprintf(s, sizeof(me->ring[0]), fmt, ap);
	va_end(ap);
	if (verbose)
		printf("%st%d %s\n", in_child ? "[child] " : "", me->id, s);
	if (logf) {
		fprintf(logf, "%st%d %llu %s\n", in_child ? "[child] " : "",
			me->id, me->iter, s);
		fflush(logf);
	}
}

static void violation(const char *fmt, ...)
{
	va_list ap;
	unsigned i;

	add(&nviol);
	stop_all = 1;
	lock(&print_mu);
	printf("INVARIANT BROKEN (seed %" PRIu64 ", thread %d, iter %llu%s): ",
	       seed, me->id, me->iter, in_child ? ", child" : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nlast operations of thread %d:\n", me->id);
	for (i = me->ring_pos > RING ? me->ring_pos - RING : 0;
	     i < me->ring_pos; i++)
		printf("  %s\n", me->ring[i % RING]);
	fflush(stdout);
	if (logf) {
		fprintf(logf, "INVARIANT BROKEN at thread %d iter %llu\n",
			me->id, me->iter);
		fflush(logf);
	}
	unlock(&print_mu);
}

static void on_fault(int sig)
{
	if (me && me->jb_armed) {
		me->jb_armed = 0;
		siglongjmp(me->jb, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Guarded memory access: returns 0 or the signal number. */
static int guarded_rw(char *p, size_t n, const void *wr, void *rd)
{
	int sig;

	sig = sigsetjmp(me->jb, 1);
	if (sig) {
		add(&me->nfault);
		return sig;
	}
	me->jb_armed = 1;
	if (wr)
		memcpy(p, wr, n);
	if (rd)
		memcpy(rd, p, n);
	me->jb_armed = 0;
	return 0;
}

static int sysret(long r)
{
	add(&me->nops);
	if (r < 0) {
		add(&me->nerr);
		return -errno;
	}
	add(&me->nok);
	return (int)r;
}

/* ------------------------------------------------------------------ */
/*
 * Chaos intents: a call that may destroy ranges of a file (an unmap or a
 * deallocation with a guessed index, a close) is published here before it
 * is made, and again once it has returned (while it is in flight, and it
 * may be held up for long, it can destroy a range thread 0 creates
 * meanwhile). Thread 0 drops the records an intent may have hit before
 * each operation (chaos_apply), and does not believe a check on a record
 * an intent published since then may have hit (chaos_hits).
 */
#define NINTENT 1024
struct intent {
	int kind, slot, dead;
	unsigned gen;
	uint64_t lo, hi;
};
static struct intent intents[NINTENT];
static uint64_t chaos_seq;	/* the last published; under chaos_mu */
static pthread_mutex_t chaos_mu = PTHREAD_MUTEX_INITIALIZER;
static uint64_t op_seq0;	/* thread 0: applied up to here */

/* [index, index + count pages); count 0 means "the range starting there" */
static void chaos_publish(const struct target *t, uint64_t index,
			  uint64_t count, int dead)
{
	struct intent *x;
	uint64_t hi = index + (count ? count : 1) * PG;

	if (in_child)
		return;
	pthread_mutex_lock(&chaos_mu);
	x = &intents[(chaos_seq + 1) % NINTENT];
	*x = (struct intent){ .kind = t->kind, .slot = t->slot,
			      .gen = t->gen, .dead = dead,
			      .lo = dead ? 0 : index,
			      .hi = dead || hi < index ? UINT64_MAX : hi };
	__atomic_store_n(&chaos_seq, chaos_seq + 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&chaos_mu);
}

static int intent_hits(const struct intent *x, int kind, int slot,
		       uint64_t lo, uint64_t hi)
{
	return x->kind == kind && x->slot == slot &&
	       x->gen == S.gen[kind][slot] && x->lo < hi && lo < x->hi;
}

/* Thread 0: may a call published during this operation have destroyed
 * [lo, hi) of the file in (kind, slot)?
 */
static int chaos_hits(int kind, int slot, uint64_t lo, uint64_t hi)
{
	uint64_t cur = __atomic_load_n(&chaos_seq, __ATOMIC_ACQUIRE), s;
	int hit = 0;

	if (in_child || cur == op_seq0)
		return 0;
	pthread_mutex_lock(&chaos_mu);
	cur = chaos_seq;
	if (cur - op_seq0 >= NINTENT)
		hit = 1;
	for (s = op_seq0 + 1; !hit && s <= cur; s++)
		hit = intent_hits(&intents[s % NINTENT], kind, slot, lo, hi);
	pthread_mutex_unlock(&chaos_mu);
	return hit;
}

static int rec_hit(int r)
{
	return chaos_hits(S.rec[r].kind, S.rec[r].fdslot, S.rec[r].index,
			  S.rec[r].index + (uint64_t)S.rec[r].count * PG);
}

static void drop_rec(int r);
static void close_slot(int kind, int slot);

/* Thread 0, before each operation. */
static void chaos_apply(void)
{
	static struct intent got[NINTENT];
	uint64_t cur = __atomic_load_n(&chaos_seq, __ATOMIC_ACQUIRE), s;
	int n = 0, all = 0, i, r, k, dead[2][MAXFD] = { { 0 } };

	if (in_child || cur == op_seq0)
		return;
	pthread_mutex_lock(&chaos_mu);
	cur = chaos_seq;
	if (cur - op_seq0 >= NINTENT)
		all = 1;
	else
		for (s = op_seq0 + 1; s <= cur; s++)
			got[n++] = intents[s % NINTENT];
	pthread_mutex_unlock(&chaos_mu);
	op_seq0 = cur;
	for (r = 0; r < MAXREC; r++) {
		struct rec *x = &S.rec[r];

		if (!x->used)
			continue;
		for (i = 0; i < n && !all; i++)
			if (intent_hits(&got[i], x->kind, x->fdslot, x->index,
					x->index + (uint64_t)x->count * PG))
				break;
		if (all || i < n)
			drop_rec(r);
	}
	for (i = 0; i < n; i++)
		if (got[i].dead && got[i].gen == S.gen[got[i].kind][got[i].slot])
			dead[got[i].kind][got[i].slot] = 1;
	/* a racer put /dev/null in its place: close it for good */
	for (k = 0; k < 2; k++)
		for (i = 0; i < MAXFD; i++)
			if (dead[k][i] && S.fd[k][i] >= 0) {
				note("slot %s %d was closed by a racer",
				     k ? "gntdev" : "gntalloc", i);
				close_slot(k, i);
			}
}

static void set_hint(const struct target *t, uint64_t index, uint32_t count)
{
	__atomic_store_n(&hint[t->kind][t->slot], index + (uint64_t)count * PG,
			 __ATOMIC_RELAXED);
}

static struct target tgt(int kind, int slot)
{
	return (struct target){ .kind = kind, .slot = slot,
				.fd = S.fd[kind][slot],
				.gen = S.gen[kind][slot] };
}

static int xioctl(const struct target *t, unsigned long cmd, void *arg,
		  size_t size, int dirs, uint32_t count, int close_fd);
enum { D_IN = 1, D_OUT = 2 };

/* ------------------------------------------------------------------ */

static int pick_fd(int kind)
{
	int i, n = 0, c[MAXFD];

	for (i = 0; i < MAXFD; i++)
		if (S.fd[kind][i] >= 0)
			c[n++] = i;
	return n ? c[rn(n)] : -1;
}

static int pick_rec(int kind)
{
	int i, n = 0, c[MAXREC];

	for (i = 0; i < MAXREC; i++)
		if (S.rec[i].used && S.rec[i].kind == kind)
			c[n++] = i;
	return n ? c[rn(n)] : -1;
}

static int free_rec(void)
{
	int i;

	for (i = 0; i < MAXREC; i++)
		if (!S.rec[i].used)
			return i;
	return -1;
}

static int pick_map(int clean_only)
{
	int i, n = 0, c[MAXMAP];

	for (i = 0; i < MAXMAP; i++)
		if (S.map[i].used && (!clean_only || S.map[i].clean))
			c[n++] = i;
	return n ? c[rn(n)] : -1;
}

static int maps_live(void)
{
	int i, n = 0;

	for (i = 0; i < MAXMAP; i++)
		n += S.map[i].used;
	return n;
}

/* A record stops being intact: its mappings (and dev records mapping its
 * grants, and their mappings) are no longer checked.
 */
static void drop_rec(int r)
{
	int i;

	if (!S.rec[r].used)
		return;
	S.rec[r].used = 0;
	free(S.rec[r].grefs);
	S.rec[r].grefs = NULL;
	for (i = 0; i < MAXMAP; i++)
		if (S.map[i].used && S.map[i].rec == r)
			S.map[i].clean = 0;
	for (i = 0; i < MAXREC; i++)
		if (S.rec[i].used && S.rec[i].kind == K_DEV &&
		    S.rec[i].src == r)
			S.rec[i].src = -1;
}

static uint32_t weird_count(uint32_t limit)
{
	switch (rn(8)) {
	case 0: return 0;
	case 1: return 0xffffffffu;
	case 2: return 1u << (24 + rn(8));
	case 3: return limit;
	case 4: return limit + 1;
	default: return 1 + rn(SMALLMAX);
	}
}

static void *bad_ptr(void)
{
	switch (rn(5)) {
	case 0: return NULL;
	case 1: return (void *)1;
	case 2: return unmapped_addr;
	case 3: return (void *)0xffff888000000000ULL;
	default:
		/* readable but all ones: whatever structure the kernel reads
		 * there is invalid (misaligned index, count ~0, domid 0xffff),
		 * so no request can succeed through it by accident
		 */
		memset(me->scratch, 0xff, sizeof(me->scratch));
		return (char *)me->scratch + 1 + rn(7);
	}
}

static uint16_t pick_domid(void)
{
	switch (rn(10)) {
	case 0: return 0x7ff0; /* DOMID_SELF */
	case 1: return 0xffff;
	case 2: return (uint16_t)rnd();
	case 3: return 1 + rn(8);
	default: return self_domid;
	}
}

/* ------------------------------------------------------------------ */

static void op_open(void)
{
	int kind = rn(2), i, fd;

	for (i = 0; i < MAXFD; i++)
		if (S.fd[kind][i] < 0)
			break;
	if (i == MAXFD)
		return;
	fd = sysret(open(kind ? "/dev/xen/gntdev" : "/dev/xen/gntalloc",
			 O_RDWR | O_CLOEXEC));
	note("open %s -> %d", kind ? "gntdev" : "gntalloc", fd);
	if (fd < 0)
		return;
	if (!in_child)
		pthread_rwlock_wrlock(&fdtab);
	S.fd[kind][i] = fd;
	S.gen[kind][i]++;
	hint[kind][i] = 0;
	if (!in_child)
		pthread_rwlock_unlock(&fdtab);
}

static void close_slot(int kind, int slot)
{
	int r;

	for (r = 0; r < MAXREC; r++)
		if (S.rec[r].used && S.rec[r].kind == kind &&
		    S.rec[r].fdslot == slot)
			drop_rec(r);
	/* no other thread is in a call on it, or about to be */
	if (!in_child)
		pthread_rwlock_wrlock(&fdtab);
	sysret(close(S.fd[kind][slot]));
	S.fd[kind][slot] = -1;
	S.gen[kind][slot]++;
	if (!in_child)
		pthread_rwlock_unlock(&fdtab);
}

static void op_close(void)
{
	int kind = rn(2), slot = pick_fd(kind);

	if (slot < 0)
		return;
	note("close %s slot %d", kind ? "gntdev" : "gntalloc", slot);
	close_slot(kind, slot);
}

static int overlaps(int kind, int slot, uint64_t idx, uint64_t cnt, int skip)
{
	int r;

	for (r = 0; r < MAXREC; r++) {
		struct rec *x = &S.rec[r];

		if (r == skip || !x->used || x->kind != kind ||
		    x->fdslot != slot)
			continue;
		/* a racer may have freed it since this operation began */
		if (idx < x->index + (uint64_t)x->count * PG &&
		    x->index < idx + cnt * PG && !rec_hit(r))
			return r;
	}
	return -1;
}

static void op_alloc(void)
{
	int slot = pick_fd(K_ALLOC), r, ret, i, j;
	struct ioctl_gntalloc_alloc_gref *a = (void *)me->bigbuf;
	struct target t;
	uint32_t count;
	uint16_t flags;

	if (slot < 0)
		return;
	count = rn(4) ? 1 + rn(SMALLMAX) : weird_count(1024);
	flags = rn(6) ? GNTALLOC_FLAG_WRITABLE : (uint16_t)rn(4);
	memset(a, 0, sizeof(*a));
	a->domid = pick_domid();
	a->flags = flags;
	a->count = count;
	if (rn(20) == 0) {
		void *bp = bad_ptr();

		ret = sysret(ioctl(S.fd[0][slot], IOCTL_GNTALLOC_ALLOC_GREF,
				   bp));
		note("alloc slot %d bad pointer %p -> %d", slot, bp, ret);
		return;
	}
	t = tgt(K_ALLOC, slot);
	ret = xioctl(&t, IOCTL_GNTALLOC_ALLOC_GREF, a,
		     count && count <= 1024 ? sizeof(*a) + (count - 1) * 4 : 0,
		     D_IN | D_OUT, count, -1);
	note("alloc slot %d dom %u flags %u count %u -> %d index 0x%" PRIx64,
	     slot, a->domid, flags, count, ret, (uint64_t)a->index);
	if (ret < 0)
		return;
	if (count && count <= BIGBUF - 8)
		set_hint(&t, a->index, count);
	if (count == 0 || count > BIGBUF - 8) {
		/* accepted: nothing we can track; not necessarily wrong */
		if (count >= 1u << 24)
			violation("ALLOC_GREF accepted count %u", count);
		return;
	}
	if (a->index % PG)
		violation("ALLOC_GREF index 0x%" PRIx64 " not page aligned",
			  (uint64_t)a->index);
	r = overlaps(K_ALLOC, slot, a->index, count, -1);
	if (r >= 0)
		violation("ALLOC_GREF index 0x%" PRIx64
			  " count %u overlaps live record 0x%" PRIx64,
			  (uint64_t)a->index, count, S.rec[r].index);
	for (i = 0; i < (int)count && count <= 1024; i++)
		for (j = 0; j < i; j++)
			if (a->gref_ids[i] == a->gref_ids[j])
				violation("ALLOC_GREF duplicate gref %u",
					  a->gref_ids[i]);
	if (chaos_hits(K_ALLOC, slot, a->index, a->index + count * PG)) {
		/* a racer may have deallocated it already: not tracked */
		note("alloc 0x%" PRIx64 " raced: not tracked",
		     (uint64_t)a->index);
		return;
	}
	r = free_rec();
	if (r < 0) {
		/* no room to track: give it back */
		struct ioctl_gntalloc_dealloc_gref d = { a->index, count };

		sysret(ioctl(S.fd[0][slot], IOCTL_GNTALLOC_DEALLOC_GREF, &d));
		return;
	}
	S.rec[r] = (struct rec){ .used = 1, .kind = K_ALLOC, .fdslot = slot,
				 .index = a->index, .count = count,
				 .domid = a->domid,
				 .writable = flags & GNTALLOC_FLAG_WRITABLE,
				 .src = -1 };
	S.rec[r].grefs = malloc(count * sizeof(uint32_t));
	if (!S.rec[r].grefs)
		abort();
	memcpy(S.rec[r].grefs, a->gref_ids, count * sizeof(uint32_t));
}

static void op_dealloc(void)
{
	int slot, r = pick_rec(K_ALLOC), ret, sel = rn(6);
	struct ioctl_gntalloc_dealloc_gref d = { 0, 0 };

	if (r >= 0 && sel < 4) {
		slot = S.rec[r].fdslot;
		d.index = S.rec[r].index;
		d.count = S.rec[r].count;
	} else {
		slot = pick_fd(K_ALLOC);
		if (slot < 0)
			return;
		d.index = rn(2) ? rnd() : PG * rn(64) + 1 + rn(PG - 1);
		d.count = weird_count(1024);
		r = -1;
	}
	if (sel == 5) {
		ret = sysret(ioctl(S.fd[0][slot], IOCTL_GNTALLOC_DEALLOC_GREF,
				   bad_ptr()));
	} else {
		struct target t = tgt(K_ALLOC, slot);

		ret = xioctl(&t, IOCTL_GNTALLOC_DEALLOC_GREF, &d, sizeof(d),
			     D_IN, d.count, -1);
	}
	note("dealloc slot %d index 0x%" PRIx64 " count %u -> %d", slot,
	     (uint64_t)d.index, d.count, ret);
	if (ret == 0 && r >= 0 && sel != 5)
		drop_rec(r);
	else if (ret == 0 && r < 0 && sel != 5 && d.count &&
		 (d.index % PG))
		violation("DEALLOC_GREF accepted misaligned index 0x%" PRIx64,
			  (uint64_t)d.index);
}

static void op_dmap(void)
{
	int slot = pick_fd(K_DEV), r, a, ret, i, sel = rn(10);
	struct ioctl_gntdev_map_grant_ref *m = (void *)me->bigbuf;
	struct target t;
	uint32_t count, off = 0;

	if (slot < 0)
		return;
	a = pick_rec(K_ALLOC);
	memset(m, 0, sizeof(*m));
	if (a >= 0 && sel < 6) {
		off = rn(S.rec[a].count);
		count = 1 + rn(S.rec[a].count - off);
		for (i = 0; i < (int)count; i++) {
			m->refs[i].domid = self_domid;
			m->refs[i].ref = S.rec[a].grefs[off + i];
		}
	} else {
		a = -1;
		count = sel == 9 ? weird_count(1024) : 1 + rn(SMALLMAX);
		for (i = 0; i < (int)count && i < (BIGBUF - 4) / 2; i++) {
			m->refs[i].domid = rn(3) ? self_domid : pick_domid();
			m->refs[i].ref = rn(2) ? (uint32_t)rnd() : rn(64);
		}
	}
	m->count = count;
	m->pad = rn(8) ? 0 : (uint32_t)rnd();
	if (rn(25) == 0) {
		void *bp = bad_ptr();

		ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_MAP_GRANT_REF,
				   bp));
		note("dev_map slot %d bad pointer %p -> %d", slot, bp, ret);
		return;
	}
	t = tgt(K_DEV, slot);
	ret = xioctl(&t, IOCTL_GNTDEV_MAP_GRANT_REF, m,
		     count && count <= 1024 ?
		     sizeof(*m) + (count - 1) * sizeof(m->refs[0]) : 0,
		     D_IN | D_OUT, count, -1);
	note("dev_map slot %d count %u src %d off %u ref0 %u dom0 %u -> %d index 0x%" PRIx64,
	     slot, count, a, off, m->refs[0].ref, m->refs[0].domid, ret,
	     (uint64_t)m->index);
	if (ret < 0)
		return;
	if (count == 0 || count > (BIGBUF - 4) / 2) {
		if (count >= 1u << 24)
			violation("MAP_GRANT_REF accepted count %u", count);
		return;
	}
	set_hint(&t, m->index, count);
	if (m->index % PG)
		violation("MAP_GRANT_REF index 0x%" PRIx64 " not page aligned",
			  (uint64_t)m->index);
	i = overlaps(K_DEV, slot, m->index, count, -1);
	if (i >= 0)
		violation("MAP_GRANT_REF index 0x%" PRIx64
			  " count %u overlaps live record 0x%" PRIx64,
			  (uint64_t)m->index, count, S.rec[i].index);
	if (chaos_hits(K_DEV, slot, m->index, m->index + count * PG)) {
		note("dev_map 0x%" PRIx64 " raced: not tracked",
		     (uint64_t)m->index);
		return;
	}
	r = free_rec();
	if (r < 0) {
		struct ioctl_gntdev_unmap_grant_ref u = { m->index, count, 0 };

		sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_UNMAP_GRANT_REF, &u));
		return;
	}
	S.rec[r] = (struct rec){ .used = 1, .kind = K_DEV, .fdslot = slot,
				 .index = m->index, .count = count,
				 .domid = self_domid, .src = a,
				 .srcoff = off };
	S.rec[r].grefs = malloc(count * sizeof(uint32_t));
	if (!S.rec[r].grefs)
		abort();
	for (i = 0; i < (int)count; i++)
		S.rec[r].grefs[i] = m->refs[i].ref;
}

static void op_dunmap(void)
{
	int slot, r = pick_rec(K_DEV), ret, sel = rn(6);
	struct ioctl_gntdev_unmap_grant_ref u = { 0, 0, 0 };

	if (r >= 0 && sel < 4) {
		slot = S.rec[r].fdslot;
		u.index = S.rec[r].index;
		u.count = S.rec[r].count;
	} else {
		slot = pick_fd(K_DEV);
		if (slot < 0)
			return;
		u.index = rn(2) ? rnd() : PG * rn(64) + 1 + rn(PG - 1);
		u.count = weird_count(1024);
		r = -1;
	}
	u.pad = rn(8) ? 0 : 1;
	if (sel == 5) {
		ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_UNMAP_GRANT_REF,
				   bad_ptr()));
	} else {
		struct target t = tgt(K_DEV, slot);

		ret = xioctl(&t, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u, sizeof(u),
			     D_IN, u.count, -1);
	}
	note("dev_unmap slot %d index 0x%" PRIx64 " count %u -> %d", slot,
	     (uint64_t)u.index, u.count, ret);
	if (ret == 0 && r >= 0 && sel != 5)
		drop_rec(r);
	else if (ret == 0 && r < 0 && sel != 5 && u.count && (u.index % PG))
		violation("UNMAP_GRANT_REF accepted misaligned index 0x%" PRIx64,
			  (uint64_t)u.index);
}

static void op_getoff(void)
{
	int slot = pick_fd(K_DEV), m = pick_map(1), ret, exact = 0;
	struct ioctl_gntdev_get_offset_for_vaddr g;

	memset(&g, 0, sizeof(g));
	if (m >= 0 && S.map[m].kind == K_DEV && rn(3)) {
		slot = S.rec[S.map[m].rec].fdslot;
		g.vaddr = (uintptr_t)S.map[m].addr;
		exact = 1;
		if (rn(3) == 0) {
			g.vaddr += rn(S.map[m].len);
			exact = 0;
		}
	} else {
		g.vaddr = rn(2) ? rnd() : (uintptr_t)bad_ptr();
	}
	if (slot < 0)
		return;
	if (rn(20) == 0) {
		void *bp = bad_ptr();

		ret = sysret(ioctl(S.fd[1][slot],
				   IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, bp));
		note("get_offset slot %d bad pointer %p -> %d", slot, bp, ret);
		return;
	}
	{
		struct target t = tgt(K_DEV, slot);

		ret = xioctl(&t, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &g,
			     sizeof(g), D_IN | D_OUT, 0, -1);
	}
	/* a racer may have unmapped the record's range meanwhile */
	if (exact && rec_hit(S.map[m].rec))
		exact = 0;
	note("get_offset slot %d vaddr 0x%" PRIx64 " -> %d off 0x%" PRIx64
	     " count %u", slot, (uint64_t)g.vaddr, ret, (uint64_t)g.offset,
	     g.count);
	if (ret == 0 && exact) {
		struct rec *x = &S.rec[S.map[m].rec];

		if (g.offset != x->index || g.count != x->count)
			violation("GET_OFFSET_FOR_VADDR %p: offset 0x%" PRIx64
				  " count %u, expected 0x%" PRIx64 " %u",
				  S.map[m].addr, (uint64_t)g.offset, g.count,
				  x->index, x->count);
	} else if (ret < 0 && exact && !me->stall_failed) {
		violation("GET_OFFSET_FOR_VADDR of a live mapping failed: %s",
			  strerror(-ret));
	}
}

static void op_setmax(void)
{
	int slot = pick_fd(K_DEV), ret;
	struct ioctl_gntdev_set_max_grants s = { weird_count(1024) };

	if (slot < 0)
		return;
	if (rn(10)) {
		struct target t = tgt(K_DEV, slot);

		ret = xioctl(&t, IOCTL_GNTDEV_SET_MAX_GRANTS, &s, sizeof(s),
			     D_IN, 0, -1);
	} else {
		ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_SET_MAX_GRANTS,
				   bad_ptr()));
	}
	note("set_max slot %d count %u -> %d", slot, s.count, ret);
}

static void op_notify(void)
{
	int kind = rn(2), slot, r = pick_rec(kind), ret;
	struct ioctl_gntdev_unmap_notify n;
	unsigned long cmd = kind ? IOCTL_GNTDEV_SET_UNMAP_NOTIFY :
				   IOCTL_GNTALLOC_SET_UNMAP_NOTIFY;

	memset(&n, 0, sizeof(n));
	if (r >= 0 && rn(3)) {
		slot = S.rec[r].fdslot;
		n.index = S.rec[r].index + rn(S.rec[r].count * PG);
	} else {
		slot = pick_fd(kind);
		n.index = rnd();
	}
	if (slot < 0)
		return;
	switch (rn(5)) {
	case 0: n.action = 0; break;
	case 1: n.action = UNMAP_NOTIFY_CLEAR_BYTE; break;
	case 2: n.action = (uint32_t)rnd(); break;
	default: n.action = UNMAP_NOTIFY_CLEAR_BYTE | (rn(2) ?
		 UNMAP_NOTIFY_SEND_EVENT : 0);
	}
	/* ports we do not own: must be refused or ignored, never sent */
	n.event_channel_port = rn(2) ? 0xffffffffu : 4000 + rn(60000);
	if (rn(20) == 0) {
		void *bp = bad_ptr();

		ret = sysret(ioctl(S.fd[kind][slot], cmd, bp));
		note("notify slot %d bad pointer %p -> %d", slot, bp, ret);
		return;
	}
	{
		struct target t = tgt(kind, slot);

		ret = xioctl(&t, cmd, &n, sizeof(n), D_IN, 0, -1);
	}
	note("notify %s slot %d index 0x%" PRIx64 " action 0x%x port %u -> %d",
	     kind ? "gntdev" : "gntalloc", slot, (uint64_t)n.index, n.action,
	     n.event_channel_port, ret);
	if (ret == 0 && (n.action & ~3u))
		violation("SET_UNMAP_NOTIFY accepted unknown action 0x%x",
			  n.action);
}

static int find_clean_map_of(int r)
{
	int i;

	for (i = 0; i < MAXMAP; i++)
		if (S.map[i].used && S.map[i].clean && S.map[i].rec == r)
			return i;
	return -1;
}

static void op_copy(void)
{
	int slot = pick_fd(K_DEV), a = pick_rec(K_ALLOC), ret, n, i;
	static struct gntdev_grant_copy_segment seg[SMALLMAX + 1];
	struct ioctl_gntdev_grant_copy c;
	static char src[PG], back[PG];
	uint32_t page = 0;
	uint16_t off, len;

	if (slot < 0)
		return;
	memset(seg, 0, sizeof(seg));
	if (a >= 0 && S.rec[a].domid == self_domid && rn(4)) {
		/* local -> grant, then grant -> local, compare */
		page = rn(S.rec[a].count);
		off = rn(PG);
		len = 1 + rn(PG - off);
		if (rn(10) == 0)
			len = PG - off + 1 + rn(16); /* crosses the page */
		for (i = 0; i < (int)sizeof(src); i++)
			src[i] = (char)rnd();
		seg[0].source.virt = src;
		seg[0].dest.foreign.ref = S.rec[a].grefs[page];
		seg[0].dest.foreign.offset = off;
		seg[0].dest.foreign.domid = self_domid;
		seg[0].len = len;
		seg[0].flags = GCOPY_DST_GREF;
		seg[0].status = 0x77;
		c.count = 1;
		c.segments = seg;
		ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_GRANT_COPY, &c));
		note("grant_copy to gref %u off %u len %u -> %d status %d",
		     seg[0].dest.foreign.ref, off, len, ret, seg[0].status);
		if (ret < 0 || seg[0].status != 0 || off + len > PG) {
			if (ret == 0 && seg[0].status == 0 && off + len > PG)
				violation("GRANT_COPY accepted a segment crossing its page");
			return;
		}
		/* a racer may have deallocated it: the gref may be another's */
		if (rec_hit(a))
			return;
		if (!S.rec[a].writable)
			violation("GRANT_COPY wrote into read-only grant %u",
				  S.rec[a].grefs[page]);
		ncopy++;
		memset(back, 0, sizeof(back));
		seg[0].source.foreign.ref = S.rec[a].grefs[page];
		seg[0].source.foreign.offset = off;
		seg[0].source.foreign.domid = self_domid;
		seg[0].dest.virt = back;
		seg[0].flags = GCOPY_SRC_GREF;
		seg[0].status = 0x77;
		ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_GRANT_COPY, &c));
		note("grant_copy from gref %u off %u len %u -> %d status %d",
		     seg[0].source.foreign.ref, off, len, ret, seg[0].status);
		if (rec_hit(a))
			return;
		if (ret == 0 && seg[0].status == 0 && memcmp(src, back, len))
			violation("GRANT_COPY round trip through gref %u differs",
				  S.rec[a].grefs[page]);
		i = find_clean_map_of(a);
		if (i >= 0) {
			static char via[PG];

			int sig = guarded_rw(S.map[i].addr + page * PG + off,
					     len, NULL, via);

			if (rec_hit(a))
				return;
			if (sig)
				violation("fault reading clean gntalloc mapping %p",
					  S.map[i].addr);
			else if (memcmp(via, src, len))
				violation("GRANT_COPY to gref %u not visible in its gntalloc mapping",
					  S.rec[a].grefs[page]);
		}
		return;
	}
	/* garbage */
	n = rn(3) ? 1 + rn(SMALLMAX) : 0;
	for (i = 0; i < n; i++) {
		if (rn(2)) {
			seg[i].source.foreign.ref = rn(2) ? rnd() : rn(64);
			seg[i].source.foreign.offset = rn(PG + 16);
			seg[i].source.foreign.domid = pick_domid();
		} else {
			seg[i].source.virt = rn(2) ? bad_ptr() : (void *)src;
		}
		if (rn(2)) {
			seg[i].dest.foreign.ref = rn(2) ? rnd() : rn(64);
			seg[i].dest.foreign.offset = rn(PG + 16);
			seg[i].dest.foreign.domid = pick_domid();
		} else {
			seg[i].dest.virt = rn(2) ? bad_ptr() : (void *)back;
		}
		seg[i].len = rn(4) ? rn(PG + 1) : (uint16_t)rnd();
		seg[i].flags = rn(5) ? rn(4) : (uint16_t)rnd();
	}
	c.count = rn(6) ? (unsigned)n : weird_count(1024);
	c.segments = rn(8) ? seg : bad_ptr();
	if (c.count > SMALLMAX + 1 && c.segments == seg)
		c.segments = bad_ptr();
	if (rn(20)) {
		struct target t = tgt(K_DEV, slot);

		ret = xioctl(&t, IOCTL_GNTDEV_GRANT_COPY, &c, sizeof(c), D_IN,
			     0, -1);
	} else {
		ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_GRANT_COPY,
				   bad_ptr()));
	}
	note("grant_copy garbage count %u seg %p -> %d", c.count,
	     (void *)c.segments, ret);
}

static int free_map(void)
{
	int i;

	for (i = 0; i < MAXMAP; i++)
		if (!S.map[i].used)
			return i;
	return -1;
}

static void reserve(char *a, size_t l);

static void op_mmap(void)
{
	int kind = rn(2), r = pick_rec(kind), slot, mi = free_map(), sel;
	int flags = MAP_SHARED, prot = PROT_READ | PROT_WRITE, clean = 0;
	int fixed = -1;
	size_t len;
	off_t off;
	char *p, *hint = NULL;

	if (mi < 0)
		return;
	sel = rn(12);
	if (r >= 0 && sel < 7) {
		slot = S.rec[r].fdslot;
		len = S.rec[r].count * PG;
		off = S.rec[r].index;
		clean = 1;
		if (kind == K_DEV && S.rec[r].src >= 0 &&
		    !S.rec[S.rec[r].src].writable)
			prot = PROT_READ;
		if (rn(6) == 0)
			prot = PROT_READ;
	} else {
		slot = pick_fd(kind);
		r = -1;
		len = rn(4) ? PG * (1 + rn(SMALLMAX)) : 1 + rn(3 * PG);
		off = rn(3) ? (off_t)(PG * rn(64)) : (off_t)(rnd() & ~(PG - 1));
		if (off < 0)
			off = -off & ~(off_t)(PG - 1);
	}
	if (slot < 0)
		return;
	if (sel == 7 && r < 0) {
		flags = MAP_PRIVATE;
	} else if (rn(8) == 0) {
		/* on top of an existing mapping */
		fixed = pick_map(0);
		if (fixed >= 0) {
			hint = S.map[fixed].addr;
			flags |= MAP_FIXED;
			if (len > S.map[fixed].len)
				clean = 0, len = S.map[fixed].len;
		}
	} else if (r >= 0 && rn(10) == 0) {
		len += PG; /* too long */
		clean = 0;
	} else if (r >= 0 && S.rec[r].count > 1 && rn(10) == 0) {
		len -= PG; /* too short */
		clean = 0;
	}
	if (fixed >= 0 && !in_child)
		pthread_rwlock_wrlock(&as_lock);
	p = mmap(hint, len, prot, flags, S.fd[kind][slot], off);
	if (fixed >= 0 && p == MAP_FAILED)
		reserve(hint, len);
	if (fixed >= 0 && !in_child)
		pthread_rwlock_unlock(&as_lock);
	sysret(p == MAP_FAILED ? -1 : 0);
	note("mmap %s slot %d len 0x%zx off 0x%jx prot %d flags 0x%x fixed %p -> %p",
	     kind ? "gntdev" : "gntalloc", slot, len, (intmax_t)off, prot,
	     flags, (void *)hint, p == MAP_FAILED ? NULL : (void *)p);
	if (fixed >= 0) {
		/* the old mapping is gone or replaced in [hint, hint+len) */
		S.map[fixed].clean = 0;
		if (p != MAP_FAILED && len >= S.map[fixed].len)
			S.map[fixed].used = 0;
	}
	if (p == MAP_FAILED)
		return;
	if (flags & MAP_PRIVATE)
		clean = 0;
	/* a racer's range may sit at that index now */
	if (clean && rec_hit(r))
		clean = 0;
	if (p == hint && fixed >= 0 && S.map[fixed].used) {
		/* partially covered: the old entry's range is unmapped at the
		 * end, which covers ours too
		 */
		if (len <= S.map[fixed].len)
			clean = 0;
	}
	S.map[mi] = (struct mapping){ .used = 1, .addr = p, .len = len,
				      .kind = kind, .rec = clean ? r : -1,
				      .clean = clean,
				      .writable = !!(prot & PROT_WRITE) };
	if (fixed >= 0 && S.map[fixed].used && len < S.map[fixed].len)
		S.map[mi].used = 0; /* tracked by the old, larger entry */
}

/* Keep [a, a+l) reserved after a partial unmap, so that nothing else is
 * placed there and later unmapped with the whole tracked range.
 */
static void reserve(char *a, size_t l)
{
	mmap(a, l, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED |
	     MAP_NORESERVE, -1, 0);
}

static void op_munmap(void)
{
	int m = pick_map(0), ret;
	struct mapping *x;
	char *a;
	size_t l;

	if (m < 0)
		return;
	x = &S.map[m];
	a = x->addr;
	l = x->len;
	switch (rn(5)) {
	case 0: /* first page */
		l = PG;
		break;
	case 1: /* last page */
		if (x->len > PG) {
			a += (x->len - 1) & ~(PG - 1);
			l = PG;
		}
		break;
	case 2: /* middle page */
		if (x->len > 2 * PG) {
			a += PG;
			l = PG;
		}
		break;
	default:
		break;
	}
	if (a == x->addr && l >= x->len) {
		ret = sysret(munmap(a, l));
	} else {
		/*
		 * Part of it: replaced by a reserved range in one step (the
		 * same unmap for the driver), so that no other thread's
		 * mmap() lands in the hole before it is reserved.
		 */
		ret = sysret(mmap(a, l, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS |
				  MAP_FIXED | MAP_NORESERVE, -1, 0) ==
			     MAP_FAILED ? -1 : 0);
	}
	note("munmap %p len 0x%zx (mapping %p 0x%zx) -> %d", (void *)a, l,
	     (void *)x->addr, x->len, ret);
	if (ret == 0 && a == x->addr && l >= x->len)
		x->used = 0;
	else
		x->clean = 0;
}

static void op_mprotect(void)
{
	int m = pick_map(0), ret;
	static const int prots[] = { PROT_NONE, PROT_READ,
				     PROT_READ | PROT_WRITE, PROT_EXEC };
	int prot = prots[rn(4)];

	if (m < 0)
		return;
	ret = sysret(mprotect(S.map[m].addr, rn(2) ? S.map[m].len : PG, prot));
	note("mprotect %p prot %d -> %d", (void *)S.map[m].addr, prot, ret);
	S.map[m].clean = 0;
}

static void op_touch(void)
{
	int m = pick_map(0), sig, w;
	uint64_t v = rnd(), rd;
	char *p;

	if (m < 0)
		return;
	p = S.map[m].addr + (rn(S.map[m].len) & ~7UL);
	w = S.map[m].writable && rn(2);
	sig = guarded_rw(p, sizeof(v), w ? &v : NULL, &rd);
	note("touch %p %s clean %d -> sig %d", (void *)p, w ? "rw" : "r",
	     S.map[m].clean, sig);
	if (S.map[m].clean && rec_hit(S.map[m].rec))
		return;
	if (sig && S.map[m].clean && !in_child)
		violation("fault %d touching clean mapping %p (%s record 0x%" PRIx64 ")",
			  sig, S.map[m].addr,
			  S.map[m].kind ? "gntdev" : "gntalloc",
			  S.rec[S.map[m].rec].index);
	if (!sig && w && rd != v && S.map[m].clean && !in_child)
		violation("wrote 0x%" PRIx64 " at %p, read back 0x%" PRIx64, v,
			  (void *)p, rd);
}

/* Data written through one mapping of a self-grant must be visible through
 * the other while both are valid.
 */
static void op_loopback(void)
{
	int i, d = -1, md, ma, n = 0, c[MAXREC], sig;
	struct rec *dr;
	uint32_t pg;
	size_t off;
	uint64_t v, rd;
	const char *step;

	for (i = 0; i < MAXREC; i++) {
		struct rec *x = &S.rec[i];

		if (x->used && x->kind == K_DEV && x->src >= 0 &&
		    find_clean_map_of(i) >= 0 &&
		    find_clean_map_of(x->src) >= 0)
			c[n++] = i;
	}
	if (!n) {
		/* build one: alloc + dev_map + 2 mmaps happen by the other
		 * ops; nudge them
		 */
		if (rn(2))
			op_alloc();
		else
			op_dmap();
		return;
	}
	d = c[rn(n)];
	dr = &S.rec[d];
	md = find_clean_map_of(d);
	ma = find_clean_map_of(dr->src);
	pg = rn(dr->count);
	off = rn(PG / 8) * 8;
	v = rnd();
	if (!S.map[ma].writable)
		goto reverse;	/* mapped read-only: only gntdev -> gntalloc */
	sig = guarded_rw(S.map[ma].addr + (dr->srcoff + pg) * PG + off,
			 sizeof(v), &v, NULL);
	if (sig) {
		step = "writing via gntalloc";
	} else {
		sig = guarded_rw(S.map[md].addr + pg * PG + off, sizeof(v),
				 NULL, &rd);
		step = "reading via gntdev";
	}
	nloop++;
	if (rec_hit(d) || rec_hit(dr->src))
		return; /* a racer may have freed either meanwhile */
	note("loopback gref %u: alloc map %p -> dev map %p page %u off %zu sig %d",
	     dr->grefs[pg], (void *)S.map[ma].addr, (void *)S.map[md].addr,
	     pg, off, sig);
	if (sig) {
		struct rec *ar = &S.rec[dr->src];

		violation("fault %d %s in loopback check of gref %u: gntdev record index 0x%" PRIx64
			  " count %u (page %u) mapped at %p len 0x%zx; gntalloc record index 0x%" PRIx64
			  " count %u dom %u flags %d (page %u) mapped at %p len 0x%zx",
			  sig, step, dr->grefs[pg], dr->index, dr->count, pg,
			  (void *)S.map[md].addr, S.map[md].len, ar->index,
			  ar->count, ar->domid, ar->writable,
			  dr->srcoff + pg, (void *)S.map[ma].addr,
			  S.map[ma].len);
		return;
	}
	if (rd != v) {
		violation("loopback gref %u: wrote 0x%016" PRIx64
			  " via gntalloc, read 0x%016" PRIx64 " via gntdev",
			  dr->grefs[pg], v, rd);
		return;
	}
reverse:
	if (!S.map[md].writable)
		return;
	v = rnd();
	sig = guarded_rw(S.map[md].addr + pg * PG + off, sizeof(v), &v, NULL);
	if (!sig)
		sig = guarded_rw(S.map[ma].addr + (dr->srcoff + pg) * PG + off,
				 sizeof(v), NULL, &rd);
	if (rec_hit(d) || rec_hit(dr->src))
		return;
	if (sig)
		violation("fault %d in reverse loopback of gref %u", sig,
			  dr->grefs[pg]);
	else if (rd != v)
		violation("loopback gref %u: wrote 0x%016" PRIx64
			  " via gntdev, read 0x%016" PRIx64 " via gntalloc",
			  dr->grefs[pg], v, rd);
}

static void op_bad_ioctl(void)
{
	int kind = rn(2), slot = pick_fd(kind), ret;
	unsigned nr;
	unsigned long cmd;

	if (slot < 0)
		return;
	switch (rn(3)) {
	case 0: /* the other device's numbers */
		nr = kind ? 5 + rn(2) : (rn(2) ? rn(4) : 8);
		cmd = _IOC(_IOC_NONE, 'G', nr, rn(64));
		break;
	case 1:
		nr = 13 + rn(243);
		cmd = _IOC(_IOC_NONE, 'G', nr, rn(64));
		break;
	default:
		nr = rn(256);
		cmd = _IOC(rn(4), 'g' + rn(2) * ('X' - 'g'), nr, rn(64));
		break;
	}
	ret = sysret(ioctl(S.fd[kind][slot], cmd, bad_ptr()));
	note("bad_ioctl %s slot %d cmd 0x%lx -> %d",
	     kind ? "gntdev" : "gntalloc", slot, cmd, ret);
	/* a known command number with a wrong size field may be accepted by
	 * drivers that only look at the number; only reject outright
	 * successes of numbers no device defines
	 */
	if (ret >= 0 && ((cmd >> _IOC_TYPESHIFT) & 0xff) == 'G' &&
	    _IOC_NR(cmd) >= 13)
		violation("unknown ioctl 0x%lx succeeded on %s", cmd,
			  kind ? "gntdev" : "gntalloc");
}

static int dmabuf_export(int slot,
			 struct ioctl_gntdev_dmabuf_exp_from_refs *e,
			 uint32_t count, int *fdp);

/* dma-buf fds of our exports, and their sizes in pages (-1: free) */
#define MAXDB 4
static int dbuf_fd[MAXDB] = { [0 ... MAXDB - 1] = -1 };
static uint32_t dbuf_pages[MAXDB];

/*
 * The dma-buf ioctls (9-12), valid and invalid. Invariants, where the
 * driver has them (the in-tree gntdev as Debian builds it answers
 * ENOTTY): GNTDEV_DMA_FLAG_WC / COHERENT are never accepted, a count of
 * 0, over the limit or unequal to the buffer's never succeeds, a new fd
 * is O_CLOEXEC, and a wait on a buffer we hold never reports it released.
 */
static void op_dmabuf(void)
{
	struct ioctl_gntdev_dmabuf_exp_from_refs *e = (void *)me->bigbuf;
	struct ioctl_gntdev_dmabuf_imp_to_refs *im = (void *)me->bigbuf;
	struct ioctl_gntdev_dmabuf_exp_wait_released w;
	struct ioctl_gntdev_dmabuf_imp_release rel;
	int slot = pick_fd(K_DEV), d = rn(MAXDB), r, ret, fd;
	uint32_t count, flags;

	if (slot < 0)
		return;
	switch (rn(6)) {
	case 0:
	case 1: /* export: a gntalloc record's grants, or nonsense */
		r = pick_rec(K_ALLOC);
		flags = rn(4) ? 0 : (uint32_t)rn(5);
		if (r >= 0 && rn(4)) {
			count = S.rec[r].count;
			memset(e, 0, sizeof(*e));
			memcpy(e->refs, S.rec[r].grefs, count * sizeof(uint32_t));
			e->domid = self_domid;
		} else {
			count = weird_count(65536);
			memset(e, 0, sizeof(*e) + SMALLMAX * sizeof(uint32_t));
			e->domid = pick_domid();
			e->refs[0] = (uint32_t)rnd();
		}
		e->flags = flags;
		e->count = count;
		e->fd = ~0u;
		if (!rn(8)) {
			ret = sysret(ioctl(S.fd[1][slot],
					   IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS,
					   bad_ptr()));
			note("dmabuf exp bad pointer -> %d", ret);
			return;
		}
		ret = dmabuf_export(slot, e, count, &fd);
		note("dmabuf exp count %u flags %u -> %d fd %d", count, flags,
		     ret, fd);
		if (ret < 0)
			return;
		if (flags)
			violation("EXP_FROM_REFS accepted flags %u", flags);
		if (!count || count > 65536)
			violation("EXP_FROM_REFS accepted count %u", count);
		if (fd < 0)
			return; /* the racer closed it */
		r = fcntl(fd, F_GETFD);
		if (r < 0 || !(r & FD_CLOEXEC))
			violation("EXP_FROM_REFS fd %d without O_CLOEXEC (%d)",
				  fd, r);
		if (dbuf_fd[d] >= 0)
			close(dbuf_fd[d]);
		dbuf_fd[d] = fd;
		dbuf_pages[d] = count;
		return;
	case 2: /* import one of them, or a bad fd, granted somewhere */
		fd = dbuf_fd[d] >= 0 && rn(4) ? dbuf_fd[d] : (int)rn(64) - 1;
		count = fd == dbuf_fd[d] && rn(3) ? dbuf_pages[d] :
						     weird_count(65536);
		memset(im, 0, sizeof(*im));
		im->fd = (uint32_t)fd;
		im->count = count;
		im->domid = pick_domid();
		ret = sysret(ioctl(S.fd[1][slot],
				   IOCTL_GNTDEV_DMABUF_IMP_TO_REFS,
				   rn(8) ? (void *)im : bad_ptr()));
		note("dmabuf imp fd %d count %u -> %d", fd, count, ret);
		if (!ret && (!count || count > 65536 ||
			     (fd == dbuf_fd[d] && count != dbuf_pages[d])))
			violation("IMP_TO_REFS accepted count %u", count);
		return;
	case 3: /* release an import (often there is none) */
		rel.fd = dbuf_fd[d] >= 0 && rn(4) ? (uint32_t)dbuf_fd[d] :
						     (uint32_t)rnd();
		rel.reserved = (uint32_t)rnd();
		ret = sysret(ioctl(S.fd[1][slot],
				   IOCTL_GNTDEV_DMABUF_IMP_RELEASE, &rel));
		note("dmabuf imp release fd %d -> %d", (int)rel.fd, ret);
		return;
	case 4: /* wait without waiting: we hold the fd */
		w.fd = dbuf_fd[d] >= 0 && rn(4) ? (uint32_t)dbuf_fd[d] :
						   (uint32_t)rnd();
		w.wait_to_ms = 0;
		ret = sysret(ioctl(S.fd[1][slot],
				   IOCTL_GNTDEV_DMABUF_EXP_WAIT_RELEASED,
				   rn(8) ? (void *)&w : bad_ptr()));
		note("dmabuf wait fd %d -> %d", (int)w.fd, ret);
		if (!ret && (int)w.fd == dbuf_fd[d])
			violation("EXP_WAIT_RELEASED: held fd %d released",
				  (int)w.fd);
		return;
	default: /* let one go */
		if (dbuf_fd[d] >= 0)
			close(dbuf_fd[d]);
		dbuf_fd[d] = -1;
		note("dmabuf close slot %d", d);
		return;
	}
}

static void do_op(int op);

static void run_child_ops(void)
{
	int i, k;

	in_child = 1;
	nviol = 0;
	alarm(20);
	/* forget the parent's fds: ops on shared files would change the
	 * parent's driver state behind its tracking
	 */
	for (k = 0; k < 2; k++)
		for (i = 0; i < MAXFD; i++)
			if (S.fd[k][i] >= 0) {
				close(S.fd[k][i]);
				S.fd[k][i] = -1;
			}
	for (i = 0; i < MAXREC; i++)
		if (S.rec[i].used)
			drop_rec(i);
	for (i = 0; i < MAXMAP; i++)
		S.map[i].clean = 0;
	for (i = 0; i < 12 && !nviol; i++) {
		me->iter++;
		int op = rn(OP_N);

		if (op != OP_FORK)
			do_op(op);
	}
	/* exit with everything still open: the kernel cleans up */
	_exit(nviol ? 3 : 0);
}

static void op_fork(void)
{
	pid_t pid;
	int st;
	uint64_t child_seed = rnd();

	if (in_child)
		return;
	fflush(stdout);
	if (logf)
		fflush(logf);
	pid = fork();
	if (pid < 0) {
		sysret(-1);
		return;
	}
	nforks++;
	if (pid == 0) {
		me->rng = child_seed | 1;
		run_child_ops();
	}
	note("fork -> child %d", (int)pid);
	/* alarm(20) in the child bounds this */
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	note("child %d status 0x%x", (int)pid, st);
	if (WIFSIGNALED(st))
		violation("fork child killed by signal %d%s", WTERMSIG(st),
			  WTERMSIG(st) == SIGALRM ? " (hung > 20 s)" : "");
	else if (WEXITSTATUS(st) == 3)
		violation("fork child broke an invariant (see its output)");
	else if (WEXITSTATUS(st))
		violation("fork child exited %d", WEXITSTATUS(st));
}

static void do_op(int op)
{
	switch (op) {
	case OP_OPEN: op_open(); break;
	case OP_CLOSE: op_close(); break;
	case OP_ALLOC: op_alloc(); break;
	case OP_DEALLOC: op_dealloc(); break;
	case OP_DMAP: op_dmap(); break;
	case OP_DUNMAP: op_dunmap(); break;
	case OP_GETOFF: op_getoff(); break;
	case OP_SETMAX: op_setmax(); break;
	case OP_NOTIFY: op_notify(); break;
	case OP_COPY: op_copy(); break;
	case OP_MMAP: op_mmap(); break;
	case OP_MUNMAP: op_munmap(); break;
	case OP_MPROT: op_mprotect(); break;
	case OP_TOUCH: op_touch(); break;
	case OP_LOOP: op_loopback(); break;
	case OP_FORK: op_fork(); break;
	case OP_BADIOCTL: op_bad_ioctl(); break;
	case OP_DMABUF: op_dmabuf(); break;
	}
}

static int pick_op(void)
{
	int i, tot = 0, x;

	for (i = 0; i < OP_N; i++)
		tot += op_weight[i];
	x = rn(tot);
	for (i = 0; i < OP_N; i++) {
		x -= op_weight[i];
		if (x < 0)
			return i;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/*
 * Stalls. An ioctl's argument goes into a page of its own, registered with
 * the userfaultfd `uffd`: write-protected (SM_WP: the kernel reads it as
 * usual and its copy-out faults) or not yet populated (SM_MISSING: the
 * first copy-in faults). The handler thread takes the fault, starts the
 * racing call in a thread of its own and gives it RACER_WAIT_MS to finish
 * (a driver that holds its lock across the copy makes it wait for the
 * ioctl), then resolves the fault: the copy fails (the page is replaced by
 * an inaccessible one, and the fault retried finds that) or succeeds
 * (protection lifted, or the page filled in). Everything random is drawn
 * by the stalled thread before the call, from its own seeded generator.
 */
#define RACER_WAIT_MS 20

enum { SM_WP, SM_MISSING };
enum { RACE_UNMAP_HINT, RACE_UNMAP_HINT_COUNT, RACE_UNMAP_ZERO, RACE_MMAP,
	RACE_NOTIFY, RACE_CLOSE, RACE_CLOSE_FD };
static const char *const race_name[] = {
	"unmap-next", "unmap-next-count", "unmap-0", "mmap", "notify",
	"close", "close-new-fd" };

struct stall {
	char *page;		/* the argument's page */
	char *src;		/* SM_MISSING: what fills it in */
	size_t off;		/* of the argument in it */
	int mode, fail, race;
	unsigned extra_us;	/* more delay before the resolution */
	struct target t;
	uint32_t count;		/* of the stalled call's range */
	uint64_t guess;		/* the index the racer aims at */
	int close_fd;		/* RACE_CLOSE_FD */
	/* under stall_mu */
	int faulted, done, racer_started, racer_done;
	int racer_ret;
	int owner;
};
static struct stall *active[MAXTHREADS + 1];
static pthread_mutex_t stall_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stall_cv = PTHREAD_COND_INITIALIZER;
static int uffd = -1, uffd_wp;
static unsigned long long nracer_calls;
static volatile int handler_quit;	/* and the executors' */

/* The racing call; no `me` here: everything it needs is in *st. */
static void racer_main(struct stall *st)
{
	const struct target *t = &st->t;
	uint32_t n = st->count ? st->count : 1;
	int ret = 0;
	void *p;

	switch (st->race) {
	case RACE_UNMAP_HINT:
	case RACE_UNMAP_HINT_COUNT:
	case RACE_UNMAP_ZERO: {
		uint64_t idx = st->race == RACE_UNMAP_ZERO ? 0 : st->guess;
		uint32_t c = st->race == RACE_UNMAP_HINT_COUNT ? n : 0;

		chaos_publish(t, idx, c ? c : (t->kind == K_ALLOC ? n : 0), 0);
		if (t->kind == K_DEV) {
			struct ioctl_gntdev_unmap_grant_ref u = { idx, c, 0 };

			ret = ioctl(t->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u);
		} else {
			/* DEALLOC_GREF has no "count 0": the stalled size */
			struct ioctl_gntalloc_dealloc_gref d = { idx, c ? c : n };

			ret = ioctl(t->fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);
		}
		chaos_publish(t, idx, c ? c : (t->kind == K_ALLOC ? n : 0), 0);
		break;
	}
	case RACE_MMAP:
		/* no intent: a mapping destroys nothing; not touched */
		pthread_rwlock_rdlock(&as_lock);
		p = mmap(NULL, n * PG, PROT_READ | PROT_WRITE, MAP_SHARED, t->fd,
			 (off_t)st->guess);
		pthread_rwlock_unlock(&as_lock);
		ret = p == MAP_FAILED ? -1 : 0;
		if (p != MAP_FAILED)
			munmap(p, n * PG);
		break;
	case RACE_NOTIFY: {
		/* gntalloc may clear a byte of ours; gntdev only an event
		 * to a port nobody has (a cleared byte could land in a
		 * page thread 0 checks)
		 */
		struct ioctl_gntdev_unmap_notify un = {
			.index = st->guess + (t->kind == K_ALLOC ? 8 : 0),
			.action = t->kind == K_ALLOC ? UNMAP_NOTIFY_CLEAR_BYTE :
						       UNMAP_NOTIFY_SEND_EVENT,
			.event_channel_port = 0xffffffffu };

		ret = ioctl(t->fd, t->kind == K_DEV ?
			    IOCTL_GNTDEV_SET_UNMAP_NOTIFY :
			    IOCTL_GNTALLOC_SET_UNMAP_NOTIFY, &un);
		break;
	}
	case RACE_CLOSE:
		/* the number stays taken, by /dev/null: no one else can get
		 * it while the others still use it; thread 0 closes it
		 */
		chaos_publish(t, 0, 0, 1);
		ret = dup2(devnull, t->fd) < 0 ? -1 : 0;
		chaos_publish(t, 0, 0, 1);
		break;
	case RACE_CLOSE_FD:
		ret = close(st->close_fd);
		break;
	}
	add(&nracer_calls);
	pthread_mutex_lock(&stall_mu);
	st->racer_ret = ret < 0 ? -errno : ret;
	st->racer_done = 1;
	pthread_cond_broadcast(&stall_cv);
	pthread_mutex_unlock(&stall_mu);
}

/* One per worker, started before the run: runs its stalls' racers. */
static void *exec_main(void *arg)
{
	struct thr *t = arg;
	struct stall *st;

	pthread_mutex_lock(&stall_mu);
	for (;;) {
		while (!t->exec_job && !handler_quit)
			pthread_cond_wait(&stall_cv, &stall_mu);
		if (!t->exec_job)
			break;
		st = t->exec_job;
		t->exec_job = NULL;
		pthread_mutex_unlock(&stall_mu);
		racer_main(st);
		pthread_mutex_lock(&stall_mu);
	}
	pthread_mutex_unlock(&stall_mu);
	return NULL;
}

static void *handler_main(void *arg)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;
	struct stall *st;
	struct timespec until;
	uintptr_t addr;
	char *page, *src;
	int i, fail, mode;
	unsigned extra;

	(void)arg;
	while (!handler_quit) {
		if (poll(&pfd, 1, 100) != 1 ||
		    read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
		    msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		addr = msg.arg.pagefault.address & ~(PG - 1);
		pthread_mutex_lock(&stall_mu);
		st = NULL;
		for (i = 0; i <= MAXTHREADS; i++)
			if (active[i] && !active[i]->done &&
			    (uintptr_t)active[i]->page == addr)
				st = active[i];
		if (st) {
			st->faulted = 1;
			st->racer_started = 1;
			thr[st->owner]->exec_job = st;
			pthread_cond_broadcast(&stall_cv);
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_nsec += RACER_WAIT_MS * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			while (st->racer_started && !st->racer_done &&
			       !pthread_cond_timedwait(&stall_cv, &stall_mu,
						       &until))
				;
		}
		/* st stays valid until its ioctl returns: after the
		 * resolution below, it is not touched
		 */
		page = (char *)addr;
		fail = st ? st->fail : 0;
		mode = st ? st->mode :
		       (msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP ?
			SM_WP : SM_MISSING);
		extra = st ? st->extra_us : 0;
		src = st ? st->src : NULL;
		pthread_mutex_unlock(&stall_mu);
		if (extra)
			usleep(extra);
		if (fail) {
			struct uffdio_range r = { (uintptr_t)page, PG };

			/* replaced, not unmapped: nothing else can be
			 * placed there before the retried fault
			 */
			mmap(page, PG, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
			ioctl(uffd, UFFDIO_WAKE, &r);
		} else if (mode == SM_WP) {
			struct uffdio_writeprotect wp = {
				.range = { (uintptr_t)page, PG }, .mode = 0 };

			ioctl(uffd, UFFDIO_WRITEPROTECT, &wp);
		} else if (src) {
			struct uffdio_copy c = { .dst = (uintptr_t)page,
						 .src = (uintptr_t)src,
						 .len = PG, .mode = 0 };

			ioctl(uffd, UFFDIO_COPY, &c);
		} else {
			struct uffdio_zeropage z = {
				.range = { (uintptr_t)page, PG }, .mode = 0 };

			ioctl(uffd, UFFDIO_ZEROPAGE, &z);
		}
	}
	return NULL;
}

/* Sets up uffd; prints why not. Returns 0 or -1 (no stalls). */
static int stall_setup(void)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg;
	char *p;

	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		printf("stalls: SKIP: userfaultfd: %s\n", strerror(errno));
		return -1;
	}
	if (ioctl(uffd, UFFDIO_API, &api)) {
		/* an older kernel: again without write-protect */
		close(uffd);
		uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
		api.features = 0;
		if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) {
			printf("stalls: SKIP: UFFDIO_API: %s\n", strerror(errno));
			if (uffd >= 0)
				close(uffd);
			uffd = -1;
			return -1;
		}
	}
	/* write-protect of anonymous memory: try it */
	p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED)
		return -1;
	p[0] = 1;
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)p;
	reg.range.len = PG;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	uffd_wp = (api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP) &&
		  !ioctl(uffd, UFFDIO_REGISTER, &reg);
	munmap(p, PG);
	if (!uffd_wp)
		printf("stalls: copy-out stalls SKIP: no userfaultfd write-protect of anonymous memory; copy-in stalls only\n");
	return 0;
}

/*
 * An ioctl on t, with the argument (size bytes at arg; 0: not stallable)
 * in a stall page stall_pct times in a hundred; D_IN/D_OUT: the kernel
 * reads / writes it. count: the stalled call's range, for the racer.
 * close_fd >= 0: always stall, and the racer closes that descriptor.
 */
static int xioctl(const struct target *t, unsigned long cmd, void *arg,
		  size_t size, int dirs, uint32_t count, int close_fd)
{
	struct uffdio_register reg;
	struct stall st;
	int ret, faulted, started;
	static const int race_w[] = { 30, 15, 15, 22, 15, 3 };

	me->stall_failed = 0;
	if (uffd < 0 || in_child || !size || size > PG ||
	    (close_fd < 0 && (int)rn(100) >= stall_pct))
		return sysret(ioctl(t->fd, cmd, arg));
	me->stall_failed = 0;
	memset(&st, 0, sizeof(st));
	st.owner = me->id;
	st.t = *t;
	st.count = count <= 1024 ? count : 1;
	st.mode = (dirs & D_OUT) && uffd_wp && (!(dirs & D_IN) || rn(3)) ?
		  SM_WP : SM_MISSING;
	st.fail = rn(2);
	if (close_fd >= 0) {
		st.race = RACE_CLOSE_FD;
		st.close_fd = close_fd;
	} else {
		int x = rn(100), i;

		for (i = 0; x >= race_w[i]; i++)
			x -= race_w[i];
		st.race = i;
	}
	st.extra_us = rn(4) ? 0 : rn(2000);
	switch (rn(4)) {
	case 0: st.guess = 0; break;
	case 1: st.guess = PG * rn(8); break;
	default:
		st.guess = __atomic_load_n(&hint[t->kind][t->slot],
					   __ATOMIC_RELAXED);
	}
	st.off = rn(PG - size + 1) & ~7UL;
	if (me->id)
		pthread_rwlock_rdlock(&as_lock);
	st.page = mmap(NULL, PG, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (me->id)
		pthread_rwlock_unlock(&as_lock);
	if (st.page == MAP_FAILED)
		return sysret(ioctl(t->fd, cmd, arg));
	memset(&reg, 0, sizeof(reg));
	reg.range.start = (uintptr_t)st.page;
	reg.range.len = PG;
	if (st.mode == SM_WP) {
		struct uffdio_writeprotect wp = {
			.range = { (uintptr_t)st.page, PG },
			.mode = UFFDIO_WRITEPROTECT_MODE_WP };

		memcpy(st.page + st.off, arg, size);
		reg.mode = UFFDIO_REGISTER_MODE_WP;
		if (ioctl(uffd, UFFDIO_REGISTER, &reg) ||
		    ioctl(uffd, UFFDIO_WRITEPROTECT, &wp)) {
			munmap(st.page, PG);
			return sysret(ioctl(t->fd, cmd, arg));
		}
	} else {
		memset(me->stallsrc, 0, PG);
		memcpy(me->stallsrc + st.off, arg, size);
		st.src = me->stallsrc;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (ioctl(uffd, UFFDIO_REGISTER, &reg)) {
			munmap(st.page, PG);
			return sysret(ioctl(t->fd, cmd, arg));
		}
	}
	add(&me->nstall);
	pthread_mutex_lock(&stall_mu);
	active[me->id] = &st;
	pthread_mutex_unlock(&stall_mu);

	ret = sysret(ioctl(t->fd, cmd, st.page + st.off));

	pthread_mutex_lock(&stall_mu);
	st.done = 1;
	active[me->id] = NULL;
	faulted = st.faulted;
	started = st.racer_started;
	/* the racer may still wait for the ioctl (a lock held across
	 * the copy): it touches st until it is done
	 */
	while (started && !st.racer_done)
		pthread_cond_wait(&stall_cv, &stall_mu);
	pthread_mutex_unlock(&stall_mu);
	if (faulted) {
		add(&me->nfaulted);
		add(&me->nraces);
	}
	if (faulted && st.fail) {
		add(&me->nstallfail);
		me->stall_failed = 1;
	}
	/* what the kernel wrote; a missing page it never touched stays so */
	if (!(faulted && st.fail) && (st.mode == SM_WP || faulted))
		memcpy(arg, st.page + st.off, size);
	munmap(st.page, PG);
	note("stall %s cmd 0x%lx %s slot %d: %s, race %s 0x%" PRIx64 " -> %d, ioctl -> %d",
	     st.mode == SM_WP ? "copy-out" : "copy-in", cmd,
	     t->kind ? "gntdev" : "gntalloc", t->slot,
	     !faulted ? "no fault" : st.fail ? "failed" : "let go",
	     race_name[st.race], st.guess, st.racer_ret, ret);
	if (close_fd >= 0 && faulted)
		return ret < 0 ? ret : (st.racer_ret == 0 ? 1 : 0);
	return ret;
}

/*
 * Thread 0's EXP_FROM_REFS: sometimes stalled while a racer closes the
 * descriptor it is about to return. That number is the lowest free one
 * as long as nobody else opens or closes a descriptor: fdtab is held for
 * writing throughout (the racers open none; thread 0 is here). *fdp: the
 * new descriptor, or -1 (none, or the racer closed it).
 */
static int dmabuf_export(int slot,
			 struct ioctl_gntdev_dmabuf_exp_from_refs *e,
			 uint32_t count, int *fdp)
{
	struct target t = tgt(K_DEV, slot);
	size_t size = count && count <= 1000 ?
		      sizeof(*e) + (count - 1) * sizeof(e->refs[0]) : 0;
	int ret, guess = -1;

	*fdp = -1;
	if (uffd >= 0 && !in_child && size && (int)rn(100) < stall_pct &&
	    rn(2)) {
		pthread_rwlock_wrlock(&fdtab);
		guess = dup(devnull);
		if (guess >= 0)
			close(guess);
		ret = xioctl(&t, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, e, size,
			     D_IN | D_OUT, count, guess);
		pthread_rwlock_unlock(&fdtab);
		if (ret < 0)
			return ret;
		/* 1: the racer closed the new descriptor */
		if (ret == 0)
			*fdp = (int)e->fd;
		else
			note("dmabuf exp: fd %d closed by the racer", guess);
		return 0;
	}
	ret = xioctl(&t, IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS, e, size,
		     D_IN | D_OUT, count, -1);
	if (ret == 0)
		*fdp = (int)e->fd;
	return ret;
}

/* ------------------------------------------------------------------ */
/*
 * Threads 1..N-1: calls on thread 0's open files, with ranges of their
 * own (struct rrec) and guessed ones. They check only what holds whatever
 * the others do (a returned index is page aligned, an unknown ioctl is
 * refused); they write to no grant (a gref of theirs that another thread
 * freed may be thread 0's by now) and publish every unmap and dealloc as
 * a chaos intent before they make it. fdtab is held for reading around
 * each call.
 */
static int r_pick(int kind, struct target *t)
{
	int i, n = 0, c[MAXFD];

	for (i = 0; i < MAXFD; i++)
		if (S.fd[kind][i] >= 0)
			c[n++] = i;
	if (!n)
		return -1;
	i = c[rn(n)];
	*t = tgt(kind, i);
	return 0;
}

/* one of our ranges of that kind whose file is still open, or -1 */
static int r_own(int kind, struct target *t)
{
	int i, n = 0, c[RREC];

	for (i = 0; i < RREC; i++) {
		struct rrec *x = &me->rr[i];

		if (!x->used || x->kind != kind)
			continue;
		if (S.gen[kind][x->slot] != x->gen || S.fd[kind][x->slot] < 0) {
			x->used = 0;	/* its file was closed */
			continue;
		}
		c[n++] = i;
	}
	if (!n)
		return -1;
	i = c[rn(n)];
	*t = tgt(kind, me->rr[i].slot);
	return i;
}

static void r_keep(const struct target *t, uint64_t index, uint32_t count,
		   const uint32_t *grefs)
{
	int i;

	for (i = 0; i < RREC; i++)
		if (!me->rr[i].used)
			break;
	if (i == RREC)
		i = rn(RREC);	/* forget one: its file cleans it up */
	me->rr[i] = (struct rrec){ .used = 1, .kind = t->kind, .slot = t->slot,
				   .gen = t->gen, .index = index,
				   .count = count };
	if (grefs)
		memcpy(me->rr[i].grefs, grefs, count * sizeof(uint32_t));
}

static uint64_t r_guess(const struct target *t)
{
	switch (rn(4)) {
	case 0: return 0;
	case 1: return PG * rn(8);
	default:
		return __atomic_load_n(&hint[t->kind][t->slot], __ATOMIC_RELAXED);
	}
}

static void r_alloc(void)
{
	struct ioctl_gntalloc_alloc_gref *a = (void *)me->bigbuf;
	uint32_t count = 1 + rn(4);
	struct target t;
	int ret;

	if (r_pick(K_ALLOC, &t))
		return;
	memset(a, 0, sizeof(*a) + count * 4);
	a->domid = self_domid;
	a->flags = GNTALLOC_FLAG_WRITABLE;
	a->count = count;
	ret = xioctl(&t, IOCTL_GNTALLOC_ALLOC_GREF, a,
		     sizeof(*a) + (count - 1) * 4, D_IN | D_OUT, count, -1);
	note("r_alloc slot %d count %u -> %d index 0x%" PRIx64, t.slot, count,
	     ret, (uint64_t)a->index);
	if (ret < 0)
		return;
	if (a->index % PG)
		violation("ALLOC_GREF index 0x%" PRIx64 " not page aligned",
			  (uint64_t)a->index);
	set_hint(&t, a->index, count);
	r_keep(&t, a->index, count, a->gref_ids);
}

static void r_dealloc(void)
{
	struct ioctl_gntalloc_dealloc_gref d;
	struct target t;
	int i = r_own(K_ALLOC, &t), ret;

	/* guesses hit thread 0's ranges: often enough to race it, not so
	 * often that its records die before they are checked
	 */
	if (i >= 0 && rn(6)) {
		d.index = me->rr[i].index;
		d.count = me->rr[i].count;
		me->rr[i].used = 0;
	} else {
		if (r_pick(K_ALLOC, &t))
			return;
		d.index = r_guess(&t);
		d.count = 1 + rn(4);
	}
	chaos_publish(&t, d.index, d.count, 0);
	ret = xioctl(&t, IOCTL_GNTALLOC_DEALLOC_GREF, &d, sizeof(d), D_IN,
		     d.count, -1);
	chaos_publish(&t, d.index, d.count, 0);
	note("r_dealloc slot %d index 0x%" PRIx64 " count %u -> %d", t.slot,
	     (uint64_t)d.index, d.count, ret);
}

static void r_map(void)
{
	struct ioctl_gntdev_map_grant_ref *m = (void *)me->bigbuf;
	struct target t, ta;
	uint32_t count, i;
	int a = r_own(K_ALLOC, &ta), ret;

	if (r_pick(K_DEV, &t))
		return;
	if (a >= 0 && rn(4)) {
		count = me->rr[a].count;
		for (i = 0; i < count; i++) {
			m->refs[i].ref = me->rr[a].grefs[i];
			m->refs[i].domid = self_domid;
		}
	} else {
		count = 1 + rn(4);
		for (i = 0; i < count; i++) {
			m->refs[i].ref = rn(2) ? rn(64) : (uint32_t)rnd();
			m->refs[i].domid = self_domid;
		}
	}
	m->count = count;
	m->pad = 0;
	m->index = ~0ULL;
	ret = xioctl(&t, IOCTL_GNTDEV_MAP_GRANT_REF, m,
		     sizeof(*m) + (count - 1) * sizeof(m->refs[0]),
		     D_IN | D_OUT, count, -1);
	note("r_map slot %d count %u ref0 %u -> %d index 0x%" PRIx64, t.slot,
	     count, m->refs[0].ref, ret, (uint64_t)m->index);
	if (ret < 0)
		return;
	if (m->index % PG)
		violation("MAP_GRANT_REF index 0x%" PRIx64 " not page aligned",
			  (uint64_t)m->index);
	set_hint(&t, m->index, count);
	r_keep(&t, m->index, count, NULL);
}

static void r_unmap(void)
{
	struct ioctl_gntdev_unmap_grant_ref u = { 0, 0, 0 };
	struct target t;
	int i = r_own(K_DEV, &t), ret;

	if (i >= 0 && rn(6)) {
		u.index = me->rr[i].index;
		u.count = rn(3) ? me->rr[i].count : 0;
		me->rr[i].used = 0;
	} else {
		if (r_pick(K_DEV, &t))
			return;
		u.index = r_guess(&t);
		u.count = rn(2) ? 0 : 1 + rn(4);
	}
	chaos_publish(&t, u.index, u.count, 0);
	ret = xioctl(&t, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u, sizeof(u), D_IN,
		     u.count, -1);
	chaos_publish(&t, u.index, u.count, 0);
	note("r_unmap slot %d index 0x%" PRIx64 " count %u -> %d", t.slot,
	     (uint64_t)u.index, u.count, ret);
}

/* map one of ours (or a guess), read it, keep the mapping a while */
static void r_mmap(void)
{
	int kind = rn(2), i, j, ret, sig;
	struct target t;
	uint64_t off;
	uint32_t count;
	char *p, c;

	for (j = 0; j < RMAPS && me->rm_addr[j]; j++)
		;
	if (j == RMAPS) {
		j = rn(RMAPS);
		munmap(me->rm_addr[j], me->rm_len[j]);
		me->rm_addr[j] = NULL;
	}
	i = r_own(kind, &t);
	if (i >= 0 && rn(4)) {
		off = me->rr[i].index;
		count = me->rr[i].count;
	} else {
		if (r_pick(kind, &t))
			return;
		off = r_guess(&t);
		count = 1 + rn(2);
	}
	pthread_rwlock_rdlock(&as_lock);
	p = mmap(NULL, count * PG, PROT_READ | (rn(2) ? PROT_WRITE : 0),
		 MAP_SHARED, t.fd, (off_t)off);
	pthread_rwlock_unlock(&as_lock);
	ret = sysret(p == MAP_FAILED ? -1 : 0);
	if (p == MAP_FAILED) {
		note("r_mmap %s slot %d off 0x%" PRIx64 " -> %d",
		     kind ? "gntdev" : "gntalloc", t.slot, off, ret);
		return;
	}
	sig = guarded_rw(p + rn(count) * PG, 1, NULL, &c);
	note("r_mmap %s slot %d off 0x%" PRIx64 " -> %p, read sig %d",
	     kind ? "gntdev" : "gntalloc", t.slot, off, (void *)p, sig);
	if (kind == K_DEV) {
		struct ioctl_gntdev_get_offset_for_vaddr g = {
			.vaddr = (uintptr_t)p };

		ret = xioctl(&t, IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR, &g,
			     sizeof(g), D_IN | D_OUT, count, -1);
		if (ret == 0 && g.offset % PG)
			violation("GET_OFFSET_FOR_VADDR offset 0x%" PRIx64
				  " not page aligned", (uint64_t)g.offset);
	}
	if (rn(3)) {
		me->rm_addr[j] = p;
		me->rm_len[j] = count * PG;
	} else {
		munmap(p, count * PG);
	}
}

static void r_notify(void)
{
	int kind = rn(2), i, ret;
	struct ioctl_gntdev_unmap_notify n;
	struct target t;

	i = r_own(kind, &t);
	if (i < 0 && r_pick(kind, &t))
		return;
	memset(&n, 0, sizeof(n));
	n.index = i >= 0 ? me->rr[i].index + rn(PG) : r_guess(&t) + rn(PG);
	/* no CLEAR_BYTE on gntdev: the page may be one thread 0 checks */
	n.action = kind == K_ALLOC && rn(2) ? UNMAP_NOTIFY_CLEAR_BYTE :
		   rn(2) ? UNMAP_NOTIFY_SEND_EVENT : 0;
	n.event_channel_port = 0xffffffffu;
	ret = xioctl(&t, kind ? IOCTL_GNTDEV_SET_UNMAP_NOTIFY :
				IOCTL_GNTALLOC_SET_UNMAP_NOTIFY,
		     &n, sizeof(n), D_IN, 0, -1);
	note("r_notify %s slot %d index 0x%" PRIx64 " action %u -> %d",
	     kind ? "gntdev" : "gntalloc", t.slot, (uint64_t)n.index,
	     n.action, ret);
}

/* grant -> local only: our grefs may be another's by now */
static void r_copy(void)
{
	struct gntdev_grant_copy_segment seg;
	struct ioctl_gntdev_grant_copy c = { .count = 1, .segments = &seg };
	static __thread char buf[PG];
	struct target t, ta;
	int a = r_own(K_ALLOC, &ta), ret;

	if (r_pick(K_DEV, &t))
		return;
	memset(&seg, 0, sizeof(seg));
	seg.source.foreign.ref = a >= 0 ? me->rr[a].grefs[0] : rn(64);
	seg.source.foreign.domid = self_domid;
	seg.source.foreign.offset = rn(PG);
	seg.len = 1 + rn(PG - seg.source.foreign.offset);
	seg.dest.virt = buf;
	seg.flags = GCOPY_SRC_GREF;
	ret = xioctl(&t, IOCTL_GNTDEV_GRANT_COPY, &c, sizeof(c), D_IN, 0, -1);
	note("r_copy from gref %u len %u -> %d status %d",
	     seg.source.foreign.ref, seg.len, ret, seg.status);
}

static void r_misc(void)
{
	struct target t;
	int kind = rn(2), ret;
	unsigned long cmd;

	if (r_pick(kind, &t))
		return;
	if (kind == K_DEV && rn(2)) {
		struct ioctl_gntdev_set_max_grants s = { 4096 + rn(4096) };

		ret = xioctl(&t, IOCTL_GNTDEV_SET_MAX_GRANTS, &s, sizeof(s),
			     D_IN, 0, -1);
		note("r_setmax slot %d %u -> %d", t.slot, s.count, ret);
		return;
	}
	cmd = _IOC(_IOC_NONE, 'G', 13 + rn(243), rn(64));
	ret = sysret(ioctl(t.fd, cmd, bad_ptr()));
	note("r_bad_ioctl slot %d 0x%lx -> %d", t.slot, cmd, ret);
	if (ret >= 0)
		violation("unknown ioctl 0x%lx succeeded on %s", cmd,
			  kind ? "gntdev" : "gntalloc");
}

static void racer_loop(void)
{
	static const struct { void (*fn)(void); int w; } ops[] = {
		{ r_alloc, 10 }, { r_dealloc, 8 }, { r_map, 12 },
		{ r_unmap, 10 }, { r_mmap, 8 }, { r_notify, 3 },
		{ r_copy, 3 }, { r_misc, 2 } };
	int i, x, tot = 0, n = sizeof(ops) / sizeof(ops[0]);

	for (i = 0; i < n; i++)
		tot += ops[i].w;
	while (!stop_all) {
		me->iter++;
		x = rn(tot);
		for (i = 0; x >= ops[i].w; i++)
			x -= ops[i].w;
		x = get(&me->nops);
		pthread_rwlock_rdlock(&fdtab);
		ops[i].fn();
		pthread_rwlock_unlock(&fdtab);
		if (get(&me->nops) == (unsigned long long)x)
			usleep(100);	/* nothing open yet: let thread 0 on */
	}
	for (i = 0; i < RMAPS; i++)
		if (me->rm_addr[i])
			munmap(me->rm_addr[i], me->rm_len[i]);
}

static void cleanup(void)
{
	int i, k;

	for (i = 0; i < MAXMAP; i++)
		if (S.map[i].used) {
			munmap(S.map[i].addr, S.map[i].len);
			S.map[i].used = 0;
		}
	for (i = 0; i < MAXREC; i++)
		drop_rec(i);
	for (k = 0; k < 2; k++)
		for (i = 0; i < MAXFD; i++)
			if (S.fd[k][i] >= 0)
				close_slot(k, i);
	for (i = 0; i < MAXDB; i++)
		if (dbuf_fd[i] >= 0) {
			close(dbuf_fd[i]);
			dbuf_fd[i] = -1;
		}
}

/* ------------------------------------------------------------------ */
/*
 * The kernel's side: /dev/kmsg, read from the end while the run lasts.
 * The first record with one of these stops the run; the records of the
 * next half second are printed with it (the trace).
 */
static const char *const kbad[] = {
	"BUG:", "WARNING:", "refcount_t:", "KASAN", "Oops",
	"list_add corruption", "list_del corruption", "general protection",
	"UBSAN:", "KFENCE:", "Call Trace", NULL };
static int kmsg_fd = -1;
static volatile int kmsg_quit;

static unsigned long long total(size_t field);

static void *kmsg_main(void *arg)
{
	struct pollfd pfd = { .fd = kmsg_fd, .events = POLLIN };
	char buf[8192], *msg, *nl;
	double hit_at = 0;
	int i, shown = 0;
	ssize_t n;

	(void)arg;
	for (;;) {
		if (hit_at && (now() - hit_at > 0.5 || shown >= 40))
			break;
		if (kmsg_quit && !hit_at)
			break;
		if (poll(&pfd, 1, 100) != 1)
			continue;
		n = read(kmsg_fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			continue;	/* EAGAIN, or EPIPE: records lost */
		buf[n] = 0;
		msg = strchr(buf, ';');
		if (!msg)
			continue;
		msg++;
		nl = strchr(msg, '\n');
		if (nl)
			*nl = 0;
		if (hit_at) {
			printf("  kernel: %s\n", msg);
			shown++;
			continue;
		}
		for (i = 0; kbad[i]; i++)
			if (strstr(msg, kbad[i]))
				break;
		if (!kbad[i])
			continue;
		hit_at = now();
		add(&nkernel);
		add(&nviol);
		stop_all = 1;
		pthread_mutex_lock(&print_mu);
		printf("KERNEL PROBLEM (seed %" PRIu64 ", %.1f s into the run, after %llu ops, %llu stalled): %s\n",
		       seed, hit_at - t_start,
		       total(offsetof(struct thr, nops)),
		       total(offsetof(struct thr, nfaulted)), msg);
		pthread_mutex_unlock(&print_mu);
	}
	fflush(stdout);
	return NULL;
}

/* ------------------------------------------------------------------ */

static unsigned long long max_iter;

static void *worker_main(void *arg)
{
	me = arg;
	if (me->id) {
		racer_loop();
		return NULL;
	}
	/* stop at the first broken invariant: the op log then ends there */
	for (me->iter = 0; (!max_iter || me->iter < max_iter) && !stop_all;
	     me->iter++) {
		chaos_apply();
		do_op(pick_op());
	}
	/* the racers stop too; cleanup() comes when they have */
	stop_all = 1;
	return NULL;
}

static unsigned long long total(size_t field)
{
	unsigned long long n = 0;
	int i;

	for (i = 0; i < nthreads; i++)
		n += get((unsigned long long *)((char *)thr[i] + field));
	return n;
}

/* progress only: racy reads of thread 0's model */
static int recs_live(void)
{
	int i, n = 0;

	for (i = 0; i < MAXREC; i++)
		n += S.rec[i].used;
	return n;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gntfuzz [--seed N] [--seconds S] [--iterations N] [--domid D]\n"
		"               [--threads N] [--stall-percent P] [--no-kmsg]\n"
		"               [--log FILE] [--verbose]\n");
	exit(2);
}

#define T(f) total(offsetof(struct thr, f))

int main(int argc, char **argv)
{
	double seconds = 60, tlast, t;
	unsigned long long last_ops = 0;
	int i, k, have_seed = 0, have_seconds = 0, avail[2], use_kmsg = 1;
	int stuck = 0;
	struct sigaction sa;
	const char *logpath = NULL;
	pthread_t handler = 0, kmsg_thread = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
			have_seed = 1;
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = strtod(argv[++i], NULL);
			have_seconds = 1;
		} else if (!strcmp(argv[i], "--iterations") && i + 1 < argc) {
			max_iter = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--domid") && i + 1 < argc) {
			self_domid = strtoul(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			nthreads = atoi(argv[++i]);
			if (nthreads < 1 || nthreads > MAXTHREADS)
				usage();
		} else if (!strcmp(argv[i], "--stall-percent") && i + 1 < argc) {
			stall_pct = atoi(argv[++i]);
			if (stall_pct < 0 || stall_pct > 100)
				usage();
		} else if (!strcmp(argv[i], "--no-kmsg")) {
			use_kmsg = 0;
		} else if (!strcmp(argv[i], "--log") && i + 1 < argc) {
			logpath = argv[++i];
		} else if (!strcmp(argv[i], "--verbose")) {
			verbose = 1;
		} else {
			usage();
		}
	}
	if (max_iter && !have_seconds)
		seconds = 0; /* iterations only */
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = ((uint64_t)ts.tv_sec * 1000003u) ^ ts.tv_nsec ^
		       ((uint64_t)getpid() << 32);
	}
	printf("seed %" PRIu64 "\n", seed);
	printf("threads %d, stall-percent %d\n", nthreads, stall_pct);
	for (i = 0; i < nthreads; i++) {
		thr[i] = calloc(1, sizeof(*thr[i]));
		if (!thr[i] || posix_memalign((void **)&thr[i]->stallsrc, PG, PG))
			return 2;
		thr[i]->id = i;
		/* thread 0 is seeded as gntfuzz always was */
		thr[i]->rng = (seed + i * 0x9E3779B97F4A7C15ULL) *
			      0x9E3779B97F4A7C15ULL + 0x1234567;
		if (!thr[i]->rng)
			thr[i]->rng = 1;
	}
	me = thr[0];
	if (logpath) {
		logf = fopen(logpath, "w");
		if (!logf) {
			perror(logpath);
			return 2;
		}
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* an inaccessible page that stays reserved: nothing else can be
	 * mapped there later and turn "bad pointer" requests into real ones
	 */
	unmapped_addr = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			     -1, 0);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (unmapped_addr == MAP_FAILED || devnull < 0)
		return 2;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < MAXFD; i++)
			S.fd[k][i] = -1;
		avail[k] = access(k ? "/dev/xen/gntdev" : "/dev/xen/gntalloc",
				  R_OK | W_OK) == 0;
	}
	if (!avail[0] || !avail[1]) {
		fprintf(stderr, "gntfuzz: /dev/xen/gntdev and /dev/xen/gntalloc needed\n");
		return 2;
	}
	for (i = 0; i < MAXDB; i++)
		dbuf_fd[i] = -1;

	{
		/* thread 0's close must not wait for ever for a gap
		 * between the racers' calls
		 */
		pthread_rwlockattr_t a;

		pthread_rwlockattr_init(&a);
		pthread_rwlockattr_setkind_np(&a,
			PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&fdtab, &a);
	}
	if (stall_pct && stall_setup() == 0) {
		for (i = 0; i < nthreads; i++)
			if (pthread_create(&thr[i]->exec_tid, NULL, exec_main,
					   thr[i]))
				return 2;
		if (pthread_create(&handler, NULL, handler_main, NULL)) {
			printf("stalls: SKIP: no handler thread\n");
			close(uffd);
			uffd = -1;
		}
	}
	if (use_kmsg) {
		kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (kmsg_fd < 0 || lseek(kmsg_fd, 0, SEEK_END) < 0 ||
		    pthread_create(&kmsg_thread, NULL, kmsg_main, NULL)) {
			printf("kernel log watch: SKIP: /dev/kmsg: %s\n",
			       strerror(errno));
			kmsg_thread = 0;
		}
	}
	fflush(stdout);

	t_start = tlast = now();
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&thr[i]->tid, NULL, worker_main, thr[i])) {
			fprintf(stderr, "gntfuzz: pthread_create failed\n");
			return 2;
		}
	while (!stop_all) {
		usleep(100000);
		t = now();
		if (seconds > 0 && t - t_start >= seconds)
			stop_all = 1;
		if (t - tlast >= 5) {
			unsigned long long ops = T(nops);

			printf("%.0f s: ops %llu, %.0f ops/s, thread 0: iter %llu, ops %llu, records %d, maps %d; stalls %llu (%llu held)\n",
			       t - t_start, ops, (ops - last_ops) / (t - tlast),
			       get(&thr[0]->iter), get(&thr[0]->nops),
			       recs_live(), maps_live(), T(nstall),
			       T(nfaulted));
			fflush(stdout);
			last_ops = ops;
			tlast = t;
		}
	}
	/* racers first, then thread 0 (which closes the files) */
	for (i = nthreads - 1; i >= 0; i--) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 30;
		if (pthread_timedjoin_np(thr[i]->tid, NULL, &until)) {
			printf("thread %d did not finish within 30 s (stuck in the kernel?)\n",
			       i);
			stuck = 1;
		}
	}
	t = now();
	if (!stuck) {
		me = thr[0];
		cleanup();
	}
	handler_quit = 1;
	if (handler) {
		pthread_join(handler, NULL);
		pthread_mutex_lock(&stall_mu);
		pthread_cond_broadcast(&stall_cv);
		pthread_mutex_unlock(&stall_mu);
		for (i = 0; i < nthreads; i++)
			pthread_join(thr[i]->exec_tid, NULL);
	}
	/* late kernel messages: deferred unmaps, the closes above */
	usleep(500000);
	kmsg_quit = 1;
	if (kmsg_thread)
		pthread_join(kmsg_thread, NULL);
	if (stuck)
		add(&nviol);
	printf("summary: seed %" PRIu64 " threads %d stall-percent %d iterations %llu ops %llu thread0-ops %llu ok %llu failed %llu faults %llu forks %llu loopback-checks %llu copies-verified %llu stalls %llu stalls-held %llu stalls-failed %llu racer-calls %llu seconds %.1f ops-per-s %.0f kernel-problems %llu invariant-violations %llu\n",
	       seed, nthreads, uffd >= 0 ? stall_pct : 0, get(&thr[0]->iter),
	       T(nops), get(&thr[0]->nops), T(nok), T(nerr), T(nfault),
	       nforks, nloop, ncopy,
	       T(nstall), T(nfaulted), T(nstallfail), get(&nracer_calls),
	       t - t_start, T(nops) / (t - t_start), nkernel,
	       nviol - nkernel);
	fflush(stdout);
	if (logf)
		fclose(logf);
	if (stuck)
		_exit(1);
	return nviol ? 1 : 0;
}
