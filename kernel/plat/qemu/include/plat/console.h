#pragma once

#include <cstddef>

namespace plat {

enum class ConsoleStream {
    Output, // the application's standard output (COM1)
    Error,  // the application's standard error and kernel diagnostics (COM2)
};

// Writes bytes to the host side of the console; never fails, may block while the host drains.
void console_write(ConsoleStream stream, char const* bytes, size_t length);

// Standard input (docs/protocol.md, "Standard input"). The host sends it only when asked:
// console_request_input() asks for at most `most` bytes (1..65536); the bytes arrive through
// the handler's `received`, and the host's answer, with the count it sent (0: end of input),
// through `answered`. Both are called from the interrupt path, with interrupts off.
struct ConsoleInputHandler {
    void (*received)(char const* bytes, size_t length);
    void (*answered)(size_t count);
};
void set_console_input_handler(ConsoleInputHandler);
void console_request_input(size_t most);

}
