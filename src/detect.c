/*
 * detect: inventory -> registry rounds -> per-container verdicts.
 * Round 1 asks each distinct floating repository:tag for its digest (HEAD)
 * and each versioned repository for its tags; round 2 fetches the index of
 * a floating tag that moved (is the host's child still ours?) and the
 * manifests of the chosen candidates; round 3 reads the config blob of
 * single-platform candidates for their architecture.  The registry client
 * merges identical requests, so 200 containers on one image cost what one
 * does.
 */
#include "detect.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dockercfg.h"
#include "imageref.h"
#include "jsonx.h"
#include "manifest.h"
#include "platcache.h"
#include "policy.h"
#include "registry-client.h"
#include "store.h"
#include "xmalloc.h"

struct work;

/* Identifies one candidate of one work item for a callback. */
struct cand_ref {
	struct work	*w;
	size_t		 k;
};

struct work {
	struct detect_item	*item;
	const struct platform	*host;
	struct platcache	*pc;		/* config digest -> platform */
	struct imageref		*ref;
	struct policy		*pol;
	bool			 label_enable;	/* opt-in mode */
	char			**local;	/* RepoDigests of this repo */
	size_t			 nlocal;
	bool			 versioned;
	struct version		 cur;
	struct registry_req	*head;		/* digest of the tag */
	struct registry_req	*tags;
	struct registry_req	*moved;		/* index the tag moved to */
	struct registry_req	*cand_get[DETECT_CANDIDATES_MAX];
	struct registry_req	*cand_blob[DETECT_CANDIDATES_MAX];
	struct cand_ref		 cref[DETECT_CANDIDATES_MAX];
};

/* Whether o asks for c. */
static bool
detect_wanted(const struct detect_opts *o, const struct inv_container *c)
{
	if (o->only_stack != NULL && (c->kind == INV_STANDALONE ||
	    c->stack == NULL || strcmp(c->stack, o->only_stack) != 0))
		return false;
	return o->only == NULL || inventory_matches(c, o->only);
}

bool
detect_label_enable_env(void)
{
	static const char	*vars[] = { "DOCKREV_LABEL_ENABLE",
				    "WATCHTOWER_LABEL_ENABLE" };
	const char		*v;
	size_t			 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if ((v = getenv(vars[i])) != NULL && (strcmp(v, "1") == 0 ||
		    strcasecmp(v, "true") == 0))
			return true;
	return false;
}

const char *
detect_status_name(enum detect_status s)
{
	static const char	*names[] = {
		[DETECT_UP_TO_DATE] = "up_to_date",
		[DETECT_UPDATE_AVAILABLE] = "update_available",
		[DETECT_SKIPPED] = "skipped",
		[DETECT_ERROR] = "error",
	};

	return names[s];
}

