/*
 * registry-client: batch OCI distribution client on one curl multi handle.
 * Invariant: a request is in exactly one place at a time: parked on its
 * host (waiting for the ping or a token), in the ready queue, active in the
 * multi handle, waiting on the timer list, or done.
 */
#include "registry-client.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "httphdr.h"
#include "imageref.h"
#include "manifest.h"
#include "regtoken.h"
#include "xmalloc.h"

#define DIGEST_MAX	160
#define CTYPE_MAX	128
#define TOKEN_MARGIN_S	10	/* renew tokens this long before expiry */

enum host_state { HOST_NEW, HOST_PINGING, HOST_READY, HOST_FAILED };
enum host_auth { AUTH_NONE, AUTH_BASIC, AUTH_BEARER };

/* Internal operations beside the public ones. */
#define OP_PING		100
#define OP_TOKEN	101

struct reg_token {
	char			*value;
	double			 expires;	/* monotonic seconds */
	char			**repos;
	size_t			 nrepos;
	struct reg_token	*next;
};

struct reg_host {
	char			*domain;	/* as written in references */
	char			*netloc;	/* host[:port] we contact */
	char			*fallback;	/* docker.io behind a mirror */
	bool			 https;
	bool			 insecure;	/* may switch scheme, no verify */
	bool			 switched;	/* scheme fallback done */
	enum host_state		 state;
	enum host_auth		 auth;
	struct httphdr_challenge chal;
	char			*basic;		/* "Basic ..." or NULL */
	struct dockercfg_cred	 cred;
	bool			 have_cred;
	struct reg_token	*tokens;
	bool			 token_inflight;
	struct registry_req	*parked;
	enum dr_err		 fail_err;
	char			 fail_msg[DR_ERROR_MSG_MAX];
	struct reg_host		*next;
};

struct reg_waiter {
	registry_done_fn	*fn;
	void			*arg;
	struct reg_waiter	*next;
};

struct registry_req {
	struct registry		*reg;
	struct reg_host		*host;
	int			 op;		/* enum registry_op or OP_* */
	bool			 head_as_get;	/* HEAD gave no digest */
	char			*repo;
	char			*ref;
	char			*url;
	CURL			*easy;
	struct curl_slist	*hdrs;
	struct buf		 body;
	long			 status;
	char			 hdr_digest[DIGEST_MAX];
	char			 hdr_ctype[CTYPE_MAX];
	char			 hdr_retry[64];
	char			 hdr_ratelimit[64];	/* remaining */
	char			 hdr_ratelimit_limit[64];
	struct buf		 hdr_link;
	struct buf		 hdr_auth;
	int			 attempts;
	double			 retry_at;
	/* token requests: the repositories asked for */
	char			**scope;
	size_t			 nscope;
	/* results */
	bool			 done;
	enum dr_err		 err;
	char			 errmsg[DR_ERROR_MSG_MAX];
	char			 digest[DIGEST_MAX];
	char			**tags;
	size_t			 ntags;
	size_t			 tagcap;
	char			**pages;	/* URLs already fetched */
	size_t			 npages;
	struct reg_waiter	*waiters;	/* called once done */
	bool			 notified;
	struct registry_req	*next_done;	/* completed queue */
	struct registry_req	*next_all;	/* registry's list */
	struct registry_req	*next;		/* queue/park/timer link */
};

struct registry {
	struct registry_settings set;
	CURLM			*multi;
	struct reg_host		*hosts;
	struct registry_req	*all;
	struct registry_req	*ready;
	struct registry_req	*timers;
	struct registry_req	*completed;	/* done, waiters pending */
	bool			 running;
	unsigned		 active;
	struct registry_stats	 stats;
};

static void	reg_dispatch(struct registry *, struct registry_req *);
static void	reg_kick(struct registry *, struct reg_host *);

static double
reg_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
strset(char *dst, size_t size, struct span s)
{
	size_t	n = s.len < size - 1 ? s.len : size - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* ---- host selection ------------------------------------------------- */

static bool
reg_ip_in_cidr(const char *ip, const char *cidr)
{
	unsigned char	a[16], net[16];
	char		 buf[64];
	const char	*slash;
	long		 bits;
	int		 family, len, i;

	slash = strchr(cidr, '/');
	if (slash == NULL || (size_t)(slash - cidr) >= sizeof(buf))
		return false;
	memcpy(buf, cidr, (size_t)(slash - cidr));
	buf[slash - cidr] = '\0';
	family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	len = family == AF_INET6 ? 16 : 4;
	if (inet_pton(family, buf, net) != 1 || inet_pton(family, ip, a) != 1)
		return false;
	bits = strtol(slash + 1, NULL, 10);
	if (bits < 0 || bits > len * 8)
		return false;
	for (i = 0; i < len && bits > 0; i++, bits -= 8) {
		unsigned char	mask = bits >= 8 ? 0xff :
		    (unsigned char)(0xff << (8 - bits));

		if ((a[i] & mask) != (net[i] & mask))
			return false;
	}
	return true;
}

/* Host part of "host:port" / "[v6]:port" into out. */
static void
reg_hostpart(const char *netloc, char *out, size_t size)
{
	const char	*end;

	if (netloc[0] == '[') {
		end = strchr(netloc, ']');
		strset(out, size, span_make(netloc + 1, end ? (size_t)(end -
		    netloc - 1) : strlen(netloc + 1)));
		return;
	}
	end = strchr(netloc, ':');
	strset(out, size, span_make(netloc, end ? (size_t)(end - netloc) :
	    strlen(netloc)));
}

static bool
reg_is_insecure(const struct registry_settings *set, const char *domain)
{
	const char * const	*p;
	char			 host[256];

	reg_hostpart(domain, host, sizeof(host));
	if (strcmp(host, "localhost") == 0 || reg_ip_in_cidr(host,
	    "127.0.0.0/8") || reg_ip_in_cidr(host, "::1/128"))
		return true;
	for (p = set->insecure; p != NULL && *p != NULL; p++) {
		if (strcmp(*p, domain) == 0 || strcmp(*p, host) == 0 ||
		    reg_ip_in_cidr(host, *p))
			return true;
	}
	return false;
}

void
registry_route(const struct registry_settings *set, const char *domain,
    struct registry_route *ret)
{
	struct imageref		 ref = { .domain = (char *)domain };
	const char * const	*m = set->mirrors;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->netloc, sizeof(ret->netloc), "%s",
	    imageref_registry_host(&ref));
	ret->insecure = reg_is_insecure(set, domain);
	ret->https = !ret->insecure;
	if (strcmp(domain, "docker.io") == 0 && m != NULL && *m != NULL) {
		/* Use the engine's first mirror, as dockerd pulls do. */
		const char	*u = *m;
		bool		 https = strncmp(u, "https://", 8) == 0;

		if (https || strncmp(u, "http://", 7) == 0) {
			u += https ? 8 : 7;
			snprintf(ret->fallback, sizeof(ret->fallback), "%s",
			    ret->netloc);
			snprintf(ret->netloc, sizeof(ret->netloc), "%.*s",
			    (int)strcspn(u, "/"), u);
			ret->https = https;
			ret->insecure = reg_is_insecure(set, ret->netloc);
		}
	}
}

