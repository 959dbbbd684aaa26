/* SPDX-License-Identifier: Apache-2.0 */
/* PNG/JPEG decoding and IDX reading. The fixtures (tests/fixtures/images, made by
 * make_fixtures.py) pair every image with the RGB array Pillow decodes from it; the decoder must
 * reproduce each exactly. Runs in tests/ (the unit tests' working directory). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "image/image.h"
#include "lib/npy.h"

#define FX "fixtures/images/"

static const char *good[] = {
    "gray1.png", "gray2.png", "gray4.png", "gray8.png", "gray16.png", "gray8_trns.png",
    "gray_alpha8.png", "gray_alpha16.png", "palette1.png", "palette4.png", "palette8.png",
    "palette8_trns.png", "rgb8.png", "rgb8_trns.png", "rgb16.png", "rgba8.png", "rgba16.png",
    "rgb8_interlaced.png", "gray4_interlaced.png", "rgba16_interlaced.png", "jpeg_baseline.jpg",
    "jpeg_444.jpg", "jpeg_progressive.jpg", "jpeg_gray.jpg", "jpeg_cmyk.jpg",
};

static void test_fixtures_match_pil(void **state)
{
    (void)state;
    int matched = 0;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char img[256], ref[256];
        snprintf(img, sizeof img, FX "%s", good[i]);
        snprintf(ref, sizeof ref, FX "%.*s.npy", (int)(strrchr(good[i], '.') - good[i]), good[i]);
        dlk_image im;
        dlk_npy a;
        dlk_err err = {{0}};
        if (dlk_image_load(img, &im, &err)) fail_msg("%s", err.msg);
        if (dlk_npy_read(ref, &a, &err)) fail_msg("%s", err.msg);
        assert_int_equal(a.shape.dtype, DLK_UINT8);
        assert_int_equal(a.shape.ndim, 3);
        assert_int_equal(a.shape.dims[0], im.h);
        assert_int_equal(a.shape.dims[1], im.w);
        assert_int_equal(a.shape.dims[2], 3);
        int bad = 0, n = im.w * im.h * 3;
        for (int k = 0; k < n; k++) bad += im.rgb[k] != ((uint8_t *)a.data)[k];
        if (bad) print_error("%s: %d of %d bytes differ from Pillow's decoding\n", good[i], bad, n);
        else matched++;
        assert_int_equal(bad, 0);
        dlk_image_free(&im);
        dlk_npy_free(&a);
    }
    print_message("%d of %zu fixtures decoded exactly as Pillow\n", matched, sizeof good / sizeof good[0]);
}

static void expect_error(const char *file, const char *needle)
{
    char path[256];
    snprintf(path, sizeof path, FX "%s", file);
    dlk_image im = {1, 1, NULL, 0};
    dlk_err err = {{0}};
    int rc = dlk_image_load(path, &im, &err);
    if (rc == 0) fail_msg("%s: decoded, expected an error", file);
    if (!strstr(err.msg, path)) fail_msg("%s: message does not name the file: %s", file, err.msg);
    if (needle && !strstr(err.msg, needle)) fail_msg("%s: expected '%s' in: %s", file, needle, err.msg);
    assert_null(im.rgb);
    assert_int_equal(im.w, 0);
}

static void test_bad_files(void **state)
{
    (void)state;
    expect_error("bad_empty.png", "empty");
    expect_error("bad_truncated.png", "truncated");
    expect_error("bad_signature_only.png", "truncated");
    expect_error("bad_crc.png", "CRC");
    expect_error("bad_truncated.jpg", "Premature end");
    expect_error("bad_garbage.jpg", "JPEG");
    expect_error("bad_text.png", "not a PNG or JPEG");
    expect_error("bad_gif.gif", "GIF");
    expect_error("bad_huge.png", "too large");
    expect_error("bad_huge.jpg", "too large");
    expect_error("no_such_file.png", "cannot open");
}

static void test_load_buffer_and_gray(void **state)
{
    (void)state;
    dlk_image im;
    dlk_err err = {{0}};
    assert_int_not_equal(dlk_image_load_buffer("", 0, "mem", &im, &err), 0);
    assert_non_null(strstr(err.msg, "mem"));
    const uint8_t g[6] = {0, 1, 2, 253, 254, 255};
    assert_int_equal(dlk_image_from_gray(g, 3, 2, &im, &err), 0);
    assert_int_equal(im.w, 3);
    assert_int_equal(im.h, 2);
    for (int i = 0; i < 6; i++)
        for (int c = 0; c < 3; c++) assert_int_equal(im.rgb[i * 3 + c], g[i]);
    dlk_image_free(&im);
    assert_int_not_equal(dlk_image_from_gray(g, 0, 2, &im, &err), 0);
    assert_int_not_equal(dlk_image_from_gray(g, 40000, 2, &im, &err), 0);
}


/* --- the decode budget (image.h): eval --threads N must not hold N maximal images ------------ */
typedef struct {
    const char *path;
    atomic_int decoded, freeing;
    int saw_freeing; /* B: whether A had begun freeing when B's decode returned */
} budget_job;

