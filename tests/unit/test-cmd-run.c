/*
 * test-cmd-run: how `update --stack/--all` groups its services (one stack
 * one after the other, standalone containers each alone) and which names
 * designate a container (inventory_matches).
 */
#include <jansson.h>
#include <stdbool.h>
#include <string.h>

#include "check.h"
#include "cmd-run.h"
#include "inventory.h"

static void
check_order(void)
{
	/* a/x, solo1, b/y, a/z, solo2, b/w */
	struct run_item	items[6];
	size_t		order[6], gstart[7], n;
	static const size_t want_order[] = { 0, 3, 1, 2, 5, 4 };
	static const size_t want_start[] = { 0, 2, 3, 5, 6 };

	memset(items, 0, sizeof(items));
	items[0].stack = (char *)"a";
	items[2].stack = (char *)"b";
	items[3].stack = (char *)"a";
	items[5].stack = (char *)"b";
	n = run_order(items, 6, order, gstart);
	CHECK_INTEQ(n, 4);
	CHECK(memcmp(order, want_order, sizeof(want_order)) == 0);
	CHECK(memcmp(gstart, want_start, sizeof(want_start)) == 0);

	/* One item; nothing. */
	n = run_order(items, 1, order, gstart);
	CHECK_INTEQ(n, 1);
	CHECK_INTEQ(gstart[1], 1);
	n = run_order(items, 0, order, gstart);
	CHECK_INTEQ(n, 0);
	CHECK_INTEQ(gstart[0], 0);

	/* Every item of one stack: one group, in order. */
	items[1].stack = items[2].stack = items[4].stack = items[5].stack =
	    (char *)"a";
	n = run_order(items, 6, order, gstart);
	CHECK_INTEQ(n, 1);
	CHECK_INTEQ(order[0], 0);
	CHECK_INTEQ(order[5], 5);
}

static void
check_matches(void)
{
	json_t			*lab = json_pack("{s:s}",
	    "com.docker.swarm.service.name", "shop_web");
	json_t			*none = json_object();
	struct inv_container	 c;

	memset(&c, 0, sizeof(c));
	c.name = "shop-web-1";
	c.kind = INV_COMPOSE;
	c.stack = "shop";
	c.service = "web";
	c.labels = none;
	CHECK(inventory_matches(&c, "shop-web-1"));
	CHECK(inventory_matches(&c, "shop/web"));
	CHECK(!inventory_matches(&c, "shop/we"));
	CHECK(!inventory_matches(&c, "sho/web"));
	CHECK(!inventory_matches(&c, "shop/web/"));
	CHECK(!inventory_matches(&c, "shop"));
	CHECK(!inventory_matches(&c, "shop_web"));
	CHECK(!inventory_matches(&c, ""));

	c.kind = INV_STANDALONE;
	CHECK(inventory_matches(&c, "shop-web-1"));
	CHECK(!inventory_matches(&c, "shop/web"));

	c.kind = INV_SWARM;
	c.name = "shop_web.1.abcdef";
	c.labels = lab;
	CHECK(inventory_matches(&c, "shop/web"));
	CHECK(inventory_matches(&c, "shop_web"));
	CHECK(inventory_matches(&c, "shop_web.1.abcdef"));
	CHECK(!inventory_matches(&c, "shop_we"));
	json_decref(lab);
	json_decref(none);
}

int
main(void)
{
	check_order();
	check_matches();
	return check_summary("cmd-run");
}
