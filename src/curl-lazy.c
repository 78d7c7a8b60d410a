/*
 * curl-lazy: libcurl, loaded on first use.
 *
 * libcurl brings about thirty libraries with it (OpenSSL, GnuTLS through
 * librtmp, Kerberos, LDAP, libssh2, nghttp2...): mapping and relocating
 * them costs every process ~7 MiB of resident pages and ~15 ms of start,
 * whether it ever speaks to a registry or not.  So dockrev does not link
 * libcurl: this file defines the libcurl functions dockrev calls, and the
 * first call of any of them opens libcurl.so.4 (the ABI of libcurl 7.x and
 * 8.x), resolves them all and runs curl_global_init once.  A process that
 * never calls libcurl (the daemon: its checks and jobs run in child
 * processes, and the engine client speaks HTTP itself) never maps it.
 *
 * The functions keep libcurl's names and signatures, so callers include
 * <curl/curl.h> and call libcurl as usual.  The variadic ones forward the
 * one argument by the option's type, as libcurl reads it: long below
 * CURLOPTTYPE_OBJECTPOINT, a pointer up to CURLOPTTYPE_OFF_T, curl_off_t up
 * to CURLOPTTYPE_BLOB, a pointer beyond; getinfo always takes a pointer.
 *
 * When libcurl cannot be loaded the process ends as the dynamic loader
 * would have ended it at exec: a message on stderr and exit status 127.
 */
#define CURL_DISABLE_TYPECHECK	/* we define the functions the macros wrap */
#include "curl-lazy.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#include "lazylib.h"

#define CURL_LAZY_SONAME	"libcurl.so.4"

