#pragma once

#include <cstdint>

#include <lib/error_or.h>
#include <lib/user_memory.h>

namespace arch {
struct RegisterFrame;
}

namespace syscall {

enum class Number : int {
#define LINUX_SYSCALL(number, name) name = number,
#include "../../linux_x86_64.def"
#undef LINUX_SYSCALL
};

constexpr int max_number = 512;

// Arguments as the application passed them (rdi, rsi, rdx, r10, r8, r9), and the full
// register frame for the few calls that change where the application resumes (execve,
// rt_sigreturn, clone).
struct Arguments {
    uint64_t raw[6];
    arch::RegisterFrame* frame;

    uint64_t operator[](int index) const { return raw[index]; }
    int as_int(int index) const { return int(raw[index]); }
    template<typename T>
    UserPtr<T> pointer(int index) const { return UserPtr<T>(raw[index]); }
};

// A handler's value becomes rax; an Error becomes -errno.
using Handler = ErrorOr<long> (*)(Arguments const&);

// Sixteen bytes and aligned to sixteen, so the linker section is a plain array.
struct alignas(16) Registration {
    Number number;
    Handler handler;
};

char const* name_of(int number);

} // namespace syscall

// Defines a syscall handler and registers it for its Linux number. Use inside the handler's
// family file, beside the library it belongs to:
//
//     SYSCALL_HANDLER(getpid) { return current_process().pid(); }
#define SYSCALL_HANDLER(name)                                                                            \
    static ErrorOr<long> sys_##name(::syscall::Arguments const& args);                                   \
    [[gnu::used, gnu::section(".unifork_syscalls")]] static constexpr ::syscall::Registration          \
        syscall_registration_##name { ::syscall::Number::name, sys_##name };                               \
    static ErrorOr<long> sys_##name([[maybe_unused]] ::syscall::Arguments const& args)
