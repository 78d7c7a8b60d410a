/*
 * auth: CIDR matching, the forward-header user and the origin check.
 * Invariant: a user is returned only when every rule of docs/api.md
 * passed; any doubt is a refusal.
 */
#include "auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"

static const unsigned char mapped_prefix[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

enum dr_err
auth_cidr_parse(const char *s, struct auth_cidr *ret, struct dr_error *reterr)
{
	char		 addr[INET6_ADDRSTRLEN + 1];
	const char	*slash = strchr(s, '/');
	size_t		 alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned	 prefix, max, i;
	struct auth_cidr c;

	memset(&c, 0, sizeof(c));
	if (alen == 0 || alen >= sizeof(addr))
		goto bad;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, c.addr) == 1) {
		c.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c.addr) == 1) {
		c.family = AF_INET6;
		max = 128;
	} else
		goto bad;
	prefix = max;
	if (slash != NULL) {
		const char	*p = slash + 1;

		/* 1-3 decimal digits, no sign, no leading zero. */
		if (p[0] < '0' || p[0] > '9' || strlen(p) > 3 ||
		    strspn(p, "0123456789") != strlen(p) ||
		    (p[0] == '0' && p[1] != '\0'))
			goto bad;
		for (prefix = 0; *p; p++)
			prefix = prefix * 10 + (unsigned)(*p - '0');
		if (prefix > max)
			goto bad;
	}
	/* Host bits set means the writer meant something else. */
	for (i = prefix; i < max; i++)
		if (c.addr[i / 8] & (0x80 >> (i % 8)))
			return dr_fail(reterr, DR_EINVAL, "\"%.64s\": host "
			    "bits set (the network is not what it says)", s);
	if (c.family == AF_INET6 && prefix >= 96 &&
	    memcmp(c.addr, mapped_prefix, 12) == 0) {
		memmove(c.addr, c.addr + 12, 4);
		memset(c.addr + 4, 0, 12);
		c.family = AF_INET;
		prefix -= 96;
	}
	c.prefix = prefix;
	*ret = c;
	return DR_OK;
bad:
	return dr_fail(reterr, DR_EINVAL, "\"%.64s\": want a CIDR such as "
	    "10.0.0.0/8, 192.0.2.7, fd00::/8 or ::1/128", s);
}

/* The peer as (family, 16 bytes), IPv4-mapped IPv6 turned into IPv4. */
static int
peer_addr(const struct sockaddr *sa, unsigned char out[16])
{
	memset(out, 0, 16);
	if (sa == NULL)
		return AF_UNSPEC;
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		const unsigned char *a =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;

		if (memcmp(a, mapped_prefix, 12) == 0) {
			memcpy(out, a + 12, 4);
			return AF_INET;
		}
		memcpy(out, a, 16);
		return AF_INET6;
	}
	return AF_UNSPEC;
}

bool
auth_cidr_match(const struct auth_cidr *c, const struct sockaddr *peer)
{
	unsigned char	a[16];
	unsigned	full, rest;

	if (peer_addr(peer, a) != c->family)
		return false;
	full = c->prefix / 8;
	rest = c->prefix % 8;
	if (memcmp(a, c->addr, full) != 0)
		return false;
	if (rest != 0 && ((a[full] ^ c->addr[full]) &
	    (unsigned char)(0xff << (8 - rest))) != 0)
		return false;
	return true;
}

void
auth_peer_text(const struct sockaddr *peer, char *out, size_t size)
{
	unsigned char	a[16];
	int		fam = peer_addr(peer, a);

	if (size == 0)
		return;
	out[0] = '\0';
	if (fam == AF_UNSPEC || inet_ntop(fam, a, out, (socklen_t)size) ==
	    NULL)
		out[0] = '\0';
}

bool
auth_is_loopback(const struct sockaddr *sa)
{
	unsigned char	a[16];
	int		fam = peer_addr(sa, a);
	static const unsigned char one[16] = { [15] = 1 };

	if (fam == AF_INET)
		return a[0] == 127;
	if (fam == AF_INET6)
		return memcmp(a, one, 16) == 0;
	return false;
}

