/*
 * catalog: snapshots of the last check, rule books, and their JSON.  Rule
 * application happens at render time against the unfiltered candidates
 * kept in the snapshot, so a rule change needs no registry re-check.
 */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "imageref.h"
#include "jsonx.h"
#include "version.h"
#include "xmalloc.h"

static const char *const catalog_kind_names[] = {
	[INV_STANDALONE] = "standalone",
	[INV_COMPOSE] = "compose",
	[INV_SWARM] = "swarm",
};

void
catalog_identity(const struct inv_container *c, const char **ret_stack,
    const char **ret_name)
{
	if (c->kind != INV_STANDALONE && c->stack != NULL && c->service != NULL) {
		*ret_stack = c->stack;
		*ret_name = c->service;
	} else {
		*ret_stack = CATALOG_STANDALONE;
		*ret_name = c->kind == INV_SWARM && c->service != NULL ?
		    c->service : c->name;
	}
}

/* ---- snapshots ---------------------------------------------------------- */

struct catalog_snap *
catalog_snap_new(void)
{
	struct catalog_snap	*s = xcalloc(1, sizeof(*s));

	s->refs = 1;
	return s;
}

static void
svc_clear(struct catalog_svc *v)
{
	size_t	i;

	free(v->stack);
	free(v->name);
	for (i = 0; i < v->ncontainers; i++)
		free(v->containers[i]);
	free(v->containers);
	free(v->image);
	free(v->tag);
	free(v->current_digest);
	free(v->remote_digest);
	free(v->reason);
	for (i = 0; i < v->ncands; i++)
		detect_cand_clear(&v->cands[i]);
	memset(v, 0, sizeof(*v));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
svc_copy(struct catalog_svc *dst, const struct catalog_svc *src)
{
	size_t	i;

	*dst = *src;
	dst->stack = xstrdup(src->stack);
	dst->name = xstrdup(src->name);
	dst->containers = xcalloc(src->ncontainers + 1,
	    sizeof(*dst->containers));
	for (i = 0; i < src->ncontainers; i++)
		dst->containers[i] = xstrdup(src->containers[i]);
	dst->image = xstrdup(src->image);
	dst->tag = xstrdup(src->tag);
	dst->current_digest = dup_or_null(src->current_digest);
	dst->remote_digest = dup_or_null(src->remote_digest);
	dst->reason = dup_or_null(src->reason);
	for (i = 0; i < src->ncands; i++)
		detect_cand_copy(&dst->cands[i], &src->cands[i]);
}

static int
svc_cmp(const void *a, const void *b)
{
	const struct catalog_svc	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->stack, y->stack)) != 0)
		return c;
	return strcmp(x->name, y->name);
}

static char *
catalog_tag_of(const char *image)
{
	struct imageref	*ref = NULL;
	char		*tag;

	if (imageref_parse(span_str(image), &ref, NULL) != DR_OK)
		return xstrdup("");
	tag = xstrdup(imageref_tag(ref));
	imageref_free(ref);
	return tag;
}

static void
svc_add_container(struct catalog_svc *v, const char *name)
{
	if (v->ncontainers >= CATALOG_CONTAINERS_MAX)
		return;
	v->containers = xreallocarray(v->containers, v->ncontainers + 1,
	    sizeof(*v->containers));
	v->containers[v->ncontainers++] = xstrdup(name);
}

