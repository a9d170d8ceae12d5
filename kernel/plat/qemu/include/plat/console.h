#pragma once

#include <cstddef>

namespace plat {

enum class ConsoleStream {
    Output, // the application's standard output (COM1)
    Error,  // the application's standard error and kernel diagnostics (COM2)
};

// Writes bytes to the host side of the console; never fails, may block while the host drains.
void console_write(ConsoleStream stream, char const* bytes, size_t length);

// Reads what the host has sent for the application's standard input. Returns 0 at end of
// input. Standard input is not relayed yet, so this reports end of input at once.
size_t console_read(char* buffer, size_t length);

}
