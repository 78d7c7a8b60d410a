/*
 * test-swap-recreate: the pure plan computation of the recreate swap, from
 * engine answers recorded with tests/fixtures/engine/record.sh (Docker
 * 20.10, API 1.41): what is kept, what Docker chose and is dropped, the
 * old image's defaults given up for a new image's, the networks, the
 * anonymous volumes, the API version's cuts, and the plan's JSON form.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "swap-recreate.h"
#include "xmalloc.h"

#define FX	"tests/fixtures/engine/"

static json_t *
load(const char *name)
{
	json_error_t	 e;
	json_t		*j;
	char		 path[256];

	snprintf(path, sizeof(path), FX "%s", name);
	if ((j = json_load_file(path, 0, &e)) == NULL) {
		fprintf(stderr, "cannot load %s: %s\n", path, e.text);
		exit(1);
	}
	return j;
}

static const char *
jstr(const json_t *o, const char *path)
{
	const json_t	*v = o;
	char		 key[128];
	const char	*p, *dot;

	for (p = path; v != NULL && *p != '\0'; p = dot ? dot + 1 : "") {
		dot = strchr(p, '.');
		snprintf(key, sizeof(key), "%.*s",
		    (int)(dot ? (size_t)(dot - p) : strlen(p)), p);
		v = json_object_get(v, key);
	}
	return json_string_value(v);
}

static json_t *img1, *img2, *info;

/* The plan for fixture ctr (old image img-1) on new_img. */
static struct recreate_plan *
plan_of(const json_t *ctr, const json_t *new_img, const char *ref,
    const char *api, const json_t *volumes_from)
{
	struct recreate_input	 in;
	struct recreate_plan	*p = NULL;
	struct dr_error		 e;
	enum dr_err		 err;

	memset(&in, 0, sizeof(in));
	in.inspect = ctr;
	in.old_image = img1;
	in.new_image = new_img;
	in.image = ref;
	in.api = api;
	in.host_name = jstr(info, "Name");
	in.volumes_from = volumes_from;
	dr_error_clear(&e);
	err = recreate_plan_compute(&in, &p, &e);
	CHECK_INTEQ(err, DR_OK);
	if (err != DR_OK) {
		fprintf(stderr, "plan: %s\n", e.msg);
		exit(1);
	}
	return p;
}

/* The HostConfig.Mounts entry with Target dst, or NULL. */
static const json_t *
mount_at(const json_t *body, const char *dst)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(json_object_get(json_object_get(body, "HostConfig"),
	    "Mounts"), i, v) {
		if (jstr(v, "Target") && strcmp(jstr(v, "Target"), dst) == 0)
			return v;
	}
	return NULL;
}

/* The Name of the inspect's volume mounted at dst. */
static const char *
volume_at(const json_t *ctr, const char *dst)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(json_object_get(ctr, "Mounts"), i, v) {
		if (strcmp(jstr(v, "Destination"), dst) == 0)
			return jstr(v, "Name");
	}
	return NULL;
}

static bool
has_str(const json_t *arr, const char *s)
{
	json_t	*v;
	size_t	 i;

	json_array_foreach(arr, i, v) {
		if (json_string_value(v) &&
		    strcmp(json_string_value(v), s) == 0)
			return true;
	}
	return false;
}

/* Same image, every fixture: what is kept and what Docker chose. */
static const struct {
	const char	*file;
	bool		 hostname_kept;	/* Config.Hostname in the body */
	size_t		 endpoints;	/* in NetworkingConfig at 1.41 */
	size_t		 extra;		/* networks to connect */
	bool		 auto_remove;
	bool		 running;
} shapes[] = {
	{ "ctr-usernet.json", false, 1, 1, false, true },
	{ "ctr-bridge.json", false, 1, 0, true, true },
	{ "ctr-netctr.json", false, 0, 0, false, true },
	{ "ctr-host.json", false, 0, 0, false, true },
	{ "ctr-volsrc.json", false, 1, 0, false, true },
	{ "ctr-mac.json", false, 1, 0, false, true },
};

