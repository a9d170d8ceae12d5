#include <arch/cpu.h>
#include <arch/traps.h>
#include <mm/memory.h>
#include <plat/clock.h>
#include <plat/interrupts.h>
#include <plat/timer.h>

namespace plat {

uint64_t tsc_for_monotonic(uint64_t nanoseconds);

namespace {

constexpr uint32_t msr_apic_base = 0x1b;
constexpr uint32_t msr_tsc_deadline = 0x6e0;
constexpr uint32_t msr_x2apic_first = 0x800;

// Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16.
constexpr uint32_t apic_id = 0x20;
constexpr uint32_t apic_task_priority = 0x80;
constexpr uint32_t apic_end_of_interrupt = 0xb0;
constexpr uint32_t apic_spurious = 0xf0;
constexpr uint32_t apic_lvt_timer = 0x320;
constexpr uint32_t apic_initial_count = 0x380;
constexpr uint32_t apic_current_count = 0x390;
constexpr uint32_t apic_divide = 0x3e0;

constexpr uint32_t lvt_masked = 1 << 16;
constexpr uint32_t lvt_tsc_deadline = 2 << 17;

struct Apic {
    bool enabled { false };
    bool x2apic { false };
    volatile uint32_t* registers { nullptr };
    bool tsc_deadline { false };
    uint64_t ticks_per_millisecond { 0 };
    void (*handler)() { nullptr };
};
Apic s_apic;

uint32_t read_register(uint32_t offset)
{
    if (s_apic.x2apic)
        return uint32_t(arch::read_msr(msr_x2apic_first + offset / 16));
    return s_apic.registers[offset / 4];
}

void write_register(uint32_t offset, uint32_t value)
{
    if (s_apic.x2apic)
        arch::write_msr(msr_x2apic_first + offset / 16, value);
    else
        s_apic.registers[offset / 4] = value;
}

void timer_interrupt(arch::RegisterFrame&)
{
    end_of_interrupt();
    if (s_apic.handler)
        s_apic.handler();
}

void spurious_interrupt(arch::RegisterFrame&) { }

// The APIC timer's count-down rate, measured against the TSC-based clock over 2 ms.
void calibrate_countdown()
{
    write_register(apic_divide, 0x3); // divide by 16
    write_register(apic_lvt_timer, lvt_masked | timer_vector);
    uint64_t start = monotonic_nanoseconds();
    write_register(apic_initial_count, 0xffff'ffff);
    while (monotonic_nanoseconds() - start < 2'000'000)
        arch::pause();
    uint32_t remaining = read_register(apic_current_count);
    uint64_t elapsed = monotonic_nanoseconds() - start;
    write_register(apic_initial_count, 0);
    uint64_t counted = 0xffff'ffffull - remaining;
    s_apic.ticks_per_millisecond = counted * 1'000'000 / (elapsed ? elapsed : 1);
    if (!s_apic.ticks_per_millisecond)
        s_apic.ticks_per_millisecond = 1;
}

}

// Enables the local APIC (x2APIC mode where the CPU has it) so that it accepts interrupts;
// once, whoever needs it first: the interrupt set-up at boot or the timer.
void enable_local_apic()
{
    if (s_apic.enabled)
        return;
    auto leaf1 = arch::cpuid(1);
    s_apic.tsc_deadline = leaf1.ecx & (1u << 24);
    s_apic.x2apic = leaf1.ecx & (1u << 21);
    uint64_t base = arch::read_msr(msr_apic_base);
    base |= 1 << 11; // global enable
    if (s_apic.x2apic)
        base |= 1 << 10;
    arch::write_msr(msr_apic_base, base);
    if (!s_apic.x2apic)
        s_apic.registers = static_cast<volatile uint32_t*>(mm::physical_to_virtual(base & 0xf'ffff'f000));

    arch::set_interrupt_handler(spurious_vector, spurious_interrupt);
    write_register(apic_task_priority, 0);
    write_register(apic_spurious, 0x100 | spurious_vector);
    s_apic.enabled = true;
}

uint32_t local_apic_id()
{
    enable_local_apic();
    uint32_t id = read_register(apic_id);
    return s_apic.x2apic ? id : id >> 24;
}

void end_of_interrupt() { write_register(apic_end_of_interrupt, 0); }

void initialize_timer(void (*handler)())
{
    s_apic.handler = handler;
    enable_local_apic();
    arch::set_interrupt_handler(timer_vector, timer_interrupt);
    if (s_apic.tsc_deadline) {
        write_register(apic_lvt_timer, lvt_tsc_deadline | timer_vector);
    } else {
        calibrate_countdown();
        write_register(apic_lvt_timer, timer_vector); // one-shot
    }
}

void arm_timer(uint64_t deadline)
{
    if (s_apic.tsc_deadline) {
        arch::write_msr(msr_tsc_deadline, tsc_for_monotonic(deadline));
        return;
    }
    uint64_t now = monotonic_nanoseconds();
    uint64_t delay = deadline > now ? deadline - now : 0;
    uint64_t ticks = delay / 1000 * s_apic.ticks_per_millisecond / 1000;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffff'ffff)
        ticks = 0xffff'ffff;
    write_register(apic_initial_count, uint32_t(ticks));
}

void disarm_timer()
{
    if (s_apic.tsc_deadline)
        arch::write_msr(msr_tsc_deadline, 0);
    else
        write_register(apic_initial_count, 0);
}

}
