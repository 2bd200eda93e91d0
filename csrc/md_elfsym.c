/* The dynamic symbol table's one pass (see md_elfsym.h). Every rule here is the Python
 * reader's (musldetect/_elf_symbols.py: _Columns, _undefined_columns, _exports_named,
 * _Strings), and tests/test_elf_twins.py holds the two to the same answers on every real
 * binary at hand and on altered copies of them. */
#include "md_elfsym.h"

#include <string.h>

#define STB_GLOBAL 1
#define STB_WEAK 2

static uint32_t word_at(const unsigned char *at, int big_endian)
{
    if (big_endian) return (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3];
    return (uint32_t)at[3] << 24 | (uint32_t)at[2] << 16 | (uint32_t)at[1] << 8 | at[0];
}

/* The names read so far and the bytes their searches cost, against the Python reader's
 * budget: four times the table and 1 MiB (_Strings). */
struct name_reader {
    const unsigned char *strings;
    size_t size;
    size_t searched;
    size_t budget;
};

/* The name at `at` (0 < at < size): its length up to the NUL, or -1 when no NUL follows
 * it (no name). Both are charged as the Python reader charges them. */
static long name_length(struct name_reader *names, size_t at)
{
    const unsigned char *end = memchr(names->strings + at, 0, names->size - at);
    size_t searched = end ? (size_t)(end - (names->strings + at)) : names->size - at;
    names->searched += searched;
    return end ? (long)searched : -1;
}

static int starts_with_a_prefix(const struct md_symbol_input *in, size_t at)
{
    for (size_t i = 0; i < in->prefix_count; i++) {
        size_t length = in->prefix_sizes[i];
        if (length <= in->strings_size - at && memcmp(in->strings + at, in->prefixes[i], length) == 0) return 1;
    }
    return 0;
}

/* A symbol whose name lies inside the table and ends in a NUL, kept when the name is not empty. */
static int keep(struct name_reader *names, uint32_t index, uint32_t at, unsigned char info, struct md_symbol *out)
{
    long length = name_length(names, at);
    if (length <= 0) return 0;
    out->index = index;
    out->name_at = at;
    out->name_length = (uint32_t)length;
    out->weak = (unsigned char)((info >> 4) == STB_WEAK);
    return 1;
}

int md_symbol_pass(const struct md_symbol_input *in, struct md_symbol *out, size_t *undefined_count,
                   size_t *exported_count)
{
    size_t shndx_at, info_at;
    if (in->entry_size == 16) {
        shndx_at = 14;
        info_at = 12;
    } else if (in->entry_size == 24) {
        shndx_at = 6;
        info_at = 4;
    } else {
        return MD_SYMBOLS_BAD_INPUT;
    }
    if ((uint64_t)in->strings_size > 0xFFFFFFFFu || (uint64_t)(in->table_size / in->entry_size) > 0xFFFFFFFFu)
        return MD_SYMBOLS_BAD_INPUT;
    struct name_reader names = {in->strings, in->strings_size, 0, 4 * in->strings_size + (1u << 20)};
    size_t count = in->table_size / in->entry_size;
    *undefined_count = *exported_count = 0;
    for (size_t i = 0; i < count; i++) {
        const unsigned char *entry = in->table + i * in->entry_size;
        uint32_t at = word_at(entry, in->big_endian);
        int defined = entry[shndx_at] | entry[shndx_at + 1];
        unsigned char info = entry[info_at];
        if (at == 0 || at >= in->strings_size) continue; /* no name inside the table: nothing bound, nothing exported */
        if (!defined) {
            *undefined_count += (size_t)keep(&names, (uint32_t)i, at, info, out + *undefined_count);
        } else if (((info >> 4) == STB_GLOBAL || (info >> 4) == STB_WEAK) &&
                   (!in->with_prefixes || starts_with_a_prefix(in, at))) {
            *exported_count += (size_t)keep(&names, (uint32_t)i, at, info, out + count - 1 - *exported_count);
        }
        if (names.searched > names.budget) return MD_SYMBOLS_DECLINED;
    }
    return MD_SYMBOLS_OK;
}
