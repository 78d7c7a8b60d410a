/*
 * docker-client: Engine API transport.  Unix sockets and plain tcp go
 * through httpc (our own HTTP/1.1 client); only TLS (tcp:// with
 * DOCKER_TLS_VERIFY) uses libcurl, in the one section marked below.  One
 * connection is kept alive for the sequential calls of a struct docker;
 * the negotiated version prefixes every path.
 */
#include "docker-client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "httpc-conn.h"
#include "xmalloc.h"

#define DOCKER_BATCH_CONNS	8	/* connections of one docker_get_batch */

/* One connection to the engine: ours (unix, plain tcp) or, for TLS, a
 * curl easy handle.  Starts empty; docker_link_done closes it. */
struct docker_link {
	struct httpc_conn	*conn;
	CURL			*curl;
};

struct docker {
	char			*host;		/* as given or defaulted */
	char			*socket;	/* unix socket path, or NULL */
	char			*tcp;		/* "h:p" of plain tcp, or NULL */
	char			*base;		/* TLS: "https://h:p" */
	char			*cert_dir;	/* TLS client cert dir, or NULL */
	struct docker_link	 link;		/* sequential calls */
	struct docker_version	 version;
	bool			 have_version;	/* engine, arch read (/version) */
	pid_t			 peer_pid;	/* the engine's, unix socket; or 0 */
};

int
docker_api_cmp(const char *a, const char *b)
{
	unsigned long	ma = 0, na = 0, mb = 0, nb = 0;
	char		*end;

	ma = strtoul(a, &end, 10);
	if (*end == '.')
		na = strtoul(end + 1, NULL, 10);
	mb = strtoul(b, &end, 10);
	if (*end == '.')
		nb = strtoul(end + 1, NULL, 10);
	if (ma != mb)
		return ma < mb ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return 0;
}

const char *
docker_api_pick(const char *daemon, const char *daemon_min,
    struct dr_error *reterr)
{
	const char	*s;

	if (docker_api_cmp(daemon, DOCKER_API_MIN) < 0) {
		dr_fail(reterr, DR_EUNSUPPORTED, "engine API %s is older than "
		    "%s", daemon, DOCKER_API_MIN);
		return NULL;
	}
	s = docker_api_cmp(daemon, DOCKER_API_MAX) < 0 ? daemon :
	    DOCKER_API_MAX;
	if (daemon_min != NULL && docker_api_cmp(s, daemon_min) < 0) {
		dr_fail(reterr, DR_EUNSUPPORTED, "engine needs API >= %s, "
		    "dockrev speaks up to %s", daemon_min, DOCKER_API_MAX);
		return NULL;
	}
	return s;
}

/* Collects the Api-Version and OSType headers of a /_ping answer. */
struct docker_ping {
	char	api[16];
	char	os[32];
};

/* One request and where its answer goes. */
struct docker_xfer {
	const char		*method;
	const char		*path;		/* from the server root */
	const char		*body;		/* JSON, or NULL */
	const char		*header;	/* one extra header, or NULL */
	long			 timeout_ms;
	bool			(*on_body)(void *, struct span);
	void			*arg;
	struct docker_ping	*ping;		/* or NULL */
	long			 status;	/* out */
	bool			 stopped;	/* out: on_body said stop */
};

/* Copies value into dst when name is want. */
static void
docker_header_value(struct span name, struct span value, const char *want,
    char *dst, size_t dstsz)
{
	if (name.len != strlen(want) || strncasecmp(name.p, want,
	    name.len) != 0 || value.len >= dstsz)
		return;
	memcpy(dst, value.p, value.len);
	dst[value.len] = '\0';
}

static void
docker_ping_header(struct docker_ping *p, struct span name, struct span value)
{
	docker_header_value(name, value, "Api-Version", p->api,
	    sizeof(p->api));
	docker_header_value(name, value, "OSType", p->os, sizeof(p->os));
}

/*
 * ---- TLS: the only place that calls libcurl ----------------------------
 * tcp:// with DOCKER_TLS_VERIFY speaks https with the client certificate
 * in cert_dir; every other host goes through httpc.
 */

/* Frees the curl handle of a link (set only on the TLS path). */
static void
docker_tls_done(struct docker_link *l)
{
	if (l->curl != NULL)
		curl_easy_cleanup(l->curl);
	l->curl = NULL;
}

