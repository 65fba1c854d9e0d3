// SPDX-License-Identifier: GPL-2.0
/*
 * vchan-xfer: one end of a checked bulk transfer over a Unix socket.
 *
 * The VM runner puts Xen's vchan-socket-proxy between two of these, one in
 * dom0 and one in the domU, so that the bytes cross a libxenvchan ring that
 * lives in granted pages (gntalloc on the server side, gntdev on the client
 * side).  Each end sends BYTES bytes of a pseudo-random stream derived from
 * its TX seed and, at the same time, receives BYTES bytes that must equal
 * the stream derived from its RX seed.  Both ends print a 64-bit FNV-1a sum
 * of what they sent and what they received, so the runner can compare the
 * two sides as well as rely on each side's own byte-for-byte check.
 *
 * Output, one line on stdout: sent=N tx_sum=HEX received=N rx_sum=HEX
 * rx_ok=yes|no (all BYTES arrived and matched) ok=yes|no (also the shutdown
 * handshake) secs=S MiB/s=R (both directions together).
 *
 * Shutdown: vchan-socket-proxy drops whatever is still in flight when one
 * side closes, so the ends do not close at the same time.  After an end has
 * received all BYTES it sends one DONE byte.  The end started with --closer
 * waits for the peer's DONE (so it knows the peer has everything) and then
 * closes; the other end waits for that close (EOF) before it exits.
 *
 * Usage: vchan-xfer listen|connect SOCKET BYTES TXSEED RXSEED [--closer]
 *                   [--timeout SECONDS]
 * The timeout is on inactivity: it restarts whenever bytes move, so that a
 * slow (loaded, emulated) machine does not fail a transfer that progresses.
 * Exit status 0 only if every byte arrived and matched.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define CHUNK 65536
#define DONE_BYTE 0x5a

struct stream {
	uint64_t state;
	uint64_t word;
	unsigned int left;	/* unused bytes in word */
};

static void stream_init(struct stream *s, uint64_t seed)
{
	s->state = seed ? seed : 0x9e3779b97f4a7c15ULL;
	s->left = 0;
}

static void stream_fill(struct stream *s, unsigned char *buf, size_t len)
{
	while (len--) {
		if (!s->left) {
			/* xorshift64* */
			s->state ^= s->state >> 12;
			s->state ^= s->state << 25;
			s->state ^= s->state >> 27;
			s->word = s->state * 0x2545f4914f6cdd1dULL;
			s->left = 8;
		}
		*buf++ = (unsigned char)s->word;
		s->word >>= 8;
		s->left--;
	}
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "vchan-xfer: %s: %s\n", what, strerror(errno));
	exit(2);
}

static int open_socket(const char *mode, const char *path, double deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, lfd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "vchan-xfer: socket path too long\n");
		exit(2);
	}
	strcpy(sa.sun_path, path);

	if (!strcmp(mode, "listen")) {
		unlink(path);
		lfd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (lfd < 0)
			die("socket");
		if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("bind");
		if (listen(lfd, 1) < 0)
			die("listen");
		fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			die("accept");
		close(lfd);
		return fd;
	}
	if (strcmp(mode, "connect")) {
		fprintf(stderr, "vchan-xfer: mode must be listen or connect\n");
		exit(2);
	}
	/* The proxy may not have created its socket yet: retry. */
	for (;;) {
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (fd < 0)
			die("socket");
		if (!connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
			return fd;
		if ((errno != ENOENT && errno != ECONNREFUSED) ||
		    now() > deadline)
			die("connect");
		close(fd);
		usleep(50000);
	}
}

static void on_alarm(int sig)
{
	static const char msg[] = "vchan-xfer: timed out\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	_exit(3);
}

