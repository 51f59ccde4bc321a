/* The stub's state and the functions its parts share (see stub.h). */
#ifndef GDBHUB_KVM_STUB_INTERNAL_H
#define GDBHUB_KVM_STUB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/debug/hwdebug.h"
#include "backends/kvm/debug/swbreak.h"
#include "backends/kvm/regs/gdb_regs.h"
#include "backends/kvm/stub/stopq.h"
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

/* What one vCont action asks of one vCPU (ACT_NONE: `t`, or nothing). */
enum action_kind { ACT_NONE = 0, ACT_CONT, ACT_STEP, ACT_RANGE };

struct action {
	enum action_kind kind;
	int signal;
	uint64_t start, end;  /* ACT_RANGE: step while start <= pc < end */
};

struct stub;
struct nonstop;  /* stub_nonstop.c */

/* Everything that differs between all-stop and non-stop (QNonStop:1), in
 * one table per mode: stub_all_stop (stub_stop.c, stub_packets.c) and
 * stub_non_stop (stub_nonstop.c). */
struct stub_mode {
	const char *name;
	/* One decoded packet from gdb. */
	void (*packet)(struct stub *st, const char *p, size_t len);
	/* gdb's Ctrl-C byte (0x03). */
	void (*interrupt)(struct stub *st);
	/* The event fd says a running vCPU parked with an event. */
	void (*vcpu_event)(struct stub *st);
	/* The stop reply for vCPU cpu (or the VM's end, cpu < 0) is ready. */
	void (*stopped)(struct stub *st, int cpu, const char *reply);
	/* The connection has nothing left to do: the guest ended and gdb
	 * has been told. */
	bool (*done)(const struct stub *st);
};

extern const struct stub_mode stub_all_stop;
extern const struct stub_mode stub_non_stop;

struct stub {
	struct vm *vm;
	const struct stub_mode *mode;  /* all-stop unless gdb asked otherwise */
	struct nonstop *ns;            /* non-stop state, NULL until first used */
	int fd;                      /* gdb connection, -1 between connections */
	struct rsp_decoder dec;
	uint8_t dec_buf[STUB_PACKET_MAX + 1];
	uint8_t out[RSP_ENCODED_MAX(STUB_PACKET_MAX)];
	size_t last_len;             /* last packet sent, for a NAK */
	bool no_ack;
	bool multiprocess;
	bool running;                /* vCPUs in KVM_RUN; all-stop: a stop reply is owed */
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
	char last_stop[STOPQ_TEXT];   /* for `?` */
	char reply[STUB_PACKET_MAX + 1];
};

/* Send one packet (payload len bytes). */
void stub_send(struct stub *st, const char *payload, size_t len);
void stub_send_str(struct stub *st, const char *s);
void stub_send_error(struct stub *st, unsigned code);
void stub_send_notification(struct stub *st, const char *payload);

/* One decoded packet from gdb: st->mode's packet, which ends in
 * stub_dispatch (the packet by its first letter); all-stop refuses all
 * but a few while the vCPUs run. */
void stub_handle_packet(struct stub *st, const char *p, size_t len);
void stub_dispatch(struct stub *st, const char *p, size_t len);
void stub_allstop_packet(struct stub *st, const char *p, size_t len);

/* QNonStop: enter non-stop (every vCPU must be parked) or leave it (every
 * vCPU ends up parked, st->running false). 0, or -1 out of memory. */
int stub_set_non_stop(struct stub *st, bool on);
void stub_nonstop_free(struct stub *st);

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

/* Whether addr lies in a page that user mode may use (paging on, and
 * every level of the walk allows user access). */
bool stub_user_page(struct stub *st, unsigned cpu, uint64_t addr);

/* Run control: c/s/vCont/C, Ctrl-C, and the stop reply once vCPUs stop. */
void stub_vcont(struct stub *st, const char *args, size_t len);
void stub_continue_all(struct stub *st, int step_cpu, int signal);
void stub_interrupt(struct stub *st);
void stub_on_vcpu_event(struct stub *st);
void stub_report_current(struct stub *st);

/* vCont's actions per vCPU: the leftmost naming a vCPU (or naming none)
 * wins; decided[i] says vCPU i was named. 0, or -1 for a malformed one. */
int stub_parse_vcont(struct stub *st, const char *p, const char *end, struct action *act,
		     bool *decided);
/* Get parked vCPU cpu ready to carry out act at the next vm_resume (its
 * guest exception given back for SIGTRAP, stepped over our breakpoint,
 * debug state set; every vCPU must be parked, and the caller sets the
 * resume flags afterwards). False if the step over our breakpoint
 * stopped it already: its event is in vcpus[cpu].ev. */
bool stub_ready_vcpu(struct stub *st, unsigned cpu, const struct action *act);

/* The stop reply for v's event, or for vCPU cpu with signal sig and a
 * reason (`swbreak:;` or empty), to st->mode's stopped. */
void stub_report_event(struct stub *st, struct vcpu *v);
void stub_report_stop(struct stub *st, unsigned cpu, int sig, const char *reason);

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
