/* One wheel member read and inflated into reused memory (see md_inflate.h). */
#define _XOPEN_SOURCE 700
#define _FILE_OFFSET_BITS 64 /* members past 2 GiB on 32-bit hosts */
#include "md_inflate.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* -- CRC-32 ----------------------------------------------------------------------------
 * ZIP's CRC-32 (zlib's crc32) is about a twentieth of reading a deflated member, and a
 * whole pass over its bytes. On x86 CPUs with carry-less multiplication it is computed by
 * folding 64 bytes at a time (Gopal et al., "Fast CRC Computation for Generic Polynomials
 * Using PCLMULQDQ Instruction", Intel, 2009): about four times zlib 1.2's speed. zlib
 * computes what is left, and everywhere else. Every load is unaligned (_mm_loadu), so
 * where the bytes start in memory does not matter. tests/test_zip_twins.py holds the two
 * to zlib.crc32 at every length up to a few blocks, and on every real wheel. */
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define MD_FOLDED_CRC 1

/* The constants of the reflected polynomial 0xEDB88320, each x^n mod P bit-reflected
 * (the paper's table for CRC-32): a fold over 512 bits, over 128, from 128 bits to 64,
 * and the Barrett reduction (P itself and floor(x^64 / P)). */
static const uint64_t FOLD_512[2] = {0x0154442bd4, 0x01c6e41596};
static const uint64_t FOLD_128[2] = {0x01751997d0, 0x00ccaa009e};
static const uint64_t FOLD_64[2] = {0x0163cd6124, 0};
static const uint64_t BARRETT[2] = {0x01db710641, 0x01f7011641};

/* `block` folded forward over 128 bits by `constants`, then `next` added. */
__attribute__((target("pclmul,sse4.1"))) static __m128i fold(__m128i block, __m128i constants, __m128i next)
{
    __m128i low = _mm_clmulepi64_si128(block, constants, 0x00);
    __m128i high = _mm_clmulepi64_si128(block, constants, 0x11);
    return _mm_xor_si128(_mm_xor_si128(low, high), next);
}

/* The CRC state (inverted, as zlib keeps it inside) after `length` bytes: a multiple of
 * 16, at least 64. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t folded_crc(uint32_t state, const unsigned char *data,
                                                                      uint64_t length)
{
    __m128i a = _mm_loadu_si128((const __m128i *)data), b = _mm_loadu_si128((const __m128i *)(data + 16));
    __m128i c = _mm_loadu_si128((const __m128i *)(data + 32)), d = _mm_loadu_si128((const __m128i *)(data + 48));
    a = _mm_xor_si128(a, _mm_cvtsi32_si128((int)state));
    __m128i constants = _mm_loadu_si128((const __m128i *)FOLD_512);
    for (data += 64, length -= 64; length >= 64; data += 64, length -= 64) {
        a = fold(a, constants, _mm_loadu_si128((const __m128i *)data));
        b = fold(b, constants, _mm_loadu_si128((const __m128i *)(data + 16)));
        c = fold(c, constants, _mm_loadu_si128((const __m128i *)(data + 32)));
        d = fold(d, constants, _mm_loadu_si128((const __m128i *)(data + 48)));
    }
    constants = _mm_loadu_si128((const __m128i *)FOLD_128);
    a = fold(fold(fold(a, constants, b), constants, c), constants, d);
    for (; length >= 16; data += 16, length -= 16) a = fold(a, constants, _mm_loadu_si128((const __m128i *)data));
    /* 128 bits to 64, then 64 to 32 (the low 32 bits of each 64-bit lane kept by `mask`). */
    __m128i mask = _mm_setr_epi32(-1, 0, -1, 0);
    a = _mm_xor_si128(_mm_srli_si128(a, 8), _mm_clmulepi64_si128(a, constants, 0x10));
    constants = _mm_loadl_epi64((const __m128i *)FOLD_64);
    a = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(a, mask), constants, 0x00), _mm_srli_si128(a, 4));
    /* Barrett: the remainder of the 64 bits left, by P. */
    constants = _mm_loadu_si128((const __m128i *)BARRETT);
    __m128i quotient = _mm_and_si128(_mm_clmulepi64_si128(_mm_and_si128(a, mask), constants, 0x10), mask);
    a = _mm_xor_si128(a, _mm_clmulepi64_si128(quotient, constants, 0x00));
    return (uint32_t)_mm_extract_epi32(a, 1);
}

/* Whether this CPU multiplies without carries (and has SSE4.1): the compiler's runtime
 * reads CPUID once, before any caller, so threads share the answer without a race. */
static int can_fold(void)
{
    return __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
}
#endif

/* zlib's crc32 of `length` bytes after `crc`, zlib counting in uInt. */
static uint32_t zlib_crc(uint32_t crc, const unsigned char *data, uint64_t length)
{
    uLong value = crc;
    while (length) {
        uInt part = length > UINT_MAX ? UINT_MAX : (uInt)length;
        value = crc32(value, data, part);
        data += part;
        length -= part;
    }
    return (uint32_t)value;
}