static size_t
docker_tls_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct docker_xfer	*x = arg;

	if (!x->on_body(x->arg, span_make(data, size * n))) {
		x->stopped = true;
		return 0;	/* aborts the transfer */
	}
	return size * n;
}

static size_t
docker_tls_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct docker_xfer	*x = arg;
	struct span		 l = span_make(data, size * n), name, value;
	size_t			 colon = span_find(l, ':');

	if (colon == l.len)
		return size * n;
	name = span_sub(l, 0, colon);
	value = span_sub(l, colon + 1, l.len);
	while (value.len > 0 && (value.p[0] == ' ' || value.p[0] == '\t'))
		value = span_sub(value, 1, value.len);
	while (value.len > 0 && strchr("\r\n \t", value.p[value.len - 1]))
		value.len--;
	docker_ping_header(x->ping, name, value);
	return size * n;
}

static enum dr_err
docker_tls_xfer(struct docker *d, struct docker_link *l, struct docker_xfer *x,
    struct dr_error *reterr)
{
	struct curl_slist	*hdrs = NULL;
	char			*url, ca[4096], cert[4096], key[4096];
	CURL			*c;
	CURLcode		 cc;
	enum dr_err		 err = DR_OK;

	if (l->curl == NULL && (l->curl = curl_easy_init()) == NULL)
		return dr_fail(reterr, DR_EINTERNAL, "curl_easy_init failed");
	c = l->curl;
	curl_easy_reset(c);
	url = xasprintf("%s%s", d->base, x->path);
	snprintf(ca, sizeof(ca), "%s/ca.pem", d->cert_dir);
	snprintf(cert, sizeof(cert), "%s/cert.pem", d->cert_dir);
	snprintf(key, sizeof(key), "%s/key.pem", d->cert_dir);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
	curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, x->method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, x->timeout_ms);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, (long)HTTPC_CONNECT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, docker_tls_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "dockrev");
	if (x->body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, x->body);
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	} else if (strcmp(x->method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	if (x->header != NULL)
		hdrs = curl_slist_append(hdrs, x->header);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	if (x->ping != NULL) {
		curl_easy_setopt(c, CURLOPT_HEADERFUNCTION,
		    docker_tls_header_cb);
		curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	}
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &x->status);
	if (cc == CURLE_WRITE_ERROR && x->stopped)
		err = DR_OK;
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		err = dr_fail(reterr, DR_ETIMEOUT, "engine at %s: %s %s timed "
		    "out", d->host, x->method, x->path);
	else if (cc != CURLE_OK)
		err = dr_fail(reterr, DR_ENET, "cannot reach the Docker engine "
		    "at %s: %s", d->host, curl_easy_strerror(cc));
	/* The extra header may carry credentials. */
	for (struct curl_slist *h = hdrs; h != NULL; h = h->next)
		explicit_bzero(h->data, strlen(h->data));
	curl_slist_free_all(hdrs);
	free(url);
	return err;
}

/* ---- end of TLS -------------------------------------------------------- */

static void
docker_link_done(struct docker_link *l)
{
	httpc_conn_free(l->conn);
	l->conn = NULL;
	docker_tls_done(l);
}

static void
docker_xfer_header(void *arg, struct span name, struct span value)
{
	struct docker_xfer	*x = arg;

	if (x->ping != NULL)
		docker_ping_header(x->ping, name, value);
}

static bool
docker_xfer_body(void *arg, struct span data)
{
	struct docker_xfer	*x = arg;

	return x->on_body(x->arg, data);
}

/*
 * Performs x on link l (opened on first use, kept alive after): DR_OK
 * with x->status (and x->stopped when on_body stopped it), or DR_ENET,
 * DR_ETIMEOUT, DR_EPROTO, DR_ETOOBIG with the message callers show.
 */
static enum dr_err
docker_xfer(struct docker *d, struct docker_link *l, struct docker_xfer *x,
    struct dr_error *reterr)
{
	struct httpc_sink	 sink = { docker_xfer_header, docker_xfer_body,
				    x };
	struct httpc_req	 req = { .method = x->method, .path = x->path,
				    .header = x->header, .body = x->body };
	struct dr_error		 e = { 0 };
	int			 status = 0;
	enum dr_err		 err;

