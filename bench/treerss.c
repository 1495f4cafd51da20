/*
 * treerss: run a command and report the peak memory of its whole process
 * tree (the command and every descendant) and its wall-clock time.
 *
 *   treerss [-o FILE] [-m auto|cgroup2|cgroup1|proc] [--] COMMAND [ARG...]
 *
 * Methods, tried in this order by "auto":
 *   cgroup2  a fresh child cgroup under our own cgroup v2 cgroup, if the
 *            memory controller is enabled there; reads memory.peak.
 *   cgroup1  the same under the cgroup v1 memory hierarchy; reads
 *            memory.max_usage_in_bytes.
 *   proc     samples /proc every 5 ms and sums the resident set sizes of
 *            all descendants (treerss is a subreaper, so orphans stay ours).
 * The cgroup methods count every page charged to the tree, page cache that
 * it brought in or dirtied included; the proc method counts shared pages
 * once per process and misses peaks shorter than a sample.
 *
 * Prints one line, to FILE or else to standard error:
 *   peak_kib=N wall_ms=N.N method=M maxrss_kib=N status=N
 * maxrss_kib is the largest single process (getrusage of the children).
 * When the command ends, whatever it left running in its tree is killed.
 * The exit status is the command's (128 + signal if it was killed).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum method { M_AUTO, M_CGROUP2, M_CGROUP1, M_PROC };
static const char *method_names[] = {"auto", "cgroup2", "cgroup1", "proc"};

static void die(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "treerss: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(125);
}

static int64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = 0;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == size - 1)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return true;
}

static bool write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = strlen(text);
	ssize_t n = write(fd, text, len);
	int saved = errno;
	close(fd);
	errno = saved;
	return n == (ssize_t)len;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* ------------------------------------------------------------ cgroups */

/*
 * Finds the mount point of a cgroup hierarchy in /proc/self/mountinfo:
 * fstype "cgroup2", or fstype "cgroup" with "memory" in its super options.
 */
static bool find_mount(bool v2, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		/* id parent major:minor root mountpoint options [optional...] - fstype source superopts */
		char *sep = strstr(line, " - ");
		if (!sep)
			continue;
		char fstype[64], source[512], superopts[1024] = "";
		if (sscanf(sep + 3, "%63s %511s %1023s", fstype, source, superopts) < 2)
			continue;
		char root[1024], mnt[1024];
		if (sscanf(line, "%*s %*s %*s %1023s %1023s", root, mnt) != 2)
			continue;
		if (v2 && strcmp(fstype, "cgroup2") == 0)
			found = true;
		if (!v2 && strcmp(fstype, "cgroup") == 0) {
			for (char *tok = strtok(superopts, ","); tok; tok = strtok(NULL, ","))
				if (strcmp(tok, "memory") == 0)
					found = true;
		}
		if (found)
			snprintf(out, size, "%s", mnt);
	}
	fclose(f);
	return found;
}

/* Our own cgroup path in a hierarchy, from /proc/self/cgroup. */
static bool own_cgroup(bool v2, char *out, size_t size)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	char line[4096];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1, *path = c2 + 1;
		if (v2 && strncmp(line, "0", 2) == 0 && *ctrls == '\0')
			found = true;
		if (!v2 && *ctrls) {
			char tmp[256];
			snprintf(tmp, sizeof tmp, "%s", ctrls);
			for (char *tok = strtok(tmp, ","); tok; tok = strtok(NULL, ","))
				if (strcmp(tok, "memory") == 0)
					found = true;
		}
		if (found)
			snprintf(out, size, "%s", path);
	}
	fclose(f);
	return found;
}

/*
 * Makes a fresh child cgroup in the v2 or v1 hierarchy and checks that it
 * has the file we read the peak from. On success dir holds its path.
 */
static bool make_cgroup(bool v2, char *dir, size_t size)
{
	char mnt[1024], own[1024], probe[1400];
	if (!find_mount(v2, mnt, sizeof mnt) || !own_cgroup(v2, own, sizeof own))
		return false;
	/* In a container the cgroup namespace may show "/" for a deeper cgroup. */
	int n = snprintf(dir, size, "%s%s/treerss.%ld", mnt, strcmp(own, "/") == 0 ? "" : own, (long)getpid());
	if (n < 0 || (size_t)n >= size)
		return false;
	if (mkdir(dir, 0755) != 0)
		return false;
	snprintf(probe, sizeof probe, "%s/%s", dir, v2 ? "memory.peak" : "memory.max_usage_in_bytes");
	if (!exists(probe)) {
		rmdir(dir);
		return false;
	}
	return true;
}

