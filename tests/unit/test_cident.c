/* SPDX-License-Identifier: Apache-2.0 */
/* The generated C's names (codegen/cident.h): exact comment escapes, and the identifiers the
 * registry hands out for colliding, reserved and hostile node names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "codegen/cident.h"

static void comments(void **st)
{
    (void)st;
    char b[DLK_C_COMMENT_BUF];
    assert_string_equal(dlk_c_comment("level1/tree1/conv1/Conv", b), "level1/tree1/conv1/Conv");
    assert_string_equal(dlk_c_comment("*/\n#define x 1\n/*", b), "*\\x2f\\x0a#define x 1\\x0a/\\x2a");
    assert_string_equal(dlk_c_comment("a*/b/*c", b), "a*\\x2fb/\\x2ac");
    assert_string_equal(dlk_c_comment("?\?/ ?\?=", b), "?\\x3f/ ?\\x3f=");
    assert_string_equal(dlk_c_comment("back\\slash\t\x7f", b), "back\\x5cslash\\x09\\x7f");
    assert_string_equal(dlk_c_comment("caf\xc3\xa9", b), "caf\\xc3\\xa9");
    assert_string_equal(dlk_c_comment("ends*", b), "ends\\x2a");
    assert_string_equal(dlk_c_comment("", b), "(unnamed)");
    assert_string_equal(dlk_c_comment(NULL, b), "(unnamed)");
    char longname[400];
    memset(longname, '*', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    dlk_c_comment(longname, b); /* 120 stars: none escaped but the last (the end) */
    assert_int_equal(strlen(b), 120 + 3);
    assert_string_equal(b + 120, "...");
    memset(longname, '/', sizeof longname - 1);
    dlk_c_comment(longname, b);
    assert_int_equal(strlen(b), 120 + 3);
}

static void take(dlk_cnames *r, const char *text, int tag, int conv, const char *want)
{
    static const char *const sfx[] = {"", "_w", "_b", "_scale", "_wzp"};
    char out[80];
    assert_int_equal(dlk_cnames_take(r, text, tag, sfx, conv ? 5 : 1, out, sizeof out), 0);
    assert_string_equal(out, want);
}

static void identifiers(void **st)
{
    (void)st;
    dlk_cnames *r = dlk_cnames_new("m");
    assert_non_null(r);
    take(r, "/level1/conv/Conv", 0, 1, "level1_conv_Conv");
    take(r, "conv_w", 1, 0, "conv_w");
    take(r, "conv", 2, 1, "conv_2");          /* conv_w is taken */
    take(r, "conv_2", 3, 0, "conv_2_3");      /* a rename chain */
    take(r, "level1_conv_Conv", 4, 1, "level1_conv_Conv_4");
    take(r, "level1/conv/Conv", 5, 1, "level1_conv_Conv_5");
    take(r, "arena", 6, 0, "arena_6");
    take(r, "image", 7, 0, "image_7");
    take(r, "scores", 8, 0, "scores_8");
    take(r, "NULL", 9, 0, "NULL_9");
    take(r, "int", 10, 0, "int_10");
    take(r, "uint8_t", 11, 0, "uint8_t_11");  /* "_t": not reserved once the tag follows */
    take(r, "memcpy", 12, 0, "L12_memcpy");   /* mem + lowercase: a reserved family */
    take(r, "m_IN_H", 13, 0, "L13_m_IN_H");   /* the program's prefix */
    take(r, "m", 14, 0, "L14_m");
    take(r, "dlk_conv_q8_ref", 15, 0, "L15_dlk_conv_q8_ref");
    take(r, "ld_q8", 16, 0, "ld_q8_16");      /* a static function of the kernel text */
    take(r, "__x", 17, 0, "x_17");            /* leading '_' dropped, then the local x */
    take(r, "INT8_MAX", 18, 0, "L18_INT8_MAX");
    take(r, "sinf", 19, 0, "sinf_19");
    take(r, "*/\n#define", 20, 0, "define_20"); /* "define" is a word of the kernel text */
    take(r, "0abc", 21, 0, "L21_0abc");
    take(r, "", 22, 0, "L22");
    take(r, "L22", 23, 0, "L22_23");
    take(r, "isnan", 24, 0, "L24_isnan");
    take(r, "for", 25, 1, "for_25");
    char lng[300];
    memset(lng, 'a', sizeof lng - 1);
    lng[sizeof lng - 1] = 0;
    take(r, lng, 1234567, 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");               /* the last 30 */
    take(r, lng, 1234567, 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_1234567");
    take(r, lng, 1234567, 1, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa_1234567_2"); /* + "_scale": 46 */
    dlk_cnames_free(r);
    r = dlk_cnames_new("L22"); /* the program's name starts with L: the prefix is K */
    assert_non_null(r);
    take(r, "", 22, 0, "K22");
    take(r, "L22_x", 3, 0, "K3_L22_x");
    dlk_cnames_free(r);
}

static void names(void **st)
{
    (void)st;
    dlk_err e;
    static const char *const good[] = {"m", "model", "x", "image", "Lenet5", "a_b", "island", "tomato", "strange"};
    static const char *const bad[] = {"", "9a", "_m", "m_", "a__b", "a b", "a-b", "int", "NULL", "uint8_t", "size_t",
                                      "dlk", "dlknet", "DLK_X", "INT8", "EDOM", "SIGX", "x*/"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) assert_int_equal(dlk_c_check_name(good[i], &e), 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(dlk_c_check_name(bad[i], &e), -1);
        assert_non_null(strstr(e.msg, "the name"));
    }
    char n41[42];
    memset(n41, 'a', 41);
    n41[41] = 0;
    assert_int_equal(dlk_c_check_name(n41, &e), -1);
    n41[40] = 0;
    assert_int_equal(dlk_c_check_name(n41, &e), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(comments),
        cmocka_unit_test(identifiers),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
