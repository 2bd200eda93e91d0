/* Standalone check of the C core, for sanitizers and valgrind: detects this program's
 * C library, checks the version rules on fixed inputs, prints the answer.
 * Usage: md_selftest [EXPECTED_FAMILY [EXPECTED_VERSION]] [--bench N] */
#include "md_core.h"
#include "md_elfdyn.h"
#include "md_elfhead.h"
#include "md_elfsym.h"
#include "md_zip.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void expect_rule(const char *data, size_t len, int is_musl, const char *version)
{
    char got[MD_VERSION_MAX], reason[MD_REASON_MAX];
    int musl = md_musl_version_in((const unsigned char *)data, len, got, sizeof got, reason, sizeof reason);
    if (musl != is_musl || strcmp(got, version) != 0) {
        fprintf(stderr, "rule failed: expected (%d, '%s'), got (%d, '%s') [%s]\n", is_musl, version, musl, got, reason);
        failures++;
    }
}

#define RULE(literal, is_musl, version) expect_rule(literal, sizeof(literal) - 1, is_musl, version)

/* One little-endian Elf64_Sym: st_name, st_info, st_shndx (st_value and st_size zero). */
static void put_symbol(unsigned char *entry, unsigned name, unsigned char info, unsigned shndx)
{
    memset(entry, 0, 24);
    for (int i = 0; i < 4; i++) entry[i] = (unsigned char)(name >> (8 * i));
    entry[4] = info;
    entry[6] = (unsigned char)shndx;
    entry[7] = (unsigned char)(shndx >> 8);
}

/* The symbol pass on a small table (the Python twin is held to it by tests/test_elf_twins.py;
 * here the C alone runs under the sanitizers): an import, a weak import, an export, names
 * outside the table and without a NUL, and a table whose names overrun the budget. */
static void check_symbol_pass(void)
{
    static const unsigned char strings[] = "\0puts\0PyInit_x\0weak_one\0tail";
    unsigned char table[7 * 24];
    put_symbol(table, 0, 0, 0);
    put_symbol(table + 24, 1, 0x12, 0);   /* puts: a global import */
    put_symbol(table + 48, 6, 0x12, 1);   /* PyInit_x: an export */
    put_symbol(table + 72, 15, 0x21, 0);  /* weak_one: a weak import */
    put_symbol(table + 96, 24, 0x12, 0);  /* tail: no NUL inside the table (the literal's is past it) */
    put_symbol(table + 120, 999, 0x12, 0); /* outside the table */
    put_symbol(table + 144, 3, 0x02, 1);  /* a local definition */
    const unsigned char *prefixes[] = {(const unsigned char *)"Py"};
    size_t prefix_sizes[] = {2};
    struct md_symbol_input in = {table, sizeof table, 24, 0, strings, sizeof strings - 1, 1, prefixes, prefix_sizes, 1};
    struct md_symbol out[7];
    size_t undefined, exported;
    int answer = md_symbol_pass(&in, out, &undefined, &exported);
    if (answer != MD_SYMBOLS_OK || undefined != 2 || exported != 1 || out[0].index != 1 || out[1].index != 3 ||
        !out[1].weak || out[0].weak || out[6].index != 2 || out[6].name_length != 8) {
        fprintf(stderr, "symbol pass failed: answer %d, %zu undefined, %zu exported\n", answer, undefined, exported);
        failures++;
    }
    static unsigned char many[2000 * 24];
    static unsigned char long_name[1 << 12];
    memset(long_name, 'x', sizeof long_name); /* no NUL: each search runs to the end */
    for (int i = 0; i < 2000; i++) put_symbol(many + 24 * i, 1, 0x12, 0);
    struct md_symbol_input overrun = {many, sizeof many, 24, 0, long_name, sizeof long_name, 0, NULL, NULL, 0};
    static struct md_symbol room[2000];
    if (md_symbol_pass(&overrun, room, &undefined, &exported) != MD_SYMBOLS_DECLINED) {
        fprintf(stderr, "symbol pass: an overrun budget was not declined\n");
        failures++;
    }
    in.entry_size = 8;
    if (md_symbol_pass(&in, out, &undefined, &exported) != MD_SYMBOLS_BAD_INPUT) {
        fprintf(stderr, "symbol pass: an 8-byte entry was taken\n");
        failures++;
    }
}

static uint64_t le(const unsigned char *at, int width)
{
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; i--) value = value << 8 | at[i];
    return value;
}

