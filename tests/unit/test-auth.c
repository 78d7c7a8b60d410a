/*
 * test-auth: CIDR parsing and matching (edges: /0, /32, /128, partial
 * bytes, IPv4-mapped IPv6 peers and networks, bad CIDRs), the forward
 * user rules and the origin check, table-driven.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "check.h"
#include "config.h"

/* A peer address from text ("10.0.0.1" or "::1"). */
static struct sockaddr_storage
peer(const char *s)
{
	struct sockaddr_storage	ss;

	memset(&ss, 0, sizeof(ss));
	if (strchr(s, ':') != NULL) {
		struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		if (inet_pton(AF_INET6, s, &s6->sin6_addr) != 1)
			abort();
	} else {
		struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		if (inet_pton(AF_INET, s, &s4->sin_addr) != 1)
			abort();
	}
	return ss;
}

static const struct {
	const char	*cidr;
	const char	*addr;
	int		 match;
} match_cases[] = {
	{ "10.0.0.0/8", "10.255.1.2", 1 },
	{ "10.0.0.0/8", "11.0.0.0", 0 },
	{ "10.0.0.0/8", "9.255.255.255", 0 },
	{ "0.0.0.0/0", "203.0.113.9", 1 },
	{ "0.0.0.0/0", "::1", 0 },
	{ "0.0.0.0/0", "::ffff:203.0.113.9", 1 },
	{ "127.0.0.1/32", "127.0.0.1", 1 },
	{ "127.0.0.1/32", "127.0.0.2", 0 },
	{ "127.0.0.1", "127.0.0.1", 1 },
	{ "127.0.0.1", "::ffff:127.0.0.1", 1 },
	{ "127.0.0.1", "::ffff:127.0.0.2", 0 },
	{ "192.168.4.0/22", "192.168.7.255", 1 },
	{ "192.168.4.0/22", "192.168.8.0", 0 },
	{ "192.168.4.0/22", "192.168.3.255", 0 },
	{ "172.16.0.0/12", "172.31.0.1", 1 },
	{ "172.16.0.0/12", "172.32.0.1", 0 },
	{ "::1/128", "::1", 1 },
	{ "::1/128", "::2", 0 },
	{ "::1/128", "127.0.0.1", 0 },
	{ "::1", "::1", 1 },
	{ "::/0", "2001:db8::1", 1 },
	{ "::/0", "10.0.0.1", 0 },
	{ "fd00::/8", "fdff:1::1", 1 },
	{ "fd00::/8", "fe00::1", 0 },
	{ "2001:db8::/33", "2001:db8:7fff::1", 1 },
	{ "2001:db8::/33", "2001:db8:8000::1", 0 },
	/* A mapped network is the IPv4 one. */
	{ "::ffff:10.0.0.0/104", "10.1.2.3", 1 },
	{ "::ffff:10.0.0.0/104", "::ffff:10.1.2.3", 1 },
	{ "::ffff:10.0.0.0/104", "11.1.2.3", 0 },
	{ "::ffff:0.0.0.0/96", "192.0.2.1", 1 },
};

static const char *const bad_cidrs[] = {
	"", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/+8",
	"10.0.0.0/08", "10.0.0.0/8/8", "10.0.0.0/8 ", " 10.0.0.0/8",
	"10.0.0.1/8", "10.0.0/8", "10.0.0.256", "::1/129", "::1/64",
	"fd00::1/8", "host.example/32", "10.0.0.0/1000", "10.0.0.0/0x8",
	"1.2.3.4/32x", "::ffff:10.0.0.1/104",
};

