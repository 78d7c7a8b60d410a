/*
 * test-catalog: rule application (each kind, disabled rules, several
 * rules, reasons), the best choice (same level first, never a major jump,
 * arch override), status after the rules, the /stacks JSON shape and
 * counts, snapshot persistence and merge, the CLI path
 * (catalog_apply_detect), and the store-rule / store-svc validation, on a
 * real SQLite file.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog.h"
#include "check.h"
#include "store-rule.h"
#include "store-svc.h"
#include "store.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-catalog.XXXXXX";

/* shop/web runs 5.2; candidates highest first within a kind. */
static const char fixture[] =
    "{\"version\":1,\"checked_at\":1764450000000,"
    "\"host\":{\"os\":\"linux\",\"arch\":\"amd64\",\"variant\":null},"
    "\"services\":["
    "{\"stack\":\"shop\",\"name\":\"web\",\"kind\":\"compose\","
    " \"containers\":[\"shop-web-1\",\"shop-web-2\"],"
    " \"image\":\"127.0.0.1:5001/app:5.2\",\"tag\":\"5.2\","
    " \"current_digest\":\"sha256:aa\",\"remote_digest\":null,"
    " \"status\":\"update_available\",\"reason\":null,\"moved\":false,"
    " \"candidates\":["
    "  {\"tag\":\"6.0\",\"digest\":\"sha256:60\",\"kind\":\"major\","
    "   \"same_level\":true,\"arch_match\":true,"
    "   \"platforms\":[\"linux/amd64\",\"linux/aarch64\",\"linux/arm/v7\"]},"
    "  {\"tag\":\"5.5\",\"digest\":\"sha256:55\",\"kind\":\"minor\","
    "   \"same_level\":true,\"arch_match\":false,"
    "   \"platforms\":[\"linux/arm/v7\"]},"
    "  {\"tag\":\"5.4\",\"digest\":\"sha256:54\",\"kind\":\"minor\","
    "   \"same_level\":true,\"arch_match\":true},"
    "  {\"tag\":\"5.3\",\"digest\":\"sha256:53\",\"kind\":\"minor\","
    "   \"same_level\":true,\"arch_match\":true},"
    "  {\"tag\":\"5.2.1\",\"digest\":\"sha256:521\",\"kind\":\"patch\","
    "   \"same_level\":false,\"arch_match\":true}]},"
    "{\"stack\":\"shop\",\"name\":\"cache\",\"kind\":\"compose\","
    " \"containers\":[\"shop-cache-1\"],\"image\":\"redis:latest\","
    " \"current_digest\":\"sha256:r1\",\"remote_digest\":\"sha256:r2\","
    " \"status\":\"update_available\",\"reason\":null,\"moved\":true,"
    " \"candidates\":[]},"
    "{\"stack\":\"_\",\"name\":\"nginx\",\"kind\":\"standalone\","
    " \"containers\":[\"nginx\"],\"image\":\"nginx:1.25\","
    " \"current_digest\":null,\"remote_digest\":null,"
    " \"status\":\"skipped\",\"reason\":\"pinned by digest\","
    " \"moved\":false,\"candidates\":[]}]}";

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static struct catalog_snap *
load_fixture(void)
{
	struct catalog_snap	*s = NULL;
	struct dr_error		 e;
	json_error_t		 je;
	json_t			*j = json_loads(fixture, 0, &je);

	CHECK(j != NULL);
	CHECK_INTEQ(catalog_snap_from_json(j, &s, &e), DR_OK);
	json_decref(j);
	return s;
}

/* The tags of a JSON candidate array, comma-joined. */
static char *
tags_of(const json_t *a)
{
	struct buf	b;
	json_t		*v;
	size_t		i;

	buf_init(&b, 1024);
	json_array_foreach(a, i, v)
		buf_printf(&b, "%s%s", i ? "," : "", json_string_value(
		    json_object_get(v, "tag")));
	return buf_steal(&b);
}

