/* Exception delivery and same-privilege 32-bit iret in userspace. See
 * deliver.h. Every function that can refuse returns its reason (a static
 * string) or NULL, so the public entry points can chain the checks and
 * touch nothing until all of them have passed. */
#include "backends/kvm/exc/deliver.h"

#include <stddef.h>

#include "backends/kvm/mmu/pagewalk.h"

#define CR0_PE   (1ull << 0)
#define CR0_WP   (1ull << 16)
#define CR0_PG   (1ull << 31)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

#define FL_FIXED (1u << 1)    /* reads as 1 */
#define FL_ARITH 0x8d5u       /* CF PF AF ZF SF OF */
#define FL_TF    (1u << 8)
#define FL_IF    (1u << 9)
#define FL_DF    (1u << 10)
#define FL_IOPL  (3u << 12)
#define FL_NT    (1u << 14)
#define FL_RF    (1u << 16)
#define FL_VM    (1u << 17)
#define FL_AC    (1u << 18)
#define FL_VIF   (1u << 19)
#define FL_VIP   (1u << 20)
#define FL_ID    (1u << 21)

/* Gate types (with the descriptor's S bit, so a code or data descriptor
 * in the IDT matches none of them). */
#define GATE_TASK   0x05
#define GATE_INT16  0x06
#define GATE_TRAP16 0x07
#define GATE_INT    0x0e
#define GATE_TRAP   0x0f

/* Segment type bits (struct kvm_segment.type) of a code segment. */
#define SEG_ACCESSED   0x1
#define SEG_CONFORMING 0x4
#define SEG_CODE       0x8

/* What every step below needs to know about the vCPU. */
struct cpu {
	const struct guest_mem *m;
	struct pw_mode mode;
	bool long_mode;
	unsigned cpl;
};

/* An IDT entry, decoded. */
struct gate {
	uint64_t offset;
	uint16_t selector;
	unsigned type;   /* GATE_*, S bit included */
	unsigned ist;
	bool present;
};

/* Values to push, in push order (the first one at the highest address). */
struct frame {
	uint64_t slot[6];
	unsigned n;
	unsigned size;   /* bytes per slot: 4, or 8 in long mode */
};

static struct cpu cpu_from(const struct guest_mem *m, const struct kvm_sregs *s)
{
	return (struct cpu){
		.m = m,
		.mode = { .cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer },
		.long_mode = s->efer & EFER_LMA,
		.cpl = s->cs.selector & 3,
	};
}

static int refuse(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -1;
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[i] = v & 0xff;
}

/* Outside long mode linear addresses are 32 bits and wrap. */
static uint64_t linear(const struct cpu *c, uint64_t la)
{
	return c->long_mode ? la : (uint32_t)la;
}

static bool read_linear(const struct cpu *c, uint64_t la, void *buf, size_t len)
{
	return guest_virt_read(c->m, &c->mode, linear(c, la), buf, len) == len;
}

/* Linear address of the stack slot `off` bytes above stack pointer sp:
 * SS base plus a 32-bit offset that wraps, or (long mode) RSP itself. */
static uint64_t stack_la(const struct cpu *c, const struct kvm_segment *ss, uint64_t sp,
			 unsigned off)
{
	if (c->long_mode)
		return sp + off;
	return linear(c, ss->base + (uint32_t)(sp + off));
}

static bool canonical(const struct cpu *c, uint64_t va)
{
	unsigned unused = 64 - (c->mode.cr4 & CR4_LA57 ? 57 : 48);

	return (uint64_t)((int64_t)(va << unused) >> unused) == va;
}

/* The modes we deliver in: protected mode or long mode, never real or
 * virtual-8086 mode (their interrupts work differently). */
static const char *check_mode(const struct cpu *c, const struct kvm_regs *r,
			      const struct kvm_sregs *s)
{
	if (!(c->mode.cr0 & CR0_PE))
		return "real mode is not supported";
	if (r->rflags & FL_VM)
		return "virtual-8086 mode is not supported";
	if (!c->long_mode && !s->ss.db)
		return "16-bit stack segment is not supported";
	return NULL;
}

