/*
 * statefile: atomic replacement of a small file (statefile.h).
 */
#include "statefile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "xmalloc.h"

bool
statefile_write(const char *path, const void *data, size_t len)
{
	const char	*p = data;
	char		*tmp;
	ssize_t		 n;
	int		 fd;
	bool		 ok = false;

	tmp = xasprintf("%s.XXXXXX", path);
	/* mkstemp: O_EXCL, mode 0600 whatever the umask. */
	if ((fd = mkostemp(tmp, O_CLOEXEC)) == -1) {
		free(tmp);
		return false;
	}
	while (len > 0) {
		if ((n = write(fd, p, len)) <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	if (close(fd) == 0 && len == 0 && rename(tmp, path) == 0)
		ok = true;
	if (!ok)
		unlink(tmp);
	free(tmp);
	return ok;
}
