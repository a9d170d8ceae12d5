#pragma once

#include <arch/register_frame.h>
#include <syscall/syscall.h>
#include <syscall/trace.h>

namespace syscall {

namespace detail {
extern Handler handlers[max_number];
// Calls that are traced, unimplemented, or not Linux's at all.
long dispatch_unusual(arch::RegisterFrame&);
}

inline long result_value(ErrorOr<long> const& result) { return result.is_error() ? -long(result.error().code()) : result.value(); }

// Runs the handler for the call in `frame` (number in rax) and returns what rax becomes.
// Inline, because the syscall path is short enough that each call and return on it shows:
// under TCG every return costs a lookup of where it goes.
inline long dispatch(arch::RegisterFrame& frame)
{
    uint64_t number = frame.rax;
    if (number >= max_number || !detail::handlers[number] || trace_enabled()) [[unlikely]]
        return detail::dispatch_unusual(frame);
    Arguments arguments { { frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9 }, &frame };
    return result_value(detail::handlers[number](arguments));
}

}
