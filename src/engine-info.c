/*
 * engine-info: the engine's slow-to-ask facts, cached per dockerd
 * instance and configuration file (see engine-info.h).
 */
#include "engine-info.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "docker-client.h"
#include "statefile.h"
#include "xmalloc.h"

#define ENGINE_INFO_MAX		(64 * 1024)	/* the cache file */
#define ENGINE_CMDLINE_MAX	(16 * 1024)

/* The /info and /version members Dockrev reads; the rest is not kept. */
static const char *const engine_info_keys[] = {
	"OSType", "Architecture", "RegistryConfig", "Name",
};
static const char *const engine_version_keys[] = {
	"Version", "Os", "Arch", "ApiVersion",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Reads at most max bytes of path into buf; the length, or -1. */
static ssize_t
engine_read(const char *path, char *buf, size_t max)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "re")) == NULL)
		return -1;
	n = fread(buf, 1, max, f);
	fclose(f);
	return (ssize_t)n;
}

/* Whether pid is a dockerd (not a proxy or another engine in between). */
static bool
engine_is_dockerd(pid_t pid)
{
	char	path[64], comm[32];
	ssize_t	n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((n = engine_read(path, comm, sizeof(comm) - 1)) <= 0)
		return false;
	comm[n] = '\0';
	return strcmp(comm, "dockerd\n") == 0;
}

/* The process start time (clock ticks since boot) of pid, or 0. */
static unsigned long long
engine_start_time(pid_t pid)
{
	char			 path[64], buf[1024], *p;
	unsigned long long	 start = 0;
	ssize_t			 n;
	int			 field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((n = engine_read(path, buf, sizeof(buf) - 1)) <= 0)
		return 0;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields count from the last
	 * ')'; starttime is field 22, the 20th after it. */
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	for (field = 2; field < 22 && p != NULL; field++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

/* The configuration file dockerd pid reads: --config-file's value, else
 * the default.  False when the command line cannot be read. */
static bool
engine_config_file(pid_t pid, char *ret, size_t retsz)
{
	char		 path[64], *buf;
	const char	*cfg = "/etc/docker/daemon.json", *a;
	ssize_t		 n, i;
	bool		 ok = false;

	buf = xmalloc(ENGINE_CMDLINE_MAX + 1);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((n = engine_read(path, buf, ENGINE_CMDLINE_MAX)) <= 0 ||
	    n >= ENGINE_CMDLINE_MAX)
		goto out;
	buf[n] = '\0';
	for (i = 0; i < n; i += (ssize_t)strlen(buf + i) + 1) {
		a = buf + i;
		if (strncmp(a, "--config-file=", 14) == 0)
			cfg = a + 14;
		else if (strcmp(a, "--config-file") == 0 &&
		    i + (ssize_t)strlen(a) + 1 < n)
			cfg = a + strlen(a) + 1;
	}
	ok = (size_t)snprintf(ret, retsz, "%s", cfg) < retsz;
out:
	free(buf);
	return ok;
}

bool
engine_info_ident(struct docker *d, char *buf, size_t bufsz)
{
	pid_t			 pid = docker_peer_pid(d);
	unsigned long long	 start;
	char			 cfg[4096], file[4200];
	struct stat		 st;
	int			 n;

	if (pid <= 0 || !engine_is_dockerd(pid) ||
	    (start = engine_start_time(pid)) == 0 ||
	    !engine_config_file(pid, cfg, sizeof(cfg)))
		return false;
	/* A relative --config-file is relative to dockerd's directory. */
	if (cfg[0] == '/')
		snprintf(file, sizeof(file), "%s", cfg);
	else
		snprintf(file, sizeof(file), "/proc/%d/cwd/%s", (int)pid, cfg);
	if (stat(file, &st) != 0)
		memset(&st, 0, sizeof(st));	/* absent: all zero */
	n = snprintf(buf, bufsz, "host=%s api=%s pid=%d start=%llu cfg=%s "
	    "dev=%llu ino=%llu size=%lld mtime=%lld.%09ld ctime=%lld.%09ld",
	    docker_host(d), docker_version_api(d), (int)pid, start, cfg,
	    (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
	    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
	    st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec,
	    st.st_ctim.tv_nsec);
	return n > 0 && (size_t)n < bufsz;
}

json_t *
engine_info_load(struct docker *d, const char *path, const char *ident)
{
	json_t		*j, *info = NULL, *ver;
	const char	*id;

	if (path == NULL || (j = json_load_file(path, JSON_REJECT_DUPLICATES,
	    NULL)) == NULL)
		return NULL;
	id = json_string_value(json_object_get(j, "ident"));
	ver = json_object_get(j, "version");
	if (id != NULL && strcmp(id, ident) == 0 && json_is_object(ver) &&
	    json_is_object(json_object_get(j, "info"))) {
		info = json_incref(json_object_get(j, "info"));
		docker_version_learn(d, ver);
	}
	json_decref(j);
	return info;
}

/* A new object with only the listed members of v. */
static json_t *
engine_subset(const json_t *v, const char *const *keys, size_t n)
{
	json_t	*o = json_object(), *m;
	size_t	 i;

	for (i = 0; i < n; i++)
		if ((m = json_object_get(v, keys[i])) != NULL)
			json_object_set(o, keys[i], m);
	return o;
}

void
engine_info_save(const char *path, const char *ident, const json_t *info,
    const json_t *version)
{
	json_t	*j;
	char	*text;
	size_t	 len;

	if (path == NULL || !json_is_object(info) || !json_is_object(version))
		return;
	j = json_pack("{s:s, s:o, s:o}", "ident", ident,
	    "info", engine_subset(info, engine_info_keys, NELEM(engine_info_keys)),
	    "version", engine_subset(version, engine_version_keys,
	    NELEM(engine_version_keys)));
	text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (text == NULL || (len = strlen(text)) > ENGINE_INFO_MAX) {
		free(text);
		return;
	}
	(void)statefile_write(path, text, len);
	free(text);
}
