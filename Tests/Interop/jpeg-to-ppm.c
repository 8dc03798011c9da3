/*
 * jpeg-to-ppm: decodes a JPEG file (vncsnapshot's only output format) into a binary PPM with libjpeg,
 * so the interop tests can compare a stock client's picture with the screen.
 *
 * usage: jpeg-to-ppm IN.jpg OUT.ppm    (exit 0 on success, non-zero with a message otherwise)
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

struct failure {
    struct jpeg_error_mgr base;
    jmp_buf jump;
};

static void on_error(j_common_ptr info) {
    struct failure *f = (struct failure *)info->err;
    (*info->err->output_message)(info);
    longjmp(f->jump, 1);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: %s IN.jpg OUT.ppm\n", argv[0]);
        return 2;
    }
    FILE *in = fopen(argv[1], "rb");
    if (!in) { perror(argv[1]); return 3; }
    struct jpeg_decompress_struct info;
    struct failure err;
    info.err = jpeg_std_error(&err.base);
    err.base.error_exit = on_error;
    unsigned char *row = NULL;
    FILE *out = NULL;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&info);
        fclose(in);
        if (out) fclose(out);
        free(row);
        return 4;
    }
    jpeg_create_decompress(&info);
    jpeg_stdio_src(&info, in);
    jpeg_read_header(&info, TRUE);
    info.out_color_space = JCS_RGB;
    jpeg_start_decompress(&info);
    if (info.output_components != 3) { fprintf(stderr, "jpeg-to-ppm: not RGB\n"); return 5; }
    out = fopen(argv[2], "wb");
    if (!out) { perror(argv[2]); return 6; }
    fprintf(out, "P6\n%u %u\n255\n", info.output_width, info.output_height);
    row = malloc((size_t)info.output_width * 3);
    if (!row) return 7;
    while (info.output_scanline < info.output_height) {
        JSAMPROW rows[1] = { row };
        jpeg_read_scanlines(&info, rows, 1);
        if (fwrite(row, 3, info.output_width, out) != info.output_width) { perror(argv[2]); return 8; }
    }
    jpeg_finish_decompress(&info);
    jpeg_destroy_decompress(&info);
    free(row);
    fclose(in);
    if (fclose(out) != 0) { perror(argv[2]); return 9; }
    return 0;
}