static struct reg_host *
reg_host_get(struct registry *reg, const char *domain)
{
	struct reg_host		*h;
	struct registry_route	 rt;
	struct dr_error		 e;

	for (h = reg->hosts; h != NULL; h = h->next)
		if (strcmp(h->domain, domain) == 0)
			return h;
	h = xcalloc(1, sizeof(*h));
	h->domain = xstrdup(domain);
	registry_route(&reg->set, domain, &rt);
	h->netloc = xstrdup(rt.netloc);
	h->fallback = rt.fallback[0] ? xstrdup(rt.fallback) : NULL;
	h->https = rt.https;
	h->insecure = rt.insecure;
	if (reg->set.creds != NULL && dockercfg_lookup(reg->set.creds,
	    domain, &h->cred, &e) == DR_OK)
		h->have_cred = true;
	h->next = reg->hosts;
	reg->hosts = h;
	return h;
}

static void
reg_host_free(struct reg_host *h)
{
	struct reg_token	*t, *tn;
	size_t			 i;

	for (t = h->tokens; t != NULL; t = tn) {
		tn = t->next;
		free(t->value);
		for (i = 0; i < t->nrepos; i++)
			free(t->repos[i]);
		free(t->repos);
		free(t);
	}
	httphdr_challenge_done(&h->chal);
	if (h->have_cred)
		dockercfg_cred_done(&h->cred);
	free(h->domain);
	free(h->netloc);
	free(h->fallback);
	free(h->basic);
	free(h);
}

/* ---- lifecycle ------------------------------------------------------ */

struct registry *
registry_new(const struct registry_settings *set)
{
	struct registry	*reg;

	reg = xcalloc(1, sizeof(*reg));
	reg->set = *set;
	if (reg->set.parallel <= 0)
		reg->set.parallel = REGISTRY_PARALLEL;
	reg->multi = curl_multi_init();
	curl_multi_setopt(reg->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
	    (long)reg->set.parallel);
	curl_multi_setopt(reg->multi, CURLMOPT_MAXCONNECTS,
	    (long)reg->set.parallel * 4);
	reg->stats.ratelimit_remaining = -1;
	reg->stats.ratelimit_limit = -1;
	return reg;
}

