/*
 * httpc-conn: plain HTTP/1.1 over one non-blocking socket.  Invariant: the
 * socket is kept only between complete answers on a connection both sides
 * keep alive; anything else (a stopped or broken answer, bytes past the
 * end of one) closes it.
 */
#include "httpc-conn.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "httpc.h"
#include "xmalloc.h"

#define HTTPC_READ_SIZE		16384
#define HTTPC_DEFAULT_PORT	"2375"	/* the engine's plain tcp port */

struct httpc_conn {
	char	*unix_path;	/* or NULL */
	char	*host;		/* "name:port" (also the Host header) */
	int	 fd;		/* -1 when closed */
};

struct httpc_conn *
httpc_conn_new(const char *unix_path, const char *host)
{
	struct httpc_conn	*c = xcalloc(1, sizeof(*c));

	c->unix_path = unix_path ? xstrdup(unix_path) : NULL;
	c->host = xstrdup(host ? host : "docker");
	c->fd = -1;
	return c;
}

void
httpc_conn_close(struct httpc_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
httpc_conn_free(struct httpc_conn *c)
{
	if (c == NULL)
		return;
	httpc_conn_close(c);
	free(c->unix_path);
	free(c->host);
	free(c);
}

int
httpc_conn_fd(const struct httpc_conn *c)
{
	return c->fd;
}

int64_t
httpc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for events or deadline passes: 1 ready, 0
 * timed out, -1 error (errno). */
static int
httpc_wait(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int64_t		left;
	int		r;

	for (;;) {
		left = deadline - httpc_now_ms();
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* Connects one socket to addr before deadline: the fd, or -1 with errno
 * (ETIMEDOUT when the deadline passed). */
static int
httpc_connect_addr(int family, const struct sockaddr *addr, socklen_t len,
    int64_t deadline)
{
	int		fd, r, soerr = 0, one = 1;
	socklen_t	sl = sizeof(soerr);

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, addr, len) == 0)
		goto ok;
	if (errno != EINPROGRESS && errno != EAGAIN)
		goto fail;
	r = httpc_wait(fd, POLLOUT, deadline);
	if (r == 0)
		errno = ETIMEDOUT;
	if (r <= 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0)
		goto fail;
	if (soerr != 0) {
		errno = soerr;
		goto fail;
	}
ok:
	if (family != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	return fd;
fail:
	r = errno;
	close(fd);
	errno = r;
	return -1;
}

static enum dr_err
httpc_connect(struct httpc_conn *c, int64_t deadline, struct dr_error *reterr)
{
	struct addrinfo		 hints = { .ai_socktype = SOCK_STREAM }, *res = NULL,
				*ai;
	char			 name[256];
	const char		*port, *h = c->host, *colon;
	int64_t			 cdeadline = httpc_now_ms() + HTTPC_CONNECT_MS;
	int			 gai, saved = 0;

	if (cdeadline > deadline)
		cdeadline = deadline;
	if (c->unix_path != NULL) {
		struct sockaddr_un	sun = { .sun_family = AF_UNIX };

		if (strlen(c->unix_path) >= sizeof(sun.sun_path))
			return dr_fail(reterr, DR_EINVAL, "socket path too "
			    "long: %s", c->unix_path);
		memcpy(sun.sun_path, c->unix_path, strlen(c->unix_path) + 1);
		c->fd = httpc_connect_addr(AF_UNIX, (struct sockaddr *)&sun,
		    sizeof(sun), cdeadline);
		if (c->fd < 0)
			return dr_fail(reterr, errno == ETIMEDOUT ?
			    DR_ETIMEOUT : DR_ENET, "connect to %s: %s",
			    c->unix_path, strerror(errno));
		return DR_OK;
	}
	if (h[0] == '[') {
		const char	*rb = strchr(h, ']');

		if (rb == NULL || (rb[1] != '\0' && rb[1] != ':') ||
		    (size_t)(rb - h - 1) >= sizeof(name))
			return dr_fail(reterr, DR_EINVAL, "bad host %s", h);
		snprintf(name, sizeof(name), "%.*s", (int)(rb - h - 1), h + 1);
		port = rb[1] == ':' ? rb + 2 : HTTPC_DEFAULT_PORT;
	} else {
		colon = strrchr(h, ':');
		if ((size_t)(colon ? colon - h : (long)strlen(h)) >=
		    sizeof(name))
			return dr_fail(reterr, DR_EINVAL, "bad host %s", h);
		snprintf(name, sizeof(name), "%.*s",
		    (int)(colon ? colon - h : (long)strlen(h)), h);
		port = colon ? colon + 1 : HTTPC_DEFAULT_PORT;
	}
	if ((gai = getaddrinfo(name, port, &hints, &res)) != 0)
		return dr_fail(reterr, DR_ENET, "cannot resolve %s: %s", h,
		    gai_strerror(gai));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		c->fd = httpc_connect_addr(ai->ai_family, ai->ai_addr,
		    ai->ai_addrlen, cdeadline);
		if (c->fd >= 0)
			break;
		saved = errno;
	}
	freeaddrinfo(res);
	if (c->fd < 0)
		return dr_fail(reterr, saved == ETIMEDOUT ? DR_ETIMEOUT :
		    DR_ENET, "connect to %s: %s", h, strerror(saved));
	return DR_OK;
}

/* True when an idle kept-alive connection can still be used: nothing to
 * read on it (no EOF, no stray bytes). */
static bool
httpc_idle_ok(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, 0) == 0;
}

