/*
 * httpc: HTTP/1.1 response parser (RFC 9112), one state machine.  Every
 * line (status, header, chunk size, trailer) is copied into the parser's
 * own buffer before it is looked at, so the events do not depend on how
 * the input was split; body bytes are handed out in place.
 */
#include "httpc.h"

#include <string.h>
#include <strings.h>

#include "httphdr.h"

enum httpc_state {
	HTTPC_S_STATUS,		/* status line */
	HTTPC_S_INFO,		/* headers of a 1xx answer (skipped) */
	HTTPC_S_HEADER,		/* headers of the final answer */
	HTTPC_S_HEAD_END,	/* HEAD_DONE sent, body not started */
	HTTPC_S_LENGTH,		/* Content-Length body */
	HTTPC_S_CHUNK_SIZE,
	HTTPC_S_CHUNK_DATA,
	HTTPC_S_CHUNK_END,	/* the CRLF after chunk data */
	HTTPC_S_TRAILER,
	HTTPC_S_CLOSE,		/* body until EOF */
	HTTPC_S_DONE,
	HTTPC_S_ERROR,
};

/* Largest Content-Length or chunk size we accept (a sanity bound far
 * above any cap the client applies, and far from overflow). */
#define HTTPC_LENGTH_MAX	((uint64_t)1 << 62)

void
httpc_parser_init(struct httpc_parser *p, bool head)
{
	memset(p, 0, sizeof(*p));
	p->state = HTTPC_S_STATUS;
	p->head = head;
}

bool
httpc_started(const struct httpc_parser *p)
{
	return p->started;
}

static enum httpc_ev
httpc_error(struct httpc_parser *p, struct dr_error *reterr, enum dr_err code,
    const char *msg)
{
	p->state = HTTPC_S_ERROR;
	dr_fail(reterr, code, "%s", msg);
	return HTTPC_EV_ERROR;
}

/* A byte allowed in a field value or reason phrase: VCHAR, obs-text, SP,
 * HTAB. */
