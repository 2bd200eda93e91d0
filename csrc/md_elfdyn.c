/* The dynamic section's facts in one pass (see md_elfdyn.h). Every rule is the Python
 * reader's, named beside it: _elf.py (read_at, vaddr_to_offset), _elf_dynamic.py
 * (parse_dynamic, DynamicSection.strings and .string), _elf_versions.py (_table, _walk,
 * symbol_version_indexes), _elf_symbols.py (symbol_count, symbol_columns) and
 * _audit/_binary.py (_symbol_of_version). tests/test_elf_twins.py holds the two to the
 * same facts on every real binary at hand and on altered copies of them; where a rule
 * would make the Python reader raise, this pass declines instead of answering. */
#include "md_elfdyn.h"

#include <stdlib.h>
#include <string.h>

#define DT_NULL 0
#define DT_NEEDED 1
#define DT_HASH 4
#define DT_STRTAB 5
#define DT_SYMTAB 6
#define DT_STRSZ 10
#define DT_SYMENT 11
#define DT_SONAME 14
#define DT_RPATH 15
#define DT_RUNPATH 29
#define DT_GNU_HASH 0x6FFFFEF5u
#define DT_VERSYM 0x6FFFFFF0u
#define DT_VERNEED 0x6FFFFFFEu
#define DT_VERNEEDNUM 0x6FFFFFFFu

#define MAX_READ ((uint64_t)64 << 20)     /* _elf.MAX_READ */
#define MAX_VERNEED 4096                  /* _elf_versions.MAX_VERNEED */
#define MAX_HASH_WORDS ((uint64_t)16 << 20) /* _elf_symbols.MAX_HASH_WORDS */
#define STRING_PAGE 4096                  /* _elf_dynamic._STRING_PAGE */
#define MAX_STRING (16 * STRING_PAGE)     /* _elf_dynamic._MAX_STRING */
#define VER_FLG_WEAK 0x2
#define VERSYM_INDEX 0x7FFF               /* the hidden bit cleared */

/* The single-valued tags the facts need: each one's first value (values[tag][0]). */
enum { T_HASH, T_STRTAB, T_SYMTAB, T_STRSZ, T_SYMENT, T_SONAME, T_GNU_HASH, T_VERSYM, T_VERNEED, T_VERNEEDNUM, T_COUNT };

struct dynamic {
    int has[T_COUNT];
    uint64_t first[T_COUNT];
};

static uint64_t number(const unsigned char *at, int width, int big_endian)
{
    uint64_t value = 0;
    for (int i = 0; i < width; i++) value = value << 8 | at[big_endian ? i : width - 1 - i];
    return value;
}

/* `size` bytes at `offset` from piece `index` on, which must follow one another without a
 * hole, copied into a block the output keeps (NULL when a byte is not held). */
static const unsigned char *joined(const struct md_dyn_input *in, struct md_dyn_output *out, size_t index,
                                   uint64_t offset, uint64_t size)
{
    if (out->copy_count == out->copy_room) {
        size_t room = out->copy_room ? 2 * out->copy_room : 8;
        unsigned char **grown = realloc(out->copies, room * sizeof *grown);
        if (!grown) return NULL;
        out->copies = grown;
        out->copy_room = room;
    }
    unsigned char *copy = malloc((size_t)size);
    if (!copy) return NULL;
    uint64_t copied = 0;
    while (copied < size) {
        const struct md_piece *piece = index < in->piece_count ? &in->pieces[index] : NULL;
        if (!piece || piece->start > offset + copied || offset + copied - piece->start >= piece->size) {
            free(copy);
            return NULL;
        }
        uint64_t from = offset + copied - piece->start, take = piece->size - from;
        if (take > size - copied) take = size - copied;
        memcpy(copy + copied, piece->data + from, (size_t)take);
        copied += take;
        index++;
    }
    out->copies[out->copy_count++] = copy;
    return copy;
}