struct catalog_snap *
catalog_snap_from_detect(const struct detect_result *res, int64_t checked_at)
{
	struct catalog_snap	*s = catalog_snap_new();
	struct catalog_svc	*v;
	const char		*stack, *name;
	size_t			 i, k, cap = 0;

	s->checked_at = checked_at;
	s->host = res->host;
	for (i = 0; i < res->nitems; i++) {
		const struct detect_item	*it = &res->items[i];

		catalog_identity(it->c, &stack, &name);
		v = s->nsvcs > 0 ? &s->svcs[s->nsvcs - 1] : NULL;
		if (v != NULL && strcmp(v->stack, stack) == 0 &&
		    strcmp(v->name, name) == 0) {
			svc_add_container(v, it->c->name);
			continue;
		}
		if (s->nsvcs >= CATALOG_SERVICES_MAX)
			break;
		if (s->nsvcs == cap) {
			cap = cap ? cap * 2 : 16;
			s->svcs = xreallocarray(s->svcs, cap, sizeof(*s->svcs));
		}
		v = &s->svcs[s->nsvcs++];
		memset(v, 0, sizeof(*v));
		v->stack = xstrdup(stack);
		v->name = xstrdup(name);
		v->kind = it->c->kind;
		svc_add_container(v, it->c->name);
		v->image = xstrdup(it->c->image);
		v->tag = catalog_tag_of(it->c->image);
		v->current_digest = dup_or_null(it->current_digest);
		v->remote_digest = dup_or_null(it->remote_digest);
		v->status = it->status;
		v->reason = dup_or_null(it->reason);
		v->moved = it->moved;
		/* Unfiltered: candidates a rule hid (CLI) come back. */
		for (k = 0; k < it->ncands; k++)
			detect_cand_copy(&v->cands[v->ncands++],
			    &it->cands[k]);
		for (k = 0; k < it->nignored &&
		    v->ncands < DETECT_CANDIDATES_MAX; k++)
			detect_cand_copy(&v->cands[v->ncands++],
			    &it->ignored[k].cand);
		if (it->nignored > 0)
			v->status = detect_restatus(v->status, v->moved,
			    v->cands, v->ncands);
	}
	if (s->nsvcs > 1)
		qsort(s->svcs, s->nsvcs, sizeof(*s->svcs), svc_cmp);
	return s;
}

struct catalog_snap *
catalog_snap_merge(const struct catalog_snap *old,
    const struct catalog_snap *new,
    bool (*in_scope)(const char *, const char *, void *), void *arg)
{
	struct catalog_snap	*s = catalog_snap_new();
	size_t			 i, n = 0;

	s->checked_at = new->checked_at;
	s->host = new->host;
	s->svcs = xcalloc(old->nsvcs + new->nsvcs + 1, sizeof(*s->svcs));
	for (i = 0; i < new->nsvcs; i++)
		if (in_scope(new->svcs[i].stack, new->svcs[i].name, arg))
			svc_copy(&s->svcs[n++], &new->svcs[i]);
	/* new also holds what detect was not asked about (out of scope):
	 * only the scope decides what is replaced. */
	for (i = 0; i < old->nsvcs; i++) {
		if (in_scope(old->svcs[i].stack, old->svcs[i].name, arg))
			continue;
		svc_copy(&s->svcs[n++], &old->svcs[i]);
	}
	s->nsvcs = n;
	if (n > 1)
		qsort(s->svcs, n, sizeof(*s->svcs), svc_cmp);
	return s;
}

