/* The flags register comes back from a syscall as the application left it: Linux restores
 * RFLAGS from r11 (sysret) or from the saved frame (iret), so the arithmetic flags, the
 * direction flag and the ID flag all survive, and interrupts are on. Registers other than
 * rax, rcx and r11 are preserved, rcx holds the return address and r11 the flags. */
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"

#define FLAG_CF 0x1
#define FLAG_PF 0x4
#define FLAG_AF 0x10
#define FLAG_ZF 0x40
#define FLAG_SF 0x80
#define FLAG_IF 0x200
#define FLAG_DF 0x400
#define FLAG_OF 0x800
#define FLAG_ID 0x200000
#define ARITHMETIC (FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF)

struct after {
    uint64_t flags;
    uint64_t r11;
    long result;
};

/* Loads `flags`, makes syscall `number` with no arguments, and reads the flags at once. The
 * stack pointer steps over the red zone first: pushes here must not clobber what the compiler
 * keeps below it. */
static struct after syscall_with_flags(uint64_t flags, long number)
{
    struct after after;
    register uint64_t r11 __asm__("r11");
    __asm__ volatile(
        "subq $128, %%rsp\n\t"
        "pushq %[flags]\n\t"
        "popfq\n\t"
        "syscall\n\t"
        "pushfq\n\t"
        "popq %[flags_out]\n\t"
        "cld\n\t"
        "addq $128, %%rsp\n\t"
        : [flags_out] "=&r"(after.flags), "=a"(after.result), "=r"(r11)
        : [flags] "r"(flags), "a"(number)
        : "rcx", "memory", "cc");
    after.r11 = r11;
    return after;
}

/* Callee-saved and argument registers keep their values across the call. */
static int preserves_registers(void)
{
    uint64_t values[6] = { 0x1111111111111111, 0x2222222222222222, 0x3333333333333333,
                           0x4444444444444444, 0x5555555555555555, 0x6666666666666666 };
    uint64_t seen[6];
    long result;
    register uint64_t r8 __asm__("r8") = values[4];
    register uint64_t r9 __asm__("r9") = values[5];
    register uint64_t r10 __asm__("r10") = values[3];
    uint64_t rdi = values[0], rsi = values[1], rdx = values[2];
    __asm__ volatile("syscall"
                     : "=a"(result), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r10), "+r"(r8), "+r"(r9)
                     : "a"((long)SYS_getppid)
                     : "rcx", "r11", "memory");
    seen[0] = rdi, seen[1] = rsi, seen[2] = rdx, seen[3] = r10, seen[4] = r8, seen[5] = r9;
    CHECK(result == getppid());
    for (int i = 0; i < 6; i++)
        CHECK(seen[i] == values[i]);
    return 1;
}

int main(void)
{
    long pid = getpid();
    uint64_t base;
    __asm__ volatile("pushfq\n\tpopq %0" : "=r"(base));
    CHECK(base & FLAG_IF);
    base &= ~(uint64_t)(ARITHMETIC | FLAG_DF | FLAG_ID);

    /* Each arithmetic flag alone, all of them, none; then with the direction flag and the ID
     * flag, which leave the common path. */
    uint64_t cases[] = {
        0, FLAG_CF, FLAG_PF, FLAG_AF, FLAG_ZF, FLAG_SF, FLAG_OF, ARITHMETIC,
        FLAG_OF | FLAG_CF, FLAG_ZF | FLAG_PF, ARITHMETIC & ~FLAG_OF,
        FLAG_DF, FLAG_DF | ARITHMETIC, FLAG_ID, FLAG_ID | FLAG_OF | FLAG_ZF,
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int round = 0; round < 100; round++) {
            uint64_t wanted = base | cases[i];
            struct after after = syscall_with_flags(wanted, SYS_getpid);
            CHECK(after.result == pid);
            CHECK((after.flags & (ARITHMETIC | FLAG_DF | FLAG_ID | FLAG_IF)) == (wanted & (ARITHMETIC | FLAG_DF | FLAG_ID | FLAG_IF)));
            /* r11 is the flags as they were at the syscall instruction. */
            CHECK((after.r11 & (ARITHMETIC | FLAG_DF)) == (wanted & (ARITHMETIC | FLAG_DF)));
        }
    }

    /* A failing call comes back the same way. */
    struct after failed = syscall_with_flags(base | FLAG_OF | FLAG_CF, 100000);
    CHECK(failed.result == -ENOSYS);
    CHECK((failed.flags & ARITHMETIC) == (FLAG_OF | FLAG_CF));

    CHECK(preserves_registers());
    return check_passed("syscall_flags");
}
