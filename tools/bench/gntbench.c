// SPDX-License-Identifier: GPL-2.0
/*
 * gntbench: timings of the Xen grant devices, in one domain.
 *
 * Most workloads are a self-grant loopback: /dev/xen/gntalloc grants
 * pages to our own domain (dom0: domid 0) and /dev/xen/gntdev maps or
 * copies them back. The peer_* workloads do the same mapping and copying
 * on pages another domain granted us (--peer-refs FILE: its domid, then
 * at least 4096 grant references of writable pages); they are left out
 * without such a file. Before a peer workload is timed, its pages are
 * mapped once to check that the data goes through, and unmapped again,
 * so that every timed map or copy is the first use of the grant, as for
 * a backend meeting a frontend's pages. The program works the same
 * whichever driver set is loaded: xen-gnt's (xen_gntcore is present) or
 * the kernel's own; it says which.
 *
 * Each workload runs in a child process of its own (a crash or a hang
 * of one cannot take the others with it), opens the devices, sets up
 * what it needs, checks once that the data really goes through, then
 * times batches of iterations with CLOCK_MONOTONIC. A workload reports
 * the median over its samples (--reps) of the time per operation, in
 * microseconds; copies also report MB/s. When xen-gnt's debugfs counters
 * are there, the grant-table hypercalls (and batches, map/unmap/copy ops)
 * made during the timed iterations are reported per operation.
 *
 * Output: one line per workload, "NAME VALUE UNIT [key=value...]", and
 * with --json FILE the same as a JSON document. The program only prints
 * numbers; it has no thresholds. Exit status: 0 if every selected
 * workload ran, 1 if one failed, 2 for a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <stddef.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The uapi header leaves these to user space. */
typedef uint32_t grant_ref_t;
typedef uint16_t domid_t;
#include <xen/gntdev.h>
#include <xen/gntalloc.h>

/* From Xen's public grant_table.h. */
#define GNTCOPY_SOURCE_GREF (1 << 0)
#define GNTCOPY_DEST_GREF (1 << 1)

#define PG 4096UL
#define MIB (1024UL * 1024UL)
#define MAX_REPS 64
#define ERRLEN 200
#define MAX_EXTRA 8
#define MAX_PROCS 256

#define GNTDEV_PATH "/dev/xen/gntdev"
#define GNTALLOC_PATH "/dev/xen/gntalloc"
#define STATS_GLOB "/sys/kernel/debug/xen-gnt/*/stats"

/* Counters of xen-gnt's debugfs stats reported per operation. */
static const char *const stat_keys[] = {
	"hypercalls", "batches", "map_ops", "unmap_ops", "copy_ops",
};
#define NR_STATS (sizeof(stat_keys) / sizeof(stat_keys[0]))

/* Settings (command line). */
static unsigned int opt_reps = 5;
static unsigned int opt_sample_ms = 100;
static unsigned int opt_timeout = 120;
static unsigned int opt_xs_maps = 10000;
static unsigned int opt_xs_pool = 512;
static unsigned int opt_xs_mmap = 1;
static unsigned int opt_procs = 16;
static unsigned int opt_procs_ms = 300;
static unsigned int opt_kmem_pages = 65536;
static unsigned int opt_kmem_pool = 4096;
static domid_t opt_domid;
static const char *opt_peer_refs;
/* --peer-refs: the granting domain and its grant references. */
static domid_t peer_domid;
static uint32_t *peer_refs;
static unsigned int peer_nrefs;
static const char *opt_only;
static const char *opt_json;

/* What one workload sends back to the parent through a pipe. */
struct result {
	int ok;
	char err[ERRLEN];
	unsigned long iters;		/* calls per sample (mean) */
	unsigned int nsamples;
	double sample_us[MAX_REPS];	/* time per op of each sample */
	double us;			/* median of sample_us */
	double bytes;			/* bytes per op (copies), else 0 */
	int have_stats;
	double per_op[NR_STATS];
	double setup_s;			/* set-up time, seconds */
	/*
	 * The unit of us and sample_us when it is not "us/op" (e.g.
	 * "ops/s", "B/page"); higher_better says which way is better.
	 */
	char unit[16];
	int higher_better;
	/* More named numbers of the workload (printed and in the JSON). */
	unsigned int nextra;
	char extra_key[MAX_EXTRA][24];
	double extra_val[MAX_EXTRA];
};

static void add_extra(struct result *r, const char *key, double v)
{
	if (r->nextra >= MAX_EXTRA)
		return;
	snprintf(r->extra_key[r->nextra], sizeof(r->extra_key[0]), "%s", key);
	r->extra_val[r->nextra++] = v;
}

struct workload;
typedef int (*wl_fn)(const struct workload *w, struct result *r);

struct workload {
	const char *name;
	wl_fn run;
	unsigned long n;	/* pages, segments, ... */
	int dir;		/* copies: 1 = local to grant, 0 = grant to local */
	const char *what;
	bool peer;		/* on --peer-refs grants instead of our own; in
				 * base_workloads[]: also run that way */
};

/* ------------------------------------------------------------ helpers */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int fail(struct result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail(struct result *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->err[0]) {
		va_start(ap, fmt);
		vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	return -1;
}

/*
 * ioctl() for which anything but 0 is a failure; ioctl_why then says
 * why. A driver returning a positive or out-of-range value from an ioctl
 * gets that value back to user space as is, with errno untouched: it is
 * reported as such, not as a stale errno.
 */
static char ioctl_why[96];

static int do_ioctl(int fd, unsigned long req, void *arg)
{
	int ret = ioctl(fd, req, arg);

	if (!ret)
		return 0;
	if (ret == -1) {
		snprintf(ioctl_why, sizeof(ioctl_why), "%s", strerror(errno));
	} else {
		snprintf(ioctl_why, sizeof(ioctl_why),
			 "unexpected return value %d", ret);
		errno = 0;
	}
	return -1;
}

static int open_dev(const char *path, struct result *r)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail(r, "open %s: %s", path, strerror(errno));
	return fd;
}

static void *page_buf(size_t len, struct result *r)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	if (p == MAP_FAILED) {
		fail(r, "mmap %zu anonymous bytes: %s", len, strerror(errno));
		return NULL;
	}
	memset(p, 0x11, len);
	return p;
}

/* mmap() a device range; like libxengnttab, retry while it says EAGAIN. */
static void *map_dev(int fd, uint64_t index, size_t len)
{
	void *p;
	int tries = 0;

	for (;;) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			 (off_t)index);
		if (p != MAP_FAILED || errno != EAGAIN || ++tries > 10000)
			return p;
		usleep(100);
	}
}

