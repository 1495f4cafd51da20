/*
 * route: where a request goes, decided from its method and its path
 * alone (libmicrohttpd hands the path over percent-decoded, without its
 * query), before anything is opened.  Fuzzed (tests/fuzz/fuzz-route.c).
 */
#ifndef RELGATE_ROUTE_H
#define RELGATE_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum route {
	R_BEACON, R_STATIC, R_STATUS, R_API_STATUS, R_API_ROLLBACK, R_HEALTHZ, R_METRICS, R_OTHER,
	R_COUNT
};

enum route route_of(const char *method, const char *url);

/*
 * "/p/PRODUCT/PATH" read: product (a name the store may hold) into
 * product[size], and PATH relative, normalized, never climbing out, with
 * "index.html" for a folder, into *path (malloc'd).  Returns 200, 301
 * ("/p/PRODUCT": the slash is missing), 403 (the path climbs out) or 404
 * (no such product name, or a source map when maps are not served).
 */
int route_static(const char *url, bool serve_maps, char *product, size_t size, char **path);

#endif
