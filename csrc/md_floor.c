/* The floor under the native backend's cold detection: what any reader of the mapped C
 * library must do at least. One dl_iterate_phdr walk to find the object that holds
 * dl_iterate_phdr, then one memchr-driven pass over its read-only segment that holds the
 * musl banner (memmem for the banner, memchr from dot to dot). No version rules, no
 * cross-check: a lower bound to measure md_detect against, not a detector. On glibc the
 * floor is the walk and one gnu_get_libc_version() call, as glibc answers for itself.
 * Usage: md_floor [ROUNDS]   (prints the median-free mean; run it beside md_selftest --bench) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct found {
    uintptr_t target;
    const unsigned char *start[16];
    size_t size[16];
    int count;
};

static int visit(struct dl_phdr_info *info, size_t size, void *data)
{
    struct found *f = data;
    (void)size;
    int holds = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && f->target >= lo && f->target < lo + ph->p_memsz) holds = 1;
    }
    if (!holds) return 0;
    for (int i = 0; i < info->dlpi_phnum && f->count < 16; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W)) continue;
        f->start[f->count] = (const unsigned char *)(info->dlpi_addr + ph->p_vaddr);
        f->size[f->count] = ph->p_filesz;
        f->count++;
    }
    return 1;
}

static size_t floor_once(void)
{
    struct found f;
    memset(&f, 0, sizeof f);
    f.target = (uintptr_t)&dl_iterate_phdr;
    dl_iterate_phdr(visit, &f);
    const char *(*gnu_version)(void) = (const char *(*)(void))dlsym(RTLD_DEFAULT, "gnu_get_libc_version");
    if (gnu_version) return strlen(gnu_version());
    size_t dots = 0;
    for (int s = 0; s < f.count; s++) {
        const unsigned char *p = f.start[s], *end = p + f.size[s];
        if (!memmem(p, f.size[s], "musl libc (", 11)) continue;
        while ((p = memchr(p, '.', (size_t)(end - p))) != NULL) {
            dots++;
            p++;
        }
        break;
    }
    return dots;
}

int main(int argc, char **argv)
{
    long rounds = argc > 1 ? atol(argv[1]) : 2000;
    struct timespec a, b;
    size_t dots = floor_once();
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < rounds; i++) dots += floor_once() & 1;
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("floor: %.2f us per call (dot count %zu)\n",
           ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / rounds / 1e3, dots);
    return 0;
}
