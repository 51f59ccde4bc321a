/* Guest RAM as KVM memslots: one read-write slot, split around the pages
 * that hold watchpoints: those with write watches only get read-only slots
 * of their own, those with read or access watches none (see
 * debug/memwatch.h). Rebuilt whole whenever the watched pages change, with
 * every vCPU parked. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "backends/kvm/vmm/vm.h"
#include "proxy/cause.h"

#define PAGE 4096ull

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The distinct watched pages, sorted; returns how many. */
static size_t watched_pages(const struct memwatches *w, uint64_t *pages)
{
	size_t n = 0;

	for (size_t i = 0; w && i < w->n; i++)
		pages[n++] = w->v[i].pa & ~(PAGE - 1);
	qsort(pages, n, sizeof(*pages), cmp_u64);
	for (size_t i = 1, k = 1; i <= n; i++) {
		if (i == n)
			return n ? k : 0;
		if (pages[i] != pages[k - 1])
			pages[k++] = pages[i];
	}
	return 0;
}

static int set_slot(struct vm *vm, unsigned slot, uint64_t start, uint64_t size, bool ro)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = ro ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = start,
		.memory_size = size,
		.userspace_addr = (uintptr_t)(vm->mem.host + start),
	};

	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

static int add_range(struct vm *vm, unsigned *slot, uint64_t start, uint64_t end, bool ro)
{
	if (end <= start)
		return 0;
	return set_slot(vm, (*slot)++, start, end - start, ro);
}

int vm_map_memory(struct vm *vm, const struct memwatches *w, char **cause)
{
	size_t n = w ? w->n : 0;
	uint64_t *pages = calloc(n ? n : 1, sizeof(*pages)), at = 0;
	unsigned slot = 0;
	int rc = 0;

	if (!pages)
		return cause_fail(cause, "out of memory");
	n = watched_pages(w, pages);
	for (unsigned s = 0; s < vm->n_slots; s++)
		set_slot(vm, s, 0, 0, false); /* size 0 deletes */
	for (size_t i = 0; i < n && rc == 0; i++) {
		rc = add_range(vm, &slot, at, pages[i], false);
		if (rc == 0 && memwatch_page_mode(w, pages[i]) == MW_PAGE_READONLY)
			rc = add_range(vm, &slot, pages[i], pages[i] + PAGE, true);
		at = pages[i] + PAGE;
	}
	if (rc == 0)
		rc = add_range(vm, &slot, at, vm->mem.size, false);
	vm->n_slots = slot;
	free(pages);
	if (rc)
		return cause_fail(cause, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
	return 0;
}
