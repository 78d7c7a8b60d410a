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

/*
 * Starts loading libcurl in a background thread, for a command that will
 * need it soon: the loading (~10 ms of mapping and relocating) overlaps
 * the command's own start.  The first libcurl call waits for it.
 */
void	curl_lazy_preload(void);

/* Waits until libcurl is loaded (loading it if nobody has started): before
 * fork(), so no child inherits a half-done load. */
void	curl_lazy_wait(void);

/* curl_global_cleanup, when libcurl was loaded; at exit. */
void	curl_lazy_cleanup(void);

#endif