/* This program's file read into `*file`, with room for a copy in `*copy`: its size, or 0
 * (nothing kept) when it is not a little-endian ELF64 file of `least` bytes to 8 MiB. */
static size_t read_this_program(unsigned char **file, unsigned char **copy, size_t least)
{
    enum { ROOM = 8 << 20 };
    *file = malloc(ROOM);
    *copy = malloc(ROOM);
    FILE *self = fopen("/proc/self/exe", "rb");
    size_t size = self && *file && *copy ? fread(*file, 1, ROOM, self) : 0;
    if (self) fclose(self);
    if (size < least || memcmp(*file, "\177ELF\2\1", 6) != 0 || size == ROOM) {
        free(*file);
        free(*copy);
        return 0;
    }
    return size;
}

/* The dynamic pass over this very program (a little-endian ELF64 one), held whole and in
 * three pieces, then over 500 copies with bytes changed where the pass reads (PT_DYNAMIC
 * and the first 64 KiB, where the linker puts the tables it names): the facts of the
 * program, and no read outside the pieces (the sanitizers and valgrind watch). */
static void check_dynamic_pass(void)
{
#ifndef __GLIBC__
    /* valgrind does not follow musl's malloc here (it reports musl's own fclose as an
     * invalid free): the pass allocates, so it runs under the glibc builds only (ASan and
     * valgrind), where every allocation is followed. */
    return;
#endif
    unsigned char *file, *copy;
    size_t size = read_this_program(&file, &copy, 64);
    if (!size) return;
    uint64_t phoff = le(file + 32, 8), phnum = le(file + 56, 2);
    struct md_load loads[64];
    size_t load_count = 0;
    uint64_t dynamic[3] = {0, 0, 0};
    for (uint64_t i = 0; i < phnum && phoff + 56 * (i + 1) <= size && load_count < 64; i++) {
        const unsigned char *header = file + phoff + 56 * i;
        uint64_t type = le(header, 4);
        if (type == 1) loads[load_count++] = (struct md_load){le(header + 16, 8), le(header + 8, 8), le(header + 32, 8)};
        if (type == 2 && !dynamic[1]) {
            dynamic[0] = le(header + 8, 8);
            dynamic[1] = le(header + 32, 8);
            dynamic[2] = le(header + 40, 8);
        }
    }
    if (!dynamic[1]) {
        free(file);
        free(copy);
        return;
    }
    const unsigned char *prefixes[] = {(const unsigned char *)"Py", (const unsigned char *)"_Py"};
    size_t prefix_sizes[] = {2, 3};
    unsigned seed = 656;
    for (int round = 0; round <= 500; round++) {
        memcpy(copy, file, size);
        for (int flips = round ? 1 + (int)(seed % 8) : 0; flips > 0; flips--) {
            seed = seed * 1103515245u + 12345u;
            uint64_t span = (seed >> 8) % 2 ? dynamic[1] : (size < 65536 ? size : 65536);
            uint64_t at = ((seed >> 8) % 2 ? dynamic[0] : 0) + (seed >> 4) % (span ? span : 1);
            if (at < size) copy[at] = (unsigned char)(seed >> 16);
        }
        size_t cut1 = size / 3, cut2 = 2 * size / 3;
        struct md_piece whole[1] = {{copy, 0, size}};
        struct md_piece three[3] = {{copy, 0, cut1}, {copy + cut1, cut1, cut2 - cut1}, {copy + cut2, cut2, size - cut2}};
        for (int held = 0; held < 2; held++) {
            struct md_dyn_input in = {held ? three : whole, held ? 3 : 1, size, 64, 0, 0, loads, load_count,
                                      dynamic[0], dynamic[1], dynamic[2], prefixes, prefix_sizes, 2};
            struct md_dyn_output out;
            int answer = md_dynamic_pass(&in, &out);
            if (answer == MD_DYN_OK) {
                int names_libc = 0;
                for (size_t i = 0; i < out.needed_count; i++) {
                    names_libc |= out.needed[i].length >= 4 && memcmp(out.strings + out.needed[i].at, "libc", 4) == 0;
                }
                /* a static-pie program has PT_DYNAMIC too, for its own relocations, and needs nothing */
                if (round == 0 && held == 0 && out.needed_count && (!names_libc || !out.undefined_count)) {
                    fprintf(stderr, "dynamic pass: this program's libc or imports not found\n");
                    failures++;
                }
                md_dyn_free(&out);
            } else if (round == 0 && held == 0) {
                fprintf(stderr, "dynamic pass: declined this program (%d)\n", answer);
                failures++;
            }
        }
    }
    free(file);
    free(copy);
}

