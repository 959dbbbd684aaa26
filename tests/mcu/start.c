/* SPDX-License-Identifier: Apache-2.0 */
/* Bare-metal start-up for the compile tests on QEMU's Cortex-M boards (mps3-an547 M55,
 * mps2-an500 M7, mps2-an386 M4): vector table at 0, reset handler that clears .bss, enables the FPU and MVE, paints the
 * stack to measure how much of it the program used, starts newlib's semihosting and runs main. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

extern int main(void);
extern void initialise_monitor_handles(void);
extern uint32_t __stack_top, __stack_limit, __bss_start__, __bss_end__;

#define PAINT 0x5AA5C33Cu

static uint32_t *stack_floor(void) { return &__stack_limit; }

void Reset_Handler(void)
{
    for (uint32_t *p = &__bss_start__; p < &__bss_end__; p++) *p = 0;
    *(volatile uint32_t *)0xE000ED88 |= 0xFu << 20; /* CPACR: CP10 and CP11 (FPU, MVE) full access */
    __asm volatile("dsb\n\tisb");
    /* paint the stack below our own frame */
    uintptr_t sp;
    __asm volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = stack_floor(); (uintptr_t)p < sp - 256; p++) *p = PAINT;
    initialise_monitor_handles();
    int rc = main();
    uint32_t *p = stack_floor();
    while (p < &__stack_top && *p == PAINT) p++;
    printf("stack used %lu bytes\n", (unsigned long)((uint8_t *)&__stack_top - (uint8_t *)p));
    exit(rc);
}

void Default_Handler(void)
{
    for (;;) {
    }
}
/* profile.c defines its own (counting SysTick wraps) */
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

__attribute__((section(".vectors"), used)) static const void *const vectors[16] = {
    &__stack_top, (const void *)Reset_Handler, (const void *)Default_Handler, (const void *)Default_Handler,
    (const void *)Default_Handler, (const void *)Default_Handler, (const void *)Default_Handler, 0, 0, 0, 0,
    (const void *)Default_Handler, (const void *)Default_Handler, 0, (const void *)Default_Handler,
    (const void *)SysTick_Handler};

void _init(void) {}
void _fini(void) {}