/* read_at for a held file: `size` bytes at `offset`; NULL where the Python reader would
 * raise (past the end, past MAX_READ) or read again (a byte not held: a member held
 * sparsely streams again). Bytes that run across pieces are copied into one block, kept
 * with the output (the Python reader joins them the same way). */
const unsigned char *md_held_bytes(const struct md_dyn_input *in, struct md_dyn_output *out, uint64_t offset,
                                   uint64_t size)
{
    if (offset > in->file_size || size > in->file_size - offset || size > MAX_READ) return NULL;
    if (size == 0) return (const unsigned char *)""; /* read_at gives b"" for these */
    size_t low = 0, high = in->piece_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        if (in->pieces[middle].start <= offset) low = middle + 1;
        else high = middle;
    }
    if (low == 0) return NULL;
    const struct md_piece *piece = &in->pieces[low - 1];
    uint64_t at = offset - piece->start;
    if (at >= piece->size) return NULL; /* in a hole, or past the last piece */
    if (size <= piece->size - at) return piece->data + at;
    return joined(in, out, low - 1, offset, size);
}

/* vaddr_to_offset: the first PT_LOAD whose file data holds [vaddr, vaddr + size). */
static int file_offset(const struct md_dyn_input *in, uint64_t vaddr, uint64_t size, uint64_t *offset)
{
    for (size_t i = 0; i < in->load_count; i++) {
        const struct md_load *load = &in->loads[i];
        if (load->vaddr > vaddr) continue;
        uint64_t into = vaddr - load->vaddr;
        if (into > load->filesz || size > load->filesz - into) continue;
        if (load->offset > UINT64_MAX - into) return -1; /* past any file: read_at refuses it */
        *offset = load->offset + into;
        return 0;
    }
    return -1;
}

static const unsigned char *held_at_address(const struct md_dyn_input *in, struct md_dyn_output *out, uint64_t vaddr,
                                            uint64_t size)
{
    uint64_t offset;
    return file_offset(in, vaddr, size, &offset) == 0 ? md_held_bytes(in, out, offset, size) : NULL;
}

static int tag_slot(uint64_t tag)
{
    switch (tag) {
    case DT_HASH: return T_HASH;
    case DT_STRTAB: return T_STRTAB;
    case DT_SYMTAB: return T_SYMTAB;
    case DT_STRSZ: return T_STRSZ;
    case DT_SYMENT: return T_SYMENT;
    case DT_SONAME: return T_SONAME;
    case DT_GNU_HASH: return T_GNU_HASH;
    case DT_VERSYM: return T_VERSYM;
    case DT_VERNEED: return T_VERNEED;
    case DT_VERNEEDNUM: return T_VERNEEDNUM;
    default: return -1;
    }
}

/* growable arrays of strings (DT_NEEDED, DT_RPATH, DT_RUNPATH) */
static int push_string(struct md_string **list, size_t *count, size_t room, struct md_string value)
{
    if (!*list) {
        *list = malloc(room * sizeof **list);
        if (!*list) return -1;
    }
    (*list)[(*count)++] = value;
    return 0;
}

/* DynamicSection.string: the NUL-terminated string at `index`, looked for within 64 KiB of its page. */
static int string_at(const struct md_dyn_output *out, uint64_t index, struct md_string *found)
{
    if (!out->strings || index >= out->strings_size) return -1;
    uint64_t end = index - index % STRING_PAGE + MAX_STRING;
    if (end > out->strings_size) end = out->strings_size;
    const unsigned char *nul = memchr(out->strings + index, 0, (size_t)(end - index));
    if (!nul) return -1;
    found->at = index;
    found->length = (uint64_t)(nul - (out->strings + index));
    return 0;
}

/* PT_DYNAMIC's entries up to DT_NULL (parse_dynamic, dynamic_table): the first value of
 * the tags above, and every DT_NEEDED, DT_RPATH and DT_RUNPATH string index in order,
 * kept in `indexes` as (tag, value) pairs. */
