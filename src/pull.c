/*
 * pull: the engine pulls; we stream its progress, keep the status lines,
 * catch the error it reports inside a 200 answer, and verify the image.
 */
#include "pull.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xmalloc.h"

struct pull_stream {
	pull_log_fn	*log;
	void		*arg;
	char		 error[DR_ERROR_MSG_MAX];
};

static bool
pull_line(struct span line, void *arg)
{
	struct pull_stream	*ps = arg;
	json_t			*j;
	const char		*s;

	j = json_loadb(line.p, line.len, 0, NULL);
	if (j == NULL)
		return true;
	if ((s = json_string_value(json_object_get(j, "error"))) != NULL)
		snprintf(ps->error, sizeof(ps->error), "%s", s);
	else if ((s = json_string_value(json_object_get(j, "status"))) !=
	    NULL && json_object_get(j, "progressDetail") == NULL &&
	    json_object_get(j, "id") == NULL && ps->log != NULL)
		ps->log(s, ps->arg);
	json_decref(j);
	return true;
}

/* "X-Registry-Auth: <base64url JSON>", or NULL when anonymous. */
static char *
pull_auth_header(struct dockercfg *creds, const char *domain)
{
	struct dockercfg_cred	 c;
	struct dr_error		 e;
	json_t			*j;
	char			*json, *b64, *hdr, *p;
	size_t			 len;

	if (creds == NULL || dockercfg_lookup(creds, domain, &c, &e) != DR_OK)
		return NULL;
	if (c.identity_token)
		j = json_pack("{s:s, s:s}", "identitytoken", c.secret ?
		    c.secret : "", "serveraddress", domain);
	else
		j = json_pack("{s:s, s:s, s:s}", "username", c.username ?
		    c.username : "", "password", c.secret ? c.secret : "",
		    "serveraddress", domain);
	dockercfg_cred_done(&c);
	json = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	len = strlen(json);
	b64 = xmalloc(4 * ((len + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)json, (int)len);
	for (p = b64; *p != '\0'; p++)	/* base64url, as the engine wants */
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	hdr = xasprintf("X-Registry-Auth: %s", b64);
	explicit_bzero(json, len);
	explicit_bzero(b64, strlen(b64));
	free(json);
	free(b64);
	return hdr;
}

enum dr_err
pull_inspect(struct docker *d, const char *image, const struct imageref *ref,
    struct pull_result *ret, struct dr_error *reterr)
{
	json_t		*j = NULL, *v;
	char		*path = NULL, *esc;
	const char	*s;
	size_t		 i;
	enum dr_err	 err;

	memset(ret, 0, sizeof(*ret));
	esc = docker_escape(image);
	path = xasprintf("/images/%s/json", esc);
	free(esc);
	if ((err = docker_get(d, path, &j, reterr)) != DR_OK)
		goto out;
	snprintf(ret->image_id, sizeof(ret->image_id), "%s",
	    json_string_value(json_object_get(j, "Id")) ?
	    json_string_value(json_object_get(j, "Id")) : "");
	json_array_foreach(json_object_get(j, "RepoDigests"), i, v) {
		struct imageref	*rd = NULL;

		s = json_string_value(v);
		if (s == NULL || imageref_parse(span_str(s), &rd, NULL) != DR_OK)
			continue;
		if (rd->digest != NULL && strcmp(rd->domain, ref->domain) == 0 &&
		    strcmp(rd->path, ref->path) == 0 && ret->digest[0] == '\0')
			snprintf(ret->digest, sizeof(ret->digest), "%s",
			    rd->digest);
		imageref_free(rd);
	}
	s = json_string_value(json_object_get(j, "Variant"));
	platform_set(&ret->platform, span_str(json_string_value(
	    json_object_get(j, "Os"))), span_str(json_string_value(
	    json_object_get(j, "Architecture"))), span_str(s));
out:
	json_decref(j);
	free(path);
	return err;
}

/* True when the image has `digest` among its RepoDigests for ref. */
static bool
pull_has_digest(struct docker *d, const char *image_id,
    const struct imageref *ref, const char *digest)
{
	json_t		*j = NULL, *v;
	char		*path;
	size_t		 i;
	bool		 found = false;

	path = xasprintf("/images/%s/json", image_id);
	if (docker_get(d, path, &j, NULL) == DR_OK) {
		json_array_foreach(json_object_get(j, "RepoDigests"), i, v) {
			const char	*s = json_string_value(v);
			const char	*at = s ? strrchr(s, '@') : NULL;

			if (at != NULL && strcmp(at + 1, digest) == 0)
				found = true;
		}
	}
	json_decref(j);
	free(path);
	return found;
}

enum dr_err
pull_image(struct docker *d, struct dockercfg *creds,
    const struct imageref *ref, const struct platform *host,
    const char *want_digest, pull_log_fn *log, void *log_arg,
    struct pull_result *ret, struct dr_error *reterr)
{
	struct pull_stream	 ps = { .log = log, .arg = log_arg };
	struct buf		 repo, full, pb;
	char			*hdr = NULL, *path = NULL, *erepo, *etag;
	const char		*tag;
	enum dr_err		 err;

	buf_init(&repo, IMAGEREF_MAX);
	buf_init(&full, IMAGEREF_MAX);
	buf_init(&pb, 128);
	imageref_format_repo(ref, &repo);
	tag = ref->digest != NULL ? ref->digest : imageref_tag(ref);
	buf_printf(&full, "%s%s%s", buf_str(&repo), ref->digest ? "@" : ":",
	    tag);
	erepo = docker_escape(buf_str(&repo));
	etag = docker_escape(tag);
	path = xasprintf("/images/create?fromImage=%s&tag=%s", erepo, etag);
	free(erepo);
	free(etag);
	hdr = pull_auth_header(creds, ref->domain);
	err = docker_stream_req(d, "POST", path, hdr, PULL_TIMEOUT_MS,
	    pull_line, &ps, reterr);
	if (err != DR_OK)
		goto out;
	if (ps.error[0] != '\0') {
		err = dr_fail(reterr, DR_EDOCKER, "pull %s: %s", buf_str(&full),
		    ps.error);
		goto out;
	}
	if ((err = pull_inspect(d, buf_str(&full), ref, ret, reterr)) !=
	    DR_OK)
		goto out;
	if (want_digest != NULL && !pull_has_digest(d, ret->image_id, ref,
	    want_digest)) {
		err = dr_fail(reterr, DR_EPROTO, "pull %s: got %s, not the "
		    "checked %s (the tag moved again?)", buf_str(&full),
		    ret->digest[0] ? ret->digest : ret->image_id, want_digest);
		goto out;
	}
	if (host != NULL && !platform_match(host, &ret->platform)) {
		platform_format(&ret->platform, &pb);
		err = dr_fail(reterr, DR_EUNSUPPORTED, "pull %s: the image is "
		    "for %s, not this host", buf_str(&full), buf_str(&pb));
		goto out;
	}
out:
	if (hdr != NULL) {
		explicit_bzero(hdr, strlen(hdr));
		free(hdr);
	}
	free(path);
	buf_done(&repo);
	buf_done(&full);
	buf_done(&pb);
	return err;
}

enum dr_err
pull_tag_local(struct docker *d, const char *image, const struct imageref *ref,
    const struct platform *host, struct pull_result *ret,
    struct dr_error *reterr)
{
	struct buf	 repo, pb;
	char		*path = NULL, *eid, *erepo, *etag;
	enum dr_err	 err;

	buf_init(&repo, IMAGEREF_MAX);
	buf_init(&pb, 128);
	imageref_format_repo(ref, &repo);
	if ((err = pull_inspect(d, image, ref, ret, reterr)) != DR_OK)
		goto out;
	if (host != NULL && !platform_match(host, &ret->platform)) {
		platform_format(&ret->platform, &pb);
		err = dr_fail(reterr, DR_EUNSUPPORTED, "%s is for %s, not this "
		    "host", image, buf_str(&pb));
		goto out;
	}
	eid = docker_escape(ret->image_id);
	erepo = docker_escape(buf_str(&repo));
	etag = docker_escape(imageref_tag(ref));
	path = xasprintf("/images/%s/tag?repo=%s&tag=%s", eid, erepo, etag);
	free(eid);
	free(erepo);
	free(etag);
	if ((err = docker_call(d, "POST", path, NULL, NULL, reterr)) != DR_OK)
		goto out;
	buf_printf(&repo, ":%s", imageref_tag(ref));
	err = pull_inspect(d, buf_str(&repo), ref, ret, reterr);
out:
	buf_done(&repo);
	buf_done(&pb);
	free(path);
	return err;
}
