/* SPDX-License-Identifier: Apache-2.0 */
/* The arena planner on its own: plans are valid (aligned, inside the arena, no two buffers alive
 * together overlap), known optimal cases come out optimal, every order is tried, and 5000 buffers
 * plan fast. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "helpers.h"
#include "plan/plan.h"

static dlk_plan_buf B(size_t size, int first, int last) { return (dlk_plan_buf){size, first, last, 0}; }

/* A chain a -> b -> c -> d: each buffer lives while it is produced and consumed by the next step;
 * two neighbours at a time, so the optimum is the largest neighbouring pair. */
static void chain_is_optimal(void **state)
{
    (void)state;
    dlk_plan_buf b[4] = {B(100, 0, 1), B(300, 1, 2), B(50, 2, 3), B(200, 3, 4)};
    size_t total = dlk_plan_aligned(b, 4, 1);
    assert_int_equal(total, 400); /* 100 + 300 and 300 + 50 and 50 + 200: max 400 */
    assert_int_equal(dlk_plan_lower_bound(b, 4), 400);
    assert_int_equal(dlk_plan_check(b, 4, 1, total), 0);
}

/* Buffers never alive together all share offset 0. */
static void disjoint_share_offset_zero(void **state)
{
    (void)state;
    dlk_plan_buf b[5];
    for (int i = 0; i < 5; i++) b[i] = B((size_t)(10 + i), 2 * i, 2 * i + 1);
    assert_int_equal(dlk_plan_aligned(b, 5, 1), 14);
    for (int i = 0; i < 5; i++) assert_int_equal(b[i].offset, 0);
}

/* All alive together: the arena is the sum of the aligned sizes, offsets are multiples of align. */
static void all_live_alignment(void **state)
{
    (void)state;
    dlk_plan_buf b[3] = {B(1, 0, 5), B(65, 0, 5), B(64, 0, 5)};
    size_t total = dlk_plan(b, 3);
    assert_int_equal(total, 64 + 128 + 64);
    for (int i = 0; i < 3; i++) assert_int_equal(b[i].offset % DLK_ARENA_ALIGN, 0);
    assert_int_equal(dlk_plan_check(b, 3, DLK_ARENA_ALIGN, total), 0);
    assert_int_equal(dlk_plan_lower_bound(b, 3), 130);
}

/* Every order gives a valid plan and the result is the smallest of them. */
static void best_of_orders(void **state)
{
    (void)state;
    dlk_plan_buf b[4] = {B(100, 0, 1), B(100, 2, 3), B(10, 0, 3), B(90, 4, 5)};
    dlk_plan_buf c[4];
    size_t best = dlk_plan_aligned(b, 4, 1), min = (size_t)-1;
    assert_int_equal(best, 110); /* the lower bound */
    for (int o = 0; o < DLK_PLAN_ORDERS; o++) {
        memcpy(c, b, sizeof c);
        size_t t = dlk_plan_order_with(c, 4, 1, (dlk_plan_order)o);
        assert_int_equal(dlk_plan_check(c, 4, 1, t), 0);
        if (t < min) min = t;
    }
    assert_int_equal(best, min);
}

/* A fragmentation case where size order loses: the gap left by a freed buffer is reused. */
static void reuses_gaps(void **state)
{
    (void)state;
    dlk_plan_buf b[3] = {B(50, 0, 0), B(50, 0, 2), B(50, 1, 2)};
    size_t t = dlk_plan_aligned(b, 3, 1);
    assert_int_equal(t, 100);
    assert_int_equal(dlk_plan_check(b, 3, 1, t), 0);
}


/* Random graphs: every plan valid and never below the lower bound; 5000 buffers in well under a
 * second (the cubic planner took 13 s for 2000). */
static void random_and_large(void **state)
{
    (void)state;
    tst_rng s = tst_rng_new(12345);
    int better = 0;
    for (int round = 0; round < 200; round++) {
        int n = 1 + (int)(tst_rnd(&s) % 60);
        dlk_plan_buf b[60];
        for (int i = 0; i < n; i++) {
            int f = (int)(tst_rnd(&s) % 40);
            b[i] = B(tst_rnd(&s) % 1000, f, f + (int)(tst_rnd(&s) % 8));
        }
        size_t align = (size_t)1 << (tst_rnd(&s) % 7);
        dlk_plan_buf c[60];
        memcpy(c, b, sizeof b);
        size_t by_size = dlk_plan_order_with(c, n, align, DLK_PLAN_BY_SIZE);
        size_t t = dlk_plan_aligned(b, n, align);
        assert_int_equal(dlk_plan_check(b, n, align, t), 0);
        assert_true(t >= dlk_plan_lower_bound(b, n));
        assert_true(t <= by_size);
        better += t < by_size;
    }
    print_message("another order beat largest-first in %d of 200 random graphs\n", better);
    int n = 5000;
    dlk_plan_buf *big = malloc(sizeof *big * (size_t)n);
    assert_non_null(big);
    for (int i = 0; i < n; i++) big[i] = B(1000 + tst_rnd(&s) % 100000, i, i + 1 + (int)(tst_rnd(&s) % 4 == 0 ? tst_rnd(&s) % 50 : 1));
    clock_t t0 = clock();
    size_t t = dlk_plan_aligned(big, n, 64);
    double sec = (double)(clock() - t0) / CLOCKS_PER_SEC;
    print_message("5000 buffers: %zu bytes (lower bound %zu) in %.3f s\n", t, dlk_plan_lower_bound(big, n), sec);
    assert_true(sec < 2.0); /* generous for sanitizer builds */
    assert_true(t >= dlk_plan_lower_bound(big, n));
    assert_true(t <= 2 * dlk_plan_lower_bound(big, n));
    /* checking all pairs is quadratic: check a sample against everything */
    for (int i = 0; i < n; i += 97)
        for (int j = 0; j < n; j++) {
            if (i == j || big[i].last < big[j].first || big[j].last < big[i].first) continue;
            assert_false(big[i].offset < big[j].offset + big[j].size && big[j].offset < big[i].offset + big[i].size);
        }
    free(big);
}

static void empty_and_zero(void **state)
{
    (void)state;
    assert_int_equal(dlk_plan_aligned(NULL, 0, 16), 0);
    dlk_plan_buf b[2] = {B(0, 0, 3), B(8, 0, 3)};
    assert_int_equal(dlk_plan_aligned(b, 2, 16), 16);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(chain_is_optimal),   cmocka_unit_test(disjoint_share_offset_zero),
        cmocka_unit_test(all_live_alignment), cmocka_unit_test(best_of_orders),
        cmocka_unit_test(reuses_gaps),        cmocka_unit_test(random_and_large),
        cmocka_unit_test(empty_and_zero),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