static void
reg_req_free(struct registry_req *r)
{
	size_t	i;

	if (r->easy != NULL) {
		curl_multi_remove_handle(r->reg->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	buf_done(&r->body);
	buf_done(&r->hdr_link);
	buf_done(&r->hdr_auth);
	for (i = 0; i < r->ntags; i++)
		free(r->tags[i]);
	free(r->tags);
	for (i = 0; i < r->npages; i++)
		free(r->pages[i]);
	free(r->pages);
	for (i = 0; i < r->nscope; i++)
		free(r->scope[i]);
	free(r->scope);
	while (r->waiters != NULL) {
		struct reg_waiter	*w = r->waiters;

		r->waiters = w->next;
		free(w);
	}
	free(r->repo);
	free(r->ref);
	free(r->url);
	free(r);
}

void
registry_free(struct registry *reg)
{
	struct registry_req	*r, *rn;
	struct reg_host		*h, *hn;

	if (reg == NULL)
		return;
	for (r = reg->all; r != NULL; r = rn) {
		rn = r->next_all;
		reg_req_free(r);
	}
	for (h = reg->hosts; h != NULL; h = hn) {
		hn = h->next;
		reg_host_free(h);
	}
	if (reg->multi != NULL)
		curl_multi_cleanup(reg->multi);
	free(reg);
}

static struct registry_req *
reg_req_new(struct registry *reg, struct reg_host *h, int op,
    const char *repo, const char *ref)
{
	struct registry_req	*r;

	r = xcalloc(1, sizeof(*r));
	r->reg = reg;
	r->host = h;
	r->op = op;
	r->repo = repo ? xstrdup(repo) : NULL;
	r->ref = ref ? xstrdup(ref) : NULL;
	buf_init(&r->body, MANIFEST_MAX);
	buf_init(&r->hdr_link, HTTPHDR_VALUE_MAX);
	buf_init(&r->hdr_auth, HTTPHDR_VALUE_MAX);
	r->next_all = reg->all;
	reg->all = r;
	return r;
}

struct registry_req *
registry_submit(struct registry *reg, const char *domain, const char *repo,
    enum registry_op op, const char *ref)
{
	struct registry_req	*r;

	for (r = reg->all; r != NULL; r = r->next_all) {
		if (r->op == (int)op && r->host != NULL &&
		    strcmp(r->host->domain, domain) == 0 && r->repo != NULL &&
		    strcmp(r->repo, repo) == 0 && ((r->ref == NULL &&
		    ref == NULL) || (r->ref != NULL && ref != NULL &&
		    strcmp(r->ref, ref) == 0)))
			return r;
	}
	r = reg_req_new(reg, reg_host_get(reg, domain), (int)op, repo, ref);
	if (op == REGISTRY_GET_TAGS)
		r->body.max = REGISTRY_TAGS_PAGE_MAX;
	else if (op == REGISTRY_GET_BLOB)
		r->body.max = REGISTRY_BLOB_MAX;
	r->attempts = -1;	/* not yet dispatched */
	if (reg->running) {
		/* Submitted from a completion callback: go now. */
		reg_dispatch(reg, r);
		reg_kick(reg, r->host);
		return r;
	}
	/* Waits in the ready queue; registry_run dispatches it. */
	r->next = reg->ready;
	reg->ready = r;
	return r;
}

/* ---- completion helpers --------------------------------------------- */

static void
reg_finish(struct registry_req *r, enum dr_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
reg_finish(struct registry_req *r, enum dr_err err, const char *fmt, ...)
{
	va_list	ap;

	r->done = true;
	r->err = err;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(r->errmsg, sizeof(r->errmsg), fmt, ap);
		va_end(ap);
	}
	if (r->waiters != NULL) {
		r->next_done = r->reg->completed;
		r->reg->completed = r;
	}
}

static void
reg_enqueue(struct registry *reg, struct registry_req *r)
{
	r->next = reg->ready;
	reg->ready = r;
}

static void
reg_park(struct registry_req *r)
{
	r->next = r->host->parked;
	r->host->parked = r;
}

static void	reg_request_token(struct registry *, struct reg_host *);

/* Asks for one token covering every request parked for lack of one. */
static void
reg_kick(struct registry *reg, struct reg_host *h)
{
	if (h->state == HOST_READY && h->auth == AUTH_BEARER &&
	    h->parked != NULL && !h->token_inflight)
		reg_request_token(reg, h);
}

/* Re-dispatches every request parked on h. */
static void
reg_unpark(struct registry *reg, struct reg_host *h)
{
	struct registry_req	*r, *rn;

	r = h->parked;
	h->parked = NULL;
	for (; r != NULL; r = rn) {
		rn = r->next;
		reg_dispatch(reg, r);
	}
	reg_kick(reg, h);
}

static void
reg_host_fail(struct registry *reg, struct reg_host *h, enum dr_err err,
    const char *msg)
{
	h->state = HOST_FAILED;
	h->fail_err = err;
	snprintf(h->fail_msg, sizeof(h->fail_msg), "%s", msg);
	reg_unpark(reg, h);
}

static const struct reg_token *
reg_token_for(const struct reg_host *h, const char *repo)
{
	const struct reg_token	*t;
	double			 now = reg_now();
	size_t			 i;

	for (t = h->tokens; t != NULL; t = t->next) {
		if (t->expires <= now)
			continue;
		for (i = 0; i < t->nrepos; i++)
			if (strcmp(t->repos[i], repo) == 0)
				return t;
	}
	return NULL;
}

/* Starts one token request for every parked repository not covered. */
static void
reg_request_token(struct registry *reg, struct reg_host *h)
{
	struct registry_req	*t, *p;
	size_t			 i;

	if (h->token_inflight)
		return;
	t = reg_req_new(reg, h, OP_TOKEN, NULL, NULL);
	t->body.max = REGTOKEN_BODY_MAX;
	for (p = h->parked; p != NULL; p = p->next) {
		if (p->repo == NULL || reg_token_for(h, p->repo) != NULL)
			continue;
		for (i = 0; i < t->nscope; i++)
			if (strcmp(t->scope[i], p->repo) == 0)
				break;
		if (i < t->nscope)
			continue;
		t->scope = xreallocarray(t->scope, t->nscope + 1,
		    sizeof(*t->scope));
		t->scope[t->nscope++] = xstrdup(p->repo);
	}
	h->token_inflight = true;
	t->attempts = 0;
	reg_enqueue(reg, t);
}

/* Decides where a request goes next, given its host's state. */
static void
reg_dispatch(struct registry *reg, struct registry_req *r)
{
	struct reg_host		*h = r->host;
	struct registry_req	*ping;

	if (r->attempts < 0)
		r->attempts = 0;
	if (r->op == OP_PING || r->op == OP_TOKEN) {
		reg_enqueue(reg, r);
		return;
	}
	switch (h->state) {
	case HOST_NEW:
		h->state = HOST_PINGING;
		ping = reg_req_new(reg, h, OP_PING, NULL, NULL);
		ping->body.max = 64 * 1024;
		ping->attempts = 0;
		reg_enqueue(reg, ping);
		reg_park(r);
		break;
	case HOST_PINGING:
		reg_park(r);
		break;
	case HOST_FAILED:
		reg_finish(r, h->fail_err, "%s", h->fail_msg);
		break;
	case HOST_READY:
		if (h->auth == AUTH_BEARER && reg_token_for(h, r->repo) ==
		    NULL) {
			/* reg_kick asks for one token for all parked. */
			reg_park(r);
			break;
		}
		reg_enqueue(reg, r);
		break;
	}
}

/* ---- starting a transfer -------------------------------------------- */

static size_t
reg_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct registry_req	*r = arg;

	if (!buf_add(&r->body, data, size * n))
		return 0;
	return size * n;
}

/* Copies header `name` into dst when line is that header. */
static bool
reg_header_is(struct span line, const char *name, struct span *ret_value)
{
	size_t	n = strlen(name);

	if (line.len <= n || strncasecmp(line.p, name, n) != 0 ||
	    line.p[n] != ':')
		return false;
	line = span_sub(line, n + 1, line.len);
	while (line.len > 0 && (line.p[0] == ' ' || line.p[0] == '\t'))
		line = span_sub(line, 1, line.len);
	while (line.len > 0 && (line.p[line.len - 1] == '\r' ||
	    line.p[line.len - 1] == '\n' || line.p[line.len - 1] == ' '))
		line.len--;
	*ret_value = line;
	return true;
}

static void
reg_addhdr(struct buf *b, struct span v)
{
	if (b->len > 0)
		buf_adds(b, ", ");
	buf_addspan(b, v);
}

static size_t
reg_header_cb(char *data, size_t size, size_t n, void *arg)
{
	struct registry_req	*r = arg;
	struct span		 line = span_make(data, size * n), v;

	if (span_starts(line, "HTTP/")) {
		/* A new response (redirect or retry): forget the last one. */
		r->hdr_digest[0] = r->hdr_ctype[0] = r->hdr_retry[0] = '\0';
		r->hdr_ratelimit[0] = r->hdr_ratelimit_limit[0] = '\0';
		buf_reset(&r->hdr_link);
		buf_reset(&r->hdr_auth);
	} else if (reg_header_is(line, "docker-content-digest", &v))
		strset(r->hdr_digest, sizeof(r->hdr_digest), v);
	else if (reg_header_is(line, "content-type", &v))
		strset(r->hdr_ctype, sizeof(r->hdr_ctype), v);
	else if (reg_header_is(line, "retry-after", &v))
		strset(r->hdr_retry, sizeof(r->hdr_retry), v);
	else if (reg_header_is(line, "ratelimit-remaining", &v))
		strset(r->hdr_ratelimit, sizeof(r->hdr_ratelimit), v);
	else if (reg_header_is(line, "ratelimit-limit", &v))
		strset(r->hdr_ratelimit_limit, sizeof(r->hdr_ratelimit_limit),
		    v);
	else if (reg_header_is(line, "link", &v))
		reg_addhdr(&r->hdr_link, v);
	else if (reg_header_is(line, "www-authenticate", &v))
		reg_addhdr(&r->hdr_auth, v);
	return size * n;
}

static char *
reg_escape(CURL *c, const char *s)
{
	char	*e = curl_easy_escape(c, s, 0);
	char	*out = xstrdup(e ? e : "");

	curl_free(e);
	return out;
}

/* The token endpoint URL with service and every scope. */
static char *
reg_token_url(struct registry_req *t)
{
	struct reg_host	*h = t->host;
	struct buf	 u;
	char		*e;
	size_t		 i;

	buf_init(&u, 256 * 1024);
	buf_adds(&u, h->chal.realm);
	buf_addc(&u, strchr(h->chal.realm, '?') ? '&' : '?');
	if (h->chal.service != NULL) {
		e = reg_escape(t->easy, h->chal.service);
		buf_printf(&u, "service=%s", e);
		free(e);
	}
	for (i = 0; i < t->nscope; i++) {
		char	*scope = xasprintf("repository:%s:pull", t->scope[i]);

		e = reg_escape(t->easy, scope);
		buf_printf(&u, "&scope=%s", e);
		free(e);
		free(scope);
	}
	if (h->have_cred && h->cred.username != NULL &&
	    !h->cred.identity_token) {
		e = reg_escape(t->easy, h->cred.username);
		buf_printf(&u, "&account=%s", e);
		free(e);
	}
	return buf_steal(&u);
}

/* May credentials go to this realm?  Only over https, or to loopback or
 * the registry's own host. */
static bool
reg_realm_trusted(const struct reg_host *h, const char *realm)
{
	char		host[256], rhost[256];
	const char	*p;

	if (strncmp(realm, "https://", 8) == 0)
		return true;
	if (strncmp(realm, "http://", 7) != 0)
		return false;
	p = realm + 7;
	strset(rhost, sizeof(rhost), span_make(p, strcspn(p, "/?#")));
	reg_hostpart(rhost, rhost, sizeof(rhost));
	reg_hostpart(h->netloc, host, sizeof(host));
	return strcmp(rhost, host) == 0 || strcmp(rhost, "localhost") == 0 ||
	    reg_ip_in_cidr(rhost, "127.0.0.0/8") ||
	    reg_ip_in_cidr(rhost, "::1/128");
}

static void
reg_start(struct registry *reg, struct registry_req *r)
{
	struct reg_host		*h = r->host;
	const struct reg_token	*tok;
	const char		*scheme = h->https ? "https" : "http";
	char			*auth = NULL;
	CURL			*c;

	if (r->easy != NULL) {
		curl_multi_remove_handle(reg->multi, r->easy);
		curl_easy_cleanup(r->easy);
	}
	curl_slist_free_all(r->hdrs);
	r->hdrs = NULL;
	r->easy = c = curl_easy_init();
	buf_reset(&r->body);
	r->status = 0;

	switch (r->op) {
	case OP_PING:
		free(r->url);
		r->url = xasprintf("%s://%s/v2/", scheme, h->netloc);
		break;
	case OP_TOKEN:
		free(r->url);
		r->url = reg_token_url(r);
		if (h->have_cred && h->cred.secret != NULL &&
		    reg_realm_trusted(h, h->chal.realm)) {
			curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
			curl_easy_setopt(c, CURLOPT_USERNAME,
			    h->cred.username ? h->cred.username : "");
			curl_easy_setopt(c, CURLOPT_PASSWORD, h->cred.secret);
		}
		break;
	case REGISTRY_HEAD_MANIFEST:
	case REGISTRY_GET_MANIFEST:
		free(r->url);
		r->url = xasprintf("%s://%s/v2/%s/manifests/%s", scheme,
		    h->netloc, r->repo, r->ref);
		r->hdrs = curl_slist_append(r->hdrs, "Accept: " MANIFEST_ACCEPT);
		if (r->op == REGISTRY_HEAD_MANIFEST && !r->head_as_get)
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		break;
	case REGISTRY_GET_TAGS:
		if (r->url == NULL)
			r->url = xasprintf("%s://%s/v2/%s/tags/list", scheme,
			    h->netloc, r->repo);
		break;
	case REGISTRY_GET_BLOB:
		free(r->url);
		r->url = xasprintf("%s://%s/v2/%s/blobs/%s", scheme, h->netloc,
		    r->repo, r->ref);
		/* Blob stores redirect (S3, CDN); curl drops our
		 * Authorization header when the host changes. */
		curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
		curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		break;
	}
	if (r->op != OP_PING && r->op != OP_TOKEN) {
		if (h->auth == AUTH_BEARER &&
		    (tok = reg_token_for(h, r->repo)) != NULL)
			auth = xasprintf("Authorization: Bearer %s", tok->value);
		else if (h->auth == AUTH_BASIC && h->basic != NULL)
			auth = xasprintf("Authorization: %s", h->basic);
		if (auth != NULL) {
			r->hdrs = curl_slist_append(r->hdrs, auth);
			explicit_bzero(auth, strlen(auth));
			free(auth);
		}
	}
	curl_easy_setopt(c, CURLOPT_URL, r->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "dockrev");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, reg_write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, reg_header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(c, CURLOPT_PRIVATE, r);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)REGISTRY_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L);
	if (h->https && h->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	reg->stats.requests++;
	if (r->op == OP_TOKEN)
		reg->stats.tokens++;
	curl_multi_add_handle(reg->multi, c);
	reg->active++;
}

