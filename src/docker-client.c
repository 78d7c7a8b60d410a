/*
 * docker-client: Engine API transport.  One curl easy handle is reused for
 * every call so the connection stays open; the negotiated version prefixes
 * every path.
 */
#include "docker-client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "xmalloc.h"

struct docker {
	char			*host;		/* as given or defaulted */
	char			*base;		/* "http://localhost" or "https://h:p" */
	char			*socket;	/* unix socket path, or NULL */
	char			*cert_dir;	/* TLS client cert dir, or NULL */
	CURL			*curl;
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

static size_t
docker_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;

	if (!buf_add(b, data, size * n))
		return 0;	/* over DOCKER_BODY_MAX: abort the transfer */
	return size * n;
}

/* Sets up c for one request to url (absolute from the server root). */
static void
docker_setup(struct docker *d, CURL *c, const char *method, const char *url,
    const char *body, struct curl_slist *hdrs, struct buf *resp)
{
	curl_easy_setopt(c, CURLOPT_URL, url);
	if (d->socket != NULL)
		curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, d->socket);
	if (d->cert_dir != NULL) {
		char	ca[4096], cert[4096], key[4096];

		snprintf(ca, sizeof(ca), "%s/ca.pem", d->cert_dir);
		snprintf(cert, sizeof(cert), "%s/cert.pem", d->cert_dir);
		snprintf(key, sizeof(key), "%s/key.pem", d->cert_dir);
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
		curl_easy_setopt(c, CURLOPT_SSLCERT, cert);
		curl_easy_setopt(c, CURLOPT_SSLKEY, key);
	}
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)DOCKER_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, docker_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "dockrev");
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	else if (strcmp(method, "POST") == 0)
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
}

/* The dr_err for a failed transfer. */
static enum dr_err
docker_curl_err(struct docker *d, CURLcode cc, const struct buf *resp,
    const char *method, const char *path, struct dr_error *reterr)
{
	if (cc == CURLE_WRITE_ERROR && buf_failed(resp))
		return dr_fail(reterr, DR_ETOOBIG, "engine answer to %s over %d "
		    "bytes", path, DOCKER_BODY_MAX);
	if (cc == CURLE_OPERATION_TIMEDOUT)
		return dr_fail(reterr, DR_ETIMEOUT, "engine at %s: %s %s timed "
		    "out", d->host, method, path);
	return dr_fail(reterr, DR_ENET, "cannot reach the Docker engine at %s: "
	    "%s", d->host, curl_easy_strerror(cc));
}

/* Collects the Api-Version and OSType headers of a /_ping answer. */
struct docker_ping {
	char	api[16];
	char	os[32];
};

/* Copies header line data into dst when it is "name: value". */
static void
docker_header_value(const char *data, size_t len, const char *name,
    char *dst, size_t dstsz)
{
	size_t	nl = strlen(name), i, j;

	if (len <= nl || data[nl] != ':' || strncasecmp(data, name, nl) != 0)
		return;
	for (i = nl + 1; i < len && (data[i] == ' ' || data[i] == '\t'); i++)
		;
	for (j = len; j > i && (data[j - 1] == '\r' || data[j - 1] == '\n' ||
	    data[j - 1] == ' '); j--)
		;
	if (j - i >= dstsz)
		return;
	memcpy(dst, data + i, j - i);
	dst[j - i] = '\0';
}

static size_t
docker_ping_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct docker_ping	*p = arg;

	docker_header_value(data, size * n, "Api-Version", p->api,
	    sizeof(p->api));
	docker_header_value(data, size * n, "OSType", p->os, sizeof(p->os));
	return size * n;
}

/* Performs one request; path is absolute from the server root. */
static enum dr_err
docker_request(struct docker *d, const char *method, const char *path,
    const char *body, long *ret_status, struct buf *resp,
    struct docker_ping *ping, struct dr_error *reterr)
{
	struct curl_slist	*hdrs = NULL;
	char			*url = NULL;
	CURLcode		 cc;
	enum dr_err		 err = DR_OK;

