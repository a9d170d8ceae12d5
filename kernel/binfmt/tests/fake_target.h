#pragma once

// An address space made of 4 KiB pages in a map, following ExecTarget's contract literally;
// shared by the ELF and script handler tests.
#include <gtest/gtest.h>

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <binfmt/elf.h>
#include <binfmt/exec.h>

namespace binfmt::test {

class FakeTarget final : public ExecTarget {
public:
    struct Page {
        std::array<uint8_t, page_size> bytes {};
        uint32_t protection { 0 };
    };

    ErrorOr<uint64_t> choose_load_base(ImageSpan const& span) override
    {
        chosen_span = span;
        if (load_base_error)
            return Error(load_base_error);
        return load_base;
    }

    ErrorOr<void> map_segment(SegmentMapping const& segment, FileReader& file) override
    {
        mappings.push_back(segment);
        if (map_error)
            return Error(map_error);
        for (uint64_t page = segment.page_start(); page < segment.page_end(); page += page_size)
            pages[page].protection |= segment.protection;
        std::vector<uint8_t> contents(segment.file_size);
        TRY(read_exact(file, segment.file_offset, { contents.data(), contents.size() }));
        write(segment.virtual_address, contents.data(), contents.size());
        std::vector<uint8_t> zeros(segment.memory_size - segment.file_size);
        write(segment.virtual_address + segment.file_size, zeros.data(), zeros.size());
        return {};
    }

    ErrorOr<void> set_program_break(uint64_t start) override
    {
        program_break = start;
        return {};
    }

    ErrorOr<StackRegion> map_stack(bool executable) override
    {
        stack_executable = executable;
        return StackRegion { .top = stack_top, .size = stack_size };
    }

    ErrorOr<void> write_memory(uint64_t address, std::span<uint8_t const> bytes) override
    {
        write(address, bytes.data(), bytes.size());
        return {};
    }

    void write(uint64_t address, uint8_t const* bytes, size_t size)
    {
        for (size_t i = 0; i < size; ++i)
            pages[page_round_down(address + i)].bytes[(address + i) % page_size] = bytes[i];
    }
    uint8_t read_byte(uint64_t address) const
    {
        auto page = pages.find(page_round_down(address));
        EXPECT_NE(page, pages.end()) << std::hex << address;
        return page == pages.end() ? 0 : page->second.bytes[address % page_size];
    }
    uint64_t read_word(uint64_t address) const
    {
        uint64_t value = 0;
        for (int i = 0; i < 8; ++i)
            value |= uint64_t(read_byte(address + i)) << (8 * i);
        return value;
    }
    std::string read_string(uint64_t address) const
    {
        std::string text;
        for (uint8_t c; (c = read_byte(address)) != 0; ++address)
            text.push_back(char(c));
        return text;
    }
    uint64_t auxiliary(uint64_t stack_pointer, uint64_t key) const
    {
        uint64_t cursor = stack_pointer + 8 * (read_word(stack_pointer) + 2);
        while (read_word(cursor))
            cursor += 8;
        for (cursor += 8; read_word(cursor) != elf::AT_NULL; cursor += 16) {
            if (read_word(cursor) == key)
                return read_word(cursor + 8);
        }
        ADD_FAILURE() << "no auxiliary value " << key;
        return 0;
    }

    uint64_t load_base { 0x7f0000000000 };
    int load_base_error { 0 };
    int map_error { 0 };
    uint64_t stack_top { 0x7ffffffff000 };
    uint64_t stack_size { 8 * 1024 * 1024 };
    std::optional<ImageSpan> chosen_span;
    std::vector<SegmentMapping> mappings;
    std::map<uint64_t, Page> pages;
    uint64_t program_break { 0 };
    bool stack_executable { false };
};


}
