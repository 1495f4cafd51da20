/*
 * httpd: a folder served on a loopback port by libmicrohttpd, for the boot
 * check (and, next, for relgate serve's active releases).  GET and HEAD
 * only; a path never leaves the folder (openat2 RESOLVE_BENEATH, else no
 * symlink at the last step); nothing is cached by the browser.  The
 * daemon's own thread touches nothing but the folder.  Whether a page's
 * request failed is the browser's to say (the boot check reads it from
 * DevTools): here any local client may ask for anything.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/httpd.h"
#include "lib/util.h"

const char *httpd_content_type(const char *path)
{
	static const struct { const char *ext, *type; } types[] = {
		{".html", "text/html; charset=utf-8"}, {".htm", "text/html; charset=utf-8"},
		{".js", "text/javascript; charset=utf-8"}, {".mjs", "text/javascript; charset=utf-8"},
		{".css", "text/css; charset=utf-8"}, {".json", "application/json"},
		{".map", "application/json"}, {".svg", "image/svg+xml"}, {".png", "image/png"},
		{".jpg", "image/jpeg"}, {".jpeg", "image/jpeg"}, {".gif", "image/gif"},
		{".webp", "image/webp"}, {".ico", "image/x-icon"}, {".woff", "font/woff"},
		{".woff2", "font/woff2"}, {".wasm", "application/wasm"}, {".txt", "text/plain"},
	};
	const char *dot = strrchr(path, '.');
	size_t i;

	for (i = 0; dot && i < ARRAY_LEN(types); i++)
		if (!strcasecmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

int httpd_open_beneath(int dirfd, const char *path)
{
#ifdef SYS_openat2
	struct { uint64_t flags, mode, resolve; } how = {O_RDONLY | O_CLOEXEC, 0,
							 0x08 /* RESOLVE_BENEATH */ |
							 0x02 /* RESOLVE_NO_MAGICLINKS */};
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	if (fd >= 0 || errno != ENOSYS)
		return (int)fd;
#endif
	return openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_len, void **state)
{
	struct httpd_files *s = cls;
	struct MHD_Response *resp;
	enum MHD_Result r;
	struct stat st;
	char *path;
	int fd = -1, status = 404;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		resp = MHD_create_response_from_buffer(0, "", MHD_RESPMEM_PERSISTENT);
		r = MHD_queue_response(c, MHD_HTTP_METHOD_NOT_ALLOWED, resp);
		MHD_destroy_response(resp);
		return r;
	}
	path = xstrdup(url[0] == '/' ? url + 1 : url);
	/* libmicrohttpd hands over the path decoded, without its query: "#" may be a name's */
	if (!*path || path[strlen(path) - 1] == '/') {
		char *index = xasprintf("%sindex.html", path);

		free(path);
		path = index;
	}
	if (path_normalize(path) == 0 && *path) {
		fd = httpd_open_beneath(s->dirfd, path);
		if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
			close(fd);
			fd = -1;
		}
	} else {
		status = 403;
	}
	if (fd < 0) {
		static const char body[] = "not found\n";

		resp = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)body,
						       MHD_RESPMEM_PERSISTENT);
		r = MHD_queue_response(c, (unsigned)status, resp);
	} else {
		resp = MHD_create_response_from_fd((uint64_t)st.st_size, fd);
		MHD_add_response_header(resp, "Content-Type", httpd_content_type(path));
		MHD_add_response_header(resp, "Cache-Control", "no-store");
		r = MHD_queue_response(c, MHD_HTTP_OK, resp);
	}
	MHD_destroy_response(resp);
	free(path);
	return r;
}

int httpd_files_start(struct httpd_files *s, const char *dir)
{
	struct sockaddr_in addr = {0};
	const union MHD_DaemonInfo *info;

	memset(s, 0, sizeof(*s));
	s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->dirfd < 0)
		return -1;
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	addr.sin_port = 0;
	s->mhd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, NULL, NULL,
				  serve, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	if (!s->mhd) {
		close(s->dirfd);
		s->dirfd = -1;
		return -1;
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : 0;
	return s->port ? 0 : -1;
}

void httpd_files_stop(struct httpd_files *s)
{
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->dirfd >= 0)
		close(s->dirfd);
}

/* ---- the browser ---- */

