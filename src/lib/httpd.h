/*
 * httpd: the small HTTP server of relgate's own, on loopback: today a
 * folder of files, for the boot check.  It runs on libmicrohttpd's thread.
 */
#ifndef RELGATE_HTTPD_H
#define RELGATE_HTTPD_H

struct MHD_Daemon;

struct httpd_files {
	struct MHD_Daemon *mhd;
	int dirfd;
	int port;                 /* the loopback port it listens on */
};

/*
 * Serve the folder dir on 127.0.0.1, on a port of the kernel's choice.
 * Returns 0, or -1 with errno set; httpd_files_stop() cleans up either way.
 */
int httpd_files_start(struct httpd_files *s, const char *dir);
void httpd_files_stop(struct httpd_files *s);

/* The Content-Type of a file, by its name's extension. */
const char *httpd_content_type(const char *path);
/*
 * Open path (relative, normalized) under the folder dirfd for reading,
 * never outside it, symlinks included.  A descriptor, or -1 with errno.
 */
int httpd_open_beneath(int dirfd, const char *path);

#endif
