/* Guest physical memory as the VMM holds it: one host mapping of RAM that
 * starts at guest physical address 0. Everything that reads or writes the
 * guest (loader, page walker, exception delivery, the stub) goes through
 * this, so it can be unit-tested over a plain malloc'd buffer. */
#ifndef GDBHUB_KVM_GUEST_MEM_H
#define GDBHUB_KVM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

struct guest_mem {
	uint8_t *host;   /* host address of guest physical 0 */
	uint64_t size;   /* bytes of RAM */
};

/* Host pointer to guest physical [gpa, gpa + len), or NULL if any of it
 * lies outside RAM (len 0 is inside when gpa <= size). */
static inline uint8_t *guest_mem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len)
{
	if (gpa > m->size || len > m->size - gpa)
		return NULL;
	return m->host + gpa;
}

#endif