static int read_dynamic(const struct md_dyn_input *in, struct md_dyn_output *out, struct dynamic *dyn, uint64_t **pairs,
                        size_t *pair_count)
{
    if (in->dynamic_filesz > in->dynamic_memsz) return MD_DYN_DECLINED; /* segment_bytes raises */
    const unsigned char *data = md_held_bytes(in, out, in->dynamic_offset, in->dynamic_filesz);
    if (!data) return MD_DYN_DECLINED;
    int width = in->bits == 32 ? 4 : 8;
    size_t count = (size_t)(in->dynamic_filesz / (uint64_t)(2 * width));
    memset(dyn, 0, sizeof *dyn);
    *pairs = malloc((count ? count : 1) * 2 * sizeof **pairs);
    if (!*pairs) return MD_DYN_NO_MEMORY;
    *pair_count = 0;
    for (size_t i = 0; i < count; i++) {
        uint64_t tag = number(data + i * 2 * (size_t)width, width, in->big_endian);
        uint64_t value = number(data + i * 2 * (size_t)width + (size_t)width, width, in->big_endian);
        if (tag == DT_NULL) break;
        int slot = tag_slot(tag);
        if (slot >= 0 && !dyn->has[slot]) {
            dyn->has[slot] = 1;
            dyn->first[slot] = value;
        } else if (tag == DT_NEEDED || tag == DT_RPATH || tag == DT_RUNPATH) {
            (*pairs)[2 * *pair_count] = tag;
            (*pairs)[2 * *pair_count + 1] = value;
            (*pair_count)++;
        }
    }
    return MD_DYN_OK;
}

/* DynamicSection.strings: the whole table, when DT_STRTAB and DT_STRSZ are both there. */
static int read_strings(const struct md_dyn_input *in, const struct dynamic *dyn, struct md_dyn_output *out)
{
    if (!dyn->has[T_STRTAB] || !dyn->has[T_STRSZ]) return MD_DYN_OK; /* no table: None */
    out->strings = held_at_address(in, out, dyn->first[T_STRTAB], dyn->first[T_STRSZ]);
    out->strings_size = dyn->first[T_STRSZ];
    return out->strings ? MD_DYN_OK : MD_DYN_DECLINED;
}

/* dynamic_names and search_paths: the strings each DT_NEEDED, DT_RPATH, DT_RUNPATH names. */
static int read_names(const struct dynamic *dyn, const uint64_t *pairs, size_t pair_count, struct md_dyn_output *out)
{
    if (dyn->has[T_SONAME]) {
        if (string_at(out, dyn->first[T_SONAME], &out->soname) < 0) return MD_DYN_DECLINED;
        out->has_soname = 1;
    }
    for (size_t i = 0; i < pair_count; i++) {
        struct md_string found;
        if (string_at(out, pairs[2 * i + 1], &found) < 0) return MD_DYN_DECLINED;
        int failed = pairs[2 * i] == DT_NEEDED  ? push_string(&out->needed, &out->needed_count, pair_count, found)
                     : pairs[2 * i] == DT_RPATH ? push_string(&out->rpath, &out->rpath_count, pair_count, found)
                                                : push_string(&out->runpath, &out->runpath_count, pair_count, found);
        if (failed) return MD_DYN_NO_MEMORY;
    }
    return MD_DYN_OK;
}