/* Read IDT entry `vector`: 8 bytes in protected mode, 16 in long mode. */
static const char *read_gate(const struct cpu *c, const struct kvm_dtable *idt,
			     unsigned vector, struct gate *g)
{
	uint8_t b[16];
	unsigned size = c->long_mode ? 16 : 8;

	if (vector > 255)
		return "vector out of range";
	if ((uint64_t)vector * size + size - 1 > idt->limit)
		return "vector beyond the IDT limit";
	if (!read_linear(c, idt->base + vector * size, b, size))
		return "IDT entry not mapped";
	g->offset = get_le(b, 2) | get_le(b + 6, 2) << 16;
	if (c->long_mode)
		g->offset |= get_le(b + 8, 4) << 32;
	g->selector = get_le(b + 2, 2);
	g->ist = c->long_mode ? b[4] & 7 : 0;
	g->type = b[5] & 0x1f;
	g->present = b[5] & 0x80;
	return NULL;
}

/* Gates the CPU would take without a task switch or a stack switch. The
 * gate's DPL only matters for software interrupts (int n), not here. */
static const char *check_gate(const struct cpu *c, const struct gate *g)
{
	if (g->type == GATE_TASK)
		return "task gate (task switches are not supported)";
	if (!c->long_mode && (g->type == GATE_INT16 || g->type == GATE_TRAP16))
		return "16-bit gate is not supported";
	if (g->type != GATE_INT && g->type != GATE_TRAP)
		return "IDT entry is not an interrupt or trap gate";
	if (!g->present)
		return "gate not present";
	if (g->ist)
		return "IST stack switch is not supported";
	return NULL;
}

/* A GDT descriptor as KVM_SET_SREGS wants it: the limit in bytes. */
static void decode_segment(const uint8_t d[8], uint16_t selector, struct kvm_segment *seg)
{
	uint32_t limit = get_le(d, 2) | (uint32_t)(d[6] & 0xf) << 16;
	bool granular = d[6] & 0x80;

	*seg = (struct kvm_segment){
		.base = get_le(d + 2, 3) | (uint64_t)d[7] << 24,
		.limit = granular ? limit << 12 | 0xfff : limit,
		.selector = selector,
		.type = d[5] & 0xf,
		.s = d[5] >> 4 & 1,
		.dpl = d[5] >> 5 & 3,
		.present = d[5] >> 7,
		.avl = d[6] >> 4 & 1,
		.l = d[6] >> 5 & 1,
		.db = d[6] >> 6 & 1,
		.g = granular,
	};
}

/* Load `selector` from the GDT as the code segment a gate or an iret
 * transfers to without changing privilege: a non-conforming segment of
 * DPL = CPL, or a conforming one of DPL <= CPL (the CPL stays). */
static const char *load_code_segment(const struct cpu *c, const struct kvm_dtable *gdt,
				     uint16_t selector, struct kvm_segment *cs)
{
	uint8_t d[8];
	unsigned index = selector >> 3;

	if (selector & 4)
		return "code selector points into the LDT (not supported)";
	if (index == 0)
		return "null code selector";
	if ((uint64_t)index * 8 + 7 > gdt->limit)
		return "code selector beyond the GDT limit";
	if (!read_linear(c, gdt->base + index * 8, d, 8))
		return "GDT entry not mapped";
	decode_segment(d, (selector & ~3u) | c->cpl, cs);
	if (!cs->s || !(cs->type & SEG_CODE))
		return "selector is not a code segment";
	if (!cs->present)
		return "code segment not present";
	if (cs->dpl > c->cpl)
		return "code segment DPL above CPL";
	if (cs->dpl < c->cpl && !(cs->type & SEG_CONFORMING))
		return "privilege change (only same-privilege delivery is supported)";
	if (c->long_mode && (!cs->l || cs->db))
		return "handler code segment is not 64-bit";
	cs->type |= SEG_ACCESSED;
	return NULL;
}

