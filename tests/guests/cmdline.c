/* Multiboot command line lookup (see cmdline.h). */
#include "cmdline.h"

#define MBI_FLAG_CMDLINE (1u << 2)

struct mbi_head {
	uint32_t flags;
	uint32_t mem_lower, mem_upper;
	uint32_t boot_device;
	uint32_t cmdline;	/* physical address of a C string */
};

const char *cmdline_get(uint32_t mbi)
{
	const struct mbi_head *info = (const struct mbi_head *)mbi;

	if (!info || !(info->flags & MBI_FLAG_CMDLINE) || !info->cmdline)
		return "";
	return (const char *)info->cmdline;
}

/* If word (up to a space or the end) is "key=...", the part after '='. */
static const char *value_of(const char *word, const char *key)
{
	while (*key && *word == *key) {
		word++;
		key++;
	}
	return !*key && *word == '=' ? word + 1 : 0;
}

static unsigned parse_uint(const char *s, unsigned bad)
{
	unsigned v = 0;

	if (*s == ' ' || !*s)
		return bad;
	for (; *s && *s != ' '; s++) {
		if (*s < '0' || *s > '9' || v > (~0u - 9) / 10)
			return bad;
		v = v * 10 + (unsigned)(*s - '0');
	}
	return v;
}

unsigned cmdline_uint(const char *cmdline, const char *key, unsigned absent,
		      unsigned bad)
{
	const char *s = cmdline;

	while (*s) {
		const char *value = value_of(s, key);

		if (value)
			return parse_uint(value, bad);
		while (*s && *s != ' ')
			s++;
		while (*s == ' ')
			s++;
	}
	return absent;
}