struct catalog_snap *
catalog_snap_follow(const struct catalog_snap *old,
    const struct inventory *inv, char **ret_new, size_t max,
    size_t *ret_nnew, bool *ret_more, bool *ret_changed)
{
	struct catalog_snap	*s = catalog_snap_new();
	struct catalog_svc	*v;
	const char		*stack, *name;
	char			*id;
	size_t			 i, j, k;
	bool			 seen;

	*ret_nnew = 0;
	*ret_more = *ret_changed = false;
	s->checked_at = old->checked_at;
	s->host = old->host;
	s->svcs = xcalloc(old->nsvcs + 1, sizeof(*s->svcs));
	for (i = 0; i < old->nsvcs; i++) {
		svc_copy(&s->svcs[i], &old->svcs[i]);
		for (k = 0; k < s->svcs[i].ncontainers; k++)
			free(s->svcs[i].containers[k]);
		s->svcs[i].ncontainers = 0;
	}
	s->nsvcs = old->nsvcs;
	for (i = 0; i < inv->ncontainers; i++) {
		catalog_identity(&inv->containers[i], &stack, &name);
		if ((v = (struct catalog_svc *)catalog_snap_find(s, stack,
		    name)) != NULL) {
			svc_add_container(v, inv->containers[i].name);
			/* Same service, other image (an update ran): its
			 * candidates are stale, check it again. */
			if (strcmp(v->image, inv->containers[i].image) == 0)
				continue;
		}
		id = xasprintf("%s/%s", stack, name);
		for (j = 0, seen = false; j < *ret_nnew && !seen; j++)
			seen = strcmp(ret_new[j], id) == 0;
		if (seen)
			free(id);
		else if (*ret_nnew < max)
			ret_new[(*ret_nnew)++] = id;
		else {
			free(id);
			*ret_more = true;
		}
	}
	for (i = j = 0; i < s->nsvcs; i++) {
		if (s->svcs[i].ncontainers == 0) {
			svc_clear(&s->svcs[i]);
			*ret_changed = true;
			continue;
		}
		if (i != j)
			s->svcs[j] = s->svcs[i];
		j++;
	}
	s->nsvcs = j;
	for (i = 0; i < s->nsvcs && !*ret_changed; i++) {
		const struct catalog_svc	*o = catalog_snap_find(old,
					    s->svcs[i].stack, s->svcs[i].name);

		*ret_changed = o->ncontainers != s->svcs[i].ncontainers;
		for (k = 0; k < o->ncontainers && !*ret_changed; k++)
			*ret_changed = strcmp(o->containers[k],
			    s->svcs[i].containers[k]) != 0;
	}
	return s;
}

const struct catalog_svc *
catalog_snap_find(const struct catalog_snap *s, const char *stack,
    const char *name)
{
	struct catalog_svc	key;

	if (s->nsvcs == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.stack = (char *)stack;
	key.name = (char *)name;
	return bsearch(&key, s->svcs, s->nsvcs, sizeof(*s->svcs), svc_cmp);
}

struct catalog_snap *
catalog_snap_ref(struct catalog_snap *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void
catalog_snap_unref(struct catalog_snap *s)
{
	size_t	i;

	if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < s->nsvcs; i++)
		svc_clear(&s->svcs[i]);
	free(s->svcs);
	free(s);
}

/* ---- persistence ---------------------------------------------------------- */


static json_t *
host_json(const struct platform *h)
{
	return json_pack("{s:o, s:o, s:o}",
	    "os", jsonx_str_or_null(h->os[0] ? h->os : NULL),
	    "arch", jsonx_str_or_null(h->arch[0] ? h->arch : NULL),
	    "variant", jsonx_str_or_null(h->variant[0] ? h->variant : NULL));
}

json_t *
catalog_snap_to_json(const struct catalog_snap *s)
{
	json_t	*a = json_array(), *c, *ct;
	size_t	 i, k;

	for (i = 0; i < s->nsvcs; i++) {
		const struct catalog_svc	*v = &s->svcs[i];

		c = json_array();
		for (k = 0; k < v->ncands; k++)
			json_array_append_new(c, detect_cand_json(&v->cands[k]));
		ct = json_array();
		for (k = 0; k < v->ncontainers; k++)
			json_array_append_new(ct, json_string(v->containers[k]));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:o, s:s, "
		    "s:s, s:o, s:o, s:s, s:o, s:b, s:o}", "stack", v->stack,
		    "name", v->name, "kind", catalog_kind_names[v->kind],
		    "containers", ct, "image", v->image, "tag", v->tag,
		    "current_digest", jsonx_str_or_null(v->current_digest),
		    "remote_digest", jsonx_str_or_null(v->remote_digest),
		    "status", detect_status_name(v->status),
		    "reason", jsonx_str_or_null(v->reason),
		    "moved", v->moved, "candidates", c));
	}
	return json_pack("{s:i, s:I, s:o, s:o}", "version",
	    CATALOG_SNAPSHOT_VERSION, "checked_at", (json_int_t)s->checked_at,
	    "host", host_json(&s->host), "services", a);
}

