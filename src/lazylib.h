/*
 * lazylib: opens a shared library on first use and resolves a table of
 * its functions, for the libraries dockrev does not link because most of
 * its processes never call them (curl-lazy.c, mhd-lazy.c).
 */
#ifndef LAZYLIB_H
#define LAZYLIB_H

#include <stddef.h>

struct lazylib_sym {
	const char	*name;
	void		**slot;
};

/*
 * dlopen(soname) and every sym into its slot.  On failure the process ends
 * as the dynamic loader would have ended it at exec: a message naming the
 * library on stderr and exit status 127.
 */
void	lazylib_open(const char *soname, const struct lazylib_sym *syms,
	    size_t n);

/* The same ending, for a library whose own initialisation failed. */
void	lazylib_die(const char *soname, const char *what)
	    __attribute__((noreturn));

#endif
