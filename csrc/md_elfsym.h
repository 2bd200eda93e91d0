/* The dynamic symbol table's one pass, in C: the twin of musldetect/_elf_symbols.py's
 * column reading (undefined symbols, and the exports a caller asks for by prefix).
 * Plain C, no Python.h, so md_selftest runs it under sanitizers and valgrind. */
#ifndef MD_ELFSYM_H
#define MD_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

/* One symbol named by the pass: its index in .dynsym, where its name starts in the string
 * table and how long it is (up to its NUL), and whether it binds weakly. */
struct md_symbol {
    uint32_t index;
    uint32_t name_at;
    uint32_t name_length;
    unsigned char weak;
};

struct md_symbol_input {
    const unsigned char *table; /* .dynsym: count entries of entry_size bytes */
    size_t table_size;
    size_t entry_size;          /* 16 (ELF32) or 24 (ELF64) */
    int big_endian;
    const unsigned char *strings; /* the dynamic string table */
    size_t strings_size;
    int with_prefixes;          /* 0: every export is named; 1: only those starting with a prefix */
    const unsigned char *const *prefixes;
    const size_t *prefix_sizes;
    size_t prefix_count;
};

enum md_symbol_answer {
    MD_SYMBOLS_OK = 0,
    MD_SYMBOLS_DECLINED = 1, /* the names overlap past the budget: the Python reader refuses the file */
    MD_SYMBOLS_BAD_INPUT = 2 /* an entry size or a table no reader passes: a caller's error */
};

/* One pass over the table, into out[] (room for table_size / entry_size symbols: a symbol
 * is undefined, exported or neither): the undefined symbols that name something from the
 * front, in .dynsym order, and the exports from the back (out[room - 1] is the first), with
 * their counts. The bytes searched for names are counted as the Python reader counts them;
 * past its budget the answer is MD_SYMBOLS_DECLINED and nothing else is meant. */
int md_symbol_pass(const struct md_symbol_input *in, struct md_symbol *out, size_t *undefined_count,
                   size_t *exported_count);

#endif