/* A candidate's platforms, space-joined; "null" when null. */
static const char *
plats_of(const json_t *c)
{
	static char	 out[256];
	const json_t	*a = json_object_get(c, "platforms"), *v;
	size_t		 i, n = 0;

	if (json_is_null(a))
		return "null";
	out[0] = '\0';
	json_array_foreach(a, i, v)
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
		    i ? " " : "", json_string_value(v));
	return out;
}

struct rule_in {
	const char	*kind;
	const char	*value;
	const char	*reason;
	bool		 enabled;
};

static const struct {
	const char	*name;
	struct rule_in	 rules[3];
	int		 allow_mismatch;	/* -1 unset */
	const char	*visible;
	const char	*ignored;
	const char	*best;		/* NULL: null */
	const char	*status;
	const char	*first_reason;	/* of ignored[0], NULL: skip */
} cases[] = {
	{ "no rules", { { NULL } }, -1, "6.0,5.5,5.4,5.3,5.2.1", "",
	  "5.4", "update_available", NULL },
	{ "arch override", { { NULL } }, 1, "6.0,5.5,5.4,5.3,5.2.1", "",
	  "5.5", "update_available", NULL },
	{ "exact", { { "exact", "5.4", "broken", true } }, -1,
	  "6.0,5.5,5.3,5.2.1", "5.4", "5.3", "update_available", "broken" },
	{ "prefix", { { "prefix", "5.", NULL, true } }, -1, "6.0",
	  "5.5,5.4,5.3,5.2.1", NULL, "update_available",
	  "ignored by rule * (prefix 5.)" },
	{ "regex", { { "regex", "^5\\.[34]$", "", true } }, -1,
	  "6.0,5.5,5.2.1", "5.4,5.3", NULL, "update_available", NULL },
	{ "semver", { { "semver", ">=5.3", "not yet", true } }, -1, "5.2.1",
	  "6.0,5.5,5.4,5.3", NULL, "update_available", "not yet" },
	{ "disabled", { { "semver", ">=5 <7", "off", false } }, -1,
	  "6.0,5.5,5.4,5.3,5.2.1", "", "5.4", "update_available", NULL },
	{ "all hidden", { { "exact", "6.0", "waiting for 6.1", true },
	  { "semver", "5.*", "hold", true } }, -1, "",
	  "6.0,5.5,5.4,5.3,5.2.1", NULL, "up_to_date", "waiting for 6.1" },
	{ "first rule wins", { { "semver", ">=5.4", "A", true },
	  { "exact", "5.4", "B", true } }, -1, "5.3,5.2.1", "6.0,5.5,5.4",
	  "5.3", "update_available", "A" },
};