static void sleep_ms(int ms)
{
    struct timespec t = {0, ms * 1000000L};
    nanosleep(&t, NULL);
}

static void *budget_a(void *arg)
{
    budget_job *j = arg;
    dlk_image im;
    dlk_err err = {{0}};
    if (dlk_image_load(j->path, &im, &err)) return (void *)1;
    atomic_store(&j->decoded, 1);
    sleep_ms(300); /* B must wait all this time */
    atomic_store(&j->freeing, 1);
    dlk_image_free(&im);
    return NULL;
}

static void *budget_b(void *arg)
{
    budget_job *j = arg;
    while (!atomic_load(&j->decoded)) sleep_ms(1);
    dlk_image im;
    dlk_err err = {{0}};
    if (dlk_image_load(j->path, &im, &err)) return (void *)1;
    j->saw_freeing = atomic_load(&j->freeing);
    dlk_image_free(&im);
    return NULL;
}

static void test_decode_budget(void **state)
{
    (void)state;
    const char *path = FX "jpeg_baseline.jpg";
    dlk_image im, im2;
    dlk_err err = {{0}};
    assert_int_equal(dlk_image_load(path, &im, &err), 0);
    const long long px = (long long)im.w * im.h;
    assert_int_equal(dlk_image_budget_in_use(), px); /* held until freed */
    dlk_limits old, lim = {0, 0, 0};
    dlk_limits_get(&old);
    lim.image_pixels = (unsigned long long)(px + px / 2); /* room for one image, not two */
    dlk_limits_set(&lim);
    /* one thread holding an image may decode another (no deadlock), beyond the budget */
    assert_int_equal(dlk_image_load(path, &im2, &err), 0);
    assert_int_equal(dlk_image_budget_in_use(), 2 * px);
    dlk_image_free(&im2);
    dlk_image_free(&im);
    assert_int_equal(dlk_image_budget_in_use(), 0);
    /* a failed decode gives its pixels back */
    assert_int_not_equal(dlk_image_load(FX "bad_truncated.jpg", &im, &err), 0);
    assert_int_equal(dlk_image_budget_in_use(), 0);
    /* two threads: B's decode waits until A frees its image */
    budget_job j = {path, 0, 0, -1};
    pthread_t a, b;
    assert_int_equal(pthread_create(&a, NULL, budget_a, &j), 0);
    assert_int_equal(pthread_create(&b, NULL, budget_b, &j), 0);
    void *ra, *rb;
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    assert_null(ra);
    assert_null(rb);
    assert_int_equal(j.saw_freeing, 1);
    assert_int_equal(dlk_image_budget_in_use(), 0);
    /* with room for both, B does not wait */
    lim.image_pixels = (unsigned long long)(2 * px);
    dlk_limits_set(&lim);
    budget_job j2 = {path, 0, 0, -1};
    assert_int_equal(pthread_create(&a, NULL, budget_a, &j2), 0);
    assert_int_equal(pthread_create(&b, NULL, budget_b, &j2), 0);
    pthread_join(a, &ra);
    pthread_join(b, &rb);
    assert_int_equal(j2.saw_freeing, 0);
    dlk_limits_set(&old);
}

