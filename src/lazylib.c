/*
 * lazylib: dlopen and dlsym of a function table, or the loader's death.
 */
#include "lazylib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <unistd.h>

void
lazylib_die(const char *soname, const char *what)
{
	/* The words of ld.so, so a broken install reads the same as when
	 * the library was linked. */
	fprintf(stderr, "dockrev: error while loading shared libraries: %s: "
	    "%s\n", soname, what);
	fflush(stderr);
	_exit(127);
}

void
lazylib_open(const char *soname, const struct lazylib_sym *syms, size_t n)
{
	void	*h;
	size_t	 i;

	if ((h = dlopen(soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
		lazylib_die(soname, dlerror());
	for (i = 0; i < n; i++)
		if ((*syms[i].slot = dlsym(h, syms[i].name)) == NULL)
			lazylib_die(soname, dlerror());
}