/* ---- finishing a transfer ------------------------------------------- */

static void
reg_retry_later(struct registry *reg, struct registry_req *r, double delay)
{
	r->retry_at = reg_now() + delay;
	r->attempts++;
	reg->stats.retries++;
	r->next = reg->timers;
	reg->timers = r;
}

/* Seconds asked by Retry-After, or -1 when absent or unreadable. */
static double
reg_retry_after(const struct registry_req *r)
{
	char	*end;
	long	 v;
	time_t	 when;

	if (r->hdr_retry[0] == '\0')
		return -1;
	v = strtol(r->hdr_retry, &end, 10);
	if (*end == '\0' && v >= 0)
		return (double)v;
	when = curl_getdate(r->hdr_retry, NULL);
	if (when < 0)
		return -1;
	return when > time(NULL) ? (double)(when - time(NULL)) : 0;
}

static bool
reg_sha(const char *algo, struct span body, char *out, size_t size)
{
	const EVP_MD	*md;
	unsigned char	 d[EVP_MAX_MD_SIZE];
	unsigned int	 n, i;
	size_t		 off;

	md = strcmp(algo, "sha512") == 0 ? EVP_sha512() : EVP_sha256();
	if (!EVP_Digest(body.p, body.len, d, &n, md, NULL))
		return false;
	off = (size_t)snprintf(out, size, "%s:", strcmp(algo, "sha512") == 0 ?
	    "sha512" : "sha256");
	for (i = 0; i < n && off + 2 < size; i++, off += 2)
		snprintf(out + off, size - off, "%02x", d[i]);
	return true;
}

