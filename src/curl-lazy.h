/*
 * curl-lazy: libcurl loaded on the first call of a libcurl function
 * (dockrev does not link it).  Callers use <curl/curl.h> as usual; see
 * curl-lazy.c.
 */
#ifndef CURL_LAZY_H
#define CURL_LAZY_H

#include <stdbool.h>

/* True once libcurl is loaded and initialised in this process. */
bool	curl_lazy_loaded(void);

/* curl_global_cleanup, when libcurl was loaded; at exit. */
void	curl_lazy_cleanup(void);

#endif