static int read_stats(double out[NR_STATS])
{
	glob_t g;
	size_t i;
	int found = 0;

	memset(out, 0, sizeof(double) * NR_STATS);
	if (glob(STATS_GLOB, 0, NULL, &g))
		return 0;
	for (i = 0; i < g.gl_pathc; i++) {
		FILE *f = fopen(g.gl_pathv[i], "r");
		char key[64];
		long long v;
		size_t k;

		if (!f)
			continue;
		found = 1;
		while (fscanf(f, "%63s %lld", key, &v) == 2)
			for (k = 0; k < NR_STATS; k++)
				if (!strcmp(key, stat_keys[k]))
					out[k] += (double)v;
		fclose(f);
	}
	globfree(&g);
	return found;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, unsigned int n)
{
	double s[MAX_REPS];

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

struct pool;
static int pool_drop_view(struct pool *p, struct result *r);

/*
 * Time @op. First one call that also checks the data (@check set); then
 * a peer @pool's check mapping goes (pool_drop_view()); then unchecked
 * warm-up calls for about half a sample (TCG translates code on
 * its first run). Then opt_reps samples: each calls @op in batches,
 * doubling the batch while it is short, until opt_sample_ms have passed,
 * and yields elapsed time / calls. No iteration count is guessed in
 * advance, so a coarse or jumpy clock cannot make a sample run away. The
 * debugfs counters are read around the samples only.
 */
typedef int (*op_fn)(void *arg, bool check, struct result *r);

static int measure(op_fn op, void *arg, struct pool *pool, struct result *r)
{
	double t0, el, want = opt_sample_ms * 1000.0;
	double before[NR_STATS], after[NR_STATS];
	unsigned long batch, it, calls, total = 0;
	unsigned int s;
	size_t k;

	if (op(arg, true, r))
		return -1;
	if (pool && pool_drop_view(pool, r))
		return -1;
	t0 = now_us();
	while (now_us() - t0 < want / 2)
		if (op(arg, false, r))
			return -1;
	r->have_stats = read_stats(before);
	for (s = 0; s < opt_reps; s++) {
		batch = 1;
		calls = 0;
		t0 = now_us();
		for (;;) {
			for (it = 0; it < batch; it++)
				if (op(arg, false, r))
					return -1;
			calls += batch;
			el = now_us() - t0;
			if (el >= want)
				break;
			if (el < want / 16 && batch < (1UL << 20))
				batch *= 2;
		}
		r->sample_us[s] = el / calls;
		total += calls;
	}
	if (r->have_stats) {
		read_stats(after);
		for (k = 0; k < NR_STATS; k++)
			r->per_op[k] = (after[k] - before[k]) / (double)total;
	}
	r->iters = total / opt_reps;
	r->nsamples = opt_reps;
	r->us = median(r->sample_us, opt_reps);
	return 0;
}

/* ------------------------------------------------------ granted pages */

/*
 * @n granted pages, writable, and a view of them for the data checks:
 * our own pages granted to ourselves (the view is gntalloc's mmap), or
 * the first @n of the --peer-refs grants (the view is a gntdev mapping,
 * dropped once checked: see measure()).
 */
struct pool {
	int fd;
	bool peer;
	domid_t domid;		/* the granting domain */
	unsigned int n;
	uint64_t index;
	uint32_t *refs;
	unsigned char *mem;	/* the view, NULL once dropped */
};

static int pool_peer(struct pool *p, unsigned int n, struct result *r)
{
	struct ioctl_gntdev_map_grant_ref *req;
	unsigned int i;

	if (n > peer_nrefs)
		return fail(r, "needs %u peer grants, %s has %u", n,
			    opt_peer_refs, peer_nrefs);
	p->peer = true;
	p->domid = peer_domid;
	p->refs = peer_refs;
	p->fd = open_dev(GNTDEV_PATH, r);
	if (p->fd < 0)
		return -1;
	req = calloc(1, sizeof(*req) + (n - 1) * sizeof(req->refs[0]));
	if (!req)
		return fail(r, "out of memory");
	req->count = n;
	for (i = 0; i < n; i++) {
		req->refs[i].domid = p->domid;
		req->refs[i].ref = p->refs[i];
	}
	if (do_ioctl(p->fd, IOCTL_GNTDEV_MAP_GRANT_REF, req)) {
		free(req);
		return fail(r, "MAP_GRANT_REF of %u grants of domain %u: %s", n,
			    p->domid, ioctl_why);
	}
	p->index = req->index;
	free(req);
	p->n = n;
	p->mem = map_dev(p->fd, p->index, n * PG);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		return fail(r, "mmap of %u peer pages: %s", n, strerror(errno));
	}
	return 0;
}

static int pool_drop_view(struct pool *p, struct result *r)
{
	struct ioctl_gntdev_unmap_grant_ref u = { 0 };

	if (!p->peer || !p->mem)
		return 0;
	if (munmap(p->mem, p->n * PG))
		return fail(r, "munmap of the peer pages: %s", strerror(errno));
	p->mem = NULL;
	u.index = p->index;
	u.count = p->n;
	if (do_ioctl(p->fd, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u))
		return fail(r, "UNMAP_GRANT_REF of the peer pages: %s", ioctl_why);
	return 0;
}

static int pool_alloc(struct pool *p, unsigned int n, bool peer,
		      struct result *r)
{
	struct ioctl_gntalloc_alloc_gref *a;
	size_t sz = sizeof(*a) + (n - 1) * sizeof(a->gref_ids[0]);

	memset(p, 0, sizeof(*p));
	if (peer)
		return pool_peer(p, n, r);
	p->domid = opt_domid;
	p->fd = open_dev(GNTALLOC_PATH, r);
	if (p->fd < 0)
		return -1;
	a = calloc(1, sz);
	p->refs = calloc(n, sizeof(*p->refs));
	if (!a || !p->refs)
		return fail(r, "out of memory");
	a->domid = opt_domid;
	a->flags = GNTALLOC_FLAG_WRITABLE;
	a->count = n;
	if (do_ioctl(p->fd, IOCTL_GNTALLOC_ALLOC_GREF, a)) {
		int e = errno;

		free(a);
		if (e == ENOSPC)
			return fail(r, "gntalloc ALLOC_GREF of %u pages: ENOSPC "
				    "(raise /sys/module/xen_gntalloc/parameters/limit)", n);
		return fail(r, "gntalloc ALLOC_GREF of %u pages: %s", n, ioctl_why);
	}
	p->n = n;
	p->index = a->index;
	memcpy(p->refs, a->gref_ids, n * sizeof(*p->refs));
	free(a);
	p->mem = map_dev(p->fd, p->index, n * PG);
	if (p->mem == MAP_FAILED) {
		p->mem = NULL;
		return fail(r, "mmap of %u gntalloc pages: %s", n, strerror(errno));
	}
	return 0;
}

/* --------------------------------------------------- 1: map cycles */

struct map_arg {
	int dev;
	unsigned int n;
	struct ioctl_gntdev_map_grant_ref *req;
	struct pool *pool;
	unsigned int first;	/* pool page of refs[0] */
};

static struct ioctl_gntdev_map_grant_ref *map_req(const struct pool *p,
						 unsigned int n,
						 unsigned int first,
						 struct result *r)
{
	struct ioctl_gntdev_map_grant_ref *req;
	unsigned int i;

	req = calloc(1, sizeof(*req) + (n - 1) * sizeof(req->refs[0]));
	if (!req) {
		fail(r, "out of memory");
		return NULL;
	}
	req->count = n;
	for (i = 0; i < n; i++) {
		req->refs[i].domid = p->domid;
		req->refs[i].ref = p->refs[(first + i) % p->n];
	}
	return req;
}

/* MAP_GRANT_REF + mmap + touch every page + munmap + UNMAP_GRANT_REF */
static int map_cycle_op(void *arg, bool check, struct result *r)
{
	struct map_arg *m = arg;
	struct ioctl_gntdev_unmap_grant_ref u = { 0 };
	volatile uint32_t *w;
	unsigned char *p;
	unsigned int i;

	m->req->index = 0;
	if (do_ioctl(m->dev, IOCTL_GNTDEV_MAP_GRANT_REF, m->req))
		return fail(r, "MAP_GRANT_REF of %u: %s", m->n, ioctl_why);
	p = map_dev(m->dev, m->req->index, m->n * PG);
	if (p == MAP_FAILED)
		return fail(r, "gntdev mmap of %u pages: %s", m->n, strerror(errno));
	/* Touch: read one word of every page and write another. */
	for (i = 0; i < m->n; i++) {
		w = (volatile uint32_t *)(p + i * PG);
		(void)w[0];
		w[1] = i;
	}
	if (check) {
		for (i = 0; i < m->n; i++) {
			unsigned int pi = (m->first + i) % m->pool->n;
			uint32_t *g = (uint32_t *)(m->pool->mem + pi * PG);
			uint32_t *d = (uint32_t *)(p + i * PG);

			if (d[0] != 0xb0000000u + pi || g[1] != i)
				return fail(r, "page %u: data does not go through "
					    "(read 0x%x, want 0x%x)", i, d[0],
					    0xb0000000u + pi);
		}
	}
	if (munmap(p, m->n * PG))
		return fail(r, "munmap: %s", strerror(errno));
	u.index = m->req->index;
	u.count = m->n;
	if (do_ioctl(m->dev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u))
		return fail(r, "UNMAP_GRANT_REF: %s", ioctl_why);
	return 0;
}

