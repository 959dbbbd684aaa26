/* SPDX-License-Identifier: Apache-2.0 */
/* Issue #24: names from files on the terminal and in JSON (dlk_escape, dlk_json_str, dlk_utf8_len),
 * and the output-file module (util/outfile.c): exact bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/outfile.h"

static void utf8_lengths(void **state)
{
    (void)state;
    assert_int_equal(dlk_utf8_len("a"), 1);
    assert_int_equal(dlk_utf8_len("\xc3\xa9"), 2);         /* é */
    assert_int_equal(dlk_utf8_len("\xe2\x82\xac"), 3);     /* € */
    assert_int_equal(dlk_utf8_len("\xf0\x9f\x98\x80"), 4); /* U+1F600 */
    assert_int_equal(dlk_utf8_len("\xff"), 0);
    assert_int_equal(dlk_utf8_len("\xc3"), 0);             /* cut short by the terminator */
    assert_int_equal(dlk_utf8_len("\xc0\xaf"), 0);         /* overlong '/' */
    assert_int_equal(dlk_utf8_len("\xed\xa0\x80"), 0);     /* a surrogate */
    assert_int_equal(dlk_utf8_len("\xf4\x90\x80\x80"), 0); /* past U+10FFFF */
}

static void escape(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(dlk_esc("caf\xc3\xa9 \x1b[2J\x07\xff\x7f", b, sizeof b), "caf\xc3\xa9 \\x1b[2J\\x07\\xff\\x7f");
    assert_string_equal(dlk_esc("\xc2\x9b" "c1", b, sizeof b), "\\xc2\\x9bc1"); /* C1 control (CSI) */
    /* a multi-byte character never split by the end of the buffer */
    assert_int_equal(dlk_escape("ab\xe2\x82\xac", b, 5), 2);
    assert_string_equal(b, "ab");
    /* escaping is idempotent: messages are escaped again when prefixed */
    char c[64];
    dlk_esc("x\x1by\xfe", b, sizeof b);
    assert_string_equal(dlk_esc(b, c, sizeof c), b);
}

static void json(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    dlk_json_str(f, "q\"\\ \x1b \xc3\xa9 \xff\xc2\x85");
    fclose(f);
    assert_string_equal(buf, "\"q\\\"\\\\ \\u001b \xc3\xa9 \\ufffd\\u0085\"");
    free(buf);
}

static void outfile(void **state)
{
    (void)state;
    char dir[] = "/tmp/dlk-outfile-XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/out.txt", dir);
    dlk_err err;
    /* a failed write leaves the old file and no temporary */
    assert_int_equal(dlk_outfile_write(path, "old", 3, &err), 0);
    dlk_outfile o;
    assert_int_equal(dlk_outfile_open(&o, path, &err), 0);
    fputs("new, but failed", o.f);
    assert_int_not_equal(dlk_outfile_close(&o, 0, &err), 0);
    FILE *f = fopen(path, "rb");
    char got[16] = {0};
    assert_int_equal(fread(got, 1, sizeof got, f), 3);
    fclose(f);
    assert_string_equal(got, "old");
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test $(ls -A %s | wc -l) = 1", dir);
    assert_int_equal(system(cmd), 0);
    /* a device is written in place: /dev/full reports ENOSPC, /dev/null stays a device */
    assert_int_not_equal(dlk_outfile_write("/dev/full", "x", 1, &err), 0);
    assert_string_equal(err.msg, "/dev/full: write failed: No space left on device");
    assert_int_equal(dlk_outfile_write("/dev/null", "x", 1, &err), 0);
    struct stat st;
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    /* refused: an empty name, a folder */
    assert_int_not_equal(dlk_outfile_write("", "x", 1, &err), 0);
    assert_string_equal(err.msg, "an output file name is empty");
    assert_int_not_equal(dlk_outfile_write(dir, "x", 1, &err), 0);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_lengths),
        cmocka_unit_test(escape),
        cmocka_unit_test(json),
        cmocka_unit_test(outfile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
