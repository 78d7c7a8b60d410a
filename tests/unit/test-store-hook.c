/*
 * test-store-hook: webhooks (create with a sealed secret or a token hash,
 * get, by token, list, delete, bad fields refused), the delivery ids a
 * webhook saw (a replay is refused until it expires, across handles as
 * across restarts), the settings table (set, replace, remove, bad keys
 * and non-JSON values refused), and trigger-seal's sealing of secrets
 * (round trip, a tampered blob or another key refused, the key file's
 * mode).
 */
#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "store-hook.h"
#include "store-settings.h"
#include "store.h"
#include "trigger-seal.h"
#include "webhook-auth.h"
#include "xmalloc.h"

static char	tmpdir[] = "/tmp/test-store-hook.XXXXXX";

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

#define HASH_A	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HASH_B	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_hooks(struct store *s)
{
	struct store_hook_spec	 h = { "ci", "update", "service", "_/web",
				    STORE_HOOK_HMAC, "SEALED", 6, NULL };
	struct store_hook_spec	 t = { "legacy", "check", "all", NULL,
				    STORE_HOOK_TOKEN, NULL, 0, HASH_A };
	struct store_hook_spec	 bad;
	struct store_hook	*g = NULL, *l = NULL;
	struct dr_error		 e;
	int64_t			 id1, id2, id;
	size_t			 n;

	CHECK(store_hook_create(s, &h, &id1, &e) == DR_OK);
	CHECK(store_hook_create(s, &t, &id2, &e) == DR_OK);
	CHECK(id2 > id1);
	CHECK(store_hook_get(s, id1, &g, &e) == DR_OK);
	CHECK_STREQ(g->name, "ci");
	CHECK_STREQ(g->target, "_/web");
	CHECK(g->auth == STORE_HOOK_HMAC);
	CHECK(g->sealed_len == 6 && memcmp(g->sealed, "SEALED", 6) == 0);
	CHECK_INTEQ(g->last_delivery_at, 0);
	store_hook_free(g);
	CHECK(store_hook_by_token(s, HASH_A, &g, &e) == DR_OK);
	CHECK(g != NULL && g->id == id2 && g->sealed == NULL);
	store_hook_free(g);
	CHECK(store_hook_by_token(s, HASH_B, &g, &e) == DR_ENOTFOUND);
	CHECK(store_hook_by_token(s, "short", &g, &e) == DR_ENOTFOUND);
	/* A token hash is unique. */
	CHECK(store_hook_create(s, &t, &id, &e) != DR_OK);

	bad = h;
	bad.action = "delete";
	CHECK(store_hook_create(s, &bad, &id, &e) == DR_EINVAL);
	bad = h;
	bad.scope = "galaxy";
	CHECK(store_hook_create(s, &bad, &id, &e) == DR_EINVAL);
	bad = h;
	bad.sealed = NULL;
	CHECK(store_hook_create(s, &bad, &id, &e) == DR_EINVAL);
	bad = t;
	bad.token_hash = "ABCDEF";
	CHECK(store_hook_create(s, &bad, &id, &e) == DR_EINVAL);
	bad = h;
	bad.name = NULL;
	CHECK(store_hook_create(s, &bad, &id, &e) == DR_EINVAL);

	CHECK(store_hook_list(s, &l, &n, &e) == DR_OK);
	CHECK_INTEQ(n, 2);
	CHECK(n == 2 && l[0].id == id1 && l[1].id == id2);
	store_hook_list_free(l, n);

	/* Deliveries: seen ids are refused until they expire. */
	CHECK(store_hook_delivery(s, id1, "d1", 1000, 1300, &e) == DR_OK);
	CHECK(store_hook_delivery(s, id1, "d1", 1100, 1400, &e) ==
	    DR_ECONFLICT);
	CHECK(store_hook_delivery(s, id2, "d1", 1100, 1400, &e) == DR_OK);
	CHECK(store_hook_delivery(s, id1, "d2", 1100, 1400, &e) == DR_OK);
	CHECK(store_hook_delivery(s, id1, "d1", 1300, 1600, &e) == DR_OK);
	CHECK(store_hook_get(s, id1, &g, &e) == DR_OK);
	CHECK(g->last_delivery_at > 0);
	store_hook_free(g);

	CHECK(store_hook_delete(s, id1, &e) == DR_OK);
	CHECK(store_hook_delete(s, id1, &e) == DR_ENOTFOUND);
	CHECK(store_hook_get(s, id1, &g, &e) == DR_ENOTFOUND);
	CHECK(g == NULL);
}

