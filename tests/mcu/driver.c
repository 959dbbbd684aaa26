/* SPDX-License-Identifier: Apache-2.0 */
/* Test driver for a model compiled with `dlakit compile --name m`: reads uint8 images
 * (m_IN_H x m_IN_W x 3 each) from in.bin, writes m_NUM_CLASSES float32 scores per image to
 * out.bin, and prints how many images ran and the clock() ticks they took (on the Cortex-M55
 * under QEMU -icount shift=0: virtual time, i.e. instructions). Host and target use this file. */
#include "m.h"

#include <stdio.h>
#include <time.h>

static uint8_t image[m_IN_H * m_IN_W * 3];
static float scores[m_NUM_CLASSES];

int main(void)
{
    FILE *in = fopen("in.bin", "rb");
    FILE *out = fopen("out.bin", "wb");
    if (!in || !out) {
        printf("driver: cannot open in.bin / out.bin\n");
        return 2;
    }
    long n = 0;
    clock_t t0 = clock();
    while (fread(image, 1, sizeof image, in) == sizeof image) {
        if (m_run(image, scores) != 0) {
            printf("driver: m_run failed\n");
            return 1;
        }
        if (fwrite(scores, sizeof scores[0], m_NUM_CLASSES, out) != m_NUM_CLASSES) {
            printf("driver: write failed\n");
            return 1;
        }
        n++;
    }
    clock_t t1 = clock();
    fclose(in);
    if (fclose(out) != 0) return 1;
    printf("images %ld ticks %ld clocks_per_sec %ld\n", n, (long)(t1 - t0), (long)CLOCKS_PER_SEC);
    return 0;
}
