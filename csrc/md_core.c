/* See md_core.h. Reads only inside the PT_LOAD ranges of the objects the dynamic
 * linker reports, never writes to them, and allocates nothing. */
#define _GNU_SOURCE
#include "md_core.h"
#include "md_rules.h" /* generated from musldetect/_rules.py by csrc/gen_rules.py */

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define MD_MAX_RANGES 16
#define MD_MAX_CANDIDATES 8

static const char musl_banner[] = MD_MUSL_BANNER;

struct md_range { const unsigned char *start; size_t size; int exec; };

struct md_walk {
    uintptr_t target;                 /* an address inside the C library */
    int seen_main;
    struct md_result *out;
    int found;
    struct md_range ranges[MD_MAX_RANGES];   /* the libc object's non-writable PT_LOADs */
    int nranges;
};

static void copy_string(char *dst, size_t size, const char *src, size_t len)
{
    if (len >= size) len = size - 1;
    memcpy(dst, src, len);
    dst[len] = '\0';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static int is_word(unsigned char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == '.' || c == '+' ||
           c == '-' || c == '~';
}

static int is_suffix_start(unsigned char c) { return c == '-' || c == '_' || c == '+' || c == '~'; }

static int is_suffix_char(unsigned char c)
{
    return is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '.' || c == '_' || c == '+' ||
           c == '~' || c == '-';
}

/* True when [vaddr, vaddr + size) lies inside one PT_LOAD of the object (so it is mapped). */
static int inside_a_load(const struct dl_phdr_info *info, ElfW(Addr) vaddr, size_t size)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && vaddr >= ph->p_vaddr && vaddr - ph->p_vaddr <= ph->p_filesz &&
            size <= ph->p_filesz - (vaddr - ph->p_vaddr))
            return 1;
    }
    return 0;
}

/* The main program's PT_INTERP string, copied only if it is mapped and NUL-terminated;
 * returns whether there was one. */
static int read_interp(struct dl_phdr_info *info, struct md_result *out)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_INTERP || ph->p_filesz == 0 || !inside_a_load(info, ph->p_vaddr, ph->p_filesz)) continue;
        const char *text = (const char *)(info->dlpi_addr + ph->p_vaddr);
        const char *end = memchr(text, '\0', ph->p_filesz);
        if (end) {
            copy_string(out->interp, sizeof out->interp, text, (size_t)(end - text));
            return 1;
        }
    }
    return 0;
}

static int visit_object(struct dl_phdr_info *info, size_t size, void *data)
{
    struct md_walk *walk = data;
    (void)size;
    if (!walk->seen_main) {
        walk->seen_main = 1;
        /* No loader: static, static-pie (which has a PT_DYNAMIC) included. */
        walk->out->is_static = !read_interp(info, walk->out);
    }
    int contains = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t start = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && walk->target >= start && walk->target - start < ph->p_memsz) contains = 1;
    }
    if (!contains) return 0;
    walk->found = 1;
    walk->nranges = 0;
    for (int i = 0; i < info->dlpi_phnum && walk->nranges < MD_MAX_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) || ph->p_filesz == 0) continue;
        struct md_range *r = &walk->ranges[walk->nranges++];
        r->start = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        r->size = ph->p_filesz;
        r->exec = (ph->p_flags & PF_X) != 0;
    }
    const char *name = info->dlpi_name ? info->dlpi_name : "";
    copy_string(walk->out->path, sizeof walk->out->path, name, strlen(name));
    return 1;
}

static int in_ranges_of(const struct md_walk *walk, const void *address)
{
    uintptr_t a = (uintptr_t)address;
    for (int i = 0; i < walk->nranges; i++) {
        uintptr_t s = (uintptr_t)walk->ranges[i].start;
        if (a >= s && a - s < walk->ranges[i].size) return 1;
    }
    return 0;
}