/* Index of s in names[0..n), or -1. */
static int
name_find(const char *const *names, int n, const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}


static enum dr_err
svc_from_json(const json_t *o, struct catalog_svc *v, struct dr_error *reterr)
{
	static const char *const statuses[] = { "up_to_date",
	    "update_available", "skipped", "error" };
	const json_t	*a, *x;
	size_t		 i;
	int		 k, st;

	memset(v, 0, sizeof(*v));
	if (!json_is_object(o) ||
	    !jsonx_get_str(o, "stack", true, &v->stack) ||
	    !jsonx_get_str(o, "name", true, &v->name) ||
	    !jsonx_get_str(o, "image", true, &v->image) ||
	    !jsonx_get_str(o, "current_digest", false, &v->current_digest) ||
	    !jsonx_get_str(o, "remote_digest", false, &v->remote_digest) ||
	    !jsonx_get_str(o, "reason", false, &v->reason) ||
	    !jsonx_get_str(o, "tag", false, &v->tag) ||
	    *v->stack == '\0' || *v->name == '\0')
		return dr_fail(reterr, DR_EINVAL, "snapshot: bad service");
	if (v->tag == NULL)
		v->tag = catalog_tag_of(v->image);
	if ((k = name_find(catalog_kind_names, 3, json_string_value(
	    json_object_get(o, "kind")))) < 0 || (st = name_find(statuses, 4,
	    json_string_value(json_object_get(o, "status")))) < 0)
		return dr_fail(reterr, DR_EINVAL, "snapshot: service %s/%s: "
		    "bad kind or status", v->stack, v->name);
	v->kind = (enum inv_kind)k;
	v->status = (enum detect_status)st;
	v->moved = json_is_true(json_object_get(o, "moved"));
	a = json_object_get(o, "containers");
	if (a != NULL && (!json_is_array(a) || json_array_size(a) >
	    CATALOG_CONTAINERS_MAX))
		return dr_fail(reterr, DR_EINVAL, "snapshot: bad containers");
	json_array_foreach(a, i, x) {
		if (!json_is_string(x))
			return dr_fail(reterr, DR_EINVAL, "snapshot: bad "
			    "container name");
		svc_add_container(v, json_string_value(x));
	}
	a = json_object_get(o, "candidates");
	if (a != NULL && (!json_is_array(a) || json_array_size(a) >
	    DETECT_CANDIDATES_MAX))
		return dr_fail(reterr, DR_EINVAL, "snapshot: bad candidates");
	json_array_foreach(a, i, x) {
		if (detect_cand_from_json(x, &v->cands[v->ncands], NULL) !=
		    DR_OK)
			return dr_fail(reterr, DR_EINVAL, "snapshot: bad "
			    "candidate");
		v->ncands++;
	}
	return DR_OK;
}

enum dr_err
catalog_snap_from_json(const json_t *doc, struct catalog_snap **ret,
    struct dr_error *reterr)
{
	struct catalog_snap	*s;
	const json_t		*a, *h, *x;
	enum dr_err		 err = DR_OK;
	size_t			 i;

