/*
 * httpd: the small HTTP server of relgate's own, on loopback: today a
 * folder of files, for the boot check.  It runs on libmicrohttpd's thread;
 * the first request that failed (a file not there, a path outside the
 * folder) is kept, and the loop given at start is woken, so that the loop's
 * thread can ask for it.
 */
#ifndef RELGATE_HTTPD_H
#define RELGATE_HTTPD_H

#include <pthread.h>

struct loop;
struct MHD_Daemon;

struct httpd_files {
	struct MHD_Daemon *mhd;
	int dirfd;
	int port;                 /* the loopback port it listens on */
	pthread_mutex_t lock;
	char *failed;             /* the first request that failed: "GET /x.js: 404 Not Found" */
	struct loop *loop;        /* woken (loop_wake) when failed is set; not owned */
};

/*
 * Serve the folder dir on 127.0.0.1, on a port of the kernel's choice.  A
 * failed request interrupts the loop l (loop_interrupt), which must
 * outlive the server.  Returns 0, or -1 with errno set; httpd_files_stop()
 * cleans up either way.
 */
int httpd_files_start(struct httpd_files *s, const char *dir, struct loop *l);
/* The first request that failed, as a new string, or NULL. */
char *httpd_files_failed(struct httpd_files *s);
void httpd_files_stop(struct httpd_files *s);

#endif
