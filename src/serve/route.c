/*
 * route: a request's destination, from its method and path.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "release/store.h"
#include "serve/route.h"

enum route route_of(const char *method, const char *url)
{
	static const struct { const char *path; enum route r; } exact[] = {
		{"/beacon", R_BEACON}, {"/", R_STATUS}, {"/api/status", R_API_STATUS},
		{"/api/rollback", R_API_ROLLBACK}, {"/healthz", R_HEALTHZ}, {"/metrics", R_METRICS},
	};
	bool get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	size_t i;

	if (!strncmp(url, "/p/", 3))
		return get ? R_STATIC : R_OTHER;
	for (i = 0; i < ARRAY_LEN(exact); i++)
		if (!strcmp(url, exact[i].path))
			return exact[i].r;
	return R_OTHER;
}

int route_static(const char *url, bool serve_maps, char *product, size_t size, char **path)
{
	const char *rest, *slash;
	size_t n;

	*path = NULL;
	if (strncmp(url, "/p/", 3))
		return 404;
	rest = url + 3;
	slash = strchr(rest, '/');
	n = slash ? (size_t)(slash - rest) : strlen(rest);
	if (n >= size)
		return 404;
	memcpy(product, rest, n);
	product[n] = '\0';
	if (!store_name_ok(product))
		return 404;
	if (!slash)
		return 301;
	*path = xstrdup(slash + 1);
	if (!**path || (*path)[strlen(*path) - 1] == '/') {
		char *index = xasprintf("%sindex.html", *path);

		free(*path);
		*path = index;
	}
	if (path_normalize(*path) < 0 || !**path) {
		free(*path);
		*path = NULL;
		return 403;
	}
	if (ends_with(*path, ".map") && !serve_maps) {
		free(*path);
		*path = NULL;
		return 404;
	}
	return 200;
}