	x->status = 0;
	x->stopped = false;
	if (d->cert_dir != NULL)
		return docker_tls_xfer(d, l, x, reterr);
	if (l->conn == NULL)
		l->conn = httpc_conn_new(d->socket, d->tcp);
	if (x->body != NULL)
		req.body_len = strlen(x->body);
	err = httpc_conn_request(l->conn, &req, httpc_now_ms() +
	    x->timeout_ms, &sink, &status, &x->stopped, &e);
	x->status = status;
	switch (err) {
	case DR_OK:
		return DR_OK;
	case DR_ETIMEOUT:
		return dr_fail(reterr, DR_ETIMEOUT, "engine at %s: %s %s timed "
		    "out", d->host, x->method, x->path);
	case DR_EPROTO:
	case DR_ETOOBIG:
		return dr_fail(reterr, err, "engine at %s: bad HTTP answer to "
		    "%s %s: %s", d->host, x->method, x->path, e.msg);
	case DR_EINVAL:
		return dr_fail(reterr, err, "engine request %s %s: %s",
		    x->method, x->path, e.msg);
	default:
		return dr_fail(reterr, DR_ENET, "cannot reach the Docker engine "
		    "at %s: %s", d->host, e.msg);
	}
}

static bool
docker_buf_sink(void *arg, struct span data)
{
	/* false over the buf's cap: stops the answer */
	return buf_add(arg, data.p, data.len);
}

/* Performs one request on link l; path is absolute from the server root. */
static enum dr_err
docker_request_on(struct docker *d, struct docker_link *l, const char *method,
    const char *path, const char *body, long *ret_status, struct buf *resp,
    struct docker_ping *ping, struct dr_error *reterr)
{
	struct docker_xfer	x = { .method = method, .path = path,
				    .body = body, .timeout_ms = DOCKER_TIMEOUT_MS,
				    .on_body = docker_buf_sink, .arg = resp,
				    .ping = ping };
	enum dr_err		err;

	if ((err = docker_xfer(d, l, &x, reterr)) != DR_OK)
		return err;
	if (x.stopped)
		return dr_fail(reterr, DR_ETOOBIG, "engine answer to %s over %d "
		    "bytes", path, DOCKER_BODY_MAX);
	*ret_status = x.status;
	return DR_OK;
}

/* The same on the struct docker's own kept-alive connection. */
static enum dr_err
docker_request(struct docker *d, const char *method, const char *path,
    const char *body, long *ret_status, struct buf *resp,
    struct docker_ping *ping, struct dr_error *reterr)
{
	return docker_request_on(d, &d->link, method, path, body, ret_status,
	    resp, ping, reterr);
}

/* Turns an engine error answer into a dr_err with its message. */
static enum dr_err
docker_status_err(long status, const struct buf *resp, const char *path,
    struct dr_error *reterr)
{
	json_t		*j;
	const char	*msg = NULL;
	enum dr_err	 code;
	enum dr_err	 err;

	j = json_loadb(resp->p ? resp->p : "", resp->len, 0, NULL);
	if (j != NULL)
		msg = json_string_value(json_object_get(j, "message"));
	code = status == 404 ? DR_ENOTFOUND : status == 409 ? DR_ECONFLICT :
	    DR_EDOCKER;
	err = dr_fail(reterr, code, "engine: %s (HTTP %ld on %s)",
	    msg ? msg : "error", status, path);
	json_decref(j);
	return err;
}

/* Fills d->version from GET /version (served unversioned by every
 * engine); with negotiate, also picks the API version from it. */
