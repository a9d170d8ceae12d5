#include <cstring>

#include <arch/register_frame.h>
#include <lib/assert.h>
#include <lib/format.h>
#include <syscall/dispatch.h>
#include <syscall/syscall.h>
#include <syscall/trace.h>

extern "C" syscall::Registration const __start_unifork_syscalls[];
extern "C" syscall::Registration const __stop_unifork_syscalls[];

namespace syscall {

bool detail::tracing;
Handler detail::handlers[max_number];

namespace {

struct NameEntry {
    int number;
    char const* name;
};

constexpr NameEntry s_names[] = {
#define LINUX_SYSCALL(number, name) { number, #name },
#include "linux_x86_64.def"
#undef LINUX_SYSCALL
};

// Unimplemented syscalls the application tried, with how often, for the report at exit.
uint32_t s_unimplemented_counts[max_number];
uint32_t s_unknown_count;

}

char const* name_of(int number)
{
    for (auto const& entry : s_names)
        if (entry.number == number)
            return entry.name;
    return nullptr;
}

void initialize_table()
{
    for (auto const* registration = __start_unifork_syscalls; registration != __stop_unifork_syscalls; ++registration) {
        int number = int(registration->number);
        VERIFY(number >= 0 && number < max_number);
        if (detail::handlers[number])
            lib::panic("syscall %s registered twice", name_of(number));
        detail::handlers[number] = registration->handler;
    }
}

void report_unimplemented()
{
    // One line, so a user porting an application sees at once what it is missing.
    char line[1024];
    size_t length = 0;
    auto append = [&](char const* format, auto... values) {
        if (length < sizeof(line))
            length += lib::format(line + length, sizeof(line) - length, format, values...);
    };
    for (int number = 0; number < max_number; ++number) {
        if (!s_unimplemented_counts[number])
            continue;
        char const* name = name_of(number);
        append(length ? ", %s x%u" : "unifork: unimplemented syscalls the program tried: %s x%u", name ? name : "unknown", s_unimplemented_counts[number]);
    }
    if (s_unknown_count)
        append(length ? ", %u calls with numbers Linux does not define" : "unifork: the program made %u calls with numbers Linux does not define", s_unknown_count);
    if (!length)
        return;
    if (length >= sizeof(line) - 1)
        length = sizeof(line) - 2;
    line[length++] = '\n';
    diagnostic_bytes(line, length);
}

static long unimplemented(int number)
{
    if (number < 0 || number >= max_number || !name_of(number)) {
        if (!s_unknown_count++) {
            char line[96];
            size_t length = lib::format(line, sizeof(line), "unifork: syscall %d does not exist on Linux x86_64\n", number);
            diagnostic_bytes(line, length);
        }
        return -ENOSYS;
    }
    if (!s_unimplemented_counts[number]++) {
        char line[128];
        size_t length = lib::format(line, sizeof(line), "unifork: unimplemented syscall %s (%d) returns ENOSYS\n", name_of(number), number);
        diagnostic_bytes(line, length);
    }
    return -ENOSYS;
}

long detail::dispatch_unusual(arch::RegisterFrame& frame)
{
    long number = long(frame.rax);
    Arguments arguments { { frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9 }, &frame };
    bool tracing = trace_enabled();
    if (number < 0 || number >= max_number || !detail::handlers[number]) {
        long result = unimplemented(int(number));
        if (tracing)
            trace_call(int(number), arguments, result);
        return result;
    }
    if (tracing)
        trace_before(int(number), arguments);
    long value = result_value(detail::handlers[number](arguments));
    if (tracing)
        trace_call(int(number), arguments, value);
    return value;
}

}
