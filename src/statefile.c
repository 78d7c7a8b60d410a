/*
 * statefile: atomic replacement of a small file (statefile.h).
 */
#include "statefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "xmalloc.h"

/* mkdir -p of path's directory, mode 0700 for what it creates. */
static void
statefile_mkdirs(const char *path)
{
	char	*d = xstrdup(path), *q;

	if ((q = strrchr(d, '/')) != NULL && q != d) {
		*q = '\0';
		for (q = d + 1; *q != '\0'; q++) {
			if (*q != '/')
				continue;
			*q = '\0';
			(void)mkdir(d, 0700);
			*q = '/';
		}
		(void)mkdir(d, 0700);
	}
	free(d);
}

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
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		statefile_mkdirs(path);
		snprintf(tmp, strlen(tmp) + 1, "%s.XXXXXX", path);
		fd = mkostemp(tmp, O_CLOEXEC);
	}
	if (fd == -1) {
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

char *
statefile_read(const char *path, size_t max, size_t *ret_len)
{
	struct buf	 b;
	char		 chunk[16384];
	size_t		 n;
	FILE		*f;

	*ret_len = 0;
	if ((f = fopen(path, "re")) == NULL)
		return NULL;
	buf_init(&b, max);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 &&
	    buf_add(&b, chunk, n))
		;
	fclose(f);
	*ret_len = b.len;
	return buf_steal(&b);
}