static bool
httpc_is_text(unsigned char c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool
httpc_is_head_state(int state)
{
	return state == HTTPC_S_STATUS || state == HTTPC_S_INFO ||
	    state == HTTPC_S_HEADER || state == HTTPC_S_TRAILER;
}

/*
 * Moves bytes of in into p->line up to a LF.  Returns 1 when p->line holds
 * a whole line (CR LF or LF removed), 0 when in ran out first, -1 on
 * error.
 */
static int
httpc_line(struct httpc_parser *p, struct span in, size_t *used,
    struct dr_error *reterr)
{
	size_t	n = span_find(in, '\n'), i;
	bool	eol = n < in.len;

	*used = 0;
	if (p->line_len + n > HTTPC_LINE_MAX) {
		httpc_error(p, reterr, DR_ETOOBIG, httpc_is_head_state(p->state) ?
		    "header line too long" : "chunk size line too long");
		return -1;
	}
	if (httpc_is_head_state(p->state)) {
		if (p->head_len + n + eol > HTTPC_HEAD_MAX) {
			httpc_error(p, reterr, DR_ETOOBIG,
			    "header section too big");
			return -1;
		}
		p->head_len += n + eol;
	}
	memcpy(p->line + p->line_len, in.p, n);
	p->line_len += n;
	*used = n + eol;
	if (!eol)
		return 0;
	if (p->line_len > 0 && p->line[p->line_len - 1] == '\r')
		p->line_len--;
	for (i = 0; i < p->line_len; i++)
		if (p->line[i] == '\r' || p->line[i] == '\0') {
			httpc_error(p, reterr, DR_EPROTO, "stray CR or NUL in "
			    "a line");
			return -1;
		}
	return 1;
}

static enum httpc_ev
httpc_status_line(struct httpc_parser *p, struct dr_error *reterr)
{
	const char	*l = p->line;
	size_t		 i;

	if (p->line_len < 12 || memcmp(l, "HTTP/1.", 7) != 0 ||
	    l[7] < '0' || l[7] > '9' || l[8] != ' ' ||
	    l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' ||
	    l[11] < '0' || l[11] > '9' ||
	    (p->line_len > 12 && l[12] != ' '))
		return httpc_error(p, reterr, DR_EPROTO, "bad status line");
	for (i = 12; i < p->line_len; i++)
		if (!httpc_is_text((unsigned char)l[i]))
			return httpc_error(p, reterr, DR_EPROTO,
			    "bad status line");
	p->minor = l[7] - '0';
	p->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
	return HTTPC_EV_MORE;
}

/* Splits p->line into a checked name and value. */
static enum httpc_ev
httpc_field(struct httpc_parser *p, struct httpc_event *ev,
    struct dr_error *reterr)
{
	struct span	l = span_make(p->line, p->line_len);
	size_t		colon, i, b, e;

	if (l.len > 0 && (l.p[0] == ' ' || l.p[0] == '\t'))
		return httpc_error(p, reterr, DR_EPROTO, "folded header line "
		    "(obsolete line folding is refused)");
	colon = span_find(l, ':');
	if (colon == 0 || colon == l.len)
		return httpc_error(p, reterr, DR_EPROTO, "header line without "
		    "a name and colon");
	for (i = 0; i < colon; i++)
		if (!httphdr_is_tchar((unsigned char)l.p[i]))
			return httpc_error(p, reterr, DR_EPROTO, "bad header "
			    "name");
	for (b = colon + 1; b < l.len && (l.p[b] == ' ' || l.p[b] == '\t');
	    b++)
		;
	for (e = l.len; e > b && (l.p[e - 1] == ' ' || l.p[e - 1] == '\t');
	    e--)
		;
	for (i = b; i < e; i++)
		if (!httpc_is_text((unsigned char)l.p[i]))
			return httpc_error(p, reterr, DR_EPROTO, "control "
			    "character in a header value");
	ev->name = span_make(l.p, colon);
	ev->value = span_make(l.p + b, e - b);
	return HTTPC_EV_HEADER;
}

static bool
httpc_name_is(struct span name, const char *s)
{
	return name.len == strlen(s) && strncasecmp(name.p, s, name.len) == 0;
}

/* Notes the Connection tokens "close" and "keep-alive". */
static void
httpc_connection(struct httpc_parser *p, struct span v)
{
	while (v.len > 0) {
		size_t		n = span_find(v, ',');
		struct span	t = span_sub(v, 0, n);

		while (t.len > 0 && (t.p[0] == ' ' || t.p[0] == '\t'))
			t = span_sub(t, 1, t.len);
		while (t.len > 0 && (t.p[t.len - 1] == ' ' ||
		    t.p[t.len - 1] == '\t'))
			t.len--;
		if (httpc_name_is(t, "close"))
			p->conn_close = true;
		else if (httpc_name_is(t, "keep-alive"))
			p->conn_keep = true;
		v = span_sub(v, n + 1, v.len);
	}
}

/* Looks at the framing headers of the final answer. */
static enum httpc_ev
httpc_framing(struct httpc_parser *p, const struct httpc_event *ev,
    struct dr_error *reterr)
{
	uint64_t	n = 0;
	size_t		i;

	if (httpc_name_is(ev->name, "Content-Length")) {
		if (ev->value.len == 0)
			return httpc_error(p, reterr, DR_EPROTO, "empty "
			    "Content-Length");
		for (i = 0; i < ev->value.len; i++) {
			unsigned char	c = (unsigned char)ev->value.p[i];

			if (c < '0' || c > '9')
				return httpc_error(p, reterr, DR_EPROTO, "bad "
				    "Content-Length");
			n = n * 10 + (c - '0');
			if (n > HTTPC_LENGTH_MAX)
				return httpc_error(p, reterr, DR_EPROTO,
				    "Content-Length too large");
		}
		if (p->have_cl && n != p->length)
			return httpc_error(p, reterr, DR_EPROTO, "conflicting "
			    "Content-Length headers");
		p->have_cl = true;
		p->length = n;
	} else if (httpc_name_is(ev->name, "Transfer-Encoding")) {
		if (p->have_te)
			return httpc_error(p, reterr, DR_EPROTO, "repeated "
			    "Transfer-Encoding");
		if (!httpc_name_is(ev->value, "chunked"))
			return httpc_error(p, reterr, DR_EPROTO, "unsupported "
			    "Transfer-Encoding (only chunked)");
		p->have_te = true;
	} else if (httpc_name_is(ev->name, "Connection"))
		httpc_connection(p, ev->value);
	return HTTPC_EV_HEADER;
}

/* The blank line after the final answer's headers: picks the framing. */
static enum httpc_ev
httpc_head_done(struct httpc_parser *p, struct dr_error *reterr)
{
	if (p->have_cl && p->have_te)
		return httpc_error(p, reterr, DR_EPROTO, "both Content-Length "
		    "and Transfer-Encoding");
	p->keepalive = p->minor >= 1 ? !p->conn_close :
	    p->conn_keep && !p->conn_close;
	if (p->head || p->status == 204 || p->status == 304)
		p->body = HTTPC_BODY_NONE;
	else if (p->have_te)
		p->body = HTTPC_BODY_CHUNKED;
	else if (p->have_cl)
		p->body = p->length > 0 ? HTTPC_BODY_LENGTH : HTTPC_BODY_NONE;
	else {
		p->body = HTTPC_BODY_CLOSE;
		p->keepalive = false;
	}
	p->left = p->length;
	p->state = HTTPC_S_HEAD_END;
	return HTTPC_EV_HEAD_DONE;
}

/* A chunk size line: 1*HEXDIG [BWS] [";" ext] (the ext is checked for
 * control characters and otherwise ignored). */
static enum httpc_ev
httpc_chunk_size(struct httpc_parser *p, struct dr_error *reterr)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < p->line_len; i++) {
		unsigned char	c = (unsigned char)p->line[i];
		int		d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		n = n * 16 + (uint64_t)d;
		if (n > HTTPC_LENGTH_MAX)
			return httpc_error(p, reterr, DR_EPROTO, "chunk size "
			    "too large");
	}
	if (i == 0)
		return httpc_error(p, reterr, DR_EPROTO, "bad chunk size");
	while (i < p->line_len && (p->line[i] == ' ' || p->line[i] == '\t'))
		i++;
	if (i < p->line_len && p->line[i] != ';')
		return httpc_error(p, reterr, DR_EPROTO, "bad chunk size");
	for (; i < p->line_len; i++)
		if (!httpc_is_text((unsigned char)p->line[i]))
			return httpc_error(p, reterr, DR_EPROTO, "control "
			    "character in a chunk extension");
	p->left = n;
	if (n == 0) {
		p->head_len = 0;
		p->state = HTTPC_S_TRAILER;
	} else
		p->state = HTTPC_S_CHUNK_DATA;
	return HTTPC_EV_MORE;
}