static void
test_shapes(void)
{
	struct recreate_plan	*p;
	const json_t		*b;
	json_t			*ctr;
	const char		*name;
	char			*want;
	size_t			 i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		ctr = load(shapes[i].file);
		p = plan_of(ctr, img1, NULL, "1.41", NULL);
		b = recreate_plan_create_body(p);
		name = jstr(ctr, "Name") + 1;
		CHECK_STREQ(recreate_plan_name(p), name);
		CHECK_STREQ(recreate_plan_old_id(p), jstr(ctr, "Id"));
		want = xasprintf("%s-dockrev-old-%.12s", name,
		    jstr(ctr, "Id"));
		CHECK_STREQ(recreate_plan_parked_name(p), want);
		free(want);
		CHECK_STREQ(recreate_plan_image(p), jstr(ctr, "Config.Image"));
		CHECK_STREQ(jstr(b, "Image"), jstr(ctr, "Config.Image"));
		CHECK_STREQ(recreate_plan_new_image_id(p), jstr(ctr, "Image"));
		CHECK_INTEQ(json_object_get(b, "Hostname") != NULL,
		    shapes[i].hostname_kept);
		CHECK_INTEQ(json_object_size(json_object_get(json_object_get(b,
		    "NetworkingConfig"), "EndpointsConfig")),
		    shapes[i].endpoints);
		CHECK_INTEQ(json_array_size(recreate_plan_networks(p)),
		    shapes[i].extra);
		CHECK_INTEQ(recreate_plan_auto_remove(p),
		    shapes[i].auto_remove);
		CHECK_INTEQ(recreate_plan_was_running(p), shapes[i].running);
		/* Same image: the user's and the image's settings all stay. */
		CHECK(json_equal(json_object_get(b, "Env"),
		    json_object_get(json_object_get(ctr, "Config"), "Env")));
		CHECK(json_equal(json_object_get(b, "Labels"),
		    json_object_get(json_object_get(ctr, "Config"), "Labels")));
		CHECK(json_equal(json_object_get(b, "Cmd"),
		    json_object_get(json_object_get(ctr, "Config"), "Cmd")));
		/* Deprecated and empty: not sent. */
		CHECK(json_object_get(json_object_get(b, "HostConfig"),
		    "KernelMemory") == NULL);
		/* Image volumes and -v /path come back by name. */
		CHECK(volume_at(ctr, "/anon") != NULL);
		CHECK_STREQ(jstr(mount_at(b, "/anon"), "Source"),
		    volume_at(ctr, "/anon"));
		recreate_plan_free(p);
		json_decref(ctr);
	}
}

