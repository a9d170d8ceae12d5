#pragma once

// Synthetic ELF images for the tests: a header and program headers written into a byte
// vector, with the rest of the file filled with a recognizable pattern.
#include <cstdint>
#include <cstring>
#include <vector>

#include <binfmt/elf.h>

namespace binfmt::test {

struct ElfBuilder {
    elf::FileHeader header {};
    std::vector<elf::ProgramHeader> program_headers;
    uint64_t file_size { 0 };

    // A static ET_EXEC as musl-gcc -static lays it out: headers inside a read-only first
    // segment, code, then data with .bss, plus PT_TLS and PT_GNU_STACK.
    static ElfBuilder static_executable()
    {
        ElfBuilder builder;
        builder.set_default_header(elf::ET_EXEC, 0x401000);
        builder.add(elf::PT_LOAD, elf::PF_R, 0x0, 0x400000, 0x1000, 0x1000, 0x1000);
        builder.add(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0x1000, 0x401000, 0x800, 0x800, 0x1000);
        // The data segment starts mid-page; its file offset sits at the same place in its page.
        builder.add(elf::PT_LOAD, elf::PF_R | elf::PF_W, 0x2e50, 0x402e50, 0x1b0, 0x3000, 0x1000);
        builder.add(elf::PT_TLS, elf::PF_R, 0x2e50, 0x402e50, 0x10, 0x20, 8);
        builder.add(elf::PT_GNU_STACK, elf::PF_R | elf::PF_W, 0, 0, 0, 0, 16);
        builder.file_size = 0x3000;
        return builder;
    }

    // A static PIE: linked at 0 with PT_PHDR, as gcc -static-pie produces.
    static ElfBuilder static_pie()
    {
        ElfBuilder builder;
        builder.set_default_header(elf::ET_DYN, 0x1040);
        builder.add(elf::PT_PHDR, elf::PF_R, 0x40, 0x40, 4 * sizeof(elf::ProgramHeader), 4 * sizeof(elf::ProgramHeader), 8);
        builder.add(elf::PT_LOAD, elf::PF_R, 0x0, 0x0, 0x1000, 0x1000, 0x1000);
        builder.add(elf::PT_LOAD, elf::PF_R | elf::PF_X, 0x1000, 0x1000, 0x800, 0x800, 0x1000);
        builder.add(elf::PT_LOAD, elf::PF_R | elf::PF_W, 0x2e50, 0x3e50, 0x1b0, 0x3000, 0x1000);
        builder.file_size = 0x3000;
        return builder;
    }

    void set_default_header(uint16_t type, uint64_t entry)
    {
        memcpy(header.e_ident, elf::magic, 4);
        header.e_ident[elf::EI_CLASS] = elf::ELFCLASS64;
        header.e_ident[elf::EI_DATA] = elf::ELFDATA2LSB;
        header.e_ident[elf::EI_VERSION] = elf::EV_CURRENT;
        header.e_type = type;
        header.e_machine = elf::EM_X86_64;
        header.e_version = elf::EV_CURRENT;
        header.e_entry = entry;
        header.e_phoff = sizeof(elf::FileHeader);
        header.e_ehsize = sizeof(elf::FileHeader);
        header.e_phentsize = sizeof(elf::ProgramHeader);
    }

    ElfBuilder& add(uint32_t type, uint32_t flags, uint64_t offset, uint64_t address, uint64_t file_size_, uint64_t memory_size, uint64_t alignment)
    {
        program_headers.push_back(elf::ProgramHeader {
            .p_type = type,
            .p_flags = flags,
            .p_offset = offset,
            .p_vaddr = address,
            .p_paddr = address,
            .p_filesz = file_size_,
            .p_memsz = memory_size,
            .p_align = alignment,
        });
        return *this;
    }

    // The program header of the n-th PT_LOAD.
    elf::ProgramHeader& load(size_t n)
    {
        for (auto& program_header : program_headers) {
            if (program_header.p_type == elf::PT_LOAD && n-- == 0)
                return program_header;
        }
        abort();
    }

    std::vector<uint8_t> build() const
    {
        auto copy = header;
        if (copy.e_phnum == 0 && !keep_zero_count)
            copy.e_phnum = uint16_t(program_headers.size());
        uint64_t size = file_size;
        uint64_t headers_end = copy.e_phoff + program_headers.size() * sizeof(elf::ProgramHeader);
        if (size < headers_end && !keep_file_size && headers_end > copy.e_phoff)
            size = headers_end;
        std::vector<uint8_t> bytes(size);
        for (size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = uint8_t(i * 7 + 3);
        memcpy(bytes.data(), &copy, bytes.size() < sizeof(copy) ? bytes.size() : sizeof(copy));
        for (size_t i = 0; i < program_headers.size(); ++i) {
            uint64_t offset;
            if (__builtin_add_overflow(copy.e_phoff, i * sizeof(elf::ProgramHeader), &offset))
                break;
            if (offset < bytes.size() && sizeof(elf::ProgramHeader) <= bytes.size() - offset)
                memcpy(bytes.data() + offset, &program_headers[i], sizeof(elf::ProgramHeader));
        }
        return bytes;
    }

    bool keep_zero_count { false };
    bool keep_file_size { false };
};

}