	*ret = NULL;
	if (!json_is_object(doc) || json_integer_value(json_object_get(doc,
	    "version")) != CATALOG_SNAPSHOT_VERSION)
		return dr_fail(reterr, DR_EINVAL, "snapshot: not a version %d "
		    "document", CATALOG_SNAPSHOT_VERSION);
	a = json_object_get(doc, "services");
	if (!json_is_array(a) || json_array_size(a) > CATALOG_SERVICES_MAX)
		return dr_fail(reterr, DR_EINVAL, "snapshot: \"services\" must "
		    "be an array of at most %d", CATALOG_SERVICES_MAX);
	s = catalog_snap_new();
	s->checked_at = json_integer_value(json_object_get(doc, "checked_at"));
	h = json_object_get(doc, "host");
	snprintf(s->host.os, sizeof(s->host.os), "%s", json_string_value(
	    json_object_get(h, "os")) ? json_string_value(json_object_get(h,
	    "os")) : "");
	snprintf(s->host.arch, sizeof(s->host.arch), "%s", json_string_value(
	    json_object_get(h, "arch")) ? json_string_value(json_object_get(h,
	    "arch")) : "");
	snprintf(s->host.variant, sizeof(s->host.variant), "%s",
	    json_string_value(json_object_get(h, "variant")) ?
	    json_string_value(json_object_get(h, "variant")) : "");
	s->svcs = xcalloc(json_array_size(a) + 1, sizeof(*s->svcs));
	json_array_foreach(a, i, x) {
		err = svc_from_json(x, &s->svcs[s->nsvcs], reterr);
		s->nsvcs++;
		if (err != DR_OK) {
			catalog_snap_unref(s);
			return err;
		}
	}
	if (s->nsvcs > 1)
		qsort(s->svcs, s->nsvcs, sizeof(*s->svcs), svc_cmp);
	*ret = s;
	return DR_OK;
}

enum dr_err
catalog_snap_save(struct store *st, const struct catalog_snap *s,
    struct dr_error *reterr)
{
	sqlite3_stmt	*q;
	json_t		*j = catalog_snap_to_json(s);
	char		*doc = json_dumps(j, JSON_COMPACT);
	enum dr_err	 err;

	json_decref(j);
	if (doc == NULL)
		return dr_fail(reterr, DR_EINTERNAL, "snapshot: cannot encode");
	if ((err = store_prepare(st, "INSERT INTO catalog_snapshot (id, "
	    "checked_at, doc) VALUES (1, ?1, ?2) ON CONFLICT (id) DO UPDATE "
	    "SET checked_at = excluded.checked_at, doc = excluded.doc", &q,
	    reterr)) == DR_OK) {
		sqlite3_bind_int64(q, 1, s->checked_at);
		store_bind_text(q, 2, doc);
		err = store_exec(st, q, reterr);
	}
	free(doc);
	return err;
}

enum dr_err
catalog_snap_load(struct store *st, struct catalog_snap **ret,
    struct dr_error *reterr)
{
	sqlite3_stmt	*q;
	json_error_t	 je;
	json_t		*j = NULL;
	enum dr_err	 err;
	int		 rc, len;

	*ret = NULL;
	if ((err = store_prepare(st, "SELECT doc FROM catalog_snapshot "
	    "WHERE id = 1", &q, reterr)) != DR_OK)
		return err;
	if ((rc = store_step(st, q)) == SQLITE_ROW) {
		len = sqlite3_column_bytes(q, 0);
		if (len > CATALOG_DOC_MAX)
			err = dr_fail(reterr, DR_ETOOBIG, "snapshot: larger "
			    "than %d bytes", CATALOG_DOC_MAX);
		else if ((j = json_loadb((const char *)sqlite3_column_text(q,
		    0), (size_t)len, 0, &je)) == NULL)
			err = dr_fail(reterr, DR_EINVAL, "snapshot: %s",
			    je.text);
	} else if (rc != SQLITE_DONE)
		err = store_fail(st, rc, reterr);
	store_done(q);
	if (err != DR_OK)
		return err;
	if (j == NULL) {
		*ret = catalog_snap_new();
		return DR_OK;
	}
	err = catalog_snap_from_json(j, ret, reterr);
	json_decref(j);
	return err;
}

/* ---- rule books ------------------------------------------------------------ */

struct catalog_rule {
	struct store_rule	 r;
	struct ignore_rule	*ir;
};

struct catalog_rules {
	int			 refs;
	struct catalog_rule	*rules;		/* by stack, service, id */
	size_t			 nrules;
	struct store_svc_list	 svcs;
};

struct catalog_rules *
catalog_rules_empty(void)
{
	struct catalog_rules	*b = xcalloc(1, sizeof(*b));

	b->refs = 1;
	return b;
}

enum dr_err
catalog_rules_load(struct store *st, struct catalog_rules **ret,
    struct dr_error *reterr)
{
	struct catalog_rules	*b = catalog_rules_empty();
	struct store_rule_list	 l;
	enum dr_err		 err;
	size_t			 i;

