#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <binfmt/diagnostic.h>
#include <binfmt/file_reader.h>
#include <lib/error_or.h>
#include <lib/vector.h>

namespace binfmt {

constexpr uint64_t page_size = 4096;
// Applications live below the canonical hole; the upper half is the kernel's.
constexpr uint64_t user_space_end = 0x0000'8000'0000'0000;
// Linux refuses program header tables larger than this (fs/binfmt_elf.c, load_elf_phdrs).
constexpr uint64_t max_program_headers_size = 64 * 1024;

constexpr uint64_t page_round_down(uint64_t address) { return address & ~(page_size - 1); }

// Segment permissions, in p_flags' encoding (PF_R = 4, PF_W = 2, PF_X = 1).
enum SegmentFlags : uint32_t {
    SegmentExecutable = 1,
    SegmentWritable = 2,
    SegmentReadable = 4,
};

// One PT_LOAD: `file_size` bytes from `file_offset` appear at `virtual_address`, followed by
// zeros up to `memory_size`.
struct LoadSegment {
    uint64_t virtual_address { 0 };
    uint64_t file_offset { 0 };
    uint64_t file_size { 0 };
    uint64_t memory_size { 0 };
    uint64_t alignment { 0 };
    uint32_t flags { 0 };

    uint64_t end() const { return virtual_address + memory_size; }
    bool is_readable() const { return flags & SegmentReadable; }
    bool is_writable() const { return flags & SegmentWritable; }
    bool is_executable() const { return flags & SegmentExecutable; }
};

// The page-aligned range of addresses an image occupies, [start, end), and the alignment its
// base must keep (the largest p_align, at least a page) when it is moved.
struct ImageSpan {
    uint64_t start { 0 };
    uint64_t end { 0 };
    uint64_t alignment { page_size };

    uint64_t size() const { return end - start; }
};

// PT_TLS, for information: static libcs find it themselves through AT_PHDR.
struct TlsTemplate {
    uint64_t virtual_address { 0 };
    uint64_t file_size { 0 };
    uint64_t memory_size { 0 };
    uint64_t alignment { 0 };
};

enum class ElfType {
    Executable,           // ET_EXEC: loaded at its link addresses
    PositionIndependent,  // ET_DYN: static PIE (or, later, an interpreter); the loader picks a bias
};

// A validated ELF64 x86-64 executable and its load plan. Every address in it is already
// checked: segments lie inside the file, are sorted and disjoint, end below user_space_end,
// and keep p_offset and p_vaddr congruent modulo the page size, so mapping them never needs
// another check.
class ElfImage {
public:
    // Reads and validates the headers. A refusal is ENOEXEC with the reason in `diagnostic`
    // (I/O errors of the reader propagate unchanged; ENOMEM when the header table cannot be
    // buffered).
    static ErrorOr<ElfImage> parse(FileReader& file, Diagnostic& diagnostic);

    ElfType type() const { return m_type; }
    bool is_position_independent() const { return m_type == ElfType::PositionIndependent; }
    uint64_t entry() const { return m_entry; }
    std::span<LoadSegment const> segments() const { return m_segments.span(); }

    // Where the program headers are in memory (AT_PHDR): PT_PHDR's address, else the PT_LOAD
    // whose file range holds e_phoff, as Linux computes it. Empty when neither exists.
    std::optional<uint64_t> program_headers_address() const { return m_program_headers_address; }
    uint64_t program_headers_offset() const { return m_program_headers_offset; }
    uint16_t program_header_entry_size() const { return m_program_header_entry_size; }
    uint16_t program_header_count() const { return m_program_header_count; }

    // PT_GNU_STACK's p_flags, if the image has one. Without it the stack is not executable on
    // x86-64 (Linux's read-implies-exec default applies only to 32-bit processes).
    std::optional<uint32_t> stack_flags() const { return m_stack_flags; }
    bool wants_executable_stack() const { return m_stack_flags && (*m_stack_flags & SegmentExecutable); }

    std::optional<TlsTemplate> tls() const { return m_tls; }

    // PT_INTERP marks a dynamically linked program. Parsing accepts it so a later interpreter
    // loader can use the same plan; the ELF format handler refuses it for now.
    bool has_interpreter() const { return m_interpreter_size != 0; }
    uint64_t interpreter_offset() const { return m_interpreter_offset; }
    uint64_t interpreter_size() const { return m_interpreter_size; }

    // The page-aligned range from the lowest segment's page to the end of the highest one.
    ImageSpan span() const;

    // Moves a position-independent image by `bias` bytes: segments, entry, program headers and
    // TLS. Refused (ENOEXEC) for ET_EXEC with a nonzero bias, for a bias that is not a multiple
    // of the span's alignment, and when the moved image would wrap or reach the kernel half.
    ErrorOr<void> apply_bias(uint64_t bias, Diagnostic& diagnostic);
    uint64_t bias() const { return m_bias; }

    // The first page-aligned address past every segment: where brk starts.
    uint64_t program_break_start() const;

private:
    ElfImage() = default;

    ElfType m_type { ElfType::Executable };
    uint64_t m_entry { 0 };
    uint64_t m_bias { 0 };
    Vector<LoadSegment> m_segments;
    std::optional<uint64_t> m_program_headers_address;
    uint64_t m_program_headers_offset { 0 };
    uint16_t m_program_header_entry_size { 0 };
    uint16_t m_program_header_count { 0 };
    std::optional<uint32_t> m_stack_flags;
    std::optional<TlsTemplate> m_tls;
    uint64_t m_interpreter_offset { 0 };
    uint64_t m_interpreter_size { 0 };
};

}
