/*
 * test-curl-lazy: libcurl is not mapped until the first libcurl call, then
 * it is, and the forwarded calls pass every kind of argument through
 * intact: long, pointer and curl_off_t options, getinfo pointers, the
 * multi interface (a real file:// transfer each).
 */
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check.h"
#include "curl-lazy.h"

static bool
curl_mapped(void)
{
	FILE	*f = fopen("/proc/self/maps", "r");
	char	 line[512];
	bool	 found = false;

	if (f == NULL)
		return true;	/* cannot tell: fail the check below */
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "/libcurl.so") != NULL)
			found = true;
	fclose(f);
	return found;
}

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
	buf_add(arg, data, size * n);
	return size * n;
}

/* One easy transfer of url; the body into b, the result code returned. */
static CURLcode
fetch(CURL *c, const char *url, struct buf *b)
{
	buf_reset(b);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	return curl_easy_perform(c);
}

int
main(void)
{
	char			 path[] = "/tmp/dockrev-curl-lazy.XXXXXX";
	char			 url[64], *esc;
	const char		 data[] = "0123456789abcdef";
	struct buf		 b;
	struct curl_slist	*l;
	curl_off_t		 got_size = -1;
	char			*priv = NULL;
	long			 code = -1;
	CURL			*c;
	CURLM			*m;
	CURLMsg			*msg;
	int			 fd, running, left;

	/* Nothing of libcurl before its first use. */
	CHECK(!curl_mapped());
	CHECK(!curl_lazy_loaded());

	fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK(write(fd, data, strlen(data)) == (ssize_t)strlen(data));
	close(fd);
	snprintf(url, sizeof(url), "file://%s", path);
	buf_init(&b, 1024);

	c = curl_easy_init();
	CHECK(c != NULL);
	CHECK(curl_mapped());
	CHECK(curl_lazy_loaded());

	/* Pointer options and getinfo pointers (curl_off_t through one). */
	CHECK_INTEQ(curl_easy_setopt(c, CURLOPT_PRIVATE, path), CURLE_OK);
	CHECK_INTEQ(fetch(c, url, &b), CURLE_OK);
	CHECK_STREQ(buf_str(&b), data);
	CHECK_INTEQ(curl_easy_getinfo(c, CURLINFO_PRIVATE, &priv), CURLE_OK);
	CHECK(priv == path);
	CHECK_INTEQ(curl_easy_getinfo(c, CURLINFO_SIZE_DOWNLOAD_T, &got_size),
	    CURLE_OK);
	CHECK_INTEQ(got_size, strlen(data));

	/* A long option: resume from byte 10. */
	curl_easy_reset(c);
	CHECK_INTEQ(curl_easy_setopt(c, CURLOPT_RESUME_FROM, 10L), CURLE_OK);
	CHECK_INTEQ(fetch(c, url, &b), CURLE_OK);
	CHECK_STREQ(buf_str(&b), "abcdef");

	/* A curl_off_t option: resume from byte 12. */
	curl_easy_reset(c);
	CHECK_INTEQ(curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE,
	    (curl_off_t)12), CURLE_OK);
	CHECK_INTEQ(fetch(c, url, &b), CURLE_OK);
	CHECK_STREQ(buf_str(&b), "cdef");
	CHECK_INTEQ(curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code),
	    CURLE_OK);
	CHECK_INTEQ(code, 0);	/* file:// has none */

	/* The rest of what dockrev calls. */
	CHECK(curl_easy_strerror(CURLE_FILESIZE_EXCEEDED) != NULL &&
	    strstr(curl_easy_strerror(CURLE_FILESIZE_EXCEEDED), "size") !=
	    NULL);
	esc = curl_easy_escape(c, "a b/c", 0);
	CHECK_STREQ(esc, "a%20b%2Fc");
	curl_free(esc);
	CHECK_INTEQ(curl_getdate("Sun, 06 Nov 1994 08:49:37 GMT", NULL),
	    784111777);
	l = curl_slist_append(NULL, "A: 1");
	l = curl_slist_append(l, "B: 2");
	CHECK(l != NULL && l->next != NULL);
	CHECK_STREQ(l->next->data, "B: 2");
	curl_slist_free_all(l);

	/* The multi interface, with a long option. */
	curl_easy_reset(c);
	m = curl_multi_init();
	CHECK(m != NULL);
	CHECK_INTEQ(curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, 2L), CURLM_OK);
	buf_reset(&b);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	CHECK_INTEQ(curl_multi_add_handle(m, c), CURLM_OK);
	do {
		CHECK_INTEQ(curl_multi_perform(m, &running), CURLM_OK);
		if (running > 0)
			curl_multi_poll(m, NULL, 0, 1000, NULL);
	} while (running > 0);
	msg = curl_multi_info_read(m, &left);
	CHECK(msg != NULL && msg->msg == CURLMSG_DONE &&
	    msg->data.result == CURLE_OK);
	CHECK_STREQ(buf_str(&b), data);
	CHECK_INTEQ(curl_multi_remove_handle(m, c), CURLM_OK);
	CHECK_INTEQ(curl_multi_cleanup(m), CURLM_OK);

	curl_easy_cleanup(c);
	buf_done(&b);
	unlink(path);
	curl_lazy_cleanup();
	return check_summary("curl-lazy");
}