static void pool_mark(struct pool *p)
{
	unsigned int i;

	for (i = 0; i < p->n; i++)
		*(uint32_t *)(p->mem + i * PG) = 0xb0000000u + i;
}

static int wl_map_cycle(const struct workload *w, struct result *r)
{
	struct pool pool;
	struct map_arg m = { .n = w->n };
	double t0 = now_us();

	if (pool_alloc(&pool, w->n, w->peer, r))
		return -1;
	pool_mark(&pool);
	m.dev = open_dev(GNTDEV_PATH, r);
	if (m.dev < 0)
		return -1;
	m.pool = &pool;
	m.req = map_req(&pool, w->n, 0, r);
	if (!m.req)
		return -1;
	r->setup_s = (now_us() - t0) / 1e6;
	return measure(map_cycle_op, &m, &pool, r);
}

/*
 * 4: the xenstored shape. opt_xs_maps single-page ranges reserved with
 * MAP_GRANT_REF on one file and, unless --xs-mmap 0, mmap()ed (cycling
 * over a pool of opt_xs_pool grants: Xen caps how often one grant may be
 * mapped at once), then a 1-page map cycle on that file is timed.
 */
static int wl_xs_shape(const struct workload *w, struct result *r)
{
	struct pool pool;
	struct map_arg m = { .n = 1 };
	struct ioctl_gntdev_map_grant_ref *req;
	unsigned int i, npool = opt_xs_pool;
	void **addr;
	double t0 = now_us();
	int ret;

	if (npool < 1)
		npool = 1;
	addr = calloc(opt_xs_maps ? opt_xs_maps : 1, sizeof(*addr));
	if (!addr)
		return fail(r, "out of memory");
	if (pool_alloc(&pool, npool, w->peer, r))
		return -1;
	pool_mark(&pool);
	m.dev = open_dev(GNTDEV_PATH, r);
	if (m.dev < 0)
		return -1;
	req = map_req(&pool, 1, 0, r);
	if (!req)
		return -1;
	for (i = 0; i < opt_xs_maps; i++) {
		void *p;

		req->refs[0].ref = pool.refs[i % npool];
		req->index = 0;
		if (do_ioctl(m.dev, IOCTL_GNTDEV_MAP_GRANT_REF, req))
			return fail(r, "set-up: MAP_GRANT_REF #%u: %s", i, ioctl_why);
		if (!opt_xs_mmap)
			continue;
		p = map_dev(m.dev, req->index, PG);
		if (p == MAP_FAILED)
			return fail(r, "set-up: mmap #%u: %s", i, strerror(errno));
		if (*(volatile uint32_t *)p != 0xb0000000u + i % npool)
			return fail(r, "set-up: map #%u: data does not go through", i);
		addr[i] = p;
	}
	free(req);
	m.pool = &pool;
	m.first = opt_xs_maps % npool;
	m.req = map_req(&pool, 1, m.first, r);
	if (!m.req)
		return -1;
	r->setup_s = (now_us() - t0) / 1e6;
	ret = measure(map_cycle_op, &m, &pool, r);
	/*
	 * Undo the mappings one munmap() at a time rather than all at once
	 * in exit_mmap(): a driver whose teardown is linear in the number
	 * of maps per unmapped range would otherwise keep one CPU busy for
	 * many seconds in a single call (soft lockup warnings under TCG).
	 */
	for (i = 0; i < opt_xs_maps; i++)
		if (addr[i])
			munmap(addr[i], PG);
	return ret;
}

/* -------------------------------------------------- 2: grant copies */

struct copy_arg {
	int dev;
	unsigned int nbatch;		/* ioctls per op */
	unsigned int per;		/* segments per ioctl */
	struct gntdev_grant_copy_segment *segs;
	struct pool *pool;
	unsigned char *local;
	size_t local_len;
	int dir;
	unsigned int seglen;
};

static int copy_op(void *arg, bool check, struct result *r)
{
	struct copy_arg *c = arg;
	struct ioctl_gntdev_grant_copy gc;
	unsigned int b, i, n = c->nbatch * c->per;

	if (check) {
		/* Fresh patterns on both sides, to see the copy happen. */
		for (i = 0; i < c->pool->n * PG; i++)
			c->pool->mem[i] = (unsigned char)(i * 7 + 3);
		for (i = 0; i < c->local_len; i++)
			c->local[i] = (unsigned char)(i * 13 + 5);
	}
	for (b = 0; b < c->nbatch; b++) {
		gc.count = c->per;
		gc.segments = c->segs + b * c->per;
		if (do_ioctl(c->dev, IOCTL_GNTDEV_GRANT_COPY, &gc))
			return fail(r, "GRANT_COPY: %s", ioctl_why);
		if (check) {
			/* 64 KiB buffers: compare before the next reuse. */
			for (i = 0; i < c->per; i++) {
				struct gntdev_grant_copy_segment *s = &gc.segments[i];
				const unsigned char *l, *g;

				if (s->status)
					return fail(r, "GRANT_COPY segment %u: status %d",
						    b * c->per + i, s->status);
				l = c->dir ? s->source.virt : s->dest.virt;
				g = c->pool->mem +
				    (size_t)((b * c->per + i) % c->pool->n) * PG +
				    (c->dir ? s->dest.foreign.offset :
					      s->source.foreign.offset);
				if (memcmp(l, g, s->len))
					return fail(r, "GRANT_COPY segment %u: data differ",
						    b * c->per + i);
			}
		}
	}
	if (!check) {
		/* A real client looks at every status. */
		for (i = 0; i < n; i++)
			if (c->segs[i].status)
				return fail(r, "GRANT_COPY segment %u: status %d",
					    i, c->segs[i].status);
	}
	return 0;
}

/*
 * The three shapes of copy (struct workload.n holds the kind, .dir the
 * direction). Grant side: segment i uses granted page i % 1024; local
 * side: consecutive pieces of the local buffer, wrapping around it.
 */
enum copy_kind { COPY_SEG4K, COPY_BUF64K, COPY_SMALL };

static int copy_setup(struct copy_arg *c, enum copy_kind kind, int dir,
		      struct pool *pool, struct result *r)
{
	unsigned int i, nsegs, seglen;

