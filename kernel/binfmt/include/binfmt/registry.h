#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <binfmt/exec.h>
#include <lib/error_or.h>

namespace binfmt {

// An executable format, as Linux's struct linux_binfmt: a cheap look at the first bytes, then
// the full load.
struct BinaryFormat {
    char const* name;
    // True when `header` (the first bytes of the file, up to exec_header_size) is this format.
    bool (*probe)(std::span<uint8_t const> header);
    // Loads the file into request.target. May call Registry::execute again with another file
    // (a #! handler does, with depth + 1).
    ErrorOr<ExecResult> (*load)(ExecRequest& request);
};

// The formats the kernel knows, tried in registration order. Fixed capacity: registration
// happens at boot and never allocates.
class Registry {
public:
    static constexpr size_t capacity = 8;

    // ENOSPC when full, EEXIST when a format of that name is already there.
    ErrorOr<void> add(BinaryFormat const& format);
    std::span<BinaryFormat const* const> formats() const { return { m_formats.data(), m_count }; }

    // The first format whose probe accepts `header`, or null.
    BinaryFormat const* find(std::span<uint8_t const> header) const;

    // Reads the file's first bytes, picks the format and loads it. ENOEXEC with a message when
    // no format matches, ELOOP past max_exec_depth nested interpreters.
    ErrorOr<ExecResult> execute(ExecRequest& request) const;

private:
    std::array<BinaryFormat const*, capacity> m_formats {};
    size_t m_count { 0 };
};

// The kernel's registry; the boot code fills it with register_builtin_formats.
Registry& registry();
// Adds every format this configuration has (CONFIG_BINFMT_*).
ErrorOr<void> register_builtin_formats(Registry& registry);

}
