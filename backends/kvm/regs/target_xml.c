/* The target descriptions gdb reads with qXfer:features:read (see
 * gdb_regs.h). Each is one self-contained target.xml whose <reg> elements
 * appear in the order of layout.c's tables: gdb numbers registers in
 * document order, and that order is also the `g` packet's.
 *
 * gdb requires org.gnu.gdb.i386.core and, for the xmm registers, .sse
 * with its fixed register names. The control registers are not part of any
 * feature gdb knows, so it shows them as plain registers (`info registers
 * cr3`), with the flag names below. fs_base and gs_base go in
 * org.gnu.gdb.i386.segments for x86-64 only: gdb 13 given that feature in
 * an i386 description stops with an internal error (tdesc_use_registers:
 * "arch_regs.size () <= num_regs"), so in i386 they are plain registers of
 * our own feature, same names, same place in the numbering. */
#include "backends/kvm/regs/gdb_regs.h"

#include <string.h>

#define XML_HEAD(arch) \
	"<?xml version=\"1.0\"?>\n" \
	"<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n" \
	"<target version=\"1.0\">\n" \
	"<architecture>" arch "</architecture>\n"

#define XML_TAIL "</target>\n"

/* Bit names from the Intel SDM, vol. 1 3.4.3 (EFLAGS). */
#define EFLAGS_TYPE \
	"<flags id=\"i386_eflags\" size=\"4\">\n" \
	"<field name=\"CF\" start=\"0\" end=\"0\"/>\n" \
	"<field name=\"\" start=\"1\" end=\"1\"/>\n" \
	"<field name=\"PF\" start=\"2\" end=\"2\"/>\n" \
	"<field name=\"AF\" start=\"4\" end=\"4\"/>\n" \
	"<field name=\"ZF\" start=\"6\" end=\"6\"/>\n" \
	"<field name=\"SF\" start=\"7\" end=\"7\"/>\n" \
	"<field name=\"TF\" start=\"8\" end=\"8\"/>\n" \
	"<field name=\"IF\" start=\"9\" end=\"9\"/>\n" \
	"<field name=\"DF\" start=\"10\" end=\"10\"/>\n" \
	"<field name=\"OF\" start=\"11\" end=\"11\"/>\n" \
	"<field name=\"NT\" start=\"14\" end=\"14\"/>\n" \
	"<field name=\"RF\" start=\"16\" end=\"16\"/>\n" \
	"<field name=\"VM\" start=\"17\" end=\"17\"/>\n" \
	"<field name=\"AC\" start=\"18\" end=\"18\"/>\n" \
	"<field name=\"VIF\" start=\"19\" end=\"19\"/>\n" \
	"<field name=\"VIP\" start=\"20\" end=\"20\"/>\n" \
	"<field name=\"ID\" start=\"21\" end=\"21\"/>\n" \
	"</flags>\n"

#define REG(name, bits, type) \
	"<reg name=\"" name "\" bitsize=\"" #bits "\" type=\"" type "\"/>\n"
#define FPREG(name) \
	"<reg name=\"" name "\" bitsize=\"32\" type=\"int\" group=\"float\"/>\n"

#define SEGMENT_REGS \
	REG("cs", 32, "int32") REG("ss", 32, "int32") \
	REG("ds", 32, "int32") REG("es", 32, "int32") \
	REG("fs", 32, "int32") REG("gs", 32, "int32")

#define X87_REGS \
	REG("st0", 80, "i387_ext") REG("st1", 80, "i387_ext") \
	REG("st2", 80, "i387_ext") REG("st3", 80, "i387_ext") \
	REG("st4", 80, "i387_ext") REG("st5", 80, "i387_ext") \
	REG("st6", 80, "i387_ext") REG("st7", 80, "i387_ext") \
	FPREG("fctrl") FPREG("fstat") FPREG("ftag") FPREG("fiseg") \
	FPREG("fioff") FPREG("foseg") FPREG("fooff") FPREG("fop")