	memset(c, 0, sizeof(*c));
	c->dir = dir;
	c->pool = pool;
	switch (kind) {
	case COPY_SEG4K:	/* 4 MiB, one ioctl of 1024 x 4 KiB */
		nsegs = 1024; seglen = PG;
		c->nbatch = 1; c->per = nsegs;
		c->local_len = 4 * MIB;
		break;
	case COPY_BUF64K:	/* 4 MiB through a 64 KiB buffer: 64 x 16 x 4 KiB */
		nsegs = 1024; seglen = PG;
		c->nbatch = 64; c->per = 16;
		c->local_len = 64 * 1024;
		break;
	default:		/* one ioctl of 1024 x 128 bytes */
		nsegs = 1024; seglen = 128;
		c->nbatch = 1; c->per = nsegs;
		c->local_len = nsegs * 128;
		break;
	}
	c->seglen = seglen;
	c->dev = open_dev(GNTDEV_PATH, r);
	if (c->dev < 0)
		return -1;
	c->local = page_buf(c->local_len, r);
	c->segs = calloc(nsegs, sizeof(*c->segs));
	if (!c->local || !c->segs)
		return fail(r, "out of memory");
	for (i = 0; i < nsegs; i++) {
		struct gntdev_grant_copy_segment *s = &c->segs[i];
		unsigned char *l = c->local + ((size_t)i * seglen) % c->local_len;
		uint16_t off = seglen == PG ? 0 : (uint16_t)((i % (PG / seglen)) * seglen);

		s->len = (uint16_t)seglen;
		if (dir) {
			s->source.virt = l;
			s->dest.foreign.ref = pool->refs[i % pool->n];
			s->dest.foreign.offset = off;
			s->dest.foreign.domid = pool->domid;
			s->flags = GNTCOPY_DEST_GREF;
		} else {
			s->dest.virt = l;
			s->source.foreign.ref = pool->refs[i % pool->n];
			s->source.foreign.offset = off;
			s->source.foreign.domid = pool->domid;
			s->flags = GNTCOPY_SOURCE_GREF;
		}
	}
	return 0;
}

static int wl_copy(const struct workload *w, struct result *r)
{
	struct pool pool;
	struct copy_arg c;
	double t0 = now_us();

	if (pool_alloc(&pool, 1024, w->peer, r))
		return -1;
	if (copy_setup(&c, (enum copy_kind)w->n, w->dir, &pool, r))
		return -1;
	r->bytes = (double)c.nbatch * c.per * c.seglen;
	r->setup_s = (now_us() - t0) / 1e6;
	return measure(copy_op, &c, &pool, r);
}

struct memcpy_arg {
	unsigned char *src, *dst;
	size_t len;
};

static int memcpy_op(void *arg, bool check, struct result *r)
{
	struct memcpy_arg *m = arg;

	memcpy(m->dst, m->src, m->len);
	/* Keep the compiler from dropping the copy. */
	__asm__ __volatile__("" : : "r"(m->dst) : "memory");
	if (check && memcmp(m->dst, m->src, m->len))
		return fail(r, "memcpy differs");
	return 0;
}

static int wl_memcpy(const struct workload *w, struct result *r)
{
	struct memcpy_arg m = { .len = 4 * MIB };
	size_t i;

	(void)w;
	m.src = page_buf(m.len, r);
	m.dst = page_buf(m.len, r);
	if (!m.src || !m.dst)
		return -1;
	for (i = 0; i < m.len; i++)
		m.src[i] = (unsigned char)(i * 31);
	r->bytes = (double)m.len;
	return measure(memcpy_op, &m, NULL, r);
}

/* ------------------------------------------------ 3: gntalloc cycles */

struct alloc_arg {
	int fd;
	unsigned int n;
	struct ioctl_gntalloc_alloc_gref *a;
};

/* ALLOC_GREF + mmap + touch every page + munmap + DEALLOC_GREF */
static int alloc_cycle_op(void *arg, bool check, struct result *r)
{
	struct alloc_arg *c = arg;
	struct ioctl_gntalloc_dealloc_gref d = { 0 };
	volatile uint32_t *w;
	unsigned char *p;
	unsigned int i;

	c->a->domid = opt_domid;
	c->a->flags = GNTALLOC_FLAG_WRITABLE;
	c->a->count = c->n;
	if (do_ioctl(c->fd, IOCTL_GNTALLOC_ALLOC_GREF, c->a)) {
		if (errno == ENOSPC)
			return fail(r, "ALLOC_GREF of %u: ENOSPC (raise "
				    "/sys/module/xen_gntalloc/parameters/limit)", c->n);
		return fail(r, "ALLOC_GREF of %u: %s", c->n, ioctl_why);
	}
	p = map_dev(c->fd, c->a->index, c->n * PG);
	if (p == MAP_FAILED)
		return fail(r, "gntalloc mmap of %u pages: %s", c->n, strerror(errno));
	for (i = 0; i < c->n; i++) {
		w = (volatile uint32_t *)(p + i * PG);
		if (check && w[0])
			return fail(r, "page %u of a new allocation is not zeroed", i);
		w[0] = i + 1;
	}
	if (munmap(p, c->n * PG))
		return fail(r, "munmap: %s", strerror(errno));
	d.index = c->a->index;
	d.count = c->n;
	if (do_ioctl(c->fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d))
		return fail(r, "DEALLOC_GREF: %s", ioctl_why);
	return 0;
}

static int wl_alloc_cycle(const struct workload *w, struct result *r)
{
	struct alloc_arg c = { .n = w->n };

	c.fd = open_dev(GNTALLOC_PATH, r);
	if (c.fd < 0)
		return -1;
	c.a = calloc(1, sizeof(*c.a) + (w->n - 1) * sizeof(c.a->gref_ids[0]));
	if (!c.a)
		return fail(r, "out of memory");
	return measure(alloc_cycle_op, &c, NULL, r);
}

/* ------------------------------------------- 5: many processes at once */

/*
 * opt_procs processes, each with a gntdev file of its own, do map cycles
 * of w->n pages (map_cycle_op(), on a shared pool of 64 self-granted
 * pages) as fast as they can, together, for opt_procs_ms per sample. All
 * start when the parent closes the sample's start pipe (every read()
 * returns end-of-file at once) and stop when it closes the stop pipe
 * (poll() sees the hang-up); the parent times the window between the
 * two. The value is the total of the cycles all processes completed in
 * the window per second of it: a higher number is better.
 */
struct procs_msg {
	long ops[MAX_REPS];
	char err[ERRLEN];
};

#define PROCS_POOL 64

static void procs_child(const struct workload *w, struct pool *pool,
			unsigned int k, int (*start)[2], int (*stop)[2],
			int ready, int out)
{
	struct procs_msg msg;
	struct result r;
	struct map_arg m = { .n = w->n };
	struct pollfd pfd = { .events = POLLIN };
	unsigned int s, i;
	char c;

	memset(&msg, 0, sizeof(msg));
	memset(&r, 0, sizeof(r));
	alarm(opt_timeout);
	for (s = 0; s < opt_reps; s++) {
		close(start[s][1]);
		close(stop[s][1]);
	}
	m.pool = pool;
	/* 1-page cycles: a page of its own per process, where there are enough. */
	m.first = w->n == 1 ? k % pool->n : 0;
	m.dev = open_dev(GNTDEV_PATH, &r);
	m.req = m.dev < 0 ? NULL : map_req(pool, w->n, m.first, &r);
	if (m.req && !map_cycle_op(&m, true, &r))
		for (i = 0; i < 8 && !map_cycle_op(&m, false, &r); i++)
			;
	c = r.err[0] ? 'e' : 'r';
	if (write(ready, &c, 1) != 1)
		_exit(1);
	for (s = 0; s < opt_reps && !r.err[0]; s++) {
		if (read(start[s][0], &c, 1) != 0) {
			fail(&r, "start pipe: %s", strerror(errno));
			break;
		}
		pfd.fd = stop[s][0];
		for (;;) {
			if (map_cycle_op(&m, false, &r))
				break;
			if (poll(&pfd, 1, 0) != 0)
				break;
			msg.ops[s]++;
		}
	}
	memcpy(msg.err, r.err, sizeof(msg.err));
	_exit(write(out, &msg, sizeof(msg)) == sizeof(msg) ? 0 : 1);
}

