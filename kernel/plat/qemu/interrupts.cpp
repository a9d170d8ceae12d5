// Interrupts from devices: the IO-APIC routes of the control channel (COM3), with the records
// the host sends on it, and of the console's standard input (COM1).
#include <arch/cpu.h>
#include <arch/traps.h>
#include <mm/memory.h>
#include <plat/console.h>
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
constexpr uint8_t console_input_irq = 4;

// 16550 registers, as offsets from the port base.
constexpr uint16_t uart_data = 0;
constexpr uint16_t uart_interrupt_enable = 1;
constexpr uint16_t uart_modem_control = 4;
constexpr uint16_t uart_line_status = 5;
constexpr uint8_t line_status_data_ready = 0x01;

HostSignalHandler s_host_signal_handler = nullptr;
ConsoleInputHandler s_console_input_handler {};
HostRecordDecoder s_decoder;

void write_ioapic(uint32_t index, uint32_t value)
{
    auto* registers = static_cast<volatile uint32_t*>(mm::physical_to_virtual(ioapic_physical));
    registers[ioapic_select / 4] = index;
    registers[ioapic_window / 4] = value;
}

void route_irq(uint8_t irq, uint8_t vector)
{
    // Fixed delivery, physical destination, active high, edge-triggered, unmasked.
    uint32_t entry = ioapic_redirection_table + 2 * irq;
    write_ioapic(entry + 1, local_apic_id() << 24);
    write_ioapic(entry, vector);
}

// Drains COM3's receive FIFO, which lowers the IRQ line; a byte that arrives later raises it
// again, a new edge. Records are acted on after the end of interrupt, as the handler may wake
// threads.
void control_channel_interrupt(arch::RegisterFrame&)
{
    constexpr int most_records = 8;
    HostRecord records[most_records];
    int count = 0;
    while (arch::inb(com3 + uart_line_status) & line_status_data_ready) {
        auto byte = char(arch::inb(com3 + uart_data));
        HostRecord record;
        if (s_decoder.feed(byte, record) && count < most_records)
            records[count++] = record;
    }
    end_of_interrupt();
    for (int i = 0; i < count; ++i) {
        switch (records[i].kind) {
        case HostRecord::Kind::Signal:
            if (s_host_signal_handler)
                s_host_signal_handler(records[i].value);
            break;
        case HostRecord::Kind::Input:
            if (s_console_input_handler.answered)
                s_console_input_handler.answered(size_t(records[i].value));
            break;
        }
    }
}

// Standard input on COM1, whose FIFO is on: the UART interrupts when it holds 14 bytes or when
// fewer have waited four characters' time. The end of interrupt comes first, so that a byte
// arriving after the last look below raises a new edge rather than being left behind; QEMU may
// refill the FIFO while it is being read, hence the loop until it stays empty.
void console_input_interrupt(arch::RegisterFrame&)
{
    end_of_interrupt();
    for (;;) {
        char bytes[256];
        size_t count = 0;
        while (count < sizeof(bytes) && (arch::inb(com1 + uart_line_status) & line_status_data_ready))
            bytes[count++] = char(arch::inb(com1 + uart_data));
        if (count == 0)
            return;
        if (s_console_input_handler.received)
            s_console_input_handler.received(bytes, count);
    }
}

}

void set_console_input_handler(ConsoleInputHandler handler) { s_console_input_handler = handler; }

void set_host_signal_handler(HostSignalHandler handler) { s_host_signal_handler = handler; }

void initialize_interrupts()
{
    enable_local_apic();
    arch::set_interrupt_handler(control_channel_vector, control_channel_interrupt);
    arch::set_interrupt_handler(console_input_vector, console_input_interrupt);
    route_irq(control_channel_irq, control_channel_vector);
    route_irq(console_input_irq, console_input_vector);

    // COM3 (its FIFO off, see serial_initialize) and COM1 interrupt for received bytes and for
    // nothing else, so that their transmit sides stay polled as on COM2. A byte the host sent
    // before this raises the interrupt at once (the host sends standard input only when asked).
    // OUT2 gates a UART's IRQ line on a PC.
    for (uint16_t port : { com3, com1 }) {
        arch::outb(port + uart_modem_control, 0x0b); // DTR, RTS, OUT2
        arch::outb(port + uart_interrupt_enable, 0x01); // received data available
    }
}

}
