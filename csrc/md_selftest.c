/* Standalone check of the C core, for sanitizers and valgrind: detects this program's
 * C library, checks the version rules on fixed inputs, prints the answer.
 * Usage: md_selftest [EXPECTED_FAMILY [EXPECTED_VERSION]] [--bench N] */
#include "md_core.h"

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

int main(int argc, char **argv)
{
    RULE("musl libc (x86_64)\n\0" "LINUX_2.6.39\0" "127.0.0.1\0" "=1.2.3\0", 1, "1.2.3");
    RULE("musl libc (i386)\n\0" "\x80" "1.2.4_git20230717\0", 1, "1.2.4_git20230717");
    RULE("musl libc (x)\0" "1.2.3\0" "1.2.4\0", 1, "");
    RULE("musl libc (x)\0" "v1.2.3\0", 1, "");
    RULE("no banner\0" "1.2.3\0", 0, "");
    RULE("musl libc (", 1, "");
    RULE("musl libc (x)\0" "1.2.3", 1, "");   /* not NUL-terminated inside the block */

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
