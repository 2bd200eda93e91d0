/* One wheel member read in C: its bytes read from the wheel's descriptor and, deflated,
 * inflated with zlib into memory the caller reuses from member to member, with the CRC-32
 * of what came out. It is the twin of musldetect/_audit/_zip.py's WheelZip.whole (held to
 * it by tests/test_zip_twins.py): it judges nothing, it says what it read, and the caller
 * applies the same checks to both readings. What it saves over the Python reading is one
 * fresh allocation per member, which for a binary of a few MiB is fresh pages, and a few
 * calls. Plain C, no Python.h. */
#ifndef MD_INFLATE_H
#define MD_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#define MD_STORED 0
#define MD_DEFLATED 8

/* What reading one member gave. */
struct md_member_read {
    uint64_t produced;    /* bytes made: at most `size` + 1 (one more says the data runs past) */
    uint32_t crc;         /* CRC-32 of the bytes made, when produced <= size */
    int complete;         /* the stream ended exactly with the compressed data */
    int truncated;        /* the file held fewer than `compressed` bytes at `offset` */
    int read_errno;       /* pread's errno when it failed (0: it did not) */
    int inflate_error;    /* zlib's code when inflating failed (0: it did not) */
    char message[256];    /* zlib's words for that failure (at most 200 of them, as Python keeps) */
};

/* The member whose `compressed` bytes lie at `offset` of `fd`: stored, copied into `out`;
 * deflated (raw, as ZIP has it), read into `scratch` (at least `compressed` bytes) and
 * inflated into `out` (at least `size` + 1 bytes), never more than `size` + 1 bytes made.
 * Returns 0, or -1 when zlib could not start (no memory), the result saying why. */
int md_read_member(int fd, uint64_t offset, uint64_t compressed, uint64_t size, int method, unsigned char *out,
                   unsigned char *scratch, struct md_member_read *result);

/* ZIP's CRC-32 (what zlib's crc32 gives) of `length` bytes at `data`, continuing `crc`
 * (0 to start). */
uint32_t md_crc32(uint32_t crc, const unsigned char *data, uint64_t length);

#endif
