// Validation follows fs/binfmt_elf.c (load_elf_binary, load_elf_phdrs, elf_map) where Linux
// refuses a file, and is stricter where Linux would map garbage and let the program crash:
// every refusal here says why, so `unifork run` can tell the user instead of a SIGSEGV.
#include <cstring>

#include <binfmt/elf.h>
#include <binfmt/elf_image.h>
#include <lib/user_memory.h>

namespace binfmt {

namespace {

static_assert(user_space_end == lib::user_address_limit);

// Linux's default vm.mmap_min_addr: the first 64 KiB stay unmapped so that null pointer
// dereferences (with an offset) fault.
constexpr uint64_t lowest_mappable_address = 0x10000;
// PATH_MAX, which Linux applies to PT_INTERP's contents.
constexpr uint64_t max_interpreter_size = 4096;

bool is_power_of_two(uint64_t value) { return value && !(value & (value - 1)); }

// Page-rounding up that cannot wrap: callers pass addresses at most user_space_end.
uint64_t page_round_up(uint64_t address) { return page_round_down(address + page_size - 1); }

template<typename T>
T read_struct(uint8_t const* bytes)
{
    T value;
    memcpy(&value, bytes, sizeof(T));
    return value;
}

char const* type_name(uint16_t type)
{
    switch (type) {
    case elf::ET_NONE:
        return "an ELF file of no type";
    case elf::ET_REL:
        return "a relocatable object file (.o), not an executable";
    case elf::ET_CORE:
        return "a core dump, not an executable";
    default:
        return nullptr;
    }
}

}

ErrorOr<ElfImage> ElfImage::parse(FileReader& file, Diagnostic& diagnostic)
{
    uint64_t const file_size = file.size();

    uint8_t header_bytes[sizeof(elf::FileHeader)] {};
    size_t const header_available = file_size < sizeof(header_bytes) ? size_t(file_size) : sizeof(header_bytes);
    TRY(read_exact(file, 0, std::span<uint8_t>(header_bytes, header_available)));

    if (header_available < sizeof(elf::magic) || memcmp(header_bytes, elf::magic, sizeof(elf::magic)) != 0)
        return diagnostic.refuse(ENOEXEC, "not an ELF file");
    if (header_available <= elf::EI_VERSION)
        return diagnostic.refuse(ENOEXEC, "truncated ELF header (%zu bytes)", header_available);
    // Linux answers ENOEXEC for both: a 64-bit kernel without compat support has no 32-bit
    // loader, and this one never will.
    if (header_bytes[elf::EI_CLASS] == elf::ELFCLASS32)
        return diagnostic.refuse(ENOEXEC, "32-bit ELF executables are not supported");
    if (header_bytes[elf::EI_CLASS] != elf::ELFCLASS64)
        return diagnostic.refuse(ENOEXEC, "invalid ELF class %u", header_bytes[elf::EI_CLASS]);
    if (header_bytes[elf::EI_DATA] == elf::ELFDATA2MSB)
        return diagnostic.refuse(ENOEXEC, "big-endian ELF files are not supported");
    if (header_bytes[elf::EI_DATA] != elf::ELFDATA2LSB)
        return diagnostic.refuse(ENOEXEC, "invalid ELF data encoding %u", header_bytes[elf::EI_DATA]);
    if (header_bytes[elf::EI_VERSION] != elf::EV_CURRENT)
        return diagnostic.refuse(ENOEXEC, "unsupported ELF version %u", header_bytes[elf::EI_VERSION]);
    if (header_available < sizeof(elf::FileHeader))
        return diagnostic.refuse(ENOEXEC, "truncated ELF header (%zu bytes)", header_available);

    auto const header = read_struct<elf::FileHeader>(header_bytes);
    if (header.e_version != elf::EV_CURRENT)
        return diagnostic.refuse(ENOEXEC, "unsupported ELF version %u", header.e_version);
    if (header.e_machine != elf::EM_X86_64)
        return diagnostic.refuse(ENOEXEC, "ELF file is for another architecture (machine %u)", header.e_machine);
    if (header.e_type != elf::ET_EXEC && header.e_type != elf::ET_DYN) {
        if (auto const* name = type_name(header.e_type))
            return diagnostic.refuse(ENOEXEC, "ELF file is %s", name);
        return diagnostic.refuse(ENOEXEC, "unsupported ELF file type %u", header.e_type);
    }
    if (header.e_phentsize != sizeof(elf::ProgramHeader))
        return diagnostic.refuse(ENOEXEC, "unexpected program header entry size %u (expected %zu)", header.e_phentsize, sizeof(elf::ProgramHeader));
    if (header.e_phnum == 0)
        return diagnostic.refuse(ENOEXEC, "ELF file has no program headers");
    uint64_t const headers_size = uint64_t(header.e_phnum) * sizeof(elf::ProgramHeader);
    if (headers_size > max_program_headers_size)
        return diagnostic.refuse(ENOEXEC, "too many program headers (%u)", header.e_phnum);
    uint64_t headers_end;
    if (__builtin_add_overflow(header.e_phoff, headers_size, &headers_end) || headers_end > file_size)
        return diagnostic.refuse(ENOEXEC, "truncated ELF file: program headers (%u headers at offset 0x%lx, file size 0x%lx)", header.e_phnum, header.e_phoff, file_size);

    Vector<uint8_t> headers_bytes;
    TRY(headers_bytes.try_resize(headers_size));
    TRY(read_exact(file, header.e_phoff, headers_bytes.span()));

    ElfImage image;
    image.m_type = header.e_type == elf::ET_EXEC ? ElfType::Executable : ElfType::PositionIndependent;
    image.m_entry = header.e_entry;
    image.m_program_headers_offset = header.e_phoff;
    image.m_program_header_entry_size = header.e_phentsize;
    image.m_program_header_count = header.e_phnum;

    uint64_t previous_end = 0;
    for (unsigned index = 0; index < header.e_phnum; ++index) {
        auto const program_header = read_struct<elf::ProgramHeader>(headers_bytes.data() + index * sizeof(elf::ProgramHeader));
        switch (program_header.p_type) {
        case elf::PT_LOAD: {
            uint64_t file_end;
            if (__builtin_add_overflow(program_header.p_offset, program_header.p_filesz, &file_end) || file_end > file_size)
                return diagnostic.refuse(ENOEXEC, "segment %u extends past the end of the file (offset 0x%lx, size 0x%lx, file size 0x%lx)",
                    index, program_header.p_offset, program_header.p_filesz, file_size);
            if (program_header.p_filesz > program_header.p_memsz)
                return diagnostic.refuse(ENOEXEC, "segment %u has a file size (0x%lx) larger than its memory size (0x%lx)",
                    index, program_header.p_filesz, program_header.p_memsz);
            uint64_t memory_end;
            if (__builtin_add_overflow(program_header.p_vaddr, program_header.p_memsz, &memory_end) || memory_end > user_space_end)
                return diagnostic.refuse(ENOEXEC, "segment %u (address 0x%lx, size 0x%lx) reaches into the kernel's half of the address space",
                    index, program_header.p_vaddr, program_header.p_memsz);
            if (program_header.p_align > 1 && !is_power_of_two(program_header.p_align))
                return diagnostic.refuse(ENOEXEC, "segment %u has an alignment (0x%lx) that is not a power of two", index, program_header.p_align);
            // Pages are mapped from the file, so an address and its file offset must sit at the
            // same place within their pages.
            if ((program_header.p_vaddr - program_header.p_offset) % page_size != 0)
                return diagnostic.refuse(ENOEXEC, "segment %u has file offset 0x%lx and address 0x%lx that are not congruent modulo the page size",
                    index, program_header.p_offset, program_header.p_vaddr);
            // A segment that occupies no memory maps nothing; Linux skips it too.
            if (program_header.p_memsz == 0)
                break;
            if (image.m_type == ElfType::Executable && program_header.p_vaddr < lowest_mappable_address)
                return diagnostic.refuse(ENOEXEC, "segment %u at 0x%lx lies in the first 64 KiB, which stay unmapped", index, program_header.p_vaddr);
            // The gABI requires ascending p_vaddr; overlapping bytes would make the load order
            // decide the contents. Segments may still share a page at their boundary.
            if (!image.m_segments.is_empty() && program_header.p_vaddr < previous_end)
                return diagnostic.refuse(ENOEXEC, "segment %u (address 0x%lx) overlaps or precedes the previous loadable segment (which ends at 0x%lx)",
                    index, program_header.p_vaddr, previous_end);
            previous_end = memory_end;
            TRY(image.m_segments.try_append(LoadSegment {
                .virtual_address = program_header.p_vaddr,
                .file_offset = program_header.p_offset,
                .file_size = program_header.p_filesz,
                .memory_size = program_header.p_memsz,
                .alignment = program_header.p_align,
                .flags = program_header.p_flags & (SegmentReadable | SegmentWritable | SegmentExecutable),
            }));
            break;
        }
        case elf::PT_INTERP: {
            uint64_t interpreter_end;
            if (__builtin_add_overflow(program_header.p_offset, program_header.p_filesz, &interpreter_end) || interpreter_end > file_size)
                return diagnostic.refuse(ENOEXEC, "the interpreter path extends past the end of the file");
            if (program_header.p_filesz < 2 || program_header.p_filesz > max_interpreter_size)
                return diagnostic.refuse(ENOEXEC, "invalid interpreter path size %lu", program_header.p_filesz);
            image.m_interpreter_offset = program_header.p_offset;
            image.m_interpreter_size = program_header.p_filesz;
            break;
        }
        case elf::PT_PHDR:
            if (!image.m_program_headers_address)
                image.m_program_headers_address = program_header.p_vaddr;
            break;
        case elf::PT_TLS:
            if (program_header.p_filesz > program_header.p_memsz)
                return diagnostic.refuse(ENOEXEC, "the TLS segment has a file size larger than its memory size");
            image.m_tls = TlsTemplate {
                .virtual_address = program_header.p_vaddr,
                .file_size = program_header.p_filesz,
                .memory_size = program_header.p_memsz,
                .alignment = program_header.p_align,
            };
            break;
        case elf::PT_GNU_STACK:
            image.m_stack_flags = program_header.p_flags;
            break;
        default:
            break;
        }
    }

    if (image.m_segments.is_empty())
        return diagnostic.refuse(ENOEXEC, "ELF file has no loadable segments");

    // Linux 5.18+ takes AT_PHDR from the PT_LOAD whose file range holds the table when there is
    // no PT_PHDR; we also want the whole table inside it, because libc reads all of it.
    if (!image.m_program_headers_address) {
        for (auto const& segment : image.m_segments) {
            if (segment.file_offset <= header.e_phoff && headers_end <= segment.file_offset + segment.file_size) {
                image.m_program_headers_address = segment.virtual_address + (header.e_phoff - segment.file_offset);
                break;
            }
        }
    }

    bool entry_is_mapped = false;
    for (auto const& segment : image.m_segments) {
        if (segment.virtual_address <= image.m_entry && image.m_entry < segment.end())
            entry_is_mapped = true;
    }
    if (!entry_is_mapped)
        return diagnostic.refuse(ENOEXEC, "entry point 0x%lx lies outside every loadable segment", image.m_entry);

    return image;
}

ImageSpan ElfImage::span() const
{
    VERIFY(!m_segments.is_empty());
    ImageSpan span;
    span.start = page_round_down(m_segments[0].virtual_address);
    span.end = page_round_up(m_segments[m_segments.size() - 1].end());
    for (auto const& segment : m_segments) {
        if (segment.alignment > span.alignment)
            span.alignment = segment.alignment;
    }
    return span;
}

uint64_t ElfImage::program_break_start() const
{
    return span().end;
}

ErrorOr<void> ElfImage::apply_bias(uint64_t bias, Diagnostic& diagnostic)
{
    if (m_type != ElfType::PositionIndependent) {
        if (bias != 0)
            return diagnostic.refuse(ENOEXEC, "an ET_EXEC image cannot be moved");
        return {};
    }
    auto const current = span();
    if (bias % current.alignment != 0)
        return diagnostic.refuse(ENOEXEC, "load bias 0x%lx breaks the image's alignment 0x%lx", bias, current.alignment);
    uint64_t new_start;
    uint64_t new_end;
    if (__builtin_add_overflow(current.start, bias, &new_start) || __builtin_add_overflow(current.end, bias, &new_end)
        || new_end > user_space_end || new_start < lowest_mappable_address)
        return diagnostic.refuse(ENOEXEC, "load bias 0x%lx puts the image outside the application's address space", bias);
    // PT_PHDR and PT_TLS are not bound to lie inside the span, so check them before changing
    // anything: a refused bias leaves the image as it was.
    auto program_headers_address = m_program_headers_address;
    if (program_headers_address && __builtin_add_overflow(*program_headers_address, bias, &*program_headers_address))
        return diagnostic.refuse(ENOEXEC, "the program header address overflows when moved");
    auto tls = m_tls;
    if (tls && __builtin_add_overflow(tls->virtual_address, bias, &tls->virtual_address))
        return diagnostic.refuse(ENOEXEC, "the TLS template address overflows when moved");

    // Segments and the entry point lie inside [start, end), so these additions cannot wrap.
    for (auto& segment : m_segments)
        segment.virtual_address += bias;
    m_entry += bias;
    m_bias += bias;
    m_program_headers_address = program_headers_address;
    m_tls = tls;
    return {};
}

}
