/*
 * test-httphdr: WWW-Authenticate challenges and Link rel="next" resolution.
 */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "httphdr.h"

static const struct {
	const char		*value;
	enum dr_err		 rc;
	enum httphdr_scheme	 scheme;
	const char		*realm, *service, *scope, *error;
} challenge_cases[] = {
	/* Docker Hub as it answers. */
	{ "Bearer realm=\"https://auth.docker.io/token\","
	  "service=\"registry.docker.io\","
	  "scope=\"repository:library/nginx:pull\"", DR_OK,
	  HTTPHDR_SCHEME_BEARER, "https://auth.docker.io/token",
	  "registry.docker.io", "repository:library/nginx:pull", NULL },
	/* Params in any order and case, spaces around '=' and ','. */
	{ "bearer SCOPE = \"repository:a/b:pull,push\" ,  Service=reg ,"
	  "REALM=\"http://127.0.0.1:5001/token\"", DR_OK,
	  HTTPHDR_SCHEME_BEARER, "http://127.0.0.1:5001/token", "reg",
	  "repository:a/b:pull,push", NULL },
	{ "Bearer realm=\"r\",error=\"insufficient_scope\","
	  "scope=\"repository:x:pull repository:y:pull\"", DR_OK,
	  HTTPHDR_SCHEME_BEARER, "r", NULL,
	  "repository:x:pull repository:y:pull", "insufficient_scope" },
	/* Escapes in quoted strings. */
	{ "Bearer realm=\"a\\\"b\\\\c\\d\"", DR_OK, HTTPHDR_SCHEME_BEARER,
	  "a\"b\\cd", NULL, NULL, NULL },
	{ "Basic realm=\"Registry Realm\"", DR_OK, HTTPHDR_SCHEME_BASIC,
	  "Registry Realm", NULL, NULL, NULL },
	{ "Basic", DR_OK, HTTPHDR_SCHEME_BASIC, NULL, NULL, NULL, NULL },
	/* Several challenges: Bearer wins wherever it is. */
	{ "Basic realm=\"b\", Bearer realm=\"t\",service=\"s\"", DR_OK,
	  HTTPHDR_SCHEME_BEARER, "t", "s", NULL, NULL },
	{ "Bearer realm=\"t\", Basic realm=\"b\"", DR_OK,
	  HTTPHDR_SCHEME_BEARER, "t", NULL, NULL, NULL },
	{ "Negotiate, Digest realm=\"d\", nonce=\"n\", Basic realm=\"b\"",
	  DR_OK, HTTPHDR_SCHEME_BASIC, "b", NULL, NULL, NULL },
	{ "Newauth abc123==, Basic realm=\"b\"", DR_OK, HTTPHDR_SCHEME_BASIC,
	  "b", NULL, NULL, NULL },
	{ ",, Bearer realm=\"t\",,", DR_OK, HTTPHDR_SCHEME_BEARER, "t", NULL,
	  NULL, NULL },
	{ "Bearer realm=\"with, comma\"", DR_OK, HTTPHDR_SCHEME_BEARER,
	  "with, comma", NULL, NULL, NULL },
	{ "Bearer realm=\"\"", DR_OK, HTTPHDR_SCHEME_BEARER, "", NULL, NULL,
	  NULL },
	/* Unknown params are ignored. */
	{ "Bearer realm=\"t\", error_description=\"x\", foo=bar", DR_OK,
	  HTTPHDR_SCHEME_BEARER, "t", NULL, NULL, NULL },
	/* Failures. */
	{ "", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Negotiate", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Digest realm=\"x\"", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"unterminated", DR_EINVAL, 0, NULL, NULL, NULL,
	  NULL },
	{ "Bearer realm=\"a\\", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"a\x01\"", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"a\nb\"", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"a\" junk", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Bearer realm=\"a\",realm=\"b\"", DR_EINVAL, 0, NULL, NULL, NULL,
	  NULL },
	/* By the grammar this is a token68, not an empty realm. */
	{ "Bearer realm=", DR_OK, HTTPHDR_SCHEME_BEARER, NULL, NULL, NULL,
	  NULL },
	{ "Bearer realm==\"x\"", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "\"Bearer\" realm=\"a\"", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Bearer;realm=\"a\"", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
	{ "Bearer abc def", DR_EINVAL, 0, NULL, NULL, NULL, NULL },
};

static void
test_challenges(void)
{
	struct httphdr_challenge	ch;
	struct dr_error			err;
	enum dr_err			rc;
	size_t				i;

	for (i = 0; i < sizeof(challenge_cases) / sizeof(challenge_cases[0]);
	    i++) {
		const char	*v = challenge_cases[i].value;

		dr_error_clear(&err);
		rc = httphdr_challenge_parse(span_str(v), &ch, &err);
		if (rc != challenge_cases[i].rc)
			fprintf(stderr, "case %zu: %s: %s\n", i, v, err.msg);
		CHECK_INTEQ(rc, challenge_cases[i].rc);
		if (rc == DR_OK) {
			CHECK_INTEQ(ch.scheme, challenge_cases[i].scheme);
			CHECK_STREQ(ch.realm, challenge_cases[i].realm);
			CHECK_STREQ(ch.service, challenge_cases[i].service);
			CHECK_STREQ(ch.scope, challenge_cases[i].scope);
			CHECK_STREQ(ch.error, challenge_cases[i].error);
		} else {
			CHECK(ch.realm == NULL && ch.service == NULL &&
			    ch.scope == NULL && ch.error == NULL);
			CHECK(err.msg[0] != '\0');
		}
		httphdr_challenge_done(&ch);
	}
}

static void
test_challenge_limits(void)
{
	struct httphdr_challenge	 ch;
	char				*big;
	size_t				 n = HTTPHDR_VALUE_MAX + 1;

	big = malloc(n + 1);
	memset(big, 'a', n);
	memcpy(big, "Bearer realm=\"", 14);
	big[n - 1] = '"';
	big[n] = '\0';
	CHECK_INTEQ(httphdr_challenge_parse(span_make(big, n), &ch, NULL),
	    DR_ETOOBIG);
	/* Exactly at the limit is fine. */
	big[n - 2] = '"';
	CHECK_INTEQ(httphdr_challenge_parse(span_make(big, n - 1), &ch, NULL),
	    DR_OK);
	CHECK_INTEQ(strlen(ch.realm), n - 1 - 15);
	httphdr_challenge_done(&ch);
	httphdr_challenge_done(NULL);
	free(big);

	/* A NUL byte inside is not a terminator. */
	CHECK_INTEQ(httphdr_challenge_parse(
	    span_make("Bearer realm=\"a\0b\"", 18), &ch, NULL), DR_EINVAL);
}

static const struct {
	const char	*value;
	const char	*base;
	enum dr_err	 rc;
	const char	*url;
} link_cases[] = {
	/* distribution's tag list pagination. */
	{ "</v2/app/tags/list?last=5.2&n=100>; rel=\"next\"",
	  "http://127.0.0.1:5000/v2/app/tags/list?n=100", DR_OK,
	  "http://127.0.0.1:5000/v2/app/tags/list?last=5.2&n=100" },
	{ "</v2/library/nginx/tags/list?last=1.25&n=50>; rel=next",
	  "https://registry-1.docker.io/v2/library/nginx/tags/list", DR_OK,
	  "https://registry-1.docker.io/v2/library/nginx/tags/list"
	  "?last=1.25&n=50" },
	/* "?q" keeps the base path, replaces the query. */
	{ "<?last=b&n=2>; rel=\"next\"", "https://h/v2/a/tags/list?n=2",
	  DR_OK, "https://h/v2/a/tags/list?last=b&n=2" },
	/* Absolute targets are taken as they are. */
	{ "<https://other.example:8443/v2/a/tags/list?last=x>; rel=\"next\"",
	  "http://h/v2/a/tags/list", DR_OK,
	  "https://other.example:8443/v2/a/tags/list?last=x" },
	{ "<HTTP://h2/p>; rel=next", "https://h/x", DR_OK, "HTTP://h2/p" },
	/* Network-path reference takes the base's scheme. */
	{ "<//h2/p?q>; rel=next", "https://h/x", DR_OK, "https://h2/p?q" },
	/* Relative path merges with the base directory, dots removed. */
	{ "<list?last=z>; rel=next", "http://h/v2/a/tags/list?n=1", DR_OK,
	  "http://h/v2/a/tags/list?last=z" },
	{ "<../../b/tags/list>; rel=next", "http://h/v2/a/tags/list", DR_OK,
	  "http://h/v2/b/tags/list" },
	{ "</a/./b/../c>; rel=next", "http://h/", DR_OK, "http://h/a/c" },
	{ "</../../x>; rel=next", "http://h/", DR_OK, "http://h/x" },
	{ "</a/..>; rel=next", "http://h/", DR_OK, "http://h/" },
	/* Fragments are dropped: they are never sent. */
	{ "</p?q#frag>; rel=next", "http://h/", DR_OK, "http://h/p?q" },
	/* Several links; rel lists; quoted and token rel; any case. */
	{ "</first>; rel=\"first\", </v2/n?last=3>; rel=\"next last\"",
	  "http://h/v2/n", DR_OK, "http://h/v2/n?last=3" },
	{ "</p>; rel=\"prev\"; title=\"a, b; c\", </n>; REL=NEXT",
	  "http://h/", DR_OK, "http://h/n" },
	{ "</a,b>; rel=prev, </n>; anchor=\"x\"; rel=\"last  next\"",
	  "http://h/", DR_OK, "http://h/n" },
	{ "</n>;rel=next;type=\"text/plain\"", "http://h/", DR_OK,
	  "http://h/n" },
	/* Only the first rel counts (RFC 8288 3.3). */
	{ "</a>; rel=prev; rel=next, </b>; rel=next", "http://h/", DR_OK,
	  "http://h/b" },
	/* A bad target in a link that is not "next" does not matter. */
	{ "<bad target>; rel=prev, </n>; rel=next", "http://h/", DR_OK,
	  "http://h/n" },
	/* No next. */
	{ "", "http://h/", DR_ENOTFOUND, NULL },
	{ "</p>; rel=\"prev\"", "http://h/", DR_ENOTFOUND, NULL },
	{ "</p>; rel=\"nextpage\"", "http://h/", DR_ENOTFOUND, NULL },
	{ "</p>", "http://h/", DR_ENOTFOUND, NULL },
	/* Malformed. */
	{ "/p; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p> rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p>; rel=\"next", "http://h/", DR_EINVAL, NULL },
	{ "</p q>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p\tq>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p\x7fq>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p\xc3\xa9>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p\"q>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "<>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "<#top>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "<ftp://h/p>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "<javascript:alert(1)>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "<http:///p>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "<http://user:pw@evil/p>; rel=next", "http://h/", DR_EINVAL, NULL },
	{ "</p>; rel=next", "h/v2", DR_EINVAL, NULL },
	{ "</p>; rel=next", "file:///etc", DR_EINVAL, NULL },
};

static void
test_links(void)
{
	struct dr_error	 err;
	enum dr_err	 rc;
	char		*url;
	size_t		 i;

	for (i = 0; i < sizeof(link_cases) / sizeof(link_cases[0]); i++) {
		dr_error_clear(&err);
		url = (char *)1;
		rc = httphdr_link_next(span_str(link_cases[i].value),
		    link_cases[i].base, &url, &err);
		if (rc != link_cases[i].rc)
			fprintf(stderr, "case %zu: %s: %s\n", i,
			    link_cases[i].value, err.msg);
		CHECK_INTEQ(rc, link_cases[i].rc);
		CHECK_STREQ(url, link_cases[i].url);
		if (rc != DR_OK)
			CHECK(err.msg[0] != '\0');
		free(url);
	}
}

static void
test_link_limits(void)
{
	char	*big, *url;
	size_t	 n = HTTPHDR_VALUE_MAX + 1;

	big = malloc(n);
	memset(big, 'a', n);
	big[0] = '<';
	memcpy(big + n - 12, ">; rel=next", 11);
	big[n - 1] = ' ';
	CHECK_INTEQ(httphdr_link_next(span_make(big, n), "http://h/", &url,
	    NULL), DR_ETOOBIG);
	CHECK(url == NULL);
	CHECK_INTEQ(httphdr_link_next(span_make(big, n - 1), "http://h/",
	    &url, NULL), DR_OK);
	CHECK(url != NULL && strlen(url) == strlen("http://h/") + n - 13);
	free(url);
	free(big);

	/* NUL inside the value. */
	CHECK_INTEQ(httphdr_link_next(span_make("</a\0b>; rel=next", 16),
	    "http://h/", &url, NULL), DR_EINVAL);
}

int
main(void)
{
	test_challenges();
	test_challenge_limits();
	test_links();
	test_link_limits();
	return check_summary("httphdr");
}