static void
test_rules(struct store *st, const struct catalog_snap *snap)
{
	const struct catalog_svc	*web = catalog_snap_find(snap, "shop",
					    "web");
	struct catalog_rules		*b;
	struct store_rule		 r;
	struct store_svc		 set;
	struct store_rule_list		 l;
	struct dr_error			 e;
	json_t				*j, *ig;
	char				*t;
	size_t				 c, k;

	CHECK(web != NULL);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		/* Fresh rules and settings per case. */
		CHECK_INTEQ(store_rule_list(st, "shop", "web", &l, &e), DR_OK);
		for (k = 0; k < l.n; k++)
			CHECK_INTEQ(store_rule_delete(st, l.rules[k].id, &e),
			    DR_OK);
		store_rule_list_done(&l);
		for (k = 0; k < 3 && cases[c].rules[k].kind != NULL; k++) {
			memset(&r, 0, sizeof(r));
			r.stack = "shop";
			r.service = "web";
			CHECK_INTEQ(store_rule_kind_parse(cases[c].rules[k].kind,
			    &r.kind, &e), DR_OK);
			r.value = (char *)cases[c].rules[k].value;
			r.reason = (char *)cases[c].rules[k].reason;
			r.enabled = cases[c].rules[k].enabled;
			CHECK_INTEQ(store_rule_add(st, &r, NULL, &e), DR_OK);
		}
		store_svc_init(&set);
		set.allow_arch_mismatch = cases[c].allow_mismatch == 1 ? 1 : 0;
		CHECK_INTEQ(store_svc_put(st, "shop", "web", &set, &e), DR_OK);
		CHECK_INTEQ(catalog_rules_load(st, &b, &e), DR_OK);
		j = catalog_svc_json(web, b);
		t = tags_of(json_object_get(j, "candidates"));
		CHECK_STREQ(t, cases[c].visible);
		free(t);
		ig = json_object_get(j, "ignored");
		t = tags_of(ig);
		CHECK_STREQ(t, cases[c].ignored);
		free(t);
		CHECK_STREQ(json_string_value(json_object_get(j, "status")),
		    cases[c].status);
		CHECK_STREQ(json_string_value(json_object_get(json_object_get(j,
		    "best"), "tag")), cases[c].best);
		if (cases[c].first_reason != NULL) {
			const char	*got = json_string_value(json_object_get(
			    json_array_get(ig, 0), "reason"));
			const char	*star = strchr(cases[c].first_reason, '*');

			/* "*" stands for the rule id. */
			if (star == NULL)
				CHECK_STREQ(got, cases[c].first_reason);
			else
				CHECK(got != NULL && strncmp(got,
				    cases[c].first_reason, (size_t)(star -
				    cases[c].first_reason)) == 0 &&
				    strstr(got, star + 1) != NULL);
		}
		if (json_array_size(ig) > 0) {
			json_t	*rule = json_object_get(json_array_get(ig, 0),
			    "rule");

			CHECK(json_integer_value(json_object_get(rule, "id")) >
			    0);
			CHECK_STREQ(json_string_value(json_object_get(rule,
			    "kind")), cases[c].rules[0].kind);
			CHECK_STREQ(json_string_value(json_object_get(rule,
			    "value")), cases[c].rules[0].value);
		}
		if (check_failed > 0)
			fprintf(stderr, "  (case %s)\n", cases[c].name);
		json_decref(j);
		catalog_rules_unref(b);
	}
}

static void
test_doc(struct store *st, const struct catalog_snap *snap)
{
	struct catalog_rules	*b = catalog_rules_empty();
	const struct catalog_svc *cache = catalog_snap_find(snap, "shop",
				    "cache");
	json_t			*d, *s0, *x;

	d = catalog_doc(snap, b, NULL);
	CHECK_INTEQ(json_integer_value(json_object_get(d, "checked_at")),
	    1764450000000LL);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(d,
	    "host"), "arch")), "amd64");
	CHECK(json_is_null(json_object_get(json_object_get(d, "host"),
	    "variant")));
	x = json_object_get(d, "counts");
	CHECK_INTEQ(json_integer_value(json_object_get(x, "stacks")), 2);
	CHECK_INTEQ(json_integer_value(json_object_get(x, "services")), 3);
	CHECK_INTEQ(json_integer_value(json_object_get(x, "updates")), 2);
	/* "_" sorts before "shop" (byte order). */
	s0 = json_array_get(json_object_get(d, "stacks"), 0);
	CHECK_STREQ(json_string_value(json_object_get(s0, "name")), "_");
	CHECK_STREQ(json_string_value(json_object_get(s0, "kind")),
	    "standalone");
	x = json_array_get(json_object_get(s0, "services"), 0);
	CHECK_STREQ(json_string_value(json_object_get(x, "status")), "skipped");
	CHECK_STREQ(json_string_value(json_object_get(x, "reason")),
	    "pinned by digest");
	CHECK(json_is_null(json_object_get(x, "best")));
	x = json_object_get(x, "settings");
	CHECK(json_is_true(json_object_get(x, "auto_rollback")));
	CHECK_INTEQ(json_integer_value(json_object_get(x,
	    "health_deadline_s")), 120);
	s0 = json_array_get(json_object_get(d, "stacks"), 1);
	CHECK_STREQ(json_string_value(json_object_get(s0, "kind")), "compose");
	CHECK_INTEQ(json_integer_value(json_object_get(json_object_get(s0,
	    "counts"), "updates")), 2);
	x = json_array_get(json_object_get(s0, "services"), 1);
	CHECK_STREQ(json_string_value(json_object_get(x, "name")), "web");
	CHECK_INTEQ(json_array_size(json_object_get(x, "containers")), 2);
	CHECK_STREQ(json_string_value(json_object_get(x, "tag")), "5.2");
	/* Each candidate's platforms, normalised (aarch64 -> arm64); null
	 * when unknown. */
	s0 = json_object_get(x, "candidates");
	CHECK_STREQ(plats_of(json_array_get(s0, 0)),
	    "linux/amd64 linux/arm64 linux/arm/v7");
	CHECK_STREQ(plats_of(json_array_get(s0, 1)), "linux/arm/v7");
	CHECK_STREQ(plats_of(json_array_get(s0, 2)), "null");
	json_decref(d);

	/* A moved tag: best is the same tag at the new digest. */
	x = catalog_svc_json(cache, b);
	CHECK_STREQ(json_string_value(json_object_get(x, "tag")), "latest");
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(x,
	    "best"), "digest")), "sha256:r2");
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(x,
	    "best"), "kind")), "digest");
	json_decref(x);

	d = catalog_doc(snap, b, "shop");
	CHECK_STREQ(json_string_value(json_object_get(d, "name")), "shop");
	json_decref(d);
	CHECK(catalog_doc(snap, b, "nope") == NULL);
	catalog_rules_unref(b);
}