static void
test_cidr(void)
{
	struct auth_cidr	c;
	struct sockaddr_storage	ss;
	struct dr_error		e;
	size_t			i;

	for (i = 0; i < sizeof(match_cases) / sizeof(match_cases[0]); i++) {
		CHECK(auth_cidr_parse(match_cases[i].cidr, &c, &e) == DR_OK);
		ss = peer(match_cases[i].addr);
		if (auth_cidr_match(&c, (struct sockaddr *)&ss) !=
		    (match_cases[i].match != 0)) {
			fprintf(stderr, "case %s ~ %s\n", match_cases[i].cidr,
			    match_cases[i].addr);
			CHECK(0);
		} else
			CHECK(1);
	}
	for (i = 0; i < sizeof(bad_cidrs) / sizeof(bad_cidrs[0]); i++) {
		e.msg[0] = '\0';
		if (auth_cidr_parse(bad_cidrs[i], &c, &e) != DR_EINVAL) {
			fprintf(stderr, "accepted \"%s\"\n", bad_cidrs[i]);
			CHECK(0);
		} else
			CHECK(e.msg[0] != '\0');
	}
	CHECK(auth_cidr_parse("::ffff:10.0.0.0/104", &c, &e) == DR_OK);
	CHECK_INTEQ(c.family, AF_INET);
	CHECK_INTEQ(c.prefix, 8);
}

static void
test_loopback(void)
{
	static const struct {
		const char	*addr;
		int		 loop;
	} cases[] = {
		{ "127.0.0.1", 1 }, { "127.255.0.9", 1 }, { "128.0.0.1", 0 },
		{ "0.0.0.0", 0 }, { "::1", 1 }, { "::", 0 },
		{ "::ffff:127.0.0.1", 1 }, { "::ffff:10.0.0.1", 0 },
		{ "192.168.1.1", 0 },
	};
	struct sockaddr_storage	ss;
	size_t			i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ss = peer(cases[i].addr);
		CHECK(auth_is_loopback((struct sockaddr *)&ss) ==
		    (cases[i].loop != 0));
	}
}

#define H(n, v)	{ n, v }

