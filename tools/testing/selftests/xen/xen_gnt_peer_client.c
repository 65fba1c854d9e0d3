// SPDX-License-Identifier: GPL-2.0
/*
 * xen_gnt_peer_client - the dom0 side of the xen_gnt_peer protocol; see
 * xen_gnt_peer_client.h and xen_gnt_peer.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xen_gnt_util.h"
#include "xen_gnt_peer.h"
#include "xen_gnt_peer_client.h"

int peer_open(struct peer *p, unsigned int domid)
{
	memset(p, 0, sizeof(*p));
	p->xs = xs_open(0);
	if (!p->xs)
		return errno ? -errno : -EIO;
	p->domid = domid;
	snprintf(p->dir, sizeof(p->dir), XG_PEER_DIR_FMT, domid);
	return 0;
}

void peer_close(struct peer *p)
{
	if (p->xs)
		xs_close(p->xs);
	p->xs = NULL;
}

static char *peer_path(struct peer *p, const char *key)
{
	static char buf[192];

	snprintf(buf, sizeof(buf), "%s/%s", p->dir, key);
	return buf;
}

static int peer_session_open(struct peer *p, unsigned int domid, int *dev,
			     int *alloc, const char **what)
{
	int rc;

	*what = XG_GNTDEV;
	rc = xg_open(XG_GNTDEV);
	if (rc < 0)
		return rc;
	*dev = rc;
	*what = XG_GNTALLOC;
	rc = xg_open(XG_GNTALLOC);
	if (rc < 0)
		return rc;
	*alloc = rc;
	*what = "xs_open";
	return peer_open(p, domid);
}

int peer_session_from_env(const char *env, struct peer *p, int *dev,
			  int *alloc, const char **what)
{
	static char bad[128];
	const char *val = getenv(env);
	int domid, rc;

	*dev = *alloc = -1;
	p->xs = NULL;
	if (!val)
		return 0;
	domid = xg_parse_domid(val);
	if (domid <= 0) {
		snprintf(bad, sizeof(bad), "%s=%s", env, val);
		*what = bad;
		return -EINVAL;
	}
	rc = peer_session_open(p, domid, dev, alloc, what);
	return rc ? rc : domid;
}

void peer_session_close(struct peer *p, int *dev, int *alloc)
{
	peer_close(p);
	if (*alloc >= 0)
		close(*alloc);
	if (*dev >= 0)
		close(*dev);
	*alloc = *dev = -1;
}

bool peer_ready(struct peer *p, int timeout_ms)
{
	long long end = xg_now_ms() + timeout_ms;
	unsigned int len;
	char *v;

	for (;;) {
		v = xs_read(p->xs, XBT_NULL, peer_path(p, XG_PEER_READY), &len);
		free(v);
		if (v)
			return true;
		if (xg_now_ms() >= end)
			return false;
		xg_msleep(50);
	}
}

int peer_cmd(struct peer *p, const char *fmt, ...)
{
	char req[4096], id[32], *v;
	unsigned int len;
	long long end;
	size_t idlen;
	va_list ap;
	int n;

	snprintf(id, sizeof(id), "%u", (unsigned int)getpid() * 1000u +
		 ++p->seq);
	n = snprintf(req, sizeof(req), "%s ", id);
	va_start(ap, fmt);
	vsnprintf(req + n, sizeof(req) - n, fmt, ap);
	va_end(ap);
	p->reply[0] = '\0';
	if (!xs_write(p->xs, XBT_NULL, peer_path(p, XG_PEER_REQ), req,
		      strlen(req)))
		return -errno;
	idlen = strlen(id);
	end = xg_now_ms() + (p->timeout_ms > 0 ? p->timeout_ms :
			  XG_PEER_REQ_TIMEOUT_MS);
	while (xg_now_ms() < end) {
		v = xs_read(p->xs, XBT_NULL, peer_path(p, XG_PEER_RESP), &len);
		if (v && len > idlen && !strncmp(v, id, idlen) &&
		    v[idlen] == ' ') {
			const char *r = v + idlen + 1;
			int rc = strncmp(r, "ok", 2) ? 1 : 0;

			r += rc ? 3 : 2;
			if (*r == ' ')
				r++;
			snprintf(p->reply, sizeof(p->reply), "%s", r);
			free(v);
			return rc;
		}
		free(v);
		xg_msleep(5);
	}
	snprintf(p->reply, sizeof(p->reply), "no answer to '%s'", req);
	return -ETIMEDOUT;
}

const char *peer_field(const char *s, const char *key, char *val,
		       size_t len)
{
	size_t klen = strlen(key), n;

	while (*s) {
		s += strspn(s, " ");
		n = strcspn(s, " ");
		if (n > klen && !strncmp(s, key, klen) && s[klen] == '=') {
			snprintf(val, len, "%.*s", (int)(n - klen - 1),
				 s + klen + 1);
			return val;
		}
		s += n;
	}
	return NULL;
}

int peer_parse_alloc(const char *s, int *h, uint32_t *grefs, int n)
{
	char *end;
	int i;

	*h = strtol(s, &end, 10);
	if (end == s)
		return -1;
	for (i = 0; i < n; i++) {
		s = end;
		grefs[i] = strtoul(s, &end, 10);
		if (end == s)
			return -1;
	}
	return 0;
}

int peer_map(struct peer *p, int seed, int rw, const uint32_t *grefs,
		    int n, int *h)
{
	char list[XG_PEER_MAX_GRANTS * 11 + 1];
	size_t len = 0;
	int i, rc;

	list[0] = '\0';
	for (i = 0; i < n; i++)
		len += snprintf(list + len, sizeof(list) - len, " %u",
				grefs[i]);
	rc = peer_cmd(p, "map 0 %d %d%s", seed, rw, list);
	if (rc == 0)
		*h = atoi(p->reply);
	return rc;
}
