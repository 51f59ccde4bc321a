/* Processes a backend starts (QEMU, gdbhub-kvm): the listening socket the
 * child inherits, the exec whose failure is known at once, and the wait
 * for the child's end. */
#ifndef GDBHUB_BACKEND_CHILD_H
#define GDBHUB_BACKEND_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/* A listening unix socket at path (a file already there is removed),
 * without close-on-exec, so a child started next inherits it. Returns the
 * fd, or -1 with errno set. */
int child_listen_unix(const char *path);

/* Fork and exec argv (argv[0] searched on PATH) in a process group of its
 * own. Returns 0 and sets *pid once the exec succeeded; -1 with *pid -1 and
 * *cause set (malloc'd) if fork or exec failed, the child already reaped. */
int child_spawn(char **argv, pid_t *pid, char **cause);

/* The same with the child's stdout and stderr on out_fd (-1: the daemon's). */
int child_spawn_output(char **argv, int out_fd, pid_t *pid, char **cause);

/* Wait up to ms for child pid to end, reaping it; true if it did. */
bool child_wait_exit(pid_t pid, int ms);

#endif