/* Bit i of .dots is set where p[i] is a '.' between two digits (where a version candidate
 * can start), of .opens where p[i-1..i] == " (" (how the banner "musl libc (" ends), for
 * the 64 bytes at p; p[-1] and p[64] must be readable. SSE2 where available: musl's own
 * memchr/memmem are byte- or word-at-a-time, and this scan is the whole cost of a cold
 * call. A cheap test for any '.' or '(' skips most blocks; the digit and space checks run
 * in vector registers only for the rest, leaving about a dozen of the ~600 dots and ~500
 * parentheses of musl's read-only data for the scalar checks. */
struct md_masks { uint64_t dots, opens; };

#if defined(__SSE2__)
static __m128i digit_bytes(__m128i v)
{
    const __m128i offset = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    return _mm_cmpeq_epi8(_mm_min_epu8(offset, _mm_set1_epi8(9)), offset);
}
#endif

static struct md_masks block_masks(const unsigned char *p, int want_opens)
{
    struct md_masks out = {0, 0};
#if defined(__SSE2__)
    const __m128i dot = _mm_set1_epi8('.'), open = _mm_set1_epi8(want_opens ? '(' : '.'), space = _mm_set1_epi8(' ');
    __m128i here[4], any = _mm_setzero_si128();
    for (int k = 0; k < 4; k++) {
        here[k] = _mm_loadu_si128((const __m128i *)(p + 16 * k));
        any = _mm_or_si128(any, _mm_or_si128(_mm_cmpeq_epi8(here[k], dot), _mm_cmpeq_epi8(here[k], open)));
    }
    if (!_mm_movemask_epi8(any)) return out;
    for (int k = 0; k < 4; k++) {
        __m128i prev = _mm_loadu_si128((const __m128i *)(p + 16 * k - 1));
        __m128i next = _mm_loadu_si128((const __m128i *)(p + 16 * k + 1));
        __m128i dots = _mm_and_si128(_mm_cmpeq_epi8(here[k], dot), _mm_and_si128(digit_bytes(prev), digit_bytes(next)));
        out.dots |= (uint64_t)(unsigned)_mm_movemask_epi8(dots) << (16 * k);
        if (want_opens) {
            __m128i opens = _mm_and_si128(_mm_cmpeq_epi8(here[k], open), _mm_cmpeq_epi8(prev, space));
            out.opens |= (uint64_t)(unsigned)_mm_movemask_epi8(opens) << (16 * k);
        }
    }
#else
    for (int i = 0; i < 64; i++) {
        out.dots |= (uint64_t)(p[i] == '.' && is_digit(p[i - 1]) && is_digit(p[i + 1])) << i;
        out.opens |= (uint64_t)(want_opens && p[i] == '(' && p[i - 1] == ' ') << i;
    }
#endif
    return out;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define MD_HAVE_AVX2 1
#include <immintrin.h>

/* block_masks with 32-byte vectors, for CPUs that have AVX2 (checked at run time). */
__attribute__((target("avx2"))) static __m256i digit_bytes_avx2(__m256i v)
{
    const __m256i offset = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));
    return _mm256_cmpeq_epi8(_mm256_min_epu8(offset, _mm256_set1_epi8(9)), offset);
}

__attribute__((target("avx2"))) static struct md_masks block_masks_avx2(const unsigned char *p, int want_opens)
{
    struct md_masks out = {0, 0};
    const __m256i dot = _mm256_set1_epi8('.'), open = _mm256_set1_epi8(want_opens ? '(' : '.');
    const __m256i space = _mm256_set1_epi8(' ');
    __m256i lo = _mm256_loadu_si256((const __m256i *)p), hi = _mm256_loadu_si256((const __m256i *)(p + 32));
    __m256i any = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(lo, dot), _mm256_cmpeq_epi8(lo, open)),
                                  _mm256_or_si256(_mm256_cmpeq_epi8(hi, dot), _mm256_cmpeq_epi8(hi, open)));
    if (_mm256_testz_si256(any, any)) return out;
    for (int k = 0; k < 2; k++) {
        __m256i here = k ? hi : lo;
        __m256i prev = _mm256_loadu_si256((const __m256i *)(p + 32 * k - 1));
        __m256i next = _mm256_loadu_si256((const __m256i *)(p + 32 * k + 1));
        __m256i dots = _mm256_and_si256(_mm256_cmpeq_epi8(here, dot),
                                        _mm256_and_si256(digit_bytes_avx2(prev), digit_bytes_avx2(next)));
        out.dots |= (uint64_t)(uint32_t)_mm256_movemask_epi8(dots) << (32 * k);
        if (want_opens) {
            __m256i opens = _mm256_and_si256(_mm256_cmpeq_epi8(here, open), _mm256_cmpeq_epi8(prev, space));
            out.opens |= (uint64_t)(uint32_t)_mm256_movemask_epi8(opens) << (32 * k);
        }
    }
    return out;
}
#endif