/* Whether the CPU may jump to `ip` in code segment cs. */
static const char *check_target(const struct cpu *c, const struct kvm_segment *cs, uint64_t ip)
{
	if (c->long_mode)
		return canonical(c, ip) ? NULL : "handler address not canonical";
	return ip <= cs->limit ? NULL : "target beyond the code segment limit";
}

/* Whether the CPU could write [la, la + len) (len <= a page): mapped into
 * RAM and, where paging makes it binding (CR0.WP for ring 0, always for
 * ring 3), writable. The last byte is not wrapped at 4 GiB, because
 * guest_virt_write would not wrap it either: such a slot is refused. */
static const char *check_writable(const struct cpu *c, uint64_t la, unsigned len)
{
	uint64_t ends[2] = { la, la + len - 1 };
	bool paging = c->mode.cr0 & CR0_PG;

	for (unsigned i = 0; i < 2; i++) {
		struct pw_result pw;

		if (pagewalk(c->m, &c->mode, ends[i], &pw) != 0 || !guest_mem_ptr(c->m, pw.pa, 1))
			return "stack not mapped";
		if (paging && (c->cpl == 3 || (c->mode.cr0 & CR0_WP)) && !pw.writable)
			return "stack page is read-only";
		if (paging && c->cpl == 3 && !pw.user)
			return "stack page is supervisor-only";
	}
	return NULL;
}

static void push(struct frame *f, uint64_t v)
{
	f->slot[f->n++] = v;
}

/* Write frame f below stack pointer sp (its new value). Every slot is
 * checked before the first is written, so only a failure the page walk
 * could not foresee leaves a partial frame behind. */
static const char *write_frame(const struct cpu *c, const struct kvm_segment *ss, uint64_t sp,
			       const struct frame *f)
{
	const char *err;

	for (unsigned i = 0; i < f->n; i++) {
		unsigned off = (f->n - 1 - i) * f->size;

		if ((err = check_writable(c, stack_la(c, ss, sp, off), f->size)))
			return err;
	}
	for (unsigned i = 0; i < f->n; i++) {
		unsigned off = (f->n - 1 - i) * f->size;
		uint8_t b[8];

		put_le(b, f->slot[i], f->size);
		if (guest_virt_write(c->m, &c->mode, stack_la(c, ss, sp, off), b, f->size) != f->size)
			return "stack write failed midway (guest stack partly written)";
	}
	return NULL;
}

bool x86_vector_has_error_code(unsigned vector)
{
	switch (vector) {
	case 8: case 10: case 11: case 12: case 13: case 14:
	case 17: case 21: case 29: case 30:
		return true;
	default:
		return false;
	}
}

/* The frame an exception pushes, and the stack pointer below it. */
static uint64_t build_frame(const struct cpu *c, const struct kvm_regs *r,
			    const struct kvm_sregs *s, unsigned vector, uint32_t error_code,
			    struct frame *f)
{
	uint64_t sp;

	*f = (struct frame){ .size = c->long_mode ? 8 : 4 };
	if (c->long_mode) {
		push(f, s->ss.selector);
		push(f, r->rsp);
		push(f, r->rflags);
		push(f, s->cs.selector);
		push(f, r->rip);
		sp = r->rsp & ~15ull;
	} else {
		push(f, (uint32_t)r->rflags);
		push(f, s->cs.selector);
		push(f, (uint32_t)r->rip);
		sp = (uint32_t)r->rsp;
	}
	if (x86_vector_has_error_code(vector))
		push(f, error_code);
	sp -= f->n * f->size;
	return c->long_mode ? sp : (uint32_t)sp;
}

