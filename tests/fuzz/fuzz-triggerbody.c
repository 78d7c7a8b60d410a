/*
 * fuzz-triggerbody: the request bodies the triggers parse.  The input is
 * a JSON document (at most 64 KiB, as the API caps bodies) given to
 * trigger_settings_parse() (PUT /api/v1/settings) and
 * trigger_hook_body_parse() (POST /api/v1/webhooks), and each line of it
 * to trigger_image_repo() (Watchtower's ?image= names).  Checks that an
 * accepted body holds only what the API allows (concurrency in range,
 * schedules that schedule_conf_check() accepts, a webhook action, scope
 * and target that fit each other) and that a repository is a prefix of
 * its reference without '@'.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "schedule.h"
#include "store-hook.h"
#include "trigger-hook.h"
#include "trigger.h"
#include "xmalloc.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)
#define FUZZ_MAX	(64 * 1024)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_settings(const json_t *j)
{
	struct trigger_settings	 ts;
	struct dr_error		 e;
	size_t			 k;

	if (trigger_settings_parse(j, &ts, &e) != DR_OK) {
		FUZZ_ASSERT(e.msg[0] != '\0');
		return;
	}
	FUZZ_ASSERT(ts.concurrency <= TRIGGER_CONCURRENCY_MAX);
	for (k = 0; k < SCHEDULE_KIND_COUNT; k++) {
		if (!ts.have[k])
			continue;
		FUZZ_ASSERT(ts.sched[k].jitter_s <= SCHEDULE_JITTER_MAX);
		FUZZ_ASSERT(!ts.sched[k].enabled || ts.sched[k].expr != NULL);
		FUZZ_ASSERT(schedule_conf_check(&ts.sched[k], &e) == DR_OK);
	}
}

static void
fuzz_hook(const json_t *j)
{
	struct store_hook_spec	 sp;
	struct dr_error		 e;

	if (trigger_hook_body_parse(j, &sp, &e) != DR_OK) {
		FUZZ_ASSERT(e.msg[0] != '\0');
		return;
	}
	FUZZ_ASSERT(sp.name != NULL && *sp.name != '\0');
	FUZZ_ASSERT(strcmp(sp.action, "check") == 0 ||
	    strcmp(sp.action, "update") == 0);
	FUZZ_ASSERT((strcmp(sp.scope, "all") == 0) == (sp.target == NULL));
	FUZZ_ASSERT(sp.target == NULL || (strcmp(sp.scope, "service") == 0) ==
	    (strchr(sp.target, '/') != NULL));
	FUZZ_ASSERT(sp.auth == STORE_HOOK_HMAC || sp.auth == STORE_HOOK_TOKEN);
	FUZZ_ASSERT(sp.sealed == NULL && sp.token_hash == NULL);
}

static void
fuzz_repos(const char *text)
{
	char	*copy = xstrdup(text), *line, *save = NULL, *r;

	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		r = trigger_image_repo(line);
		FUZZ_ASSERT(strncmp(r, line, strlen(r)) == 0);
		FUZZ_ASSERT(strchr(r, '@') == NULL);
		free(r);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t	*j;
	char	*text;

	if (size > FUZZ_MAX)
		return 0;
	text = xmalloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	if (strlen(text) == size)
		fuzz_repos(text);
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, NULL);
	if (j != NULL) {
		fuzz_settings(j);
		fuzz_hook(j);
		json_decref(j);
	}
	free(text);
	return 0;
}