static void
reg_done_ping(struct registry *reg, struct registry_req *r, CURLcode cc)
{
	struct reg_host	*h = r->host;
	char		 msg[DR_ERROR_MSG_MAX];
	struct dr_error	 e;

	if (cc != CURLE_OK || (r->status == 400 && !h->https)) {
		if (h->insecure && !h->switched) {
			/* dockerd's insecure-registry dance: other scheme. */
			h->switched = true;
			h->https = !h->https;
			reg_enqueue(reg, r);
			return;
		}
		if (h->fallback != NULL) {
			/* The mirror is down: go to the registry itself. */
			free(h->netloc);
			h->netloc = h->fallback;
			h->fallback = NULL;
			h->https = true;
			h->insecure = reg_is_insecure(&reg->set, h->netloc);
			h->switched = false;
			reg_enqueue(reg, r);
			return;
		}
		snprintf(msg, sizeof(msg), "registry %s unreachable: %s",
		    h->netloc, cc != CURLE_OK ? curl_easy_strerror(cc) :
		    "HTTP 400");
		reg_host_fail(reg, h, DR_ENET, msg);
		return;
	}
	if (r->status == 200) {
		h->auth = AUTH_NONE;
	} else if (r->status == 401) {
		if (httphdr_challenge_parse(buf_span(&r->hdr_auth), &h->chal,
		    &e) != DR_OK) {
			snprintf(msg, sizeof(msg), "registry %s: unusable auth "
			    "challenge: %s", h->netloc, e.msg);
			reg_host_fail(reg, h, DR_EPROTO, msg);
			return;
		}
		if (h->chal.scheme == HTTPHDR_SCHEME_BEARER) {
			if (h->chal.realm == NULL || (strncmp(h->chal.realm,
			    "https://", 8) != 0 && strncmp(h->chal.realm,
			    "http://", 7) != 0)) {
				snprintf(msg, sizeof(msg), "registry %s: bearer "
				    "challenge without a usable realm",
				    h->netloc);
				reg_host_fail(reg, h, DR_EPROTO, msg);
				return;
			}
			h->auth = AUTH_BEARER;
		} else {
			h->auth = AUTH_BASIC;
			if (h->have_cred && h->cred.secret != NULL &&
			    !h->cred.identity_token) {
				char	*up, *b64;
				size_t	 len;

				up = xasprintf("%s:%s", h->cred.username ?
				    h->cred.username : "", h->cred.secret);
				len = strlen(up);
				b64 = xmalloc(4 * ((len + 2) / 3) + 1);
				EVP_EncodeBlock((unsigned char *)b64,
				    (unsigned char *)up, (int)len);
				h->basic = xasprintf("Basic %s", b64);
				explicit_bzero(up, len);
				explicit_bzero(b64, strlen(b64));
				free(up);
				free(b64);
			}
		}
	} else {
		snprintf(msg, sizeof(msg), "registry %s: /v2/ answered HTTP %ld",
		    h->netloc, r->status);
		reg_host_fail(reg, h, DR_EPROTO, msg);
		return;
	}
	h->state = HOST_READY;
	reg_finish(r, DR_OK, NULL);
	reg_unpark(reg, h);
}