static int wl_procs(const struct workload *w, struct result *r)
{
	static int start[MAX_REPS][2], stop[MAX_REPS][2];
	double before[NR_STATS], after[NR_STATS], t0, total = 0;
	double ops[MAX_REPS] = { 0 }, window_us[MAX_REPS] = { 0 };
	unsigned int k, s, nready = 0, nproc = opt_procs;
	int ready[2], out[2], st, ret = 0;
	pid_t pids[MAX_PROCS];
	struct pool pool;
	struct procs_msg msg;
	size_t got, q;
	ssize_t n;
	char c;

	strcpy(r->unit, "ops/s");
	r->higher_better = 1;
	if (pool_alloc(&pool, PROCS_POOL, false, r))
		return -1;
	pool_mark(&pool);
	if (pipe(ready) || pipe(out))
		return fail(r, "pipe: %s", strerror(errno));
	for (s = 0; s < opt_reps; s++)
		if (pipe(start[s]) || pipe(stop[s]))
			return fail(r, "pipe: %s", strerror(errno));
	t0 = now_us();
	for (k = 0; k < nproc; k++) {
		fflush(NULL);
		pids[k] = fork();
		if (pids[k] < 0) {
			nproc = k;
			ret = fail(r, "fork: %s", strerror(errno));
			break;
		}
		if (!pids[k]) {
			close(ready[0]);
			close(out[0]);
			procs_child(w, &pool, k, start, stop, ready[1], out[1]);
		}
	}
	close(ready[1]);
	close(out[1]);
	for (s = 0; s < opt_reps; s++) {
		close(start[s][0]);
		close(stop[s][0]);
	}
	while (nready < nproc && read(ready[0], &c, 1) == 1) {
		if (c != 'r')
			ret = fail(r, "a process failed to set up");
		nready++;
	}
	if (nready < nproc)
		ret = fail(r, "only %u of %u processes set up", nready, nproc);
	r->setup_s = (now_us() - t0) / 1e6;
	r->have_stats = read_stats(before);
	for (s = 0; s < opt_reps; s++) {
		/* On a failure, still release every process. */
		if (!ret) {
			t0 = now_us();
			close(start[s][1]);
			usleep(opt_procs_ms * 1000);
			close(stop[s][1]);
			window_us[s] = now_us() - t0;
		} else {
			close(start[s][1]);
			close(stop[s][1]);
		}
	}
	if (r->have_stats)
		read_stats(after);
	for (k = 0; k < nproc; k++) {
		got = 0;
		while (got < sizeof(msg)) {
			n = read(out[0], (char *)&msg + got, sizeof(msg) - got);
			if (n <= 0)
				break;
			got += n;
		}
		if (got != sizeof(msg)) {
			ret = fail(r, "a process sent no result");
			continue;
		}
		if (msg.err[0])
			ret = fail(r, "a process: %s", msg.err);
		for (s = 0; s < opt_reps; s++) {
			total += msg.ops[s];
			ops[s] += msg.ops[s];
		}
	}
	for (k = 0; k < nproc; k++)
		waitpid(pids[k], &st, 0);
	close(ready[0]);
	close(out[0]);
	if (ret)
		return -1;
	for (s = 0; s < opt_reps; s++)
		r->sample_us[s] = ops[s] / (window_us[s] / 1e6);
	if (r->have_stats)
		for (q = 0; q < NR_STATS; q++)
			r->per_op[q] = total ? (after[q] - before[q]) / total : 0;
	r->iters = (unsigned long)(total / opt_reps);
	r->nsamples = opt_reps;
	r->us = median(r->sample_us, opt_reps);
	return 0;
}

/* --------------------------------- 6: kernel memory per mapped page */

/*
 * /proc/meminfo, in KiB. The value of the kmem workloads is the growth
 * of Slab + VmallocUsed + PageTables (mem_kernel()): the slab caches and
 * large kmalloc()s, vmalloc()/kvmalloc() fallbacks, page tables. "used"
 * (mem_used(): MemTotal - MemFree - Buffers - Cached) is reported too:
 * it also sees other page allocations, but free pages on the per-CPU
 * lists are not in MemFree, so it moved by several MiB from read to
 * read, more than the signal at 16,384 pages. Pages the balloon driver
 * hands to Xen leave MemTotal with MemFree and are in neither.
 */
struct meminfo {
	double total, free, buffers, cached, slab, vmalloc, pagetables;
};

static int read_meminfo(struct meminfo *m, struct result *r)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "MemTotal:", offsetof(struct meminfo, total) },
		{ "MemFree:", offsetof(struct meminfo, free) },
		{ "Buffers:", offsetof(struct meminfo, buffers) },
		{ "Cached:", offsetof(struct meminfo, cached) },
		{ "Slab:", offsetof(struct meminfo, slab) },
		{ "VmallocUsed:", offsetof(struct meminfo, vmalloc) },
		{ "PageTables:", offsetof(struct meminfo, pagetables) },
	};
	FILE *f = fopen("/proc/meminfo", "r");
	char key[64];
	double v;
	size_t k;

	if (!f)
		return fail(r, "/proc/meminfo: %s", strerror(errno));
	memset(m, 0, sizeof(*m));
	while (fscanf(f, "%63s %lf kB\n", key, &v) == 2)
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(key, keys[k].key))
				*(double *)((char *)m + keys[k].off) = v;
	fclose(f);
	return 0;
}

static double dabs(double v)
{
	return v < 0 ? -v : v;
}

static double mem_used(const struct meminfo *m)
{
	return m->total - m->free - m->buffers - m->cached;
}

/* Slab (with large kmalloc()s), vmalloc and page tables, in KiB. */
static double mem_kernel(const struct meminfo *m)
{
	return m->slab + m->vmalloc + m->pagetables;
}

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = write(fd, s, strlen(s));
		close(fd);
	}
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/*
 * Let deferred work finish (in-tree unmaps asynchronously), drop the
 * page cache and read /proc/meminfo until mem_kernel() has moved by at
 * most 64 KiB over three reads 250 ms apart (at most ~15 s).
 */
static int settle(struct meminfo *m, struct result *r)
{
	double prev = -1e18, prev2 = -1e18;
	unsigned int i;

	for (i = 0; i < 60; i++) {
		sync();
		write_str("/proc/sys/vm/drop_caches", "3");
		usleep(250 * 1000);
		if (read_meminfo(m, r))
			return -1;
		if (dabs(mem_kernel(m) - prev) <= 64 &&
		    dabs(mem_kernel(m) - prev2) <= 64)
			return 0;
		prev2 = prev;
		prev = mem_kernel(m);
	}
	return 0;
}

struct kmem_arg {
	unsigned int n;			/* pages */
	unsigned int ranges;		/* 1, or n single-page ranges */
	struct pool *pool;
	struct ioctl_gntdev_map_grant_ref *req;
	uint64_t *index;
	unsigned char **addr;
};

/*
 * One pass: open a gntdev file, map and mmap() every range, read a word
 * of every page; then, when @base is given, settle and record the
 * growth over @base in @r; then unmap everything one range at a time
 * (as xs_map_cycle does) and close the file. k->req holds the
 * references of one range (all k->n of them when k->ranges is 1).
 */
static int kmem_pass(struct kmem_arg *k, const struct meminfo *base,
		     struct result *r)
{
	struct ioctl_gntdev_unmap_grant_ref u = { 0 };
	unsigned int i, j, cnt = k->n / k->ranges, nmapped = 0;
	struct meminfo held;
	int dev, ret = 0;