/* Handles the whole line in p->line for the current state. */
static enum httpc_ev
httpc_on_line(struct httpc_parser *p, struct httpc_event *ev,
    struct dr_error *reterr)
{
	enum httpc_ev	r;

	switch (p->state) {
	case HTTPC_S_STATUS:
		if ((r = httpc_status_line(p, reterr)) != HTTPC_EV_MORE)
			return r;
		if (p->status == 101)
			return httpc_error(p, reterr, DR_EPROTO, "unexpected "
			    "101 Switching Protocols");
		p->state = p->status < 200 ? HTTPC_S_INFO : HTTPC_S_HEADER;
		return HTTPC_EV_MORE;
	case HTTPC_S_INFO:
		if (p->line_len == 0) {
			p->state = HTTPC_S_STATUS;
			p->head_len = 0;
			return HTTPC_EV_MORE;
		}
		r = httpc_field(p, ev, reterr);
		return r == HTTPC_EV_HEADER ? HTTPC_EV_MORE : r;
	case HTTPC_S_HEADER:
		if (p->line_len == 0)
			return httpc_head_done(p, reterr);
		if ((r = httpc_field(p, ev, reterr)) != HTTPC_EV_HEADER)
			return r;
		return httpc_framing(p, ev, reterr);
	case HTTPC_S_CHUNK_SIZE:
		return httpc_chunk_size(p, reterr);
	case HTTPC_S_CHUNK_END:
		if (p->line_len != 0)
			return httpc_error(p, reterr, DR_EPROTO, "chunk data "
			    "not followed by CRLF");
		p->state = HTTPC_S_CHUNK_SIZE;
		return HTTPC_EV_MORE;
	case HTTPC_S_TRAILER:
		if (p->line_len == 0) {
			p->state = HTTPC_S_DONE;
			return HTTPC_EV_DONE;
		}
		r = httpc_field(p, ev, reterr);
		return r == HTTPC_EV_HEADER ? HTTPC_EV_MORE : r;
	default:
		return httpc_error(p, reterr, DR_EINTERNAL, "httpc: bad state");
	}
}

