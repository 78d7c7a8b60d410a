/*
 * test-store-audit: appending, listing in keyset pages, the export
 * document's shape (parsed back with jansson), bytes that are not UTF-8
 * still exporting as valid JSON, size limits, and pruning.
 */
#include <sys/stat.h>

#include <ftw.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "store-audit.h"
#include "store.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-store-audit.XXXXXX";

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void
test_add_list(struct store *s)
{
	struct store_audit_list		l;
	struct store_audit_filter	f;
	struct store_audit_spec		a = {
		.actor = "ann",
		.trigger = STORE_TRIGGER_API,
		.origin = "192.0.2.7",
		.action = "update",
		.target = "shop/web",
		.params = "{\"to\":\"1.2.3\",\"dry_run\":false}",
		.result = STORE_AUDIT_OK,
		.summary = "job 7 queued",
		.job_id = 7,
	};
	struct dr_error			e;
	int64_t				id, first = 0, before;
	size_t				i, seen;

	for (i = 0; i < 25; i++) {
		CHECK_INTEQ(store_audit_add(s, &a, &id, &e), DR_OK);
		CHECK(id > first);
		if (first == 0)
			first = id;
	}
	a.origin = NULL;
	a.target = NULL;
	a.params = NULL;
	a.summary = NULL;
	a.job_id = 0;
	a.actor = "scheduler";
	a.trigger = STORE_TRIGGER_SCHEDULE;
	a.action = "check";
	a.result = STORE_AUDIT_DENIED;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_OK);

	CHECK_INTEQ(store_audit_list(s, NULL, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 26);
	CHECK(!l.more);
	if (l.n == 26) {
		CHECK_STREQ(l.entries[0].actor, "scheduler");
		CHECK_INTEQ(l.entries[0].trigger, STORE_TRIGGER_SCHEDULE);
		CHECK(l.entries[0].origin == NULL);
		CHECK(l.entries[0].target == NULL);
		CHECK_STREQ(l.entries[0].params, "{}");
		CHECK_INTEQ(l.entries[0].result, STORE_AUDIT_DENIED);
		CHECK_INTEQ(l.entries[0].job_id, 0);
		CHECK_STREQ(l.entries[1].origin, "192.0.2.7");
		CHECK_STREQ(l.entries[1].summary, "job 7 queued");
		CHECK_INTEQ(l.entries[1].job_id, 7);
		CHECK(l.entries[1].ts > 0);
	}
	store_audit_list_done(&l);

	memset(&f, 0, sizeof(f));
	f.limit = 10;
	seen = 0;
	before = 0;
	for (i = 0; i < 4; i++) {
		f.before_id = before;
		CHECK_INTEQ(store_audit_list(s, &f, &l, &e), DR_OK);
		seen += l.n;
		before = l.next_before;
		if (!l.more) {
			store_audit_list_done(&l);
			break;
		}
		CHECK_INTEQ(l.n, 10);
		store_audit_list_done(&l);
	}
	CHECK_INTEQ(seen, 26);
	CHECK_INTEQ(i, 2);

	memset(&f, 0, sizeof(f));
	f.since_ms = store_now_ms() + 3600 * 1000;
	CHECK_INTEQ(store_audit_list(s, &f, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 0);
	store_audit_list_done(&l);
	f.since_ms = 0;
	f.until_ms = 1;
	CHECK_INTEQ(store_audit_list(s, &f, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 0);
	store_audit_list_done(&l);
	store_audit_list_done(NULL);
}

static void
test_export(struct store *s)
{
	struct buf	 b;
	struct dr_error	 e;
	json_error_t	 jerr;
	json_t		*doc, *entries, *x;
	size_t		 n;

	buf_init(&b, 16 * 1024 * 1024);
	CHECK_INTEQ(store_audit_export(s, 0, 0, &b, &e), DR_OK);
	doc = json_loads(buf_str(&b), 0, &jerr);
	CHECK(doc != NULL);
	CHECK(json_is_object(doc));
	CHECK_STREQ(json_string_value(json_object_get(doc, "format")),
	    "dockrev-audit");
	CHECK_INTEQ(json_integer_value(json_object_get(doc, "version")),
	    STORE_AUDIT_EXPORT_VERSION);
	CHECK(json_integer_value(json_object_get(doc, "exported_at")) >
	    1600000000000LL);
	entries = json_object_get(doc, "entries");
	CHECK(json_is_array(entries));
	n = json_array_size(entries);
	CHECK_INTEQ(n, 26);
	/* Oldest first; every key present, with its type. */
	x = json_array_get(entries, 0);
	CHECK_INTEQ(json_object_size(x), 12);
	CHECK(json_is_integer(json_object_get(x, "id")));
	CHECK(json_is_integer(json_object_get(x, "ts")));
	CHECK(json_is_string(json_object_get(x, "time")));
	CHECK_INTEQ(strlen(json_string_value(json_object_get(x, "time"))),
	    24);
	CHECK(json_string_value(json_object_get(x, "time")) != NULL &&
	    json_string_value(json_object_get(x, "time"))[23] == 'Z');
	CHECK_STREQ(json_string_value(json_object_get(x, "actor")), "ann");
	CHECK_STREQ(json_string_value(json_object_get(x, "trigger")), "api");
	CHECK_STREQ(json_string_value(json_object_get(x, "origin")),
	    "192.0.2.7");
	CHECK_STREQ(json_string_value(json_object_get(x, "action")),
	    "update");
	CHECK_STREQ(json_string_value(json_object_get(x, "target")),
	    "shop/web");
	CHECK(json_is_object(json_object_get(x, "params")));
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(x,
	    "params"), "to")), "1.2.3");
	CHECK(json_is_false(json_object_get(json_object_get(x, "params"),
	    "dry_run")));
	CHECK_STREQ(json_string_value(json_object_get(x, "result")), "ok");
	CHECK_STREQ(json_string_value(json_object_get(x, "summary")),
	    "job 7 queued");
	CHECK_INTEQ(json_integer_value(json_object_get(x, "job_id")), 7);
	x = json_array_get(entries, n - 1);
	CHECK(json_is_null(json_object_get(x, "origin")));
	CHECK(json_is_null(json_object_get(x, "target")));
	CHECK(json_is_null(json_object_get(x, "summary")));
	CHECK(json_is_null(json_object_get(x, "job_id")));
	CHECK_INTEQ(json_object_size(json_object_get(x, "params")), 0);
	CHECK_STREQ(json_string_value(json_object_get(x, "result")),
	    "denied");
	CHECK(json_integer_value(json_object_get(json_array_get(entries, 0),
	    "id")) < json_integer_value(json_object_get(x, "id")));
	json_decref(doc);

	/* A window with nothing: an empty, valid document. */
	buf_reset(&b);
	CHECK_INTEQ(store_audit_export(s, store_now_ms() + 3600 * 1000, 0, &b,
	    &e), DR_OK);
	doc = json_loads(buf_str(&b), 0, &jerr);
	CHECK(doc != NULL);
	CHECK_INTEQ(json_array_size(json_object_get(doc, "entries")), 0);
	json_decref(doc);

	/* A buffer too small for it. */
	buf_done(&b);
	buf_init(&b, 1000);
	CHECK_INTEQ(store_audit_export(s, 0, 0, &b, &e), DR_ETOOBIG);
	buf_done(&b);
}

