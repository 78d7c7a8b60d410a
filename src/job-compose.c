/*
 * job-compose: the journaled update of one Compose service.  Steps: pull
 * (engine, verified), edit_compose (only when the tag changes; the
 * original bytes are journaled first), up (`up -d --no-deps SERVICE`),
 * health; rollback: restore the file, `docker image tag OLD_ID OLD_REF`,
 * `up` without pulling, verify_rollback.  Crash recovery is level-based:
 * unless the health step passed, the service goes back to the old image.
 */
#include "job.h"

#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compose-cli.h"
#include "compose-file.h"
#include "imageref.h"
#include "proc.h"
#include "pull.h"
#include "xmalloc.h"

#define COMPOSE_TIMEOUT_MS	(10 * 60 * 1000)

static char *
jc_b64(const char *p, size_t len)
{
	char	*out = xmalloc(4 * ((len + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)p,
	    (int)len);
	return out;
}

/* Decodes base64 s; *ret_len gets the exact length (padding removed). */
static char *
jc_unb64(const char *s, size_t *ret_len)
{
	size_t	 n = strlen(s);
	char	*out = xmalloc(n / 4 * 3 + 1);
	int	 len;

	len = EVP_DecodeBlock((unsigned char *)out, (const unsigned char *)s,
	    (int)n);
	if (len < 0) {
		free(out);
		return NULL;
	}
	if (n >= 1 && s[n - 1] == '=')
		len--;
	if (n >= 2 && s[n - 2] == '=')
		len--;
	out[len] = '\0';
	*ret_len = (size_t)len;
	return out;
}

static char *
jc_read(const char *path, size_t *ret_len)
{
	struct buf	 b;
	char		 tmp[8192];
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return NULL;
	buf_init(&b, 4 * 1024 * 1024);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0)
		buf_add(&b, tmp, (size_t)n);
	close(fd);
	if (n < 0 || buf_failed(&b)) {
		buf_done(&b);
		return NULL;
	}
	*ret_len = b.len;
	return buf_steal(&b);
}

struct jc_log {
	struct jrun	*r;
};

static void
jc_line(void *arg, enum proc_stream st, struct span line)
{
	struct jrun	*r = arg;

	job_log(r, "compose %s: %.*s", st == PROC_STDERR ? "err" :
	    "out", (int)line.len, line.p);
}

/* Runs one compose verb for the service, logging its output. */
static enum dr_err
jc_compose(struct jrun *r, const struct job_compose_update *u,
    enum compose_cli_verb verb, struct dr_error *reterr)
{
	struct compose_cli		 cli;
	struct compose_cli_project	 proj = { 0 };
	struct compose_cli_argv		 av = { 0 };
	struct proc_opts		 ro = { 0 };
	struct proc_result		 res;
	struct buf			 line;
	char				*cache;
	enum dr_err			 err;

	memset(&res, 0, sizeof(res));
	buf_init(&line, 16 * 1024);
	if ((err = compose_cli_init(&cli, NULL, reterr)) != DR_OK)
		return err;
	cache = xasprintf("%s/compose-version", store_default_dir());
	err = compose_cli_detect_cached(&cli, cache, reterr);
	free(cache);
	if (err != DR_OK)
		goto out;
	proj.name = u->project;
	proj.files = u->files;
	proj.nfiles = u->nfiles;
	proj.env_file = u->env_file;
	if ((err = compose_cli_argv(&cli, &proj, verb, u->service,
	    COMPOSE_CLI_NO_DEPS, &av, reterr)) != DR_OK)
		goto out;
	compose_cli_argv_format(av.argv, &line);
	job_log(r, "run: %s", buf_str(&line));
	ro.timeout_ms = COMPOSE_TIMEOUT_MS;
	ro.kill_grace_ms = 10000;
	ro.on_line = jc_line;
	ro.arg = r;
	if ((err = proc_run(av.argv, &ro, &res, reterr)) != DR_OK)
		goto out;
	if (res.timed_out || res.exit_code != 0)
		err = dr_fail(reterr, DR_EDOCKER, "%s exited with %d%s",
		    cli.words[0], res.exit_code, res.timed_out ?
		    " (timed out)" : "");
out:
	proc_result_done(&res);
	compose_cli_argv_done(&av);
	compose_cli_done(&cli);
	buf_done(&line);
	return err;
}

