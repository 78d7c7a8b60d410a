/*
 * fuzz-auth: CIDR parsing and the request checks on arbitrary input.
 * Line 1 is a comma-separated list of CIDRs (auth.trusted_proxies), line 2
 * the peer address, line 3 the method, the rest "Name: value" header
 * lines.  Invariants: a parsed CIDR has no host bits and contains its own
 * network address; auth_user accepts only with exactly one header whose
 * name is the configured one, no underscore variant, a trusted peer and a
 * printable value; auth_origin refuses only state changes, with a reason.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "config.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define FUZZ_HEADERS	16

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_cidr(const struct auth_cidr *c)
{
	struct sockaddr_storage	ss;
	unsigned		i, max = c->family == AF_INET ? 32 : 128;

	FUZZ_ASSERT(c->family == AF_INET || c->family == AF_INET6);
	FUZZ_ASSERT(c->prefix <= max);
	for (i = c->prefix; i < max; i++)
		FUZZ_ASSERT(!(c->addr[i / 8] & (0x80 >> (i % 8))));
	memset(&ss, 0, sizeof(ss));
	if (c->family == AF_INET) {
		struct sockaddr_in	*s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, c->addr, 4);
	} else {
		struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, c->addr, 16);
	}
	FUZZ_ASSERT(auth_cidr_match(c, (struct sockaddr *)&ss));
}

/* name equals want when '_' counts as '-' (case-insensitive). */
static bool
variant_of(const char *name, const char *want)
{
	size_t	i;

	for (i = 0; name[i] && want[i]; i++) {
		char	a = name[i] == '_' ? '-' : name[i];

		if ((a | 0x20) != (want[i] | 0x20))
			return false;
	}
	return name[i] == want[i];
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*text = xstrndup((const char *)data, size);
	char			*lines[3 + FUZZ_HEADERS], *p = text, *nl;
	struct auth_header	 h[FUZZ_HEADERS];
	struct config		*cfg = config_new_default();
	struct sockaddr_storage	 ss;
	struct dr_error		 e;
	const char		*user, *why;
	size_t			 n = 0, nh = 0, i, exact = 0;
	bool			 trusted = false;
	enum auth_result	 r;

	while (n < sizeof(lines) / sizeof(lines[0])) {
		lines[n++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	if (config_set(cfg, "auth.trusted_proxies", lines[0], "fuzz", &e) ==
	    DR_OK)
		for (i = 0; i < cfg->ntrusted_proxies; i++)
			check_cidr(&cfg->trusted_proxies[i]);
	memset(&ss, 0, sizeof(ss));
	if (n > 1 && inet_pton(AF_INET, lines[1],
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1)
		ss.ss_family = AF_INET;
	else if (n > 1 && inet_pton(AF_INET6, lines[1],
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
		ss.ss_family = AF_INET6;
	for (i = 3; i < n && nh < FUZZ_HEADERS; i++) {
		char	*colon = strchr(lines[i], ':');

		if (colon == NULL)
			continue;
		*colon = '\0';
		h[nh].name = lines[i];
		h[nh].value = colon + 1 + strspn(colon + 1, " ");
		if (strcasecmp(h[nh].name, cfg->auth_header) == 0)
			exact++;
		nh++;
	}
	for (i = 0; i < cfg->ntrusted_proxies; i++)
		trusted |= auth_cidr_match(&cfg->trusted_proxies[i],
		    (struct sockaddr *)&ss);
	r = auth_user(cfg, (struct sockaddr *)&ss, h, nh, &user, &why);
	if (r == AUTH_OK) {
		FUZZ_ASSERT(exact == 1 && trusted && user != NULL);
		FUZZ_ASSERT(user[0] != '\0' && strlen(user) <= AUTH_USER_MAX);
		for (i = 0; user[i]; i++)
			FUZZ_ASSERT((unsigned char)user[i] >= 0x20 &&
			    user[i] != 0x7f);
		/* No header but the one may read as it with '_' for '-'. */
		for (i = 0; i < nh; i++)
			FUZZ_ASSERT(strcasecmp(h[i].name, cfg->auth_header) ==
			    0 || !variant_of(h[i].name, cfg->auth_header));
	} else
		FUZZ_ASSERT(r == AUTH_UNAUTHORIZED && why != NULL &&
		    user == NULL);
	r = auth_origin(cfg, n > 2 ? lines[2] : "POST", h, nh, &why);
	if (r != AUTH_OK) {
		FUZZ_ASSERT(r == AUTH_FORBIDDEN && why != NULL);
		FUZZ_ASSERT(n > 2 && (strcmp(lines[2], "POST") == 0 ||
		    strcmp(lines[2], "PUT") == 0 ||
		    strcmp(lines[2], "PATCH") == 0 ||
		    strcmp(lines[2], "DELETE") == 0));
	}
	config_free(cfg);
	free(text);
	return 0;
}