/* --- IDX ---------------------------------------------------------------------------------- */

static char *write_tmp(const uint8_t *data, size_t n)
{
    static char path[64];
    strcpy(path, "/tmp/dlk_idx_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
    return path;
}

static void test_idx(void **state)
{
    (void)state;
    dlk_idx x;
    dlk_err err = {{0}};
    /* a valid idx3: 2 images of 2x3 */
    uint8_t f3[16 + 12] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3};
    for (int i = 0; i < 12; i++) f3[16 + i] = (uint8_t)(i * 20);
    char *p = write_tmp(f3, sizeof f3);
    assert_int_equal(dlk_idx_read(p, &x, &err), 0);
    assert_int_equal(x.ndim, 3);
    assert_int_equal(x.dims[0], 2);
    assert_int_equal(x.dims[1], 2);
    assert_int_equal(x.dims[2], 3);
    assert_int_equal(x.data[11], 220);
    dlk_idx_free(&x);
    unlink(p);
    /* truncated data */
    p = write_tmp(f3, sizeof f3 - 1);
    assert_int_not_equal(dlk_idx_read(p, &x, &err), 0);
    assert_non_null(strstr(err.msg, "truncated"));
    assert_non_null(strstr(err.msg, p));
    assert_null(x.data);
    unlink(p);
    /* trailing data */
    uint8_t f3b[sizeof f3 + 1];
    memcpy(f3b, f3, sizeof f3);
    f3b[sizeof f3] = 0;
    p = write_tmp(f3b, sizeof f3b);
    assert_int_not_equal(dlk_idx_read(p, &x, &err), 0);
    assert_non_null(strstr(err.msg, "trailing"));
    unlink(p);
    /* wrong type (float) and wrong magic and too short */
    uint8_t ft[sizeof f3];
    memcpy(ft, f3, sizeof f3);
    ft[2] = 0x0D;
    p = write_tmp(ft, sizeof ft);
    assert_int_not_equal(dlk_idx_read(p, &x, &err), 0);
    assert_non_null(strstr(err.msg, "type"));
    unlink(p);
    ft[2] = 8;
    ft[0] = 0x89;
    p = write_tmp(ft, sizeof ft);
    assert_int_not_equal(dlk_idx_read(p, &x, &err), 0);
    assert_non_null(strstr(err.msg, "not an IDX"));
    unlink(p);
    p = write_tmp(f3, 10);
    assert_int_not_equal(dlk_idx_read(p, &x, &err), 0);
    unlink(p);
    /* zero dimension */
    uint8_t fz[16] = {0, 0, 8, 3, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 3};
    p = write_tmp(fz, sizeof fz);
    assert_int_not_equal(dlk_idx_read(p, &x, &err), 0);
    unlink(p);
    /* idx1 labels */
    uint8_t f1[8 + 3] = {0, 0, 8, 1, 0, 0, 0, 3, 7, 8, 9};
    p = write_tmp(f1, sizeof f1);
    assert_int_equal(dlk_idx_read(p, &x, &err), 0);
    assert_int_equal(x.ndim, 1);
    assert_int_equal(x.dims[0], 3);
    assert_int_equal(x.data[2], 9);
    dlk_idx_free(&x);
    unlink(p);
    assert_int_not_equal(dlk_idx_read("/nonexistent/file.idx", &x, &err), 0);
    assert_non_null(strstr(err.msg, "/nonexistent/file.idx"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_match_pil),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_load_buffer_and_gray),
        cmocka_unit_test(test_decode_budget),
        cmocka_unit_test(test_idx),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