static void
item_set(struct detect_item *it, enum detect_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
item_set(struct detect_item *it, enum detect_status s, const char *fmt, ...)
{
	va_list	ap;
	char	*msg;

	it->status = s;
	if (fmt == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = xstrdup("(no memory)");
	va_end(ap);
	free(it->reason);
	it->reason = msg;
}

static bool
work_is_local(const struct work *w, const char *digest)
{
	size_t	i;

	for (i = 0; i < w->nlocal; i++)
		if (strcmp(w->local[i], digest) == 0)
			return true;
	return false;
}

/* Collects the digests of image's RepoDigests that name w's repository. */
static void
work_local_digests(struct work *w, const struct inv_image *img)
{
	json_t		*v;
	size_t		 i;

	if (img == NULL)
		return;
	json_array_foreach(img->repo_digests, i, v) {
		struct imageref	*rd = NULL;
		const char	*s = json_string_value(v);

		if (s == NULL || imageref_parse(span_str(s), &rd, NULL) != DR_OK)
			continue;
		if (rd->digest != NULL && strcmp(rd->domain, w->ref->domain) ==
		    0 && strcmp(rd->path, w->ref->path) == 0) {
			w->local = xreallocarray(w->local, w->nlocal + 1,
			    sizeof(*w->local));
			w->local[w->nlocal++] = xstrdup(rd->digest);
		}
		imageref_free(rd);
	}
}

static bool
detect_is_index(const char *ctype)
{
	return strstr(ctype, "manifest.list") != NULL ||
	    strstr(ctype, "image.index") != NULL;
}

/* Round 1 set-up for one container; false when it needs no registry. */
static bool
detect_prepare(struct work *w, const struct inventory *inv,
    struct registry *reg)
{
	struct detect_item	*it = w->item;
	const struct inv_container *c = it->c;
	struct dr_error		 e;
	const char		*reason, *tag;

	if (policy_from_labels(c->labels, &w->pol, &e) != DR_OK) {
		item_set(it, DETECT_ERROR, "%s", e.msg);
		return false;
	}
	if (policy_skip(w->pol, &reason)) {
		item_set(it, DETECT_SKIPPED, "%s", reason);
		return false;
	}
	if (w->label_enable && !policy_enabled(w->pol)) {
		item_set(it, DETECT_SKIPPED, "not enabled by a label (opt-in "
		    "mode: dockrev.enable=true)");
		return false;
	}
	if (imageref_parse(span_str(c->image), &w->ref, &e) != DR_OK) {
		if (strncmp(c->image, "sha256:", 7) == 0)
			item_set(it, DETECT_SKIPPED, "runs an image ID, not a "
			    "reference (its tag was removed or moved)");
		else
			item_set(it, DETECT_ERROR, "bad image reference: %s",
			    e.msg);
		return false;
	}
	work_local_digests(w, inventory_image(inv, c->image_id));
	if (w->ref->digest != NULL) {
		if (c->kind != INV_SWARM || w->ref->tag == NULL) {
			item_set(it, DETECT_SKIPPED, "pinned by digest");
			it->current_digest = xstrdup(w->ref->digest);
			return false;
		}
		/* Swarm pins tasks to the digest it resolved: that digest is
		 * what runs, the tag is what to follow. */
		while (w->nlocal > 0)
			free(w->local[--w->nlocal]);
		free(w->local);
		w->local = xcalloc(1, sizeof(*w->local));
		w->local[0] = xstrdup(w->ref->digest);
		w->nlocal = 1;
	}
	if (w->nlocal == 0) {
		item_set(it, DETECT_SKIPPED, "local image: no registry digest "
		    "for %s/%s (built here or never pulled)", w->ref->domain,
		    w->ref->path);
		return false;
	}
	it->current_digest = xstrdup(w->local[0]);
	tag = imageref_tag(w->ref);
	w->versioned = version_parse(span_str(tag), &w->cur);
	if (w->versioned) {
		w->tags = registry_submit(reg, w->ref->domain, w->ref->path,
		    REGISTRY_GET_TAGS, NULL);
		if (policy_watch_digest(w->pol))
			w->head = registry_submit(reg, w->ref->domain,
			    w->ref->path, REGISTRY_HEAD_MANIFEST, tag);
	} else
		w->head = registry_submit(reg, w->ref->domain, w->ref->path,
		    REGISTRY_HEAD_MANIFEST, tag);
	return true;
}

/* Round 2 for the digest of the container's own tag. */
static void
detect_head(struct work *w, struct registry *reg)
{
	struct detect_item	*it = w->item;
	const char		*msg, *d;

	if (registry_req_err(w->head, &msg) != DR_OK) {
		item_set(it, DETECT_ERROR, "%s", msg);
		return;
	}
	d = registry_req_digest(w->head);
	it->remote_digest = xstrdup(d);
	if (work_is_local(w, d)) {
		free(it->current_digest);
		it->current_digest = xstrdup(d);
		return;
	}
	if (detect_is_index(registry_req_content_type(w->head)) ||
	    registry_req_content_type(w->head)[0] == '\0')
		w->moved = registry_submit(reg, w->ref->domain, w->ref->path,
		    REGISTRY_GET_MANIFEST, d);
	else
		item_set(it, DETECT_UPDATE_AVAILABLE, NULL);
}

/* Round 2 for the tag list: choose candidates and fetch their manifests. */
static void
detect_tags(struct work *w, struct registry *reg)
{
	struct detect_item	*it = w->item;
	const char * const	*tags;
	const char		*msg;
	struct span		*spans;
	size_t			*idx, ntags, nallowed = 0, n, i;
	size_t			*map;

	if (registry_req_err(w->tags, &msg) != DR_OK) {
		item_set(it, DETECT_ERROR, "%s", msg);
		return;
	}
	tags = registry_req_tags(w->tags, &ntags);
	spans = xcalloc(ntags + 1, sizeof(*spans));
	map = xcalloc(ntags + 1, sizeof(*map));
	for (i = 0; i < ntags; i++) {
		if (!policy_tag_allowed(w->pol, span_str(tags[i])))
			continue;
		map[nallowed] = i;
		spans[nallowed++] = span_str(tags[i]);
	}
	idx = xcalloc(DETECT_CANDIDATES_MAX, sizeof(*idx));
	n = version_pick(&w->cur, spans, nallowed, idx, DETECT_CANDIDATES_MAX);
	for (i = 0; i < n; i++) {
		struct detect_candidate	*cd = &it->cands[it->ncands];
		struct version		 v;
		const char		*tag = tags[map[idx[i]]];

		if (!version_parse(span_str(tag), &v) ||
		    !version_newer(&w->cur, &v, &cd->kind, &cd->same_level))
			continue;
		cd->tag = xstrdup(tag);
		cd->arch = DETECT_ARCH_UNKNOWN;
		w->cand_get[it->ncands] = registry_submit(reg, w->ref->domain,
		    w->ref->path, REGISTRY_GET_MANIFEST, tag);
		it->ncands++;
	}
	free(idx);
	free(map);
	free(spans);
}

static void
detect_moved(struct work *w, const struct platform *host)
{
	struct detect_item		*it = w->item;
	const struct manifest_child	*child;
	struct manifest			 m;
	struct dr_error			 e;
	const char			*msg;
	char				 plat[128];
	struct buf			 pb;

	if (registry_req_err(w->moved, &msg) != DR_OK) {
		item_set(it, DETECT_ERROR, "%s", msg);
		return;
	}
	if (manifest_parse(registry_req_body(w->moved),
	    span_str(registry_req_content_type(w->moved)), &m, &e) != DR_OK) {
		item_set(it, DETECT_ERROR, "%s/%s@%s: %s", w->ref->domain,
		    w->ref->path, it->remote_digest, e.msg);
		return;
	}
	if (!m.is_index) {
		item_set(it, DETECT_UPDATE_AVAILABLE, NULL);
		goto out;
	}
	child = manifest_find_platform(&m, host);
	if (child == NULL) {
		buf_init(&pb, sizeof(plat));
		platform_format(host, &pb);
		item_set(it, DETECT_ERROR, "tag %s moved to %s, which has no "
		    "image for %s", imageref_tag(w->ref), it->remote_digest,
		    buf_str(&pb));
		buf_done(&pb);
	} else if (work_is_local(w, child->digest)) {
		/* Another platform moved; ours is the one we run. */
		item_set(it, DETECT_UP_TO_DATE, NULL);
	} else
		item_set(it, DETECT_UPDATE_AVAILABLE, NULL);
out:
	manifest_done(&m);
}

/* A single-platform candidate's verdict, from its config's platform. */
static void
cand_set_platform(struct detect_candidate *cd, const struct platform *host,
    const struct platform *p)
{
	struct buf	pb;

	cd->arch = platform_match(host, p) ? DETECT_ARCH_MATCH :
	    DETECT_ARCH_MISMATCH;
	buf_init(&pb, 32);
	platform_format(p, &pb);
	cd->platforms = xstrdup(buf_str(&pb));
	buf_done(&pb);
}

static void
detect_cand(struct work *w, size_t i, const struct platform *host,
    struct registry *reg)
{
	struct detect_candidate	*cd = &w->item->cands[i];
	struct manifest		 m;
	struct platform		 p;
	struct dr_error		 e;
	struct buf		 pb;
	const char		*msg;
	size_t			 k;
	bool			 known = false;

	if (registry_req_err(w->cand_get[i], &msg) != DR_OK) {
		item_set(w->item, DETECT_ERROR, "%s", msg);
		return;
	}
	cd->digest = xstrdup(registry_req_digest(w->cand_get[i]));
	if (manifest_parse(registry_req_body(w->cand_get[i]),
	    span_str(registry_req_content_type(w->cand_get[i])), &m, &e) !=
	    DR_OK) {
		item_set(w->item, DETECT_ERROR, "%s/%s:%s: %s", w->ref->domain,
		    w->ref->path, cd->tag, e.msg);
		return;
	}
	if (m.is_index) {
		buf_init(&pb, 64);
		for (k = 0; k < m.nchildren; k++) {
			if (!m.children[k].has_platform)
				continue;
			if (known)
				buf_addc(&pb, ',');
			platform_format(&m.children[k].platform, &pb);
			known = true;
		}
		if (known)
			cd->platforms = xstrdup(buf_str(&pb));
		buf_done(&pb);
		cd->arch = manifest_find_platform(&m, host) != NULL ?
		    DETECT_ARCH_MATCH : known ? DETECT_ARCH_MISMATCH :
		    DETECT_ARCH_UNKNOWN;
	} else if (platcache_get(w->pc, m.config_digest, &p))
		cand_set_platform(cd, host, &p);
	else
		w->cand_blob[i] = registry_submit(reg, w->ref->domain,
		    w->ref->path, REGISTRY_GET_BLOB, m.config_digest);
	manifest_done(&m);
}

static void
detect_blob(struct work *w, size_t i, const struct platform *host)
{
	struct detect_candidate	*cd = &w->item->cands[i];
	struct platform		 p;
	struct dr_error		 e;
	const char		*msg;

	if (registry_req_err(w->cand_blob[i], &msg) != DR_OK) {
		item_set(w->item, DETECT_ERROR, "%s", msg);
		return;
	}
	if (manifest_config_platform(registry_req_body(w->cand_blob[i]), &p,
	    &e) != DR_OK) {
		item_set(w->item, DETECT_ERROR, "%s/%s:%s config: %s",
		    w->ref->domain, w->ref->path, cd->tag, e.msg);
		return;
	}
	platcache_put(w->pc, registry_req_digest(w->cand_blob[i]), &p);
	cand_set_platform(cd, host, &p);
}

/*
 * Completion callbacks: each answer starts the requests that depend on it
 * at once, so a slow tag list never holds back another repository.
 */
static void
cb_blob(struct registry *reg, struct registry_req *req, void *arg)
{
	struct cand_ref	*c = arg;

	detect_blob(c->w, c->k, c->w->host);
}

static void
cb_cand(struct registry *reg, struct registry_req *req, void *arg)
{
	struct cand_ref	*c = arg;

	detect_cand(c->w, c->k, c->w->host, reg);
	if (c->w->cand_blob[c->k] != NULL)
		registry_on_done(reg, c->w->cand_blob[c->k], cb_blob, c);
}

static void
cb_moved(struct registry *reg, struct registry_req *req, void *arg)
{
	struct work	*w = arg;

	if (w->item->status != DETECT_ERROR)
		detect_moved(w, w->host);
}

static void
cb_head(struct registry *reg, struct registry_req *req, void *arg)
{
	struct work	*w = arg;

	detect_head(w, reg);
	if (w->moved != NULL)
		registry_on_done(reg, w->moved, cb_moved, w);
}

static void
cb_tags(struct registry *reg, struct registry_req *req, void *arg)
{
	struct work	*w = arg;
	size_t		 k;

	if (w->item->status == DETECT_ERROR)
		return;
	detect_tags(w, reg);
	for (k = 0; k < w->item->ncands; k++) {
		w->cref[k].w = w;
		w->cref[k].k = k;
		registry_on_done(reg, w->cand_get[k], cb_cand, &w->cref[k]);
	}
}

static void
detect_host_platform(struct docker *d, const json_t *info,
    struct platform *ret)
{
	const struct docker_version	*v = docker_version(d);
	const char			*machine;

	machine = json_string_value(json_object_get(info, "Architecture"));
	platform_set(ret, span_str(v->os), span_str(v->arch),
	    strcmp(v->arch, "arm") == 0 && machine != NULL &&
	    strncmp(machine, "armv6", 5) == 0 ? SPAN_LIT("v6") :
	    span_make("", 0));
}

/* The engine's insecure registries and docker.io mirrors, NULL-ended. */
static void
detect_engine_registries(const json_t *info, char ***ret_insecure,
    char ***ret_mirrors)
{
	json_t		*rc, *v, *cfg;
	const char	*k;
	char		**ins = NULL, **mir = NULL;
	size_t		 nins = 0, nmir = 0, i;

	if (info != NULL) {
		rc = json_object_get(info, "RegistryConfig");
		json_array_foreach(json_object_get(rc, "InsecureRegistryCIDRs"),
		    i, v) {
			ins = xreallocarray(ins, nins + 2, sizeof(*ins));
			ins[nins++] = xstrdup(json_string_value(v) ?
			    json_string_value(v) : "");
		}
		json_object_foreach(json_object_get(rc, "IndexConfigs"), k,
		    cfg) {
			if (json_is_false(json_object_get(cfg, "Secure"))) {
				ins = xreallocarray(ins, nins + 2,
				    sizeof(*ins));
				ins[nins++] = xstrdup(k);
			}
		}
		json_array_foreach(json_object_get(rc, "Mirrors"), i, v) {
			mir = xreallocarray(mir, nmir + 2, sizeof(*mir));
			mir[nmir++] = xstrdup(json_string_value(v) ?
			    json_string_value(v) : "");
		}
	}
	if (ins != NULL)
		ins[nins] = NULL;
	if (mir != NULL)
		mir[nmir] = NULL;
	*ret_insecure = ins;
	*ret_mirrors = mir;
}

static void
strv_free(char **v)
{
	size_t	i;

	for (i = 0; v != NULL && v[i] != NULL; i++)
		free(v[i]);
	free(v);
}

/* The config platforms remembered in the state directory (platcache.h). */
static struct platcache *
detect_platcache_load(void)
{
	struct platcache	*pc;
	char			*path;

	path = xasprintf("%s/config-platforms", store_default_dir());
	pc = platcache_load(path);
	free(path);
	return pc;
}

static void
detect_progress(const struct detect_opts *o, const char *what)
{
	if (o->progress != NULL)
		o->progress(what, o->progress_arg);
}

static long
ms_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

enum dr_err
detect_run(struct docker *d, const struct detect_opts *o,
    struct detect_result **ret, struct dr_error *reterr)
{
	struct detect_result	*res;
	struct registry_settings set = { 0 };
	struct inventory_filter	 filter;
	struct registry_stats	 st;
	struct registry		*reg = NULL;
	struct dockercfg	*creds = NULL;
	struct platcache	*pc = NULL;
	struct work		*w = NULL;
	struct timespec		 t0;
	char			**insecure = NULL, **mirrors = NULL;
	char			 msg[128];
	size_t			 i, k, nchecked = 0, nw = 0;
	enum dr_err		 err;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	res = xcalloc(1, sizeof(*res));
	res->ratelimit_remaining = res->ratelimit_limit = -1;
	if ((err = dockercfg_load(o->docker_config, &creds, reterr)) != DR_OK)
		goto fail;
	detect_progress(o, "reading containers");
	filter.name = o->only;
	filter.stack = o->only_stack;
	if ((err = inventory_load_filtered(d, o->all, o->only != NULL ||
	    o->only_stack != NULL ? &filter : NULL, &res->inv, reterr)) !=
	    DR_OK)
		goto fail;
	detect_host_platform(d, res->inv->json_info, &res->host);
	detect_engine_registries(res->inv->json_info, &insecure, &mirrors);
	set.creds = creds;
	set.insecure = (const char * const *)insecure;
	set.mirrors = (const char * const *)mirrors;
	reg = registry_new(&set);
	pc = detect_platcache_load();

	res->nitems = res->inv->ncontainers;
	res->items = xcalloc(res->nitems + 1, sizeof(*res->items));
	w = xcalloc(res->nitems + 1, sizeof(*w));
	nw = res->nitems;
	for (i = 0; i < res->nitems; i++) {
		res->items[i].c = &res->inv->containers[i];
		res->items[i].status = DETECT_UP_TO_DATE;
		w[i].item = &res->items[i];
		w[i].host = &res->host;
		w[i].pc = pc;
		w[i].label_enable = o->label_enable;
		if (!detect_wanted(o, res->items[i].c)) {
			item_set(&res->items[i], DETECT_SKIPPED, "not asked");
			continue;
		}
		if (!detect_prepare(&w[i], res->inv, reg))
			continue;
		nchecked++;
		/* The tag list first: a failed digest watch must not hide
		 * the candidates' reasons. */
		if (w[i].tags != NULL)
			registry_on_done(reg, w[i].tags, cb_tags, &w[i]);
		if (w[i].head != NULL)
			registry_on_done(reg, w[i].head, cb_head, &w[i]);
	}
	snprintf(msg, sizeof(msg), "asking registries about %zu containers",
	    nchecked);
	detect_progress(o, msg);
	registry_run(reg);
	platcache_save(pc);

	for (i = 0; i < res->nitems; i++) {
		struct detect_item	*it = &res->items[i];

		/* Only the moved tag has set update_available so far. */
		it->moved = it->status == DETECT_UPDATE_AVAILABLE;
		it->status = detect_restatus(it->status, it->moved, it->cands,
		    it->ncands);
	}

	registry_get_stats(reg, &st);
	res->registry_requests = st.requests;
	res->ratelimit_remaining = st.ratelimit_remaining;
	res->ratelimit_limit = st.ratelimit_limit;
	{
		/* Distinct references checked (what the user pays for). */
		char	**seen = xcalloc(res->nitems + 1, sizeof(*seen));
		size_t	 nseen = 0, j;

		for (i = 0; i < res->nitems; i++) {
			if (w[i].ref == NULL || (w[i].head == NULL &&
			    w[i].tags == NULL))
				continue;
			for (j = 0; j < nseen; j++)
				if (strcmp(seen[j], res->items[i].c->image) == 0)
					break;
			if (j == nseen)
				seen[nseen++] = (char *)res->items[i].c->image;
		}
		res->images = (unsigned)nseen;
		free(seen);
	}
	res->duration_ms = ms_since(&t0);
	*ret = res;
	res = NULL;
	err = DR_OK;
fail:
	for (i = 0; i < nw; i++) {
		imageref_free(w[i].ref);
		policy_free(w[i].pol);
		for (k = 0; k < w[i].nlocal; k++)
			free(w[i].local[k]);
		free(w[i].local);
	}
	free(w);
	registry_free(reg);
	platcache_free(pc);
	dockercfg_free(creds);
	strv_free(insecure);
	strv_free(mirrors);
	detect_result_free(res);
	return err;
}

void
detect_result_free(struct detect_result *res)
{
	size_t	i, k;

	if (res == NULL)
		return;
	for (i = 0; i < res->nitems; i++) {
		struct detect_item	*it = &res->items[i];

		free(it->reason);
		free(it->current_digest);
		free(it->remote_digest);
		for (k = 0; k < it->ncands; k++)
			detect_cand_clear(&it->cands[k]);
		for (k = 0; k < it->nignored; k++) {
			detect_cand_clear(&it->ignored[k].cand);
			free(it->ignored[k].rule_kind);
			free(it->ignored[k].rule_value);
			free(it->ignored[k].reason);
		}
	}
	free(res->items);
	inventory_free(res->inv);
	free(res);
}

enum detect_status
detect_restatus(enum detect_status cur, bool moved,
    const struct detect_candidate *cands, size_t n)
{
	size_t	k;

	if (cur == DETECT_SKIPPED || cur == DETECT_ERROR)
		return cur;
	if (moved)
		return DETECT_UPDATE_AVAILABLE;
	for (k = 0; k < n; k++)
		if (cands[k].arch == DETECT_ARCH_MATCH)
			return DETECT_UPDATE_AVAILABLE;
	return DETECT_UP_TO_DATE;
}

ssize_t
detect_best(const struct detect_candidate *cands, size_t n,
    bool allow_mismatch)
{
	size_t	i, k;

	/* The highest same-level minor, else patch, candidate (the list
	 * is highest first within a kind): never a major jump. */
	for (k = 0; k < 2; k++)
		for (i = 0; i < n; i++)
			if (cands[i].same_level && (cands[i].arch ==
			    DETECT_ARCH_MATCH || allow_mismatch) &&
			    cands[i].kind == (k == 0 ? VERSION_MINOR :
			    VERSION_PATCH))
				return (ssize_t)i;
	return -1;
}

void
detect_ignore(struct detect_item *it, size_t k, int64_t rule_id,
    const char *rule_kind, const char *rule_value, const char *reason)
{
	struct detect_ignored	*ig;

	assert(k < it->ncands && it->nignored < DETECT_CANDIDATES_MAX);
	ig = &it->ignored[it->nignored++];
	ig->cand = it->cands[k];
	ig->rule_id = rule_id;
	ig->rule_kind = rule_kind ? xstrdup(rule_kind) : NULL;
	ig->rule_value = rule_value ? xstrdup(rule_value) : NULL;
	ig->reason = reason ? xstrdup(reason) : NULL;
	memmove(&it->cands[k], &it->cands[k + 1], (it->ncands - k - 1) *
	    sizeof(it->cands[0]));
	it->ncands--;
	memset(&it->cands[it->ncands], 0, sizeof(it->cands[0]));
	it->status = detect_restatus(it->status, it->moved, it->cands,
	    it->ncands);
}


void
detect_cand_copy(struct detect_candidate *dst,
    const struct detect_candidate *src)
{
	*dst = *src;
	dst->tag = xstrdup(src->tag);
	dst->digest = src->digest ? xstrdup(src->digest) : NULL;
	dst->platforms = src->platforms ? xstrdup(src->platforms) : NULL;
}

void
detect_cand_clear(struct detect_candidate *c)
{
	free(c->tag);
	free(c->digest);
	free(c->platforms);
	memset(c, 0, sizeof(*c));
}

static json_t *
platforms_json(const char *list)
{
	json_t		*a;
	const char	*p, *comma;

	if (list == NULL)
		return json_null();
	a = json_array();
	for (p = list; *p != '\0'; p = *comma ? comma + 1 : comma) {
		comma = p + strcspn(p, ",");
		json_array_append_new(a, json_stringn(p, (size_t)(comma - p)));
	}
	return a;
}

json_t *
detect_cand_json(const struct detect_candidate *c)
{
	return json_pack("{s:s, s:o, s:s, s:b, s:o, s:o}", "tag", c->tag,
	    "digest", jsonx_str_or_null(c->digest), "kind",
	    version_kind_name(c->kind), "same_level", c->same_level,
	    "arch_match", c->arch == DETECT_ARCH_UNKNOWN ? json_null() :
	    json_boolean(c->arch == DETECT_ARCH_MATCH), "platforms",
	    platforms_json(c->platforms));
}


/* Joins a JSON array of platforms; false unless each is one. */
static bool
cand_platforms(const json_t *a, char **ret)
{
	struct platform	 p;
	struct buf	 b;
	const json_t	*x;
	size_t		 i;

	*ret = NULL;
	if (a == NULL || json_is_null(a))
		return true;
	if (!json_is_array(a) || json_array_size(a) == 0 ||
	    json_array_size(a) > DETECT_PLATFORMS_MAX)
		return false;
	buf_init(&b, 64);
	json_array_foreach(a, i, x) {
		if (!json_is_string(x) || !platform_parse(span_str(
		    json_string_value(x)), &p)) {
			buf_done(&b);
			return false;
		}
		if (i > 0)
			buf_addc(&b, ',');
		platform_format(&p, &b);
	}
	*ret = xstrdup(buf_str(&b));
	buf_done(&b);
	return true;
}

enum dr_err
detect_cand_from_json(const json_t *o, struct detect_candidate *c,
    struct dr_error *reterr)
{
	const json_t	*am = json_object_get(o, "arch_match");
	const char	*kind;

	memset(c, 0, sizeof(*c));
	kind = json_string_value(json_object_get(o, "kind"));
	if (!json_is_object(o) || !jsonx_get_str(o, "tag", true, &c->tag) ||
	    !jsonx_get_str(o, "digest", false, &c->digest) || kind == NULL ||
	    !version_kind_parse(kind, &c->kind) ||
	    !json_is_boolean(json_object_get(o, "same_level")) ||
	    (am != NULL && !json_is_null(am) && !json_is_boolean(am)) ||
	    !cand_platforms(json_object_get(o, "platforms"), &c->platforms)) {
		detect_cand_clear(c);
		return dr_fail(reterr, DR_EINVAL, "bad candidate");
	}
	c->same_level = json_is_true(json_object_get(o, "same_level"));
	c->arch = am == NULL || json_is_null(am) ? DETECT_ARCH_UNKNOWN :
	    json_is_true(am) ? DETECT_ARCH_MATCH : DETECT_ARCH_MISMATCH;
	return DR_OK;
}

json_t *
detect_result_json(const struct detect_result *res)
{
	json_t		*root, *items, *it, *cands, *cd, *ign;
	size_t		 i, k;

	root = json_object();
	json_object_set_new(root, "host", json_pack("{s:s, s:s, s:o}",
	    "os", res->host.os, "arch", res->host.arch,
	    "variant", jsonx_str_or_null(res->host.variant[0] ?
	    res->host.variant : NULL)));
	items = json_array();
	for (i = 0; i < res->nitems; i++) {
		const struct detect_item	*x = &res->items[i];

		cands = json_array();
		for (k = 0; k < x->ncands; k++)
			json_array_append_new(cands, detect_cand_json(
			    &x->cands[k]));
		ign = json_array();
		for (k = 0; k < x->nignored; k++) {
			const struct detect_ignored	*g = &x->ignored[k];

			cd = detect_cand_json(&g->cand);
			json_object_set_new(cd, "rule", json_pack("{s:I, s:o, "
			    "s:o}", "id", (json_int_t)g->rule_id, "kind",
			    jsonx_str_or_null(g->rule_kind), "value",
			    jsonx_str_or_null(g->rule_value)));
			json_object_set_new(cd, "reason",
			    jsonx_str_or_null(g->reason));
			json_array_append_new(ign, cd);
		}
		it = json_pack("{s:s, s:o, s:o, s:s, s:o, s:s, s:o, s:o, s:o}",
		    "container", x->c->name,
		    "stack", jsonx_str_or_null(x->c->stack),
		    "service", jsonx_str_or_null(x->c->service),
		    "image", x->c->image,
		    "current_digest", jsonx_str_or_null(x->current_digest),
		    "status", detect_status_name(x->status),
		    "reason", jsonx_str_or_null(x->reason),
		    "remote_digest", jsonx_str_or_null(x->remote_digest),
		    "candidates", cands);
		json_object_set_new(it, "ignored", ign);
		json_array_append_new(items, it);
	}
	json_object_set_new(root, "items", items);
	json_object_set_new(root, "stats", json_pack("{s:I, s:I, s:I}",
	    "images", (json_int_t)res->images, "registry_requests",
	    (json_int_t)res->registry_requests, "duration_ms",
	    (json_int_t)res->duration_ms));
	return root;
}