static bool
httpc_has_crlf(const char *s)
{
	return s != NULL && strpbrk(s, "\r\n") != NULL;
}

/* Writes all of iov before deadline: DR_OK, DR_ETIMEOUT or DR_ENET. */
static enum dr_err
httpc_send(int fd, struct iovec *iov, int niov, int64_t deadline,
    struct dr_error *reterr)
{
	struct msghdr	msg = { 0 };
	ssize_t		n;

	while (niov > 0) {
		if (iov->iov_len == 0) {
			iov++;
			niov--;
			continue;
		}
		msg.msg_iov = iov;
		msg.msg_iovlen = (size_t)niov;
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
		if (n < 0) {
			int	r;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return dr_fail(reterr, DR_ENET, "send: %s",
				    strerror(errno));
			if ((r = httpc_wait(fd, POLLOUT, deadline)) == 0)
				return dr_fail(reterr, DR_ETIMEOUT, "send "
				    "timed out");
			if (r < 0)
				return dr_fail(reterr, DR_ENET, "poll: %s",
				    strerror(errno));
			continue;
		}
		while (n > 0 && niov > 0) {
			if ((size_t)n >= iov->iov_len) {
				n -= (ssize_t)iov->iov_len;
				iov++;
				niov--;
			} else {
				iov->iov_base = (char *)iov->iov_base + n;
				iov->iov_len -= (size_t)n;
				n = 0;
			}
		}
	}
	return DR_OK;
}

/* What a read attempt ended with. */
enum httpc_read_end {
	HTTPC_READ_DONE,	/* a whole answer, or the sink stopped */
	HTTPC_READ_FAIL,	/* reterr set */
	HTTPC_READ_NOTHING,	/* peer closed or reset before any byte */
};

/* Reads one answer from c->fd into sink; reterr is not NULL. */
static enum httpc_read_end
httpc_read(struct httpc_conn *c, bool head, int64_t deadline,
    const struct httpc_sink *sink, int *ret_status, bool *ret_stopped,
    bool *ret_keep, struct dr_error *reterr)
{
	struct httpc_parser	*p;
	struct httpc_event	 ev;
	char			*rbuf;
	enum httpc_read_end	 end = HTTPC_READ_FAIL;
	enum httpc_ev		 e;
	struct span		 in;
	size_t			 used;
	ssize_t			 n;
	bool			 got_any = false;
	int			 r;

	p = xmalloc(sizeof(*p));
	rbuf = xmalloc(HTTPC_READ_SIZE);
	httpc_parser_init(p, head);
	*ret_keep = false;
	for (;;) {
		n = read(c->fd, rbuf, HTTPC_READ_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if ((r = httpc_wait(c->fd, POLLIN, deadline)) == 0) {
				dr_fail(reterr, DR_ETIMEOUT, "timed out");
				goto out;
			}
			if (r < 0) {
				dr_fail(reterr, DR_ENET, "poll: %s",
				    strerror(errno));
				goto out;
			}
			continue;
		}
		if (n <= 0 && !got_any) {
			dr_fail(reterr, DR_ENET, "%s", n == 0 ? "connection "
			    "closed before an answer" : strerror(errno));
			end = HTTPC_READ_NOTHING;
			goto out;
		}
		if (n < 0) {
			dr_fail(reterr, DR_ENET, "read: %s", strerror(errno));
			goto out;
		}
		if (n == 0) {
			if (httpc_parse_eof(p, reterr) != HTTPC_EV_DONE) {
				reterr->code = DR_ENET;
				goto out;
			}
			*ret_status = p->status;
			end = HTTPC_READ_DONE;
			goto out;
		}
		got_any = true;
		in = span_make(rbuf, (size_t)n);
		for (;;) {
			e = httpc_parse(p, in, &used, &ev, reterr);
			in = span_sub(in, used, in.len);
			if (e == HTTPC_EV_MORE)
				break;
			switch (e) {
			case HTTPC_EV_ERROR:
				goto out;
			case HTTPC_EV_HEADER:
				if (sink->header != NULL)
					sink->header(sink->arg, ev.name,
					    ev.value);
				break;
			case HTTPC_EV_HEAD_DONE:
				*ret_status = p->status;
				break;
			case HTTPC_EV_BODY:
				if (!sink->body(sink->arg, ev.data)) {
					*ret_stopped = true;
					end = HTTPC_READ_DONE;
					goto out;
				}
				break;
			case HTTPC_EV_DONE:
				*ret_keep = p->keepalive && in.len == 0;
				end = HTTPC_READ_DONE;
				goto out;
			default:
				break;
			}
		}
	}
out:
	free(rbuf);
	free(p);
	return end;
}