/* Header names equal when '_' and '-' are the same and case is ignored. */
static bool
name_fuzzy_eq(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char	x = *a == '_' ? '-' : *a, y = *b == '_' ? '-' : *b;

		if (x >= 'A' && x <= 'Z')
			x = (char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (char)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return *a == *b;
}

static bool
user_ok(const char *v)
{
	size_t	n = strlen(v), i;

	if (n == 0 || n > AUTH_USER_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || v[i] == 0x7f)
			return false;
	/* Surrounding blanks would make two names look alike. */
	return v[0] != ' ' && v[n - 1] != ' ';
}

enum auth_result
auth_user(const struct config *cfg, const struct sockaddr *peer,
    const struct auth_header *h, size_t nh, const char **ret_user,
    const char **ret_why)
{
	const char	*user = NULL;
	size_t		 i, n = 0;
	bool		 trusted = false;

	*ret_user = NULL;
	*ret_why = NULL;
	if (cfg->auth_mode == CONFIG_AUTH_NONE) {
		*ret_user = AUTH_ANONYMOUS;
		return AUTH_OK;
	}
	for (i = 0; i < nh; i++) {
		if (!name_fuzzy_eq(h[i].name, cfg->auth_header))
			continue;
		if (strcasecmp(h[i].name, cfg->auth_header) != 0) {
			*ret_why = "an underscore variant of the user header";
			return AUTH_UNAUTHORIZED;
		}
		user = h[i].value;
		n++;
	}
	if (n == 0) {
		*ret_why = "no user header";
		return AUTH_UNAUTHORIZED;
	}
	if (n > 1) {
		*ret_why = "the user header sent more than once";
		return AUTH_UNAUTHORIZED;
	}
	for (i = 0; i < cfg->ntrusted_proxies && !trusted; i++)
		trusted = auth_cidr_match(&cfg->trusted_proxies[i], peer);
	if (!trusted) {
		*ret_why = "the user header from an untrusted peer";
		return AUTH_UNAUTHORIZED;
	}
	if (user == NULL || !user_ok(user)) {
		*ret_why = "a malformed user header";
		return AUTH_UNAUTHORIZED;
	}
	*ret_user = user;
	return AUTH_OK;
}

/* The only value of header name, NULL when absent; *ret_n its count. */
static const char *
header_one(const struct auth_header *h, size_t nh, const char *name,
    size_t *ret_n)
{
	const char	*v = NULL;
	size_t		 i;

	*ret_n = 0;
	for (i = 0; i < nh; i++)
		if (strcasecmp(h[i].name, name) == 0) {
			v = h[i].value;
			(*ret_n)++;
		}
	return v;
}

/* Compares "scheme://host[:port]" to want (case-insensitive; a trailing
 * slash on the origin is not allowed by browsers, refuse it too). */
static bool
origin_eq(const char *origin, const char *want)
{
	return strcasecmp(origin, want) == 0;
}

enum auth_result
auth_origin(const struct config *cfg, const char *method,
    const struct auth_header *h, size_t nh, const char **ret_why)
{
	const char	*sfs, *origin, *host, *rest;
	size_t		 nsfs, norigin, nhost;

	*ret_why = NULL;
	if (strcmp(method, "POST") != 0 && strcmp(method, "PUT") != 0 &&
	    strcmp(method, "PATCH") != 0 && strcmp(method, "DELETE") != 0)
		return AUTH_OK;
	sfs = header_one(h, nh, "Sec-Fetch-Site", &nsfs);
	origin = header_one(h, nh, "Origin", &norigin);
	if (nsfs > 1 || norigin > 1) {
		*ret_why = "Origin or Sec-Fetch-Site sent more than once";
		return AUTH_FORBIDDEN;
	}
	if (sfs != NULL && (strcmp(sfs, "same-origin") == 0 ||
	    strcmp(sfs, "none") == 0))
		return AUTH_OK;
	if (origin != NULL) {
		if (cfg->origin != NULL) {
			if (origin_eq(origin, cfg->origin))
				return AUTH_OK;
		} else {
			host = header_one(h, nh, "Host", &nhost);
			if (strncasecmp(origin, "http://", 7) == 0)
				rest = origin + 7;
			else if (strncasecmp(origin, "https://", 8) == 0)
				rest = origin + 8;
			else
				rest = NULL;
			if (host != NULL && nhost == 1 && rest != NULL &&
			    host[0] != '\0' && strcasecmp(rest, host) == 0)
				return AUTH_OK;
		}
		*ret_why = "a cross-origin state change";
		return AUTH_FORBIDDEN;
	}
	if (sfs == NULL)
		return AUTH_OK;	/* not a browser */
	*ret_why = "a cross-site state change";
	return AUTH_FORBIDDEN;
}