/* _walk: every Elf_Vernaux with its Elf_Verneed's file, in the file's order. */
static int read_versions(const struct md_dyn_input *in, const struct dynamic *dyn, struct md_dyn_output *out)
{
    if (!dyn->has[T_VERNEED] || !dyn->has[T_VERNEEDNUM]) return MD_DYN_OK;
    uint64_t count = dyn->first[T_VERNEEDNUM], at;
    if (count > MAX_VERNEED || file_offset(in, dyn->first[T_VERNEED], 16, &at) < 0) return MD_DYN_DECLINED;
    out->versions = malloc(MAX_VERNEED * sizeof *out->versions);
    if (!out->versions) return MD_DYN_NO_MEMORY;
    int b = in->big_endian;
    for (uint64_t entry = 0; entry < count; entry++) {
        const unsigned char *need = md_held_bytes(in, out, at, 16);
        struct md_string library;
        if (!need || string_at(out, number(need + 4, 4, b), &library) < 0) return MD_DYN_DECLINED;
        uint64_t aux_count = number(need + 2, 2, b), aux_at = at + number(need + 8, 4, b);
        for (uint64_t aux = 0; aux < aux_count; aux++) {
            if (out->version_count >= MAX_VERNEED) return MD_DYN_DECLINED; /* walked past MAX_VERNEED */
            const unsigned char *entry_at = md_held_bytes(in, out, aux_at, 16);
            struct md_version_need *found = &out->versions[out->version_count];
            if (!entry_at || string_at(out, number(entry_at + 8, 4, b), &found->name) < 0) return MD_DYN_DECLINED;
            found->library = library;
            found->weak = (number(entry_at + 4, 2, b) & VER_FLG_WEAK) != 0;
            found->index = (uint16_t)number(entry_at + 6, 2, b);
            out->version_count++;
            uint64_t next = number(entry_at + 12, 4, b);
            if (next == 0) break;
            aux_at += next;
        }
        uint64_t next = number(need + 12, 4, b);
        if (next == 0) break;
        at += next;
    }
    return MD_DYN_OK;
}

/* symbol_count: DT_HASH's nchain, else the end of DT_GNU_HASH's last chain. */
static int symbol_count(const struct md_dyn_input *in, struct md_dyn_output *out, const struct dynamic *dyn,
                        uint64_t *count)
{
    int b = in->big_endian;
    if (dyn->has[T_HASH]) {
        int width = in->wide_hash ? 8 : 4;
        const unsigned char *header = held_at_address(in, out, dyn->first[T_HASH], (uint64_t)(2 * width));
        if (!header) return MD_DYN_DECLINED;
        *count = number(header + width, width, b);
        return MD_DYN_OK;
    }
    *count = 0;
    if (!dyn->has[T_GNU_HASH]) return MD_DYN_OK;
    uint64_t at;
    if (file_offset(in, dyn->first[T_GNU_HASH], 16, &at) < 0) return MD_DYN_DECLINED;
    const unsigned char *header = md_held_bytes(in, out, at, 16);
    if (!header) return MD_DYN_DECLINED;
    uint64_t buckets = number(header, 4, b), first_hashed = number(header + 4, 4, b);
    uint64_t bloom = number(header + 8, 4, b);
    if (buckets > MAX_HASH_WORDS || bloom > MAX_HASH_WORDS / 2) return MD_DYN_DECLINED;
    at += 16 + bloom * (uint64_t)(in->bits / 8);
    const unsigned char *bucket = md_held_bytes(in, out, at, 4 * buckets);
    if (!bucket) return MD_DYN_DECLINED;
    uint64_t last = 0;
    for (uint64_t i = 0; i < buckets; i++) {
        uint64_t value = number(bucket + 4 * i, 4, b);
        if (value > last) last = value;
    }
    if (last < first_hashed) {
        *count = first_hashed;
        return MD_DYN_OK;
    }
    uint64_t chain_at = at + 4 * buckets + 4 * (last - first_hashed);
    for (;;) { /* the last chain ends with the entry whose low bit is set */
        const unsigned char *word = md_held_bytes(in, out, chain_at, 4);
        if (!word) return MD_DYN_DECLINED;
        last++;
        chain_at += 4;
        if (number(word, 4, b) & 1) break;
    }
    *count = last;
    return MD_DYN_OK;
}