/* The views gdb offers of an xmm register ($xmm0.v4_float ...). */
#define SSE_TYPES \
	"<vector id=\"v4f\" type=\"ieee_single\" count=\"4\"/>\n" \
	"<vector id=\"v2d\" type=\"ieee_double\" count=\"2\"/>\n" \
	"<vector id=\"v16i8\" type=\"int8\" count=\"16\"/>\n" \
	"<vector id=\"v8i16\" type=\"int16\" count=\"8\"/>\n" \
	"<vector id=\"v4i32\" type=\"int32\" count=\"4\"/>\n" \
	"<vector id=\"v2i64\" type=\"int64\" count=\"2\"/>\n" \
	"<union id=\"vec128\">\n" \
	"<field name=\"v4_float\" type=\"v4f\"/>\n" \
	"<field name=\"v2_double\" type=\"v2d\"/>\n" \
	"<field name=\"v16_int8\" type=\"v16i8\"/>\n" \
	"<field name=\"v8_int16\" type=\"v8i16\"/>\n" \
	"<field name=\"v4_int32\" type=\"v4i32\"/>\n" \
	"<field name=\"v2_int64\" type=\"v2i64\"/>\n" \
	"<field name=\"uint128\" type=\"uint128\"/>\n" \
	"</union>\n" \
	"<flags id=\"i386_mxcsr\" size=\"4\">\n" \
	"<field name=\"IE\" start=\"0\" end=\"0\"/>\n" \
	"<field name=\"DE\" start=\"1\" end=\"1\"/>\n" \
	"<field name=\"ZE\" start=\"2\" end=\"2\"/>\n" \
	"<field name=\"OE\" start=\"3\" end=\"3\"/>\n" \
	"<field name=\"UE\" start=\"4\" end=\"4\"/>\n" \
	"<field name=\"PE\" start=\"5\" end=\"5\"/>\n" \
	"<field name=\"DAZ\" start=\"6\" end=\"6\"/>\n" \
	"<field name=\"IM\" start=\"7\" end=\"7\"/>\n" \
	"<field name=\"DM\" start=\"8\" end=\"8\"/>\n" \
	"<field name=\"ZM\" start=\"9\" end=\"9\"/>\n" \
	"<field name=\"OM\" start=\"10\" end=\"10\"/>\n" \
	"<field name=\"UM\" start=\"11\" end=\"11\"/>\n" \
	"<field name=\"PM\" start=\"12\" end=\"12\"/>\n" \
	"<field name=\"FZ\" start=\"15\" end=\"15\"/>\n" \
	"</flags>\n"

#define XMM(name) REG(name, 128, "vec128")
#define XMM0_7_REGS \
	XMM("xmm0") XMM("xmm1") XMM("xmm2") XMM("xmm3") \
	XMM("xmm4") XMM("xmm5") XMM("xmm6") XMM("xmm7")
#define XMM8_15_REGS \
	XMM("xmm8") XMM("xmm9") XMM("xmm10") XMM("xmm11") \
	XMM("xmm12") XMM("xmm13") XMM("xmm14") XMM("xmm15")
#define MXCSR_REG \
	"<reg name=\"mxcsr\" bitsize=\"32\" type=\"i386_mxcsr\" group=\"vector\"/>\n"

#define SEGMENT_BASE_REGS(bits) \
	REG("fs_base", bits, "int") REG("gs_base", bits, "int")

/* Control register bits from the Intel SDM, vol. 3 2.5 and 2.2.1 (EFER);
 * size is the register's width in bytes. */
#define SYSTEM_TYPES(size) \
	"<flags id=\"x86_cr0\" size=\"" #size "\">\n" \
	"<field name=\"PE\" start=\"0\" end=\"0\"/>\n" \
	"<field name=\"MP\" start=\"1\" end=\"1\"/>\n" \
	"<field name=\"EM\" start=\"2\" end=\"2\"/>\n" \
	"<field name=\"TS\" start=\"3\" end=\"3\"/>\n" \
	"<field name=\"ET\" start=\"4\" end=\"4\"/>\n" \
	"<field name=\"NE\" start=\"5\" end=\"5\"/>\n" \
	"<field name=\"WP\" start=\"16\" end=\"16\"/>\n" \
	"<field name=\"AM\" start=\"18\" end=\"18\"/>\n" \
	"<field name=\"NW\" start=\"29\" end=\"29\"/>\n" \
	"<field name=\"CD\" start=\"30\" end=\"30\"/>\n" \
	"<field name=\"PG\" start=\"31\" end=\"31\"/>\n" \
	"</flags>\n" \
	"<flags id=\"x86_cr4\" size=\"" #size "\">\n" \
	"<field name=\"VME\" start=\"0\" end=\"0\"/>\n" \
	"<field name=\"PVI\" start=\"1\" end=\"1\"/>\n" \
	"<field name=\"TSD\" start=\"2\" end=\"2\"/>\n" \
	"<field name=\"DE\" start=\"3\" end=\"3\"/>\n" \
	"<field name=\"PSE\" start=\"4\" end=\"4\"/>\n" \
	"<field name=\"PAE\" start=\"5\" end=\"5\"/>\n" \
	"<field name=\"MCE\" start=\"6\" end=\"6\"/>\n" \
	"<field name=\"PGE\" start=\"7\" end=\"7\"/>\n" \
	"<field name=\"PCE\" start=\"8\" end=\"8\"/>\n" \
	"<field name=\"OSFXSR\" start=\"9\" end=\"9\"/>\n" \
	"<field name=\"OSXMMEXCPT\" start=\"10\" end=\"10\"/>\n" \
	"<field name=\"UMIP\" start=\"11\" end=\"11\"/>\n" \
	"<field name=\"LA57\" start=\"12\" end=\"12\"/>\n" \
	"<field name=\"VMXE\" start=\"13\" end=\"13\"/>\n" \
	"<field name=\"SMXE\" start=\"14\" end=\"14\"/>\n" \
	"<field name=\"FSGSBASE\" start=\"16\" end=\"16\"/>\n" \
	"<field name=\"PCIDE\" start=\"17\" end=\"17\"/>\n" \
	"<field name=\"OSXSAVE\" start=\"18\" end=\"18\"/>\n" \
	"<field name=\"SMEP\" start=\"20\" end=\"20\"/>\n" \
	"<field name=\"SMAP\" start=\"21\" end=\"21\"/>\n" \
	"<field name=\"PKE\" start=\"22\" end=\"22\"/>\n" \
	"</flags>\n" \
	"<flags id=\"x86_efer\" size=\"" #size "\">\n" \
	"<field name=\"SCE\" start=\"0\" end=\"0\"/>\n" \
	"<field name=\"LME\" start=\"8\" end=\"8\"/>\n" \
	"<field name=\"LMA\" start=\"10\" end=\"10\"/>\n" \
	"<field name=\"NXE\" start=\"11\" end=\"11\"/>\n" \
	"<field name=\"SVME\" start=\"12\" end=\"12\"/>\n" \
	"<field name=\"FFXSR\" start=\"14\" end=\"14\"/>\n" \
	"</flags>\n"

