// libpng reports errors by longjmp, which Swift code cannot catch. These small C helpers keep every
// setjmp/longjmp inside C: they return 0 on success, or -1 with a message in `err`.
#ifndef REMOTE_ASSIST_CLIBPNG_SHIM_H
#define REMOTE_ASSIST_CLIBPNG_SHIM_H

#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned char *data;
    size_t length;
    size_t capacity;
    int failed;
} ra_png_buffer;

typedef struct {
    const unsigned char *data;
    size_t length;
    size_t offset;
} ra_png_source;

typedef struct {
    char *message;
    size_t capacity;
} ra_png_error_sink;

static inline void ra_png_on_error(png_structp png, png_const_charp msg) {
    ra_png_error_sink *sink = (ra_png_error_sink *)png_get_error_ptr(png);
    if (sink && sink->message && sink->capacity > 0) {
        strncpy(sink->message, msg ? msg : "libpng error", sink->capacity - 1);
        sink->message[sink->capacity - 1] = 0;
    }
    png_longjmp(png, 1);
}

static inline void ra_png_on_warning(png_structp png, png_const_charp msg) { (void)png; (void)msg; }

static inline void ra_png_write_data(png_structp png, png_bytep bytes, size_t n) {
    ra_png_buffer *b = (ra_png_buffer *)png_get_io_ptr(png);
    if (b->length + n > b->capacity) {
        size_t cap = b->capacity ? b->capacity : 65536;
        while (cap < b->length + n) cap *= 2;
        unsigned char *grown = (unsigned char *)realloc(b->data, cap);
        if (!grown) { b->failed = 1; png_error(png, "out of memory"); }
        b->data = grown;
        b->capacity = cap;
    }
    memcpy(b->data + b->length, bytes, n);
    b->length += n;
}

static inline void ra_png_flush(png_structp png) { (void)png; }

/// Encodes `height` rows of `width` pixels laid out as bytes B,G,R,X (stride `stride` bytes) as an 8-bit
/// RGB PNG. `filters` is a mask of PNG_FILTER_* values. On success *out is a malloc'd buffer to free().
static inline int ra_png_encode_bgrx(const unsigned char *pixels, uint32_t width, uint32_t height, size_t stride,
                                     int level, int filters, unsigned char **out, size_t *out_length,
                                     char *err, size_t err_capacity) {
    ra_png_error_sink sink = { err, err_capacity };
    ra_png_buffer buffer = { NULL, 0, 0, 0 };
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, ra_png_on_error, ra_png_on_warning);
    if (!png) { strncpy(err, "cannot create a PNG writer", err_capacity - 1); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_write_struct(&png, NULL); strncpy(err, "cannot create PNG info", err_capacity - 1); return -1; }
    ra_png_buffer *volatile bp = &buffer;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(bp->data);
        return -1;
    }
    png_set_write_fn(png, &buffer, ra_png_write_data, ra_png_flush);
    png_set_IHDR(png, info, width, height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_compression_level(png, level);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, filters);
    png_write_info(png, info);
    png_set_bgr(png);
    png_set_filler(png, 0, PNG_FILLER_AFTER);
    for (uint32_t y = 0; y < height; y++) {
        png_write_row(png, (png_const_bytep)(pixels + (size_t)y * stride));
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    *out = buffer.data;
    *out_length = buffer.length;
    return 0;
}

/// The most libpng may allocate when it decompresses a chunk (zTXt, iTXt, iCCP).
#define RA_PNG_CHUNK_MALLOC_MAX (8u << 20)

/// Checks that every chunk length fits in the data before libpng sees it: libpng allocates a text chunk's
/// declared length before reading it, so a 121-byte file declaring a 2 GB tEXt chunk cost a 2 GB
/// allocation (and a second) per read. Data that ends inside a chunk header is left to libpng.
static inline int ra_png_check_chunks(const unsigned char *data, size_t length, char *err, size_t err_capacity) {
    size_t offset = 8;
    while (length - offset >= 8) {
        const unsigned char *c = data + offset;
        size_t n = (size_t)c[0] << 24 | (size_t)c[1] << 16 | (size_t)c[2] << 8 | (size_t)c[3];
        if (n > 0x7FFFFFFFu || n > length - offset - 8 || length - offset - 8 - n < 4) {
            snprintf(err, err_capacity, "chunk %c%c%c%c of %zu bytes runs past the end of the file",
                     c[4] & 0x7F, c[5] & 0x7F, c[6] & 0x7F, c[7] & 0x7F, n);
            return -1;
        }
        if (memcmp(c + 4, "IEND", 4) == 0) break;
        offset += 12 + n;
    }
    return 0;
}