static void
test_usernet(void)
{
	struct recreate_plan	*p;
	json_t			*ctr, *eps, *ep, *net;
	const json_t		*b, *hc;
	const char		*primary, *sid_alias;
	char			 sid[13];

	ctr = load("ctr-usernet.json");
	snprintf(sid, sizeof(sid), "%s", jstr(ctr, "Id"));
	p = plan_of(ctr, img1, NULL, "1.41", NULL);
	b = recreate_plan_create_body(p);
	hc = json_object_get(b, "HostConfig");
	CHECK_INTEQ(recreate_plan_stop_timeout(p), 7);
	/* Every kind of mount: the named and bind ones as they were, the
	   anonymous ones by their volume's name, --mount without source
	   given it. */
	CHECK(json_equal(json_object_get(hc, "Binds"), json_object_get(
	    json_object_get(ctr, "HostConfig"), "Binds")));
	CHECK_STREQ(jstr(mount_at(b, "/v3"), "Source"), volume_at(ctr, "/v3"));
	CHECK_STREQ(jstr(mount_at(b, "/m2"), "Source"), volume_at(ctr, "/m2"));
	CHECK_STREQ(jstr(mount_at(b, "/anon"), "Source"),
	    volume_at(ctr, "/anon"));
	CHECK(mount_at(b, "/named") == NULL);
	CHECK(mount_at(b, "/bind") == NULL);
	CHECK_INTEQ(json_array_size(json_object_get(hc, "Mounts")), 3);
	CHECK(json_equal(json_object_get(hc, "PortBindings"), json_object_get(
	    json_object_get(ctr, "HostConfig"), "PortBindings")));
	CHECK(json_equal(json_object_get(hc, "Tmpfs"), json_object_get(
	    json_object_get(ctr, "HostConfig"), "Tmpfs")));
	CHECK_STREQ(jstr(hc, "RestartPolicy.Name"), "unless-stopped");
	CHECK(json_is_true(json_object_get(hc, "Init")));
	CHECK_STREQ(jstr(b, "StopSignal"), "SIGTERM");
	CHECK_INTEQ(json_integer_value(json_object_get(b, "StopTimeout")), 7);
	/* Primary network: static IP and the user's alias, not the short id
	   Docker added. */
	primary = jstr(ctr, "HostConfig.NetworkMode");
	eps = json_object_get(json_object_get(b, "NetworkingConfig"),
	    "EndpointsConfig");
	ep = json_object_get(eps, primary);
	CHECK(ep != NULL);
	CHECK_STREQ(jstr(ep, "IPAMConfig.IPv4Address"), "10.59.1.10");
	CHECK(has_str(json_object_get(ep, "Aliases"), "web"));
	CHECK(!has_str(json_object_get(ep, "Aliases"), sid));
	CHECK_INTEQ(json_array_size(json_object_get(ep, "Aliases")), 1);
	/* 1.41 has no per-endpoint MAC; the endpoint's is Docker's. */
	CHECK(json_object_get(ep, "MacAddress") == NULL);
	CHECK(json_object_get(ep, "IPAddress") == NULL);
	CHECK(json_object_get(ep, "NetworkID") == NULL);
	/* The second network is connected after create. */
	net = json_array_get(recreate_plan_networks(p), 0);
	ep = json_object_get(net, "EndpointConfig");
	CHECK(strcmp(jstr(net, "Name"), primary) != 0);
	CHECK_STREQ(jstr(ep, "IPAMConfig.IPv4Address"), "10.59.2.11");
	sid_alias = json_string_value(json_array_get(json_object_get(ep,
	    "Aliases"), 0));
	CHECK_STREQ(sid_alias, "b1");
	CHECK_INTEQ(json_array_size(json_object_get(ep, "Aliases")), 1);
	/* As `docker network connect` left it: {} stays {}. */
	CHECK(json_is_object(json_object_get(ep, "DriverOpts")));
	recreate_plan_free(p);

	/* From 1.44 create takes every network (connect then finds them). */
	p = plan_of(ctr, img1, NULL, "1.44", NULL);
	eps = json_object_get(json_object_get(recreate_plan_create_body(p),
	    "NetworkingConfig"), "EndpointsConfig");
	CHECK_INTEQ(json_object_size(eps), 2);
	CHECK_INTEQ(json_array_size(recreate_plan_networks(p)), 1);
	recreate_plan_free(p);
	json_decref(ctr);
}