static void
reg_done_token(struct registry *reg, struct registry_req *r)
{
	struct reg_host		*h = r->host;
	struct reg_token	*t;
	struct registry_req	*p, *pn, *keep = NULL;
	struct dr_error		 e;
	char			*value = NULL;
	long			 expires = 0;
	enum dr_err		 err;
	char			 msg[DR_ERROR_MSG_MAX];

	h->token_inflight = false;
	if (r->status == 401 || r->status == 403) {
		err = DR_EAUTH;
		snprintf(msg, sizeof(msg), "token endpoint of %s refused %s "
		    "(HTTP %ld)", h->netloc, h->have_cred ? "the credentials "
		    "from the docker config" : "anonymous access", r->status);
	} else if (r->status != 200) {
		err = DR_EPROTO;
		snprintf(msg, sizeof(msg), "token endpoint of %s answered HTTP "
		    "%ld", h->netloc, r->status);
	} else if ((err = regtoken_parse(buf_span(&r->body), &value, &expires,
	    &e)) != DR_OK)
		snprintf(msg, sizeof(msg), "token endpoint of %s: %s",
		    h->netloc, e.msg);
	if (err != DR_OK) {
		/* Fail the requests this token was for; others wait on. */
		for (p = h->parked, h->parked = NULL; p != NULL; p = pn) {
			size_t	i;

			pn = p->next;
			for (i = 0; i < r->nscope; i++)
				if (strcmp(r->scope[i], p->repo) == 0)
					break;
			if (i < r->nscope)
				reg_finish(p, err, "%s", msg);
			else {
				p->next = keep;
				keep = p;
			}
		}
		h->parked = keep;
		reg_finish(r, err, "%s", msg);
		reg_kick(reg, h);
		return;
	}
	t = xcalloc(1, sizeof(*t));
	t->value = value;
	t->expires = reg_now() + (double)expires - TOKEN_MARGIN_S;
	if (expires <= TOKEN_MARGIN_S)
		t->expires = reg_now() + (double)expires / 2;
	t->repos = r->scope;
	t->nrepos = r->nscope;
	r->scope = NULL;
	r->nscope = 0;
	t->next = h->tokens;
	h->tokens = t;
	reg_finish(r, DR_OK, NULL);
	reg_unpark(reg, h);
}

static bool
reg_add_tags(struct registry_req *r, struct span body, char *msg,
    size_t msgsize)
{
	json_t		*j, *tags, *v;
	json_error_t	 jerr;
	size_t		 i;

	j = json_loadb(body.p, body.len, 0, &jerr);
	if (j == NULL || !json_is_object(j)) {
		snprintf(msg, msgsize, "tag list is not JSON: %s", jerr.text);
		json_decref(j);
		return false;
	}
	tags = json_object_get(j, "tags");
	if (tags != NULL && !json_is_null(tags) && !json_is_array(tags)) {
		snprintf(msg, msgsize, "tag list: \"tags\" is not an array");
		json_decref(j);
		return false;
	}
	json_array_foreach(tags, i, v) {
		const char	*s = json_string_value(v);

		if (s == NULL || !imageref_valid_tag(span_str(s)))
			continue;
		if (r->ntags >= REGISTRY_TAGS_MAX)
			break;
		if (r->ntags == r->tagcap) {
			r->tagcap = r->tagcap ? r->tagcap * 2 : 64;
			r->tags = xreallocarray(r->tags, r->tagcap,
			    sizeof(*r->tags));
		}
		r->tags[r->ntags++] = xstrdup(s);
	}
	json_decref(j);
	return true;
}

/* Same scheme://host:port as the registry? */
static bool
reg_same_origin(const struct registry_req *r, const char *url)
{
	char	*origin;
	bool	 same;

	origin = xasprintf("%s://%s/", r->host->https ? "https" : "http",
	    r->host->netloc);
	same = strncmp(url, origin, strlen(origin)) == 0;
	free(origin);
	return same;
}

static void
reg_done_tags(struct registry *reg, struct registry_req *r)
{
	char		 msg[DR_ERROR_MSG_MAX];
	char		*next = NULL;
	struct dr_error	 e;
	size_t		 i;
	enum dr_err	 err;

	if (!reg_add_tags(r, buf_span(&r->body), msg, sizeof(msg))) {
		reg_finish(r, DR_EPROTO, "%s: %s", r->repo, msg);
		return;
	}
	r->pages = xreallocarray(r->pages, r->npages + 1, sizeof(*r->pages));
	r->pages[r->npages++] = xstrdup(r->url);
	if (r->hdr_link.len == 0 || r->ntags >= REGISTRY_TAGS_MAX) {
		reg_finish(r, DR_OK, NULL);
		return;
	}
	err = httphdr_link_next(buf_span(&r->hdr_link), r->url, &next, &e);
	if (err == DR_ENOTFOUND) {
		reg_finish(r, DR_OK, NULL);
		return;
	}
	if (err != DR_OK) {
		reg_finish(r, DR_EPROTO, "%s: bad Link header: %s", r->repo,
		    e.msg);
		return;
	}
	if (!reg_same_origin(r, next)) {
		reg_finish(r, DR_EPROTO, "%s: tag list links to another host",
		    r->repo);
		free(next);
		return;
	}
	for (i = 0; i < r->npages; i++) {
		if (strcmp(r->pages[i], next) == 0) {
			/* A loop: what we have is all there is. */
			free(next);
			reg_finish(r, DR_OK, NULL);
			return;
		}
	}
	if (r->npages >= REGISTRY_PAGES_MAX) {
		free(next);
		reg_finish(r, DR_OK, NULL);
		return;
	}
	free(r->url);
	r->url = next;
	r->attempts = 0;
	reg_enqueue(reg, r);
}

