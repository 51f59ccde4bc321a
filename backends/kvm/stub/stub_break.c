/* Z and z: software breakpoints as int3s in guest memory (any number),
 * hardware breakpoints and watchpoints in the debug registers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "backends/kvm/stub/stub_internal.h"
#include "proxy/rsp/rsp_hex.h"

static void insert_hw(struct stub *st, bool insert, enum hw_kind kind, uint64_t addr, uint64_t len);

/* Where the host hands our int3 straight to the guest, a software
 * breakpoint is an execution breakpoint in a debug register instead. */
static void insert_sw_in_hw(struct stub *st, bool insert, uint64_t addr)
{
	for (int i = 0; i < HW_SLOTS; i++)
		if (st->hw[i].used && st->hw[i].kind == HW_EXEC && st->hw[i].addr == addr)
			st->sw_in_hw &= ~(1u << i);
	insert_hw(st, insert, HW_EXEC, addr, 1);
	for (int i = 0; insert && i < HW_SLOTS; i++)
		if (st->hw[i].used && st->hw[i].kind == HW_EXEC && st->hw[i].addr == addr)
			st->sw_in_hw |= 1u << i;
}

/* Insert or remove one in the table the vCPUs look at (vm->sw_lock). */
static int change_sw(struct stub *st, bool insert, uint64_t addr, uint64_t pa)
{
	int rc;

	pthread_mutex_lock(&st->vm->sw_lock);
	rc = insert ? swbreak_insert(&st->sw, &st->vm->mem, addr, pa)
		    : swbreak_remove(&st->sw, &st->vm->mem, addr);
	pthread_mutex_unlock(&st->vm->sw_lock);
	return rc;
}

/* A port-write breakpoint in code that user mode may run would give that
 * code a #GP instead of stopping: refused, saying why. */
static bool pio_refused(struct stub *st, uint64_t addr)
{
	if (!st->vm->host.sw_pio || !stub_user_page(st, st->g_thread, addr))
		return false;
	fprintf(stderr, "gdbhub-kvm: Z0,%llx refused: on this host a software breakpoint is a "
		"port write (int3 goes to the guest; monitor kvm), which user-mode code cannot "
		"run, and this page is user-accessible\n", (unsigned long long)addr);
	return true;
}

static void insert_sw(struct stub *st, bool insert, uint64_t addr)
{
	uint64_t pa = 0;

	if (st->vm->host.int3 == INT3_TO_GUEST && !st->vm->host.sw_pio) {
		insert_sw_in_hw(st, insert, addr);
		return;
	}
	if (!insert) {
		/* Removing one that is not there is fine: gdb may retry. */
		change_sw(st, false, addr, 0);
		stub_send_str(st, "OK");
	} else if (pio_refused(st, addr)) {
		stub_send_error(st, 0x1c);
	} else if (stub_translate(st, st->g_thread, addr, &pa) || change_sw(st, true, addr, pa)) {
		stub_send_error(st, 0x0e);
	} else {
		stub_send_str(st, "OK");
	}
}

/* Whether the host fires this kind of debug register breakpoint at all
 * (the probe found out): refused now rather than never firing later. */
static bool host_fires(const struct stub *st, enum hw_kind kind)
{
	return kind == HW_EXEC ? st->vm->host.dr_exec_fires : st->vm->host.dr_watch_fires;
}

void stub_guest_dr(struct stub *st, unsigned cpu, struct hw_guest_dr *g)
{
	struct kvm_debugregs d;

	memset(g, 0, sizeof(*g));
	if (ioctl(st->vm->vcpus[cpu].fd, KVM_GET_DEBUGREGS, &d))
		return;
	memcpy(g->db, d.db, sizeof(g->db));
	g->dr7 = d.dr7;
}

unsigned stub_guest_dr_slots(struct stub *st)
{
	unsigned mask = 0;

	for (unsigned i = 0; i < st->vm->n_vcpus; i++) {
		struct hw_guest_dr g;

		stub_guest_dr(st, i, &g);
		mask |= hw_guest_enabled(g.dr7);
	}
	return mask;
}

/* Say so when a client's breakpoint takes a slot the guest uses itself. */
static void warn_guest_slot(int slot, unsigned guest)
{
	if (slot >= 0 && (guest & (1u << slot)))
		fprintf(stderr, "gdbhub-kvm: DR%d is the guest's own too; its breakpoint there "
			"is suspended while the debugger holds the slot\n", slot);
}

static void insert_hw(struct stub *st, bool insert, enum hw_kind kind, uint64_t addr, uint64_t len)
{
	unsigned guest = insert ? stub_guest_dr_slots(st) : 0;
	const char *why = NULL;
	int slot = -1;

	if (insert && !host_fires(st, kind)) {
		fprintf(stderr, "gdbhub-kvm: Z%d,%llx refused: this host's KVM never fires %s "
			"debug register breakpoints (monitor kvm)\n", kind, (unsigned long long)addr,
			kind == HW_EXEC ? "execution" : "data");
		stub_send_error(st, 0x1c);
		return;
	}
	if (!insert) {
		hw_remove(st->hw, kind, addr, (unsigned)len);
	} else if ((slot = hw_insert(st->hw, kind, addr, (unsigned)len, guest, &why)) < 0) {
		fprintf(stderr, "gdbhub-kvm: Z%d,%llx,%llx refused: %s\n", kind,
			(unsigned long long)addr, (unsigned long long)len, why);
		stub_send_error(st, 0x1c); /* gdb then says it cannot insert it */
		return;
	}
	warn_guest_slot(slot, guest);
	if (stub_apply_debug(st)) {
		stub_send_error(st, 0x30);
		return;
	}
	stub_send_str(st, "OK");
}