	*ret = NULL;
	if ((err = store_rule_list(st, NULL, NULL, &l, reterr)) != DR_OK)
		goto fail;
	b->rules = xcalloc(l.n + 1, sizeof(*b->rules));
	for (i = 0; i < l.n; i++) {
		/* Stored values parsed when written; one that no longer
		 * does (a newer binary's syntax) is left out, not fatal. */
		if (ignore_rule_parse(l.rules[i].kind, l.rules[i].value,
		    &b->rules[b->nrules].ir, NULL) != DR_OK) {
			store_rule_clear(&l.rules[i]);
			continue;
		}
		b->rules[b->nrules++].r = l.rules[i];
	}
	free(l.rules);
	if ((err = store_svc_list(st, &b->svcs, reterr)) != DR_OK)
		goto fail;
	*ret = b;
	return DR_OK;
fail:
	catalog_rules_unref(b);
	return err;
}

struct catalog_rules *
catalog_rules_ref(struct catalog_rules *b)
{
	__atomic_add_fetch(&b->refs, 1, __ATOMIC_RELAXED);
	return b;
}

void
catalog_rules_unref(struct catalog_rules *b)
{
	size_t	i;

	if (b == NULL || __atomic_sub_fetch(&b->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	for (i = 0; i < b->nrules; i++) {
		store_rule_clear(&b->rules[i].r);
		ignore_rule_free(b->rules[i].ir);
	}
	free(b->rules);
	store_svc_list_done(&b->svcs);
	free(b);
}

const struct store_svc *
catalog_rules_settings(const struct catalog_rules *b, const char *stack,
    const char *name)
{
	static const struct store_svc	unset = { -1, -1, -1, -1 };
	size_t				i;

	for (i = 0; b != NULL && i < b->svcs.n; i++)
		if (strcmp(b->svcs.entries[i].stack, stack) == 0 &&
		    strcmp(b->svcs.entries[i].service, name) == 0)
			return &b->svcs.entries[i].s;
	return &unset;
}

json_t *
catalog_settings_json(const struct store_svc *s)
{
	return json_pack("{s:b, s:i, s:i, s:b}", "auto_rollback",
	    s->auto_rollback != 0, "health_deadline_s", s->health_deadline_s >
	    0 ? s->health_deadline_s : HEALTH_DEADLINE_MS / 1000, "settle_s",
	    s->settle_s >= 0 ? s->settle_s : HEALTH_SETTLE_MS / 1000,
	    "allow_arch_mismatch", s->allow_arch_mismatch == 1);
}

json_t *
catalog_rule_json(const struct store_rule *r)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:b, s:I, s:I}", "id",
	    (json_int_t)r->id, "stack", r->stack, "service", r->service,
	    "kind", store_rule_kind_name(r->kind), "value", r->value,
	    "reason", jsonx_str_or_null(r->reason), "enabled", r->enabled,
	    "created_at", (json_int_t)r->created_at, "updated_at",
	    (json_int_t)r->updated_at);
}

/* The first enabled rule of stack/name that hides tag, or NULL. */
static const struct catalog_rule *
rules_match(const struct catalog_rules *b, const char *stack,
    const char *name, const char *tag)
{
	size_t	i;

	for (i = 0; b != NULL && i < b->nrules; i++) {
		const struct catalog_rule	*cr = &b->rules[i];

		if (cr->r.enabled && strcmp(cr->r.stack, stack) == 0 &&
		    strcmp(cr->r.service, name) == 0 &&
		    ignore_rule_match(cr->ir, tag))
			return cr;
	}
	return NULL;
}

/* The reason shown for a candidate cr hid: the rule's own, else one
 * naming the rule. */
static char *
rule_reason(const struct catalog_rule *cr)
{
	if (cr->r.reason != NULL && *cr->r.reason != '\0')
		return xstrdup(cr->r.reason);
	return xasprintf("ignored by rule %lld (%s %s)", (long long)cr->r.id,
	    store_rule_kind_name(cr->r.kind), cr->r.value);
}

