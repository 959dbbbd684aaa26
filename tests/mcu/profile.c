/* SPDX-License-Identifier: Apache-2.0 */
/* Per-layer instruction profile of a model compiled with `dlakit compile --name m`, built with
 * -Dm_PROFILE: m_run calls m_profile after every layer. SysTick runs on the processor clock
 * (CLKSOURCE = 1) with an interrupt counting its 24-bit wraps; under QEMU -icount shift=0 one
 * instruction is 1 ns of virtual time, so ticks * (1e9 / PROFILE_HZ) = instructions, not cycles
 * (QEMU models neither beats nor stalls). PROFILE_HZ is the board's SysTick clock. The time spent
 * printing is left out. One line per layer: "prof STEP NAME MACS INSTRUCTIONS". */
#include <stdint.h>
#include <stdio.h>

#ifndef PROFILE_HZ
#define PROFILE_HZ 25000000
#endif

#define SYST_CSR (*(volatile uint32_t *)0xE000E010)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018)

static volatile uint32_t wraps;
void SysTick_Handler(void) { wraps++; }

static uint64_t ticks(void)
{
    uint32_t w, v;
    do {
        w = wraps;
        v = SYST_CVR;
    } while (w != wraps);
    return (uint64_t)w * 0x1000000u + (0xFFFFFFu - v);
}

void m_profile(int step, const char *layer, long long macs);
void m_profile(int step, const char *layer, long long macs)
{
    static uint64_t last;
    const uint64_t t = ticks();
    if (step < 0) {
        if (!(SYST_CSR & 1)) {
            SYST_RVR = 0xFFFFFFu;
            SYST_CVR = 0;
            SYST_CSR = 7; /* enable, interrupt, processor clock */
            while (SYST_CVR == 0) {
            } /* until the first reload */
        }
    } else {
        const double ins = (double)(t - last) * (1e9 / PROFILE_HZ);
        printf("prof %d %s %lld %.0f\n", step, layer, macs, ins);
    }
    last = ticks();
}
