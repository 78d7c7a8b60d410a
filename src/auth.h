/*
 * auth: who is asking, as docs/api.md says.  Forward mode trusts one
 * header (X-Forwarded-User by default) carrying the user a reverse proxy
 * authenticated, and only from the proxy's own addresses (CIDRs); mode
 * none makes everyone "anonymous" (loopback only, enforced by serve).
 * State changes must come from the daemon's own origin.  Pure functions of
 * the configuration and the request's headers and peer: no I/O.
 */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "err.h"

struct config;

#define AUTH_USER_MAX		256	/* bytes of a user name */
#define AUTH_ANONYMOUS		"anonymous"

/* One trusted network: family AF_INET (addr[0..4)) or AF_INET6. */
struct auth_cidr {
	int		family;
	unsigned char	addr[16];
	unsigned	prefix;		/* 0-32 or 0-128 */
};

/*
 * Parses "ADDR/PREFIX" or a bare address (/32 or /128) into *ret.  An
 * IPv4-mapped IPv6 network (::ffff:10.0.0.0/104) becomes the IPv4 one.
 * DR_EINVAL for anything else: no address, a prefix out of range, not
 * decimal, with leading zeros or signs, or host bits set ("10.0.0.1/8").
 */
enum dr_err	auth_cidr_parse(const char *s, struct auth_cidr *ret,
		    struct dr_error *reterr);
/* True when the peer address (AF_INET or AF_INET6; an IPv4-mapped IPv6
 * address counts as IPv4) lies in the network. */
bool		auth_cidr_match(const struct auth_cidr *,
		    const struct sockaddr *peer);
/* The text of a peer address ("127.0.0.1", "::1"; mapped addresses as
 * IPv4) into out; "" for another family. */
void		auth_peer_text(const struct sockaddr *peer, char *out,
		    size_t size);

/* One request header as sent (name case as sent, value). */
struct auth_header {
	const char	*name;
	const char	*value;
};

enum auth_result {
	AUTH_OK,
	AUTH_UNAUTHORIZED,	/* 401 */
	AUTH_FORBIDDEN,		/* 403 */
};

/*
 * The user of a request.  Mode none: AUTH_ANONYMOUS.  Forward mode: the
 * value of the configured header when the peer is in a trusted network,
 * the header is sent exactly once, no other header's name equals it with
 * '_' for '-' (X_Forwarded_User), and the value is 1-AUTH_USER_MAX
 * printable bytes (no control characters); otherwise AUTH_UNAUTHORIZED
 * with *ret_why saying which rule (static text, safe to log: it never
 * holds a header value).  *ret_user points into h or is static.
 */
enum auth_result auth_user(const struct config *, const struct sockaddr *peer,
		    const struct auth_header *h, size_t nh,
		    const char **ret_user, const char **ret_why);

/*
 * The origin check of a state change (POST, PUT, PATCH, DELETE; other
 * methods always pass): Sec-Fetch-Site same-origin or none passes; else an
 * Origin equal to the configured origin (when set) or to
 * "http(s)://" + Host passes; a request with neither header passes (not a
 * browser); anything else, or either header sent twice, is
 * AUTH_FORBIDDEN with *ret_why.
 */
enum auth_result auth_origin(const struct config *, const char *method,
		    const struct auth_header *h, size_t nh,
		    const char **ret_why);

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool		auth_is_loopback(const struct sockaddr *);

#endif
