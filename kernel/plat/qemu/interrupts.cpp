// Interrupts from devices: the IO-APIC route of the control channel (COM3) and the records the
// host sends on it.
#include <arch/cpu.h>
#include <arch/traps.h>
#include <mm/memory.h>
#include <plat/host_records.h>
#include <plat/interrupts.h>
#include <plat/serial.h>

namespace plat {

void enable_local_apic();
uint32_t local_apic_id();

namespace {

// microvm's IO-APIC sits at the standard address, and its pins are the ISA IRQs (GSI = IRQ),
// edge-triggered and active high, so the MADT has nothing to add.
constexpr uint64_t ioapic_physical = 0xfec0'0000;
constexpr uint32_t ioapic_select = 0x00;
constexpr uint32_t ioapic_window = 0x10;
constexpr uint32_t ioapic_redirection_table = 0x10;
// The CLI gives COM3 this IRQ (-device isa-serial,...,irq=6).
constexpr uint8_t control_channel_irq = 6;

// 16550 registers, as offsets from the port base.
constexpr uint16_t uart_data = 0;
constexpr uint16_t uart_interrupt_enable = 1;
constexpr uint16_t uart_modem_control = 4;
constexpr uint16_t uart_line_status = 5;
constexpr uint8_t line_status_data_ready = 0x01;

HostSignalHandler s_host_signal_handler = nullptr;
HostRecordDecoder s_decoder;

void write_ioapic(uint32_t index, uint32_t value)
{
    auto* registers = static_cast<volatile uint32_t*>(mm::physical_to_virtual(ioapic_physical));
    registers[ioapic_select / 4] = index;
    registers[ioapic_window / 4] = value;
}

// Drains COM3's receive FIFO, which lowers the IRQ line; a byte that arrives later raises it
// again, a new edge. Records are acted on after the end of interrupt, as the handler may wake
// threads.
void control_channel_interrupt(arch::RegisterFrame&)
{
    constexpr int most_records = 8;
    int signals[most_records];
    int count = 0;
    while (arch::inb(com3 + uart_line_status) & line_status_data_ready) {
        auto byte = char(arch::inb(com3 + uart_data));
        HostRecord record;
        if (s_decoder.feed(byte, record) && record.kind == HostRecord::Kind::Signal && count < most_records)
            signals[count++] = record.value;
    }
    end_of_interrupt();
    for (int i = 0; i < count; ++i)
        if (s_host_signal_handler)
            s_host_signal_handler(signals[i]);
}

}

void set_host_signal_handler(HostSignalHandler handler) { s_host_signal_handler = handler; }

void initialize_interrupts()
{
    enable_local_apic();
    arch::set_interrupt_handler(control_channel_vector, control_channel_interrupt);

    // Fixed delivery, physical destination, active high, edge-triggered, unmasked.
    uint32_t entry = ioapic_redirection_table + 2 * control_channel_irq;
    write_ioapic(entry + 1, local_apic_id() << 24);
    write_ioapic(entry, control_channel_vector);

    // COM3 (its FIFO off, see serial_initialize) interrupts for each received byte and for
    // nothing else, so that its transmit side stays polled as on COM1 and COM2. A byte the
    // host sent before this raises the interrupt at once. OUT2 gates the UART's IRQ line on a
    // PC.
    arch::outb(com3 + uart_modem_control, 0x0b); // DTR, RTS, OUT2
    arch::outb(com3 + uart_interrupt_enable, 0x01); // received data available
}

}