void
catalog_apply_detect(const struct catalog_rules *b, struct detect_result *res)
{
	const struct catalog_rule	*cr;
	const char			*stack, *name;
	char				*why;
	size_t				 i, k;

	for (i = 0; i < res->nitems; i++) {
		struct detect_item	*it = &res->items[i];

		catalog_identity(it->c, &stack, &name);
		for (k = 0; k < it->ncands;) {
			if ((cr = rules_match(b, stack, name,
			    it->cands[k].tag)) == NULL) {
				k++;
				continue;
			}
			why = rule_reason(cr);
			detect_ignore(it, k, cr->r.id, store_rule_kind_name(
			    cr->r.kind), cr->r.value, why);
			free(why);
		}
	}
}

/* ---- rendering ------------------------------------------------------------- */

/* A service through the rules. */
struct svc_view {
	struct detect_candidate		 vis[DETECT_CANDIDATES_MAX];
	size_t				 nvis;
	const struct detect_candidate	*ign[DETECT_CANDIDATES_MAX];
	const struct catalog_rule	*ign_rule[DETECT_CANDIDATES_MAX];
	size_t				 nign;
	enum detect_status		 status;
	const struct store_svc		*settings;
	ssize_t				 best;
};

static void
svc_view(const struct catalog_svc *v, const struct catalog_rules *b,
    struct svc_view *w)
{
	const struct catalog_rule	*cr;
	size_t				 k;

	w->nvis = w->nign = 0;
	for (k = 0; k < v->ncands; k++) {
		if ((cr = rules_match(b, v->stack, v->name, v->cands[k].tag)) !=
		    NULL) {
			w->ign[w->nign] = &v->cands[k];
			w->ign_rule[w->nign++] = cr;
		} else
			w->vis[w->nvis++] = v->cands[k];
	}
	w->status = detect_restatus(v->status, v->moved, w->vis, w->nvis);
	w->settings = catalog_rules_settings(b, v->stack, v->name);
	w->best = w->status == DETECT_UPDATE_AVAILABLE ? detect_best(w->vis,
	    w->nvis, w->settings->allow_arch_mismatch == 1) : -1;
}

json_t *
catalog_svc_json(const struct catalog_svc *v, const struct catalog_rules *b)
{
	struct svc_view	 w;
	json_t		*o, *c, *ig, *ct, *best, *x;
	char		*why;
	size_t		 k;

	svc_view(v, b, &w);
	c = json_array();
	for (k = 0; k < w.nvis; k++)
		json_array_append_new(c, detect_cand_json(&w.vis[k]));
	ig = json_array();
	for (k = 0; k < w.nign; k++) {
		x = detect_cand_json(w.ign[k]);
		json_object_set_new(x, "rule", json_pack("{s:I, s:s, s:s}",
		    "id", (json_int_t)w.ign_rule[k]->r.id, "kind",
		    store_rule_kind_name(w.ign_rule[k]->r.kind), "value",
		    w.ign_rule[k]->r.value));
		why = rule_reason(w.ign_rule[k]);
		json_object_set_new(x, "reason", json_string(why));
		free(why);
		json_array_append_new(ig, x);
	}
	ct = json_array();
	for (k = 0; k < v->ncontainers; k++)
		json_array_append_new(ct, json_string(v->containers[k]));
	if (w.best >= 0)
		best = detect_cand_json(&w.vis[w.best]);
	else if (w.status == DETECT_UPDATE_AVAILABLE && v->moved)
		/* The same tag moved: update pulls it again. */
		best = json_pack("{s:s, s:o, s:s, s:b, s:b, s:n}",
		    "tag", v->tag,
		    "digest", jsonx_str_or_null(v->remote_digest),
		    "kind", "digest", "same_level", 1, "arch_match", 1,
		    "platforms");
	else
		best = json_null();
	o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:s, s:o, "
	    "s:o, s:o, s:o, s:o}", "stack", v->stack, "name", v->name, "kind",
	    catalog_kind_names[v->kind], "containers", ct, "image", v->image,
	    "tag", v->tag,
	    "current_digest", jsonx_str_or_null(v->current_digest),
	    "remote_digest", jsonx_str_or_null(v->remote_digest),
	    "status", detect_status_name(w.status),
	    "reason", jsonx_str_or_null(v->reason),
	    "candidates", c, "ignored", ig, "best", best, "settings",
	    catalog_settings_json(w.settings));
	return o;
}