#define SYSTEM_FEATURE_START(size) \
	"<feature name=\"org.gdbhub.x86.system\">\n" \
	SYSTEM_TYPES(size)

#define CONTROL_REGS(bits) \
	REG("cr0", bits, "x86_cr0") REG("cr2", bits, "data_ptr") \
	REG("cr3", bits, "uint" #bits) REG("cr4", bits, "x86_cr4") \
	REG("efer", bits, "x86_efer")

static const char i386_xml[] =
	XML_HEAD("i386")
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	EFLAGS_TYPE
	REG("eax", 32, "int32") REG("ecx", 32, "int32")
	REG("edx", 32, "int32") REG("ebx", 32, "int32")
	REG("esp", 32, "data_ptr") REG("ebp", 32, "data_ptr")
	REG("esi", 32, "int32") REG("edi", 32, "int32")
	REG("eip", 32, "code_ptr") REG("eflags", 32, "i386_eflags")
	SEGMENT_REGS
	X87_REGS
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.sse\">\n"
	SSE_TYPES
	XMM0_7_REGS
	MXCSR_REG
	"</feature>\n"
	SYSTEM_FEATURE_START(4)
	SEGMENT_BASE_REGS(32)
	CONTROL_REGS(32)
	"</feature>\n"
	XML_TAIL;

static const char x86_64_xml[] =
	XML_HEAD("i386:x86-64")
	"<feature name=\"org.gnu.gdb.i386.core\">\n"
	EFLAGS_TYPE
	REG("rax", 64, "int64") REG("rbx", 64, "int64")
	REG("rcx", 64, "int64") REG("rdx", 64, "int64")
	REG("rsi", 64, "int64") REG("rdi", 64, "int64")
	REG("rbp", 64, "data_ptr") REG("rsp", 64, "data_ptr")
	REG("r8", 64, "int64") REG("r9", 64, "int64")
	REG("r10", 64, "int64") REG("r11", 64, "int64")
	REG("r12", 64, "int64") REG("r13", 64, "int64")
	REG("r14", 64, "int64") REG("r15", 64, "int64")
	REG("rip", 64, "code_ptr") REG("eflags", 32, "i386_eflags")
	SEGMENT_REGS
	X87_REGS
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.sse\">\n"
	SSE_TYPES
	XMM0_7_REGS XMM8_15_REGS
	MXCSR_REG
	"</feature>\n"
	"<feature name=\"org.gnu.gdb.i386.segments\">\n"
	SEGMENT_BASE_REGS(64)
	"</feature>\n"
	SYSTEM_FEATURE_START(8)
	CONTROL_REGS(64)
	"</feature>\n"
	XML_TAIL;

const char *gdb_target_xml(enum gdb_arch arch, const char *annex)
{
	if (!annex || strcmp(annex, "target.xml") != 0)
		return NULL;
	switch (arch) {
	case GDB_ARCH_I386:
		return i386_xml;
	case GDB_ARCH_X86_64:
		return x86_64_xml;
	}
	return NULL;
}
