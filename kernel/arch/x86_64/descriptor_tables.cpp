#include <arch/cpu.h>

#include "descriptor_tables.h"

namespace arch {

struct [[gnu::packed]] TaskStateSegment {
    uint32_t reserved0;
    uint64_t rsp[3];
    uint64_t reserved1;
    uint64_t ist[7];
    uint64_t reserved2;
    uint16_t reserved3;
    uint16_t io_map_base;
};

struct [[gnu::packed]] DescriptorPointer {
    uint16_t limit;
    uint64_t base;
};

struct IdtGate {
    uint16_t offset_low;
    uint16_t selector;
    uint8_t ist;
    uint8_t type_attributes;
    uint16_t offset_middle;
    uint32_t offset_high;
    uint32_t reserved;
};

// IST stacks: 1 for exceptions and interrupts (a landing pad, see entry.S), 2 for double
// faults, 3 for NMI, 4 for machine checks, so that a fault while handling one still has a
// clean stack to report from.
constexpr int ist_stack_size = 16384;
alignas(16) static uint8_t s_ist_stacks[4][ist_stack_size];

static TaskStateSegment s_tss;
alignas(16) static uint64_t s_gdt[5];
alignas(16) static IdtGate s_idt[256];

void initialize_descriptor_tables(uint64_t const* stub_table)
{
    for (int i = 0; i < 4; ++i)
        s_tss.ist[i] = reinterpret_cast<uint64_t>(&s_ist_stacks[i][ist_stack_size]);
    s_tss.io_map_base = sizeof(TaskStateSegment);

    s_gdt[0] = 0;
    s_gdt[1] = 0x00af9a000000ffff; // 0x08 kernel code, 64-bit
    s_gdt[2] = 0x00cf92000000ffff; // 0x10 kernel data
    auto tss_base = reinterpret_cast<uint64_t>(&s_tss);
    uint64_t tss_limit = sizeof(TaskStateSegment) - 1;
    s_gdt[3] = (tss_limit & 0xffff) | ((tss_base & 0xffffff) << 16) | (uint64_t(0x89) << 40)
        | (((tss_limit >> 16) & 0xf) << 48) | (((tss_base >> 24) & 0xff) << 56);
    s_gdt[4] = tss_base >> 32;

    DescriptorPointer gdt_pointer { sizeof(s_gdt) - 1, reinterpret_cast<uint64_t>(s_gdt) };
    asm volatile(
        "lgdt %0\n"
        "pushq $0x08\n"
        "leaq 1f(%%rip), %%rax\n"
        "pushq %%rax\n"
        "lretq\n"
        "1:\n"
        "movw $0x10, %%ax\n"
        "movw %%ax, %%ds\n"
        "movw %%ax, %%es\n"
        "movw %%ax, %%ss\n"
        "movw $0x18, %%ax\n"
        "ltr %%ax\n"
        :
        : "m"(gdt_pointer)
        : "rax", "memory");

    for (int vector = 0; vector < 256; ++vector) {
        uint64_t handler = stub_table[vector];
        uint8_t ist = 1;
        if (vector == 8)
            ist = 2;
        else if (vector == 2)
            ist = 3;
        else if (vector == 18)
            ist = 4;
        s_idt[vector] = IdtGate {
            .offset_low = uint16_t(handler),
            .selector = kernel_code_selector,
            .ist = ist,
            .type_attributes = 0x8e, // present, DPL 0, interrupt gate
            .offset_middle = uint16_t(handler >> 16),
            .offset_high = uint32_t(handler >> 32),
            .reserved = 0,
        };
    }
    DescriptorPointer idt_pointer { sizeof(s_idt) - 1, reinterpret_cast<uint64_t>(s_idt) };
    asm volatile("lidt %0" : : "m"(idt_pointer));
}

}