static void
reg_done_manifest(struct registry *reg, struct registry_req *r)
{
	char		 computed[DIGEST_MAX];
	const char	*algo = "sha256";

	if (r->op == REGISTRY_HEAD_MANIFEST && !r->head_as_get) {
		if (imageref_valid_digest(span_str(r->hdr_digest))) {
			snprintf(r->digest, sizeof(r->digest), "%s",
			    r->hdr_digest);
			reg_finish(r, DR_OK, NULL);
			return;
		}
		/* No (usable) Docker-Content-Digest: GET and hash. */
		r->head_as_get = true;
		reg_enqueue(reg, r);
		return;
	}
	if (r->hdr_digest[0] != '\0' && strncmp(r->hdr_digest, "sha512:", 7)
	    == 0)
		algo = "sha512";
	if (!reg_sha(algo, buf_span(&r->body), computed, sizeof(computed))) {
		reg_finish(r, DR_EINTERNAL, "cannot hash manifest");
		return;
	}
	if (r->hdr_digest[0] != '\0' && strcmp(r->hdr_digest, computed) != 0) {
		reg_finish(r, DR_EPROTO, "%s:%s: manifest does not match its "
		    "Docker-Content-Digest", r->repo, r->ref);
		return;
	}
	if (strchr(r->ref, ':') != NULL && strcmp(r->ref, computed) != 0) {
		reg_finish(r, DR_EPROTO, "%s@%s: registry sent a manifest with "
		    "another digest", r->repo, r->ref);
		return;
	}
	snprintf(r->digest, sizeof(r->digest), "%s", computed);
	reg_finish(r, DR_OK, NULL);
}

static void
reg_done_blob(struct registry_req *r)
{
	char	computed[DIGEST_MAX];

	if (!reg_sha(strncmp(r->ref, "sha512:", 7) == 0 ? "sha512" : "sha256",
	    buf_span(&r->body), computed, sizeof(computed)) ||
	    strcmp(computed, r->ref) != 0) {
		reg_finish(r, DR_EPROTO, "%s: blob %s does not match its digest",
		    r->repo, r->ref);
		return;
	}
	snprintf(r->digest, sizeof(r->digest), "%s", computed);
	reg_finish(r, DR_OK, NULL);
}

static const char *
reg_what(const struct registry_req *r, char *out, size_t size)
{
	if (r->op == OP_TOKEN)
		snprintf(out, size, "token for %s", r->host->netloc);
	else if (r->op == OP_PING)
		snprintf(out, size, "%s/v2/", r->host->netloc);
	else if (r->op == REGISTRY_GET_TAGS)
		snprintf(out, size, "%s/%s tags", r->host->domain, r->repo);
	else
		snprintf(out, size, "%s/%s%s%s", r->host->domain, r->repo,
		    strchr(r->ref, ':') ? "@" : ":", r->ref);
	return out;
}

/* A token request that could not complete fails every parked request. */
static void
reg_token_failed(struct registry_req *t)
{
	struct reg_host		*h = t->host;
	struct registry_req	*p, *pn;

	h->token_inflight = false;
	for (p = h->parked, h->parked = NULL; p != NULL; p = pn) {
		pn = p->next;
		reg_finish(p, t->err, "%s", t->errmsg);
	}
}