static long long cgroup_peak_kib(bool v2, const char *dir)
{
	char path[1400], buf[64];
	snprintf(path, sizeof path, "%s/%s", dir, v2 ? "memory.peak" : "memory.max_usage_in_bytes");
	if (!read_file(path, buf, sizeof buf))
		return -1;
	return strtoll(buf, NULL, 10) / 1024;
}

/* Kills whatever is left in the cgroup, waits until it is empty, removes it. */
static void cgroup_cleanup(bool v2, const char *dir)
{
	char path[1400], buf[65536];
	snprintf(path, sizeof path, "%s/cgroup.kill", dir);
	if (v2 && exists(path))
		write_file(path, "1");
	snprintf(path, sizeof path, "%s/cgroup.procs", dir);
	for (int tries = 0; tries < 500; tries++) {
		if (!read_file(path, buf, sizeof buf) || buf[0] == '\0')
			break;
		for (char *tok = strtok(buf, "\n"); tok; tok = strtok(NULL, "\n"))
			kill((pid_t)atol(tok), SIGKILL);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		usleep(2000);
	}
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (rmdir(dir) != 0)
		fprintf(stderr, "treerss: cannot remove %s: %s\n", dir, strerror(errno));
}

/* ---------------------------------------------------------- /proc walk */

struct proc_entry {
	pid_t pid, ppid;
	long rss_pages;
};

static size_t scan_proc(struct proc_entry **tab, size_t *cap)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		char path[300], buf[1024];
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		if (!read_file(path, buf, sizeof buf))
			continue;
		/* pid (comm) state ppid ... ; comm may hold spaces and parens. */
		char *rp = strrchr(buf, ')');
		if (!rp)
			continue;
		char state;
		long ppid;
		if (sscanf(rp + 1, " %c %ld", &state, &ppid) != 2)
			continue;
		/* Field 24 is rss (pages); after ')' it is the 22nd. */
		char *p = rp + 1;
		long rss = 0;
		for (int field = 3; field <= 24 && p; field++) {
			p = strchr(p + 1, ' ');
			if (field == 23 && p)
				rss = strtol(p + 1, NULL, 10);
		}
		if (n == *cap) {
			*cap = *cap ? *cap * 2 : 256;
			*tab = realloc(*tab, *cap * sizeof **tab);
			if (!*tab)
				die("out of memory");
		}
		(*tab)[n].pid = (pid_t)atol(de->d_name);
		(*tab)[n].ppid = (pid_t)ppid;
		(*tab)[n].rss_pages = rss;
		n++;
	}
	closedir(d);
	return n;
}

/* Sum of the RSS (KiB) of every descendant of root; pids listed in out. */
static long long tree_rss_kib(pid_t root, pid_t **out, size_t *nout)
{
	static struct proc_entry *tab;
	static size_t cap;
	size_t n = scan_proc(&tab, &cap);
	static pid_t *set;
	static size_t setcap;
	if (setcap < n + 1) {
		setcap = n + 1;
		set = realloc(set, setcap * sizeof *set);
		if (!set)
			die("out of memory");
	}
	size_t ns = 0;
	set[ns++] = root;
	long long pages = 0;
	bool grew = true;
	/* Repeat until no new descendant is found (the table is not ordered). */
	static char *in;
	static size_t incap;
	if (incap < n) {
		incap = n;
		in = realloc(in, incap);
		if (!in)
			die("out of memory");
	}
	memset(in, 0, n);
	while (grew) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (in[i])
				continue;
			for (size_t j = 0; j < ns; j++) {
				if (tab[i].ppid == set[j]) {
					in[i] = 1;
					set[ns++] = tab[i].pid;
					pages += tab[i].rss_pages;
					grew = true;
					break;
				}
			}
		}
	}
	if (out) {
		*out = set + 1;
		*nout = ns - 1;
	}
	return pages * (sysconf(_SC_PAGESIZE) / 1024);
}

/* ------------------------------------------------------------------ main */

static void on_sigchld(int sig)
{
	(void)sig;
}

