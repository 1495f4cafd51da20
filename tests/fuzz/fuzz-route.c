/*
 * fuzz-route: any method and path (the input's first line and the rest)
 * goes somewhere; a static path that is served is a product name the store
 * may hold and a relative path with no "." or ".." component, no empty
 * one, never absolute: nothing outside the release folder can be named.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "release/store.h"
#include "serve/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in = xstrndup((const char *)data, size), *url = strchr(in, '\n'), *path, *p;
	const char *method = in;
	char product[128];
	enum route r;
	int status;

	if (url)
		*url++ = '\0';
	else
		url = in, method = "GET";
	r = route_of(method, url);
	if (r < 0 || r >= R_COUNT)
		abort();
	status = route_static(url, size % 2, product, sizeof(product), &path);
	if (status != 200 && status != 301 && status != 403 && status != 404)
		abort();
	if (status == 200 || status == 301)
		if (!store_name_ok(product) || strncmp(url, "/p/", 3))
			abort();
	if (status != 200 && path)
		abort();
	if (status == 200) {
		if (!path || !*path || path[0] == '/')
			abort();
		for (p = path; p; p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL) {
			size_t n = strcspn(p, "/");

			if (!n || (n == 1 && p[0] == '.') || (n == 2 && !strncmp(p, "..", 2)))
				abort();
		}
		if (!(size % 2) && ends_with(path, ".map"))
			abort();
	}
	free(path);
	free(in);
	return 0;
}