/* The header pass over this very program, held whole and in three pieces, then over 500
 * copies with bytes changed in its first 4 KiB (the header, program headers, interpreter
 * and notes) and its section table: this program's interpreter and loads (a static program,
 * with no PT_DYNAMIC, is declined), and no read outside the pieces (the sanitizers and
 * valgrind watch). glibc builds only, as above. */
static void check_elf_head(void)
{
#ifndef __GLIBC__
    return;
#endif
    unsigned char *file, *copy;
    size_t size = read_this_program(&file, &copy, 4096);
    if (!size) return;
    uint64_t shoff = le(file + 40, 8), phoff = le(file + 32, 8), phnum = le(file + 56, 2);
    uint64_t sections = shoff < size ? size - shoff : 0;
    int has_dynamic = 0, has_interp = 0; /* a static-pie program has no PT_INTERP, a static one no PT_DYNAMIC */
    for (uint64_t i = 0; i < phnum && phoff + 56 * (i + 1) <= size; i++) {
        has_dynamic |= le(file + phoff + 56 * i, 4) == 2;
        has_interp |= le(file + phoff + 56 * i, 4) == 3;
    }
    unsigned seed = 4242;
    for (int round = 0; round <= 500; round++) {
        memcpy(copy, file, size);
        for (int flips = round ? 1 + (int)(seed % 8) : 0; flips > 0; flips--) {
            seed = seed * 1103515245u + 12345u;
            int in_table = (seed >> 8) % 2 && sections;
            uint64_t at = in_table ? shoff + (seed >> 4) % sections : (seed >> 4) % 4096;
            if (at < size) copy[at] = (unsigned char)(seed >> 16);
        }
        size_t cut1 = 61, cut2 = size / 2;
        struct md_piece whole[1] = {{copy, 0, size}};
        struct md_piece three[3] = {{copy, 0, cut1}, {copy + cut1, cut1, cut2 - cut1}, {copy + cut2, cut2, size - cut2}};
        for (int held = 0; held < 2; held++) {
            struct md_dyn_input in = {held ? three : whole, held ? 3 : 1, size, 0, 0, 0, NULL, 0, 0, 0, 0, NULL, NULL, 0};
            struct md_head head;
            int answer = md_elf_head(&in, &head);
            if (answer == MD_DYN_OK) {
                if (round == 0 && ((has_interp && !head.interp) || !head.load_count || head.bits != 64)) {
                    fprintf(stderr, "elf head: this program's interpreter or loads not found\n");
                    failures++;
                }
                md_head_free(&head);
            } else if (round == 0 && has_dynamic) {
                fprintf(stderr, "elf head: declined this program held %s (%d)\n", held ? "in pieces" : "whole", answer);
                failures++;
            }
        }
    }
    free(file);
    free(copy);
}

static void put16(unsigned char *at, unsigned value)
{
    at[0] = (unsigned char)value;
    at[1] = (unsigned char)(value >> 8);
}

static void put32(unsigned char *at, unsigned long value)
{
    for (int i = 0; i < 4; i++) at[i] = (unsigned char)(value >> (8 * i));
}

/* The container walk on a two-member stored zip in a temporary file, then on every copy
 * with one byte of its headers changed: the members where they are, and nothing read
 * outside the directory given (the sanitizers and valgrind watch). */
