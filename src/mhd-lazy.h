/*
 * mhd-lazy: libmicrohttpd loaded on the first call of an MHD function
 * (dockrev does not link it).  Callers use <microhttpd.h> as usual; see
 * mhd-lazy.c.
 */
#ifndef MHD_LAZY_H
#define MHD_LAZY_H

#include <stdbool.h>

/* True once libmicrohttpd is loaded in this process. */
bool	mhd_lazy_loaded(void);

#endif
