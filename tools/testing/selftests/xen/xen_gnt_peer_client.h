/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dom0 side of the xen_gnt_peer protocol (xen_gnt_peer.h): send one
 * request to the agent in a domU over xenstore and wait for its answer.
 * Used by cross_domain_test, peer_destroy_test and unload_handoff_test.
 */
#ifndef XEN_GNT_PEER_CLIENT_H
#define XEN_GNT_PEER_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenstore.h>

/* How long the agent gets to answer one request, unless timeout_ms. */
#define XG_PEER_REQ_TIMEOUT_MS 10000

struct peer {
	struct xs_handle *xs;
	unsigned int domid;
	char dir[128];
	unsigned int seq;
	int timeout_ms;		/* per request; 0: XG_PEER_REQ_TIMEOUT_MS */
	char reply[4096];	/* last result, after "ok " or "err " */
};

/* Opens xenstore and names the agent of @domid. 0 or -errno. */
int peer_open(struct peer *p, unsigned int domid);
void peer_close(struct peer *p);

/*
 * What a dom0 test of the agent starts with, in the domain whose id the
 * environment variable @env holds: gntdev in *@dev, gntalloc in *@alloc,
 * and peer_open() of that domain in @p. Returns the domain's id (> 0);
 * 0 if @env is not set (nothing is opened: the test SKIPs); or -errno
 * with *@what naming what failed ("@env=VALUE" if VALUE is no domU's id).
 * Whatever it returns, peer_session_close() then closes what was opened.
 */
int peer_session_from_env(const char *env, struct peer *p, int *dev,
			  int *alloc, const char **what);
void peer_session_close(struct peer *p, int *dev, int *alloc);

/* Waits up to @timeout_ms for the agent's "ready" key. */
bool peer_ready(struct peer *p, int timeout_ms);

/*
 * Sends one request, waits for its answer. Returns 0 for "ok", 1 for
 * "err", -ETIMEDOUT or -errno; p->reply holds the rest of the answer.
 */
int peer_cmd(struct peer *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * The value of "KEY=VALUE" among the words of @s (an answer such as
 * unload's), copied to @val: @val, or NULL if there is no such word.
 */
const char *peer_field(const char *s, const char *key, char *val,
		       size_t len);

/* Parses "H G1 ... Gn" (the answer to alloc). 0 or -1. */
int peer_parse_alloc(const char *s, int *h, uint32_t *grefs, int n);

/* "map DOMID SEED RW G1 ... Gn": the agent maps @n grants of dom0. */
int peer_map(struct peer *p, int seed, int rw, const uint32_t *grefs, int n,
	     int *h);

#endif /* XEN_GNT_PEER_CLIENT_H */
