#include <arch/cpu.h>
#include <plat/clock.h>

namespace plat {

namespace {

constexpr uint32_t pit_frequency = 1'193'182;

struct Calibration {
    bool done { false };
    uint64_t boot_tsc { 0 };
    uint64_t tsc_per_second { 0 };
    uint64_t boot_epoch_seconds { 0 };
};
Calibration s_clock;

uint16_t read_pit_counter()
{
    arch::outb(0x43, 0x00); // latch channel 0
    uint8_t low = arch::inb(0x40);
    uint8_t high = arch::inb(0x40);
    return uint16_t(low | (high << 8));
}

// Counts TSC ticks across a known number of PIT ticks. Done on first use, not at boot, so
// programs that never ask for the time do not pay for it.
uint64_t measure_tsc_frequency()
{
    auto leaf0 = arch::cpuid(0);
    if (leaf0.eax >= 0x15) {
        auto leaf15 = arch::cpuid(0x15);
        if (leaf15.eax && leaf15.ebx && leaf15.ecx)
            return uint64_t(leaf15.ecx) * leaf15.ebx / leaf15.eax;
    }
    arch::outb(0x43, 0x34); // channel 0, lobyte/hibyte, mode 2
    arch::outb(0x40, 0xff);
    arch::outb(0x40, 0xff);
    constexpr uint32_t ticks_wanted = 6000; // about 5 ms
    uint16_t start = read_pit_counter();
    uint64_t tsc_start = arch::read_tsc();
    uint32_t elapsed = 0;
    uint16_t previous = start;
    uint64_t spins = 0;
    while (elapsed < ticks_wanted) {
        uint16_t now = read_pit_counter();
        elapsed += uint16_t(previous - now);
        previous = now;
        if (++spins > 50'000'000)
            return 1'000'000'000; // no PIT: assume 1 GHz rather than hang
    }
    uint64_t tsc_elapsed = arch::read_tsc() - tsc_start;
    return tsc_elapsed * pit_frequency / elapsed;
}

uint8_t read_cmos(uint8_t index)
{
    arch::outb(0x70, index);
    return arch::inb(0x71);
}

uint64_t read_rtc_epoch_seconds()
{
    for (int tries = 0; tries < 1'000'000 && (read_cmos(0x0a) & 0x80); ++tries)
        arch::pause();
    uint8_t second = read_cmos(0x00), minute = read_cmos(0x02), hour = read_cmos(0x04);
    uint8_t day = read_cmos(0x07), month = read_cmos(0x08), year = read_cmos(0x09);
    uint8_t status_b = read_cmos(0x0b);
    if (second == 0xff && month == 0xff)
        return 0;
    auto from_bcd = [](uint8_t value) { return uint8_t((value & 0x0f) + (value >> 4) * 10); };
    if (!(status_b & 0x04)) {
        second = from_bcd(second);
        minute = from_bcd(minute);
        hour = uint8_t(from_bcd(hour & 0x7f) | (hour & 0x80));
        day = from_bcd(day);
        month = from_bcd(month);
        year = from_bcd(year);
    }
    if (!(status_b & 0x02) && (hour & 0x80))
        hour = uint8_t(((hour & 0x7f) + 12) % 24);
    int64_t full_year = 2000 + year;
    // Days from the civil date (Howard Hinnant's algorithm).
    int64_t y = full_year - (month <= 2);
    int64_t era = y / 400;
    int64_t year_of_era = y - era * 400;
    int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    int64_t days = era * 146097 + day_of_era - 719468;
    return uint64_t(days * 86400 + hour * 3600 + minute * 60 + second);
}

void calibrate()
{
    if (s_clock.done)
        return;
    s_clock.tsc_per_second = measure_tsc_frequency();
    s_clock.boot_epoch_seconds = read_rtc_epoch_seconds();
    s_clock.done = true;
}

}

void clock_mark_boot()
{
    s_clock.boot_tsc = arch::read_tsc();
}

uint64_t monotonic_nanoseconds()
{
    calibrate();
    uint64_t ticks = arch::read_tsc() - s_clock.boot_tsc;
    return uint64_t((unsigned __int128)ticks * 1'000'000'000 / s_clock.tsc_per_second);
}

uint64_t tsc_for_monotonic(uint64_t nanoseconds)
{
    calibrate();
    return s_clock.boot_tsc + uint64_t((unsigned __int128)nanoseconds * s_clock.tsc_per_second / 1'000'000'000);
}

uint64_t realtime_nanoseconds()
{
    calibrate();
    return s_clock.boot_epoch_seconds * 1'000'000'000 + monotonic_nanoseconds();
}

}