static bool
scope_web(const char *stack, const char *name, void *arg)
{
	return strcmp(stack, "shop") == 0 && strcmp(name, "web") == 0;
}

static void
test_persist_merge(struct store *st, struct catalog_snap *snap)
{
	struct catalog_snap	*back = NULL, *part, *m;
	struct dr_error		 e;
	json_t			*a, *b;

	/* Nothing stored yet: an empty, never-checked snapshot. */
	CHECK_INTEQ(catalog_snap_load(st, &back, &e), DR_OK);
	CHECK(back != NULL && back->nsvcs == 0 && back->checked_at == 0);
	catalog_snap_unref(back);
	CHECK_INTEQ(catalog_snap_save(st, snap, &e), DR_OK);
	CHECK_INTEQ(catalog_snap_load(st, &back, &e), DR_OK);
	a = catalog_snap_to_json(snap);
	b = catalog_snap_to_json(back);
	CHECK(json_equal(a, b));
	json_decref(a);
	json_decref(b);

	/* A service-scoped check: web replaced, the rest kept; a service
	 * gone from the scope's result disappears. */
	part = catalog_snap_new();
	part->checked_at = 2;
	part->host = snap->host;
	m = catalog_snap_merge(snap, part, scope_web, NULL);
	CHECK_INTEQ(m->nsvcs, 2);
	CHECK(catalog_snap_find(m, "shop", "web") == NULL);
	CHECK(catalog_snap_find(m, "shop", "cache") != NULL);
	CHECK_INTEQ(m->checked_at, 2);
	catalog_snap_unref(m);
	/* A scoped check's result lists the others too (not asked): they
	 * must not replace what old knows. */
	m = catalog_snap_merge(snap, back, scope_web, NULL);
	CHECK_INTEQ(m->nsvcs, 3);
	catalog_snap_unref(m);
	m = catalog_snap_merge(part, back, scope_web, NULL);
	CHECK_INTEQ(m->nsvcs, 1);
	CHECK(catalog_snap_find(m, "shop", "web") != NULL);
	CHECK_INTEQ(catalog_snap_find(m, "shop", "web")->ncands, 5);
	catalog_snap_unref(m);
	catalog_snap_unref(part);
	catalog_snap_unref(back);
}

