/* `monitor replay ...` on a replay target: where the replay stands, seeks,
 * the snapshots it can start from (backends/replay/README.md). */
#ifndef GDBHUB_CLIENT_REPLAY_H
#define GDBHUB_CLIENT_REPLAY_H

struct client;

/* Serve `monitor replay ARGS` for c: answered now (errors) or once QEMU's
 * monitor has answered; the client is busy meanwhile. */
void client_replay_command(struct client *c, const char *args);

#endif
