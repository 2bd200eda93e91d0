/* An ELF file's header, program headers, PT_INTERP, PT_GNU_STACK, GNU property note and
 * the section table's debug-info mark in one C pass: the twin of what
 * musldetect/_audit/_binary.py reads through the Python ELF reader (_elf.py, _elf_header.py,
 * _elf_notes.py) before the dynamic section, so an audit's held binary needs no Python
 * ELFFile. Like md_dynamic_pass it answers only where every rule the Python reader checks
 * holds and every byte it reads is held; anywhere else it declines, and the Python reader
 * gives its own answer or error. It also declines what the facts take from elsewhere: a
 * file with no PT_DYNAMIC (a static program's marks), one no loader maps (not ET_EXEC or
 * ET_DYN, or a debug-info file), PN_XNUM program headers. Plain C, no Python.h. */
#ifndef MD_ELFHEAD_H
#define MD_ELFHEAD_H

#include <stddef.h>
#include <stdint.h>

#include "md_elfdyn.h"

/* At most this many GNU properties are kept; a note with more is the Python reader's. */
#define MD_MAX_PROPERTIES 64

struct md_property {
    uint32_t type;
    uint32_t value;
};

struct md_head {
    int bits;       /* 32 or 64 */
    int big_endian;
    uint16_t type, machine;
    uint32_t flags; /* e_flags */
    const unsigned char *interp; /* PT_INTERP's path up to its NUL; NULL without one */
    size_t interp_length;
    int64_t stack_flags;         /* p_flags of the first PT_GNU_STACK; -1 without one */
    struct md_property properties[MD_MAX_PROPERTIES]; /* the first GNU property note's 4-byte ones, in order */
    size_t property_count;
    struct md_load *loads; /* every PT_LOAD, in the file's order */
    size_t load_count;
    uint64_t dynamic_offset, dynamic_filesz, dynamic_memsz; /* the first PT_DYNAMIC */
    struct md_dyn_output reads; /* the copies of bytes read across pieces (`interp` may point into one) */
};

/* The pass over `in`'s pieces and file size (its other fields are not read); on MD_DYN_OK
 * `head` holds the facts (md_head_free releases them), otherwise nothing. */
int md_elf_head(const struct md_dyn_input *in, struct md_head *head);
void md_head_free(struct md_head *head);

#endif