static void
reg_done(struct registry *reg, struct registry_req *r, CURLcode cc)
{
	char	what[512];
	double	wait;
	long	rl;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_multi_remove_handle(reg->multi, r->easy);
	curl_easy_cleanup(r->easy);
	r->easy = NULL;
	reg->active--;

	if (r->hdr_ratelimit[0] != '\0') {
		rl = strtol(r->hdr_ratelimit, NULL, 10);
		/* "76;w=21600": the count comes first. */
		if (reg->stats.ratelimit_remaining < 0 ||
		    rl < reg->stats.ratelimit_remaining) {
			reg->stats.ratelimit_remaining = rl;
			reg->stats.ratelimit_limit = strtol(
			    r->hdr_ratelimit_limit, NULL, 10);
		}
	}
	if (r->op == OP_PING && (cc != CURLE_OK || r->status == 400)) {
		reg_done_ping(reg, r, cc);
		return;
	}
	if (cc == CURLE_WRITE_ERROR && buf_failed(&r->body)) {
		reg_finish(r, DR_ETOOBIG, "%s: answer over %zu bytes",
		    reg_what(r, what, sizeof(what)), r->body.max);
		goto failed_internal;
	}
	if (cc != CURLE_OK || r->status >= 500 || r->status == 429) {
		wait = r->status == 429 ? reg_retry_after(r) : -1;
		if (wait > REGISTRY_RETRY_AFTER_MAX) {
			reg_finish(r, DR_ERATELIMIT, "%s: rate limited, registry "
			    "asks to wait %.0f s", reg_what(r, what,
			    sizeof(what)), wait);
			goto failed_internal;
		}
		if (r->attempts < REGISTRY_RETRIES && cc !=
		    CURLE_COULDNT_CONNECT) {
			if (wait < 0)
				wait = 0.25 * (double)(1 << r->attempts);
			reg_retry_later(reg, r, wait);
			return;
		}
		if (cc != CURLE_OK)
			reg_finish(r, cc == CURLE_OPERATION_TIMEDOUT ?
			    DR_ETIMEOUT : DR_ENET, "%s: %s", reg_what(r, what,
			    sizeof(what)), curl_easy_strerror(cc));
		else
			reg_finish(r, r->status == 429 ? DR_ERATELIMIT :
			    DR_EPROTO, "%s: HTTP %ld after %d attempts",
			    reg_what(r, what, sizeof(what)), r->status,
			    r->attempts + 1);
		goto failed_internal;
	}
	switch (r->op) {
	case OP_PING:
		reg_done_ping(reg, r, cc);
		return;
	case OP_TOKEN:
		reg_done_token(reg, r);
		return;
	}
	if (r->status == 401 || r->status == 403) {
		reg_finish(r, DR_EAUTH, "%s: registry refused access (HTTP %ld)%s",
		    reg_what(r, what, sizeof(what)), r->status,
		    r->host->have_cred ? "" : "; no credentials for it in the "
		    "docker config");
		return;
	}
	if (r->status == 404) {
		reg_finish(r, DR_ENOTFOUND, "%s: not found in the registry",
		    reg_what(r, what, sizeof(what)));
		return;
	}
	if (r->status != 200) {
		reg_finish(r, DR_EPROTO, "%s: unexpected HTTP %ld",
		    reg_what(r, what, sizeof(what)), r->status);
		return;
	}
	switch (r->op) {
	case REGISTRY_HEAD_MANIFEST:
	case REGISTRY_GET_MANIFEST:
		reg_done_manifest(reg, r);
		break;
	case REGISTRY_GET_TAGS:
		reg_done_tags(reg, r);
		break;
	case REGISTRY_GET_BLOB:
		reg_done_blob(r);
		break;
	}
	return;
failed_internal:
	/* A failed ping or token fails what waits on it. */
	if (r->op == OP_PING)
		reg_host_fail(reg, r->host, r->err, r->errmsg);
	else if (r->op == OP_TOKEN)
		reg_token_failed(r);
}

/* ---- the loop ------------------------------------------------------- */

void
registry_on_done(struct registry *reg, struct registry_req *r,
    registry_done_fn *fn, void *arg)
{
	struct reg_waiter	*w, **pp;

	w = xcalloc(1, sizeof(*w));
	w->fn = fn;
	w->arg = arg;
	/* Keep registration order: callers see their waiters in turn. */
	for (pp = &r->waiters; *pp != NULL; pp = &(*pp)->next)
		;
	*pp = w;
	if (r->done && !r->notified && r->waiters == w) {
		r->next_done = reg->completed;
		reg->completed = r;
	} else if (r->done && r->notified) {
		/* Already reported: tell this waiter at the next turn. */
		r->notified = false;
		r->next_done = reg->completed;
		reg->completed = r;
	}
}

/* Calls the waiters of every request completed since the last call. */
static void
reg_notify(struct registry *reg)
{
	struct registry_req	*r;
	struct reg_waiter	*w;

	while ((r = reg->completed) != NULL) {
		reg->completed = r->next_done;
		r->notified = true;
		while ((w = r->waiters) != NULL) {
			r->waiters = w->next;
			w->fn(reg, r, w->arg);
			free(w);
		}
	}
}

void
registry_run(struct registry *reg)
{
	struct registry_req	*r, *rn, **pp;
	CURLMsg			*msg;
	int			 running, left;
	double			 now, next;

	/* Dispatch what was submitted since the last run. */
	struct reg_host		*h;

	r = reg->ready;
	reg->ready = NULL;
	for (; r != NULL; r = rn) {
		rn = r->next;
		reg_dispatch(reg, r);
	}
	for (h = reg->hosts; h != NULL; h = h->next)
		reg_kick(reg, h);
	reg->running = true;
	for (;;) {
		reg_notify(reg);
		while ((r = reg->ready) != NULL) {
			reg->ready = r->next;
			reg_start(reg, r);
		}
		curl_multi_perform(reg->multi, &running);
		while ((msg = curl_multi_info_read(reg->multi, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&r);
			reg_done(reg, r, msg->data.result);
		}
		if (reg->ready != NULL || reg->completed != NULL)
			continue;
		if (reg->active == 0 && reg->timers == NULL)
			break;
		now = reg_now();
		next = now + 1.0;
		for (pp = &reg->timers; (r = *pp) != NULL;) {
			if (r->retry_at <= now) {
				*pp = r->next;
				reg_enqueue(reg, r);
				continue;
			}
			if (r->retry_at < next)
				next = r->retry_at;
			pp = &r->next;
		}
		if (reg->ready != NULL)
			continue;
		curl_multi_poll(reg->multi, NULL, 0, (int)((next - now) * 1000)
		    + 1, NULL);
	}
	reg->running = false;
}

void
registry_get_stats(const struct registry *reg, struct registry_stats *ret)
{
	*ret = reg->stats;
}

enum dr_err
registry_req_err(const struct registry_req *r, const char **ret_error)
{
	if (ret_error != NULL)
		*ret_error = r->errmsg;
	if (!r->done)
		return DR_EINTERNAL;
	return r->err;
}

const char *
registry_req_digest(const struct registry_req *r)
{
	return r->digest;
}

const char *
registry_req_content_type(const struct registry_req *r)
{
	return r->hdr_ctype;
}

struct span
registry_req_body(const struct registry_req *r)
{
	if (r->op == REGISTRY_GET_TAGS)
		return span_make("", 0);
	return buf_span(&r->body);
}

const char * const *
registry_req_tags(const struct registry_req *r, size_t *ret_n)
{
	*ret_n = r->ntags;
	return (const char * const *)r->tags;
}