int main(int argc, char **argv)
{
	static unsigned char txbuf[CHUNK], rxbuf[CHUNK], expect[CHUNK];
	uint64_t total, sent = 0, got = 0, txsum, rxsum;
	size_t txoff = 0, txlen = 0;
	struct stream tx, rx;
	int closer = 0, timeout = 120, fd, i;
	int done_sent = 0, done_got = 0, eof = 0, bad = 0, ok;
	double t0, t1;

	if (argc < 6) {
		fprintf(stderr,
			"usage: %s listen|connect SOCKET BYTES TXSEED RXSEED [--closer] [--timeout S]\n",
			argv[0]);
		return 2;
	}
	for (i = 6; i < argc; i++) {
		if (!strcmp(argv[i], "--closer"))
			closer = 1;
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = atoi(argv[++i]);
		else {
			fprintf(stderr, "vchan-xfer: bad option %s\n", argv[i]);
			return 2;
		}
	}
	total = strtoull(argv[3], NULL, 0);
	stream_init(&tx, strtoull(argv[4], NULL, 0));
	stream_init(&rx, strtoull(argv[5], NULL, 0));
	txsum = rxsum = 0xcbf29ce484222325ULL;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(timeout);

	fd = open_socket(argv[1], argv[2], now() + timeout);
	alarm(timeout);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		die("fcntl");
	t0 = now();

	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (done_sent && (done_got || (eof && !closer)))
			break;
		if (eof)
			break;	/* peer went away early */
		if (sent < total || (got == total && !done_sent))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if ((pfd.revents & POLLOUT) && sent < total) {
			if (txoff == txlen) {
				txlen = total - sent < CHUNK ? total - sent : CHUNK;
				stream_fill(&tx, txbuf, txlen);
				txsum = fnv1a(txsum, txbuf, txlen);
				txoff = 0;
			}
			n = write(fd, txbuf + txoff, txlen - txoff);
			if (n < 0 && errno != EAGAIN)
				die("write");
			if (n > 0) {
				txoff += n;
				sent += n;
				alarm(timeout);
			}
		} else if ((pfd.revents & POLLOUT) && got == total && !done_sent) {
			unsigned char d = DONE_BYTE;

			n = write(fd, &d, 1);
			if (n < 0 && errno != EAGAIN)
				die("write");
			if (n == 1)
				done_sent = 1;
		}
		if (pfd.revents & (POLLIN | POLLHUP | POLLERR)) {
			size_t want = got < total ?
				(total - got < CHUNK ? total - got : CHUNK) : 1;

			n = read(fd, rxbuf, want);
			if (n < 0 && errno != EAGAIN && errno != ECONNRESET)
				die("read");
			if (n == 0 || (n < 0 && errno == ECONNRESET)) {
				eof = 1;
			} else if (n > 0 && got < total) {
				alarm(timeout);
				stream_fill(&rx, expect, n);
				if (memcmp(rxbuf, expect, n))
					bad = 1;
				rxsum = fnv1a(rxsum, rxbuf, n);
				got += n;
			} else if (n > 0) {
				if (rxbuf[0] != DONE_BYTE)
					bad = 1;
				done_got = 1;
			}
		}
	}
	t1 = now();

	/* The non-closing end waits until the closer has gone. */
	if (!closer && !eof && done_sent) {
		int fl = fcntl(fd, F_GETFL);
		unsigned char c;

		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
		while (read(fd, &c, 1) > 0)
			;
	}
	close(fd);

	ok = !bad && got == total && sent == total && done_sent &&
	     (done_got || !closer);
	printf("sent=%" PRIu64 " tx_sum=%016" PRIx64 " received=%" PRIu64
	       " rx_sum=%016" PRIx64 " rx_ok=%s ok=%s secs=%.3f MiB/s=%.2f\n",
	       sent, txsum, got, rxsum, (!bad && got == total) ? "yes" : "no",
	       ok ? "yes" : "no", t1 - t0,
	       t1 > t0 ? (sent + got) / 1048576.0 / (t1 - t0) : 0.0);
	return ok ? 0 : 1;
}
