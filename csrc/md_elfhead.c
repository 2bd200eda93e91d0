/* The header's facts in one pass (see md_elfhead.h). Every rule is the Python reader's,
 * named beside it: _elf.py (_Headers._parse_header, _check_ident, interpreter),
 * _elf_header.py (parse_header, parse_program_headers), _elf_notes.py (notes,
 * gnu_properties) and _audit/_binary.py (_not_loadable, _dynamic_is_nobits, _stack).
 * tests/test_elf_twins.py holds the two to the same facts on every real binary at hand and
 * on altered copies of them. */
#include "md_elfhead.h"

#include <stdlib.h>
#include <string.h>

#define ET_EXEC 2
#define ET_DYN 3
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_GNU_STACK 0x6474E551u
#define PN_XNUM 0xFFFF
#define MAX_SEGMENTS 4096      /* _elf_header.MAX_SEGMENTS */
#define MAX_SECTIONS (1 << 16) /* _binary.MAX_SECTIONS */
#define SHT_NOBITS 8
#define NT_GNU_PROPERTY_TYPE_0 5

static uint64_t number(const unsigned char *at, int width, int big_endian)
{
    uint64_t value = 0;
    for (int i = 0; i < width; i++) value = value << 8 | at[big_endian ? i : width - 1 - i];
    return value;
}

/* One program header's fields, as parse_program_headers names them. */
struct segment {
    uint32_t type, flags;
    uint64_t offset, vaddr, filesz, memsz, align;
};

static struct segment segment_at(const unsigned char *entry, int bits, int big_endian)
{
    struct segment s;
    s.type = (uint32_t)number(entry, 4, big_endian);
    if (bits == 64) {
        s.flags = (uint32_t)number(entry + 4, 4, big_endian);
        s.offset = number(entry + 8, 8, big_endian);
        s.vaddr = number(entry + 16, 8, big_endian);
        s.filesz = number(entry + 32, 8, big_endian);
        s.memsz = number(entry + 40, 8, big_endian);
        s.align = number(entry + 48, 8, big_endian);
    } else {
        s.offset = number(entry + 4, 4, big_endian);
        s.vaddr = number(entry + 8, 4, big_endian);
        s.filesz = number(entry + 16, 4, big_endian);
        s.memsz = number(entry + 20, 4, big_endian);
        s.flags = (uint32_t)number(entry + 24, 4, big_endian);
        s.align = number(entry + 28, 4, big_endian);
    }
    return s;
}

/* segment_bytes: a segment's file data; NULL where it raises (p_filesz over p_memsz, or
 * read_at's refusal). */
static const unsigned char *segment_bytes(const struct md_dyn_input *in, struct md_head *head,
                                          const struct segment *s)
{
    if (s->filesz > s->memsz) return NULL;
    return md_held_bytes(in, &head->reads, s->offset, s->filesz);
}

/* _check_ident, parse_header and the program header table: the table, NULL where the
 * Python reader raises or reads more (PN_XNUM's count lives in section header 0). */
static const unsigned char *read_headers(const struct md_dyn_input *in, struct md_head *head, uint64_t *phnum,
                                         uint64_t *shoff, uint64_t *shentsize, uint64_t *shnum)
{
    if (in->file_size < 16) return NULL;
    const unsigned char *ident = md_held_bytes(in, &head->reads, 0, 16);
    if (!ident || memcmp(ident, "\x7f" "ELF", 4) != 0) return NULL;
    if ((ident[4] != 1 && ident[4] != 2) || (ident[5] != 1 && ident[5] != 2)) return NULL;
    int wide = ident[4] == 2, big = ident[5] == 2;
    head->bits = wide ? 64 : 32;
    head->big_endian = big;
    const unsigned char *h = md_held_bytes(in, &head->reads, 0, wide ? 64 : 52);
    if (!h) return NULL;
    head->type = (uint16_t)number(h + 16, 2, big);
    head->machine = (uint16_t)number(h + 18, 2, big);
    uint64_t phoff = number(h + (wide ? 32 : 28), wide ? 8 : 4, big);
    *shoff = number(h + (wide ? 40 : 32), wide ? 8 : 4, big);
    head->flags = (uint32_t)number(h + (wide ? 48 : 36), 4, big);
    uint64_t phentsize = number(h + (wide ? 54 : 42), 2, big);
    *phnum = number(h + (wide ? 56 : 44), 2, big);
    *shentsize = number(h + (wide ? 58 : 46), 2, big);
    *shnum = number(h + (wide ? 60 : 48), 2, big);
    uint64_t expected = wide ? 56 : 32;
    if (*phnum == PN_XNUM || (*phnum && phentsize != expected) || *phnum > MAX_SEGMENTS) return NULL;
    return md_held_bytes(in, &head->reads, phoff, *phnum * expected);
}