static enum dr_err
docker_read_version(struct docker *d, bool negotiate, struct dr_error *reterr)
{
	struct buf	 resp;
	json_t		*j = NULL;
	const char	*api, *min, *s;
	long		 status = 0;
	enum dr_err	 err;

	buf_init(&resp, DOCKER_BODY_MAX);
	if ((err = docker_request(d, "GET", "/version", NULL, &status, &resp,
	    NULL, reterr)) != DR_OK)
		goto out;
	if (status != 200) {
		err = docker_status_err(status, &resp, "/version", reterr);
		goto out;
	}
	j = json_loadb(buf_str(&resp), resp.len, 0, NULL);
	api = json_string_value(json_object_get(j, "ApiVersion"));
	if (negotiate && api == NULL) {
		err = dr_fail(reterr, DR_EPROTO, "engine at %s: /version has no "
		    "ApiVersion", d->host);
		goto out;
	}
	if (negotiate) {
		min = json_string_value(json_object_get(j, "MinAPIVersion"));
		if ((s = docker_api_pick(api, min, reterr)) == NULL) {
			err = reterr ? reterr->code : DR_EUNSUPPORTED;
			goto out;
		}
		snprintf(d->version.api, sizeof(d->version.api), "%s", s);
	}
	docker_version_learn(d, j);
	d->have_version = true;
out:
	json_decref(j);
	buf_done(&resp);
	return err;
}

/*
 * Picks the API version to speak: min(ours, the daemon's), from the
 * Api-Version header of GET /_ping (one small round trip the engine answers
 * without work), falling back to /version for an engine or proxy that does
 * not send it.  The engine version and architecture are read from /version
 * only when someone asks (docker_version): the check takes the host
 * platform from /info, which it reads anyway.
 */
static enum dr_err
docker_negotiate(struct docker *d, struct dr_error *reterr)
{
	struct docker_ping	 ping = { .api = "" };
	struct buf		 resp;
	const char		*s;
	long			 status = 0;
	enum dr_err		 err;

	buf_init(&resp, 4096);
	err = docker_request(d, "GET", "/_ping", NULL, &status, &resp, &ping,
	    reterr);
	buf_done(&resp);
	if (err != DR_OK)
		return err;
	if (status != 200 || ping.api[0] == '\0')
		return docker_read_version(d, true, reterr);
	if ((s = docker_api_pick(ping.api, NULL, reterr)) == NULL)
		return reterr ? reterr->code : DR_EUNSUPPORTED;
	if (d->socket != NULL && d->link.conn != NULL) {
		int		 fd = httpc_conn_fd(d->link.conn);
		struct ucred	 cred;
		socklen_t	 len = sizeof(cred);

		if (fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred,
		    &len) == 0)
			d->peer_pid = cred.pid;
	}
	snprintf(d->version.api, sizeof(d->version.api), "%s", s);
	snprintf(d->version.os, sizeof(d->version.os), "%s",
	    ping.os[0] != '\0' ? ping.os : "linux");
	return DR_OK;
}

enum dr_err
docker_open(const char *host, struct docker **ret, struct dr_error *reterr)
{
	struct docker	*d;
	const char	*tls;
	enum dr_err	 err;

	if (host == NULL || *host == '\0')
		host = getenv("DOCKER_HOST");
	if (host == NULL || *host == '\0')
		host = "unix:///var/run/docker.sock";
	d = xcalloc(1, sizeof(*d));
	d->host = xstrdup(host);
	if (strncmp(host, "unix://", 7) == 0 && host[7] == '/') {
		d->socket = xstrdup(host + 7);
	} else if (strncmp(host, "tcp://", 6) == 0 && host[6] != '\0' &&
	    strpbrk(host + 6, "/?#@ ") == NULL) {
		tls = getenv("DOCKER_TLS_VERIFY");
		if (tls != NULL && *tls != '\0' && strcmp(tls, "0") != 0) {
			const char	*dir = getenv("DOCKER_CERT_PATH");
			const char	*home = getenv("HOME");

			if (dir != NULL && *dir != '\0')
				d->cert_dir = xstrdup(dir);
			else
				d->cert_dir = xasprintf("%s/.docker",
				    home ? home : "");
			d->base = xasprintf("https://%s", host + 6);
		} else
			d->tcp = xstrdup(host + 6);
	} else {
		err = dr_fail(reterr, DR_EINVAL, "unsupported DOCKER_HOST \"%s\" "
		    "(use unix:///path or tcp://host:port)", host);
		goto fail;
	}
	if ((err = docker_negotiate(d, reterr)) != DR_OK)
		goto fail;
	*ret = d;
	return DR_OK;
fail:
	docker_free(d);
	return err;
}

void
docker_free(struct docker *d)
{
	if (d == NULL)
		return;
	docker_link_done(&d->link);
	free(d->host);
	free(d->tcp);
	free(d->base);
	free(d->socket);
	free(d->cert_dir);
	free(d);
}

