// SPDX-License-Identifier: GPL-2.0
/*
 * gntfuzz: seeded, reproducible random-operation fuzzer for /dev/xen/gntdev
 * and /dev/xen/gntalloc.
 *
 * Runs random sequences of open/close, every ioctl of both devices (valid
 * and invalid arguments), mmap/munmap/mprotect, fork, self-grant loopback
 * (gntalloc grants to our own domid, gntdev maps them back) and GRANT_COPY
 * on such grants.  Exit status: 0 = no invariant broken, 1 = an invariant
 * was broken, 2 = usage / setup error.
 *
 *   gntfuzz [--seed N] [--seconds S] [--iterations N] [--domid D]
 *           [--log FILE] [--verbose]
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

static struct {
	int fd[2][MAXFD];
	struct rec rec[MAXREC];
	struct mapping map[MAXMAP];
} S;

static uint64_t rng_state;
static uint64_t seed;
static uint16_t self_domid;
static int in_child;
static int verbose;
static FILE *logf;
static unsigned long long iter, nops, nok, nerr, nfault, nforks, nloop,
	ncopy, nviol;
static char *unmapped_addr;
static uint32_t bigbuf[BIGBUF];
static uint64_t scratch[2048];	/* misaligned garbage for bad pointers */

static sigjmp_buf jb;
static volatile sig_atomic_t jb_armed;

enum { OP_OPEN, OP_CLOSE, OP_ALLOC, OP_DEALLOC, OP_DMAP, OP_DUNMAP,
	OP_GETOFF, OP_SETMAX, OP_NOTIFY, OP_COPY, OP_MMAP, OP_MUNMAP,
	OP_MPROT, OP_TOUCH, OP_LOOP, OP_FORK, OP_BADIOCTL, OP_DMABUF, OP_N };
static const int op_weight[OP_N] = { 6, 3, 12, 6, 12, 6, 4, 1, 4, 6,
				     12, 5, 3, 8, 10, 1, 2, 4 };

#define RING 64
static char ring[RING][160];
static unsigned ring_pos;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rng_state = x;
	return x * 0x2545F4914F6CDD1DULL;
}