/* _dynamic_is_nobits: whether an intact section table marks a section at a PT_DYNAMIC's
 * address SHT_NOBITS (a debug-info file); -1 where its bytes are not held. */
static int dynamic_is_nobits(const struct md_dyn_input *in, struct md_head *head, const unsigned char *table,
                             uint64_t phnum, uint64_t shoff, uint64_t shentsize, uint64_t shnum)
{
    int wide = head->bits == 64, big = head->big_endian;
    uint64_t size = wide ? 64 : 40;
    if (!shoff || shentsize != size || shnum == 0 || shnum > MAX_SECTIONS) return 0;
    if (shoff > in->file_size || shnum * size > in->file_size - shoff) return 0;
    const unsigned char *sections = md_held_bytes(in, &head->reads, shoff, shnum * size);
    if (!sections) return -1;
    uint64_t entry_size = wide ? 56 : 32;
    for (uint64_t i = 0; i < shnum; i++) {
        const unsigned char *section = sections + i * size;
        if (number(section + 4, 4, big) != SHT_NOBITS) continue;
        uint64_t address = number(section + (wide ? 16 : 12), wide ? 8 : 4, big);
        for (uint64_t p = 0; p < phnum; p++) {
            struct segment s = segment_at(table + p * entry_size, head->bits, big);
            if (s.type == PT_DYNAMIC && s.vaddr == address) return 1;
        }
    }
    return 0;
}

/* The interpreter property: PT_INTERP's path up to its NUL; -1 where the Python reader
 * raises (no NUL, or an empty path). */
static int read_interp(const struct md_dyn_input *in, struct md_head *head, const struct segment *s)
{
    const unsigned char *data = segment_bytes(in, head, s);
    if (!data) return -1;
    const unsigned char *end = s->filesz ? memchr(data, 0, (size_t)s->filesz) : NULL;
    if (!end || end == data) return -1;
    head->interp = data;
    head->interp_length = (size_t)(end - data);
    return 0;
}

static uint64_t padding(uint64_t at, uint64_t align)
{
    return (align - at % align) % align;
}

/* gnu_properties over one property note's descriptor: each 4-byte property in the note's
 * order (the caller keeps the last of a type, as the dict does); -1 where the Python
 * reader raises or past MD_MAX_PROPERTIES of them. */
static int read_properties(struct md_head *head, const unsigned char *desc, uint64_t length)
{
    uint64_t step = head->bits == 64 ? 8 : 4, at = 0;
    while (at + 8 <= length) {
        uint32_t type = (uint32_t)number(desc + at, 4, head->big_endian);
        uint64_t size = number(desc + at + 4, 4, head->big_endian);
        if (at + 8 + size > length) return -1;
        if (size == 4) {
            if (head->property_count == MD_MAX_PROPERTIES) return -1;
            uint32_t value = (uint32_t)number(desc + at + 8, 4, head->big_endian);
            head->properties[head->property_count++] = (struct md_property){type, value};
        }
        at += 8 + size + padding(size, step);
    }
    return 0;
}

/* notes over one PT_NOTE segment: every note parsed (a broken one anywhere makes the
 * Python reader raise), the first GNU property note's properties read; -1 where it raises. */
