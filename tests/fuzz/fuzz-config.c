/*
 * fuzz-config: the YAML configuration parser on arbitrary input.  Each
 * input is parsed into a fresh default configuration; a failure must say
 * why (a message naming the source), a success must leave a configuration
 * that passes its own invariants (values in range, lists within bounds,
 * strings that are C strings), and every call must end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define FUZZ_ASSERT(c)	do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
check_schedule(const struct config_schedule *s)
{
	FUZZ_ASSERT(s->tz != NULL && s->tz[0] != '\0');
	FUZZ_ASSERT(s->jitter_s <= CONFIG_JITTER_MAX);
	FUZZ_ASSERT(s->expr != NULL || !s->enabled);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config	*c = config_new_default();
	struct dr_error	 e;
	enum dr_err	 err;

	e.msg[0] = '\0';
	err = config_parse_yaml(c, (const char *)data, size, "fuzz.yaml", &e);
	if (err == DR_OK)
		err = config_validate(c, &e);
	if (err != DR_OK) {
		FUZZ_ASSERT(err == DR_ECONFIG);
		FUZZ_ASSERT(strncmp(e.msg, "fuzz.yaml", 9) == 0 ||
		    strncmp(e.msg, "listen ", 7) == 0);
	} else {
		FUZZ_ASSERT(c->listen != NULL);
		FUZZ_ASSERT(c->listen_addrlen > 0);
		FUZZ_ASSERT(c->auth_header != NULL && c->auth_header[0]);
		FUZZ_ASSERT(c->ntrusted_proxies <= CONFIG_LIST_MAX);
		FUZZ_ASSERT(c->concurrency >= 1 &&
		    c->concurrency <= CONFIG_CONCURRENCY_MAX);
		FUZZ_ASSERT(c->auth_mode != CONFIG_AUTH_NONE ||
		    config_listen_is_loopback(c));
		check_schedule(&c->schedule_check);
		check_schedule(&c->schedule_update);
	}
	config_free(c);
	return 0;
}
