#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <lib/error_or.h>
#include <lib/vector.h>

namespace binfmt {

// Linux's limit on one argument or environment string, its NUL included (MAX_ARG_STRLEN).
constexpr size_t max_argument_string_size = 32 * 4096;
// Linux allows argument and environment strings plus their pointers to take a quarter of the
// stack rlimit; with the usual 8 MiB rlimit that is 2 MiB.
constexpr size_t default_argument_limit = 2 * 1024 * 1024;

// The user and group IDs the new program runs with.
struct AuxiliaryCredentials {
    uint64_t user_id { 0 };            // AT_UID
    uint64_t effective_user_id { 0 };  // AT_EUID
    uint64_t group_id { 0 };           // AT_GID
    uint64_t effective_group_id { 0 }; // AT_EGID
    uint64_t secure { 0 };             // AT_SECURE: 1 when the exec changed the effective IDs
};

// The values of the auxiliary vector that depend on the image and the machine. The rest are
// fixed: AT_PAGESZ 4096, AT_CLKTCK 100, AT_FLAGS 0, AT_HWCAP2 0, and the strings' addresses.
struct AuxiliaryValues {
    uint64_t program_headers { 0 };           // AT_PHDR
    uint64_t program_header_entry_size { 0 }; // AT_PHENT
    uint64_t program_header_count { 0 };      // AT_PHNUM
    uint64_t entry { 0 };                     // AT_ENTRY
    uint64_t interpreter_base { 0 };          // AT_BASE: 0 without an interpreter
    uint64_t hardware_capabilities { 0 };     // AT_HWCAP: CPUID.1:EDX on x86-64
    uint64_t minimum_signal_stack_size { 2048 }; // AT_MINSIGSTKSZ
    AuxiliaryCredentials credentials {};      // AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE
    uint64_t system_information_header { 0 }; // AT_SYSINFO_EHDR (the vDSO), left out when 0
};

struct InitialStackRequest {
    // The first address above the stack; page-aligned in practice, only 16-byte alignment is
    // relied on here.
    uint64_t stack_top { 0 };
    std::span<std::string_view const> arguments;
    std::span<std::string_view const> environment;
    std::string_view executable_filename; // AT_EXECFN: the path as given to execve
    std::array<uint8_t, 16> random_bytes {}; // AT_RANDOM: seeds libc's stack protector
    std::string_view platform { "x86_64" };  // AT_PLATFORM
    AuxiliaryValues auxiliary;
    size_t argument_limit { default_argument_limit };
};

// What the image holds, as addresses, for the loader's log and for tests.
struct InitialStackLayout {
    uint64_t stack_pointer { 0 };   // rsp at entry; points at argc; 16-byte aligned
    uint64_t arguments { 0 };       // argv[0]'s slot
    uint64_t environment { 0 };     // envp[0]'s slot
    uint64_t auxiliary_vector { 0 };
    uint64_t strings_start { 0 };   // lowest byte of the string area
};

// Builds the process's initial stack as Linux's create_elf_tables does, so that any libc's
// _start can read it. From the top down:
//
//     stack_top - 8      eight zero bytes (Linux's end marker)
//                        execfn
//                        envp[M-1] .. envp[0], argv[N-1] .. argv[0] strings, each
//                        NUL-terminated, so that in ascending addresses they read argv[0]
//                        first, as copy_strings leaves them
//                        padding to 16 bytes
//                        platform string ("x86_64\0")
//                        16 random bytes (AT_RANDOM)
//                        padding so that rsp ends up 16-byte aligned
//                        auxv pairs, ending with AT_NULL
//                        NULL, envp[M-1] .. envp[0]
//                        NULL, argv[N-1] .. argv[0]
//     rsp                argc
//
// With no arguments at all the program gets argc 1 and an empty argv[0], as Linux has done
// since 5.18 so that argv[0] can be trusted to exist.
//
// On return `image` holds the bytes of [stack_pointer, stack_top): image[i] belongs at
// address stack_pointer + i. E2BIG when a string reaches max_argument_string_size with its NUL
// or when the strings and pointers of argv and envp exceed request.argument_limit.
ErrorOr<InitialStackLayout> build_initial_stack(InitialStackRequest const& request, Vector<uint8_t>& image);

}