/* Each page of [addr, addr + len) as its own watch: an access is matched
 * by physical address, and the pages need not be contiguous. */
static int memwatch_ranges(struct stub *st, bool insert, enum memwatch_kind kind,
			   uint64_t addr, uint64_t len)
{
	uint64_t at = addr;
	char *cause = NULL;

	while (at < addr + len) {
		uint64_t chunk = 4096 - (at & 4095), pa = 0;

		if (chunk > addr + len - at)
			chunk = addr + len - at;
		if (!insert)
			memwatch_remove(&st->watches, at, chunk, kind);
		else if (stub_translate(st, st->g_thread, at, &pa) ||
			 memwatch_add(&st->watches, at, pa, chunk, kind))
			return -1;
		at += chunk;
	}
	if (vm_map_memory(st->vm, &st->watches, &cause)) {
		fprintf(stderr, "gdbhub-kvm: %s\n", cause ? cause : "out of memory");
		free(cause);
		return -1;
	}
	return 0;
}

static enum memwatch_kind memwatch_kind_of(enum hw_kind kind)
{
	return kind == HW_WRITE ? MW_WRITE : kind == HW_READ ? MW_READ : MW_ACCESS;
}

/* Data watchpoints by mapping (memwatch.h) where debug registers do not
 * fire for data, or all four are taken (by us or by the guest: a watch has
 * this way, so it never suspends one of the guest's own), or the range is
 * longer than one can cover; reported as `watch:`, `rwatch:` or `awatch:`
 * with the address gdb gave. */
static bool use_memwatch(struct stub *st, enum hw_kind kind, uint64_t addr, uint64_t len)
{
	if (kind == HW_EXEC)
		return false;
	for (size_t i = 0; i < st->watches.n; i++)
		if (st->watches.v[i].va == addr && st->watches.v[i].kind == memwatch_kind_of(kind))
			return true; /* where it went when inserted */
	return !st->vm->host.dr_watch_fires || len > 8 ||
	       hw_free_for_host(st->hw, stub_guest_dr_slots(st)) == 0;
}

/* A watch spans at most this much: each page is a memslot of its own. */
#define MEMWATCH_MAX_LEN (64 * 1024)

static void watch_by_mapping(struct stub *st, bool insert, enum hw_kind kind, uint64_t addr,
			     uint64_t len)
{
	enum memwatch_kind mk = memwatch_kind_of(kind);

	if (len == 0 || len > MEMWATCH_MAX_LEN || addr + len < addr) {
		fprintf(stderr, "gdbhub-kvm: a watch covers 1 to %d bytes, not %llu\n",
			MEMWATCH_MAX_LEN, (unsigned long long)len);
		stub_send_error(st, 0x16);
		return;
	}
	if (memwatch_ranges(st, insert, mk, addr, len)) {
		memwatch_ranges(st, false, mk, addr, len);
		stub_send_error(st, 0x0e);
		return;
	}
	stub_send_str(st, "OK");
}

void stub_forget_breakpoints(struct stub *st)
{
	char *cause = NULL;

	pthread_mutex_lock(&st->vm->sw_lock);
	swbreak_clear(&st->sw, &st->vm->mem);
	pthread_mutex_unlock(&st->vm->sw_lock);
	memset(st->hw, 0, sizeof(st->hw));
	st->sw_in_hw = 0;
	memwatch_clear(&st->watches);
	if (vm_map_memory(st->vm, NULL, &cause))
		free(cause);
	stub_apply_debug(st);
}

void stub_breakpoint(struct stub *st, bool insert, const char *p, size_t len)
{
	const char *end = p + len;
	uint64_t addr, size;
	char type;

	if (len < 2 || p[1] != ',') {
		stub_send_error(st, 1);
		return;
	}
	type = p[0];
	p += 2;
	/* Conditions and commands after `;` are the daemon's business. */
	{
		const char *semi = memchr(p, ';', (size_t)(end - p));

		if (semi)
			end = semi;
	}
	if (rsp_parse_addr_len(&p, end, &addr, &size) || p != end || type < '0' || type > '4') {
		stub_send_error(st, 1);
		return;
	}
	if (type == '0')
		insert_sw(st, insert, addr);
	else if (use_memwatch(st, (enum hw_kind)(type - '0'), addr, size))
		watch_by_mapping(st, insert, (enum hw_kind)(type - '0'), addr, size);
	else if (size > 8)
		stub_send_error(st, 0x16); /* no debug register watches that much */
	else
		insert_hw(st, insert, (enum hw_kind)(type - '0'), addr, size);
}
