/* x87 tag word conversions (see fpu_tag.h). */
#include "backends/kvm/regs/fpu_tag.h"

#define EXP_MASK 0x7fff
#define INTEGER_BIT (1ull << 63)

/* Follows the FSAVE rules: all-ones exponent is NaN or infinity, zero
 * exponent is zero or denormal, and any other exponent needs the explicit
 * integer bit (without it the value is an unnormal, also "special"). */
enum fpu_tag fpu_tag_classify(const uint8_t reg[10])
{
	uint64_t mantissa = 0;
	unsigned exponent = (unsigned)(reg[8] | reg[9] << 8) & EXP_MASK;
	int i;

	for (i = 7; i >= 0; i--)
		mantissa = mantissa << 8 | reg[i];
	if (exponent == EXP_MASK)
		return FPU_TAG_SPECIAL;
	if (exponent == 0)
		return mantissa == 0 ? FPU_TAG_ZERO : FPU_TAG_SPECIAL;
	return (mantissa & INTEGER_BIT) ? FPU_TAG_VALID : FPU_TAG_SPECIAL;
}

/* Two bits per physical register, register 0 in the low bits. */
uint16_t fpu_tag_full(uint8_t abridged, uint16_t fsw, const uint8_t fpr[8][16])
{
	unsigned top = (fsw >> 11) & 7;
	uint16_t full = 0;
	unsigned phys;

	for (phys = 0; phys < 8; phys++) {
		enum fpu_tag tag = FPU_TAG_EMPTY;

		if (abridged & (1u << phys))
			tag = fpu_tag_classify(fpr[(phys - top) & 7]);
		full |= (uint16_t)(tag << (2 * phys));
	}
	return full;
}

/* Bit p set unless physical register p is tagged empty. */
uint8_t fpu_tag_abridged(uint16_t full)
{
	uint8_t abridged = 0;
	unsigned phys;

	for (phys = 0; phys < 8; phys++)
		if (((full >> (2 * phys)) & 3) != FPU_TAG_EMPTY)
			abridged |= (uint8_t)(1u << phys);
	return abridged;
}
