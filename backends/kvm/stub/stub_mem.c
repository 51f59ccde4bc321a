/* Guest memory as gdb addresses it: virtual through the vCPU's own page
 * tables (so paging and higher-half kernels work), or physical after
 * `monitor phys on`; our int3s hidden from reads and kept under writes. */
#include <string.h>
#include <sys/ioctl.h>

#include "backends/kvm/mmu/pagewalk.h"
#include "backends/kvm/stub/stub_internal.h"

static int paging_mode(struct stub *st, unsigned cpu, struct pw_mode *mode)
{
	struct kvm_sregs s;

	if (ioctl(st->vm->vcpus[cpu].fd, KVM_GET_SREGS, &s))
		return -1;
	*mode = (struct pw_mode){ s.cr0, s.cr3, s.cr4, s.efer };
	return 0;
}

/* Physical address of addr and how many bytes from it lie in the same
 * page, or -1. */
static int locate(struct stub *st, const struct pw_mode *mode, uint64_t addr,
		  uint64_t *pa, uint64_t *room)
{
	struct pw_result r;

	if (st->phys) {
		*pa = addr;
		*room = 4096 - (addr & 4095);
		return 0;
	}
	if (pagewalk(&st->vm->mem, mode, addr, &r))
		return -1;
	*pa = r.pa;
	*room = r.page_size - (addr & (r.page_size - 1));
	return 0;
}

int stub_translate(struct stub *st, unsigned cpu, uint64_t addr, uint64_t *pa)
{
	struct pw_mode mode;
	uint64_t room;

	if (paging_mode(st, cpu, &mode) || locate(st, &mode, addr, pa, &room))
		return -1;
	return guest_mem_ptr(&st->vm->mem, *pa, 1) ? 0 : -1;
}

bool stub_user_page(struct stub *st, unsigned cpu, uint64_t addr)
{
	struct pw_mode mode;
	struct pw_result r;

	return !st->phys && paging_mode(st, cpu, &mode) == 0 && (mode.cr0 & (1u << 31)) &&
	       pagewalk(&st->vm->mem, &mode, addr, &r) == 0 && r.user;
}

/* Copy page by page; `write` picks the direction. */
static size_t copy(struct stub *st, unsigned cpu, uint64_t addr, uint8_t *buf, size_t len,
		   bool write)
{
	struct pw_mode mode;
	size_t done = 0;

	if (paging_mode(st, cpu, &mode))
		return 0;
	while (done < len) {
		uint64_t pa, room;
		uint8_t *host;
		size_t n;

		if (locate(st, &mode, addr + done, &pa, &room))
			break;
		n = len - done < room ? len - done : (size_t)room;
		host = guest_mem_ptr(&st->vm->mem, pa, n);
		if (!host)
			break;
		if (write) {
			memcpy(host, buf + done, n);
			swbreak_after_write(&st->sw, &st->vm->mem, pa, buf + done, n);
		} else {
			memcpy(buf + done, host, n);
			swbreak_shadow(&st->sw, pa, buf + done, n);
		}
		done += n;
	}
	return done;
}

size_t stub_mem_read(struct stub *st, unsigned cpu, uint64_t addr, uint8_t *buf, size_t len)
{
	return copy(st, cpu, addr, buf, len, false);
}

size_t stub_mem_write(struct stub *st, unsigned cpu, uint64_t addr, const uint8_t *buf, size_t len)
{
	return copy(st, cpu, addr, (uint8_t *)buf, len, true);
}