/* The ID of the service's container now (running or not), new string. */
static char *
jc_container(struct job_ctx *ctx, const char *project, const char *service)
{
	json_t	*f, *l = NULL;
	char	*fs, *esc, *path, *id = NULL;

	f = json_pack("{s:[s, s]}", "label", "com.docker.compose.project=",
	    "com.docker.compose.service=");
	json_array_set_new(json_object_get(f, "label"), 0, json_sprintf(
	    "com.docker.compose.project=%s", project));
	json_array_set_new(json_object_get(f, "label"), 1, json_sprintf(
	    "com.docker.compose.service=%s", service));
	fs = json_dumps(f, JSON_COMPACT);
	esc = docker_escape(fs);
	path = xasprintf("/containers/json?all=1&filters=%s", esc);
	if (docker_get(ctx->docker, path, &l, NULL) == DR_OK &&
	    json_array_size(l) > 0)
		id = xstrdup(json_string_value(json_object_get(
		    json_array_get(l, 0), "Id")));
	json_decref(l);
	json_decref(f);
	free(fs);
	free(esc);
	free(path);
	return id;
}

/* The file among u->files whose service entry sets its image. */
static const char *
jc_image_file(const struct job_compose_update *u)
{
	struct compose_file			*cf = NULL;
	const struct compose_file_service	*s;
	const char				*found = NULL;
	size_t					 i;

	for (i = u->nfiles; i > 0 && found == NULL; i--) {
		if (compose_file_load(u->files[i - 1], &cf, NULL) != DR_OK)
			continue;
		s = compose_file_find(cf, u->service);
		if (s != NULL && s->from != COMPOSE_FILE_IMAGE_NONE)
			found = u->files[i - 1];
		compose_file_free(cf);
		cf = NULL;
	}
	return found;
}

/*
 * Puts the old image back: the file as it was, the old ID under the old
 * reference, `up` without pulling, and the gate.  Ends the job.
 */
static void
jc_rollback(struct jrun *r, const struct job_compose_update *u,
    const json_t *edit, const char *old_id, const char *old_ref,
    const char *why)
{
	struct health_report	 rep;
	struct dr_error		 e;
	struct imageref		*ref = NULL;
	char			*orig = NULL, *written = NULL, *path = NULL;
	char			*cid = NULL, summary[DR_ERROR_MSG_MAX];
	size_t			 olen = 0, wlen = 0;
	int64_t			 sid;
	enum dr_err		 err = DR_OK;

	store_job_step_begin(r->ctx->store, r->job, "rollback", NULL, &sid,
	    NULL);
	job_log(r, "rollback: %s", why);
	if (edit != NULL) {
		const char	*f = json_string_value(json_object_get(edit,
		    "path"));
		const char	*o = json_string_value(json_object_get(edit,
		    "original"));
		const char	*w = json_string_value(json_object_get(edit,
		    "written"));

		orig = o ? jc_unb64(o, &olen) : NULL;
		written = w ? jc_unb64(w, &wlen) : NULL;
		if (f == NULL || orig == NULL)
			err = dr_fail(&e, DR_EINTERNAL, "journal lacks the "
			    "original compose file");
		else if (written != NULL)
			err = compose_file_restore(f, span_make(orig, olen),
			    span_make(written, wlen), &e);
		else {
			/* Crashed before the write was journaled: the file
			 * holds the original or what the edit would write. */
			size_t	 clen;
			char	*cur = jc_read(f, &clen);

			if (cur == NULL || (clen == olen &&
			    memcmp(cur, orig, olen) == 0))
				err = DR_OK;
			else
				err = compose_file_restore(f, span_make(orig,
				    olen), span_make(cur, clen), &e);
			free(cur);
		}
		if (err == DR_OK)
			job_log(r, "restored %s", f);
	}
	if (err == DR_OK && (err = imageref_parse(span_str(old_ref), &ref,
	    &e)) == DR_OK) {
		struct pull_result	pr;

		if ((err = pull_tag_local(r->ctx->docker, old_id, ref, NULL, &pr,
		    &e)) == DR_OK)
			job_log(r, "tagged %s as %s", old_id, old_ref);
	}
	if (err == DR_OK)
		err = jc_compose(r, u, COMPOSE_CLI_UP_NO_PULL, &e);
	job_crash_seam("rollback");
	store_job_step_end(r->ctx->store, sid, err == DR_OK ? STORE_STEP_DONE :
	    STORE_STEP_FAILED, NULL, err == DR_OK ? NULL : e.msg, NULL);
	if (err != DR_OK) {
		snprintf(summary, sizeof(summary), "%s; rollback failed: %s",
		    why, e.msg);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
		goto out;
	}
	cid = jc_container(r->ctx, u->project, u->service);
	if (cid == NULL || job_gate(r, "verify_rollback", cid, &rep, &e) !=
	    DR_OK || rep.result != HEALTH_OK) {
		snprintf(summary, sizeof(summary), "%s; the old image did not "
		    "pass the gate after the rollback either", why);
		job_finish(r, STORE_JOB_ROLLBACK_FAILED,
		    STORE_TARGET_ROLLBACK_FAILED, summary);
		goto out;
	}
	snprintf(summary, sizeof(summary), "%s; rolled back to %s (%s)", why,
	    old_ref, old_id);
	job_finish(r, STORE_JOB_ROLLED_BACK, STORE_TARGET_ROLLED_BACK, summary);
out:
	imageref_free(ref);
	free(orig);
	free(written);
	free(path);
	free(cid);
}