/* symbol_columns: the table DT_SYMTAB holds, through md_symbol_pass. */
static int read_symbols(const struct md_dyn_input *in, const struct dynamic *dyn, struct md_dyn_output *out)
{
    if (!out->strings || !dyn->has[T_SYMTAB]) return MD_DYN_OK;
    uint64_t entry = in->bits == 32 ? 16 : 24, count;
    if (dyn->has[T_SYMENT] && dyn->first[T_SYMENT] != entry) return MD_DYN_DECLINED;
    int answer = symbol_count(in, out, dyn, &count);
    if (answer != MD_DYN_OK) return answer;
    if (count > MAX_READ / entry) return MD_DYN_DECLINED; /* past what one read may take */
    const unsigned char *table = held_at_address(in, out, dyn->first[T_SYMTAB], count * entry);
    if (!table) return MD_DYN_DECLINED;
    out->symbol_room = (size_t)count;
    out->symbols = malloc((count ? (size_t)count : 1) * sizeof *out->symbols);
    if (!out->symbols) return MD_DYN_NO_MEMORY;
    struct md_symbol_input symbols = {
        table, (size_t)(count * entry), (size_t)entry, in->big_endian, out->strings, (size_t)out->strings_size,
        1, in->prefixes, in->prefix_sizes, in->prefix_count,
    };
    answer = md_symbol_pass(&symbols, out->symbols, &out->undefined_count, &out->exported_count);
    return answer == MD_SYMBOLS_OK ? MD_DYN_OK : MD_DYN_DECLINED;
}

/* _symbol_of_version's reading: DT_VERSYM's index for each strong import, and where each
 * index is first named (asked only when there are version needs and undefined symbols). */
static int read_firsts(const struct md_dyn_input *in, const struct dynamic *dyn, struct md_dyn_output *out)
{
    if (!out->version_count || !out->undefined_count || !dyn->has[T_VERSYM]) return MD_DYN_OK;
    uint64_t count = (uint64_t)out->symbols[out->undefined_count - 1].index + 1;
    const unsigned char *versym = held_at_address(in, out, dyn->first[T_VERSYM], 2 * count);
    if (!versym) return MD_DYN_DECLINED;
    unsigned char seen[(VERSYM_INDEX + 1) / 8] = {0};
    out->firsts = malloc(out->undefined_count * sizeof *out->firsts);
    if (!out->firsts) return MD_DYN_NO_MEMORY;
    size_t position = 0;
    for (size_t i = 0; i < out->undefined_count; i++) {
        if (out->symbols[i].weak) continue;
        uint16_t index = (uint16_t)(number(versym + 2 * (size_t)out->symbols[i].index, 2, in->big_endian) & VERSYM_INDEX);
        if (!(seen[index / 8] & (1u << (index % 8)))) {
            seen[index / 8] |= (unsigned char)(1u << (index % 8));
            out->firsts[out->first_count].version_index = index;
            out->firsts[out->first_count].position = position;
            out->first_count++;
        }
        position++;
    }
    return MD_DYN_OK;
}

int md_dynamic_pass(const struct md_dyn_input *in, struct md_dyn_output *out)
{
    memset(out, 0, sizeof *out);
    if (in->bits != 32 && in->bits != 64) return MD_DYN_DECLINED;
    struct dynamic dyn;
    uint64_t *pairs = NULL;
    size_t pair_count = 0;
    int answer = read_dynamic(in, out, &dyn, &pairs, &pair_count);
    if (answer == MD_DYN_OK) answer = read_strings(in, &dyn, out);
    if (answer == MD_DYN_OK) answer = read_names(&dyn, pairs, pair_count, out);
    if (answer == MD_DYN_OK) answer = read_versions(in, &dyn, out);
    if (answer == MD_DYN_OK) answer = read_symbols(in, &dyn, out);
    if (answer == MD_DYN_OK) answer = read_firsts(in, &dyn, out);
    free(pairs);
    if (answer != MD_DYN_OK) md_dyn_free(out);
    return answer;
}

void md_dyn_free(struct md_dyn_output *out)
{
    free(out->needed);
    free(out->rpath);
    free(out->runpath);
    free(out->versions);
    free(out->symbols);
    free(out->firsts);
    for (size_t i = 0; i < out->copy_count; i++) free(out->copies[i]);
    free(out->copies);
    memset(out, 0, sizeof *out);
}