static uint64_t rn(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static void note(const char *fmt, ...)
{
	va_list ap;
	char *s = ring[ring_pos++ % RING];

	va_start(ap, fmt);
	vsnprintf(s, sizeof(ring[0]), fmt, ap);
	va_end(ap);
	if (verbose)
		printf("%s%s\n", in_child ? "[child] " : "", s);
	if (logf) {
		fprintf(logf, "%s%llu %s\n", in_child ? "[child] " : "", iter,
			s);
		fflush(logf);
	}
}

static void violation(const char *fmt, ...)
{
	va_list ap;
	unsigned i;

	nviol++;
	printf("INVARIANT BROKEN (seed %" PRIu64 ", iter %llu%s): ", seed,
	       iter, in_child ? ", child" : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\nlast operations:\n");
	for (i = ring_pos > RING ? ring_pos - RING : 0; i < ring_pos; i++)
		printf("  %s\n", ring[i % RING]);
	fflush(stdout);
	if (logf) {
		fprintf(logf, "INVARIANT BROKEN at iter %llu\n", iter);
		fflush(logf);
	}
}

static void on_fault(int sig)
{
	if (jb_armed) {
		jb_armed = 0;
		siglongjmp(jb, sig);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Guarded memory access: returns 0 or the signal number. */
static int guarded_rw(char *p, size_t n, const void *wr, void *rd)
{
	int sig;

	sig = sigsetjmp(jb, 1);
	if (sig) {
		nfault++;
		return sig;
	}
	jb_armed = 1;
	if (wr)
		memcpy(p, wr, n);
	if (rd)
		memcpy(rd, p, n);
	jb_armed = 0;
	return 0;
}

static int sysret(long r)
{
	nops++;
	if (r < 0) {
		nerr++;
		return -errno;
	}
	nok++;
	return (int)r;
}

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
		memset(scratch, 0xff, sizeof(scratch));
		return (char *)scratch + 1 + rn(7);
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
	if (fd >= 0)
		S.fd[kind][i] = fd;
}

static void close_slot(int kind, int slot)
{
	int r;

	for (r = 0; r < MAXREC; r++)
		if (S.rec[r].used && S.rec[r].kind == kind &&
		    S.rec[r].fdslot == slot)
			drop_rec(r);
	sysret(close(S.fd[kind][slot]));
	S.fd[kind][slot] = -1;
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
		if (idx < x->index + (uint64_t)x->count * PG &&
		    x->index < idx + cnt * PG)
			return r;
	}
	return -1;
}

static void op_alloc(void)
{
	int slot = pick_fd(K_ALLOC), r, ret, i, j;
	struct ioctl_gntalloc_alloc_gref *a = (void *)bigbuf;
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
	ret = sysret(ioctl(S.fd[0][slot], IOCTL_GNTALLOC_ALLOC_GREF, a));
	note("alloc slot %d dom %u flags %u count %u -> %d index 0x%" PRIx64,
	     slot, a->domid, flags, count, ret, (uint64_t)a->index);
	if (ret < 0)
		return;
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
	ret = sysret(ioctl(S.fd[0][slot], IOCTL_GNTALLOC_DEALLOC_GREF,
			   sel == 5 ? bad_ptr() : (void *)&d));
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
	struct ioctl_gntdev_map_grant_ref *m = (void *)bigbuf;
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
	ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_MAP_GRANT_REF, m));
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
	if (m->index % PG)
		violation("MAP_GRANT_REF index 0x%" PRIx64 " not page aligned",
			  (uint64_t)m->index);
	i = overlaps(K_DEV, slot, m->index, count, -1);
	if (i >= 0)
		violation("MAP_GRANT_REF index 0x%" PRIx64
			  " count %u overlaps live record 0x%" PRIx64,
			  (uint64_t)m->index, count, S.rec[i].index);
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
	ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_UNMAP_GRANT_REF,
			   sel == 5 ? bad_ptr() : (void *)&u));
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
	ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_GET_OFFSET_FOR_VADDR,
			   &g));
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
	} else if (ret < 0 && exact) {
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
	ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_SET_MAX_GRANTS,
			   rn(10) ? (void *)&s : bad_ptr()));
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
	ret = sysret(ioctl(S.fd[kind][slot], cmd, &n));
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
		if (ret == 0 && seg[0].status == 0 && memcmp(src, back, len))
			violation("GRANT_COPY round trip through gref %u differs",
				  S.rec[a].grefs[page]);
		i = find_clean_map_of(a);
		if (i >= 0) {
			static char via[PG];

			if (guarded_rw(S.map[i].addr + page * PG + off, len,
				       NULL, via))
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
	ret = sysret(ioctl(S.fd[1][slot], IOCTL_GNTDEV_GRANT_COPY,
			   rn(20) ? (void *)&c : bad_ptr()));
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
	p = mmap(hint, len, prot, flags, S.fd[kind][slot], off);
	sysret(p == MAP_FAILED ? -1 : 0);
	note("mmap %s slot %d len 0x%zx off 0x%jx prot %d flags 0x%x fixed %p -> %p",
	     kind ? "gntdev" : "gntalloc", slot, len, (intmax_t)off, prot,
	     flags, (void *)hint, p == MAP_FAILED ? NULL : (void *)p);
	if (fixed >= 0) {
		/* the old mapping is gone or replaced in [hint, hint+len) */
		S.map[fixed].clean = 0;
		if (p == MAP_FAILED)
			reserve(hint, len);
		if (p != MAP_FAILED && len >= S.map[fixed].len)
			S.map[fixed].used = 0;
	}
	if (p == MAP_FAILED)
		return;
	if (flags & MAP_PRIVATE)
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
	ret = sysret(munmap(a, l));
	note("munmap %p len 0x%zx (mapping %p 0x%zx) -> %d", (void *)a, l,
	     (void *)x->addr, x->len, ret);
	if (ret == 0 && a == x->addr && l >= x->len) {
		x->used = 0;
	} else {
		x->clean = 0;
		if (ret == 0)
			reserve(a, l);
	}
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
	struct ioctl_gntdev_dmabuf_exp_from_refs *e = (void *)bigbuf;
	struct ioctl_gntdev_dmabuf_imp_to_refs *im = (void *)bigbuf;
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
		ret = sysret(ioctl(S.fd[1][slot],
				   IOCTL_GNTDEV_DMABUF_EXP_FROM_REFS,
				   rn(8) ? (void *)e : bad_ptr()));
		note("dmabuf exp count %u flags %u -> %d fd %d", count, flags,
		     ret, ret ? -1 : (int)e->fd);
		if (ret < 0)
			return;
		fd = (int)e->fd;
		if (flags)
			violation("EXP_FROM_REFS accepted flags %u", flags);
		if (!count || count > 65536)
			violation("EXP_FROM_REFS accepted count %u", count);
		if (!(fcntl(fd, F_GETFD) & FD_CLOEXEC))
			violation("EXP_FROM_REFS fd %d without O_CLOEXEC", fd);
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
		rng_state = child_seed | 1;
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
			if (S.fd[k][i] >= 0) {
				close(S.fd[k][i]);
				S.fd[k][i] = -1;
			}
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: gntfuzz [--seed N] [--seconds S] [--iterations N] [--domid D] [--log FILE] [--verbose]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = 60, t0, tlast, t;
	unsigned long long max_iter = 0, last_ops = 0;
	int i, k, have_seed = 0, have_seconds = 0, avail[2];
	struct sigaction sa;
	const char *logpath = NULL;

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
	fflush(stdout);
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 0x1234567;
	if (!rng_state)
		rng_state = 1;
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
	if (unmapped_addr == MAP_FAILED)
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

	t0 = tlast = now();
	/* stop at the first broken invariant: the op log then ends there */
	for (iter = 0; (!max_iter || iter < max_iter) && !nviol; iter++) {
		do_op(pick_op());
		if ((iter & 63) == 0) {
			t = now();
			if (seconds > 0 && t - t0 >= seconds)
				break;
			if (t - tlast >= 5) {
				printf("iter %llu, %.0f ops/s, maps live %d\n",
				       iter, (nops - last_ops) / (t - tlast),
				       maps_live());
				fflush(stdout);
				last_ops = nops;
				tlast = t;
			}
		}
	}
	cleanup();
	t = now();
	printf("summary: seed %" PRIu64 " iterations %llu ops %llu ok %llu failed %llu faults %llu forks %llu loopback-checks %llu copies-verified %llu seconds %.1f invariant-violations %llu\n",
	       seed, iter, nops, nok, nerr, nfault, nforks, nloop, ncopy,
	       t - t0, nviol);
	if (logf)
		fclose(logf);
	return nviol ? 1 : 0;
}
