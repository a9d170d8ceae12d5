#include <arch/cpu.h>
#include <plat/console.h>
#include <plat/serial.h>

namespace plat {

void serial_initialize(uint16_t port, bool receives)
{
    arch::outb(port + 1, 0x00); // no interrupts
    arch::outb(port + 3, 0x80); // divisor latch
    arch::outb(port + 0, 0x01); // 115200 baud
    arch::outb(port + 1, 0x00);
    arch::outb(port + 3, 0x03); // 8N1
    if (!receives)
        arch::outb(port + 2, 0xc7); // FIFO on, cleared
    arch::outb(port + 4, 0x03); // DTR, RTS
}

void serial_write(uint16_t port, char const* bytes, size_t length)
{
    for (size_t i = 0; i < length; ++i) {
        // Waiting for the transmitter keeps bytes from being dropped while the host side is
        // slow to drain its pipe.
        while (!(arch::inb(port + 5) & 0x20))
            arch::pause();
        arch::outb(port, uint8_t(bytes[i]));
    }
}

void console_write(ConsoleStream stream, char const* bytes, size_t length)
{
    serial_write(stream == ConsoleStream::Output ? com1 : com2, bytes, length);
}

// `read N` on the control channel (docs/protocol.md, "Standard input").
void console_request_input(size_t most)
{
    char record[16] = "read ";
    size_t length = 5;
    char digits[8];
    size_t digit_count = 0;
    do {
        digits[digit_count++] = char('0' + most % 10);
        most /= 10;
    } while (most && digit_count < sizeof(digits));
    while (digit_count)
        record[length++] = digits[--digit_count];
    record[length++] = '\n';
    serial_write(com3, record, length);
}

}
