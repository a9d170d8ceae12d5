#include <cstring>

#include <arch/context.h>
#include <arch/cpu.h>

extern "C" void arch_switch_context(uint64_t* save, uint64_t stack_pointer);
extern "C" void arch_thread_user_start();
extern "C" void arch_thread_kernel_start();

namespace arch {

namespace {

// What arch_switch_context pops, lowest address first.
struct SwitchFrame {
    uint64_t rflags;
    uint64_t r15, r14, r13, r12, rbx, rbp;
    uint64_t return_address;
};

constexpr uint64_t kernel_rflags = 0x2; // interrupts stay off in the kernel

}

uint64_t prepare_user_context(uint64_t stack_top, RegisterFrame const& frame)
{
    auto& saved = user_frame_at(stack_top);
    saved = frame;
    auto* switch_frame = reinterpret_cast<SwitchFrame*>(reinterpret_cast<uint64_t>(&saved) - sizeof(SwitchFrame));
    memset(switch_frame, 0, sizeof(*switch_frame));
    switch_frame->rflags = kernel_rflags;
    switch_frame->return_address = reinterpret_cast<uint64_t>(&arch_thread_user_start);
    return reinterpret_cast<uint64_t>(switch_frame);
}

uint64_t prepare_kernel_context(uint64_t stack_top, void (*entry)(void*), void* argument)
{
    // 16-byte aligned after the return address is popped, as the ABI wants at a call.
    auto* switch_frame = reinterpret_cast<SwitchFrame*>((stack_top & ~uint64_t(15)) - 16 - sizeof(SwitchFrame));
    memset(switch_frame, 0, sizeof(*switch_frame));
    switch_frame->rflags = kernel_rflags;
    switch_frame->r12 = reinterpret_cast<uint64_t>(entry);
    switch_frame->r13 = reinterpret_cast<uint64_t>(argument);
    switch_frame->return_address = reinterpret_cast<uint64_t>(&arch_thread_kernel_start);
    return reinterpret_cast<uint64_t>(switch_frame);
}

void switch_context(uint64_t* save, uint64_t stack_pointer) { arch_switch_context(save, stack_pointer); }

size_t extended_state_size()
{
    size_t size = cpu_features().extended_state_size;
    return size < 512 ? 512 : size;
}

void save_extended_state(void* area)
{
    if (cpu_features().xsave)
        asm volatile("xsave64 (%0)" : : "r"(area), "a"(0xffffffffu), "d"(0xffffffffu) : "memory");
    else
        asm volatile("fxsave64 (%0)" : : "r"(area) : "memory");
}

void restore_extended_state(void const* area)
{
    if (cpu_features().xsave)
        asm volatile("xrstor64 (%0)" : : "r"(area), "a"(0xffffffffu), "d"(0xffffffffu) : "memory");
    else
        asm volatile("fxrstor64 (%0)" : : "r"(area) : "memory");
}

void reset_extended_state()
{
    asm volatile("fninit");
    uint32_t mxcsr = 0x1f80;
    asm volatile("ldmxcsr %0" : : "m"(mxcsr));
    if (cpu_features().xsave) {
        // Clear the AVX upper halves too: an all-zero header restores the initial state.
        alignas(64) static uint8_t initial[4096];
        static bool prepared;
        if (!prepared && extended_state_size() <= sizeof(initial)) {
            memset(initial, 0, sizeof(initial));
            reinterpret_cast<uint16_t*>(initial)[0] = 0x37f; // FCW
            reinterpret_cast<uint32_t*>(initial)[6] = 0x1f80; // MXCSR
            prepared = true;
        }
        if (prepared)
            restore_extended_state(initial);
    }
}

uint64_t read_fs_base() { return read_msr(msr_fs_base); }
uint64_t read_gs_base() { return read_msr(msr_gs_base); }
void write_fs_base(uint64_t value) { write_msr(msr_fs_base, value); }
void write_gs_base(uint64_t value) { write_msr(msr_gs_base, value); }

}
