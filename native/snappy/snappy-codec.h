/* The raw Snappy codec of snappy-codec.c. */
#ifndef ARRAYRECORD_SNAPPY_CODEC_H
#define ARRAYRECORD_SNAPPY_CODEC_H
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes src[0..n) (preamble included) into dst[0..cap); returns the decoded length, or -1 if src
 * is malformed or its preamble's length differs from cap. Never reads or writes out of bounds.
 */
int64_t snappy_decode(const uint8_t* src, size_t n, uint8_t* dst, size_t cap);

/*
 * Writes src[0..n) as a raw Snappy block (preamble included) at the start of dst[0..cap); returns
 * its length, or -1 if cap is less than 32 + n + floor(n / 6), or n is 4 GiB or more.
 */
int64_t snappy_compress(const uint8_t* src, size_t n, uint8_t* dst, size_t cap);

#endif
