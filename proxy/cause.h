/* Errors handed back as text: a function that fails sets *cause to a
 * malloc'd message the caller logs and frees. */
#ifndef GDBHUB_CAUSE_H
#define GDBHUB_CAUSE_H

/* Set *cause to the formatted message (NULL if memory runs out) and return
 * -1, so a failing path reads `return cause_fail(cause, "...", ...);`. */
int cause_fail(char **cause, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
