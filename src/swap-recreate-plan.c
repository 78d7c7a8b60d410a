/*
 * swap-recreate-plan: the pure half of the recreate swap.  Computes the
 * plan from recorded engine answers (a container's full inspect, the old
 * and the new image): the create body for the new container without the
 * old image's defaults, the old configuration for an undo after the old
 * container vanished, and the networks to connect after create; and the
 * plan's JSON form for the journal.  Invariant: nothing here calls the
 * engine; everything the steps and the undo need is in the plan, computed
 * before anything changes.  The engine half is swap-recreate.c.
 */
#include "swap-recreate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "swap-recreate-int.h"
#include "xmalloc.h"

#define RECREATE_SHORT_ID	12

/*
 * Fields the negotiated API does not take in a create body.  `since`:
 * first version taking it; `until`: first version refusing or ignoring
 * it; drop_empty: drop a zero/empty value in any version (deprecated
 * fields the inspect still shows).
 */
struct recreate_field {
	const char	*section;	/* "HostConfig", or NULL for Config */
	const char	*key;
	const char	*since;
	const char	*until;
	bool		 drop_empty;
};

static const struct recreate_field recreate_fields[] = {
	{ "HostConfig", "KernelMemory", NULL, "1.42", true },
	{ "HostConfig", "KernelMemoryTCP", NULL, "1.52", true },
	{ "HostConfig", "CgroupnsMode", "1.41", NULL, false },
	{ "HostConfig", "Annotations", "1.43", NULL, true },
	{ "HostConfig", "ConsoleSize", "1.40", NULL, false },
	/* Moved to the primary endpoint from 1.44 (done before this). */
	{ NULL, "MacAddress", NULL, "1.44", true },
	/* Image-only settings a container never needs. */
	{ NULL, "OnBuild", NULL, NULL, true },
};

/*
 * Endpoint settings a create or connect may carry, with their versions;
 * the rest of an inspect's endpoint (addresses, ids, DNSNames) is state.
 */
static const struct recreate_field recreate_endpoint_fields[] = {
	{ NULL, "IPAMConfig", NULL, NULL, false },
	{ NULL, "Links", NULL, NULL, false },
	{ NULL, "Aliases", NULL, NULL, false },
	{ NULL, "DriverOpts", NULL, NULL, false },
	{ NULL, "MacAddress", "1.44", NULL, false },
	{ NULL, "GwPriority", "1.48", NULL, false },
};

/* Config keys equal to the old image's that give way to the new image's. */
static const char *const recreate_image_scalars[] = {
	"WorkingDir", "User", "StopSignal", "Shell",
};

const char *
recreate_jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

