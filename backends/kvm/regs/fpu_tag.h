/* The x87 tag word in the two forms that meet here: KVM hands out the
 * FXSAVE image, whose tag byte (kvm_fpu.ftwx) keeps one bit per physical
 * register (1 = in use), while gdb's ftag is the full FSAVE tag word with
 * two bits per physical register (00 valid, 01 zero, 10 special, 11 empty). */
#ifndef GDBHUB_KVM_FPU_TAG_H
#define GDBHUB_KVM_FPU_TAG_H

#include <stdint.h>

enum fpu_tag {
	FPU_TAG_VALID = 0,
	FPU_TAG_ZERO = 1,
	FPU_TAG_SPECIAL = 2,
	FPU_TAG_EMPTY = 3,
};

/* The tag the hardware would give an in-use register holding the 80-bit
 * value at reg (10 bytes, little-endian). */
enum fpu_tag fpu_tag_classify(const uint8_t reg[10]);

/* The full tag word from the abridged tag byte. Registers in use are
 * classified by their contents: fpr is the FXSAVE register area, in stack
 * order (fpr[i] is ST(i)), so physical register p is ST((p - TOP) mod 8)
 * with TOP taken from the status word fsw. */
uint16_t fpu_tag_full(uint8_t abridged, uint16_t fsw, const uint8_t fpr[8][16]);

/* The abridged tag byte from a full tag word: only "empty or not"
 * survives, as with FXRSTOR, which derives the rest from the contents. */
uint8_t fpu_tag_abridged(uint16_t full);

#endif
