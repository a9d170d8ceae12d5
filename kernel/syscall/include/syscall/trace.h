#pragma once

#include <cstddef>

#include <syscall/syscall.h>

namespace syscall {

void initialize_table();
void report_unimplemented();

// Kernel diagnostics go to the application's standard error stream, as strace's do.
void diagnostic(char const* text);
void diagnostic_bytes(char const* bytes, size_t length);

// strace-like tracing, switched on by the launch file (`unifork run --trace-syscalls`).
void set_trace_enabled(bool);
namespace detail {
extern bool tracing; // read inline on every syscall
}
inline bool trace_enabled() { return detail::tracing; }
// Called before a handler runs, for calls that may never return (exit, execve).
void trace_before(int number, Arguments const&);
void trace_call(int number, Arguments const&, long result);

}
