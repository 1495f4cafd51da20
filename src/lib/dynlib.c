/*
 * dynlib.c: libgit2, libmicrohttpd, SQLite and libcurl, opened at their first use.
 *
 * Linked the usual way, these two and the twenty-odd libraries they need
 * (TLS, SSH, Kerberos, ASN.1, ...) are mapped and relocated at every start:
 * 4.8 ms of CPU for a program that does nothing else (perf stat, 200 runs),
 * where a repeated `relgate affected` answered from its caches needs about
 * 2 ms for everything.  Most runs never call them: a run answered from the
 * caches needs no git, only boot checks serve HTTP, and only the store's
 * commands (and the gate, to record its verdicts) open the history.
 *
 * So relgate links neither.  Each function it uses is defined here with
 * the library's own prototype (its header is included, so the compiler
 * checks the two agree) and calls the library's through a table, filled on
 * the first call by dlopen() of the soname relgate was built against
 * (LIBGIT2_SONAME, MHD_SONAME, SQLITE_SONAME and CURL_SONAME, from the Makefile).  A library that is
 * missing at run time is an environment error (exit 3) naming the package.
 *
 * Five of libgit2's functions are plain arithmetic on object ids (copy,
 * compare, to and from hex); they are done here, so that a run answered
 * from the caches, which reads and compares ids, loads nothing.
 *
 * To use another function of either library, add it to its list below.
 */
/* the definitions below are the functions themselves, not curl's checking macros */
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <dlfcn.h>
#include <git2.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "lib/diag.h"
#include "lib/util.h"

struct dynlib {
	const char *soname;
	const char *package; /* the Debian package that has it */
	const char *const *names;
	void **fns;
	size_t n;
	atomic_bool loaded;
};

/*
 * Opens lib and finds each of its functions, or ends relgate.  Lazily
 * bound: of the thousands of functions the library and its own
 * dependencies import, only the ones called are looked up (1.3 ms less
 * for libgit2 than RTLD_NOW).
 */
static void dynlib_load(struct dynlib *lib)
{
	void *h = dlopen(lib->soname, RTLD_LAZY | RTLD_LOCAL);

	if (!h)
		die(EXIT_ENV, "cannot load %s (%s): install %s (sh scripts/install-deps.sh build)",
		    lib->soname, dlerror(), lib->package);
	for (size_t i = 0; i < lib->n; i++) {
		lib->fns[i] = dlsym(h, lib->names[i]);
		if (!lib->fns[i])
			die(EXIT_ENV, "%s has no function %s: relgate was built against another version",
			    lib->soname, lib->names[i]);
	}
	atomic_store(&lib->loaded, true);
}

/*
 * A library's list: F(return type, name, parameters, arguments) for a
 * function that returns a value; V(name, parameters, arguments) for one
 * that frees what the library made (a no-op while the library is not
 * loaded: nothing of it can exist, and relgate frees NULL often); X(name)
 * for one only looked up (a variadic one, defined by hand below).  From
 * it come the names to look up and the definitions.
 */
#define DYN_NAME(r, name, p, a) #name,
#define DYN_VNAME(name, p, a) #name,
#define DYN_XNAME(name) #name,
#define DYN_INDEX(r, name, p, a) DYN_##name,
#define DYN_VINDEX(name, p, a) DYN_##name,
#define DYN_XINDEX(name) DYN_##name,
#define DYN_NONE(...)

