#pragma once

#include <cstddef>
#include <cstdint>

#include <arch/register_frame.h>

namespace arch {

// Lays out a new thread's kernel stack [bottom, top) so that the first switch to it returns to
// application code with `frame`'s registers. Returns the stack pointer to switch to.
uint64_t prepare_user_context(uint64_t stack_top, RegisterFrame const& frame);
// Likewise for a kernel thread that runs entry(argument) and never returns.
uint64_t prepare_kernel_context(uint64_t stack_top, void (*entry)(void*), void* argument);

// Where a thread's register frame lives when it entered the kernel from application code.
inline RegisterFrame& user_frame_at(uint64_t stack_top) { return *reinterpret_cast<RegisterFrame*>(stack_top - sizeof(RegisterFrame)); }

// Saves the current stack pointer in *save and continues on `stack_pointer`'s context.
void switch_context(uint64_t* save, uint64_t stack_pointer);

// The application's x87/SSE/AVX state. Areas are extended_state_size() bytes, aligned to 64.
size_t extended_state_size();
void save_extended_state(void* area);
void restore_extended_state(void const* area);
// The state a fresh program starts with.
void reset_extended_state();

uint64_t read_fs_base();
uint64_t read_gs_base();
void write_fs_base(uint64_t);
void write_gs_base(uint64_t);

}

// Called on a new thread's first switch, before it runs anything; defined by the scheduler.
extern "C" void arch_thread_first_run();
