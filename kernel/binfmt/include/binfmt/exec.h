#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <binfmt/diagnostic.h>
#include <binfmt/elf_image.h>
#include <binfmt/file_reader.h>
#include <binfmt/initial_stack.h>
#include <lib/error_or.h>

namespace binfmt {

class Registry;

// mmap's protection bits (PROT_READ, PROT_WRITE, PROT_EXEC), which differ from p_flags'.
enum Protection : uint32_t {
    ProtectionNone = 0,
    ProtectionRead = 1,
    ProtectionWrite = 2,
    ProtectionExecute = 4,
};

// One PT_LOAD to place, with the load bias already applied.
struct SegmentMapping {
    uint64_t virtual_address { 0 }; // exact, not page-aligned
    uint64_t memory_size { 0 };
    uint64_t file_offset { 0 };     // congruent to virtual_address modulo the page size
    uint64_t file_size { 0 };       // at most memory_size; the rest reads as zeros
    uint32_t protection { 0 };      // Protection bits

    // The pages the segment touches: [page_start(), page_end()).
    uint64_t page_start() const { return page_round_down(virtual_address); }
    uint64_t page_end() const { return page_round_down(virtual_address + memory_size + page_size - 1); }
};

// The stack the target set aside for the new image: [top - size, top).
struct StackRegion {
    uint64_t top { 0 };  // 16-byte aligned; the first address above the stack
    uint64_t size { 0 };
};

// The new address space, as the memory-management code builds it. A format handler calls
// these in order: choose_load_base (position-independent images only), map_segment for each
// PT_LOAD in ascending address order, set_program_break, map_stack, then write_memory for the
// initial stack. The target builds the new image aside from the caller's current one; the
// exec path commits it only after load() succeeded, so any error here leaves the calling
// process intact, as Linux's point of no return does.
class ExecTarget {
public:
    // Chooses where a position-independent image starts: a page-aligned address that is a
    // multiple of span.alignment, with span.size() bytes free above it, in the lower half and
    // not in the first 64 KiB. Linux uses ELF_ET_DYN_BASE (2/3 of the address space) for
    // static PIE; ENOMEM when nothing fits.
    virtual ErrorOr<uint64_t> choose_load_base(ImageSpan const& span) = 0;

    // Makes [segment.page_start(), segment.page_end()) present with `protection` and fills it:
    // bytes [virtual_address, virtual_address + file_size) come from `file` at file_offset,
    // the rest of the segment up to memory_size reads as zero (the .bss). Bytes of the first
    // and last pages outside the segment may be left zero or taken from the file (Linux maps
    // whole file pages). Two consecutive segments can share a boundary page; the later call
    // must keep the earlier segment's bytes in it and give the page both protections.
    virtual ErrorOr<void> map_segment(SegmentMapping const& segment, FileReader& file) = 0;

    // Where brk starts: the page after the highest segment.
    virtual ErrorOr<void> set_program_break(uint64_t start) = 0;

    // Sets aside the main thread's stack, writable, executable only when asked (PT_GNU_STACK
    // with PF_X). Its top must be 16-byte aligned.
    virtual ErrorOr<StackRegion> map_stack(bool executable) = 0;

    // Copies bytes into memory the target mapped (here: the initial stack image).
    virtual ErrorOr<void> write_memory(uint64_t address, std::span<uint8_t const> bytes) = 0;

protected:
    ~ExecTarget() = default;
};

// Linux reads this much of a file for the format handlers to look at (BINPRM_BUF_SIZE).
constexpr size_t exec_header_size = 256;
// How deep handlers may hand the exec on (a #! script to its interpreter, which may be a
// script again): the file execve named is depth 0, and a file at a depth beyond this is
// ELOOP. Linux 6.x's exec_binprm() stops at `depth > 5`, so five nested scripts still run
// their interpreter and a sixth fails.
constexpr unsigned max_exec_depth = 5;

struct ExecRequest {
    FileReader& file;
    ExecTarget& target;
    Diagnostic& diagnostic;
    // The path as given to execve. It becomes AT_EXECFN and stays the same when a #! handler
    // passes the exec on to an interpreter: Linux keeps bprm->exec, the copy of the caller's
    // filename, for AT_EXECFN whatever runs in the end.
    std::string_view filename;
    std::span<std::string_view const> arguments;
    std::span<std::string_view const> environment;
    std::array<uint8_t, 16> random_bytes {};      // AT_RANDOM
    uint64_t hardware_capabilities { 0 };         // AT_HWCAP: CPUID.1:EDX
    // The user and group IDs the new program runs with (AT_UID, AT_EUID, AT_GID, AT_EGID,
    // AT_SECURE).
    AuxiliaryCredentials credentials {};
    size_t argument_limit { default_argument_limit };
    // Opens other files by path (a #! line's interpreter); null where the caller has no file
    // system to offer, and then scripts are refused with ENOEXEC.
    FileOpener* opener { nullptr };
    // The path `file` was opened by when a handler replaced the file execve named (Linux's
    // bprm->interp): a #! handler sets it to its interpreter's path. Empty for the file
    // execve named, whose path is `filename`. A script passes it to its interpreter as the
    // script's name.
    std::string_view interpreter_path {};
    // The first bytes of the file (up to exec_header_size), filled by Registry::execute.
    std::span<uint8_t const> header;
    // How many handlers (#! interpreters) led here; a handler that executes another file
    // passes depth + 1.
    unsigned depth { 0 };
    // The file was named through a close-on-exec descriptor (/dev/fd/N): an interpreter could
    // never open it, so a script is ENOENT (Linux's BINPRM_FLAGS_PATH_INACCESSIBLE).
    bool path_inaccessible { false };
    // The registry running this request, set by Registry::execute; a handler that executes
    // another file goes through it again.
    Registry const* registry { nullptr };

    // The path `file` was opened by: interpreter_path, or filename for the file execve named.
    std::string_view file_path() const { return interpreter_path.empty() ? filename : interpreter_path; }
};

// Where the new program starts.
struct ExecResult {
    uint64_t entry { 0 };
    uint64_t stack_pointer { 0 };
    uint64_t program_break { 0 };
};

}