void
docker_version_learn(struct docker *d, const json_t *v)
{
	const char	*s;

	if (d->have_version || !json_is_object(v))
		return;
	s = json_string_value(json_object_get(v, "Version"));
	snprintf(d->version.engine, sizeof(d->version.engine), "%s",
	    s ? s : "");
	s = json_string_value(json_object_get(v, "Os"));
	snprintf(d->version.os, sizeof(d->version.os), "%s", s ? s : "linux");
	s = json_string_value(json_object_get(v, "Arch"));
	snprintf(d->version.arch, sizeof(d->version.arch), "%s", s ? s : "");
	d->have_version = true;
}

const struct docker_version *
docker_version(struct docker *d)
{
	if (!d->have_version && docker_read_version(d, false, NULL) != DR_OK)
		d->have_version = true;	/* ask once; fields stay as they are */
	return &d->version;
}

const char *
docker_version_api(const struct docker *d)
{
	return d->version.api;
}

pid_t
docker_peer_pid(const struct docker *d)
{
	return d->peer_pid;
}

const char *
docker_host(const struct docker *d)
{
	return d->host;
}

/* docker_call on link l. */
static enum dr_err
docker_call_on(struct docker *d, struct docker_link *l, const char *method,
    const char *path, const json_t *body, json_t **ret,
    struct dr_error *reterr)
{
	struct buf	 resp;
	char		*full = NULL, *text = NULL;
	json_t		*j = NULL;
	json_error_t	 jerr;
	long		 status = 0;
	enum dr_err	 err;

	if (ret != NULL)
		*ret = NULL;
	buf_init(&resp, DOCKER_BODY_MAX);
	if (body != NULL)
		text = json_dumps(body, JSON_COMPACT);
	full = xasprintf("/v%s%s", d->version.api, path);
	if ((err = docker_request_on(d, l, method, full, text, &status, &resp,
	    NULL, reterr)) != DR_OK)
		goto out;
	if (status < 200 || status > 299) {
		err = docker_status_err(status, &resp, path, reterr);
		goto out;
	}
	if (ret != NULL && resp.len > 0) {
		j = json_loadb(resp.p, resp.len, 0, &jerr);
		if (j == NULL) {
			err = dr_fail(reterr, DR_EPROTO, "engine: bad JSON from "
			    "%s: %s", path, jerr.text);
			goto out;
		}
		*ret = j;
	}
out:
	free(full);
	free(text);
	buf_done(&resp);
	return err;
}

enum dr_err
docker_call(struct docker *d, const char *method, const char *path,
    const json_t *body, json_t **ret, struct dr_error *reterr)
{
	return docker_call_on(d, &d->link, method, path, body, ret, reterr);
}

enum dr_err
docker_get(struct docker *d, const char *path, json_t **ret,
    struct dr_error *reterr)
{
	return docker_call(d, "GET", path, NULL, ret, reterr);
}

/* The shared state of one docker_get_batch: each worker (own connection)
 * takes the next entry until none is left. */
struct docker_batch_run {
	struct docker		*d;
	struct docker_batch	*reqs;
	size_t			 n;
	size_t			 next;		/* guarded by mu */
	pthread_mutex_t		 mu;
};

static void *
docker_batch_worker(void *arg)
{
	struct docker_batch_run	*run = arg;
	struct docker_link	 l = { 0 };
	struct docker_batch	*r;
	size_t			 i;

	for (;;) {
		pthread_mutex_lock(&run->mu);
		i = run->next++;
		pthread_mutex_unlock(&run->mu);
		if (i >= run->n)
			break;
		r = &run->reqs[i];
		r->err = docker_call_on(run->d, &l, "GET", r->path, NULL,
		    &r->ret, &r->error);
		if (r->err == DR_OK && r->ret == NULL)
			r->err = dr_fail(&r->error, DR_EPROTO, "engine: bad "
			    "JSON from %s", r->path);
	}
	docker_link_done(&l);
	return NULL;
}

