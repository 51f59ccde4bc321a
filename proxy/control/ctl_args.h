/* `gdbhub ctl CMD [ARG ...]`: the request a command line means. Pure (the
 * caller reads @FILE arguments), so it is unit-tested. */
#ifndef GDBHUB_CONTROL_CTL_ARGS_H
#define GDBHUB_CONTROL_CTL_ARGS_H

#include <json.h>

/* Build the request for cmd and its arguments, each one of:
 *   KEY=VALUE  the request's key KEY; VALUE is taken as JSON if it parses
 *              as JSON (3, true, {"a": 1}, "quoted"), else as a string;
 *   anything else: the value of the command's own argument (target.add's
 *              "target", target.remove's "name", client.kick's "id"),
 *              as JSON if it parses, else as a string.
 * The request is then checked as the daemon would check it. Returns the
 * request, or NULL with *cause set (malloc'd). */
json_object *ctl_args_build(const char *cmd, char *const *args, int n, char **cause);

#endif
