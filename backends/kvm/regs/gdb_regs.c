/* Reading and writing the vCPU's registers by gdb register number, one at
 * a time (p/P) or all together as hex (g/G); see gdb_regs.h. */
#include "backends/kvm/regs/gdb_regs.h"

#include <string.h>

#include "backends/kvm/regs/fpu_tag.h"
#include "backends/kvm/regs/layout.h"
#include "proxy/rsp/rsp_hex.h"

/* Registers are copied byte for byte between gdb's little-endian view and
 * the KVM structs, which hold native-endian fields. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "x86 hosts only");

/* Large enough for every layout's registers together (checked at use). */
#define MAX_G_BYTES 1024

/* The table entry of regno, or NULL. */
static const struct gdb_reg *find_reg(enum gdb_arch arch, unsigned regno)
{
	const struct gdb_layout *l = gdb_layout(arch);

	if (!l || regno >= l->count)
		return NULL;
	return &l->regs[regno];
}

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

unsigned gdb_reg_count(enum gdb_arch arch)
{
	const struct gdb_layout *l = gdb_layout(arch);

	return l ? l->count : 0;
}

unsigned gdb_reg_size(enum gdb_arch arch, unsigned regno)
{
	const struct gdb_reg *r = find_reg(arch, regno);

	return r ? r->size : 0;
}

const char *gdb_reg_name(enum gdb_arch arch, unsigned regno)
{
	const struct gdb_reg *r = find_reg(arch, regno);

	return r ? r->name : NULL;
}

size_t gdb_regs_bytes(enum gdb_arch arch)
{
	const struct gdb_layout *l = gdb_layout(arch);
	size_t total = 0;
	unsigned i;

	for (i = 0; l && i < l->count; i++)
		total += l->regs[i].size;
	return total;
}

unsigned gdb_reg_read(enum gdb_arch arch, const struct vcpu_state *st,
		      unsigned regno, uint8_t *out)
{
	const struct gdb_reg *r = find_reg(arch, regno);

	if (!r)
		return 0;
	memset(out, 0, r->size);
	if (r->ftag) {
		uint16_t full = fpu_tag_full(st->fpu.ftwx, st->fpu.fsw, st->fpu.fpr);

		out[0] = (uint8_t)full;
		out[1] = (uint8_t)(full >> 8);
	} else {
		memcpy(out, (const uint8_t *)st + r->offset, min_u(r->size, r->width));
	}
	return r->size;
}

int gdb_reg_write(enum gdb_arch arch, struct vcpu_state *st, unsigned regno,
		  const uint8_t *in)
{
	const struct gdb_reg *r = find_reg(arch, regno);

	if (!r)
		return -1;
	if (r->ftag)
		st->fpu.ftwx = fpu_tag_abridged((uint16_t)(in[0] | in[1] << 8));
	else
		memcpy((uint8_t *)st + r->offset, in, min_u(r->size, r->width));
	return 0;
}

size_t gdb_regs_to_hex(enum gdb_arch arch, const struct vcpu_state *st, char *out, size_t cap)
{
	unsigned i, n = gdb_reg_count(arch);
	uint8_t buf[GDB_REG_MAX_SIZE];
	size_t pos = 0;

	if (n == 0 || cap < 2 * gdb_regs_bytes(arch))
		return 0;
	for (i = 0; i < n; i++) {
		unsigned size = gdb_reg_read(arch, st, i, buf);

		pos += rsp_hex_encode(out + pos, buf, size);
	}
	return pos;
}

/* Decodes everything before writing anything, so a bad digit anywhere
 * leaves *st as it was. */
int gdb_regs_from_hex(enum gdb_arch arch, struct vcpu_state *st, const char *hex, size_t len)
{
	size_t i, total = gdb_regs_bytes(arch);
	uint8_t bytes[MAX_G_BYTES];
	unsigned regno, n = gdb_reg_count(arch);

	if (n == 0 || total > sizeof(bytes) || len != 2 * total)
		return -1;
	if (rsp_hex_decode(bytes, hex, total) < 0)
		return -1;
	i = 0;
	for (regno = 0; regno < n; regno++) {
		gdb_reg_write(arch, st, regno, bytes + i);
		i += gdb_reg_size(arch, regno);
	}
	return 0;
}

unsigned gdb_reg_pc(enum gdb_arch arch)
{
	const struct gdb_layout *l = gdb_layout(arch);

	return l ? l->pc : 0;
}

unsigned gdb_reg_sp(enum gdb_arch arch)
{
	const struct gdb_layout *l = gdb_layout(arch);

	return l ? l->sp : 0;
}
