/* musldetect's native core: find the C library mapped into this process and read
 * its family and version from memory. Plain C, no Python.h, so it can be built into
 * a standalone test program and run under sanitizers and valgrind. */
#ifndef MD_CORE_H
#define MD_CORE_H

#include <stddef.h>

enum md_family { MD_UNKNOWN = 0, MD_MUSL = 1, MD_GLIBC = 2 };

#define MD_PATH_MAX 4096
#define MD_VERSION_MAX 96
#define MD_REASON_MAX 512

struct md_result {
    int family;                      /* enum md_family */
    char version[MD_VERSION_MAX];    /* as found; empty when unknown */
    char path[MD_PATH_MAX];          /* the object that defines dl_iterate_phdr */
    char interp[MD_PATH_MAX];        /* the main program's PT_INTERP; empty if none */
    int is_static;                   /* the main program has no PT_INTERP (static-pie included) */
    int min_version[3];              /* musl release implied by exported symbols; 0.0.0 if none */
    int time64_symbols;              /* -1 not checked, 0 no, 1 the __*_time64 entry points exist */
    char reason[MD_REASON_MAX];
    const char *failed_call;         /* set when md_detect returns -1 */
};

/* Fills *out; returns 0, or -1 when a system call failed (out->failed_call names it). */
int md_detect(struct md_result *out);

/* The musl version rules over one block of read-only bytes (mirrors musldetect/_rules.py).
 * Returns 1 when the block holds the musl loader banner, else 0. On 1, version is the
 * single candidate or empty, with reason explaining an empty version. */
int md_musl_version_in(const unsigned char *data, size_t len, char *version, size_t version_size,
                       char *reason, size_t reason_size);

#endif