static void
test_settings(struct store *s)
{
	struct dr_error	 e;
	char		*v = NULL;

	CHECK(store_setting_get(s, "concurrency", &v, &e) == DR_OK);
	CHECK(v == NULL);
	CHECK(store_setting_set(s, "concurrency", "3", &e) == DR_OK);
	CHECK(store_setting_get(s, "concurrency", &v, &e) == DR_OK);
	CHECK_STREQ(v, "3");
	free(v);
	CHECK(store_setting_set(s, "schedules.check",
	    "{\"expr\":\"@daily\"}", &e) == DR_OK);
	CHECK(store_setting_set(s, "concurrency", "4", &e) == DR_OK);
	CHECK(store_setting_get(s, "concurrency", &v, &e) == DR_OK);
	CHECK_STREQ(v, "4");
	free(v);
	CHECK(store_setting_set(s, "concurrency", NULL, &e) == DR_OK);
	CHECK(store_setting_get(s, "concurrency", &v, &e) == DR_OK);
	CHECK(v == NULL);
	CHECK(store_setting_get(s, "schedules.check", &v, &e) == DR_OK);
	CHECK_STREQ(v, "{\"expr\":\"@daily\"}");
	free(v);
	CHECK(store_setting_set(s, "concurrency", "{not json", &e) ==
	    DR_EINVAL);
	CHECK(store_setting_set(s, "Bad Key", "1", &e) == DR_EINVAL);
	CHECK(store_setting_set(s, "", "1", &e) == DR_EINVAL);
	CHECK(store_setting_get(s, "'; DROP TABLE settings; --", &v, &e) ==
	    DR_EINVAL);
}

static void
test_seal(void)
{
	struct webhook_secret	*sec = NULL, *back = NULL;
	struct stat		 sb;
	struct dr_error		 e;
	unsigned char		*blob = NULL, *blob2 = NULL;
	size_t			 len = 0, len2 = 0;
	char			*key = xasprintf("%s/webhook.key", tmpdir);
	char			*key2 = xasprintf("%s/other.key", tmpdir);
	struct span		 a, b;

	CHECK(webhook_secret_new(&sec, &e) == DR_OK);
	CHECK(trigger_seal_secret(key, webhook_secret_text(sec), &blob, &len,
	    &e) == DR_OK);
	CHECK(stat(key, &sb) == 0 && (sb.st_mode & 0777) == 0600);
	a = webhook_secret_text(sec);
	CHECK(len > a.len);
	CHECK(memmem(blob, len, a.p, a.len) == NULL);
	CHECK(trigger_seal_open(key, blob, len, &back, &e) == DR_OK);
	b = webhook_secret_text(back);
	CHECK(a.len == b.len && memcmp(a.p, b.p, a.len) == 0);
	webhook_secret_free(back);
	back = NULL;
	/* The same secret seals differently each time (random nonce). */
	CHECK(trigger_seal_secret(key, a, &blob2, &len2, &e) == DR_OK);
	CHECK(len2 == len && memcmp(blob, blob2, len) != 0);
	/* Tampered, truncated, or under another key: refused. */
	blob[len / 2] ^= 1;
	CHECK(trigger_seal_open(key, blob, len, &back, &e) != DR_OK);
	CHECK(back == NULL);
	CHECK(strstr(e.msg, "webhook.key") != NULL);
	CHECK(memmem(e.msg, strlen(e.msg), a.p, a.len) == NULL);
	CHECK(trigger_seal_open(key, blob2, 20, &back, &e) != DR_OK);
	CHECK(trigger_seal_open(key2, blob2, len2, &back, &e) != DR_OK);
	free(blob);
	blob = NULL;
	CHECK(trigger_seal_secret(key, span_make("", 0), &blob, &len, &e) ==
	    DR_EINVAL);
	CHECK(blob == NULL);
	free(blob2);
	webhook_secret_free(sec);
	free(key);
	free(key2);
}

int
main(void)
{
	struct store	*s = NULL, *s2 = NULL;
	struct dr_error	 e;
	char		*path;

	if (mkdtemp(tmpdir) == NULL)
		return 1;
	path = xasprintf("%s/dockrev.db", tmpdir);
	CHECK(store_open(path, &s, &e) == DR_OK);
	if (s != NULL) {
		test_hooks(s);
		test_settings(s);
		/* Another handle (another process) sees the same. */
		CHECK(store_open(path, &s2, &e) == DR_OK);
		CHECK(store_hook_delivery(s2, 2, "d1", 1200, 1500, &e) ==
		    DR_ECONFLICT);
	}
	store_close(s2);
	store_close(s);
	test_seal();
	free(path);
	nftw(tmpdir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return check_summary("store-hook");
}