enum dr_err
docker_get_batch(struct docker *d, struct docker_batch *reqs, size_t n)
{
	struct docker_batch_run	 run = { .d = d, .reqs = reqs, .n = n };
	pthread_t		 tids[DOCKER_BATCH_CONNS - 1];
	size_t			 i, nt = 0, want;
	enum dr_err		 first = DR_OK;

	for (i = 0; i < n; i++) {
		reqs[i].ret = NULL;
		reqs[i].err = DR_OK;
		dr_error_clear(&reqs[i].error);
	}
	pthread_mutex_init(&run.mu, NULL);
	/* This thread is one of the workers. */
	want = n < DOCKER_BATCH_CONNS ? n : DOCKER_BATCH_CONNS;
	for (i = 1; i < want; i++) {
		if (pthread_create(&tids[nt], NULL, docker_batch_worker,
		    &run) != 0)
			break;	/* fewer connections, same answers */
		nt++;
	}
	docker_batch_worker(&run);
	for (i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	pthread_mutex_destroy(&run.mu);
	for (i = 0; i < n; i++)
		if (first == DR_OK && reqs[i].err != DR_OK)
			first = reqs[i].err;
	return first;
}

struct docker_streamer {
	struct buf	 line;
	docker_line_fn	*fn;
	void		*arg;
	bool		 toobig;
};

/* Splits the answer into lines for fn; false stops the stream. */
static bool
docker_stream_sink(void *arg, struct span data)
{
	struct docker_streamer	*st = arg;
	size_t			 i, start = 0;

	for (i = 0; i < data.len; i++) {
		if (data.p[i] != '\n')
			continue;
		if (!buf_add(&st->line, data.p + start, i - start)) {
			st->toobig = true;
			return false;
		}
		start = i + 1;
		if (st->line.len > 0 && !st->fn(buf_span(&st->line),
		    st->arg))
			return false;
		buf_reset(&st->line);
	}
	if (!buf_add(&st->line, data.p + start, data.len - start)) {
		st->toobig = true;
		return false;
	}
	return true;
}

enum dr_err
docker_stream(struct docker *d, const char *path, long timeout_ms,
    docker_line_fn *fn, void *arg, struct dr_error *reterr)
{
	return docker_stream_req(d, "GET", path, NULL, timeout_ms, fn, arg,
	    reterr);
}

enum dr_err
docker_stream_req(struct docker *d, const char *method, const char *path,
    const char *header, long timeout_ms, docker_line_fn *fn, void *arg,
    struct dr_error *reterr)
{
	struct docker_streamer	 st = { .fn = fn, .arg = arg };
	struct docker_xfer	 x = { .method = method, .header = header,
				    .timeout_ms = timeout_ms > 0 ? timeout_ms :
				    1L, .on_body = docker_stream_sink,
				    .arg = &st };
	struct docker_link	 l = { 0 };	/* a stream has its own */
	struct dr_error		 e = { 0 };
	char			*url;
	enum dr_err		 err;

	buf_init(&st.line, DOCKER_LINE_MAX);
	url = xasprintf("/v%s%s", d->version.api, path);
	x.path = url;
	err = docker_xfer(d, &l, &x, &e);
	if (x.stopped && !st.toobig)
		err = DR_OK;
	else if (st.toobig)
		err = dr_fail(reterr, DR_ETOOBIG, "engine: a line of %s is over "
		    "%d bytes", path, DOCKER_LINE_MAX);
	else if (err == DR_ETIMEOUT)
		err = dr_fail(reterr, DR_ETIMEOUT, "engine: %s: no answer "
		    "within %ld ms", path, timeout_ms);
	else if (err != DR_OK)
		err = dr_fail(reterr, err, "%s", e.msg);
	else if (x.status < 200 || x.status > 299)
		err = dr_fail(reterr, x.status == 404 ? DR_ENOTFOUND :
		    DR_EDOCKER, "engine: HTTP %ld on %s", x.status, path);
	docker_link_done(&l);
	free(url);
	buf_done(&st.line);
	return err;
}

char *
docker_escape(const char *s)
{
	char	*out, *q;

	out = q = xmalloc(strlen(s) * 3 + 1);
	for (; *s != '\0'; s++) {
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		    (*s >= '0' && *s <= '9') || strchr("-_.~", *s) != NULL)
			*q++ = *s;
		else
			q += snprintf(q, 4, "%%%02X", (unsigned char)*s);
	}
	*q = '\0';
	return out;
}
