/* The dynamic section's facts in one C pass: the twin of what musldetect/_audit/_binary.py
 * reads through the Python ELF reader (_elf_dynamic, _elf_versions, _elf_symbols): the
 * string table, DT_SONAME, DT_NEEDED, DT_RPATH and DT_RUNPATH, the version needs, the
 * dynamic symbols (by md_symbol_pass) and the version each strong import is bound to.
 *
 * It reads a file held in memory in pieces, as an audit holds a wheel member (a read
 * across pieces is joined into a copy, as the Python reader joins it). It answers only
 * where every byte it reads is held and every rule the Python reader checks holds;
 * anywhere else it declines, and the Python reader reads the file and gives its own
 * answer or its own error. Plain C, no Python.h: md_selftest runs it
 * under sanitizers and valgrind. */
#ifndef MD_ELFDYN_H
#define MD_ELFDYN_H

#include <stddef.h>
#include <stdint.h>

#include "md_elfsym.h"

/* Bytes of the file held in memory: `size` of them from file offset `start`. */
struct md_piece {
    const unsigned char *data;
    uint64_t start;
    uint64_t size;
};

/* A PT_LOAD program header, in the file's order: what an address is mapped from. */
struct md_load {
    uint64_t vaddr;
    uint64_t offset;
    uint64_t filesz;
};

struct md_dyn_input {
    const struct md_piece *pieces; /* ordered by start, not overlapping */
    size_t piece_count;
    uint64_t file_size;
    int bits;       /* 32 or 64 */
    int big_endian;
    int wide_hash;  /* DT_HASH of 8-byte words (64-bit s390 and Alpha) */
    const struct md_load *loads;
    size_t load_count;
    uint64_t dynamic_offset, dynamic_filesz, dynamic_memsz; /* the first PT_DYNAMIC */
    const unsigned char *const *prefixes; /* the exports asked for, as md_symbol_pass takes them */
    const size_t *prefix_sizes;
    size_t prefix_count;
};

/* A string of the dynamic string table: `length` bytes at `at` (its NUL not counted). */
struct md_string {
    uint64_t at;
    uint64_t length;
};

struct md_version_need {
    struct md_string library;
    struct md_string name;
    int weak;
    uint16_t index; /* vna_other: the index DT_VERSYM gives the symbols bound to it */
};

/* The first strong import bound to a version index (its place among the strong imports). */
struct md_first_import {
    uint16_t version_index;
    size_t position;
};

struct md_dyn_output {
    const unsigned char *strings; /* the dynamic string table; NULL without one */
    uint64_t strings_size;
    int has_soname;
    struct md_string soname;
    struct md_string *needed, *rpath, *runpath; /* in the file's order */
    size_t needed_count, rpath_count, runpath_count;
    struct md_version_need *versions;
    size_t version_count;
    struct md_symbol *symbols; /* md_symbol_pass's output: undefined from the front, exports from the back */
    size_t symbol_room, undefined_count, exported_count;
    struct md_first_import *firsts; /* in the order the strong imports first name them */
    size_t first_count;
    unsigned char **copies; /* bytes read across pieces, joined: what the pointers above may point into */
    size_t copy_count, copy_room;
};

enum md_dyn_answer {
    MD_DYN_OK = 0,
    MD_DYN_DECLINED = 1, /* the Python reader decides: a read outside the pieces, or a rule broken */
    MD_DYN_NO_MEMORY = 2
};

/* read_at for a held file (the Python reader's rules): `size` bytes at `offset`, NULL where
 * that reader would raise or read again; bytes across pieces are joined into a copy kept
 * in `out` (md_dyn_free releases it). Only `pieces`, `piece_count` and `file_size` of `in`
 * are read. */
const unsigned char *md_held_bytes(const struct md_dyn_input *in, struct md_dyn_output *out, uint64_t offset,
                                   uint64_t size);

/* The pass; on MD_DYN_OK `out` holds the facts (md_dyn_free releases them), otherwise nothing. */
int md_dynamic_pass(const struct md_dyn_input *in, struct md_dyn_output *out);
void md_dyn_free(struct md_dyn_output *out);

#endif