/* A new image: the old image's defaults give way, the user's stay. */
static void
test_new_image(void)
{
	struct recreate_plan	*p;
	json_t			*ctr, *env;
	const json_t		*b, *r;

	ctr = load("ctr-usernet.json");
	p = plan_of(ctr, img2, "dockrev-fx-img:2", "1.41", NULL);
	b = recreate_plan_create_body(p);
	CHECK_STREQ(jstr(b, "Image"), "dockrev-fx-img:2");
	CHECK_STREQ(recreate_plan_new_image_id(p), jstr(img2, "Id"));
	CHECK_STREQ(recreate_plan_old_image_id(p), jstr(img1, "Id"));
	env = json_object_get(b, "Env");
	CHECK_INTEQ(json_array_size(env), 2);
	CHECK(has_str(env, "USERVAR=mine"));
	CHECK(has_str(env, "SHARED=user"));	/* overrode a default */
	CHECK(!has_str(env, "A=1"));
	CHECK(!has_str(env, "SHARED=old"));
	CHECK(json_object_get(b, "Cmd") == NULL);
	CHECK(json_object_get(b, "Entrypoint") == NULL);
	CHECK(json_object_get(b, "WorkingDir") == NULL);
	CHECK_STREQ(jstr(b, "StopSignal"), "SIGTERM");	/* user's, not
							   the image's */
	CHECK(json_object_get(b, "Healthcheck") != NULL); /* user's cmd */
	CHECK(json_object_get(json_object_get(b, "Labels"), "img.version") ==
	    NULL);
	CHECK(json_object_get(json_object_get(b, "Labels"), "img.only1") ==
	    NULL);
	CHECK_STREQ(json_string_value(json_object_get(json_object_get(b,
	    "Labels"), "user.l")), "1");
	/* Ports the user published stay exposed; the image's 8080 goes. */
	CHECK(json_object_get(json_object_get(b, "ExposedPorts"),
	    "8080/tcp") == NULL);
	CHECK(json_object_get(json_object_get(b, "ExposedPorts"),
	    "80/tcp") != NULL);
	/* The image's VOLUME goes from Config, not its data. */
	CHECK(json_object_get(json_object_get(b, "Volumes"), "/anon") == NULL);
	CHECK(json_object_get(json_object_get(b, "Volumes"), "/v3") != NULL);
	CHECK_STREQ(jstr(mount_at(b, "/anon"), "Source"),
	    volume_at(ctr, "/anon"));
	/* The restore body is the old configuration, whole. */
	r = recreate_plan_restore_body(p);
	CHECK_STREQ(jstr(r, "Image"), jstr(ctr, "Config.Image"));
	CHECK(json_equal(json_object_get(r, "Env"),
	    json_object_get(json_object_get(ctr, "Config"), "Env")));
	CHECK_STREQ(jstr(r, "WorkingDir"), "/w1");
	recreate_plan_free(p);
	json_decref(ctr);

	/* A user entrypoint keeps its Cmd, even one equal to the image's. */
	ctr = load("ctr-bridge.json");
	json_object_set(json_object_get(ctr, "Config"), "Cmd",
	    json_object_get(json_object_get(img1, "Config"), "Cmd"));
	p = plan_of(ctr, img2, "dockrev-fx-img:2", "1.41", NULL);
	b = recreate_plan_create_body(p);
	CHECK(json_equal(json_object_get(b, "Entrypoint"),
	    json_object_get(json_object_get(ctr, "Config"), "Entrypoint")));
	CHECK(json_equal(json_object_get(b, "Cmd"),
	    json_object_get(json_object_get(img1, "Config"), "Cmd")));
	recreate_plan_free(p);
	json_decref(ctr);
}