enum dr_err
httpc_conn_request(struct httpc_conn *c, const struct httpc_req *req,
    int64_t deadline, const struct httpc_sink *sink, int *ret_status,
    bool *ret_stopped, struct dr_error *reterr)
{
	struct iovec		 iov[4];
	struct dr_error		 e = { 0 };
	char			*head = NULL, cl[64] = "";
	const char		*m = req->method;
	bool			 reused, keep = false, idem;
	bool			 head_req = strcmp(m, "HEAD") == 0;
	enum httpc_read_end	 end;
	enum dr_err		 err;
	int			 attempt;

	*ret_status = 0;
	*ret_stopped = false;
	dr_error_clear(reterr);
	if (httpc_has_crlf(m) || httpc_has_crlf(req->path) ||
	    httpc_has_crlf(req->header) || strchr(m, ' ') != NULL ||
	    strchr(req->path, ' ') != NULL)
		return dr_fail(reterr, DR_EINVAL, "CR, LF or space in an HTTP "
		    "request line or header");
	idem = strcmp(m, "GET") == 0 || head_req;
	if (req->body != NULL)
		snprintf(cl, sizeof(cl), "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n", req->body_len);
	else if (strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0)
		snprintf(cl, sizeof(cl), "Content-Length: 0\r\n");
	head = xasprintf("%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: dockrev\r\n"
	    "%s", m, req->path, c->host, cl);
	for (attempt = 0;; attempt++) {
		reused = c->fd >= 0;
		if (reused && !httpc_idle_ok(c->fd)) {
			httpc_conn_close(c);
			reused = false;
		}
		if (c->fd < 0 && (err = httpc_connect(c, deadline, &e)) !=
		    DR_OK)
			goto out;
		iov[0] = (struct iovec){ head, strlen(head) };
		iov[1] = (struct iovec){ (void *)(req->header ? req->header :
		    ""), req->header ? strlen(req->header) : 0 };
		iov[2] = (struct iovec){ req->header ? "\r\n\r\n" : "\r\n",
		    req->header ? 4 : 2 };
		iov[3] = (struct iovec){ (void *)(req->body ? req->body : ""),
		    req->body ? req->body_len : 0 };
		if ((err = httpc_send(c->fd, iov, 4, deadline, &e)) !=
		    DR_OK) {
			httpc_conn_close(c);
			if (err == DR_ENET && reused && attempt == 0) {
				dr_error_clear(&e);
				continue;
			}
			goto out;
		}
		end = httpc_read(c, head_req, deadline, sink, ret_status,
		    ret_stopped, &keep, &e);
		if (end == HTTPC_READ_NOTHING && reused && idem &&
		    attempt == 0) {
			httpc_conn_close(c);
			dr_error_clear(&e);
			continue;
		}
		if (end != HTTPC_READ_DONE) {
			err = e.code != DR_OK ? e.code : DR_ENET;
			goto out;
		}
		err = DR_OK;
		break;
	}
out:
	if (err != DR_OK)
		dr_fail(reterr, err, "%s", e.msg);
	if (!keep)
		httpc_conn_close(c);
	free(head);
	return err;
}