static int read_notes(const struct md_dyn_input *in, struct md_head *head, const struct segment *s, int *found)
{
    const unsigned char *data = segment_bytes(in, head, s);
    if (!data) return -1;
    uint64_t length = s->filesz, align = s->align == 8 ? 8 : 4, at = 0;
    while (at + 12 <= length) {
        uint64_t namesz = number(data + at, 4, head->big_endian);
        uint64_t descsz = number(data + at + 4, 4, head->big_endian);
        uint64_t note_type = number(data + at + 8, 4, head->big_endian);
        uint64_t name_at = at + 12;
        uint64_t desc_at = name_at + namesz + padding(name_at + namesz, align);
        uint64_t end = desc_at + descsz + padding(desc_at + descsz, align);
        if (desc_at + descsz > length) return -1;
        uint64_t name_length = namesz;
        while (name_length && data[name_at + name_length - 1] == 0) name_length--; /* rstrip(b"\0") */
        if (!*found && note_type == NT_GNU_PROPERTY_TYPE_0 && name_length == 3
            && memcmp(data + name_at, "GNU", 3) == 0) {
            *found = 1;
            if (read_properties(head, data + desc_at, descsz) < 0) return -1;
        }
        at = end;
    }
    return 0;
}

/* What binary_facts reads of the segments, in its order: the first PT_DYNAMIC (none:
 * declined), the debug-info mark, the interpreter, PT_GNU_STACK, the notes. */
static int read_segments(const struct md_dyn_input *in, struct md_head *head, const unsigned char *table,
                         uint64_t phnum, uint64_t shoff, uint64_t shentsize, uint64_t shnum)
{
    uint64_t entry_size = head->bits == 64 ? 56 : 32;
    int has_dynamic = 0, has_interp = 0, found_properties = 0;
    head->loads = malloc((phnum ? phnum : 1) * sizeof *head->loads);
    if (!head->loads) return MD_DYN_NO_MEMORY;
    for (uint64_t i = 0; i < phnum; i++) {
        struct segment s = segment_at(table + i * entry_size, head->bits, head->big_endian);
        if (s.type == PT_LOAD) head->loads[head->load_count++] = (struct md_load){s.vaddr, s.offset, s.filesz};
        if (s.type == PT_DYNAMIC && !has_dynamic) {
            has_dynamic = 1;
            head->dynamic_offset = s.offset, head->dynamic_filesz = s.filesz, head->dynamic_memsz = s.memsz;
        }
    }
    if (!has_dynamic || dynamic_is_nobits(in, head, table, phnum, shoff, shentsize, shnum) != 0)
        return MD_DYN_DECLINED;
    for (uint64_t i = 0; i < phnum; i++) {
        struct segment s = segment_at(table + i * entry_size, head->bits, head->big_endian);
        if (s.type == PT_INTERP && !has_interp) {
            has_interp = 1;
            if (read_interp(in, head, &s) < 0) return MD_DYN_DECLINED;
        }
        if (s.type == PT_GNU_STACK && head->stack_flags < 0) head->stack_flags = s.flags;
        if (s.type == PT_NOTE && read_notes(in, head, &s, &found_properties) < 0) return MD_DYN_DECLINED;
    }
    return MD_DYN_OK;
}

int md_elf_head(const struct md_dyn_input *in, struct md_head *head)
{
    memset(head, 0, sizeof *head);
    head->stack_flags = -1;
    uint64_t phnum = 0, shoff = 0, shentsize = 0, shnum = 0;
    const unsigned char *table = read_headers(in, head, &phnum, &shoff, &shentsize, &shnum);
    int answer = MD_DYN_DECLINED;
    if (table && (head->type == ET_EXEC || head->type == ET_DYN))
        answer = read_segments(in, head, table, phnum, shoff, shentsize, shnum);
    if (answer != MD_DYN_OK) md_head_free(head);
    return answer;
}

void md_head_free(struct md_head *head)
{
    free(head->loads);
    md_dyn_free(&head->reads);
    memset(head, 0, sizeof *head);
    head->stack_flags = -1;
}