static void
test_bad_snapshots(void)
{
	static const char *const bad[] = {
		"[]",
		"{\"version\":2,\"services\":[]}",
		"{\"version\":1}",
		"{\"version\":1,\"services\":[{\"stack\":\"a\"}]}",
		"{\"version\":1,\"services\":[{\"stack\":\"a\",\"name\":\"b\","
		"\"image\":\"x\",\"kind\":\"pod\",\"status\":\"up_to_date\"}]}",
		"{\"version\":1,\"services\":[{\"stack\":\"a\",\"name\":\"b\","
		"\"image\":\"x\",\"kind\":\"compose\",\"status\":\"up_to_date\","
		"\"candidates\":[{\"tag\":\"1\",\"kind\":\"huge\","
		"\"same_level\":true}]}]}",
#define BAD_PLATFORMS(p) \
		"{\"version\":1,\"services\":[{\"stack\":\"a\",\"name\":\"b\"," \
		"\"image\":\"x\",\"kind\":\"compose\",\"status\":\"up_to_date\"," \
		"\"candidates\":[{\"tag\":\"1\",\"kind\":\"major\"," \
		"\"same_level\":true,\"platforms\":" p "}]}]}"
		BAD_PLATFORMS("\"linux/amd64\""),
		BAD_PLATFORMS("[]"),
		BAD_PLATFORMS("[\"linux\"]"),
		BAD_PLATFORMS("[\"linux/amd64,linux/arm64\"]"),
		BAD_PLATFORMS("[\"linux/amd64\",7]"),
#undef BAD_PLATFORMS
	};
	struct catalog_snap	*s;
	struct dr_error		 e;
	json_t			*j;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = json_loads(bad[i], 0, NULL);
		CHECK(j != NULL);
		CHECK_INTEQ(catalog_snap_from_json(j, &s, &e), DR_EINVAL);
		CHECK(s == NULL);
		json_decref(j);
	}
}

static void
test_store_validation(struct store *st)
{
	struct store_rule	 r = { 0 }, *got = NULL;
	struct store_rule_patch	 p = { 0 };
	struct store_svc	 set, back;
	struct dr_error		 e;
	enum ignore_kind	 k;
	int64_t			 id;

	CHECK_INTEQ(store_rule_kind_parse("glob", &k, &e), DR_EINVAL);
	CHECK_INTEQ(store_rule_kind_parse("range", &k, &e), DR_OK);
	CHECK_INTEQ(k, IGNORE_RANGE);
	r.stack = "shop";
	r.service = "api";
	r.kind = IGNORE_REGEX;
	r.value = "(unclosed";
	r.enabled = true;
	CHECK_INTEQ(store_rule_add(st, &r, &id, &e), DR_EINVAL);
	CHECK(strstr(e.msg, "regex") != NULL || strstr(e.msg, "parenth") !=
	    NULL || strlen(e.msg) > 0);
	r.kind = IGNORE_RANGE;
	r.value = ">=6 <<7";
	CHECK_INTEQ(store_rule_add(st, &r, &id, &e), DR_EINVAL);
	r.value = "";
	CHECK_INTEQ(store_rule_add(st, &r, &id, &e), DR_EINVAL);
	r.value = ">=6";
	r.service = "";
	CHECK_INTEQ(store_rule_add(st, &r, &id, &e), DR_EINVAL);
	r.service = "api";
	CHECK_INTEQ(store_rule_add(st, &r, &id, &e), DR_OK);
	CHECK(id > 0);

	/* A patch is validated as a whole: ">=6" is no exact tag. */
	p.has_kind = true;
	p.kind = IGNORE_EXACT;
	CHECK_INTEQ(store_rule_update(st, id, &p, &e), DR_EINVAL);
	p.has_value = true;
	p.value = "bad tag\n";
	CHECK_INTEQ(store_rule_update(st, id, &p, &e), DR_EINVAL);
	p.value = "6.0";
	p.has_enabled = true;
	p.enabled = false;
	CHECK_INTEQ(store_rule_update(st, id, &p, &e), DR_OK);
	CHECK_INTEQ(store_rule_get(st, id, &got, &e), DR_OK);
	CHECK(got != NULL && got->kind == IGNORE_EXACT && !got->enabled);
	CHECK_STREQ(got ? got->value : NULL, "6.0");
	CHECK(got != NULL && got->updated_at >= got->created_at);
	store_rule_free(got);
	CHECK_INTEQ(store_rule_update(st, 99999, &p, &e), DR_ENOTFOUND);
	CHECK_INTEQ(store_rule_delete(st, id, &e), DR_OK);
	CHECK_INTEQ(store_rule_delete(st, id, &e), DR_ENOTFOUND);
	CHECK_INTEQ(store_rule_get(st, id, &got, &e), DR_ENOTFOUND);

	/* Settings: ranges, merge of partial puts. */
	store_svc_init(&set);
	set.health_deadline_s = 0;
	CHECK_INTEQ(store_svc_put(st, "shop", "api", &set, &e), DR_EINVAL);
	set.health_deadline_s = 3601;
	CHECK_INTEQ(store_svc_put(st, "shop", "api", &set, &e), DR_EINVAL);
	set.health_deadline_s = -1;
	set.settle_s = 601;
	CHECK_INTEQ(store_svc_put(st, "shop", "api", &set, &e), DR_EINVAL);
	set.settle_s = 0;
	CHECK_INTEQ(store_svc_put(st, "shop", "api", &set, &e), DR_OK);
	store_svc_init(&set);
	set.auto_rollback = 0;
	set.health_deadline_s = 30;
	CHECK_INTEQ(store_svc_put(st, "shop", "api", &set, &e), DR_OK);
	CHECK_INTEQ(store_svc_get(st, "shop", "api", &back, &e), DR_OK);
	CHECK_INTEQ(back.settle_s, 0);
	CHECK_INTEQ(back.auto_rollback, 0);
	CHECK_INTEQ(back.health_deadline_s, 30);
	CHECK_INTEQ(back.allow_arch_mismatch, -1);
	CHECK_INTEQ(store_svc_get(st, "shop", "none", &back, &e), DR_OK);
	CHECK_INTEQ(back.settle_s, -1);
}

