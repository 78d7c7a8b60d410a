/*
 * lazylib: opens a shared library on first use and resolves a table of
 * its functions, for the libraries dockrev does not link because most of
 * its processes never call them (curl-lazy.c, crypto-lazy.c, mhd-lazy.c).
 */
#ifndef LAZYLIB_H
#define LAZYLIB_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

struct lazylib_sym {
	const char	*name;
	void		**slot;
};

struct lazylib {
	const char			*soname;
	const struct lazylib_sym	*syms;
	size_t				 nsyms;
	/* Run once after the symbols are resolved (may be NULL). */
	void				(*init)(void);
	pthread_mutex_t			 mu;
	bool				 loaded;
};

#define LAZYLIB_INIT(soname, syms, init) \
	{ (soname), (syms), sizeof(syms) / sizeof((syms)[0]), (init), \
	  PTHREAD_MUTEX_INITIALIZER, false }

/*
 * Makes sure lib is loaded: the first caller dlopen()s it and fills every
 * slot (others wait), later calls cost one atomic load.  On failure the
 * process ends as the dynamic loader would have ended it at exec: a
 * message naming the library on stderr and exit status 127.
 */
void	lazylib_need(struct lazylib *);

/* True once lib is loaded. */
bool	lazylib_loaded(struct lazylib *);

/* The loader's ending, for a library whose own initialisation failed. */
void	lazylib_die(const char *soname, const char *what)
	    __attribute__((noreturn));

#endif