json_t *
catalog_preview(const struct catalog_svc *v, const struct ignore_rule *ir)
{
	json_t	*a = json_array();
	size_t	 k;

	for (k = 0; v != NULL && k < v->ncands; k++)
		if (ignore_rule_match(ir, v->cands[k].tag))
			json_array_append_new(a, detect_cand_json(&v->cands[k]));
	return a;
}

/* Whether update would take something: a best candidate or the moved
 * tag. */
static bool
svc_has_update(const struct catalog_svc *v, const struct catalog_rules *b)
{
	struct svc_view	w;

	svc_view(v, b, &w);
	return w.best >= 0 || (w.status == DETECT_UPDATE_AVAILABLE &&
	    v->moved);
}

size_t
catalog_updates(const struct catalog_snap *s, const struct catalog_rules *b,
    void (*each)(const char *, const char *, bool, void *), void *arg)
{
	size_t	i, n = 0;
	bool	up;

	for (i = 0; i < s->nsvcs; i++) {
		up = svc_has_update(&s->svcs[i], b);
		n += up;
		if (each != NULL)
			each(s->svcs[i].stack, s->svcs[i].name, up, arg);
	}
	return n;
}

/* The stack element for svcs[from..to). */
static json_t *
stack_json(const struct catalog_snap *s, const struct catalog_rules *b,
    size_t from, size_t to, size_t *ret_updates)
{
	json_t	*a = json_array(), *x;
	size_t	 i, up = 0;

	for (i = from; i < to; i++) {
		x = catalog_svc_json(&s->svcs[i], b);
		up += strcmp(json_string_value(json_object_get(x, "status")),
		    "update_available") == 0;
		json_array_append_new(a, x);
	}
	*ret_updates = up;
	return json_pack("{s:s, s:s, s:{s:I, s:I}, s:o}", "name",
	    s->svcs[from].stack, "kind", strcmp(s->svcs[from].stack,
	    CATALOG_STANDALONE) == 0 ? "standalone" :
	    catalog_kind_names[s->svcs[from].kind], "counts", "services",
	    (json_int_t)(to - from), "updates", (json_int_t)up, "services", a);
}

json_t *
catalog_doc(const struct catalog_snap *s, const struct catalog_rules *b,
    const char *stack)
{
	json_t	*stacks = json_array(), *x;
	size_t	 i, j, up, nstacks = 0, nup = 0;

	for (i = 0; i < s->nsvcs; i = j) {
		for (j = i + 1; j < s->nsvcs && strcmp(s->svcs[j].stack,
		    s->svcs[i].stack) == 0; j++)
			;
		if (stack != NULL && strcmp(stack, s->svcs[i].stack) != 0)
			continue;
		x = stack_json(s, b, i, j, &up);
		if (stack != NULL) {
			json_decref(stacks);
			return x;
		}
		nstacks++;
		nup += up;
		json_array_append_new(stacks, x);
	}
	if (stack != NULL) {
		json_decref(stacks);
		return NULL;
	}
	return json_pack("{s:o, s:o, s:{s:I, s:I, s:I}, s:o}", "host",
	    host_json(&s->host), "checked_at", s->checked_at > 0 ?
	    json_integer(s->checked_at) : json_null(), "counts", "stacks",
	    (json_int_t)nstacks, "services", (json_int_t)s->nsvcs, "updates",
	    (json_int_t)nup, "stacks", stacks);
}