enum dr_err
job_run_compose_update(struct job_ctx *ctx, const struct job_compose_update *u,
    int64_t *ret_id, enum store_job_state *ret_state,
    struct dr_error *reterr)
{
	struct jrun		 r = { .ctx = ctx };
	struct store_job_spec	 spec = { 0 };
	struct store_target_spec ts = { 0 };
	struct imageref		*ref = NULL;
	struct pull_result	 pr, old;
	struct health_report	 rep;
	struct buf		 repo, old_ref;
	struct dr_error		 e;
	json_t			*insp = NULL, *edit = NULL;
	char			*path = NULL, *target = NULL, *cid = NULL;
	char			*detail = NULL, why[DR_ERROR_MSG_MAX];
	const char		*cfg_image, *file, *written_file;
	int64_t			 sid;
	enum dr_err		 err;

	buf_init(&repo, IMAGEREF_MAX);
	buf_init(&old_ref, IMAGEREF_MAX);
	*ret_id = 0;
	if (!compose_cli_valid_project(u->project) ||
	    !compose_cli_valid_service(u->service)) {
		err = dr_fail(reterr, DR_EINVAL, "invalid project or service "
		    "name");
		goto out;
	}
	if ((err = imageref_parse(span_str(u->new_ref), &ref, reterr)) !=
	    DR_OK)
		goto out;
	path = xasprintf("/containers/%s/json", u->container);
	if ((err = docker_get(ctx->docker, path, &insp, reterr)) != DR_OK)
		goto out;
	cfg_image = json_string_value(json_object_get(json_object_get(insp,
	    "Config"), "Image"));
	imageref_format_repo(ref, &repo);
	buf_printf(&old_ref, "%s:%s", buf_str(&repo), u->old_tag);

