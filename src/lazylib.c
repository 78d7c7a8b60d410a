/*
 * lazylib: dlopen and dlsym of a function table on first use, or the
 * loader's death.
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

bool
lazylib_loaded(struct lazylib *lib)
{
	return __atomic_load_n(&lib->loaded, __ATOMIC_ACQUIRE);
}

void
lazylib_need(struct lazylib *lib)
{
	void	*h;
	size_t	 i;

	if (lazylib_loaded(lib))
		return;
	pthread_mutex_lock(&lib->mu);
	if (!lib->loaded) {
		if ((h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL)
			lazylib_die(lib->soname, dlerror());
		for (i = 0; i < lib->nsyms; i++)
			if ((*lib->syms[i].slot = dlsym(h,
			    lib->syms[i].name)) == NULL)
				lazylib_die(lib->soname, dlerror());
		if (lib->init != NULL)
			lib->init();
		__atomic_store_n(&lib->loaded, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&lib->mu);
}
