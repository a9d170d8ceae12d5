// Built when CONFIG_SYSCALL_TRACE is off: diagnostics still reach standard error, tracing is
// simply absent (the launch option is reported as unsupported by the kernel's boot code).
#include <cstring>

#include <plat/console.h>
#include <syscall/trace.h>

namespace syscall {

void set_trace_enabled(bool) { }
void diagnostic(char const* text) { plat::console_write(plat::ConsoleStream::Error, text, strlen(text)); }
void diagnostic_bytes(char const* bytes, size_t length) { plat::console_write(plat::ConsoleStream::Error, bytes, length); }
void trace_before(int, Arguments const&) { }
void trace_call(int, Arguments const&, long) { }

}