static struct {
	CURLcode	(*global_init)(long);
	void		(*global_cleanup)(void);
	CURL		*(*easy_init)(void);
	CURLcode	(*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode	(*easy_perform)(CURL *);
	void		(*easy_cleanup)(CURL *);
	void		(*easy_reset)(CURL *);
	CURLcode	(*easy_getinfo)(CURL *, CURLINFO, ...);
	const char	*(*easy_strerror)(CURLcode);
	char		*(*easy_escape)(CURL *, const char *, int);
	void		(*free)(void *);
	time_t		(*getdate)(const char *, const time_t *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void		(*slist_free_all)(struct curl_slist *);
	CURLM		*(*multi_init)(void);
	CURLMcode	(*multi_setopt)(CURLM *, CURLMoption, ...);
	CURLMcode	(*multi_add_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_remove_handle)(CURLM *, CURL *);
	CURLMcode	(*multi_perform)(CURLM *, int *);
	CURLMcode	(*multi_poll)(CURLM *, struct curl_waitfd *, unsigned int,
			    int, int *);
	CURLMsg		*(*multi_info_read)(CURLM *, int *);
	CURLMcode	(*multi_cleanup)(CURLM *);
} fn;

#define SYM(s)	{ "curl_" #s, (void **)&fn.s }
static const struct lazylib_sym syms[] = {
	SYM(global_init), SYM(global_cleanup), SYM(easy_init),
	SYM(easy_setopt), SYM(easy_perform), SYM(easy_cleanup),
	SYM(easy_reset), SYM(easy_getinfo), SYM(easy_strerror),
	SYM(easy_escape), SYM(free), SYM(getdate), SYM(slist_append),
	SYM(slist_free_all), SYM(multi_init), SYM(multi_setopt),
	SYM(multi_add_handle), SYM(multi_remove_handle), SYM(multi_perform),
	SYM(multi_poll), SYM(multi_info_read), SYM(multi_cleanup),
};
#undef SYM

static void
global_init(void)
{
	if (fn.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		lazylib_die(CURL_LAZY_SONAME, "curl_global_init failed");
}

static struct lazylib	 lib = LAZYLIB_INIT(CURL_LAZY_SONAME, syms,
			    global_init);

static inline void
need(void)
{
	lazylib_need(&lib);
}

bool
curl_lazy_loaded(void)
{
	return lazylib_loaded(&lib);
}

/*
 * The preload thread is joined before the process exits or forks: an
 * exit while it runs curl_global_init tears OpenSSL down under it (a
 * SIGSEGV seen in CI when the engine refused the first request at once).
 */
static pthread_mutex_t	 preload_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_t	 preload_t;
static bool		 preload_running;

static void *
preload_main(void *arg)
{
	need();
	return NULL;
}

void
curl_lazy_preload(void)
{
	sigset_t	all, old;

	if (curl_lazy_loaded())
		return;
	pthread_mutex_lock(&preload_mu);
	if (!preload_running) {
		/* The loader's work runs beside the caller's (engine calls,
		 * the store); signals stay with the caller's threads. */
		sigfillset(&all);
		pthread_sigmask(SIG_SETMASK, &all, &old);
		/* Without a thread the first use loads it. */
		preload_running = pthread_create(&preload_t, NULL,
		    preload_main, NULL) == 0;
		pthread_sigmask(SIG_SETMASK, &old, NULL);
	}
	pthread_mutex_unlock(&preload_mu);
}

static void
preload_join(void)
{
	pthread_mutex_lock(&preload_mu);
	if (preload_running) {
		pthread_join(preload_t, NULL);
		preload_running = false;
	}
	pthread_mutex_unlock(&preload_mu);
}

void
curl_lazy_wait(void)
{
	preload_join();
	need();
}

void
curl_lazy_cleanup(void)
{
	preload_join();
	if (curl_lazy_loaded())
		fn.global_cleanup();
}

/* For programs that call them (the test tools): the first use already
 * initialised libcurl with CURL_GLOBAL_DEFAULT. */
CURLcode
curl_global_init(long flags)
{
	need();
	return CURLE_OK;
}

void
curl_global_cleanup(void)
{
	curl_lazy_cleanup();
}

CURL *
curl_easy_init(void)
{
	need();
	return fn.easy_init();
}

CURLcode
curl_easy_setopt(CURL *c, CURLoption opt, ...)
{
	va_list		ap;
	CURLcode	rc;

	need();
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.easy_setopt(c, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = fn.easy_setopt(c, opt, va_arg(ap, void *));
	else if (opt < CURLOPTTYPE_BLOB)
		rc = fn.easy_setopt(c, opt, va_arg(ap, curl_off_t));
	else
		rc = fn.easy_setopt(c, opt, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode
curl_easy_perform(CURL *c)
{
	need();
	return fn.easy_perform(c);
}

void
curl_easy_cleanup(CURL *c)
{
	need();
	fn.easy_cleanup(c);
}

void
curl_easy_reset(CURL *c)
{
	need();
	fn.easy_reset(c);
}

CURLcode
curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	va_list		ap;
	CURLcode	rc;

	need();
	va_start(ap, info);
	rc = fn.easy_getinfo(c, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

const char *
curl_easy_strerror(CURLcode cc)
{
	need();
	return fn.easy_strerror(cc);
}

char *
curl_easy_escape(CURL *c, const char *s, int len)
{
	need();
	return fn.easy_escape(c, s, len);
}

void
curl_free(void *p)
{
	need();
	fn.free(p);
}

time_t
curl_getdate(const char *s, const time_t *unused)
{
	need();
	return fn.getdate(s, unused);
}

struct curl_slist *
curl_slist_append(struct curl_slist *l, const char *s)
{
	need();
	return fn.slist_append(l, s);
}

void
curl_slist_free_all(struct curl_slist *l)
{
	need();
	fn.slist_free_all(l);
}

CURLM *
curl_multi_init(void)
{
	need();
	return fn.multi_init();
}

CURLMcode
curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	va_list		ap;
	CURLMcode	rc;

	need();
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		rc = fn.multi_setopt(m, opt, va_arg(ap, long));
	else if (opt < CURLOPTTYPE_OFF_T)
		rc = fn.multi_setopt(m, opt, va_arg(ap, void *));
	else
		rc = fn.multi_setopt(m, opt, va_arg(ap, curl_off_t));
	va_end(ap);
	return rc;
}

CURLMcode
curl_multi_add_handle(CURLM *m, CURL *c)
{
	need();
	return fn.multi_add_handle(m, c);
}

CURLMcode
curl_multi_remove_handle(CURLM *m, CURL *c)
{
	need();
	return fn.multi_remove_handle(m, c);
}

CURLMcode
curl_multi_perform(CURLM *m, int *running)
{
	need();
	return fn.multi_perform(m, running);
}

CURLMcode
curl_multi_poll(CURLM *m, struct curl_waitfd *extra, unsigned int n,
    int timeout_ms, int *ret)
{
	need();
	return fn.multi_poll(m, extra, n, timeout_ms, ret);
}

CURLMsg *
curl_multi_info_read(CURLM *m, int *left)
{
	need();
	return fn.multi_info_read(m, left);
}

CURLMcode
curl_multi_cleanup(CURLM *m)
{
	need();
	return fn.multi_cleanup(m);
}
