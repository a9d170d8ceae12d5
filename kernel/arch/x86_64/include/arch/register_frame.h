#pragma once

#include <cstdint>

namespace arch {

// The saved state of an interrupted application or kernel context. Traps and syscalls build
// the same frame (a syscall fakes the vector and the iret part), so signal delivery, execve and
// fork can treat them alike. Lowest address first; must match entry.S.
struct RegisterFrame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code; // for a syscall: its number, kept for restarts
    uint64_t rip, cs, rflags, rsp, ss;
};
static_assert(sizeof(RegisterFrame) == 22 * 8);
// entry.S reads these by offset.
static_assert(__builtin_offsetof(RegisterFrame, r11) == 4 * 8 && __builtin_offsetof(RegisterFrame, rcx) == 12 * 8);
static_assert(__builtin_offsetof(RegisterFrame, vector) == 15 * 8 && __builtin_offsetof(RegisterFrame, rip) == 17 * 8);
static_assert(__builtin_offsetof(RegisterFrame, cs) == 18 * 8 && __builtin_offsetof(RegisterFrame, rflags) == 19 * 8);

constexpr uint64_t syscall_vector = 0x100;

// Where the next trap or syscall from an application builds its frame.
void set_kernel_stack(uintptr_t bottom, uintptr_t top);

// Starts executing application code with `frame`'s registers; never returns.
[[noreturn]] void enter_frame(RegisterFrame const& frame);

}
