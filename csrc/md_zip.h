/* A wheel's central directory and the byte accounting up to it, in C: the common case of
 * musldetect/_audit/_zip_layout.py (central_entries, Accounting.members) with the checks
 * _zip.py's accepted_name makes of each entry. It answers only for a container every part
 * of which takes the simple path there (ASCII names, no extra fields, no ZIP64, no data
 * descriptors, stored or deflated data, entries in file order, each local header repeating
 * its central entry);
 * anywhere else it declines and the Python reader reads the container and accepts it or
 * refuses it in its own words. Plain C, no Python.h. */
#ifndef MD_ZIP_H
#define MD_ZIP_H

#include <stddef.h>
#include <stdint.h>

/* One member: its name (`name_length` bytes at `name_at` of the directory) and data. */
struct md_zip_member {
    size_t name_at;
    size_t name_length;
    uint16_t method;
    uint32_t crc;
    uint64_t compressed;
    uint64_t size;
    uint64_t local_offset;
    uint64_t data_offset;
};

enum md_zip_answer { MD_ZIP_OK = 0, MD_ZIP_DECLINED = 1 };

/* The `count` entries of `directory` (the central directory, read whole) into out[], in
 * their order there, which must be file order; each local header read from `fd` (a
 * regular file of `file_size` bytes whose directory starts at `directory_offset`) and
 * compared. */
int md_zip_walk(int fd, uint64_t file_size, const unsigned char *directory, size_t directory_size, size_t count,
                uint64_t directory_offset, struct md_zip_member *out);

#endif