	url = xasprintf("%s%s", d->base, path);
	if (body != NULL)
		hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	curl_easy_reset(d->curl);
	docker_setup(d, d->curl, method, url, body, hdrs, resp);
	if (ping != NULL) {
		curl_easy_setopt(d->curl, CURLOPT_HEADERFUNCTION,
		    docker_ping_header_cb);
		curl_easy_setopt(d->curl, CURLOPT_HEADERDATA, ping);
	}
	cc = curl_easy_perform(d->curl);
	if (cc != CURLE_OK) {
		err = docker_curl_err(d, cc, resp, method, path, reterr);
		goto out;
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, ret_status);
out:
	curl_slist_free_all(hdrs);
	free(url);
	return err;
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
	if (d->socket != NULL) {
		curl_socket_t	 fd = CURL_SOCKET_BAD;
		struct ucred	 cred;
		socklen_t	 len = sizeof(cred);

		if (curl_easy_getinfo(d->curl, CURLINFO_ACTIVESOCKET, &fd) ==
		    CURLE_OK && fd != CURL_SOCKET_BAD &&
		    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
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
		d->base = xstrdup("http://localhost");
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
			d->base = xasprintf("http://%s", host + 6);
	} else {
		err = dr_fail(reterr, DR_EINVAL, "unsupported DOCKER_HOST \"%s\" "
		    "(use unix:///path or tcp://host:port)", host);
		goto fail;
	}
	d->curl = curl_easy_init();
	if (d->curl == NULL) {
		err = dr_fail(reterr, DR_EINTERNAL, "curl_easy_init failed");
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
	if (d->curl != NULL)
		curl_easy_cleanup(d->curl);
	free(d->host);
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

enum dr_err
docker_call(struct docker *d, const char *method, const char *path,
    const json_t *body, json_t **ret, struct dr_error *reterr)
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
	if ((err = docker_request(d, method, full, text, &status, &resp,
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
docker_get(struct docker *d, const char *path, json_t **ret,
    struct dr_error *reterr)
{
	return docker_call(d, "GET", path, NULL, ret, reterr);
}

enum dr_err
docker_get_batch(struct docker *d, struct docker_batch *reqs, size_t n)
{
	CURLM		*m;
	CURL		**easy;
	struct buf	*resp;
	char		**urls;
	CURLMsg		*msg;
	size_t		 i;
	int		 running, left;
	enum dr_err	 first = DR_OK;

	m = curl_multi_init();
	easy = xcalloc(n + 1, sizeof(*easy));
	resp = xcalloc(n + 1, sizeof(*resp));
	urls = xcalloc(n + 1, sizeof(*urls));
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 8L);
	for (i = 0; i < n; i++) {
		reqs[i].ret = NULL;
		reqs[i].err = DR_OK;
		dr_error_clear(&reqs[i].error);
		buf_init(&resp[i], DOCKER_BODY_MAX);
		urls[i] = xasprintf("%s/v%s%s", d->base, d->version.api,
		    reqs[i].path);
		easy[i] = curl_easy_init();
		docker_setup(d, easy[i], "GET", urls[i], NULL, NULL, &resp[i]);
		curl_easy_setopt(easy[i], CURLOPT_PRIVATE, (char *)&reqs[i]);
		curl_multi_add_handle(m, easy[i]);
	}
	do {
		curl_multi_perform(m, &running);
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct docker_batch	*r;
			long			 status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&r);
			i = (size_t)(r - reqs);
			if (msg->data.result != CURLE_OK) {
				r->err = docker_curl_err(d, msg->data.result,
				    &resp[i], "GET", r->path, &r->error);
				continue;
			}
			curl_easy_getinfo(msg->easy_handle,
			    CURLINFO_RESPONSE_CODE, &status);
			if (status < 200 || status > 299) {
				r->err = docker_status_err(status, &resp[i],
				    r->path, &r->error);
				continue;
			}
			r->ret = json_loadb(buf_str(&resp[i]), resp[i].len, 0,
			    NULL);
			if (r->ret == NULL)
				r->err = dr_fail(&r->error, DR_EPROTO, "engine: "
				    "bad JSON from %s", r->path);
		}
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running > 0);
	for (i = 0; i < n; i++) {
		if (first == DR_OK && reqs[i].err != DR_OK)
			first = reqs[i].err;
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
		buf_done(&resp[i]);
		free(urls[i]);
	}
	curl_multi_cleanup(m);
	free(easy);
	free(resp);
	free(urls);
	return first;
}

struct docker_streamer {
	struct buf	 line;
	docker_line_fn	*fn;
	void		*arg;
	bool		 stopped;	/* fn said enough */
	bool		 toobig;
};

static size_t
docker_stream_cb(char *data, size_t size, size_t n, void *arg)
{
	struct docker_streamer	*st = arg;
	size_t			 len = size * n, i, start = 0;

	for (i = 0; i < len; i++) {
		if (data[i] != '\n')
			continue;
		if (!buf_add(&st->line, data + start, i - start)) {
			st->toobig = true;
			return 0;
		}
		start = i + 1;
		if (st->line.len > 0 && !st->fn(buf_span(&st->line),
		    st->arg)) {
			st->stopped = true;
			return 0;
		}
		buf_reset(&st->line);
	}
	if (!buf_add(&st->line, data + start, len - start)) {
		st->toobig = true;
		return 0;
	}
	return len;
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
	struct curl_slist	*hdrs = NULL;
	struct buf		 unused;
	CURL			*c;
	char			*url;
	CURLcode		 cc;
	long			 status = 0;
	enum dr_err		 err = DR_OK;

	buf_init(&st.line, DOCKER_LINE_MAX);
	buf_init(&unused, 0);
	url = xasprintf("%s/v%s%s", d->base, d->version.api, path);
	if (header != NULL)
		hdrs = curl_slist_append(hdrs, header);
	c = curl_easy_init();
	docker_setup(d, c, method, url, NULL, hdrs, &unused);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, docker_stream_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms :
	    1L);
	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	if (st.stopped)
		err = DR_OK;
	else if (st.toobig)
		err = dr_fail(reterr, DR_ETOOBIG, "engine: a line of %s is over "
		    "%d bytes", path, DOCKER_LINE_MAX);
	else if (cc == CURLE_OPERATION_TIMEDOUT)
		err = dr_fail(reterr, DR_ETIMEOUT, "engine: %s: no answer "
		    "within %ld ms", path, timeout_ms);
	else if (cc != CURLE_OK)
		err = docker_curl_err(d, cc, &unused, "GET", path, reterr);
	else if (status < 200 || status > 299)
		err = dr_fail(reterr, status == 404 ? DR_ENOTFOUND : DR_EDOCKER,
		    "engine: HTTP %ld on %s", status, path);
	curl_easy_cleanup(c);
	if (hdrs != NULL) {
		/* The header may carry credentials. */
		explicit_bzero(hdrs->data, strlen(hdrs->data));
		curl_slist_free_all(hdrs);
	}
	free(url);
	buf_done(&st.line);
	buf_done(&unused);
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
