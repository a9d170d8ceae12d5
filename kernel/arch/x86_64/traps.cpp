#include <cstring>

#include <arch/cpu.h>
#include <arch/traps.h>
#include <lib/assert.h>

#include "descriptor_tables.h"

extern "C" uint64_t isr_stub_table[256];
extern "C" arch::ExceptionFixup __start_unifork_exception_fixups[];
extern "C" arch::ExceptionFixup __stop_unifork_exception_fixups[];

namespace arch {

static PageFaultResolver s_page_fault_resolver;
static FatalSignalHandler s_fatal_signal_handler;
static InterruptHandler s_interrupt_handlers[256];
void (*detail::return_to_user_hook)();

void set_return_to_user_hook(void (*hook)()) { detail::return_to_user_hook = hook; }

void set_page_fault_resolver(PageFaultResolver resolver) { s_page_fault_resolver = resolver; }
void set_fatal_signal_handler(FatalSignalHandler handler) { s_fatal_signal_handler = handler; }
void set_interrupt_handler(uint8_t vector, InterruptHandler handler) { s_interrupt_handlers[vector] = handler; }

void initialize_traps()
{
    initialize_descriptor_tables(isr_stub_table);
}

static char const* exception_name(uint64_t vector)
{
    static char const* const names[] = {
        "divide error", "debug", "NMI", "breakpoint", "overflow", "bound range exceeded",
        "invalid opcode", "device not available", "double fault", "coprocessor segment overrun",
        "invalid TSS", "segment not present", "stack-segment fault", "general protection fault",
        "page fault", "reserved", "x87 floating-point exception", "alignment check",
        "machine check", "SIMD floating-point exception", "virtualization exception",
        "control protection exception"
    };
    return vector < sizeof(names) / sizeof(names[0]) ? names[vector] : "reserved exception";
}

static bool apply_fixup(RegisterFrame& frame)
{
    for (auto* fixup = __start_unifork_exception_fixups; fixup != __stop_unifork_exception_fixups; ++fixup) {
        if (fixup->fault_address == frame.rip) {
            frame.rip = fixup->fixup_address;
            return true;
        }
    }
    return false;
}

// Linux signal numbers and si_code values for synchronous faults.
constexpr int sigill = 4, sigtrap = 5, sigbus = 7, sigfpe = 8, sigsegv = 11;
constexpr int segv_maperr = 1, segv_accerr = 2, fpe_intdiv = 1, ill_illopn = 2, trap_brkpt = 1, bus_adraln = 1;
constexpr int si_kernel = 0x80;

[[noreturn]] static void kernel_fault(RegisterFrame& frame, uint64_t address)
{
    lib::panic("%s (vector %lu, error %#lx) at rip %#lx, address %#lx, rsp %#lx\n"
               "  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n"
               "  rsi %016lx rdi %016lx rbp %016lx r8  %016lx\n"
               "  r9  %016lx r10 %016lx r11 %016lx r12 %016lx\n"
               "  r13 %016lx r14 %016lx r15 %016lx rflags %lx",
        exception_name(frame.vector), frame.vector, frame.error_code, frame.rip, address, frame.rsp,
        frame.rax, frame.rbx, frame.rcx, frame.rdx, frame.rsi, frame.rdi, frame.rbp, frame.r8,
        frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15, frame.rflags);
}

static void handle_exception(RegisterFrame& frame)
{
    bool from_kernel = is_kernel_address(frame.rip);
    uint64_t address = 0;
    int signal = sigsegv;
    int code = si_kernel;

    switch (frame.vector) {
    case 14: {
        address = read_cr2();
        FaultKind kind = (frame.error_code & 0x10) ? FaultKind::Execute : (frame.error_code & 0x2) ? FaultKind::Write : FaultKind::Read;
        if (!is_kernel_address(address) && s_page_fault_resolver && s_page_fault_resolver(address, kind))
            return;
        if (from_kernel && apply_fixup(frame))
            return;
        code = (frame.error_code & 1) ? segv_accerr : segv_maperr;
        break;
    }
    case 0:
        signal = sigfpe;
        code = fpe_intdiv;
        address = frame.rip;
        break;
    case 16:
    case 19:
        signal = sigfpe;
        code = 0;
        address = frame.rip;
        break;
    case 6:
        signal = sigill;
        code = ill_illopn;
        address = frame.rip;
        break;
    case 1:
        signal = sigtrap;
        code = trap_brkpt;
        break;
    case 3:
        signal = sigtrap; // int3: SI_KERNEL, as Linux reports it
        break;
    case 17:
        signal = sigbus;
        code = bus_adraln;
        break;
    case 13:
    case 12:
    case 11:
    case 10:
        if (from_kernel && apply_fixup(frame))
            return;
        signal = sigsegv;
        code = si_kernel;
        break;
    default:
        kernel_fault(frame, read_cr2());
    }

    if (from_kernel || !s_fatal_signal_handler)
        kernel_fault(frame, address);
    s_fatal_signal_handler(frame, signal, code, address);
}

}

extern "C" void trap_dispatch(arch::RegisterFrame* frame)
{
    if (frame->vector < 32)
        arch::handle_exception(*frame);
    else if (auto handler = arch::s_interrupt_handlers[frame->vector])
        handler(*frame);
    if (!arch::is_kernel_address(frame->rip))
        arch::run_return_to_user_hook();
}
