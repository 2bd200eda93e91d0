/* md_read_member fed and drained in steps of a few bytes (built with a small MD_INFLATE_STEP
 * by csrc/check.sh): every stream zlib makes of data of many lengths and kinds inflates back
 * to that data, complete, its CRC zlib's, and one byte short of room says it runs past.
 * The steps real members take are 4 GiB; these meet the same edges (input taken exactly as
 * output fills, output full with bits still held) thousands of times. */
#define _XOPEN_SOURCE 700
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "md_inflate.h"

/* `size` bytes of one of three kinds: runs (long matches), text-like, random. */
static void fill(unsigned char *data, size_t size, int kind, unsigned seed)
{
    for (size_t i = 0; i < size; i++) {
        seed = seed * 1103515245u + 12345u;
        data[i] = kind == 0 ? (unsigned char)(i / 97) : kind == 1 ? (unsigned char)("abcab \n"[(seed >> 16) % 7])
                                                                   : (unsigned char)(seed >> 16);
    }
}

/* The raw deflate stream of `data` at `level`, into `out`; its length. */
static size_t deflated(const unsigned char *data, size_t size, int level, unsigned char *out, size_t room)
{
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    if (deflateInit2(&stream, level, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) exit(2);
    stream.next_in = (unsigned char *)data;
    stream.avail_in = (uInt)size;
    stream.next_out = out;
    stream.avail_out = (uInt)room;
    if (deflate(&stream, Z_FINISH) != Z_STREAM_END) exit(2);
    deflateEnd(&stream);
    return room - stream.avail_out;
}

int main(void)
{
    enum { MOST = 6000 };
    static unsigned char data[MOST], packed[2 * MOST + 64], out[MOST + 1], scratch[2 * MOST + 64];
    char path[] = "/tmp/md_inflate_check.XXXXXX";
    int fd = mkstemp(path), failures = 0, checked = 0;
    if (fd < 0) return 2;
    unlink(path);
    for (size_t size = 0; size <= MOST; size += size < 300 ? 1 : 37) {
        for (int kind = 0; kind < 3; kind++) {
            for (int level = 1; level <= 9; level += 4) {
                fill(data, size, kind, (unsigned)(size * 7 + (size_t)kind));
                size_t length = deflated(data, size, level, packed, sizeof packed);
                if (pwrite(fd, packed, length, 0) != (ssize_t)length) return 2;
                struct md_member_read read;
                md_read_member(fd, 0, length, size, MD_DEFLATED, out, scratch, &read);
                uint32_t crc = (uint32_t)crc32(0L, data, (uInt)size);
                int right = read.produced == size && read.complete && read.crc == crc && !read.inflate_error &&
                            memcmp(out, data, size) == 0;
                /* Declared a byte short: one byte past is made, never more. */
                if (size > 0) {
                    md_read_member(fd, 0, length, size - 1, MD_DEFLATED, out, scratch, &read);
                    right = right && read.produced == size && !read.inflate_error;
                }
                if (!right && failures++ < 5) fprintf(stderr, "size %zu kind %d level %d: wrong\n", size, kind, level);
                checked++;
            }
        }
    }
    close(fd);
    printf("md_read_member in steps of %d bytes: %d streams, %d wrong\n", MD_INFLATE_STEP, checked, failures);
    return failures != 0;
}
