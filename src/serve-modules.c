/*
 * serve-modules: every module of the daemon, in start order (they stop in
 * reverse).  Adding a module is adding a row; its routes join the
 * server's table.  Production routes only: tests bring their own tables.
 */
#include "serve.h"

#include <stddef.h>

#include "api-catalog.h"
#include "trigger.h"
#include "ui.h"

const struct serve_module *const serve_modules[] = {
	&serve_core_module,
	&catalog_module,
	&trigger_module,
	&ui_module,		/* last: its GET route is the catch-all */
	NULL,
};
