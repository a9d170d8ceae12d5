#pragma once

#include <cstdint>

#include <arch/register_frame.h>

namespace arch {

// A recoverable fault site: if `fault_address` faults, execution resumes at `fixup_address`.
struct ExceptionFixup {
    uint64_t fault_address;
    uint64_t fixup_address;
};

enum class FaultKind { Read, Write, Execute };

// Hooks the memory manager and the process library install. A page fault in application memory
// is first offered to `resolve_page_fault` (demand paging, later copy-on-write); one it cannot
// resolve becomes a signal for the application, or EFAULT when it was a checked kernel copy.
using PageFaultResolver = bool (*)(uint64_t address, FaultKind kind);
// Called when application code raises a synchronous fault the kernel cannot resolve.
using FatalSignalHandler = void (*)(RegisterFrame& frame, int signal, int code, uint64_t address);
using InterruptHandler = void (*)(RegisterFrame& frame);

void set_page_fault_resolver(PageFaultResolver);
void set_fatal_signal_handler(FatalSignalHandler);
void set_interrupt_handler(uint8_t vector, InterruptHandler);
// Runs before every return to application code, from a syscall or an interrupt (thread exit
// requests, later signal delivery).
void set_return_to_user_hook(void (*)());
namespace detail {
extern void (*return_to_user_hook)();
}
inline void run_return_to_user_hook()
{
    if (detail::return_to_user_hook)
        detail::return_to_user_hook();
}

void initialize_traps();

inline bool is_kernel_address(uint64_t address) { return address >= 0xffff'8000'0000'0000; }

}