uint32_t md_crc32(uint32_t crc, const unsigned char *data, uint64_t length)
{
#ifdef MD_FOLDED_CRC
    if (length >= 64 && can_fold()) {
        uint64_t folded = length & ~(uint64_t)15;
        crc = ~folded_crc(~crc, data, folded);
        data += folded;
        length -= folded;
    }
#endif
    return zlib_crc(crc, data, length);
}

/* Every byte of [offset, offset + length) into `to`: fewer only at the end of the file. */
static int read_exactly(int fd, unsigned char *to, uint64_t length, uint64_t offset, uint64_t *got)
{
    *got = 0;
    while (*got < length) {
        size_t asked = length - *got > (uint64_t)SSIZE_MAX ? (size_t)SSIZE_MAX : (size_t)(length - *got);
        ssize_t read = pread(fd, to + *got, asked, (off_t)(offset + *got));
        if (read < 0 && errno == EINTR) continue;
        if (read < 0) return errno;
        if (read == 0) break;
        *got += (uint64_t)read;
    }
    return 0;
}

/* zlib counts in uInt: a member larger than that is fed and drained in steps (of a few
 * bytes in csrc/md_inflate_check.c, which builds this file with a small MD_INFLATE_STEP so
 * that every way a step can end is met). */
#ifndef MD_INFLATE_STEP
#define MD_INFLATE_STEP UINT_MAX
#endif
static uInt step(uint64_t left)
{
    return left > MD_INFLATE_STEP ? MD_INFLATE_STEP : (uInt)left;
}

/* zlib's failure in the words Python's zlib module gives it (zlibmodule.c, zlib_error):
 * the stream's message, else one for the code, else the code alone. */
static void say_why(struct md_member_read *result, int code, const char *message)
{
    if (code == Z_VERSION_ERROR) message = "library version mismatch";
    if (!message && code == Z_BUF_ERROR) message = "incomplete or truncated stream";
    if (!message && code == Z_STREAM_ERROR) message = "inconsistent stream state";
    if (!message && code == Z_DATA_ERROR) message = "invalid input data";
    if (message) {
        snprintf(result->message, sizeof result->message, "Error %d while decompressing data: %.200s", code, message);
    } else {
        snprintf(result->message, sizeof result->message, "Error %d while decompressing data", code);
    }
}

/* Raw deflate from `in` into `out`, at most `room` bytes made, as Python's zlib makes them
 * for decompress(data, max_length): stopping at the stream's end, at an error, or with the
 * output full. */
static int inflate_into(const unsigned char *in, uint64_t length, unsigned char *out, uint64_t room,
                        struct md_member_read *result)
{
    z_stream stream;
    memset(&stream, 0, sizeof stream);
    int code = inflateInit2(&stream, -MAX_WBITS);
    if (code != Z_OK) {
        snprintf(result->message, sizeof result->message, "Error %d while preparing to decompress data", code);
        result->inflate_error = code;
        return -1;
    }
    uint64_t fed = 0, made = 0;
    do {
        if (stream.avail_in == 0 && fed < length) {
            stream.next_in = (unsigned char *)in + fed; /* zlib's interface is not const */
            stream.avail_in = step(length - fed);
            fed += stream.avail_in;
        }
        if (stream.avail_out == 0 && made < room) {
            stream.next_out = out + made;
            stream.avail_out = step(room - made);
            made += stream.avail_out;
        }
        code = inflate(&stream, Z_NO_FLUSH);
        /* Output full: more room while there is any (zlib may hold bits that make more,
         * its input all taken). Else more input while there is any. */
    } while (code == Z_OK && (stream.avail_out == 0 ? made < room : stream.avail_in || fed < length));
    result->produced = made - stream.avail_out;
    result->complete = code == Z_STREAM_END && stream.avail_in == 0 && fed == length;
    if (code != Z_OK && code != Z_STREAM_END && code != Z_BUF_ERROR) {
        result->inflate_error = code;
        say_why(result, code, stream.msg);
    }
    inflateEnd(&stream);
    return 0;
}

int md_read_member(int fd, uint64_t offset, uint64_t compressed, uint64_t size, int method, unsigned char *out,
                   unsigned char *scratch, struct md_member_read *result)
{
    memset(result, 0, sizeof *result);
    uint64_t got = 0;
    result->read_errno = read_exactly(fd, method == MD_DEFLATED ? scratch : out, compressed, offset, &got);
    if (result->read_errno || got != compressed) {
        result->truncated = !result->read_errno;
        return 0;
    }
    if (method == MD_DEFLATED) {
        if (inflate_into(scratch, compressed, out, size + 1, result) != 0) return -1;
    } else {
        result->produced = compressed;
        result->complete = 1;
    }
    if (result->produced <= size) result->crc = md_crc32(0, out, result->produced);
    return 0;
}