/* Docker events: the snapshot follows what runs without a re-check. */
static void
test_follow(const struct catalog_snap *snap)
{
	struct inv_container	 c[4];
	struct inventory	 inv = { 0 };
	struct catalog_snap	*s;
	json_t			*labels = json_object();
	char			*fresh[4];
	size_t			 n, i;
	bool			 more, changed;

	memset(c, 0, sizeof(c));
	for (i = 0; i < 4; i++) {
		c[i].labels = labels;
		c[i].image = "127.0.0.1:5001/app:5.2";
	}
	/* shop/web lost a replica, shop/cache and nginx are gone,
	 * shop/db and a standalone "solo" are new. */
	c[0].name = "shop-web-1", c[0].kind = INV_COMPOSE;
	c[0].stack = "shop", c[0].service = "web";
	c[1].name = "shop-db-1", c[1].kind = INV_COMPOSE;
	c[1].stack = "shop", c[1].service = "db";
	c[2].name = "shop-db-2", c[2].kind = INV_COMPOSE;
	c[2].stack = "shop", c[2].service = "db";
	c[3].name = "solo", c[3].kind = INV_STANDALONE;
	inv.containers = c;
	inv.ncontainers = 4;
	s = catalog_snap_follow(snap, &inv, fresh, 4, &n, &more, &changed);
	CHECK(changed);
	CHECK(!more);
	CHECK_INTEQ(s->nsvcs, 1);
	CHECK(catalog_snap_find(s, "shop", "web") != NULL &&
	    catalog_snap_find(s, "shop", "web")->ncontainers == 1);
	CHECK(catalog_snap_find(s, "shop", "cache") == NULL);
	CHECK_INTEQ(n, 2);
	CHECK_STREQ(n > 0 ? fresh[0] : NULL, "shop/db");
	CHECK_STREQ(n > 1 ? fresh[1] : NULL, "_/solo");
	for (i = 0; i < n; i++)
		free(fresh[i]);
	catalog_snap_unref(s);
	/* One slot only: the rest is "more" (a full check). */
	s = catalog_snap_follow(snap, &inv, fresh, 1, &n, &more, &changed);
	CHECK_INTEQ(n, 1);
	CHECK(more);
	free(fresh[0]);
	catalog_snap_unref(s);
	/* An update ran: web runs another image, so it is checked again. */
	c[0].image = "127.0.0.1:5001/app:5.3";
	s = catalog_snap_follow(snap, &inv, fresh, 4, &n, &more, &changed);
	CHECK_INTEQ(n, 3);
	CHECK_STREQ(n > 0 ? fresh[0] : NULL, "shop/web");
	CHECK(catalog_snap_find(s, "shop", "web") != NULL);
	for (i = 0; i < n; i++)
		free(fresh[i]);
	catalog_snap_unref(s);
	json_decref(labels);
}