	dev = open_dev(GNTDEV_PATH, r);
	if (dev < 0)
		return -1;
	memset(k->addr, 0, k->ranges * sizeof(*k->addr));
	for (i = 0; i < k->ranges && !ret; i++) {
		if (k->ranges > 1)
			k->req->refs[0].ref = k->pool->refs[i % k->pool->n];
		k->req->index = 0;
		if (do_ioctl(dev, IOCTL_GNTDEV_MAP_GRANT_REF, k->req)) {
			ret = fail(r, "MAP_GRANT_REF #%u of %u: %s", i, cnt, ioctl_why);
			break;
		}
		k->index[i] = k->req->index;
		nmapped = i + 1;
		k->addr[i] = map_dev(dev, k->req->index, cnt * PG);
		if (k->addr[i] == MAP_FAILED) {
			k->addr[i] = NULL;
			ret = fail(r, "mmap #%u of %u pages: %s", i, cnt, strerror(errno));
			break;
		}
		for (j = 0; j < cnt; j++)
			if (*(volatile uint32_t *)(k->addr[i] + (size_t)j * PG) !=
			    0xb0000000u + (i + j) % k->pool->n) {
				ret = fail(r, "map #%u page %u: data does not go through", i, j);
				break;
			}
	}
	if (!ret && base) {
		if (settle(&held, r)) {
			ret = -1;
		} else {
			r->us = (mem_kernel(&held) - mem_kernel(base)) * 1024 / k->n;
			add_extra(r, "slab_B_page", (held.slab - base->slab) * 1024 / k->n);
			add_extra(r, "vmalloc_B_page",
				  (held.vmalloc - base->vmalloc) * 1024 / k->n);
			add_extra(r, "pagetables_B_page",
				  (held.pagetables - base->pagetables) * 1024 / k->n);
			add_extra(r, "used_B_page",
				  (mem_used(&held) - mem_used(base)) * 1024 / k->n);
			add_extra(r, "memtotal_B_page",
				  (held.total - base->total) * 1024 / k->n);
		}
	}
	for (i = 0; i < nmapped; i++) {
		if (k->addr[i])
			munmap(k->addr[i], cnt * PG);
		u.index = k->index[i];
		u.count = cnt;
		if (do_ioctl(dev, IOCTL_GNTDEV_UNMAP_GRANT_REF, &u) && !ret)
			ret = fail(r, "UNMAP_GRANT_REF #%u: %s", i, ioctl_why);
	}
	close(dev);
	return ret;
}

/*
 * opt_kmem_pages grant mappings held by one gntdev file and mmap()ed,
 * with every page read once: as one range (w->dir 0) or as that many
 * single-page ranges (w->dir 1). The grants come from a pool of
 * opt_kmem_pool self-granted pages, each mapped many times (Xen allows
 * a grant 255 mappings of a kind at once; dom0's maptrack table has
 * room for 262,144 with Xen 4.17's default of 1024 frames). A first
 * pass maps and unmaps everything unmeasured: what the kernel keeps
 * after its first use (the pool of unpopulated pages the placeholders
 * come from, p2m pages, a driver's cache) is then there for both sets.
 * The value is the growth of mem_kernel() (see struct meminfo) per
 * mapped page, in bytes, from before the second pass's first map to
 * after its last mmap, both settled; the extras split it (slab, vmalloc,
 * page tables), give "used" and say what was still held after
 * everything was unmapped and the file closed (left).
 */
static int wl_kmem(const struct workload *w, struct result *r)
{
	struct kmem_arg k = { .n = opt_kmem_pages }, warm;
	char old_max[32] = "", buf[32];
	struct meminfo base, end;
	struct pool pool;
	long max_maps;
	double t0 = now_us();
	int ret = 0;
	FILE *f;

	strcpy(r->unit, "B/page");
	/* In-tree takes about a minute of guest time for 65,536 ranges. */
	alarm(opt_timeout * 5);
	k.ranges = w->dir ? k.n : 1;
	if (pool_alloc(&pool, opt_kmem_pool < k.n ? opt_kmem_pool : k.n, false, r))
		return -1;
	pool_mark(&pool);
	k.pool = &pool;
	if ((k.n + pool.n - 1) / pool.n > 255)
		return fail(r, "%u maps of %u grants: over Xen's 255 per grant",
			    k.n, pool.n);
	/* Every single-page range is a VMA of its own. */
	f = fopen("/proc/sys/vm/max_map_count", "r");
	if (f) {
		if (!fgets(old_max, sizeof(old_max), f))
			old_max[0] = 0;
		fclose(f);
	}
	max_maps = strtol(old_max, NULL, 10);
	if (max_maps < (long)k.ranges + 16384) {
		snprintf(buf, sizeof(buf), "%u", k.ranges + 16384);
		if (write_str("/proc/sys/vm/max_map_count", buf))
			return fail(r, "cannot raise vm.max_map_count to %s", buf);
	}
	k.index = calloc(k.ranges, sizeof(*k.index));
	k.addr = calloc(k.ranges, sizeof(*k.addr));
	k.req = map_req(&pool, k.ranges > 1 ? 1 : k.n, 0, r);
	if (!k.index || !k.addr || !k.req) {
		ret = fail(r, "out of memory");
		goto out;
	}
	/*
	 * The warm-up pass maps the same pages as one range: it leaves what
	 * the kernel keeps (see above) just the same, without a second round
	 * of in-tree's list walks over 65,536 ranges (each new range and
	 * each mmap() walks the file's whole list of ranges).
	 */
	warm = k;
	warm.ranges = 1;
	warm.req = map_req(&pool, k.n, 0, r);
	if (!warm.req) {
		ret = -1;
		goto out;
	}
	ret = kmem_pass(&warm, NULL, r);
	free(warm.req);
	r->setup_s = (now_us() - t0) / 1e6;
	if (!ret)
		ret = settle(&base, r);
	if (!ret)
		ret = kmem_pass(&k, &base, r);
	if (!ret && !settle(&end, r))
		add_extra(r, "left_B_page",
			  (mem_kernel(&end) - mem_kernel(&base)) * 1024 / k.n);
	r->sample_us[0] = r->us;
	r->nsamples = 1;
	r->iters = 1;
out:
	if (old_max[0] && max_maps < (long)k.ranges + 16384)
		write_str("/proc/sys/vm/max_map_count", old_max);
	free(k.req);
	free(k.addr);
	free(k.index);
	return ret;
}

/* -------------------------------------------------------- the table */

/*
 * The self-grant workloads; those marked PEER_TOO are also run on the
 * grants of --peer-refs, as "peer_<name>" (see expand_workloads()).
 */