static void usage(void)
{
	fprintf(stderr, "usage: treerss [-o FILE] [-m auto|cgroup2|cgroup1|proc] [--] COMMAND [ARG...]\n");
	exit(125);
}

int main(int argc, char **argv)
{
	const char *outfile = NULL;
	enum method want = M_AUTO;
	int i = 1;
	for (; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		} else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
			outfile = argv[++i];
		} else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc) {
			const char *m = argv[++i];
			bool ok = false;
			for (int k = 0; k < 4; k++)
				if (strcmp(m, method_names[k]) == 0) {
					want = (enum method)k;
					ok = true;
				}
			if (!ok)
				usage();
		} else if (argv[i][0] == '-') {
			usage();
		} else {
			break;
		}
	}
	if (i >= argc)
		usage();
	char **cmd = argv + i;

	/* Pick the method. */
	char cgdir[2048] = "";
	enum method used = M_PROC;
	if ((want == M_AUTO || want == M_CGROUP2) && make_cgroup(true, cgdir, sizeof cgdir))
		used = M_CGROUP2;
	else if ((want == M_AUTO || want == M_CGROUP1) && make_cgroup(false, cgdir, sizeof cgdir))
		used = M_CGROUP1;
	else if (want == M_CGROUP2 || want == M_CGROUP1)
		die("cannot make a %s memory cgroup here", method_names[want]);

	/* A SIGCHLD handler without SA_RESTART cuts the sampling sleep short
	 * when a process of the tree ends, so that the end is seen at once. */
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigchld;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, NULL);

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
		die("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));

	/* The child waits on a pipe until it has been put in the cgroup. */
	int go[2];
	if (pipe2(go, O_CLOEXEC) != 0)
		die("pipe: %s", strerror(errno));
	pid_t child = fork();
	if (child < 0)
		die("fork: %s", strerror(errno));
	if (child == 0) {
		close(go[1]);
		char c;
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		close(go[0]);
		execvp(cmd[0], cmd);
		fprintf(stderr, "treerss: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	close(go[0]);
	if (used != M_PROC) {
		char path[2100], pid[32];
		snprintf(path, sizeof path, "%s/cgroup.procs", cgdir);
		snprintf(pid, sizeof pid, "%ld", (long)child);
		if (!write_file(path, pid)) {
			fprintf(stderr, "treerss: cannot join %s (%s), sampling /proc instead\n", cgdir,
				strerror(errno));
			rmdir(cgdir);
			used = M_PROC;
		}
	}
	int64_t t0 = now_us();
	close(go[1]);

	long long peak = 0;
	int status = 0;
	int64_t t_end = 0;
	if (used == M_PROC) {
		for (bool done = false; !done;) {
			long long kib = tree_rss_kib(getpid(), NULL, NULL);
			if (kib > peak)
				peak = kib;
			/* Reap the command, and orphans that were reparented to us. */
			int st;
			pid_t r;
			while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
				if (r == child) {
					t_end = now_us();
					status = st;
					done = true;
				}
			}
			if (r < 0 && errno != ECHILD && errno != EINTR)
				die("waitpid: %s", strerror(errno));
			if (!done)
				usleep(5000);
		}
	} else {
		while (waitpid(child, &status, 0) < 0)
			if (errno != EINTR)
				die("waitpid: %s", strerror(errno));
		t_end = now_us();
	}
	int64_t wall = t_end - t0;

	if (used == M_PROC) {
		/* Kill what the command left behind, then reap it. */
		pid_t *left;
		size_t nleft;
		tree_rss_kib(getpid(), &left, &nleft);
		for (size_t k = 0; k < nleft; k++)
			kill(left[k], SIGKILL);
		while (waitpid(-1, NULL, 0) > 0)
			;
	} else {
		peak = cgroup_peak_kib(used == M_CGROUP2, cgdir);
		cgroup_cleanup(used == M_CGROUP2, cgdir);
	}

	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	FILE *out = stderr;
	if (outfile && !(out = fopen(outfile, "we")))
		die("%s: %s", outfile, strerror(errno));
	fprintf(out, "peak_kib=%lld wall_ms=%lld.%lld method=%s maxrss_kib=%ld status=%d\n", peak,
		(long long)(wall / 1000), (long long)(wall % 1000 / 100), method_names[used], ru.ru_maxrss, code);
	if (out != stderr)
		fclose(out);
	return code;
}