static void
test_network_modes(void)
{
	struct recreate_plan	*p;
	struct recreate_input	 in;
	struct dr_error		 e;
	json_t			*ctr, *owner;
	const json_t		*b, *hc;
	char			*want;

	/* container:X: no hostname (Docker refuses one), no exposed ports,
	   no endpoints; the mode follows X when X is recreated. */
	ctr = load("ctr-netctr.json");
	owner = load("ctr-usernet.json");
	p = plan_of(ctr, img1, NULL, "1.41", NULL);
	b = recreate_plan_create_body(p);
	CHECK(json_object_get(b, "Hostname") == NULL);
	CHECK(json_object_get(b, "ExposedPorts") == NULL);
	want = xasprintf("container:%s", jstr(owner, "Id"));
	CHECK_STREQ(jstr(b, "HostConfig.NetworkMode"), want);
	free(want);
	CHECK_INTEQ(recreate_plan_retarget(p, jstr(owner, "Id"), "f00d"), 1);
	CHECK_STREQ(jstr(recreate_plan_create_body(p),
	    "HostConfig.NetworkMode"), "container:f00d");
	CHECK_STREQ(jstr(recreate_plan_restore_body(p),
	    "HostConfig.NetworkMode"), "container:f00d");
	CHECK_INTEQ(recreate_plan_retarget(p, "other", "f00d"), 0);
	recreate_plan_free(p);
	json_decref(ctr);
	json_decref(owner);

	/* host: the host's name is Docker's choice, another name the user's. */
	ctr = load("ctr-host.json");
	p = plan_of(ctr, img1, NULL, "1.41", NULL);
	CHECK(json_object_get(recreate_plan_create_body(p), "Hostname") ==
	    NULL);
	recreate_plan_free(p);
	memset(&in, 0, sizeof(in));
	in.inspect = ctr;
	in.old_image = img1;
	in.new_image = img1;
	in.api = "1.41";
	in.host_name = "another-host";
	CHECK_INTEQ(recreate_plan_compute(&in, &p, &e), DR_OK);
	CHECK_STREQ(jstr(recreate_plan_create_body(p), "Hostname"),
	    jstr(ctr, "Config.Hostname"));
	recreate_plan_free(p);
	json_decref(ctr);

	/* Default bridge: the legacy link in create's form, no aliases. */
	ctr = load("ctr-bridge.json");
	p = plan_of(ctr, img1, NULL, "1.41", NULL);
	b = recreate_plan_create_body(p);
	hc = json_object_get(b, "HostConfig");
	CHECK_STREQ(json_string_value(json_array_get(json_object_get(hc,
	    "Links"), 0)), "dockrev-fx-linked:db");
	CHECK(json_object_get(json_object_get(json_object_get(
	    json_object_get(b, "NetworkingConfig"), "EndpointsConfig"),
	    "bridge"), "Aliases") == NULL);
	CHECK(json_is_true(json_object_get(hc, "AutoRemove")));
	CHECK_STREQ(json_string_value(json_array_get(json_object_get(b,
	    "Entrypoint"), 0)), "sh");
	recreate_plan_free(p);
	json_decref(ctr);
}

static void
test_mac(void)
{
	struct recreate_plan	*p;
	json_t			*ctr;
	const json_t		*b, *ep;

	ctr = load("ctr-mac.json");
	/* 1.41: the container-wide field. */
	p = plan_of(ctr, img1, NULL, "1.41", NULL);
	b = recreate_plan_create_body(p);
	CHECK_STREQ(jstr(b, "MacAddress"), "02:42:0a:3b:01:99");
	recreate_plan_free(p);
	/* 1.44: moved to the primary endpoint. */
	p = plan_of(ctr, img1, NULL, "1.44", NULL);
	b = recreate_plan_create_body(p);
	CHECK(json_object_get(b, "MacAddress") == NULL);
	ep = json_object_get(json_object_get(json_object_get(b,
	    "NetworkingConfig"), "EndpointsConfig"),
	    jstr(ctr, "HostConfig.NetworkMode"));
	CHECK_STREQ(jstr(ep, "MacAddress"), "02:42:0a:3b:01:99");
	recreate_plan_free(p);
	json_decref(ctr);
}

static void
test_volumes_from(void)
{
	struct recreate_plan	*p;
	json_t			*ctr, *src, *vf;

	ctr = load("ctr-volfrom.json");
	src = load("ctr-volsrc.json");
	vf = json_pack("[O]", src);
	/* The source's volumes come through VolumesFrom, not by name. */
	p = plan_of(ctr, img1, NULL, "1.41", vf);
	CHECK(mount_at(recreate_plan_create_body(p), "/data") == NULL);
	CHECK(mount_at(recreate_plan_create_body(p), "/anon") == NULL);
	CHECK(json_equal(json_object_get(json_object_get(
	    recreate_plan_create_body(p), "HostConfig"), "VolumesFrom"),
	    json_object_get(json_object_get(ctr, "HostConfig"),
	    "VolumesFrom")));
	recreate_plan_free(p);
	json_decref(vf);
	json_decref(src);
	json_decref(ctr);
}