#define PEER_TOO true
static const struct workload base_workloads[] = {
	{ "map_cycle_1", wl_map_cycle, 1, 0, "MAP_GRANT_REF+mmap+touch+munmap+UNMAP, 1 page", PEER_TOO },
	{ "map_cycle_16", wl_map_cycle, 16, 0, "map cycle, 16 pages", PEER_TOO },
	{ "map_cycle_256", wl_map_cycle, 256, 0, "map cycle, 256 pages", PEER_TOO },
	{ "map_cycle_1024", wl_map_cycle, 1024, 0, "map cycle, 1024 pages", PEER_TOO },
	{ "map_cycle_4096", wl_map_cycle, 4096, 0, "map cycle, 4096 pages", PEER_TOO },
	{ "copy_4M_seg4k_to_grant", wl_copy, COPY_SEG4K, 1,
	  "GRANT_COPY 4 MiB local->grant, one ioctl of 1024 x 4 KiB segments", PEER_TOO },
	{ "copy_4M_seg4k_from_grant", wl_copy, COPY_SEG4K, 0,
	  "GRANT_COPY 4 MiB grant->local, one ioctl of 1024 x 4 KiB segments", PEER_TOO },
	{ "copy_4M_buf64k_to_grant", wl_copy, COPY_BUF64K, 1,
	  "GRANT_COPY 4 MiB local->grant through a 64 KiB buffer: 64 ioctls x 16 x 4 KiB", PEER_TOO },
	{ "copy_4M_buf64k_from_grant", wl_copy, COPY_BUF64K, 0,
	  "GRANT_COPY 4 MiB grant->local through a 64 KiB buffer: 64 ioctls x 16 x 4 KiB", PEER_TOO },
	{ "copy_1024x128B", wl_copy, COPY_SMALL, 1,
	  "GRANT_COPY local->grant, one ioctl of 1024 x 128-byte segments", PEER_TOO },
	{ "memcpy_4M", wl_memcpy, 0, 0, "plain memcpy of 4 MiB (reference)", false },
	{ "alloc_cycle_1", wl_alloc_cycle, 1, 0, "ALLOC_GREF+mmap+touch+munmap+DEALLOC, 1 page", false },
	{ "alloc_cycle_256", wl_alloc_cycle, 256, 0, "gntalloc cycle, 256 pages", false },
	{ "alloc_cycle_1024", wl_alloc_cycle, 1024, 0, "gntalloc cycle, 1024 pages", false },
	{ "xs_map_cycle", wl_xs_shape, 1, 0,
	  "1-page map cycle with 10,000 single-page maps open on the fd", PEER_TOO },
	{ "kmem_1x65536", wl_kmem, 0, 0,
	  "kernel memory per mapped page: --kmem-pages (65,536) pages as 1 range, mmap()ed", false },
	{ "kmem_65536x1", wl_kmem, 0, 1,
	  "kernel memory per mapped page: --kmem-pages (65,536) single-page ranges on one fd, mmap()ed", false },
	{ "procs_map_cycle_1", wl_procs, 1, 0,
	  "--procs processes (16), a gntdev fd each, 1-page map cycles at once: total ops/s", false },
	{ "procs_map_cycle_64", wl_procs, 64, 0,
	  "--procs processes (16), a gntdev fd each, 64-page map cycles at once: total ops/s", false },
};
#define NR_BASE (sizeof(base_workloads) / sizeof(base_workloads[0]))

/* The self-grant workloads, then the peer_ ones. */
static struct workload workloads[2 * NR_BASE];
static unsigned int nr_workloads;

static void expand_workloads(void)
{
	static char names[NR_BASE][48], whats[NR_BASE][128];
	unsigned int i, n = 0;

	for (i = 0; i < NR_BASE; i++) {
		workloads[nr_workloads] = base_workloads[i];
		workloads[nr_workloads++].peer = false;
	}
	for (i = 0; i < NR_BASE; i++) {
		struct workload *w = &workloads[nr_workloads];

		if (!base_workloads[i].peer)
			continue;
		*w = base_workloads[i];
		snprintf(names[n], sizeof(names[n]), "peer_%s", w->name);
		snprintf(whats[n], sizeof(whats[n]), "%s; the peer's grants",
			 w->what);
		w->name = names[n];
		w->what = whats[n];
		n++;
		nr_workloads++;
	}
}

/* --only: comma-separated names; "NAME*" selects names starting with NAME. */
static bool selected(const char *name)
{
	const char *s = opt_only;
	size_t len;

	if (!s)
		return true;
	while (*s) {
		len = strcspn(s, ",");
		if (len > 1 && s[len - 1] == '*') {
			if (!strncmp(name, s, len - 1))
				return true;
		} else if (len && strlen(name) == len && !strncmp(name, s, len)) {
			return true;
		}
		s += len;
		if (*s == ',')
			s++;
	}
	return false;
}

static void run_child(const struct workload *w, int wfd)
{
	struct result r;
	ssize_t n;

	memset(&r, 0, sizeof(r));
	alarm(opt_timeout);
	r.ok = w->run(w, &r) == 0;
	n = write(wfd, &r, sizeof(r));
	_exit(n == (ssize_t)sizeof(r) ? 0 : 1);
}