#define DYNLIB(lib, list, soname, package)                                                 \
	enum { list(DYN_INDEX, DYN_VINDEX, DYN_XINDEX) lib##_count };                       \
	static const char *const lib##_names[] = {list(DYN_NAME, DYN_VNAME, DYN_XNAME)};    \
	static void *lib##_fns[lib##_count];                                                \
	static struct dynlib lib = {soname, package, lib##_names, lib##_fns, lib##_count}; \
	static pthread_once_t lib##_once = PTHREAD_ONCE_INIT;                               \
	static void lib##_load(void)                                                        \
	{                                                                                   \
		dynlib_load(&lib);                                                          \
	}                                                                                   \
	static void *lib##_fn(int i)                                                        \
	{                                                                                   \
		pthread_once(&lib##_once, lib##_load);                                      \
		return lib##_fns[i];                                                        \
	}

/* ISO C has no conversion between object and function pointers; POSIX's dlsym() needs one. */
#define DYN_CALL(lib, r, name, p) ((r(*) p)lib##_fn(DYN_##name))

/* The definitions a library's list makes: a call through the table, a free that may do nothing. */
#define DYN_DEFINE(lib, r, name, p, a)              \
	r name p                                    \
	{                                           \
		return DYN_CALL(lib, r, name, p) a; \
	}
#define DYN_VDEFINE(lib, name, p, a)                 \
	void name p                                  \
	{                                            \
		if (atomic_load(&lib.loaded))        \
			DYN_CALL(lib, void, name, p) a; \
	}

/* libgit2 */

#define LIBGIT2(F, V, X)                                                                           \
	F(int, git_libgit2_init, (void), ())                                                      \
	F(int, git_libgit2_shutdown, (void), ())                                                  \
	F(const git_error *, git_error_last, (void), ())                                          \
	X(git_libgit2_opts)                                                                       \
	V(git_blob_free, (git_blob * b), (b))                                                     \
	F(int, git_blob_lookup, (git_blob * *b, git_repository * r, const git_oid *id), (b, r, id)) \
	F(const void *, git_blob_rawcontent, (const git_blob *b), (b))                            \
	F(git_object_size_t, git_blob_rawsize, (const git_blob *b), (b))                          \
	V(git_commit_free, (git_commit * c), (c))                                                 \
	F(const git_oid *, git_commit_id, (const git_commit *c), (c))                             \
	F(int, git_commit_lookup, (git_commit * *c, git_repository * r, const git_oid *id), (c, r, id)) \
	F(const git_oid *, git_commit_parent_id, (const git_commit *c, unsigned int n), (c, n))   \
	F(const git_oid *, git_commit_tree_id, (const git_commit *c), (c))                        \
	F(unsigned int, git_commit_parentcount, (const git_commit *c), (c))                       \
	F(int, git_commit_tree, (git_tree * *t, const git_commit *c), (t, c))                     \
	V(git_diff_free, (git_diff * d), (d))                                                     \
	F(const git_diff_delta *, git_diff_get_delta, (const git_diff *d, size_t i), (d, i))      \
	F(size_t, git_diff_num_deltas, (const git_diff *d), (d))                                  \
	F(int, git_diff_tree_to_workdir_with_index,                                               \
	  (git_diff * *d, git_repository * r, git_tree * t, const git_diff_options *o), (d, r, t, o)) \
	F(size_t, git_index_entrycount, (const git_index *x), (x))                                \
	V(git_index_free, (git_index * x), (x))                                                   \
	F(const git_index_entry *, git_index_get_byindex, (git_index * x, size_t n), (x, n))      \
	F(const char *, git_index_path, (const git_index *x), (x))                                \
	F(int, git_merge_base, (git_oid * out, git_repository * r, const git_oid *a, const git_oid *b), \
	  (out, r, a, b))                                                                         \
	V(git_object_free, (git_object * o), (o))                                                 \
	F(const git_oid *, git_object_id, (const git_object *o), (o))                             \
	F(int, git_object_peel, (git_object * *out, const git_object *o, git_object_t t), (out, o, t)) \
	F(int, git_odb_exists, (git_odb * db, const git_oid *id), (db, id))                       \
	V(git_odb_free, (git_odb * db), (db))                                                     \
	F(int, git_odb_hash, (git_oid * out, const void *data, size_t len, git_object_t t),      \
	  (out, data, len, t))                                                                    \
	F(char *, git_oid_tostr_s, (const git_oid *id), (id))                                     \
	V(git_repository_free, (git_repository * r), (r))                                         \
	F(int, git_repository_index, (git_index * *out, git_repository * r), (out, r))            \
	F(int, git_repository_is_shallow, (git_repository * r), (r))                              \
	F(int, git_repository_odb, (git_odb * *out, git_repository * r), (out, r))                \
	F(int, git_repository_open_bare, (git_repository * *out, const char *path), (out, path))  \
	F(int, git_repository_open_ext,                                                           \
	  (git_repository * *out, const char *path, unsigned int flags, const char *ceiling),     \
	  (out, path, flags, ceiling))                                                            \
	F(const char *, git_repository_path, (const git_repository *r), (r))                      \
	F(const char *, git_repository_workdir, (const git_repository *r), (r))                   \
	F(int, git_revparse_single, (git_object * *out, git_repository * r, const char *spec),   \
	  (out, r, spec))                                                                         \
	F(const git_status_entry *, git_status_byindex, (git_status_list * l, size_t i), (l, i))  \
	F(size_t, git_status_list_entrycount, (git_status_list * l), (l))                         \
	V(git_status_list_free, (git_status_list * l), (l))                                       \
	F(int, git_status_list_new,                                                               \
	  (git_status_list * *out, git_repository * r, const git_status_options *o), (out, r, o)) \
	F(int, git_tree_dup, (git_tree * *out, git_tree * t), (out, t))                           \
	F(const git_tree_entry *, git_tree_entry_byindex, (const git_tree *t, size_t i), (t, i))  \
	F(const git_tree_entry *, git_tree_entry_byname, (const git_tree *t, const char *name),  \
	  (t, name))                                                                              \
	F(int, git_tree_entry_bypath, (git_tree_entry * *out, const git_tree *t, const char *path), \
	  (out, t, path))                                                                         \
	F(git_filemode_t, git_tree_entry_filemode, (const git_tree_entry *e), (e))                \
	V(git_tree_entry_free, (git_tree_entry * e), (e))                                         \
	F(const git_oid *, git_tree_entry_id, (const git_tree_entry *e), (e))                     \
	F(const char *, git_tree_entry_name, (const git_tree_entry *e), (e))                      \
	F(git_object_t, git_tree_entry_type, (const git_tree_entry *e), (e))                      \
	F(size_t, git_tree_entrycount, (const git_tree *t), (t))                                  \
	V(git_tree_free, (git_tree * t), (t))                                                     \
	F(const git_oid *, git_tree_id, (const git_tree *t), (t))                                 \
	F(int, git_tree_lookup, (git_tree * *out, git_repository * r, const git_oid *id), (out, r, id))

DYNLIB(libgit2, LIBGIT2, LIBGIT2_SONAME, "libgit2-1.5")

#define GIT_DEFINE(r, name, p, a) DYN_DEFINE(libgit2, r, name, p, a)
#define GIT_VDEFINE(name, p, a) DYN_VDEFINE(libgit2, name, p, a)
LIBGIT2(GIT_DEFINE, GIT_VDEFINE, DYN_NONE)

/*
 * The options relgate sets take one int; its tests also set search paths
 * (a level and a path).
 */
int git_libgit2_opts(int option, ...)
{
	int (*opts)(int, ...) = DYN_CALL(libgit2, int, git_libgit2_opts, (int, ...));
	va_list ap;
	int r;

	va_start(ap, option);
	switch (option) {
	case GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION:
	case GIT_OPT_ENABLE_CACHING:
		r = opts(option, va_arg(ap, int));
		break;
	case GIT_OPT_SET_SEARCH_PATH: {
		int level = va_arg(ap, int);

		r = opts(option, level, va_arg(ap, const char *));
		break;
	}
	default:
		BUG("git_libgit2_opts: option %d is not passed on", option);
	}
	va_end(ap);
	return r;
}

/*
 * libgit2's start (git_mbedtls_stream_global_init) parses every CA
 * certificate of the system, some 140 PEM blocks, for HTTPS transports:
 * 4 to 8 ms of CPU here, a third of what turbo needs for a whole run on a
 * small repository.  relgate only reads local repositories and never
 * opens a connection through libgit2, so the relgate binary defines the
 * mbedTLS function that does it, exported (-Wl,--export-dynamic-symbol in
 * the Makefile) so that libgit2, opened after it, binds to this one: no
 * certificate is loaded.  Should relgate ever fetch over HTTPS through
 * libgit2, remove it; until then such a connection would fail its
 * certificate check (there are none to trust), never pass it.
 */
struct mbedtls_x509_crt;
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path);
int mbedtls_x509_crt_parse_file(struct mbedtls_x509_crt *chain, const char *path)
{
	(void)chain;
	(void)path;
	return 0;
}

/* The arithmetic on ids, as libgit2 1.5 does it (src/libgit2/oid.c). */

int git_oid_cpy(git_oid *out, const git_oid *src)
{
	memcpy(out->id, src->id, GIT_OID_RAWSZ);
	return 0;
}

int git_oid_equal(const git_oid *a, const git_oid *b)
{
	return memcmp(a->id, b->id, GIT_OID_RAWSZ) == 0;
}

/* The first length hex digits of str, the rest of the id zero. */
int git_oid_fromstrn(git_oid *out, const char *str, size_t length)
{
	if (length == 0 || length > GIT_OID_HEXSZ)
		return -1;
	memset(out->id, 0, GIT_OID_RAWSZ);
	for (size_t i = 0; i < length; i++) {
		int v = hex_value(str[i]);

		if (v < 0)
			return -1;
		out->id[i / 2] |= (unsigned char)(i % 2 ? v : v << 4);
	}
	return 0;
}

int git_oid_fromstr(git_oid *out, const char *str)
{
	return git_oid_fromstrn(out, str, GIT_OID_HEXSZ);
}

/* At most n - 1 hex digits of id and a NUL; out itself. */
char *git_oid_tostr(char *out, size_t n, const git_oid *id)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	if (!out || n == 0)
		return "";
	for (i = 0; i + 1 < n && i < GIT_OID_HEXSZ; i++)
		out[i] = hex[i % 2 ? id->id[i / 2] & 0xf : id->id[i / 2] >> 4];
	out[i] = '\0';
	return out;
}

/* libmicrohttpd */

#define LIBMHD(F, V, X)                                                                        \
	F(enum MHD_Result, MHD_add_response_header,                                            \
	  (struct MHD_Response * r, const char *header, const char *content), (r, header, content)) \
	F(struct MHD_Response *, MHD_create_response_from_buffer,                              \
	  (size_t size, void *buffer, enum MHD_ResponseMemoryMode mode), (size, buffer, mode))  \
	F(struct MHD_Response *, MHD_create_response_from_fd, (size_t size, int fd), (size, fd)) \
	V(MHD_destroy_response, (struct MHD_Response * r), (r))                                 \
	F(enum MHD_Result, MHD_queue_response,                                                 \
	  (struct MHD_Connection * c, unsigned int status, struct MHD_Response *r), (c, status, r)) \
	V(MHD_stop_daemon, (struct MHD_Daemon * d), (d))                                        \
	F(const char *, MHD_lookup_connection_value,                                           \
	  (struct MHD_Connection * c, enum MHD_ValueKind k, const char *key), (c, k, key))      \
	V(MHD_suspend_connection, (struct MHD_Connection * c), (c))                             \
	V(MHD_resume_connection, (struct MHD_Connection * c), (c))                              \
	F(MHD_socket, MHD_quiesce_daemon, (struct MHD_Daemon * d), (d))                         \
	X(MHD_get_connection_info)                                                             \
	X(MHD_get_daemon_info)                                                                 \
	X(MHD_start_daemon_va)

DYNLIB(libmhd, LIBMHD, MHD_SONAME, "libmicrohttpd12")

#define MHD_DEFINE(r, name, p, a) DYN_DEFINE(libmhd, r, name, p, a)
#define MHD_VDEFINE(name, p, a) DYN_VDEFINE(libmhd, name, p, a)
LIBMHD(MHD_DEFINE, MHD_VDEFINE, DYN_NONE)

struct MHD_Daemon *MHD_start_daemon(unsigned int flags, uint16_t port, MHD_AcceptPolicyCallback apc,
				    void *apc_cls, MHD_AccessHandlerCallback dh, void *dh_cls, ...)
{
	struct MHD_Daemon *d;
	va_list ap;

	va_start(ap, dh_cls);
	d = DYN_CALL(libmhd, struct MHD_Daemon *, MHD_start_daemon_va,
		     (unsigned int, uint16_t, MHD_AcceptPolicyCallback, void *,
		      MHD_AccessHandlerCallback, void *, va_list))(flags, port, apc, apc_cls, dh,
								    dh_cls, ap);
	va_end(ap);
	return d;
}

/* relgate asks only for what takes no further argument (the bound port). */
const union MHD_ConnectionInfo *MHD_get_connection_info(struct MHD_Connection *c,
							enum MHD_ConnectionInfoType type, ...)
{
	if (type != MHD_CONNECTION_INFO_CLIENT_ADDRESS)
		BUG("MHD_get_connection_info: type %d is not passed on", (int)type);
	return DYN_CALL(libmhd, const union MHD_ConnectionInfo *, MHD_get_connection_info,
			(struct MHD_Connection *, enum MHD_ConnectionInfoType, ...))(c, type);
}

const union MHD_DaemonInfo *MHD_get_daemon_info(struct MHD_Daemon *d, enum MHD_DaemonInfoType type,
						 ...)
{
	if (type != MHD_DAEMON_INFO_BIND_PORT)
		BUG("MHD_get_daemon_info: type %d is not passed on", (int)type);
	return DYN_CALL(libmhd, const union MHD_DaemonInfo *, MHD_get_daemon_info,
			(struct MHD_Daemon *, enum MHD_DaemonInfoType, ...))(d, type);
}

/* SQLite */

#define LIBSQLITE(F, V, X)                                                                     \
	F(int, sqlite3_bind_int64, (sqlite3_stmt * s, int i, sqlite3_int64 v), (s, i, v))     \
	F(int, sqlite3_bind_null, (sqlite3_stmt * s, int i), (s, i))                           \
	F(int, sqlite3_bind_text,                                                              \
	  (sqlite3_stmt * s, int i, const char *v, int n, void (*d)(void *)), (s, i, v, n, d))  \
	F(int, sqlite3_busy_handler, (sqlite3 * db, int (*f)(void *, int), void *p), (db, f, p)) \
	F(int, sqlite3_changes, (sqlite3 * db), (db))                                          \
	F(int, sqlite3_close_v2, (sqlite3 * db), (db))                                         \
	F(sqlite3_int64, sqlite3_column_int64, (sqlite3_stmt * s, int i), (s, i))              \
	F(const unsigned char *, sqlite3_column_text, (sqlite3_stmt * s, int i), (s, i))       \
	F(int, sqlite3_column_type, (sqlite3_stmt * s, int i), (s, i))                         \
	F(int, sqlite3_errcode, (sqlite3 * db), (db))                                          \
	F(const char *, sqlite3_errmsg, (sqlite3 * db), (db))                                  \
	F(int, sqlite3_exec,                                                                   \
	  (sqlite3 * db, const char *sql, int (*cb)(void *, int, char **, char **), void *arg, \
	   char **err),                                                                        \
	  (db, sql, cb, arg, err))                                                             \
	F(int, sqlite3_finalize, (sqlite3_stmt * s), (s))                                      \
	F(int, sqlite3_get_autocommit, (sqlite3 * db), (db))                                   \
	V(sqlite3_free, (void *p), (p))                                                        \
	F(sqlite3_int64, sqlite3_last_insert_rowid, (sqlite3 * db), (db))                      \
	F(int, sqlite3_open_v2, (const char *path, sqlite3 **db, int flags, const char *vfs), \
	  (path, db, flags, vfs))                                                              \
	F(int, sqlite3_prepare_v2,                                                             \
	  (sqlite3 * db, const char *sql, int n, sqlite3_stmt **s, const char **tail),         \
	  (db, sql, n, s, tail))                                                               \
	F(int, sqlite3_reset, (sqlite3_stmt * s), (s))                                         \
	F(int, sqlite3_step, (sqlite3_stmt * s), (s))

DYNLIB(libsqlite, LIBSQLITE, SQLITE_SONAME, "libsqlite3-0")

#define SQLITE_DEFINE(r, name, p, a) DYN_DEFINE(libsqlite, r, name, p, a)
#define SQLITE_VDEFINE(name, p, a) DYN_VDEFINE(libsqlite, name, p, a)
LIBSQLITE(SQLITE_DEFINE, SQLITE_VDEFINE, DYN_NONE)

/* libcurl (notifications: webhooks, chat, e-mail, GitHub) */

#define LIBCURL(F, V, X)                                                                       \
	F(CURLcode, curl_global_init, (long flags), (flags))                                   \
	F(CURL *, curl_easy_init, (void), ())                                                  \
	V(curl_easy_cleanup, (CURL * c), (c))                                                  \
	F(CURLcode, curl_easy_perform, (CURL * c), (c))                                        \
	F(const char *, curl_easy_strerror, (CURLcode code), (code))                           \
	F(CURLM *, curl_multi_init, (void), ())                                                \
	F(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL *c), (m, c))                      \
	F(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL *c), (m, c))                   \
	F(CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running))              \
	F(CURLMcode, curl_multi_poll,                                                          \
	  (CURLM * m, struct curl_waitfd *extra, unsigned int n, int ms, int *numfds),         \
	  (m, extra, n, ms, numfds))                                                           \
	F(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))                  \
	F(CURLMcode, curl_multi_cleanup, (CURLM * m), (m))                                     \
	F(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s)) \
	V(curl_slist_free_all, (struct curl_slist * l), (l))                                   \
	X(curl_easy_setopt)                                                                    \
	X(curl_easy_getinfo)                                                                   \
	X(curl_multi_setopt)

