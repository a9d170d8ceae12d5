#include <cstring>

#include <arch/register_frame.h>
#include <arch/traps.h>
#include <lib/assert.h>
#include <lib/format.h>
#include <syscall/syscall.h>
#include <syscall/trace.h>

extern "C" syscall::Registration const __start_unifork_syscalls[];
extern "C" syscall::Registration const __stop_unifork_syscalls[];

namespace syscall {

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

Handler s_table[max_number];
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
        if (s_table[number])
            lib::panic("syscall %s registered twice", name_of(number));
        s_table[number] = registration->handler;
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

long dispatch(arch::RegisterFrame& frame)
{
    long number = long(frame.rax);
    Arguments arguments { { frame.rdi, frame.rsi, frame.rdx, frame.r10, frame.r8, frame.r9 }, &frame };
    bool tracing = trace_enabled();
    if (number < 0 || number >= max_number || !s_table[number]) {
        long result = unimplemented(int(number));
        if (tracing)
            trace_call(int(number), arguments, result);
        return result;
    }
    if (tracing)
        trace_before(int(number), arguments);
    auto result = s_table[number](arguments);
    long value = result.is_error() ? -long(result.error().code()) : result.value();
    if (tracing)
        trace_call(int(number), arguments, value);
    return value;
}

}

extern "C" void syscall_dispatch(arch::RegisterFrame* frame)
{
    // Handlers that replace the whole register state (execve, rt_sigreturn) return the rax
    // the application resumes with.
    frame->rax = uint64_t(syscall::dispatch(*frame));
    arch::run_return_to_user_hook();
}
