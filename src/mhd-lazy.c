/*
 * mhd-lazy: libmicrohttpd, loaded on first use.
 *
 * Debian's libmicrohttpd brings GnuTLS, p11-kit, nettle, GMP and more, and
 * its constructor initialises GnuTLS: ~10 ms of CPU at every exec.  Only
 * `dockrev serve` (and the unit test of the server) serve HTTP, so dockrev
 * does not link it: this file defines the functions src/http.c calls, and
 * the first call opens libmicrohttpd.so.12 and resolves them all.  Every
 * other command (update, check, the container HEALTHCHECK) starts without
 * it.
 *
 * MHD_start_daemon forwards its option list through MHD_start_daemon_va.
 * MHD_get_connection_info and MHD_get_daemon_info take no argument after
 * the info type for the types dockrev asks (CLIENT_ADDRESS, CONNECTION_FD,
 * BIND_PORT...), so none is forwarded.
 */
#include "mhd-lazy.h"

#include <microhttpd.h>
#include <stdarg.h>

#include "lazylib.h"

#define MHD_LAZY_SONAME	"libmicrohttpd.so.12"

static struct {
	enum MHD_Result	(*add_response_header)(struct MHD_Response *,
			    const char *, const char *);
	struct MHD_Response *(*create_response_from_buffer)(size_t, void *,
			    enum MHD_ResponseMemoryMode);
	struct MHD_Response *(*create_response_from_buffer_with_free_callback_cls)(
			    size_t, void *, MHD_ContentReaderFreeCallback,
			    void *);
	struct MHD_Response *(*create_response_from_callback)(uint64_t, size_t,
			    MHD_ContentReaderCallback, void *,
			    MHD_ContentReaderFreeCallback);
	enum MHD_Result	(*del_response_header)(struct MHD_Response *,
			    const char *, const char *);
	void		(*destroy_response)(struct MHD_Response *);
	const union MHD_ConnectionInfo *(*get_connection_info)(
			    struct MHD_Connection *,
			    enum MHD_ConnectionInfoType, ...);
	int		(*get_connection_values)(struct MHD_Connection *,
			    enum MHD_ValueKind, MHD_KeyValueIterator, void *);
	const union MHD_DaemonInfo *(*get_daemon_info)(struct MHD_Daemon *,
			    enum MHD_DaemonInfoType, ...);
	const char	*(*get_response_header)(struct MHD_Response *,
			    const char *);
	enum MHD_Result	(*queue_response)(struct MHD_Connection *,
			    unsigned int, struct MHD_Response *);
	MHD_socket	(*quiesce_daemon)(struct MHD_Daemon *);
	void		(*resume_connection)(struct MHD_Connection *);
	struct MHD_Daemon *(*start_daemon_va)(unsigned int, uint16_t,
			    MHD_AcceptPolicyCallback, void *,
			    MHD_AccessHandlerCallback, void *, va_list);
	void		(*stop_daemon)(struct MHD_Daemon *);
	void		(*suspend_connection)(struct MHD_Connection *);
} fn;

#define SYM(s)	{ "MHD_" #s, (void **)&fn.s }
static const struct lazylib_sym syms[] = {
	SYM(add_response_header), SYM(create_response_from_buffer),
	SYM(create_response_from_buffer_with_free_callback_cls),
	SYM(create_response_from_callback), SYM(del_response_header),
	SYM(destroy_response), SYM(get_connection_info),
	SYM(get_connection_values), SYM(get_daemon_info),
	SYM(get_response_header), SYM(queue_response), SYM(quiesce_daemon),
	SYM(resume_connection), SYM(start_daemon_va), SYM(stop_daemon),
	SYM(suspend_connection),
};
#undef SYM

static struct lazylib	 lib = LAZYLIB_INIT(MHD_LAZY_SONAME, syms, NULL);

static inline void
need(void)
{
	lazylib_need(&lib);
}

bool
mhd_lazy_loaded(void)
{
	return lazylib_loaded(&lib);
}

struct MHD_Daemon *
MHD_start_daemon(unsigned int flags, uint16_t port,
    MHD_AcceptPolicyCallback apc, void *apc_cls,
    MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon	*d;
	va_list			 ap;

	need();
	va_start(ap, dh_cls);
	d = fn.start_daemon_va(flags, port, apc, apc_cls, dh, dh_cls, ap);
	va_end(ap);
	return d;
}

void
MHD_stop_daemon(struct MHD_Daemon *d)
{
	need();
	fn.stop_daemon(d);
}

MHD_socket
MHD_quiesce_daemon(struct MHD_Daemon *d)
{
	need();
	return fn.quiesce_daemon(d);
}

const union MHD_DaemonInfo *
MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType type, ...)
{
	need();
	return fn.get_daemon_info(d, type);
}

const union MHD_ConnectionInfo *
MHD_get_connection_info(struct MHD_Connection *c,
    enum MHD_ConnectionInfoType type, ...)
{
	need();
	return fn.get_connection_info(c, type);
}

int
MHD_get_connection_values(struct MHD_Connection *c, enum MHD_ValueKind kind,
    MHD_KeyValueIterator it, void *it_cls)
{
	need();
	return fn.get_connection_values(c, kind, it, it_cls);
}

void
MHD_suspend_connection(struct MHD_Connection *c)
{
	need();
	fn.suspend_connection(c);
}

void
MHD_resume_connection(struct MHD_Connection *c)
{
	need();
	fn.resume_connection(c);
}

enum MHD_Result
MHD_queue_response(struct MHD_Connection *c, unsigned int status,
    struct MHD_Response *r)
{
	need();
	return fn.queue_response(c, status, r);
}

struct MHD_Response *
MHD_create_response_from_buffer(size_t size, void *buf,
    enum MHD_ResponseMemoryMode mode)
{
	need();
	return fn.create_response_from_buffer(size, buf, mode);
}

struct MHD_Response *
MHD_create_response_from_buffer_with_free_callback_cls(size_t size,
    void *buf, MHD_ContentReaderFreeCallback crfc, void *crfc_cls)
{
	need();
	return fn.create_response_from_buffer_with_free_callback_cls(size, buf,
	    crfc, crfc_cls);
}

struct MHD_Response *
MHD_create_response_from_callback(uint64_t size, size_t block_size,
    MHD_ContentReaderCallback crc, void *crc_cls,
    MHD_ContentReaderFreeCallback crfc)
{
	need();
	return fn.create_response_from_callback(size, block_size, crc, crc_cls,
	    crfc);
}

enum MHD_Result
MHD_add_response_header(struct MHD_Response *r, const char *header,
    const char *content)
{
	need();
	return fn.add_response_header(r, header, content);
}

enum MHD_Result
MHD_del_response_header(struct MHD_Response *r, const char *header,
    const char *content)
{
	need();
	return fn.del_response_header(r, header, content);
}

const char *
MHD_get_response_header(struct MHD_Response *r, const char *key)
{
	need();
	return fn.get_response_header(r, key);
}

void
MHD_destroy_response(struct MHD_Response *r)
{
	need();
	fn.destroy_response(r);
}