	target = xasprintf("%s/%s", u->project, u->service);
	spec.kind = u->kind;
	spec.scope = STORE_SCOPE_SERVICE;
	spec.stack = u->project;
	spec.target = target;
	spec.trigger = u->trigger;
	spec.trigger_params = u->trigger_params;
	spec.owner = job_owner_self();
	if ((err = job_start(&r, &spec, u->project, ret_id, reterr)) != DR_OK)
		goto out;
	pull_inspect(ctx->docker, json_string_value(json_object_get(insp,
	    "Image")), ref, &old, NULL);
	ts.stack = u->project;
	ts.service = u->service;
	ts.swap = STORE_SWAP_COMPOSE;
	ts.refs.image = buf_str(&repo);
	ts.refs.old_image_id = old.image_id;
	ts.refs.old_digest = old.digest[0] ? old.digest : NULL;
	ts.refs.old_tag = u->old_tag;
	ts.refs.new_tag = u->new_tag;
	store_job_target_add(ctx->store, r.job, &ts, &r.target, NULL);
	job_log(&r, "%s %s/%s: %s -> %s", store_job_kind_name(u->kind),
	    u->project, u->service,
	    cfg_image ? cfg_image : "?", u->new_ref);

	/* The rollback needs these; journal them with the first step. */
	{
		json_t	*d = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:[]}",
		    "old_image_id", old.image_id, "old_ref", buf_str(&old_ref),
		    "new_ref", u->new_ref, "project", u->project, "service",
		    u->service, "env_file", u->env_file ?
		    json_string(u->env_file) : json_null(), "files");
		size_t	i;

		for (i = 0; i < u->nfiles; i++)
			json_array_append_new(json_object_get(d, "files"),
			    json_string(u->files[i]));
		detail = json_dumps(d, JSON_COMPACT);
		json_decref(d);
	}
	if (job_pull_step(&r, detail, ref, u->source, u->want_digest, &pr) !=
	    DR_OK)
		goto done;
	if (strcmp(u->old_tag, u->new_tag) != 0) {
		struct compose_file_change	 ch;
		size_t				 olen;
		char				*orig, *b64, *ds;
		json_t				*d;

		if ((file = jc_image_file(u)) == NULL) {
			job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_FAILED,
			    "no compose file of the project sets the "
			    "service's image");
			goto done;
		}
		written_file = file;
		/* The file the edit writes: the .env when the image is
		 * interpolated from a variable, else the compose file. */
		{
			struct compose_file			*cf = NULL;
			const struct compose_file_service	*s;

			if (compose_file_load(file, &cf, NULL) == DR_OK &&
			    (s = compose_file_find(cf, u->service)) != NULL &&
			    s->interpolated && u->env_file != NULL)
				written_file = u->env_file;
			compose_file_free(cf);
		}
		if ((orig = jc_read(written_file, &olen)) == NULL) {
			job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_FAILED,
			    "cannot read the compose file");
			goto done;
		}
		b64 = jc_b64(orig, olen);
		edit = json_pack("{s:s, s:s}", "path", written_file, "original",
		    b64);
		free(b64);
		free(orig);
		ds = json_dumps(edit, JSON_COMPACT);
		store_job_step_begin(ctx->store, r.job, "edit_compose", ds,
		    &sid, NULL);
		free(ds);
		err = compose_file_update(file, u->env_file, u->service,
		    u->new_ref, &ch, &e);
		job_crash_seam("edit_compose");
		if (err == DR_OK) {
			b64 = jc_b64(ch.written, ch.written_len);
			d = json_pack("{s:s, s:s}", "path", ch.path, "written",
			    b64);
			json_object_set_new(edit, "written", json_string(b64));
			json_object_set_new(edit, "path", json_string(ch.path));
			ds = json_dumps(d, JSON_COMPACT);
			store_job_step_end(ctx->store, sid, STORE_STEP_DONE, ds,
			    NULL, NULL);
			job_log(&r, "edited %s%s%s", ch.path, ch.variable ?
			    ": " : "", ch.variable ? ch.variable : "");
			free(ds);
			free(b64);
			json_decref(d);
			compose_file_change_done(&ch);
		} else {
			store_job_step_end(ctx->store, sid, STORE_STEP_FAILED,
			    NULL, e.msg, NULL);
			job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_FAILED,
			    e.msg);
			goto done;
		}
	}
	store_job_step_begin(ctx->store, r.job, "up", NULL, &sid, NULL);
	err = jc_compose(&r, u, COMPOSE_CLI_UP_NO_PULL, &e);
	job_crash_seam("up");
	store_job_step_end(ctx->store, sid, err == DR_OK ? STORE_STEP_DONE :
	    STORE_STEP_FAILED, NULL, err == DR_OK ? NULL : e.msg, NULL);
	if (err != DR_OK) {
		snprintf(why, sizeof(why), "up failed: %s", e.msg);
		jc_rollback(&r, u, edit, old.image_id, buf_str(&old_ref), why);
		goto done;
	}
	cid = jc_container(ctx, u->project, u->service);
	if (cid == NULL || job_gate(&r, "health", cid, &rep, &e) != DR_OK ||
	    rep.result != HEALTH_OK) {
		snprintf(why, sizeof(why), "new container %s: %s", cid ?
		    health_result_name(rep.result) : "missing", cid ?
		    rep.detail : "compose created no container");
		if (ctx->rollback < 0 && cid != NULL) {
			/* Auto-rollback off for this service (settings). */
			job_finish(&r, STORE_JOB_FAILED, STORE_TARGET_FAILED,
			    why);
			goto done;
		}
		jc_rollback(&r, u, edit, old.image_id, buf_str(&old_ref), why);
		goto done;
	}
	job_finish(&r, STORE_JOB_SUCCEEDED, STORE_TARGET_UPDATED, "updated");