enum httpc_ev
httpc_parse(struct httpc_parser *p, struct span in, size_t *ret_used,
    struct httpc_event *ev, struct dr_error *reterr)
{
	size_t		used = 0, n = 0;
	enum httpc_ev	r;
	int		got;

	memset(ev, 0, sizeof(*ev));
	*ret_used = 0;
	for (;;) {
		struct span	rest = span_sub(in, used, in.len);

		switch (p->state) {
		case HTTPC_S_ERROR:
			dr_fail(reterr, DR_EPROTO, "malformed answer");
			return HTTPC_EV_ERROR;
		case HTTPC_S_DONE:
			return HTTPC_EV_DONE;
		case HTTPC_S_HEAD_END:
			switch (p->body) {
			case HTTPC_BODY_NONE:
				p->state = HTTPC_S_DONE;
				continue;
			case HTTPC_BODY_LENGTH:
				p->state = HTTPC_S_LENGTH;
				continue;
			case HTTPC_BODY_CHUNKED:
				p->state = HTTPC_S_CHUNK_SIZE;
				continue;
			case HTTPC_BODY_CLOSE:
				p->state = HTTPC_S_CLOSE;
				continue;
			}
			return httpc_error(p, reterr, DR_EINTERNAL,
			    "httpc: bad body");
		case HTTPC_S_LENGTH:
			if (p->left == 0) {
				p->state = HTTPC_S_DONE;
				continue;
			}
			/* FALLTHROUGH */
		case HTTPC_S_CHUNK_DATA:
			if (p->state == HTTPC_S_CHUNK_DATA && p->left == 0) {
				p->state = HTTPC_S_CHUNK_END;
				continue;
			}
			if (rest.len == 0)
				return HTTPC_EV_MORE;
			n = rest.len < p->left ? rest.len : (size_t)p->left;
			p->left -= n;
			ev->data = span_sub(rest, 0, n);
			*ret_used = used + n;
			return HTTPC_EV_BODY;
		case HTTPC_S_CLOSE:
			if (rest.len == 0)
				return HTTPC_EV_MORE;
			ev->data = rest;
			*ret_used = in.len;
			return HTTPC_EV_BODY;
		default:
			break;
		}
		/* A line-based state. */
		if (rest.len == 0)
			return HTTPC_EV_MORE;
		p->started = true;
		got = httpc_line(p, rest, &n, reterr);
		used += n;
		*ret_used = used;
		if (got < 0)
			return HTTPC_EV_ERROR;
		if (got == 0)
			return HTTPC_EV_MORE;
		r = httpc_on_line(p, ev, reterr);
		p->line_len = 0;
		if (r != HTTPC_EV_MORE)
			return r;
	}
}

enum httpc_ev
httpc_parse_eof(struct httpc_parser *p, struct dr_error *reterr)
{
	if (p->state == HTTPC_S_CLOSE || p->state == HTTPC_S_DONE ||
	    (p->state == HTTPC_S_HEAD_END && (p->body == HTTPC_BODY_NONE ||
	    p->body == HTTPC_BODY_CLOSE)) ||
	    (p->state == HTTPC_S_LENGTH && p->left == 0)) {
		p->state = HTTPC_S_DONE;
		return HTTPC_EV_DONE;
	}
	if (p->state == HTTPC_S_ERROR) {
		dr_fail(reterr, DR_EPROTO, "malformed answer");
		return HTTPC_EV_ERROR;
	}
	return httpc_error(p, reterr, DR_EPROTO, p->started ?
	    "connection closed mid-answer" : "connection closed before an "
	    "answer");
}