static void run_one(const struct workload *w, struct result *r)
{
	int p[2], st;
	pid_t pid;
	size_t got = 0;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	if (pipe(p)) {
		fail(r, "pipe: %s", strerror(errno));
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fail(r, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		run_child(w, p[1]);
	}
	close(p[1]);
	while (got < sizeof(*r)) {
		n = read(p[0], (char *)r + got, sizeof(*r) - got);
		if (n <= 0)
			break;
		got += n;
	}
	close(p[0]);
	waitpid(pid, &st, 0);
	if (got != sizeof(*r)) {
		memset(r, 0, sizeof(*r));
		if (WIFSIGNALED(st))
			fail(r, "killed by signal %d%s", WTERMSIG(st),
			     WTERMSIG(st) == SIGALRM ? " (time limit)" : "");
		else
			fail(r, "child exited %d without a result", WEXITSTATUS(st));
	}
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static const char *module_set(void)
{
	if (!access("/sys/module/xen_gntcore", F_OK))
		return "ours";
	if (!access("/sys/module/xen_gntdev", F_OK) ||
	    !access("/sys/module/xen_gntalloc", F_OK))
		return "intree";
	return "none";
}

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/*
 * --peer-refs FILE: "DOMID REF REF ...", white space between the numbers
 * (what the VM runner's bench mode collects from its domU). 0, or -1
 * with a message.
 */
static int load_peer_refs(const char *path)
{
	unsigned long v;
	unsigned int cap = 0;
	FILE *f = fopen(path, "r");
	uint32_t *n;

	if (!f) {
		fprintf(stderr, "gntbench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (fscanf(f, "%lu", &v) != 1 || v >= 0x7ff0) {
		fprintf(stderr, "gntbench: %s: no valid domid first\n", path);
		fclose(f);
		return -1;
	}
	peer_domid = (domid_t)v;
	while (fscanf(f, "%lu", &v) == 1) {
		if (v > UINT32_MAX) {
			fprintf(stderr, "gntbench: %s: bad grant reference %lu\n",
				path, v);
			fclose(f);
			return -1;
		}
		if (peer_nrefs == cap) {
			cap = cap ? 2 * cap : 1024;
			n = realloc(peer_refs, cap * sizeof(*n));
			if (!n) {
				fclose(f);
				return -1;
			}
			peer_refs = n;
		}
		peer_refs[peer_nrefs++] = (uint32_t)v;
	}
	if (!feof(f) || !peer_nrefs) {
		fprintf(stderr, "gntbench: %s: %s\n", path,
			peer_nrefs ? "junk after the grant references" :
				     "no grant reference");
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: gntbench [--json FILE] [--reps N] [--only NAME[,NAME...]]\n"
		"                [--sample-ms MS] [--timeout S] [--domid D]\n"
		"                [--xs-maps N] [--xs-pool N] [--xs-mmap 0|1]\n"
		"                [--peer-refs FILE] [--procs N] [--procs-ms MS]\n"
		"                [--kmem-pages N] [--kmem-pool N] [--list]\n"
		"Times the Xen grant devices (self-grant loopback; peer_* on the\n"
		"grants of another domain listed in FILE: \"DOMID REF...\") and prints\n"
		"\"NAME VALUE UNIT [key=value...]\" per workload. --only takes names,\n"
		"NAME* for every name starting with NAME. Workloads:\n");
	for (i = 0; i < nr_workloads; i++)
		fprintf(f, "  %-31s %s\n", workloads[i].name, workloads[i].what);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "json", required_argument, NULL, 'j' },
		{ "reps", required_argument, NULL, 'r' },
		{ "only", required_argument, NULL, 'o' },
		{ "sample-ms", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "domid", required_argument, NULL, 'd' },
		{ "xs-maps", required_argument, NULL, 'x' },
		{ "xs-pool", required_argument, NULL, 'p' },
		{ "xs-mmap", required_argument, NULL, 'm' },
		{ "peer-refs", required_argument, NULL, 'P' },
		{ "procs", required_argument, NULL, 'n' },
		{ "procs-ms", required_argument, NULL, 'w' },
		{ "kmem-pages", required_argument, NULL, 'k' },
		{ "kmem-pool", required_argument, NULL, 'K' },
		{ "list", no_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct result res[2 * NR_BASE];
	static bool ran[2 * NR_BASE];
	const char *set = module_set();
	struct utsname uts;
	unsigned int i, s, nfail = 0, nrun = 0;
	size_t k;
	FILE *f;
	int c;

	expand_workloads();
	while ((c = getopt_long(argc, argv, "j:r:o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = optarg;
			break;
		case 'r':
			opt_reps = strtoul(optarg, NULL, 0);
			break;
		case 'o':
			opt_only = optarg;
			break;
		case 's':
			opt_sample_ms = strtoul(optarg, NULL, 0);
			break;
		case 't':
			opt_timeout = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			opt_domid = (domid_t)strtoul(optarg, NULL, 0);
			break;
		case 'x':
			opt_xs_maps = strtoul(optarg, NULL, 0);
			break;
		case 'p':
			opt_xs_pool = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			opt_xs_mmap = strtoul(optarg, NULL, 0) != 0;
			break;
		case 'P':
			opt_peer_refs = optarg;
			break;
		case 'n':
			opt_procs = strtoul(optarg, NULL, 0);
			break;
		case 'w':
			opt_procs_ms = strtoul(optarg, NULL, 0);
			break;
		case 'k':
			opt_kmem_pages = strtoul(optarg, NULL, 0);
			break;
		case 'K':
			opt_kmem_pool = strtoul(optarg, NULL, 0);
			break;
		case 'l':
			for (i = 0; i < nr_workloads; i++)
				printf("%s\n", workloads[i].name);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc || opt_reps < 1 || opt_reps > MAX_REPS ||
	    opt_sample_ms < 1 || opt_procs < 1 || opt_procs > MAX_PROCS ||
	    opt_procs_ms < 1 || opt_kmem_pages < 1 || opt_kmem_pool < 1) {
		usage(stderr);
		return 2;
	}
	if (opt_peer_refs && load_peer_refs(opt_peer_refs))
		return 2;
	uname(&uts);
	printf("# gntbench: modules %s, kernel %s, domid %u, %u samples of ~%u ms\n",
	       set, uts.release, opt_domid, opt_reps, opt_sample_ms);
	if (peer_nrefs)
		printf("# peer: domain %u, %u grant references from %s\n",
		       peer_domid, peer_nrefs, opt_peer_refs);
	else
		printf("# peer: none (no --peer-refs), peer_* left out\n");
	printf("# gntalloc limit %ld, gntdev limit %ld\n",
	       read_long("/sys/module/xen_gntalloc/parameters/limit"),
	       read_long("/sys/module/xen_gntdev/parameters/limit"));

	for (i = 0; i < nr_workloads; i++) {
		const struct workload *w = &workloads[i];
		struct result *r = &res[i];

		if (!selected(w->name) || (w->peer && !peer_nrefs))
			continue;
		ran[i] = true;
		nrun++;
		run_one(w, r);
		if (!r->ok) {
			nfail++;
			printf("%s FAILED %s\n", w->name, r->err);
			fflush(stdout);
			continue;
		}
		printf("%s %.3f %s", w->name, r->us, r->unit[0] ? r->unit : "us/op");
		for (k = 0; k < r->nextra; k++)
			printf(" %s=%.3f", r->extra_key[k], r->extra_val[k]);
		if (r->bytes)
			printf(" MB/s=%.1f", r->bytes / r->us);
		if (r->have_stats)
			for (k = 0; k < NR_STATS; k++)
				printf(" %s/op=%.3f", stat_keys[k], r->per_op[k]);
		printf(" iters=%lu\n", r->iters);
		fflush(stdout);
	}
	if (!nrun) {
		fprintf(stderr, "gntbench: --only '%s' selects no workload%s\n",
			opt_only, peer_nrefs ? "" : " (peer_* need --peer-refs)");
		return 2;
	}

	if (opt_json) {
		f = fopen(opt_json, "w");
		if (!f) {
			perror(opt_json);
			return 1;
		}
		fprintf(f, "{\n  \"tool\": \"gntbench\",\n  \"set\": ");
		json_str(f, set);
		fprintf(f, ",\n  \"kernel\": ");
		json_str(f, uts.release);
		fprintf(f, ",\n  \"domid\": %u,\n  \"reps\": %u,\n  \"sample_ms\": %u,\n",
			opt_domid, opt_reps, opt_sample_ms);
		fprintf(f, "  \"xs_maps\": %u,\n  \"xs_pool\": %u,\n  \"xs_mmap\": %u,\n",
			opt_xs_maps, opt_xs_pool, opt_xs_mmap);
		fprintf(f, "  \"procs\": %u,\n  \"procs_ms\": %u,\n  \"kmem_pages\": %u,\n  \"kmem_pool\": %u,\n",
			opt_procs, opt_procs_ms, opt_kmem_pages, opt_kmem_pool);
		fprintf(f, "  \"peer_domid\": %d,\n  \"peer_refs\": %u,\n",
			peer_nrefs ? (int)peer_domid : -1, peer_nrefs);
		fprintf(f, "  \"gntalloc_limit\": %ld,\n",
			read_long("/sys/module/xen_gntalloc/parameters/limit"));
		fprintf(f, "  \"workloads\": [");
		for (i = 0, c = 0; i < nr_workloads; i++) {
			const struct result *r = &res[i];

			if (!ran[i])
				continue;
			fprintf(f, "%s\n    {\"name\": ", c++ ? "," : "");
			json_str(f, workloads[i].name);
			fprintf(f, ", \"what\": ");
			json_str(f, workloads[i].what);
			if (!r->ok) {
				fprintf(f, ", \"ok\": false, \"error\": ");
				json_str(f, r->err);
				fprintf(f, "}");
				continue;
			}
			fprintf(f, ", \"ok\": true, \"value\": %.4f, \"unit\": ", r->us);
			json_str(f, r->unit[0] ? r->unit : "us/op");
			fprintf(f, ", \"higher_is_better\": %s",
				r->higher_better ? "true" : "false");
			if (r->nextra) {
				fprintf(f, ", \"extra\": {");
				for (k = 0; k < r->nextra; k++) {
					fprintf(f, "%s", k ? ", " : "");
					json_str(f, r->extra_key[k]);
					fprintf(f, ": %.4f", r->extra_val[k]);
				}
				fprintf(f, "}");
			}
			if (r->bytes)
				fprintf(f, ", \"bytes_per_op\": %.0f, \"mb_per_s\": %.2f",
					r->bytes, r->bytes / r->us);
			fprintf(f, ", \"iters_per_sample\": %lu, \"setup_s\": %.3f, \"samples_us\": [",
				r->iters, r->setup_s);
			for (s = 0; s < r->nsamples; s++)
				fprintf(f, "%s%.4f", s ? ", " : "", r->sample_us[s]);
			fprintf(f, "]");
			if (r->have_stats) {
				fprintf(f, ", \"per_op\": {");
				for (k = 0; k < NR_STATS; k++)
					fprintf(f, "%s\"%s\": %.4f", k ? ", " : "",
						stat_keys[k], r->per_op[k]);
				fprintf(f, "}");
			}
			fprintf(f, "}");
		}
		fprintf(f, "\n  ]\n}\n");
		if (fclose(f)) {
			perror(opt_json);
			return 1;
		}
	}
	return nfail ? 1 : 0;
}
