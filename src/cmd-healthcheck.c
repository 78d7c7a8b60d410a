/*
 * cmd-healthcheck: `dockrev healthcheck [--url URL] [--config FILE]` for a
 * container HEALTHCHECK.  Exit 0 only when GET URL (default: /healthz of
 * the configured listen address) answers 200 within
 * HEALTHCHECK_TIMEOUT_MS; 1 otherwise; 2 for a usage or config error.
 * The default URL is asked with dockrev's own HTTP client (httpc), so the
 * check, which Docker runs every few seconds, never loads libcurl; --url
 * (any scheme libcurl speaks, e.g. https) goes through libcurl.
 */
#include "cmd.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "auth.h"
#include "config.h"
#include "httpc-conn.h"

#define HEALTHCHECK_TIMEOUT_MS	3000
#define HEALTHCHECK_URL_MAX	512

static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/* http://ADDR:PORT/healthz for the listen address; a wildcard address is
 * reached through loopback.  host gets "ADDR:PORT" ("[ADDR]:PORT"). */
static void
default_url(const struct config *cfg, char *out, size_t size, char *host,
    size_t hsize)
{
	char				 addr[64];
	const struct sockaddr_storage	*ss = &cfg->listen_addr;
	unsigned			 port;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6	*s6 = (const void *)ss;

		port = ntohs(s6->sin6_port);
		if (IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr))
			snprintf(addr, sizeof(addr), "::1");
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, addr, sizeof(addr));
		snprintf(host, hsize, "[%s]:%u", addr, port);
		snprintf(out, size, "http://%s/healthz", host);
	} else {
		const struct sockaddr_in	*s4 = (const void *)ss;

		port = ntohs(s4->sin_port);
		if (s4->sin_addr.s_addr == htonl(INADDR_ANY))
			snprintf(addr, sizeof(addr), "127.0.0.1");
		else
			inet_ntop(AF_INET, &s4->sin_addr, addr, sizeof(addr));
		snprintf(host, hsize, "%s:%u", addr, port);
		snprintf(out, size, "http://%s/healthz", host);
	}
}

static bool
discard_body(void *arg, struct span data)
{
	(void)arg;
	(void)data;
	return true;
}

/* GET /healthz of host with httpc: 0 when it answers 200, else 1. */
static int
check_default(const char *host, const char *url)
{
	const struct httpc_req	 req = { "GET", "/healthz", NULL, NULL, 0 };
	const struct httpc_sink	 sink = { NULL, discard_body, NULL };
	struct httpc_conn	*c = httpc_conn_new(NULL, host);
	struct dr_error		 e;
	bool			 stopped;
	int			 status = 0;
	enum dr_err		 err;

	err = httpc_conn_request(c, &req, httpc_now_ms() +
	    HEALTHCHECK_TIMEOUT_MS, &sink, &status, &stopped, &e);
	httpc_conn_free(c);
	if (err != DR_OK) {
		fprintf(stderr, "dockrev healthcheck: %s: %s\n", url, e.msg);
		return 1;
	}
	if (status != 200) {
		fprintf(stderr, "dockrev healthcheck: %s: HTTP %d\n", url,
		    status);
		return 1;
	}
	return 0;
}

int
cmd_healthcheck(int argc, char **argv)
{
	static const struct option	 opts[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*url = NULL, *file = NULL;
	char		 buf[HEALTHCHECK_URL_MAX], host[HEALTHCHECK_URL_MAX];
	struct config	*cfg = NULL;
	struct dr_error	 e;
	CURL		*c;
	CURLcode	 cc;
	long		 status = 0;
	int		 ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "u:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			url = optarg;
			break;
		case 'c':
			file = optarg;
			break;
		case 'h':
			printf("usage: dockrev healthcheck [--url URL] "
			    "[--config FILE]\n");
			return 0;
		default:
			fprintf(stderr, "usage: dockrev healthcheck [--url URL] "
			    "[--config FILE]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "dockrev healthcheck: unexpected argument "
		    "\"%s\"\n", argv[optind]);
		return 2;
	}
	if (url == NULL) {
		if (config_load(file, NULL, &cfg, &e) != DR_OK) {
			fprintf(stderr, "dockrev healthcheck: %s\n", e.msg);
			return 2;
		}
		default_url(cfg, buf, sizeof(buf), host, sizeof(host));
		config_free(cfg);
		return check_default(host, buf);
	}
	if ((c = curl_easy_init()) == NULL) {
		fprintf(stderr, "dockrev healthcheck: cannot set up libcurl\n");
		return 1;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HEALTHCHECK_TIMEOUT_MS);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (cc != CURLE_OK) {
		fprintf(stderr, "dockrev healthcheck: %s: %s\n", url,
		    curl_easy_strerror(cc));
		return 1;
	}
	if (status != 200) {
		fprintf(stderr, "dockrev healthcheck: %s: HTTP %ld\n", url,
		    status);
		return 1;
	}
	return 0;
}