int x86_deliver_exception(const struct guest_mem *m, struct kvm_regs *r,
			  struct kvm_sregs *s, unsigned vector, uint32_t error_code,
			  const char **why)
{
	struct cpu c = cpu_from(m, s);
	struct kvm_segment cs;
	struct frame f;
	struct gate g;
	uint64_t sp;
	const char *err;

	if ((err = check_mode(&c, r, s)) ||
	    (err = read_gate(&c, &s->idt, vector, &g)) ||
	    (err = check_gate(&c, &g)) ||
	    (err = load_code_segment(&c, &s->gdt, g.selector, &cs)) ||
	    (err = check_target(&c, &cs, g.offset)))
		return refuse(why, err);
	sp = build_frame(&c, r, s, vector, error_code, &f);
	if ((err = write_frame(&c, &s->ss, sp, &f)))
		return refuse(why, err);

	r->rflags &= ~(uint64_t)(FL_TF | FL_NT | FL_RF | FL_VM);
	if (g.type == GATE_INT)
		r->rflags &= ~(uint64_t)FL_IF;
	r->rsp = sp;
	r->rip = g.offset;
	s->cs = cs;
	return 0;
}

/* EFLAGS after an iret at `cpl`: the popped bits the CPU lets through, the
 * current ones elsewhere; reserved bits cleared, bit 1 set. */
static uint64_t iret_flags(unsigned cpl, uint64_t cur, uint32_t popped)
{
	uint32_t writable = FL_ARITH | FL_TF | FL_DF | FL_NT | FL_RF | FL_AC | FL_ID;
	uint32_t defined = writable | FL_IF | FL_IOPL | FL_VIF | FL_VIP;

	if (cpl <= (cur & FL_IOPL) >> 12)
		writable |= FL_IF;
	if (cpl == 0)
		writable |= FL_IOPL | FL_VIF | FL_VIP;
	return (popped & writable) | (cur & ~writable & defined) | FL_FIXED;
}

int x86_emulate_iret32(const struct guest_mem *m, struct kvm_regs *r,
		       struct kvm_sregs *s, const char **why)
{
	struct cpu c = cpu_from(m, s);
	struct kvm_segment cs;
	uint32_t esp = r->rsp;
	uint32_t eip, eflags;
	uint16_t selector;
	uint8_t b[12];
	const char *err;

	if (c.long_mode)
		return refuse(why, "32-bit iret in long mode is not emulated");
	if ((err = check_mode(&c, r, s)))
		return refuse(why, err);
	if (r->rflags & FL_NT)
		return refuse(why, "task return (NT set) is not supported");
	for (unsigned i = 0; i < 3; i++) {
		if (!read_linear(&c, stack_la(&c, &s->ss, esp, i * 4), b + i * 4, 4))
			return refuse(why, "stack not mapped");
	}
	eip = get_le(b, 4);
	selector = get_le(b + 4, 2);
	eflags = get_le(b + 8, 4);
	if (eflags & FL_VM)
		return refuse(why, "iret to virtual-8086 mode is not supported");
	if ((selector & 3) != c.cpl)
		return refuse(why, "privilege-changing iret (would pop SS:ESP too) is not supported");
	if ((err = load_code_segment(&c, &s->gdt, selector, &cs)) ||
	    (err = check_target(&c, &cs, eip)))
		return refuse(why, err);

	r->rip = eip;
	r->rsp = (uint32_t)(esp + 12);
	r->rflags = iret_flags(c.cpl, r->rflags, eflags);
	s->cs = cs;
	return 0;
}

static bool legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

enum x86_emul_insn x86_classify_insn(const uint8_t *bytes, unsigned n, bool long_mode)
{
	bool opsize16 = false, rex_w = false;
	unsigned i = 0;

	if (n > 0 && bytes[0] == 0xcc)
		return X86_EMUL_INT3;
	for (; i < n && legacy_prefix(bytes[i]); i++)
		opsize16 |= bytes[i] == 0x66;
	if (long_mode && i < n && (bytes[i] & 0xf0) == 0x40)
		rex_w = bytes[i++] & 0x08;
	if (i >= n || bytes[i] != 0xcf)
		return X86_EMUL_OTHER;
	if (rex_w)
		return X86_EMUL_IRETQ;
	return opsize16 ? X86_EMUL_OTHER : X86_EMUL_IRET32;
}