static void
test_user(void)
{
	static const struct {
		const char		*peer;
		struct auth_header	 h[4];
		size_t			 nh;
		enum auth_result	 want;
		const char		*user;
	} cases[] = {
		{ "127.0.0.1", { H("X-Forwarded-User", "alice") }, 1, AUTH_OK,
		    "alice" },
		{ "127.0.0.1", { H("x-forwarded-user", "alice") }, 1, AUTH_OK,
		    "alice" },
		{ "::ffff:127.0.0.1", { H("X-Forwarded-User", "alice") }, 1,
		    AUTH_OK, "alice" },
		{ "10.1.2.3", { H("X-Forwarded-User", "bob") }, 1, AUTH_OK,
		    "bob" },
		{ "fd00::5", { H("X-Forwarded-User", "v6") }, 1, AUTH_OK,
		    "v6" },
		{ "127.0.0.2", { H("X-Forwarded-User", "alice") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "11.0.0.1", { H("X-Forwarded-User", "alice") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "::1", { H("X-Forwarded-User", "alice") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "127.0.0.1", { H("Host", "x") }, 1, AUTH_UNAUTHORIZED,
		    NULL },
		{ "127.0.0.1", { { NULL, NULL } }, 0, AUTH_UNAUTHORIZED, NULL },
		{ "127.0.0.1", { H("X-Forwarded-User", "alice"),
		    H("X-Forwarded-User", "alice") }, 2, AUTH_UNAUTHORIZED,
		    NULL },
		{ "127.0.0.1", { H("X-Forwarded-User", "alice"),
		    H("x-forwarded-user", "bob") }, 2, AUTH_UNAUTHORIZED,
		    NULL },
		{ "127.0.0.1", { H("X_Forwarded_User", "alice") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "127.0.0.1", { H("X-Forwarded-User", "alice"),
		    H("X_Forwarded_User", "root") }, 2, AUTH_UNAUTHORIZED,
		    NULL },
		{ "127.0.0.1", { H("X_Forwarded_User", "root"),
		    H("X-Forwarded-User", "alice") }, 2, AUTH_UNAUTHORIZED,
		    NULL },
		{ "127.0.0.1", { H("X-Forwarded_User", "alice") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "127.0.0.1", { H("X-Forwarded-User", "") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "127.0.0.1", { H("X-Forwarded-User", "a\tb") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "127.0.0.1", { H("X-Forwarded-User", " alice") }, 1,
		    AUTH_UNAUTHORIZED, NULL },
		{ "127.0.0.1", { H("X-Forwarded-User", "Zoë Müller") }, 1,
		    AUTH_OK, "Zoë Müller" },
		/* Other headers that merely resemble it do not count. */
		{ "127.0.0.1", { H("X-Forwarded-Users", "x"),
		    H("X-Forwarded-User", "alice") }, 2, AUTH_OK, "alice" },
	};
	struct config		*cfg = config_new_default();
	struct sockaddr_storage	 ss;
	struct dr_error		 e;
	const char		*user, *why;
	size_t			 i;
	enum auth_result	 got;

	CHECK(config_set(cfg, "auth.trusted_proxies",
	    "127.0.0.1/32, 10.0.0.0/8 ,fd00::/8", "test", &e) == DR_OK);
	CHECK_INTEQ(cfg->ntrusted_proxies, 3);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ss = peer(cases[i].peer);
		got = auth_user(cfg, (struct sockaddr *)&ss, cases[i].h,
		    cases[i].nh, &user, &why);
		if (got != cases[i].want)
			fprintf(stderr, "user case %zu: got %d\n", i, got);
		CHECK_INTEQ(got, cases[i].want);
		CHECK_STREQ(user, cases[i].user);
		CHECK((got == AUTH_OK) == (why == NULL));
	}
	/* A long user is refused. */
	{
		char			long_user[AUTH_USER_MAX + 2];
		struct auth_header	h = { "X-Forwarded-User", long_user };

		memset(long_user, 'a', sizeof(long_user) - 1);
		long_user[sizeof(long_user) - 1] = '\0';
		ss = peer("127.0.0.1");
		CHECK(auth_user(cfg, (struct sockaddr *)&ss, &h, 1, &user,
		    &why) == AUTH_UNAUTHORIZED);
		long_user[AUTH_USER_MAX] = '\0';
		CHECK(auth_user(cfg, (struct sockaddr *)&ss, &h, 1, &user,
		    &why) == AUTH_OK);
	}
	/* Another header name, and its underscore variant. */
	CHECK(config_set(cfg, "auth.header", "Remote-User", "test", &e) ==
	    DR_OK);
	{
		struct auth_header	h1[] = { H("Remote-User", "eve") };
		struct auth_header	h2[] = { H("Remote_User", "eve") };
		struct auth_header	h3[] = { H("X-Forwarded-User", "eve") };

		ss = peer("127.0.0.1");
		CHECK(auth_user(cfg, (struct sockaddr *)&ss, h1, 1, &user,
		    &why) == AUTH_OK);
		CHECK(auth_user(cfg, (struct sockaddr *)&ss, h2, 1, &user,
		    &why) == AUTH_UNAUTHORIZED);
		CHECK(auth_user(cfg, (struct sockaddr *)&ss, h3, 1, &user,
		    &why) == AUTH_UNAUTHORIZED);
	}
	/* Mode none: anonymous from anywhere, headers ignored. */
	CHECK(config_set(cfg, "auth.mode", "none", "test", &e) == DR_OK);
	ss = peer("203.0.113.1");
	CHECK(auth_user(cfg, (struct sockaddr *)&ss, NULL, 0, &user, &why) ==
	    AUTH_OK);
	CHECK_STREQ(user, "anonymous");
	/* No trusted proxies at all: nobody. */
	CHECK(config_set(cfg, "auth.mode", "forward", "test", &e) == DR_OK);
	CHECK(config_set(cfg, "auth.trusted_proxies", "", "test", &e) ==
	    DR_OK);
	CHECK_INTEQ(cfg->ntrusted_proxies, 0);
	{
		struct auth_header	h1[] = { H("Remote-User", "eve") };

		ss = peer("127.0.0.1");
		CHECK(auth_user(cfg, (struct sockaddr *)&ss, h1, 1, &user,
		    &why) == AUTH_UNAUTHORIZED);
	}
	config_free(cfg);
}

static void
test_origin(void)
{
	static const struct {
		const char		*method;
		const char		*origin_cfg;
		struct auth_header	 h[4];
		size_t			 nh;
		enum auth_result	 want;
	} cases[] = {
		{ "GET", NULL, { H("Origin", "http://evil.example") }, 1,
		    AUTH_OK },
		{ "HEAD", NULL, { H("Sec-Fetch-Site", "cross-site") }, 1,
		    AUTH_OK },
		{ "POST", NULL, { { NULL, NULL } }, 0, AUTH_OK },
		{ "POST", NULL, { H("Origin", "http://evil.example"),
		    H("Host", "dockrev.lan:8080") }, 2, AUTH_FORBIDDEN },
		{ "POST", NULL, { H("Origin", "http://dockrev.lan:8080"),
		    H("Host", "dockrev.lan:8080") }, 2, AUTH_OK },
		{ "POST", NULL, { H("Origin", "https://DOCKREV.lan:8080"),
		    H("Host", "dockrev.lan:8080") }, 2, AUTH_OK },
		{ "POST", NULL, { H("Origin", "http://dockrev.lan:8081"),
		    H("Host", "dockrev.lan:8080") }, 2, AUTH_FORBIDDEN },
		{ "POST", NULL, { H("Origin", "http://dockrev.lan:8080") }, 1,
		    AUTH_FORBIDDEN },
		{ "POST", NULL, { H("Origin", "null"),
		    H("Host", "dockrev.lan") }, 2, AUTH_FORBIDDEN },
		{ "DELETE", NULL, { H("Sec-Fetch-Site", "same-origin") }, 1,
		    AUTH_OK },
		{ "PATCH", NULL, { H("Sec-Fetch-Site", "none") }, 1, AUTH_OK },
		{ "PUT", NULL, { H("Sec-Fetch-Site", "same-site") }, 1,
		    AUTH_FORBIDDEN },
		{ "PUT", NULL, { H("Sec-Fetch-Site", "cross-site") }, 1,
		    AUTH_FORBIDDEN },
		{ "PUT", NULL, { H("Sec-Fetch-Site", "same-origin"),
		    H("Sec-Fetch-Site", "same-origin") }, 2, AUTH_FORBIDDEN },
		{ "PUT", NULL, { H("Origin", "http://a"), H("Origin",
		    "http://a"), H("Host", "a") }, 3, AUTH_FORBIDDEN },
		{ "POST", "https://dockrev.example.org", { H("Origin",
		    "https://dockrev.example.org"), H("Host", "internal:8080") },
		    2, AUTH_OK },
		{ "POST", "https://dockrev.example.org", { H("Origin",
		    "http://internal:8080"), H("Host", "internal:8080") }, 2,
		    AUTH_FORBIDDEN },
		{ "POST", "https://dockrev.example.org", { H("Origin",
		    "https://dockrev.example.org.evil.example") }, 1,
		    AUTH_FORBIDDEN },
	};
	struct config	*cfg = config_new_default();
	struct dr_error	 e;
	const char	*why;
	size_t		 i;
	enum auth_result got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(config_set(cfg, "origin", cases[i].origin_cfg, "test",
		    &e) == DR_OK);
		got = auth_origin(cfg, cases[i].method, cases[i].h,
		    cases[i].nh, &why);
		if (got != cases[i].want)
			fprintf(stderr, "origin case %zu: got %d\n", i, got);
		CHECK_INTEQ(got, cases[i].want);
	}
	config_free(cfg);
}

static void
test_peer_text(void)
{
	struct sockaddr_storage	ss;
	char			t[64];

	ss = peer("::ffff:192.0.2.1");
	auth_peer_text((struct sockaddr *)&ss, t, sizeof(t));
	CHECK_STREQ(t, "192.0.2.1");
	ss = peer("2001:db8::1");
	auth_peer_text((struct sockaddr *)&ss, t, sizeof(t));
	CHECK_STREQ(t, "2001:db8::1");
}

int
main(void)
{
	test_cidr();
	test_loopback();
	test_user();
	test_origin();
	test_peer_text();
	return check_summary("auth");
}
