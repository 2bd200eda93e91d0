/* The central directory and the byte accounting, common case only (see md_zip.h). Each
 * rule is the Python reader's, named beside it; tests/test_zip_twins.py holds the two to
 * the same members, or the Python reader's own refusal, on the real wheels and altered
 * copies of them. */
#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64 /* local headers past 2 GiB on 32-bit hosts */
#include "md_zip.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CENTRAL_SIZE 46 /* _zip_records.CENTRAL */
#define LOCAL_SIZE 30   /* _zip_records.LOCAL */
#define CENTRAL_FIXED_AT 8
#define LOCAL_FIXED_AT 6
#define FIXED_LENGTH 22
#define MAX32 0xFFFFFFFFu
#define FLAG_DESCRIPTOR 0x0008
#define FLAGS_REFUSED (0x0001 | 0x0020 | 0x0040 | 0x2000) /* encrypted, patched, strong encryption, masked headers */
#define MAX_VERSION_NEEDED 63
#define CHUNK ((uint64_t)1 << 20)               /* _zip_layout.CHUNK */
#define MAX_MEMBER_SIZE ((uint64_t)4 << 30)     /* _zip_layout.MAX_MEMBER_SIZE */
#define MAX_RATIO 1000                          /* _zip_layout.MAX_RATIO */
#define MAX_NAME 0xFFFF

static uint32_t little(const unsigned char *at, int width)
{
    uint32_t value = 0;
    for (int i = width - 1; i >= 0; i--) value = value << 8 | at[i];
    return value;
}

/* parse_central and accepted_name's checks, where an entry takes their simple path. */
static int central_entry(const unsigned char *directory, size_t directory_size, size_t *at, struct md_zip_member *out)
{
    const unsigned char *entry = directory + *at;
    if (directory_size - *at < CENTRAL_SIZE || memcmp(entry, "PK\1\2", 4) != 0) return MD_ZIP_DECLINED;
    uint32_t needed = little(entry + 6, 2), flags = little(entry + 8, 2), method = little(entry + 10, 2);
    uint32_t compressed = little(entry + 20, 4), size = little(entry + 24, 4), offset = little(entry + 42, 4);
    size_t name_length = little(entry + 28, 2), extra_length = little(entry + 30, 2);
    size_t comment_length = little(entry + 32, 2);
    uint32_t mode = little(entry + 38, 4) >> 16;
    if (directory_size - *at - CENTRAL_SIZE < name_length + comment_length || extra_length) return MD_ZIP_DECLINED;
    if (compressed == MAX32 || size == MAX32 || offset == MAX32) return MD_ZIP_DECLINED; /* ZIP64 needed */
    if (flags & FLAGS_REFUSED || (needed & 0xFF) > MAX_VERSION_NEEDED || (method != 0 && method != 8)) {
        return MD_ZIP_DECLINED;
    }
    if ((mode & 0170000) == 0120000) return MD_ZIP_DECLINED; /* a symbolic link */
    for (size_t i = 0; i < name_length; i++) {
        if (entry[CENTRAL_SIZE + i] >= 0x80) return MD_ZIP_DECLINED; /* _decoded_name: ASCII only here */
    }
    out->name_at = *at + CENTRAL_SIZE;
    out->name_length = name_length;
    out->method = (uint16_t)method;
    out->crc = little(entry + 16, 4);
    out->compressed = compressed;
    out->size = size;
    out->local_offset = offset;
    *at += CENTRAL_SIZE + name_length + comment_length;
    return MD_ZIP_OK;
}

/* _size_check: a declared size no member may have. */
static int size_refused(const struct md_zip_member *member, const unsigned char *name)
{
    uint64_t compressed = member->compressed ? member->compressed : 1;
    if (member->size > MAX_MEMBER_SIZE) return 1;
    if (member->size > CHUNK && member->size > (uint64_t)MAX_RATIO * compressed) return 1;
    return member->name_length && name[member->name_length - 1] == '/' && member->size;
}

/* Accounting._entry where _repeats holds: the local header where the entry points, its
 * fields, an empty extra field and the name as the central entry has them. */
static int local_header(int fd, uint64_t file_size, const unsigned char *directory, struct md_zip_member *member,
                        unsigned char *header)
{
    size_t length = LOCAL_SIZE + member->name_length;
    if (member->local_offset > file_size || length > file_size - member->local_offset) return MD_ZIP_DECLINED;
    size_t got = 0;
    while (got < length) {
        ssize_t n = pread(fd, header + got, length - got, (off_t)(member->local_offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return MD_ZIP_DECLINED; /* the Python reader reads it again and says why */
        got += (size_t)n;
    }
    const unsigned char *central = directory + member->name_at - CENTRAL_SIZE;
    if (memcmp(header, "PK\3\4", 4) != 0 || little(central + 8, 2) & FLAG_DESCRIPTOR) return MD_ZIP_DECLINED;
    if (memcmp(header + LOCAL_FIXED_AT, central + CENTRAL_FIXED_AT, FIXED_LENGTH) != 0) return MD_ZIP_DECLINED;
    if (header[28] || header[29]) return MD_ZIP_DECLINED; /* a local extra field */
    if (memcmp(header + LOCAL_SIZE, directory + member->name_at, member->name_length) != 0) return MD_ZIP_DECLINED;
    member->data_offset = member->local_offset + length;
    return MD_ZIP_OK;
}

int md_zip_walk(int fd, uint64_t file_size, const unsigned char *directory, size_t directory_size, size_t count,
                uint64_t directory_offset, struct md_zip_member *out)
{
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
        if (central_entry(directory, directory_size, &at, &out[i]) != MD_ZIP_OK) return MD_ZIP_DECLINED;
    }
    if (at != directory_size) return MD_ZIP_DECLINED;
    /* Accounting walks the entries by their local offsets; a directory written in file
     * order (every tool writes one so) is walked here, any other by the Python reader. */
    for (size_t i = 1; i < count; i++) {
        if (out[i].local_offset <= out[i - 1].local_offset) return MD_ZIP_DECLINED;
    }
    unsigned char *header = malloc(LOCAL_SIZE + MAX_NAME); /* not on the stack: a thread's may be 128 KiB (musl) */
    if (!header) return MD_ZIP_DECLINED;
    int answer = MD_ZIP_OK;
    uint64_t expected = 0;
    for (size_t position = 0; position < count; position++) {
        struct md_zip_member *member = &out[position];
        const unsigned char *name = directory + member->name_at;
        if (member->local_offset != expected /* a gap or an overlap */
            || local_header(fd, file_size, directory, member, header) != MD_ZIP_OK
            || ((member->size > CHUNK || (member->name_length && name[member->name_length - 1] == '/'))
                && size_refused(member, name))) {
            answer = MD_ZIP_DECLINED;
            break;
        }
        expected = member->data_offset + member->compressed;
    }
    free(header);
    return answer == MD_ZIP_OK && expected == directory_offset ? MD_ZIP_OK : MD_ZIP_DECLINED;
}
