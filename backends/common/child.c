/* Starting and ending the processes backends run. */
#include "backends/common/child.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proxy/cause.h"
#include "proxy/transport/sockaddr.h"

/* A listening unix socket at path, inherited by the child (no close-on-exec). */
int child_listen_unix(const char *path)
{
	struct sockaddr_storage sa;
	socklen_t len;
	int fd;

	if (sockaddr_unix(path, &sa, &len) != 0)
		return -1;
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sa, len) != 0 || listen(fd, 4) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* In the child: become argv[0], or report errno through the pipe. */
static void exec_child(char **argv, int out_fd, int report_fd)
{
	int err;

	/* Own process group: a Ctrl-C meant for the daemon's terminal must not
	 * kill the VM behind the daemon's back; the daemon stops it itself. */
	setpgid(0, 0);
	if (out_fd >= 0 && (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0))
		_exit(127);
	execvp(argv[0], argv);
	err = errno;
	if (write(report_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(127);
}

/* Fork and exec argv; an exec failure is reported here, not later. */
int child_spawn(char **argv, pid_t *pid, char **cause)
{
	return child_spawn_output(argv, -1, pid, cause);
}

int child_spawn_output(char **argv, int out_fd, pid_t *pid, char **cause)
{
	int pipefd[2], err = 0;
	ssize_t n;

	*pid = -1;
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return cause_fail(cause, "pipe: %s", strerror(errno));
	*pid = fork();
	if (*pid == 0) {
		close(pipefd[0]);
		exec_child(argv, out_fd, pipefd[1]);
	}
	close(pipefd[1]);
	if (*pid < 0) {
		close(pipefd[0]);
		return cause_fail(cause, "fork: %s", strerror(errno));
	}
	/* The close-on-exec pipe reads EOF once the exec succeeded. */
	n = read(pipefd[0], &err, sizeof(err));
	close(pipefd[0]);
	if (n == (ssize_t)sizeof(err)) {
		waitpid(*pid, NULL, 0);
		*pid = -1;
		return cause_fail(cause, "cannot run %s: %s", argv[0], strerror(err));
	}
	return 0;
}

/* Wait up to ms for the child to end; true if it did. */
bool child_wait_exit(pid_t pid, int ms)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	for (int waited = 0; waited <= ms; waited += 10) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return true;
		nanosleep(&pause, NULL);
	}
	return false;
}