static inline void ra_png_read_data(png_structp png, png_bytep bytes, size_t n) {
    ra_png_source *s = (ra_png_source *)png_get_io_ptr(png);
    if (n > s->length - s->offset) png_error(png, "the PNG data ends early (truncated file)");
    memcpy(bytes, s->data + s->offset, n);
    s->offset += n;
}

/// Reads the size of a PNG held in memory, after checking its signature and header. Sides above
/// `max_side` or more than `max_pixels` pixels are refused before any pixel memory is allocated.
static inline int ra_png_read_header(const unsigned char *data, size_t length, uint32_t max_side, uint64_t max_pixels,
                                     uint32_t *width, uint32_t *height, char *err, size_t err_capacity) {
    ra_png_error_sink sink = { err, err_capacity };
    if (length < 8 || png_sig_cmp(data, 0, 8) != 0) { strncpy(err, "not a PNG file (bad signature)", err_capacity - 1); return -1; }
    if (ra_png_check_chunks(data, length, err, err_capacity) != 0) return -1;
    ra_png_source source = { data, length, 0 };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, ra_png_on_error, ra_png_on_warning);
    if (!png) { strncpy(err, "cannot create a PNG reader", err_capacity - 1); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); strncpy(err, "cannot create PNG info", err_capacity - 1); return -1; }
    if (setjmp(png_jmpbuf(png))) { png_destroy_read_struct(&png, &info, NULL); return -1; }
    png_set_user_limits(png, max_side, max_side);
    png_set_chunk_malloc_max(png, RA_PNG_CHUNK_MALLOC_MAX);
    png_set_read_fn(png, &source, ra_png_read_data);
    png_read_info(png, info);
    uint32_t w = png_get_image_width(png, info), h = png_get_image_height(png, info);
    png_destroy_read_struct(&png, &info, NULL);
    if ((uint64_t)w * (uint64_t)h > max_pixels) { strncpy(err, "the PNG has too many pixels", err_capacity - 1); return -1; }
    *width = w;
    *height = h;
    return 0;
}

/// Decodes a PNG of `width` x `height` (from ra_png_read_header) into B,G,R,0 bytes at `pixels`
/// (`stride` bytes a row). Any colour type and bit depth is converted; alpha is dropped.
static inline int ra_png_decode_bgrx(const unsigned char *data, size_t length, uint32_t width, uint32_t height,
                                     unsigned char *pixels, size_t stride, char *err, size_t err_capacity) {
    ra_png_error_sink sink = { err, err_capacity };
    if (length < 8 || ra_png_check_chunks(data, length, err, err_capacity) != 0) return -1;
    ra_png_source source = { data, length, 0 };
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, ra_png_on_error, ra_png_on_warning);
    if (!png) { strncpy(err, "cannot create a PNG reader", err_capacity - 1); return -1; }
    png_infop info = png_create_info_struct(png);
    if (!info) { png_destroy_read_struct(&png, NULL, NULL); strncpy(err, "cannot create PNG info", err_capacity - 1); return -1; }
    if (setjmp(png_jmpbuf(png))) { png_destroy_read_struct(&png, &info, NULL); return -1; }
    png_set_user_limits(png, width, height);
    png_set_chunk_malloc_max(png, RA_PNG_CHUNK_MALLOC_MAX);
    png_set_read_fn(png, &source, ra_png_read_data);
    png_read_info(png, info);
    if (png_get_image_width(png, info) != width || png_get_image_height(png, info) != height) {
        png_error(png, "the PNG size changed between reads");
    }
    int colour = png_get_color_type(png, info);
    int depth = png_get_bit_depth(png, info);
    if (colour == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colour == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) png_set_strip_16(png);
    if (colour & PNG_COLOR_MASK_ALPHA) png_set_strip_alpha(png);
    if (colour == PNG_COLOR_TYPE_GRAY || colour == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
    png_set_bgr(png);
    png_set_filler(png, 0, PNG_FILLER_AFTER);
    int passes = png_set_interlace_handling(png);
    png_read_update_info(png, info);
    if (png_get_rowbytes(png, info) != (size_t)width * 4) png_error(png, "unexpected PNG row size after conversion");
    for (int pass = 0; pass < passes; pass++) {
        for (uint32_t y = 0; y < height; y++) png_read_row(png, pixels + (size_t)y * stride, NULL);
    }
    /* The fourth byte is the pad byte, 0 in our layout. libpng leaves alpha there when it expands a
       palette with a tRNS chunk to RGBA (png_set_strip_alpha does not apply to that expansion). */
    for (uint32_t y = 0; y < height; y++) {
        unsigned char *row = pixels + (size_t)y * stride;
        for (uint32_t x = 0; x < width; x++) row[(size_t)x * 4 + 3] = 0;
    }
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);
    return 0;
}

#endif