char *
recreate_dup(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

/* null, "", [], {} and absent all mean "not set". */
static bool
recreate_empty(const json_t *j)
{
	if (j == NULL || json_is_null(j))
		return true;
	if (json_is_string(j))
		return json_string_length(j) == 0;
	if (json_is_array(j))
		return json_array_size(j) == 0;
	if (json_is_object(j))
		return json_object_size(j) == 0;
	if (json_is_integer(j))
		return json_integer_value(j) == 0;
	return false;
}

static bool
recreate_same(const json_t *a, const json_t *b)
{
	if (recreate_empty(a) && recreate_empty(b))
		return true;
	return a != NULL && b != NULL && json_equal(a, b);
}

static bool
recreate_api_in(const char *api, const char *since, const char *until)
{
	if (since != NULL && docker_api_cmp(api, since) < 0)
		return false;
	if (until != NULL && docker_api_cmp(api, until) >= 0)
		return false;
	return true;
}

static bool
recreate_str_in(const json_t *arr, const char *s)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(arr, i, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

/* ---- plan computation ------------------------------------------------- */

/* Drops the old image's defaults from a create body (Watchtower's rule). */
static void
recreate_strip_defaults(json_t *body, const json_t *ic)
{
	json_t		*arr, *obj, *v, *iv;
	const char	*k;
	void		*tmp;
	size_t		 i;

	arr = json_object_get(body, "Env");
	if (json_is_array(arr)) {
		for (i = json_array_size(arr); i-- > 0;) {
			v = json_array_get(arr, i);
			if (json_is_string(v) && recreate_str_in(
			    json_object_get(ic, "Env"), json_string_value(v)))
				json_array_remove(arr, i);
		}
	}
	/* A user entrypoint clears the image's Cmd: keep Cmd with it. */
	if (recreate_same(json_object_get(body, "Entrypoint"),
	    json_object_get(ic, "Entrypoint"))) {
		json_object_del(body, "Entrypoint");
		if (recreate_same(json_object_get(body, "Cmd"),
		    json_object_get(ic, "Cmd")))
			json_object_del(body, "Cmd");
	}
	for (i = 0; i < sizeof(recreate_image_scalars) /
	    sizeof(recreate_image_scalars[0]); i++) {
		k = recreate_image_scalars[i];
		if (recreate_same(json_object_get(body, k),
		    json_object_get(ic, k)))
			json_object_del(body, k);
	}
	/*
	 * Healthcheck field by field: `docker run --health-start-period`
	 * alone gives a merged Healthcheck whose Test came from the old
	 * image.  Drop what equals the old image's so the daemon fills it
	 * from the new image (its create merge works per field).
	 */
	obj = json_object_get(body, "Healthcheck");
	iv = json_object_get(ic, "Healthcheck");
	if (json_is_object(obj) && json_is_object(iv)) {
		json_object_foreach_safe(obj, tmp, k, v) {
			if (recreate_same(v, json_object_get(iv, k)))
				json_object_del(obj, k);
		}
		if (json_object_size(obj) == 0)
			json_object_del(body, "Healthcheck");
	}
	obj = json_object_get(body, "ExposedPorts");
	json_object_foreach_safe(obj, tmp, k, v) {
		if (json_object_get(json_object_get(ic, "ExposedPorts"), k))
			json_object_del(obj, k);
	}
	obj = json_object_get(body, "Volumes");
	json_object_foreach_safe(obj, tmp, k, v) {
		if (json_object_get(json_object_get(ic, "Volumes"), k))
			json_object_del(obj, k);
	}
	obj = json_object_get(body, "Labels");
	json_object_foreach_safe(obj, tmp, k, v) {
		iv = json_object_get(json_object_get(ic, "Labels"), k);
		if (iv != NULL && json_equal(iv, v))
			json_object_del(obj, k);
	}
}

/* The destination of a HostConfig.Binds entry "src:dst[:mode]". */
static bool
recreate_bind_dst(const char *bind, const char *dst)
{
	const char	*p, *e;
	size_t		 n;

	if ((p = strchr(bind, ':')) == NULL)
		return strcmp(bind, dst) == 0;
	p++;
	e = strchr(p, ':');
	n = e != NULL ? (size_t)(e - p) : strlen(p);
	return strlen(dst) == n && strncmp(p, dst, n) == 0;
}

/* Whether dst is mounted by the configuration rather than anonymously. */
static bool
recreate_covered(const json_t *hc, const json_t *volumes_from,
    const char *dst)
{
	json_t		*v, *m;
	const char	*k;
	size_t		 i, j;

	json_array_foreach(json_object_get(hc, "Binds"), i, v) {
		if (json_is_string(v) &&
		    recreate_bind_dst(json_string_value(v), dst))
			return true;
	}
	json_array_foreach(json_object_get(hc, "Mounts"), i, v) {
		k = recreate_jstr(v, "Target");
		if (k != NULL && strcmp(k, dst) == 0)
			return true;
	}
	if (json_object_get(json_object_get(hc, "Tmpfs"), dst) != NULL)
		return true;
	json_array_foreach(volumes_from, i, v) {
		json_array_foreach(json_object_get(v, "Mounts"), j, m) {
			k = recreate_jstr(m, "Destination");
			if (k != NULL && strcmp(k, dst) == 0)
				return true;
		}
	}
	return false;
}

/*
 * Anonymous volumes (image VOLUMEs, -v /path, --mount without source) are
 * reattached by name through HostConfig.Mounts, or the new container would
 * get fresh empty ones.
 */
static void
recreate_fix_mounts(json_t *hc, const json_t *mounts,
    const json_t *volumes_from)
{
	json_t		*hm, *v, *m;
	const char	*dst, *name, *type;
	size_t		 i, j;

	hm = json_object_get(hc, "Mounts");
	json_array_foreach(hm, i, v) {
		if (strcmp(recreate_jstr(v, "Type") ? recreate_jstr(v, "Type") :
		    "", "volume") != 0 || !recreate_empty(
		    json_object_get(v, "Source")))
			continue;
		dst = recreate_jstr(v, "Target");
		json_array_foreach(mounts, j, m) {
			name = recreate_jstr(m, "Name");
			if (dst != NULL && name != NULL && recreate_jstr(m,
			    "Destination") != NULL && strcmp(recreate_jstr(m,
			    "Destination"), dst) == 0) {
				json_object_set_new(v, "Source",
				    json_string(name));
				break;
			}
		}
	}
	json_array_foreach(mounts, i, m) {
		type = recreate_jstr(m, "Type");
		dst = recreate_jstr(m, "Destination");
		name = recreate_jstr(m, "Name");
		if (type == NULL || strcmp(type, "volume") != 0 ||
		    dst == NULL || name == NULL || *name == '\0' ||
		    recreate_covered(hc, volumes_from, dst))
			continue;
		if (!json_is_array(hm)) {
			hm = json_array();
			json_object_set_new(hc, "Mounts", hm);
		}
		v = json_pack("{s:s, s:s, s:s}", "Type", "volume", "Source",
		    name, "Target", dst);
		if (json_is_false(json_object_get(m, "RW")))
			json_object_set_new(v, "ReadOnly", json_true());
		json_array_append_new(hm, v);
	}
}

/* Inspect shows legacy links as "/other:/self/alias"; create wants
   "other:alias". */
static void
recreate_fix_links(json_t *hc)
{
	json_t		*links, *v;
	const char	*s, *colon, *slash;
	char		*name;
	size_t		 i;

	links = json_object_get(hc, "Links");
	json_array_foreach(links, i, v) {
		s = json_string_value(v);
		if (s == NULL || *s != '/' ||
		    (colon = strchr(s, ':')) == NULL ||
		    (slash = strrchr(colon, '/')) == NULL)
			continue;
		name = xstrndup(s + 1, (size_t)(colon - s - 1));
		json_array_set_new(links, i, json_sprintf("%s:%s", name,
		    slash + 1));
		free(name);
	}
}

/* Drops what recreate_fields says the API version does not take. */
static void
recreate_strip_api(json_t *body, const char *api)
{
	const struct recreate_field	*f;
	json_t				*o, *v;
	size_t				 i;

	for (i = 0; i < sizeof(recreate_fields) / sizeof(recreate_fields[0]);
	    i++) {
		f = &recreate_fields[i];
		o = f->section ? json_object_get(body, f->section) : body;
		if ((v = json_object_get(o, f->key)) == NULL)
			continue;
		if (!recreate_api_in(api, f->since, f->until) ||
		    (f->drop_empty && recreate_empty(v)))
			json_object_del(o, f->key);
	}
}

/* The endpoint settings to send for one network of the inspect. */
static json_t *
recreate_endpoint(const char *net, const json_t *ep, const char *short_id,
    const char *mac, const char *api)
{
	const struct recreate_field	*f;
	json_t				*out, *v, *a, *s;
	const char			*k;
	size_t				 i, j;

	out = json_object();
	for (i = 0; i < sizeof(recreate_endpoint_fields) /
	    sizeof(recreate_endpoint_fields[0]); i++) {
		f = &recreate_endpoint_fields[i];
		if (!recreate_api_in(api, f->since, f->until))
			continue;
		if (strcmp(f->key, "MacAddress") == 0) {
			/* Only a MAC the user set: generated ones follow the IP
			   (20.10) or are random (25+). */
			if (mac != NULL && *mac != '\0')
				json_object_set_new(out, f->key,
				    json_string(mac));
			continue;
		}
		/* Empty but set ({} from `docker network connect`) stays
		   set, so the inspect shows the same. */
		v = json_object_get(ep, f->key);
		if (v == NULL || json_is_null(v))
			continue;
		if (strcmp(f->key, "Aliases") == 0) {
			/* The daemon adds the short id itself (< 1.45), and the
			   default bridge takes no aliases at all. */
			a = json_array();
			json_array_foreach(v, j, s) {
				k = json_string_value(s);
				if (k != NULL && strcmp(k, short_id) != 0)
					json_array_append(a, s);
			}
			if (strcmp(net, "bridge") == 0 &&
			    json_array_size(a) > 0)
				json_decref(a);
			else
				json_object_set_new(out, f->key, a);
			continue;
		}
		json_object_set(out, f->key, v);
	}
	return out;
}

/* The key of Networks that HostConfig.NetworkMode names, or NULL. */
static const char *
recreate_primary(const json_t *nets, const char *mode)
{
	const char	*k;
	json_t		*v;

	if (strcmp(mode, "default") == 0 || *mode == '\0')
		mode = "bridge";
	if (json_object_get(nets, mode) != NULL)
		return mode;
	json_object_foreach((json_t *)nets, k, v) {
		const char	*id = recreate_jstr(v, "NetworkID");

		if (id != NULL && strlen(mode) >= RECREATE_SHORT_ID &&
		    strncmp(id, mode, strlen(mode)) == 0)
			return k;
	}
	return NULL;
}

static bool
recreate_no_endpoints(const char *mode)
{
	return strcmp(mode, "host") == 0 || strcmp(mode, "none") == 0 ||
	    strncmp(mode, "container:", 10) == 0;
}

/* Fills body's NetworkingConfig and the plan's list of networks. */
static void
recreate_networks(struct recreate_plan *p, json_t *body, json_t *hc,
    const json_t *inspect, const char *api)
{
	const json_t	*nets;
	json_t		*eps, *ep;
	const char	*mode, *primary, *k, *mac;
	char		 short_id[RECREATE_SHORT_ID + 1];
	bool		 many;
	json_t		*v;

	snprintf(short_id, sizeof(short_id), "%s", p->old_id);
	eps = json_object();
	json_object_set_new(body, "NetworkingConfig", json_pack("{s:o}",
	    "EndpointsConfig", eps));
	mode = recreate_jstr(hc, "NetworkMode");
	if (mode == NULL)
		mode = "default";
	if (recreate_no_endpoints(mode))
		return;
	nets = json_object_get(json_object_get(inspect, "NetworkSettings"),
	    "Networks");
	primary = recreate_primary(nets, mode);
	/* From 1.44 the MAC is per endpoint, and create takes every network. */
	many = docker_api_cmp(api, "1.44") >= 0;
	mac = recreate_jstr(json_object_get(inspect, "Config"), "MacAddress");
	json_object_foreach((json_t *)nets, k, v) {
		bool	is_primary = primary != NULL && strcmp(k, primary) == 0;

		ep = recreate_endpoint(k, v, short_id, is_primary ? mac : NULL,
		    api);
		if (is_primary || many)
			json_object_set(eps, k, ep);
		if (!is_primary)
			json_array_append_new(p->networks,
			    json_pack("{s:s, s:O}", "Name", k,
			    "EndpointConfig", ep));
		json_decref(ep);
	}
}

/* Copies Config into a body, with HostConfig, the hostname settled. */
static json_t *
recreate_base_body(const struct recreate_input *in, const char *short_id)
{
	json_t		*body, *hc;
	const char	*mode, *host;

	body = json_deep_copy(json_object_get(in->inspect, "Config"));
	hc = json_deep_copy(json_object_get(in->inspect, "HostConfig"));
	json_object_set_new(body, "HostConfig", hc);
	mode = recreate_jstr(hc, "NetworkMode");
	if (mode == NULL)
		mode = "default";
	/*
	 * A hostname Docker chose is not the user's: the short id (or the
	 * shared container's for container:X, which also refuses any), the
	 * host's for host networking.
	 */
	host = recreate_jstr(body, "Hostname");
	if (host != NULL && (strcmp(host, short_id) == 0 ||
	    strncmp(mode, "container:", 10) == 0 ||
	    (strcmp(mode, "host") == 0 && in->host_name != NULL &&
	    strcmp(host, in->host_name) == 0)))
		json_object_del(body, "Hostname");
	/* container:X refuses exposed ports; the image's come back anyway. */
	if (strncmp(mode, "container:", 10) == 0)
		json_object_del(body, "ExposedPorts");
	recreate_fix_mounts(hc, json_object_get(in->inspect, "Mounts"),
	    in->volumes_from);
	recreate_fix_links(hc);
	return body;
}

static enum dr_err
recreate_check_input(const struct recreate_input *in, struct dr_error *reterr)
{
	const char	*id, *name;

	if (in->inspect == NULL || in->new_image == NULL || in->api == NULL)
		return dr_fail(reterr, DR_EINVAL, "recreate: missing input");
	id = recreate_jstr(in->inspect, "Id");
	name = recreate_jstr(in->inspect, "Name");
	if (id == NULL || strlen(id) < RECREATE_SHORT_ID || name == NULL ||
	    *name == '\0' || strlen(name) > RECREATE_NAME_MAX ||
	    recreate_jstr(in->inspect, "Image") == NULL ||
	    !json_is_object(json_object_get(in->inspect, "Config")) ||
	    !json_is_object(json_object_get(in->inspect, "HostConfig")))
		return dr_fail(reterr, DR_EPROTO, "recreate: container inspect "
		    "lacks Id, Name, Image, Config or HostConfig");
	if (recreate_jstr(in->new_image, "Id") == NULL)
		return dr_fail(reterr, DR_EPROTO, "recreate: image inspect "
		    "lacks Id");
	if (in->image == NULL && recreate_jstr(json_object_get(in->inspect,
	    "Config"), "Image") == NULL)
		return dr_fail(reterr, DR_EPROTO, "recreate: container has no "
		    "Config.Image");
	return DR_OK;
}

enum dr_err
recreate_plan_compute(const struct recreate_input *in,
    struct recreate_plan **ret, struct dr_error *reterr)
{
	struct recreate_plan	*p = NULL;
	const json_t		*cfg, *state, *hc;
	json_t			*body = NULL, *v;
	const char		*name, *sig;
	char			 short_id[RECREATE_SHORT_ID + 1];
	bool			 changed;
	enum dr_err		 err;

	*ret = NULL;
	if ((err = recreate_check_input(in, reterr)) != DR_OK)
		return err;
	cfg = json_object_get(in->inspect, "Config");
	hc = json_object_get(in->inspect, "HostConfig");
	state = json_object_get(in->inspect, "State");
	p = xcalloc(1, sizeof(*p));
	name = recreate_jstr(in->inspect, "Name");
	p->name = xstrdup(name + (*name == '/'));
	p->old_id = xstrdup(recreate_jstr(in->inspect, "Id"));
	snprintf(short_id, sizeof(short_id), "%s", p->old_id);
	p->parked = xasprintf("%s%s%s", p->name, RECREATE_PARK_SUFFIX,
	    short_id);
	p->old_image_id = xstrdup(recreate_jstr(in->inspect, "Image"));
	p->image = xstrdup(in->image ? in->image : recreate_jstr(cfg, "Image"));
	p->new_image_id = xstrdup(recreate_jstr(in->new_image, "Id"));
	p->api = xstrdup(in->api);
	changed = strcmp(p->old_image_id, p->new_image_id) != 0;
	if (changed && (in->old_image == NULL ||
	    !json_is_object(json_object_get(in->old_image, "Config")))) {
		err = dr_fail(reterr, DR_ENOTFOUND, "recreate: the old image "
		    "%s of %s is gone: cannot tell its defaults from "
		    "settings", p->old_image_id, p->name);
		goto out;
	}
	p->was_running = json_is_true(json_object_get(state, "Running")) ||
	    json_is_true(json_object_get(state, "Restarting")) ||
	    json_is_true(json_object_get(state, "Paused"));
	p->auto_remove = json_is_true(json_object_get(hc, "AutoRemove"));
	sig = recreate_jstr(cfg, "StopSignal");
	p->stop_signal = sig != NULL && *sig != '\0' ? xstrdup(sig) : NULL;
	/* Negative: the daemon waits for the process forever; we, a day. */
	v = json_object_get(cfg, "StopTimeout");
	p->stop_timeout = RECREATE_STOP_DEFAULT;
	if (json_is_integer(v))
		p->stop_timeout = json_integer_value(v) < 0 ||
		    json_integer_value(v) > RECREATE_STOP_MAX ?
		    RECREATE_STOP_MAX : (int)json_integer_value(v);
	p->networks = json_array();

	body = recreate_base_body(in, short_id);
	recreate_networks(p, body, json_object_get(body, "HostConfig"),
	    in->inspect, in->api);
	if (docker_api_cmp(in->api, "1.44") >= 0)
		json_object_del(body, "MacAddress");
	recreate_strip_api(body, in->api);

	/* The old reference; recreate_undo falls back to the image id when
	   the reference has moved on by then. */
	p->restore = json_deep_copy(body);
	if (changed)
		recreate_strip_defaults(body, json_object_get(in->old_image,
		    "Config"));
	json_object_set_new(body, "Image", json_string(p->image));
	p->create = body;
	body = NULL;
	*ret = p;
	p = NULL;
	err = DR_OK;
out:
	json_decref(body);
	recreate_plan_free(p);
	return err;
}

void
recreate_plan_free(struct recreate_plan *p)
{
	if (p == NULL)
		return;
	free(p->name);
	free(p->old_id);
	free(p->parked);
	free(p->old_image_id);
	free(p->image);
	free(p->new_image_id);
	free(p->api);
	free(p->stop_signal);
	json_decref(p->create);
	json_decref(p->restore);
	json_decref(p->networks);
	free(p);
}

/* ---- JSON form -------------------------------------------------------- */

json_t *
recreate_plan_to_json(const struct recreate_plan *p)
{
	json_t	*j;

	j = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:b, "
	    "s:i, s:O, s:O, s:O}",
	    "version", RECREATE_PLAN_VERSION,
	    "name", p->name,
	    "old_id", p->old_id,
	    "parked_name", p->parked,
	    "old_image_id", p->old_image_id,
	    "image", p->image,
	    "new_image_id", p->new_image_id,
	    "api", p->api,
	    "was_running", p->was_running,
	    "auto_remove", p->auto_remove,
	    "stop_timeout", p->stop_timeout,
	    "create", p->create,
	    "restore", p->restore,
	    "networks", p->networks);
	if (j != NULL && p->stop_signal != NULL)
		json_object_set_new(j, "stop_signal",
		    json_string(p->stop_signal));
	return j;
}

enum dr_err
recreate_plan_from_json(const json_t *j, struct recreate_plan **ret,
    struct dr_error *reterr)
{
	struct recreate_plan	*p;
	json_error_t		 jerr;
	const char		*name, *old_id, *parked, *oimg, *img, *nimg;
	const char		*api, *sig = NULL;
	json_t			*create, *restore, *nets;
	int			 version, was_running, auto_remove;
	int			 stop_timeout;

	*ret = NULL;
	if (json_unpack_ex((json_t *)j, &jerr, 0, "{s:i, s:s, s:s, s:s, s:s, "
	    "s:s, s:s, s:s, s:b, s:b, s:i, s:o, s:o, s:o, s?s}",
	    "version", &version,
	    "name", &name,
	    "old_id", &old_id,
	    "parked_name", &parked,
	    "old_image_id", &oimg,
	    "image", &img,
	    "new_image_id", &nimg,
	    "api", &api,
	    "was_running", &was_running,
	    "auto_remove", &auto_remove,
	    "stop_timeout", &stop_timeout,
	    "create", &create,
	    "restore", &restore,
	    "networks", &nets,
	    "stop_signal", &sig) != 0)
		return dr_fail(reterr, DR_EINVAL, "recreate plan: %s",
		    jerr.text);
	if (version != RECREATE_PLAN_VERSION)
		return dr_fail(reterr, DR_EUNSUPPORTED, "recreate plan version "
		    "%d (we read %d)", version, RECREATE_PLAN_VERSION);
	if (!json_is_object(create) || !json_is_object(restore) ||
	    !json_is_array(nets) || *name == '\0' || strlen(name) >
	    RECREATE_NAME_MAX || strlen(old_id) < RECREATE_SHORT_ID ||
	    stop_timeout < 0 || stop_timeout > RECREATE_STOP_MAX)
		return dr_fail(reterr, DR_EINVAL, "recreate plan: bad fields");
	p = xcalloc(1, sizeof(*p));
	p->name = xstrdup(name);
	p->old_id = xstrdup(old_id);
	p->parked = xstrdup(parked);
	p->old_image_id = xstrdup(oimg);
	p->image = xstrdup(img);
	p->new_image_id = xstrdup(nimg);
	p->api = xstrdup(api);
	p->stop_signal = recreate_dup(sig);
	p->was_running = was_running;
	p->auto_remove = auto_remove;
	p->stop_timeout = stop_timeout;
	p->create = json_deep_copy(create);
	p->restore = json_deep_copy(restore);
	p->networks = json_deep_copy(nets);
	*ret = p;
	return DR_OK;
}

const char *
recreate_plan_name(const struct recreate_plan *p)
{
	return p->name;
}

const char *
recreate_plan_old_id(const struct recreate_plan *p)
{
	return p->old_id;
}

const char *
recreate_plan_parked_name(const struct recreate_plan *p)
{
	return p->parked;
}

const char *
recreate_plan_old_image_id(const struct recreate_plan *p)
{
	return p->old_image_id;
}

const char *
recreate_plan_image(const struct recreate_plan *p)
{
	return p->image;
}

const char *
recreate_plan_new_image_id(const struct recreate_plan *p)
{
	return p->new_image_id;
}

bool
recreate_plan_was_running(const struct recreate_plan *p)
{
	return p->was_running;
}

bool
recreate_plan_auto_remove(const struct recreate_plan *p)
{
	return p->auto_remove;
}

int
recreate_plan_stop_timeout(const struct recreate_plan *p)
{
	return p->stop_timeout;
}

const json_t *
recreate_plan_create_body(const struct recreate_plan *p)
{
	return p->create;
}

const json_t *
recreate_plan_restore_body(const struct recreate_plan *p)
{
	return p->restore;
}

const json_t *
recreate_plan_networks(const struct recreate_plan *p)
{
	return p->networks;
}

int
recreate_plan_retarget(struct recreate_plan *p, const char *old_id,
    const char *new_id)
{
	static const char *const	 modes[] = {
		"NetworkMode", "IpcMode", "PidMode"
	};
	json_t				*bodies[2], *hc;
	const char			*m;
	char				*want;
	size_t				 i, b;
	int				 n = 0;

	want = xasprintf("container:%s", old_id);
	bodies[0] = p->create;
	bodies[1] = p->restore;
	for (b = 0; b < 2; b++) {
		hc = json_object_get(bodies[b], "HostConfig");
		for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
			m = recreate_jstr(hc, modes[i]);
			if (m == NULL || strcmp(m, want) != 0)
				continue;
			json_object_set_new(hc, modes[i],
			    json_sprintf("container:%s", new_id));
			if (b == 0)
				n++;
		}
	}
	free(want);
	return n;
}