/* What the API version does not take. */
static void
test_api_cuts(void)
{
	struct recreate_plan	*p;
	json_t			*ctr, *hc;
	const json_t		*b;

	ctr = load("ctr-usernet.json");
	hc = json_object_get(ctr, "HostConfig");
	json_object_set_new(hc, "KernelMemory", json_integer(1 << 24));
	json_object_set_new(hc, "Annotations", json_pack("{s:s}", "a", "b"));
	p = plan_of(ctr, img1, NULL, "1.41", NULL);
	b = json_object_get(recreate_plan_create_body(p), "HostConfig");
	CHECK(json_object_get(b, "KernelMemory") != NULL);
	CHECK(json_object_get(b, "Annotations") == NULL);
	CHECK(json_object_get(b, "CgroupnsMode") != NULL);
	recreate_plan_free(p);
	p = plan_of(ctr, img1, NULL, "1.43", NULL);
	b = json_object_get(recreate_plan_create_body(p), "HostConfig");
	CHECK(json_object_get(b, "KernelMemory") == NULL);
	CHECK(json_object_get(b, "Annotations") != NULL);
	recreate_plan_free(p);
	p = plan_of(ctr, img1, NULL, "1.40", NULL);
	b = json_object_get(recreate_plan_create_body(p), "HostConfig");
	CHECK(json_object_get(b, "CgroupnsMode") == NULL);
	recreate_plan_free(p);
	json_decref(ctr);
}

static void
test_json(void)
{
	struct recreate_plan	*p, *q = NULL;
	struct dr_error		 e;
	json_t			*ctr, *j, *k;

	ctr = load("ctr-usernet.json");
	p = plan_of(ctr, img2, "dockrev-fx-img:2", "1.41", NULL);
	j = recreate_plan_to_json(p);
	CHECK_INTEQ(recreate_plan_from_json(j, &q, &e), DR_OK);
	k = recreate_plan_to_json(q);
	CHECK(json_equal(j, k));
	CHECK_INTEQ(recreate_plan_stop_timeout(q), 7);
	CHECK_STREQ(recreate_plan_parked_name(q), recreate_plan_parked_name(p));
	json_decref(k);
	recreate_plan_free(q);
	q = NULL;

	json_object_set_new(j, "version", json_integer(99));
	CHECK_INTEQ(recreate_plan_from_json(j, &q, &e), DR_EUNSUPPORTED);
	CHECK(q == NULL);
	json_object_set_new(j, "version", json_integer(RECREATE_PLAN_VERSION));
	json_object_del(j, "create");
	CHECK_INTEQ(recreate_plan_from_json(j, &q, &e), DR_EINVAL);
	json_object_set_new(j, "create", json_string("no"));
	CHECK_INTEQ(recreate_plan_from_json(j, &q, &e), DR_EINVAL);
	CHECK(q == NULL);
	json_decref(j);
	recreate_plan_free(p);
	json_decref(ctr);
}

static void
test_errors(void)
{
	struct recreate_input	 in;
	struct recreate_plan	*p = NULL;
	struct dr_error		 e;
	json_t			*ctr;

	ctr = load("ctr-usernet.json");
	memset(&in, 0, sizeof(in));
	in.inspect = ctr;
	in.new_image = img2;
	in.api = "1.41";
	/* Without the old image its defaults cannot be told apart. */
	CHECK_INTEQ(recreate_plan_compute(&in, &p, &e), DR_ENOTFOUND);
	CHECK(p == NULL);
	/* The same image needs no old image to compare with. */
	in.new_image = img1;
	CHECK_INTEQ(recreate_plan_compute(&in, &p, &e), DR_OK);
	recreate_plan_free(p);
	p = NULL;
	json_object_del(ctr, "HostConfig");
	CHECK_INTEQ(recreate_plan_compute(&in, &p, &e), DR_EPROTO);
	CHECK(p == NULL);
	json_decref(ctr);
	recreate_plan_free(NULL);
}

int
main(void)
{
	img1 = load("img-1.json");
	img2 = load("img-2.json");
	info = load("info.json");
	test_shapes();
	test_usernet();
	test_new_image();
	test_network_modes();
	test_mac();
	test_volumes_from();
	test_api_cuts();
	test_json();
	test_errors();
	json_decref(img1);
	json_decref(img2);
	json_decref(info);
	return check_summary("swap-recreate");
}