/* Match "\.D{1,4}\.D{1,4}(suffix)?\0" at dot; returns the index of the NUL or 0. */
static size_t match_tail(const unsigned char *data, size_t dot, size_t len)
{
    size_t i = dot + 1, n = 0;
    while (i < len && is_digit(data[i]) && n < 5) { i++; n++; }
    if (n == 0 || n > 4 || i >= len || data[i] != '.') return 0;
    i++;
    n = 0;
    while (i < len && is_digit(data[i]) && n < 5) { i++; n++; }
    if (n == 0 || n > 4 || i >= len) return 0;
    if (data[i] == '\0') return i;
    if (!is_suffix_start(data[i])) return 0;
    i++;
    n = 0;
    while (i < len && is_suffix_char(data[i]) && n <= 64) { i++; n++; }
    if (n > 64 || i >= len || data[i] != '\0') return 0;
    return i;
}

struct md_candidates {
    const unsigned char *found[MD_MAX_CANDIDATES];
    size_t found_len[MD_MAX_CANDIDATES];
    int count, overflow;
};

/* One candidate check at a '.'; returns where scanning may resume. */
static size_t candidate_at(const unsigned char *data, size_t dot, size_t len, struct md_candidates *c)
{
    size_t nul = match_tail(data, dot, len);
    if (!nul) return dot + 1;
    size_t start = dot;
    while (start > 0 && dot - start < 4 && is_digit(data[start - 1])) start--;
    if (start == dot || (start > 0 && is_word(data[start - 1]))) return nul + 1;
    size_t n = nul - start;
    for (int k = 0; k < c->count; k++)
        if (c->found_len[k] == n && memcmp(c->found[k], data + start, n) == 0) return nul + 1;
    if (c->count < MD_MAX_CANDIDATES) {
        c->found[c->count] = data + start;
        c->found_len[c->count] = n;
        c->count++;
    } else {
        c->overflow = 1;
    }
    return nul + 1;
}

int md_musl_version_in(const unsigned char *data, size_t len, char *version, size_t version_size,
                       char *reason, size_t reason_size)
{
    const size_t banner_len = sizeof musl_banner - 1;
    struct md_candidates c;
    int banner = 0;
    size_t resume = 0;
    version[0] = '\0';
    reason[0] = '\0';
    memset(&c, 0, sizeof c);
    /* One pass over 64-byte blocks: a '.' between digits may start a candidate, " (" may
     * end the banner. */
#if defined(MD_HAVE_AVX2)
    struct md_masks (*masks_of)(const unsigned char *, int) =
        __builtin_cpu_supports("avx2") ? block_masks_avx2 : block_masks;
#else
    struct md_masks (*masks_of)(const unsigned char *, int) = block_masks;
#endif
    for (size_t block = 0; block < len; block += 64) {
        struct md_masks masks = {0, 0};
        if (block > 0 && block + 65 <= len) {
            masks = masks_of(data + block, !banner);
        } else {  /* the first and last blocks, which have no byte before or after them */
            for (size_t i = block; i < len && i < block + 64; i++) {
                int inner = i > 0 && i + 1 < len;
                masks.dots |= (uint64_t)(inner && data[i] == '.' && is_digit(data[i - 1]) && is_digit(data[i + 1]))
                              << (i - block);
                masks.opens |= (uint64_t)(!banner && i > 0 && data[i] == '(' && data[i - 1] == ' ') << (i - block);
            }
        }
        for (; masks.opens; masks.opens &= masks.opens - 1) {
            size_t end = block + (size_t)__builtin_ctzll(masks.opens) + 1;
            if (end >= banner_len && memcmp(data + end - banner_len, musl_banner, banner_len) == 0) banner = 1;
        }
        for (; masks.dots; masks.dots &= masks.dots - 1) {
            size_t at = block + (size_t)__builtin_ctzll(masks.dots);
            if (at >= resume) resume = candidate_at(data, at, len, &c);
        }
    }
    if (!banner) return 0;
    const unsigned char **found = c.found;
    size_t *found_len = c.found_len;
    int count = c.count, overflow = c.overflow;
    if (count == 1) {
        if (found_len[0] >= version_size) {
            snprintf(reason, reason_size, "musl version string is too long");
            return 1;
        }
        copy_string(version, version_size, (const char *)found[0], found_len[0]);
        return 1;
    }
    if (count == 0) {
        snprintf(reason, reason_size, "musl loader banner found but no version string next to it");
        return 1;
    }
    size_t used = (size_t)snprintf(reason, reason_size, "ambiguous musl version strings:");
    for (int k = 0; k < count && used < reason_size; k++)
        used += (size_t)snprintf(reason + used, reason_size - used, "%s %.*s", k ? "," : "", (int)found_len[k],
                                 (const char *)found[k]);
    if (overflow && used < reason_size) snprintf(reason + used, reason_size - used, ", ...");
    return 1;
}

