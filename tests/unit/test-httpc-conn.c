/*
 * test-httpc-conn: the connection against a scripted server on a unix
 * socket (a thread): keep-alive reuse, reconnecting after the server
 * closed an idle connection, the retry rule (a GET that got nothing on a
 * reused connection is sent again, a POST never), the deadline, and a
 * sink that stops a streamed answer.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "httpc-conn.h"

/* What the server does with the n-th request it reads (all connections
 * counted): 'A' answers (keep-alive), 'K' answers and closes, 'C' closes
 * without an answer, 'S' stays silent until the client goes, 'T' streams
 * chunked lines until the client goes. */
static const char	*script;
static _Atomic int	 nreq, naccept;
static char		 reqlog[4096];
static int		 lfd;

static void
serve_conn(int fd)
{
	char	in[4096];
	size_t	len = 0;
	ssize_t	n;
	char	act;

	for (;;) {
		char	*end;

		while ((end = memmem(in, len, "\r\n\r\n", 4)) == NULL) {
			n = read(fd, in + len, sizeof(in) - len);
			if (n <= 0)
				return;
			len += (size_t)n;
		}
		/* the request line into the log */
		strncat(reqlog, in, strcspn(in, "\r"));
		strncat(reqlog, ";", 2);
		len -= (size_t)(end + 4 - in);
		memmove(in, end + 4, len);
		act = script[nreq] ? script[nreq] : 'C';
		nreq++;
		switch (act) {
		case 'A':
		case 'K':
			dprintf(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
			    "X-N: %d\r\n\r\nok", nreq);
			if (act == 'K')
				return;
			break;
		case 'C':
			return;
		case 'S':
			while (read(fd, in, sizeof(in)) > 0)
				;
			return;
		case 'T':
			dprintf(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
			    "chunked\r\n\r\n");
			for (;;)
				if (dprintf(fd, "6\r\nline\n\r\n") < 0)
					return;
		}
	}
}

static void *
server(void *arg)
{
	int	fd;

	(void)arg;
	while ((fd = accept(lfd, NULL, NULL)) >= 0) {
		naccept++;
		serve_conn(fd);
		close(fd);
	}
	return NULL;
}

static bool
sink_buf(void *arg, struct span data)
{
	return buf_add(arg, data.p, data.len);
}

static int	stream_bytes;

static bool
sink_stop(void *arg, struct span data)
{
	stream_bytes += (int)data.len;
	return stream_bytes < 1000;
}

/* One request; returns its error and the body in *body. */
static enum dr_err
req(struct httpc_conn *c, const char *method, long ms, struct buf *body,
    int *status)
{
	struct httpc_req	r = { .method = method, .path = "/x" };
	struct httpc_sink	s = { NULL, sink_buf, body };
	struct dr_error		e;
	bool			stopped;

	buf_reset(body);
	return httpc_conn_request(c, &r, httpc_now_ms() + ms, &s, status,
	    &stopped, &e);
}

static void
reset(const char *s)
{
	script = s;
	nreq = naccept = 0;
	reqlog[0] = '\0';
}