DYNLIB(libcurl, LIBCURL, CURL_SONAME, "libcurl4")

#define CURL_DEFINE(r, name, p, a) DYN_DEFINE(libcurl, r, name, p, a)
#define CURL_VDEFINE(name, p, a) DYN_VDEFINE(libcurl, name, p, a)
LIBCURL(CURL_DEFINE, CURL_VDEFINE, DYN_NONE)

/*
 * An option's number tells the type of its argument (curl.h's
 * CURLOPTTYPE_ ranges): long, a pointer, a function pointer, curl_off_t,
 * a blob's pointer.  Each is passed on as the type it came as.
 */
CURLcode curl_easy_setopt(CURL *c, CURLoption option, ...)
{
	CURLcode (*set)(CURL *, CURLoption, ...) =
		DYN_CALL(libcurl, CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...));
	va_list ap;
	CURLcode r;

	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		r = set(c, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT)
		r = set(c, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		r = set(c, option, va_arg(ap, void (*)(void)));
	else if (option < CURLOPTTYPE_BLOB)
		r = set(c, option, va_arg(ap, curl_off_t));
	else
		r = set(c, option, va_arg(ap, void *));
	va_end(ap);
	return r;
}

/* The multi handle's options relgate sets take a long. */
CURLMcode curl_multi_setopt(CURLM *m, CURLMoption option, ...)
{
	CURLMcode (*set)(CURLM *, CURLMoption, ...) =
		DYN_CALL(libcurl, CURLMcode, curl_multi_setopt, (CURLM *, CURLMoption, ...));
	va_list ap;
	CURLMcode r;

	va_start(ap, option);
	if (option >= CURLOPTTYPE_OBJECTPOINT)
		BUG("curl_multi_setopt: option %d is not passed on", (int)option);
	r = set(m, option, va_arg(ap, long));
	va_end(ap);
	return r;
}

/* Every piece of information is returned through a pointer. */
CURLcode curl_easy_getinfo(CURL *c, CURLINFO info, ...)
{
	CURLcode (*get)(CURL *, CURLINFO, ...) =
		DYN_CALL(libcurl, CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...));
	va_list ap;
	CURLcode r;

	va_start(ap, info);
	r = get(c, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}
