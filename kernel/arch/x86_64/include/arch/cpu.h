#pragma once

#include <cstdint>

namespace arch {

inline void outb(uint16_t port, uint8_t value) { asm volatile("outb %0, %1" : : "a"(value), "Nd"(port)); }
inline void outw(uint16_t port, uint16_t value) { asm volatile("outw %0, %1" : : "a"(value), "Nd"(port)); }
inline void outl(uint16_t port, uint32_t value) { asm volatile("outl %0, %1" : : "a"(value), "Nd"(port)); }
inline uint8_t inb(uint16_t port)
{
    uint8_t value;
    asm volatile("inb %1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

inline uint64_t read_msr(uint32_t msr)
{
    uint32_t low, high;
    asm volatile("rdmsr" : "=a"(low), "=d"(high) : "c"(msr));
    return (uint64_t(high) << 32) | low;
}
inline void write_msr(uint32_t msr, uint64_t value)
{
    asm volatile("wrmsr" : : "c"(msr), "a"(uint32_t(value)), "d"(uint32_t(value >> 32)));
}

inline uint64_t read_tsc()
{
    uint32_t low, high;
    asm volatile("rdtsc" : "=a"(low), "=d"(high));
    return (uint64_t(high) << 32) | low;
}

struct CpuidResult {
    uint32_t eax, ebx, ecx, edx;
};
inline CpuidResult cpuid(uint32_t leaf, uint32_t subleaf = 0)
{
    CpuidResult result;
    asm volatile("cpuid" : "=a"(result.eax), "=b"(result.ebx), "=c"(result.ecx), "=d"(result.edx) : "a"(leaf), "c"(subleaf));
    return result;
}

inline uint64_t read_cr0() { uint64_t v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
inline uint64_t read_cr2() { uint64_t v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
inline uint64_t read_cr3() { uint64_t v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
inline uint64_t read_cr4() { uint64_t v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
inline void write_cr0(uint64_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
inline void write_cr3(uint64_t v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
inline void write_cr4(uint64_t v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
inline void invalidate_page(uint64_t address) { asm volatile("invlpg (%0)" : : "r"(address) : "memory"); }

inline void disable_interrupts() { asm volatile("cli" ::: "memory"); }
inline void enable_interrupts() { asm volatile("sti" ::: "memory"); }
inline void halt() { asm volatile("hlt" ::: "memory"); }
inline void pause() { asm volatile("pause"); }

constexpr uint32_t msr_efer = 0xc000'0080;
constexpr uint32_t msr_star = 0xc000'0081;
constexpr uint32_t msr_lstar = 0xc000'0082;
constexpr uint32_t msr_sfmask = 0xc000'0084;
constexpr uint32_t msr_fs_base = 0xc000'0100;
constexpr uint32_t msr_gs_base = 0xc000'0101;

constexpr uint64_t rflags_interrupt_enable = 1 << 9;
constexpr uint64_t rflags_direction = 1 << 10;
constexpr uint64_t rflags_trap = 1 << 8;
constexpr uint64_t rflags_alignment_check = 1 << 18;

constexpr uint16_t kernel_code_selector = 0x08;
constexpr uint16_t kernel_data_selector = 0x10;

// The CPU features the kernel turned on for applications, for AT_HWCAP and arch_prctl.
struct CpuFeatures {
    bool xsave { false };
    bool fsgsbase { false };
    bool rdrand { false };
    uint32_t hwcap { 0 };
    uint32_t extended_state_size { 512 };
};
CpuFeatures const& cpu_features();

void initialize_cpu();

}
