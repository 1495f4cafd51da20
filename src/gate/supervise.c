/*
 * supervise: on the process's one event loop (lib/loop), every running
 * step's output and the signals that end steps or relgate
 * pipe, with deadlines.  Each running step moves through phases:
 *
 *   RUN    the main process lives; deadlines: timeout, idle timeout
 *   TERM   SIGTERM and SIGCONT sent to the tree; SIGKILL at kill_at
 *   KILL   SIGKILL sent; waiting for the tree to be empty (bounded)
 *   DRAIN  the main process ended by itself; leftovers got SIGTERM, output
 *          is read until EOF or drain_until, leftovers get SIGKILL at kill_at
 *
 * A step is done when its main process is reaped, its pipe is closed or the
 * drain time is over, and its tree is empty (or did not die in time, which
 * is said).  The tree is the step's cgroup when it has one; else every
 * process whose environment carries the step's RELGATE_STEP_ID marker, or
 * that is in the step's session.  relgate is their subreaper, so orphans
 * come back to it and are reaped, whoever they belonged to.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lib/diag.h"
#include "gate/supervise.h"
#include "lib/loop.h"

#define DEFAULT_GRACE_MS 5000
#define DEFAULT_TAIL 8192
#define LOG_MAX ((uint64_t)64 << 20)
#define DRAIN_MS 500          /* output read after the main process ended */
#define LEFTOVER_GRACE_MS 1000
#define GIVE_UP_MS 3000       /* after SIGKILL, a tree that will not die is reported */
#define READ_CHUNK 65536

enum phase { PH_RUN, PH_TERM, PH_KILL, PH_DRAIN };

struct running {
	struct running *next;
	struct supervisor *sv;
	const struct sv_step *step;
	struct sv_result *res;
	void *tag;
	pid_t pid;
	int out;                  /* read end of the output pipe, -1 when closed */
	int log;                  /* -1 without a log */
	char *cgroup;             /* its cgroup folder, or NULL */
	char marker[48];          /* RELGATE_STEP_ID=... */
	enum phase phase;
	enum sv_outcome cause;    /* why relgate ended it (TIMEOUT, IDLE, INTERRUPTED) */
	bool ended_by_us;
	bool reaped;
	int status;
	double start, last_output, kill_at, drain_until, give_up_at;
	size_t tail_max;
	int64_t grace;
	bool done;
};

struct supervisor {
	struct loop *loop;
	bool own_loop;            /* made by supervisor_new, freed with it */
	sigset_t child_mask;      /* the signal mask steps start with */
	int stop_signal;
	bool stopping;
	char *cgroup_base;        /* our cgroup folder for steps, or NULL */
	unsigned seq;
	struct running *steps;
	struct running *finished; /* steps that could not start, returned by sv_wait */
};

static loop_fd_fn on_output;

static const char *cgroup_file(const struct running *r, const char *file, char *buf,
				     size_t n)
{
	snprintf(buf, n, "%s/%s", r->cgroup, file);
	return buf;
}

/*
 * Remove a cgroup folder and the cgroups under it (a relgate run inside a
 * step, a boot check, makes its own there), deepest first.  Only folders:
 * cgroupfs allows nothing else, and a populated cgroup stays, harmlessly.
 */
