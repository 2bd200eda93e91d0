/* Standalone check of the C core, for sanitizers and valgrind: detects this program's
 * C library, checks the version rules on fixed inputs, prints the answer.
 * Usage: md_selftest [EXPECTED_FAMILY [EXPECTED_VERSION]] [--bench N] */
#include "md_core.h"
#include "md_elfsym.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