int
main(void)
{
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct httpc_conn	*c;
	struct buf		 body;
	pthread_t		 t;
	char			 dir[] = "/tmp/test-httpc-conn.XXXXXX";
	int			 status = 0;

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(lfd, 8) < 0)
		return 2;
	pthread_create(&t, NULL, server, NULL);
	buf_init(&body, 1 << 20);

	/* Keep-alive: two answers on one connection. */
	reset("AA");
	c = httpc_conn_new(sun.sun_path, NULL);
	CHECK_INTEQ(req(c, "GET", 5000, &body, &status), DR_OK);
	CHECK_INTEQ(status, 200);
	CHECK_STREQ(buf_str(&body), "ok");
	CHECK(httpc_conn_fd(c) >= 0);
	CHECK_INTEQ(req(c, "POST", 5000, &body, &status), DR_OK);
	CHECK_INTEQ(naccept, 1);
	CHECK_STREQ(reqlog, "GET /x HTTP/1.1;POST /x HTTP/1.1;");
	httpc_conn_free(c);

	/* The server closed the idle connection: a new one, no error. */
	reset("KA");
	c = httpc_conn_new(sun.sun_path, NULL);
	CHECK_INTEQ(req(c, "GET", 5000, &body, &status), DR_OK);
	usleep(100 * 1000);
	CHECK_INTEQ(req(c, "POST", 5000, &body, &status), DR_OK);
	CHECK_INTEQ(naccept, 2);
	CHECK_INTEQ(nreq, 2);
	httpc_conn_free(c);

	/* Closed after reading a GET on a reused connection: sent again. */
	reset("ACA");
	c = httpc_conn_new(sun.sun_path, NULL);
	CHECK_INTEQ(req(c, "GET", 5000, &body, &status), DR_OK);
	CHECK_INTEQ(req(c, "GET", 5000, &body, &status), DR_OK);
	CHECK_STREQ(buf_str(&body), "ok");
	CHECK_INTEQ(nreq, 3);
	CHECK_INTEQ(naccept, 2);
	httpc_conn_free(c);

	/* The same with a POST: never sent twice. */
	reset("ACA");
	c = httpc_conn_new(sun.sun_path, NULL);
	CHECK_INTEQ(req(c, "GET", 5000, &body, &status), DR_OK);
	CHECK_INTEQ(req(c, "POST", 5000, &body, &status), DR_ENET);
	CHECK_INTEQ(nreq, 2);
	CHECK(httpc_conn_fd(c) < 0);
	/* and the next request works on a new connection */
	CHECK_INTEQ(req(c, "POST", 5000, &body, &status), DR_OK);
	CHECK_INTEQ(nreq, 3);
	httpc_conn_free(c);

	/* A fresh connection that gets nothing: no retry, DR_ENET. */
	reset("C");
	c = httpc_conn_new(sun.sun_path, NULL);
	CHECK_INTEQ(req(c, "GET", 5000, &body, &status), DR_ENET);
	CHECK_INTEQ(nreq, 1);
	httpc_conn_free(c);

	/* No answer within the deadline. */
	reset("S");
	c = httpc_conn_new(sun.sun_path, NULL);
	CHECK_INTEQ(req(c, "GET", 200, &body, &status), DR_ETIMEOUT);
	CHECK(httpc_conn_fd(c) < 0);
	httpc_conn_free(c);
	usleep(100 * 1000);

	/* A sink stops an endless stream; the connection is dropped. */
	reset("T");
	c = httpc_conn_new(sun.sun_path, NULL);
	{
		struct httpc_req	r = { .method = "GET", .path = "/events" };
		struct httpc_sink	s = { NULL, sink_stop, NULL };
		struct dr_error		e;
		bool			stopped = false;

		CHECK_INTEQ(httpc_conn_request(c, &r, httpc_now_ms() + 5000,
		    &s, &status, &stopped, &e), DR_OK);
		CHECK(stopped);
		CHECK(stream_bytes >= 1000);
		CHECK(httpc_conn_fd(c) < 0);
	}
	httpc_conn_free(c);

	/* Nothing listening. */
	c = httpc_conn_new("/nonexistent/dockrev.sock", NULL);
	CHECK_INTEQ(req(c, "GET", 5000, &body, &status), DR_ENET);
	httpc_conn_free(c);

	/* CR or LF in the request is refused before anything is sent. */
	reset("A");
	c = httpc_conn_new(sun.sun_path, NULL);
	{
		struct httpc_req	r = { .method = "GET", .path = "/x",
					    .header = "X: a\r\nY: b" };
		struct httpc_sink	s = { NULL, sink_buf, &body };
		struct dr_error		e;
		bool			stopped;

		CHECK_INTEQ(httpc_conn_request(c, &r, httpc_now_ms() + 5000,
		    &s, &status, &stopped, &e), DR_EINVAL);
		CHECK_INTEQ(nreq, 0);
	}
	httpc_conn_free(c);

	buf_done(&body);
	shutdown(lfd, SHUT_RDWR);
	close(lfd);
	unlink(sun.sun_path);
	rmdir(dir);
	return check_summary("httpc-conn");
}