done:
	err = DR_OK;
out:
	job_state_of(ctx->store, r.job, ret_state);
	json_decref(insp);
	json_decref(edit);
	imageref_free(ref);
	buf_done(&repo);
	buf_done(&old_ref);
	free(path);
	free(target);
	free(cid);
	free(detail);
	return err;
}

void
job_compose_recover(struct jrun *r, const struct store_job *j)
{
	const struct store_job_step	*pull, *edit, *health;
	struct job_compose_update	 u = { 0 };
	json_t				*pd = NULL, *ed = NULL, *eo = NULL;
	const char			**files = NULL;
	size_t				 i;

	pull = job_find_step(j, "pull");
	health = job_find_step(j, "health");
	if (health != NULL && health->status == STORE_STEP_DONE &&
	    job_find_step(j, "rollback") == NULL) {
		job_finish(r, STORE_JOB_SUCCEEDED, STORE_TARGET_UPDATED,
		    "updated (the gate had passed)");
		return;
	}
	if (pull == NULL || (pd = json_loads(pull->detail, 0, NULL)) == NULL ||
	    json_string_value(json_object_get(pd, "project")) == NULL) {
		job_finish(r, STORE_JOB_FAILED, STORE_TARGET_UNCHANGED,
		    "interrupted before any change");
		goto out;
	}
	if (job_find_step(j, "edit_compose") == NULL && job_find_step(j, "up") == NULL) {
		job_finish(r, STORE_JOB_FAILED, STORE_TARGET_UNCHANGED,
		    "interrupted after the pull; nothing changed");
		goto out;
	}
	u.project = json_string_value(json_object_get(pd, "project"));
	u.service = json_string_value(json_object_get(pd, "service"));
	u.env_file = json_string_value(json_object_get(pd, "env_file"));
	u.nfiles = json_array_size(json_object_get(pd, "files"));
	files = xcalloc(u.nfiles + 1, sizeof(*files));
	for (i = 0; i < u.nfiles; i++)
		files[i] = json_string_value(json_array_get(json_object_get(pd,
		    "files"), i));
	u.files = files;
	if ((edit = job_find_step(j, "edit_compose")) != NULL) {
		ed = json_loads(edit->detail, 0, NULL);
		if (ed != NULL && edit->outcome != NULL &&
		    (eo = json_loads(edit->outcome, 0, NULL)) != NULL) {
			json_object_set(ed, "written", json_object_get(eo,
			    "written"));
			json_object_set(ed, "path", json_object_get(eo,
			    "path"));
		}
	}
	jc_rollback(r, &u, ed, json_string_value(json_object_get(pd,
	    "old_image_id")), json_string_value(json_object_get(pd,
	    "old_ref")), "interrupted before the new version passed the gate");
out:
	free(files);
	json_decref(pd);
	json_decref(ed);
	json_decref(eo);
}
