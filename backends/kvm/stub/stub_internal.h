/* The stub's state and the functions its parts share (see stub.h). */
#ifndef GDBHUB_KVM_STUB_INTERNAL_H
#define GDBHUB_KVM_STUB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/debug/hwdebug.h"
#include "backends/kvm/debug/swbreak.h"
#include "backends/kvm/regs/gdb_regs.h"
#include "backends/kvm/vmm/vm.h"
#include "proxy/rsp/rsp_frame.h"

#define STUB_PACKET_MAX 0x4000

/* Signals as gdb numbers them in stop replies and vCont. */
#define GDB_SIGINT 2
#define GDB_SIGTRAP 5
#define GDB_SIGSEGV 11

/* A guest-owned exception reported to gdb, to be delivered to the guest
 * when gdb resumes the vCPU with that signal (vCont;C05). */
struct pending_exception {
	bool valid;
	unsigned vector;      /* 1 or 3 */
	uint64_t dr6;         /* for #DB: what the guest's DR6 must say */
};

struct stub {
	struct vm *vm;
	int fd;                      /* gdb connection, -1 between connections */
	struct rsp_decoder dec;
	uint8_t dec_buf[STUB_PACKET_MAX + 1];
	uint8_t out[RSP_ENCODED_MAX(STUB_PACKET_MAX)];
	size_t last_len;             /* last packet sent, for a NAK */
	bool no_ack;
	bool multiprocess;
	bool running;                /* vCPUs in KVM_RUN; a stop reply is owed */
	bool phys;                   /* monitor phys: memory addresses are physical */
	bool step_irqs;              /* monitor step-irq on: steps may take interrupts */
	bool has_blockirq;           /* KVM can hold interrupts off during a step */
	unsigned g_thread;           /* vCPU index for g/G/p/P/m/M */
	struct swbreaks sw;
	struct memwatches watches;   /* write watches by read-only mapping */
	struct hw_slot hw[HW_SLOTS];
	unsigned sw_in_hw;           /* slots holding a Z0 (hosts that give int3 to the guest) */
	struct pending_exception *pending; /* one per vCPU */
	bool exited;
	int exit_status;
	bool dead;                   /* triple fault or an exit KVM cannot finish */
	enum gdb_arch arch;          /* fixed per connection once gdb read target.xml */
	bool arch_fixed;             /* --arch given, or target.xml was read */
	bool arch_given;             /* --arch: fixed for every connection */
	char last_stop[160];          /* for `?` */
	char reply[STUB_PACKET_MAX + 1];
};

/* Send one packet (payload len bytes). */
void stub_send(struct stub *st, const char *payload, size_t len);
void stub_send_str(struct stub *st, const char *s);
void stub_send_error(struct stub *st, unsigned code);

/* One decoded packet from gdb. */
void stub_handle_packet(struct stub *st, const char *p, size_t len);

/* vCPU register state (the vCPU must be parked). */
int stub_get_state(struct stub *st, unsigned cpu, struct vcpu_state *vs);
int stub_set_state(struct stub *st, unsigned cpu, const struct vcpu_state *vs);
enum gdb_arch stub_arch(const struct stub *st, const struct kvm_sregs *s);

/* Memory at gdb's address (virtual through vCPU cpu's page tables, or
 * physical after `monitor phys on`), with our int3s hidden. Return bytes
 * done before the first unmapped byte. */
size_t stub_mem_read(struct stub *st, unsigned cpu, uint64_t addr, uint8_t *buf, size_t len);
size_t stub_mem_write(struct stub *st, unsigned cpu, uint64_t addr, const uint8_t *buf, size_t len);
/* gdb's address to physical, for a breakpoint. */
int stub_translate(struct stub *st, unsigned cpu, uint64_t addr, uint64_t *pa);

/* Run control: c/s/vCont/C, Ctrl-C, and the stop reply once vCPUs stop. */
void stub_vcont(struct stub *st, const char *args, size_t len);
void stub_continue_all(struct stub *st, int step_cpu, int signal);
void stub_interrupt(struct stub *st);
void stub_on_vcpu_event(struct stub *st);
void stub_report_current(struct stub *st);

/* Breakpoints: Z/z; stub_forget_breakpoints removes every one a debugger
 * inserted (detach, or the debugger vanished). */
void stub_breakpoint(struct stub *st, bool insert, const char *args, size_t len);
void stub_forget_breakpoints(struct stub *st);
int stub_apply_debug(struct stub *st);

/* The guest's own debug registers on one vCPU (zero if they cannot be
 * read), and the slots the guest enables on any vCPU: ours avoid those
 * while others are free. */
void stub_guest_dr(struct stub *st, unsigned cpu, struct hw_guest_dr *g);
unsigned stub_guest_dr_slots(struct stub *st);

/* Queries: q/Q packets and monitor commands. */
void stub_query(struct stub *st, const char *p, size_t len);

/* `monitor CMD`: its output into out. */
void stub_monitor(struct stub *st, const char *cmd, char *out, size_t cap);

/* Thread ids on the wire are vCPU index + 1. */
int stub_parse_thread(struct stub *st, const char **p, const char *end, int *cpu);
int stub_format_thread(struct stub *st, char *out, size_t cap, unsigned cpu);

#endif
