/* Keys of the SSH door: the daemon's host key, kept across restarts, and
 * users' authorized_keys files, read at each login as sshd does. */
#ifndef GDBHUB_SSH_KEYS_H
#define GDBHUB_SSH_KEYS_H

#include <stdbool.h>
#include <libssh/libssh.h>

/* The path of the ed25519 host key in state_dir, made (with state_dir) on
 * first use. Returns a malloc'd path, or NULL with *cause set. */
char *ssh_host_key_path(const char *state_dir, char **cause);

/* Whether key is one of the keys in the OpenSSH authorized_keys file at
 * path. Lines with options (from=, command=, ...) are skipped with a
 * warning: honouring half of them would be worse than none. */
bool ssh_key_authorized(const char *path, ssh_key key);

#endif