static int libc_defines(const struct md_walk *walk, const char *name)
{
    void *address = dlsym(RTLD_DEFAULT, name);
    return address != NULL && in_ranges_of(walk, address);
}

static void musl_cross_check(const struct md_walk *walk, struct md_result *out)
{
    for (size_t i = 0; i < sizeof md_release_symbols / sizeof md_release_symbols[0]; i++) {
        for (size_t j = 0; j < MD_RELEASE_NAMES_MAX && md_release_symbols[i].names[j]; j++) {
            if (libc_defines(walk, md_release_symbols[i].names[j])) {
                memcpy(out->min_version, md_release_symbols[i].release, sizeof out->min_version);
                goto bound_found;
            }
        }
    }
bound_found:
    out->time64_symbols = libc_defines(walk, MD_TIME64_SYMBOL);
}

int md_detect(struct md_result *out)
{
    struct md_walk walk;
    memset(out, 0, sizeof *out);
    memset(&walk, 0, sizeof walk);
    out->time64_symbols = -1;
    walk.out = out;
    walk.target = (uintptr_t)&dl_iterate_phdr;
    dl_iterate_phdr(visit_object, &walk);
    if (!walk.found) {
        out->failed_call = "dl_iterate_phdr";
        snprintf(out->reason, sizeof out->reason, "no loaded object contains dl_iterate_phdr");
        return -1;
    }
    /* glibc: gnu_get_libc_version must be defined by the same object. A gcompat-style
     * shim exports it from a separate library and is ignored. */
    const char *(*gnu_version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "gnu_get_libc_version");
    if (gnu_version && in_ranges_of(&walk, (const void *)gnu_version)) {
        const char *text = gnu_version();
        out->family = MD_GLIBC;
        if (text) copy_string(out->version, sizeof out->version, text, strlen(text));
        return 0;
    }
    /* musl: the loader banner in a read-only segment; data-only segments first, the
     * highest first (rodata follows the headers and symbol tables). */
    for (int pass = 0; pass < 2 && out->family == MD_UNKNOWN; pass++) {
        for (int i = walk.nranges - 1; i >= 0; i--) {
            if (walk.ranges[i].exec != pass) continue;
            if (md_musl_version_in(walk.ranges[i].start, walk.ranges[i].size, out->version, sizeof out->version,
                                   out->reason, sizeof out->reason)) {
                out->family = MD_MUSL;
                break;
            }
        }
    }
    if (out->family == MD_MUSL) {
        musl_cross_check(&walk, out);
    } else {
        snprintf(out->reason, sizeof out->reason, "the C library (%.400s) is neither musl nor glibc", out->path);
    }
    return 0;
}