static void check_zip_walk(void)
{
#ifndef __GLIBC__
    return; /* the walk allocates: as check_dynamic_pass, under the glibc builds only */
#endif
    unsigned char zip[2 * (30 + 5 + 2) + 2 * (46 + 5)];
    const char *names[2] = {"a.txt", "b/c/"};
    size_t at = 0, locals[2];
    memset(zip, 0, sizeof zip);
    for (int i = 0; i < 2; i++) { /* "hi" stored, then a directory */
        size_t length = strlen(names[i]), data = i ? 0 : 2;
        locals[i] = at;
        memcpy(zip + at, "PK\3\4", 4);
        put16(zip + at + 4, 20);
        put32(zip + at + 14, i ? 0 : 0x3A40B30DUL); /* crc32("hi"), not checked here */
        put32(zip + at + 18, (unsigned long)data);
        put32(zip + at + 22, (unsigned long)data);
        put16(zip + at + 26, (unsigned)length);
        memcpy(zip + at + 30, names[i], length);
        memcpy(zip + at + 30 + length, "hi", data);
        at += 30 + length + data;
    }
    size_t directory_offset = at;
    for (int i = 0; i < 2; i++) {
        size_t length = strlen(names[i]);
        memcpy(zip + at, "PK\1\2", 4);
        put16(zip + at + 4, 20);
        memcpy(zip + at + 6, zip + locals[i] + 4, 26); /* needed ... name length, as the local header */
        put32(zip + at + 38, 0100644UL << 16);
        put32(zip + at + 42, (unsigned long)locals[i]);
        memcpy(zip + at + 46, names[i], length);
        at += 46 + length;
    }
    char path[] = "/tmp/md_selftest_zip_XXXXXX"; /* POSIX files, not stdio: valgrind does not follow musl's */
    int fd = mkstemp(path);
    if (fd >= 0) unlink(path);
    if (fd < 0 || pwrite(fd, zip, at, 0) != (ssize_t)at) {
        fprintf(stderr, "zip walk: no temporary file\n");
        failures++;
        if (fd >= 0) close(fd);
        return;
    }
    struct md_zip_member members[2];
    const unsigned char *directory = zip + directory_offset;
    size_t directory_size = at - directory_offset;
    if (md_zip_walk(fd, at, directory, directory_size, 2, directory_offset, members) != MD_ZIP_OK
        || members[0].data_offset != 35 || members[1].data_offset != 37 + 34 || members[1].name_length != 4) {
        fprintf(stderr, "zip walk: the two members were not read where they are\n");
        failures++;
    }
    unsigned char altered[sizeof zip];
    for (size_t i = 0; i < at; i++) { /* each byte changed once, in the file and the directory alike */
        memcpy(altered, zip, at);
        altered[i] ^= 0xA5;
        if (pwrite(fd, altered, at, 0) != (ssize_t)at) break;
        md_zip_walk(fd, at, altered + directory_offset, directory_size, 2, directory_offset, members);
    }
    close(fd);
}

int main(int argc, char **argv)
{
    RULE("musl libc (x86_64)\n\0" "LINUX_2.6.39\0" "127.0.0.1\0" "=1.2.3\0", 1, "1.2.3");
    RULE("musl libc (i386)\n\0" "\x80" "1.2.4_git20230717\0", 1, "1.2.4_git20230717");
    RULE("musl libc (x)\0" "1.2.3\0" "1.2.4\0", 1, "");
    RULE("musl libc (x)\0" "v1.2.3\0", 1, "");
    RULE("no banner\0" "1.2.3\0", 0, "");
    RULE("musl libc (", 1, "");
    RULE("musl libc (x)\0" "1.2.3", 1, "");   /* not NUL-terminated inside the block */
    check_symbol_pass();
    check_dynamic_pass();
    check_elf_head();
    check_zip_walk();

    struct md_result result;
    if (md_detect(&result) != 0) {
        fprintf(stderr, "md_detect: %s failed: %s\n", result.failed_call, result.reason);
        return 2;
    }
    const char *family = result.family == MD_MUSL ? "musl" : result.family == MD_GLIBC ? "glibc" : "unknown";
    printf("family=%s version=%s path=%s interp=%s static=%d min=%d.%d.%d time64=%d reason=%s\n", family,
           result.version, result.path, result.interp, result.is_static, result.min_version[0],
           result.min_version[1], result.min_version[2], result.time64_symbols, result.reason);
    int argi = 1;
    if (argi < argc && strcmp(argv[argi], "--bench") != 0) {
        if (strcmp(argv[argi], family) != 0) { fprintf(stderr, "expected family %s\n", argv[argi]); failures++; }
        argi++;
        if (argi < argc && strcmp(argv[argi], "--bench") != 0) {
            if (strcmp(argv[argi], result.version) != 0) { fprintf(stderr, "expected version %s\n", argv[argi]); failures++; }
            argi++;
        }
    }
    if (argi + 1 < argc && strcmp(argv[argi], "--bench") == 0) {
        long rounds = atol(argv[argi + 1]);
        struct timespec a, b;
        clock_gettime(CLOCK_MONOTONIC, &a);
        for (long i = 0; i < rounds; i++) md_detect(&result);
        clock_gettime(CLOCK_MONOTONIC, &b);
        printf("md_detect: %.2f us per call\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / rounds / 1e3);
    }
    printf("%s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}