static void
test_hostile(struct store *s)
{
	struct store_audit_spec	 a = {
		.trigger = STORE_TRIGGER_WEBHOOK,
		.action = "update",
		.result = STORE_AUDIT_FAILED,
	};
	struct store_audit_list	 l;
	struct dr_error		 e;
	struct buf		 b;
	json_t			*doc, *x;
	char			 bin[256], *big;
	const char		*actor;
	size_t			 i, n;

	for (i = 1; i < 256; i++)
		bin[i - 1] = (char)i;
	bin[255] = '\0';
	a.actor = bin;
	a.origin = "'; DROP TABLE audit; --";
	a.target = "\xff\xfe bad \xc0\xaf overlong \xed\xa0\x80 surrogate";
	a.summary = "\"quoted\" \\ and\nnewline";
	a.params = "{\"evil\":\"'); DELETE FROM audit; --\"}";
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_OK);
	CHECK_INTEQ(store_audit_list(s, NULL, &l, &e), DR_OK);
	CHECK(l.n > 0);
	if (l.n > 0) {
		CHECK_STREQ(l.entries[0].actor, bin);
		CHECK_STREQ(l.entries[0].origin, a.origin);
		CHECK_STREQ(l.entries[0].target, a.target);
		CHECK_STREQ(l.entries[0].summary, a.summary);
		CHECK_STREQ(l.entries[0].params, a.params);
		/* The entry's JSON is valid even for raw bytes. */
		x = store_audit_entry_json(&l.entries[0]);
		actor = json_string_value(json_object_get(x, "actor"));
		CHECK(actor != NULL && strstr(actor, "\xef\xbf\xbd") != NULL);
		CHECK(actor != NULL && strncmp(actor, bin, 127) == 0);
		CHECK(json_string_value(json_object_get(x, "target")) != NULL);
		json_decref(x);
	}
	n = l.n;
	store_audit_list_done(&l);
	buf_init(&b, 16 * 1024 * 1024);
	CHECK_INTEQ(store_audit_export(s, 0, 0, &b, &e), DR_OK);
	doc = json_loads(buf_str(&b), 0, NULL);
	CHECK(doc != NULL);
	x = json_array_get(json_object_get(doc, "entries"), n - 1);
	CHECK_STREQ(json_string_value(json_object_get(x, "origin")),
	    "'; DROP TABLE audit; --");
	CHECK_STREQ(json_string_value(json_object_get(x, "summary")),
	    a.summary);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(x,
	    "params"), "evil")), "'); DELETE FROM audit; --");
	CHECK_STREQ(json_string_value(json_object_get(x, "target")),
	    "\xef\xbf\xbd\xef\xbf\xbd bad \xef\xbf\xbd\xef\xbf\xbd overlong "
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd surrogate");
	json_decref(doc);
	buf_done(&b);

	/* Required fields and sizes. */
	a.actor = NULL;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_EINVAL);
	a.actor = "";
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_EINVAL);
	a.actor = "x";
	a.action = NULL;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_EINVAL);
	a.action = "a";
	a.params = "[]";
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_EINVAL);
	a.params = "{\"x\":";
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_EINVAL);
	a.params = NULL;
	a.result = STORE_AUDIT_RESULT_COUNT;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_EINVAL);
	a.result = STORE_AUDIT_OK;
	a.trigger = STORE_TRIGGER_COUNT;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_EINVAL);
	a.trigger = STORE_TRIGGER_CLI;
	big = xmalloc(1024 * 1024 + 1);
	memset(big, 'z', 1024 * 1024);
	big[1024 * 1024] = '\0';
	a.summary = big;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_ETOOBIG);
	CHECK(strstr(e.msg, "summary") != NULL);
	a.summary = NULL;
	a.actor = big;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_ETOOBIG);
	a.actor = "x";
	a.origin = big;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_ETOOBIG);
	a.origin = NULL;
	memcpy(big, "{\"p\":\"", 6);
	memcpy(big + 1024 * 1024 - 2, "\"}", 2);
	a.params = big;
	CHECK_INTEQ(store_audit_add(s, &a, NULL, &e), DR_ETOOBIG);
	free(big);
	CHECK_STREQ(store_audit_result_name(STORE_AUDIT_DENIED), "denied");
	CHECK_STREQ(store_audit_result_name(STORE_AUDIT_RESULT_COUNT),
	    "unknown");
}

static void
test_prune(struct store *s)
{
	struct store_audit_list	l;
	struct dr_error		e;
	int64_t			n = -1;

	CHECK_INTEQ(store_audit_prune(s, 1, &n, &e), DR_OK);
	CHECK_INTEQ(n, 0);
	CHECK_INTEQ(store_audit_prune(s, store_now_ms() + 1000, &n, &e),
	    DR_OK);
	CHECK_INTEQ(n, 27);
	CHECK_INTEQ(store_audit_list(s, NULL, &l, &e), DR_OK);
	CHECK_INTEQ(l.n, 0);
	store_audit_list_done(&l);
	CHECK_INTEQ(store_audit_prune(s, store_now_ms(), NULL, &e), DR_OK);
}

int
main(void)
{
	struct store	*s = NULL;
	struct dr_error	 e;
	char		*path;

	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	path = xasprintf("%s/audit.db", tmpdir);
	CHECK_INTEQ(store_open(path, &s, &e), DR_OK);
	if (s != NULL) {
		test_add_list(s);
		test_export(s);
		test_hostile(s);
		test_prune(s);
	}
	store_close(s);
	free(path);
	CHECK(nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0);
	return check_summary("store-audit");
}