/* The CLI path: a detect result with rules applied in place. */
static void
test_apply_detect(struct store *st)
{
	struct inv_container	 ctr = { 0 };
	struct detect_result	 res = { 0 };
	struct detect_item	 it = { 0 };
	struct catalog_rules	*b;
	struct store_rule	 r = { 0 };
	struct dr_error		 e;
	json_t			*labels = json_object(), *j, *x;
	static const char *const tags[] = { "2.0", "1.5", "1.4" };
	size_t			 k;

	ctr.name = "solo";
	ctr.image = "127.0.0.1:5001/solo:1.3";
	ctr.kind = INV_STANDALONE;
	ctr.labels = labels;
	it.c = &ctr;
	it.status = DETECT_UPDATE_AVAILABLE;
	for (k = 0; k < 3; k++) {
		it.cands[k].tag = xstrdup(tags[k]);
		it.cands[k].digest = xstrdup("sha256:x");
		it.cands[k].kind = k == 0 ? VERSION_MAJOR : VERSION_MINOR;
		it.cands[k].same_level = true;
		it.cands[k].arch = DETECT_ARCH_MATCH;
	}
	it.ncands = 3;
	res.items = &it;
	res.nitems = 1;
	r.stack = "_";
	r.service = "solo";
	r.kind = IGNORE_RANGE;
	r.value = "^1.5";
	r.reason = "1.5 leaks";
	r.enabled = true;
	CHECK_INTEQ(store_rule_add(st, &r, NULL, &e), DR_OK);
	CHECK_INTEQ(catalog_rules_load(st, &b, &e), DR_OK);
	catalog_apply_detect(b, &res);
	CHECK_INTEQ(it.ncands, 2);
	CHECK_INTEQ(it.nignored, 1);
	CHECK_STREQ(it.ignored[0].cand.tag, "1.5");
	CHECK_STREQ(it.ignored[0].reason, "1.5 leaks");
	CHECK_STREQ(it.ignored[0].rule_kind, "semver");
	CHECK_INTEQ(detect_best(it.cands, it.ncands, false), 1);
	CHECK_STREQ(it.cands[1].tag, "1.4");
	j = detect_result_json(&res);
	x = json_array_get(json_object_get(j, "items"), 0);
	CHECK_INTEQ(json_array_size(json_object_get(x, "candidates")), 2);
	x = json_array_get(json_object_get(x, "ignored"), 0);
	CHECK_STREQ(json_string_value(json_object_get(x, "tag")), "1.5");
	CHECK_STREQ(json_string_value(json_object_get(x, "reason")),
	    "1.5 leaks");
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(x,
	    "rule"), "value")), "^1.5");
	json_decref(j);
	/* Everything hidden: up to date. */
	detect_ignore(&it, 0, 7, "exact", "2.0", NULL);
	detect_ignore(&it, 0, 7, "exact", "1.4", NULL);
	CHECK_INTEQ(it.status, DETECT_UP_TO_DATE);
	for (k = 0; k < it.nignored; k++) {
		free(it.ignored[k].cand.tag);
		free(it.ignored[k].cand.digest);
		free(it.ignored[k].rule_kind);
		free(it.ignored[k].rule_value);
		free(it.ignored[k].reason);
	}
	catalog_rules_unref(b);
	json_decref(labels);
}

int
main(void)
{
	struct catalog_snap	*snap;
	struct store		*st = NULL;
	struct dr_error		 e;
	char			*path;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	path = xasprintf("%s/dockrev.db", tmpdir);
	CHECK_INTEQ(store_open(path, &st, &e), DR_OK);
	snap = load_fixture();
	if (st != NULL && snap != NULL) {
		test_rules(st, snap);
		test_doc(st, snap);
		test_persist_merge(st, snap);
		test_bad_snapshots();
		test_follow(snap);
		test_store_validation(st);
		test_apply_detect(st);
	}
	catalog_snap_unref(snap);
	store_close(st);
	free(path);
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return check_summary("catalog");
}
