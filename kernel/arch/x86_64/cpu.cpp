#include <arch/cpu.h>
#include <arch/register_frame.h>

extern "C" void syscall_entry();
extern "C" uint64_t kernel_stack_bottom;
extern "C" uint64_t kernel_stack_top;

namespace arch {

static CpuFeatures s_features;

CpuFeatures const& cpu_features() { return s_features; }

void set_kernel_stack(uintptr_t bottom, uintptr_t top)
{
    kernel_stack_bottom = bottom;
    kernel_stack_top = top;
}

static void xsetbv(uint32_t index, uint64_t value)
{
    asm volatile("xsetbv" : : "c"(index), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)));
}

// Applications expect SSE (and AVX where the CPU has it) to be usable; the kernel itself is
// compiled without floating point, so user vector state survives syscalls untouched.
void initialize_cpu()
{
    auto leaf1 = cpuid(1);
    auto leaf7 = cpuid(7);
    s_features.hwcap = leaf1.edx;
    s_features.rdrand = leaf1.ecx & (1u << 30);

    uint64_t cr0 = read_cr0();
    cr0 &= ~(uint64_t(1) << 2); // EM: no x87 emulation
    cr0 |= (1 << 1) | (1 << 5) | (1 << 16); // MP, NE, WP
    write_cr0(cr0);

    uint64_t cr4 = read_cr4();
    cr4 |= (1 << 9) | (1 << 10); // OSFXSR, OSXMMEXCPT
    if (leaf7.ebx & 1) {
        cr4 |= 1 << 16; // FSGSBASE
        s_features.fsgsbase = true;
    }
    bool has_xsave = leaf1.ecx & (1u << 26);
    if (has_xsave)
        cr4 |= 1 << 18; // OSXSAVE
    write_cr4(cr4);

    if (has_xsave) {
        auto leaf_d = cpuid(0xd, 0);
        uint64_t supported = (uint64_t(leaf_d.edx) << 32) | leaf_d.eax;
        // x87, SSE, AVX, and the AVX-512 state when present.
        uint64_t wanted = supported & (0x7 | 0xe0);
        if ((wanted & 0xe0) != 0xe0)
            wanted &= 0x7;
        xsetbv(0, wanted);
        s_features.xsave = true;
        s_features.extended_state_size = cpuid(0xd, 0).ebx;
    }
    asm volatile("fninit");
    uint32_t mxcsr = 0x1f80;
    asm volatile("ldmxcsr %0" : : "m"(mxcsr));

    // `syscall` from ring 0: CS/SS from STAR, entry at LSTAR; interrupts, direction, trap and
    // alignment-check flags are cleared on entry.
    write_msr(msr_star, uint64_t(kernel_code_selector) << 32);
    write_msr(msr_lstar, reinterpret_cast<uint64_t>(&syscall_entry));
    write_msr(msr_sfmask, rflags_interrupt_enable | rflags_direction | rflags_trap | rflags_alignment_check);
    write_msr(msr_efer, read_msr(msr_efer) | 1); // SCE
}

}
