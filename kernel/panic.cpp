#include <cstdarg>

#include <arch/cpu.h>
#include <lib/assert.h>
#include <lib/format.h>
#include <plat/console.h>
#include <plat/power.h>

extern "C" char _text_start[];
extern "C" char _text_end[];

namespace lib {

static bool s_panicking;

static void write_error(char const* text, size_t length) { plat::console_write(plat::ConsoleStream::Error, text, length); }

// Prints the reason and a frame-pointer backtrace (resolve with `addr2line -e
// build/kernel/unifork-kernel.elf`), then tells the host through the control channel.
void panic(char const* format, ...)
{
    arch::disable_interrupts();
    char message[1024];
    if (s_panicking) {
        size_t length = lib::format(message, sizeof(message), "unifork: nested panic: %s\n", format);
        write_error(message, length);
        plat::exit_vm_panic();
    }
    s_panicking = true;
    size_t length = lib::format(message, sizeof(message), "unifork: kernel panic: ");
    write_error(message, length);
    va_list arguments;
    va_start(arguments, format);
    length = vformat(message, sizeof(message), format, arguments);
    va_end(arguments);
    write_error(message, length < sizeof(message) ? length : sizeof(message) - 1);
    write_error("\nunifork: backtrace:\n", 21);
    auto* frame = static_cast<uint64_t*>(__builtin_frame_address(0));
    for (int depth = 0; frame && depth < 32; ++depth) {
        auto address = reinterpret_cast<uint64_t>(frame);
        if (address < 0xffff'8000'0000'0000 || address % 8)
            break;
        uint64_t return_address = frame[1];
        if (return_address < reinterpret_cast<uint64_t>(_text_start) || return_address >= reinterpret_cast<uint64_t>(_text_end))
            break;
        length = lib::format(message, sizeof(message), "unifork:   %#lx\n", return_address);
        write_error(message, length);
        frame = reinterpret_cast<uint64_t*>(frame[0]);
    }
    plat::exit_vm_panic();
}

}