static void remove_cgroup(const char *path, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > 16)
		return;
	if ((d = opendir(path))) {
		while ((de = readdir(d))) {
			char *sub;

			if (de->d_type != DT_DIR || !strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			sub = xasprintf("%s/%s", path, de->d_name);
			remove_cgroup(sub, depth + 1);
			free(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

/*
 * End every process of a cgroup (cgroup.kill, Linux 5.14) and wait a
 * moment for it to empty, so that its folder can go.
 */
static void kill_cgroup(const char *path)
{
	char *file = xasprintf("%s/cgroup.kill", path), *events = xasprintf("%s/cgroup.events", path);
	int fd = open(file, O_WRONLY | O_CLOEXEC), i;

	if (fd >= 0) {
		if (write(fd, "1", 1) < 0) {
			/* nothing to kill, or no right to: the rmdir below says which */
		}
		close(fd);
		for (i = 0; i < 100; i++) {
			char buf[256];
			ssize_t n = -1;
			int ev = open(events, O_RDONLY | O_CLOEXEC);

			if (ev >= 0) {
				n = read(ev, buf, sizeof(buf) - 1);
				close(ev);
			}
			if (n <= 0)
				break;
			buf[n] = '\0';
			if (strstr(buf, "populated 0"))
				break;
			usleep(10000);
		}
	}
	free(file);
	free(events);
}

/*
 * A relgate killed with SIGKILL could not end its steps nor remove its
 * cgroup folder: end what is left in those whose relgate is gone, and take
 * them away, so that nothing of a killed run lives on or piles up.
 */
static void remove_stale_cgroups(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid;
		char *path;

		if (sscanf(de->d_name, "relgate.%d", &pid) != 1 || pid <= 0 ||
		    kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		path = xasprintf("%s/%s", parent, de->d_name);
		kill_cgroup(path);
		remove_cgroup(path, 0);
		free(path);
	}
	closedir(d);
}

/* The cgroup v2 mount and our place in it, or NULL. */
static char *find_cgroup_base(void)
{
	char line[4096], *mount = NULL, *path = NULL, *base = NULL;
	FILE *f;

	if (getenv("RELGATE_NO_CGROUP") && *getenv("RELGATE_NO_CGROUP"))
		return NULL;
	if ((f = fopen("/proc/self/mountinfo", "re"))) {
		while (!mount && fgets(line, sizeof(line), f)) {
			char *sep = strstr(line, " - cgroup2 "), *p = line;
			int field;

			if (!sep)
				continue;
			for (field = 0; field < 4 && p; field++)
				p = strchr(p, ' ') ? strchr(p, ' ') + 1 : NULL;
			if (p)
				mount = xstrndup(p, strcspn(p, " "));
		}
		fclose(f);
	}
	if (mount && (f = fopen("/proc/self/cgroup", "re"))) {
		while (!path && fgets(line, sizeof(line), f))
			if (starts_with(line, "0::"))
				path = xstrndup(line + 3, strcspn(line + 3, "\n"));
		fclose(f);
	}
	if (mount && path) {
		char *parent = xasprintf("%s%s", mount, strcmp(path, "/") ? path : "");
		char *dir = xasprintf("%s/relgate.%d", parent, (int)getpid());
		char *kill_file = xasprintf("%s/cgroup.kill", dir);

		remove_stale_cgroups(parent);
		free(parent);
		if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
			if (access(kill_file, W_OK) == 0)
				base = dir;
			else
				rmdir(dir);
		}
		if (base != dir)
			free(dir);
		free(kill_file);
	}
	free(mount);
	free(path);
	return base;
}

static void reap(struct supervisor *sv);
static int sweep_dead_relgates(void);

static void on_signal(struct loop *l, const struct signalfd_siginfo *si, void *data)
{
	struct supervisor *sv = data;
	struct running *r;

	(void)l;
	if (si->ssi_signo != SIGCHLD) {
		if (sv->stopping && !sv->stop_signal)
			sv->stop_signal = (int)si->ssi_signo;
		else if (sv->stopping)
			/* asked twice: no more grace */
			for (r = sv->steps; r; r = r->next)
				r->kill_at = 0;
		else
			sv->stop_signal = (int)si->ssi_signo;
	}
	reap(sv);
}

struct supervisor *supervisor_new(struct loop *l)
{
	static const int taken[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP};
	struct supervisor *sv = xcalloc(1, sizeof(*sv));
	size_t i;

	sv->loop = l ? l : loop_new();
	sv->own_loop = !l;
	loop_child_mask(sv->loop, &sv->child_mask);
	for (i = 0; i < ARRAY_LEN(taken); i++)
		if (loop_add_signal(sv->loop, taken[i], on_signal, sv) < 0) {
			error("cannot take over signals");
			if (sv->own_loop)
				loop_free(sv->loop);
			free(sv);
			return NULL;
		}
	loop_ignore_signal(sv->loop, SIGPIPE);
	{
		int left = sweep_dead_relgates();

		if (left)
			warn("ended %d process%s that a killed relgate had left running", left,
			     left == 1 ? "" : "es");
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		warn("cannot become a subreaper; escaped processes are found by their marker only:");
	sv->cgroup_base = find_cgroup_base();
	return sv;
}

struct loop *sv_loop(const struct supervisor *sv)
{
	return sv->loop;
}

bool sv_uses_cgroups(const struct supervisor *sv)
{
	return sv->cgroup_base != NULL;
}

void supervisor_free(struct supervisor *sv)
{
	if (!sv)
		return;
	if (sv->steps)
		sv_stop_all(sv);
	if (sv->cgroup_base) {
		remove_cgroup(sv->cgroup_base, 0);
		free(sv->cgroup_base);
	}
	if (sv->own_loop)
		loop_free(sv->loop);
	free(sv);
}

/* ---- the tree of a step ---- */

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Does process pid carry marker in its environment? */
/*
 * The environment of process pid into buf (NUL-separated, NUL-ended), as
 * far as it fits.  Returns its length, or -1 when it cannot be read.
 */
static ssize_t read_environ(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static bool has_marker(pid_t pid, const char *marker)
{
	char buf[65536];
	size_t mlen = strlen(marker);
	ssize_t n = read_environ(pid, buf, sizeof(buf));

	for (char *p = buf; n > 0 && p < buf + n; p += strlen(p) + 1)
		if (!strncmp(p, marker, mlen) && p[mlen] == '\0')
			return true;
	return false;
}

/* Field n (4: parent, 6: session) of /proc/PID/stat, or -1. */
/*
 * Without cgroups, what a killed relgate left is found by the marker in
 * its environment, RELGATE_STEP_ID=<relgate's pid>.<step>: every process
 * whose relgate is gone is ended.  (A reused pid only spares a leftover,
 * never kills a stranger: the marker must be there.)
 */
static int sweep_dead_relgates(void)
{
	static const char key[] = "RELGATE_STEP_ID=";
	pid_t self = getpid();
	DIR *d = opendir("/proc");
	struct dirent *de;
	int killed = 0;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		pid_t pid = (pid_t)atoi(de->d_name), owner = 0;
		char buf[65536];
		ssize_t n;

		if (pid <= 0 || pid == self || (n = read_environ(pid, buf, sizeof(buf))) < 0)
			continue;
		for (char *p = buf; p < buf + n; p += strlen(p) + 1)
			if (!strncmp(p, key, sizeof(key) - 1))
				owner = (pid_t)atoi(p + sizeof(key) - 1);
		if (owner > 0 && owner != self && kill(owner, 0) < 0 && errno == ESRCH &&
		    kill(pid, SIGKILL) == 0)
			killed++;
	}
	closedir(d);
	return killed;
}

static pid_t stat_field(pid_t pid, int want)
{
	char path[64], buf[512], *p;
	int fd, field;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* the command name may hold spaces: fields start after the last ')' */
	p = strrchr(buf, ')');
	for (field = 2; p && field < want; field++)
		p = strchr(p + 1, ' ');
	return p ? (pid_t)atoi(p + 1) : -1;
}

static pid_t session_of(pid_t pid)
{
	return stat_field(pid, 6);
}

/*
 * The live processes of a step, into pids (at most max).  Returns how many.
 * Zombies count until they are reaped.
 */
static size_t tree_pids(const struct running *r, pid_t *pids, size_t max)
{
	size_t n = 0;

	if (r->cgroup) {
		char path[4096];
		FILE *f = fopen(cgroup_file(r, "cgroup.procs", path, sizeof(path)), "re");
		int pid;

		if (!f)
			return 0;
		while (n < max && fscanf(f, "%d", &pid) == 1)
			pids[n++] = pid;
		fclose(f);
		return n;
	}
	{
		DIR *d = opendir("/proc");
		struct dirent *de;
		pid_t self = getpid();

		if (!d)
			return 0;
		while (n < max && (de = readdir(d))) {
			pid_t pid = (pid_t)atoi(de->d_name);

			if (pid <= 0 || pid == self)
				continue;
			if ((pid == r->pid && !r->reaped) || session_of(pid) == r->pid ||
			    has_marker(pid, r->marker))
				pids[n++] = pid;
		}
		closedir(d);
	}
	return n;
}

static bool tree_empty(const struct running *r)
{
	pid_t pid;

	if (r->cgroup) {
		char path[4096], buf[256];
		int fd = open(cgroup_file(r, "cgroup.events", path, sizeof(path)),
			      O_RDONLY | O_CLOEXEC);
		ssize_t n;

		if (fd < 0)
			return true;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		buf[n > 0 ? n : 0] = '\0';
		return strstr(buf, "populated 0") != NULL;
	}
	return tree_pids(r, &pid, 1) == 0;
}

/*
 * Send sig to every process of the tree; returns how many got it.  SIGKILL
 * goes through cgroup.kill where there is one, which no fork can outrun;
 * without one, the tree is stopped first so that it cannot grow while it
 * is being killed.
 */
static int signal_tree(struct running *r, int sig)
{
	pid_t pids[4096];
	size_t n, i;
	int sent = 0, round;

	if (sig == SIGKILL && r->cgroup) {
		char path[4096];

		n = tree_pids(r, pids, ARRAY_LEN(pids));
		if (write_str(cgroup_file(r, "cgroup.kill", path, sizeof(path)), "1") == 0)
			return (int)n;
	}
	if (sig == SIGKILL) {
		for (round = 0; round < 20; round++) {
			n = tree_pids(r, pids, ARRAY_LEN(pids));
			if (!n)
				break;
			for (i = 0; i < n; i++)
				kill(pids[i], SIGSTOP);
			for (i = 0; i < n; i++)
				if (kill(pids[i], SIGKILL) == 0)
					sent++;
		}
		kill(-r->pid, SIGKILL);
		return sent;
	}
	n = tree_pids(r, pids, ARRAY_LEN(pids));
	for (i = 0; i < n; i++) {
		if (kill(pids[i], sig) == 0)
			sent++;
		if (sig == SIGTERM)
			kill(pids[i], SIGCONT);   /* a stopped process cannot act on SIGTERM */
	}
	kill(-r->pid, sig);
	if (sig == SIGTERM)
		kill(-r->pid, SIGCONT);
	return sent;
}

/* ---- starting ---- */

static void not_started(struct supervisor *sv, struct running *r, const char *fmt, int err)
{
	r->res->outcome = SV_NOT_STARTED;
	snprintf(r->res->error, sizeof(r->res->error), fmt, strerror(err));
	r->done = true;
	r->next = sv->finished;
	sv->finished = r;
}

/* The child's side, between fork and exec: only system calls. */
static void child(const struct sv_step *step, int out_w, int err_w, const char *cgroup_procs,
		  char **envp, const sigset_t *mask, pid_t parent)
{
	int devnull, e, keep;

	/* the step's main process does not outlive relgate, however relgate ends */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
		_exit(127);

	sigprocmask(SIG_SETMASK, mask, NULL);
	signal(SIGPIPE, SIG_DFL);
	setsid();
	if (cgroup_procs) {
		int fd = open(cgroup_procs, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1)
			goto fail;
		close(fd);
	}
	devnull = open(step->stdin_path ? step->stdin_path : "/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out_w, 1) < 0 || dup2(out_w, 2) < 0)
		goto fail;
	if (step->cwd && chdir(step->cwd) < 0)
		goto fail;
	if (step->as_user) {
		/* the parent-death signal is cleared when the credentials change: set again */
		if (setgroups(0, NULL) < 0 || setgid(step->gid) < 0 || setuid(step->uid) < 0 ||
		    prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
			goto fail;
	}
	/* extra descriptors (the browser's DevTools pipe) at 3 and 4 */
	if (step->fd3 >= 0 || step->fd4 >= 0) {
		int a = step->fd3 >= 0 ? fcntl(step->fd3, F_DUPFD_CLOEXEC, 10) : -1;
		int b = step->fd4 >= 0 ? fcntl(step->fd4, F_DUPFD_CLOEXEC, 10) : -1;

		if ((step->fd3 >= 0 && (a < 0 || dup2(a, 3) < 0)) ||
		    (step->fd4 >= 0 && (b < 0 || dup2(b, 4) < 0)))
			goto fail;
		if (err_w == 3 || err_w == 4)
			goto fail;
	}
	/* nothing inherited past stderr: every other descriptor closes at exec */
	keep = step->fd4 >= 0 ? 5 : step->fd3 >= 0 ? 4 : 3;
	if (syscall(SYS_close_range, keep, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */) < 0) {
		long fd, max = sysconf(_SC_OPEN_MAX);

		for (fd = keep; fd < (max > 0 && max < 65536 ? max : 65536); fd++)
			if (fd != err_w)
				fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
	if (step->run) {
		char *argv[] = {"sh", "-c", (char *)step->run, NULL};

		execve("/bin/sh", argv, envp);
	} else {
		execvpe(step->argv[0], step->argv, envp);
	}
fail:
	e = errno;
	if (write(err_w, &e, sizeof(e)) < 0)
		_exit(126);
	_exit(127);
}

/* Undo what sv_start made for a step that did not start: its pipe, log and cgroup. */
static void abandon(struct running *r, int out)
{
	close(out);
	if (r->log >= 0)
		close(r->log);
	r->log = -1;
	if (r->cgroup) {
		rmdir(r->cgroup);
		free(r->cgroup);
		r->cgroup = NULL;
	}
}

/* Is "NAME=value" entry e one of the names in unset? */
static bool unset_name(const struct sv_step *step, const char *e)
{
	size_t len = strcspn(e, "=");

	for (size_t i = 0; step->unset && step->unset[i]; i++)
		if (strlen(step->unset[i]) == len && !strncmp(e, step->unset[i], len))
			return true;
	return false;
}

/* The environment of a step: ours (but what it unsets), its extras, and the marker. */
static char **step_env(const struct sv_step *step, const char *marker)
{
	extern char **environ;
	size_t n = 0, k = 0, i, m = 1;
	char **env;

	while (environ[n])
		n++;
	while (step->env && step->env[k])
		k++;
	env = xcalloc(n + k + 2, sizeof(*env));
	/* the marker first: it is found at the start of /proc/PID/environ */
	env[0] = (char *)marker;
	for (i = 0; i < n; i++)
		if (!unset_name(step, environ[i]))
			env[m++] = environ[i];
	for (i = 0; i < k; i++)
		env[m++] = step->env[i];
	return env;
}

int sv_start(struct supervisor *sv, const struct sv_step *step, struct sv_result *res, void *tag)
{
	struct running *r = xcalloc(1, sizeof(*r));
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, e, got;
	pid_t self;
	char *procs = NULL, **envp;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	buf_init(&res->tail);
	r->sv = sv;
	r->step = step;
	r->res = res;
	r->tag = tag;
	r->out = r->log = -1;
	r->tail_max = step->tail_max ? step->tail_max : DEFAULT_TAIL;
	r->grace = step->grace_ms > 0 ? step->grace_ms : DEFAULT_GRACE_MS;
	snprintf(r->marker, sizeof(r->marker), "RELGATE_STEP_ID=%d.%u", (int)getpid(), ++sv->seq);

	if (step->log_path &&
	    (r->log = open(step->log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0) {
		not_started(sv, r, "cannot write its log file: %s", errno);
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0) {
		e = errno;
		if (out[0] >= 0) {
			close(out[0]);
			close(out[1]);
		}
		if (r->log >= 0)
			close(r->log);
		not_started(sv, r, "cannot make a pipe: %s", e);
		return -1;
	}
	if (sv->cgroup_base) {
		r->cgroup = xasprintf("%s/step.%u", sv->cgroup_base, sv->seq);
		if (mkdir(r->cgroup, 0755) < 0) {
			free(r->cgroup);
			r->cgroup = NULL;
		} else {
			procs = xasprintf("%s/cgroup.procs", r->cgroup);
		}
	}
	envp = step_env(step, r->marker);
	r->start = r->last_output = now_ms();
	self = getpid();
	r->pid = fork();
	if (r->pid == 0)
		child(step, out[1], errp[1], procs, envp, &sv->child_mask, self);
	e = errno;
	free(envp);
	free(procs);
	close(out[1]);
	close(errp[1]);
	if (r->pid < 0) {
		close(errp[0]);
		abandon(r, out[0]);
		not_started(sv, r, "cannot fork: %s", e);
		return -1;
	}
	/* exec failure comes back over the close-on-exec pipe */
	do
		n = read(errp[0], &got, sizeof(got));
	while (n < 0 && errno == EINTR);
	close(errp[0]);
	if (n == sizeof(got)) {
		waitpid(r->pid, NULL, 0);
		abandon(r, out[0]);
		not_started(sv, r, "cannot start it: %s", got);
		return -1;
	}
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	r->out = out[0];
	loop_add_fd(sv->loop, r->out, POLLIN, on_output, r);
	res->cgroup = r->cgroup != NULL;
	r->phase = PH_RUN;
	r->next = sv->steps;
	sv->steps = r;
	return 0;
}

/* ---- running ---- */

static void keep_tail(struct running *r, const char *p, size_t n)
{
	struct buf *t = &r->res->tail;

	if (n >= r->tail_max) {
		buf_reset(t);
		buf_add(t, p + n - r->tail_max, r->tail_max);
		return;
	}
	buf_add(t, p, n);
	if (t->len > 2 * r->tail_max) {
		memmove(t->data, t->data + t->len - r->tail_max, r->tail_max);
		t->len = r->tail_max;
		t->data[t->len] = '\0';
	}
}

static void close_output(struct running *r)
{
	loop_del_fd(r->sv->loop, r->out);
	close(r->out);
	r->out = -1;
}

/* Read what the pipe holds now (bounded per call, for fairness). */
static void read_output(struct running *r)
{
	char chunk[READ_CHUNK];
	int rounds;

	for (rounds = 0; rounds < 16 && r->out >= 0; rounds++) {
		ssize_t n = read(r->out, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close_output(r);
			return;
		}
		r->res->bytes += (uint64_t)n;
		r->last_output = now_ms();
		keep_tail(r, chunk, (size_t)n);
		if (r->log >= 0) {
			uint64_t room = r->res->bytes - (uint64_t)n < LOG_MAX ?
					LOG_MAX - (r->res->bytes - (uint64_t)n) : 0;
			size_t w = (uint64_t)n < room ? (size_t)n : (size_t)room;

			if (w && write(r->log, chunk, w) < 0)
				w = 0;
			r->res->log_dropped += (uint64_t)n - w;
		}
	}
}

static void on_output(struct loop *l, int fd, short revents, void *data)
{
	(void)l;
	(void)fd;
	(void)revents;
	read_output(data);
}

static void reap(struct supervisor *sv)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct running *r;

		for (r = sv->steps; r; r = r->next)
			if (r->pid == pid && !r->reaped) {
				r->reaped = true;
				r->status = status;
			}
	}
}

/*
 * Without a cgroup, a process that left both the step's session and its
 * environment (env -i setsid ...) is found only as an orphan: as subreaper,
 * relgate becomes its parent.  When no other step runs, every child of
 * relgate that is no step's main process is such a leftover.
 */
static int sweep_orphans(struct supervisor *sv)
{
	pid_t self = getpid();
	int killed = 0, round;

	for (round = 0; round < 10; round++) {
		DIR *d = opendir("/proc");
		struct dirent *de;
		int found = 0;

		if (!d)
			break;
		while ((de = readdir(d))) {
			pid_t pid = (pid_t)atoi(de->d_name);
			const struct running *r;

			if (pid <= 0 || pid == self || stat_field(pid, 4) != self)
				continue;
			for (r = sv->steps; r; r = r->next)
				if (r->pid == pid && !r->reaped)
					break;
			if (r)
				continue;
			if (kill(pid, SIGKILL) == 0) {
				found++;
				killed++;
			}
		}
		closedir(d);
		if (!found)
			break;
		usleep(10000);
		reap(sv);
	}
	return killed;
}

static void end_step(struct running *r, enum sv_outcome cause, double now)
{
	if (r->ended_by_us)
		return;
	r->ended_by_us = true;
	r->cause = cause;
	r->phase = PH_TERM;
	r->kill_at = now + (double)r->grace;
	signal_tree(r, SIGTERM);
}

static void advance(struct supervisor *sv, struct running *r, double now)
{
	const struct sv_step *s = r->step;

	switch (r->phase) {
	case PH_RUN:
		if (r->reaped) {
			/* the main process ended by itself: what it left behind goes */
			r->phase = PH_DRAIN;
			r->drain_until = now + DRAIN_MS;
			r->kill_at = now + LEFTOVER_GRACE_MS;
			if (!tree_empty(r))
				r->res->leftovers = signal_tree(r, SIGTERM);
		} else if (s->timeout_ms && now - r->start >= (double)s->timeout_ms) {
			end_step(r, SV_TIMEOUT, now);
		} else if (s->idle_timeout_ms && now - r->last_output >= (double)s->idle_timeout_ms) {
			end_step(r, SV_IDLE, now);
		}
		break;
	case PH_TERM:
	case PH_DRAIN:
		if (now >= r->kill_at && !tree_empty(r)) {
			signal_tree(r, SIGKILL);
			r->phase = PH_KILL;
			r->give_up_at = now + GIVE_UP_MS;
		}
		break;
	case PH_KILL:
		if (!tree_empty(r) && now < r->give_up_at)
			signal_tree(r, SIGKILL);
		break;
	}
	if (r->reaped && (r->out < 0 || (r->phase == PH_DRAIN && now >= r->drain_until) ||
			  r->phase == PH_KILL || r->phase == PH_TERM)) {
		if (tree_empty(r) || (r->phase == PH_KILL && now >= r->give_up_at)) {
			if (!r->cgroup && sv->steps == r && !r->next)
				r->res->leftovers += sweep_orphans(sv);
			if (r->out >= 0)
				read_output(r);   /* what is already in the pipe, no more */
			r->done = true;
		}
	}
}

static void finish(struct running *r, double now)
{
	struct sv_result *res = r->res;
	int st = r->status;

	res->ms = now - r->start;
	if (WIFSIGNALED(st))
		res->signal = WTERMSIG(st);
	if (r->ended_by_us) {
		res->outcome = r->cause;
	} else if (WIFEXITED(st)) {
		res->exit_code = WEXITSTATUS(st);
		res->outcome = res->exit_code ? SV_FAILED : SV_PASSED;
	} else {
		res->outcome = SV_SIGNALED;
	}
	if (!tree_empty(r))
		snprintf(res->error, sizeof(res->error),
			 "some of its processes did not die within %d ms of SIGKILL", GIVE_UP_MS);
	if (r->out >= 0)
		close_output(r);
	if (r->log >= 0) {
		if (res->log_dropped) {
			char note[128];
			int n = snprintf(note, sizeof(note),
					 "\n[relgate: log cut at %llu MiB, %llu bytes dropped]\n",
					 (unsigned long long)(LOG_MAX >> 20),
					 (unsigned long long)res->log_dropped);

			if (write(r->log, note, (size_t)n) < 0) {
				/* the note is a courtesy: a full disk already lost the rest */
			}
		}
		close(r->log);
	}
	if (r->cgroup) {
		remove_cgroup(r->cgroup, 0);
		free(r->cgroup);
	}
}

/* The nearest deadline of any step, as a poll timeout. */
static int poll_timeout(const struct supervisor *sv, double now)
{
	double next = now + 1000;
	const struct running *r;

	for (r = sv->steps; r; r = r->next) {
		const struct sv_step *s = r->step;

		if (r->phase == PH_RUN) {
			if (s->timeout_ms && r->start + (double)s->timeout_ms < next)
				next = r->start + (double)s->timeout_ms;
			if (s->idle_timeout_ms && r->last_output + (double)s->idle_timeout_ms < next)
				next = r->last_output + (double)s->idle_timeout_ms;
		} else {
			/* waiting for a tree to empty: look again soon */
			if (now + 10 < next)
				next = now + 10;
			if (r->kill_at && r->kill_at < next)
				next = r->kill_at;
		}
		if (r->reaped && r->out >= 0 && now + 10 < next)
			next = now + 10;
	}
	return next <= now ? 0 : (int)(next - now) + 1;
}

void *sv_wait(struct supervisor *sv)
{
	return sv_wait_for(sv, -1);
}

void *sv_wait_for(struct supervisor *sv, int max_ms)
{
	double until = max_ms >= 0 ? now_ms() + max_ms : 0;
	bool polled = false;

	for (;;) {
		struct running *r, **link;
		double now = now_ms();

		if (sv->finished) {
			r = sv->finished;
			sv->finished = r->next;
			{
				void *tag = r->tag;

				free(r);
				return tag;
			}
		}
		for (link = &sv->steps; (r = *link); link = &r->next) {
			advance(sv, r, now);
			if (r->done) {
				void *tag = r->tag;

				finish(r, now_ms());
				*link = r->next;
				free(r);
				return tag;
			}
		}
		if (!sv->steps)
			return NULL;
		if (sv->stop_signal && !sv->stopping)
			return NULL;

		{
			int t = poll_timeout(sv, now);

			/* even a wait of 0 ms looks once at signals, pipes and children */
			if (max_ms >= 0) {
				if (now >= until && polled)
					return NULL;
				if (t > (int)(until - now) + 1)
					t = now >= until ? 0 : (int)(until - now) + 1;
			}
			polled = true;
			/* the steps' pipes and signals come back through on_output, on_signal */
			if (loop_once(sv->loop, t) < 0)
				continue;
		}
		reap(sv);
		/* a callback of the caller's own has news: let it look */
		if (loop_take_interrupt(sv->loop))
			return NULL;
	}
}

size_t sv_running(const struct supervisor *sv)
{
	const struct running *r;
	size_t n = 0;

	for (r = sv->steps; r; r = r->next)
		n++;
	return n;
}

int sv_stop_signal(const struct supervisor *sv)
{
	return sv->stop_signal;
}

void sv_stop_all(struct supervisor *sv)
{
	struct running *r;
	double now = now_ms();

	sv->stopping = true;
	for (r = sv->steps; r; r = r->next)
		end_step(r, SV_INTERRUPTED, now);
	/* the caller's results are filled in as the steps end */
	while (sv->steps)
		sv_wait(sv);
	sv->stopping = false;
}

int sv_run(struct supervisor *sv, const struct sv_step *step, struct sv_result *res)
{
	void *tag;

	if (sv_start(sv, step, res, res) < 0) {
		sv_wait(sv);
		return -1;
	}
	while ((tag = sv_wait(sv)) != res) {
		if (!tag && sv->stop_signal) {
			sv_stop_all(sv);
			return -1;
		}
	}
	return 0;
}

const char *sv_outcome_name(enum sv_outcome o)
{
	switch (o) {
	case SV_PASSED: return "passed";
	case SV_FAILED: return "failed";
	case SV_SIGNALED: return "crashed";
	case SV_TIMEOUT: return "timed out";
	case SV_IDLE: return "stalled";
	case SV_NOT_STARTED: return "not started";
	case SV_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}

static void add_duration(struct buf *out, int64_t ms)
{
	if (ms % 60000 == 0 && ms >= 60000)
		buf_addf(out, "%lldm", (long long)(ms / 60000));
	else if (ms % 1000 == 0)
		buf_addf(out, "%llds", (long long)(ms / 1000));
	else
		buf_addf(out, "%lldms", (long long)ms);
}

void sv_describe(const struct sv_step *step, const struct sv_result *res, struct buf *out)
{
	switch (res->outcome) {
	case SV_PASSED:
		buf_adds(out, "exit code 0");
		break;
	case SV_FAILED:
		buf_addf(out, "exit code %d", res->exit_code);
		if (res->exit_code == 127)
			buf_adds(out, " (command not found)");
		else if (res->exit_code == 126)
			buf_adds(out, " (command not executable)");
		break;
	case SV_SIGNALED:
		buf_addf(out, "killed by signal %d (%s)", res->signal, strsignal(res->signal));
		break;
	case SV_TIMEOUT:
		buf_adds(out, "timed out after ");
		add_duration(out, step->timeout_ms);
		break;
	case SV_IDLE:
		buf_adds(out, "no output for ");
		add_duration(out, step->idle_timeout_ms);
		break;
	case SV_NOT_STARTED:
		buf_adds(out, res->error);
		return;
	case SV_INTERRUPTED:
		buf_adds(out, "interrupted");
		break;
	}
	if (res->leftovers)
		buf_addf(out, "; %d leftover process%s killed", res->leftovers,
			 res->leftovers == 1 ? "" : "es");
	if (res->error[0])
		buf_addf(out, "; %s", res->error);
}

void sv_result_release(struct sv_result *res)
{
	buf_release(&res->tail);
}
