/* The list of backend kinds the daemon knows. Explicit on purpose: adding a
 * backend means adding a line here, and nothing registers itself. */
#include "proxy/backend.h"

#include <stddef.h>

extern const struct backend_ops tcg_backend_ops;
extern const struct backend_ops remote_backend_ops;
extern const struct backend_ops kvm_backend_ops;
extern const struct backend_ops replay_backend_ops;

static const struct backend_ops *const backends[] = {
	&tcg_backend_ops,
	&remote_backend_ops,
	&kvm_backend_ops,
	&replay_backend_ops,
};

/* The ops for a backend kind, or NULL. */
const struct backend_ops *backend_find(enum cfg_backend_kind kind)
{
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (backends[i]->kind == kind)
			return backends[i];
	return NULL;
}
