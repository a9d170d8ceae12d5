#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include <binfmt/elf.h>
#include <binfmt/elf_image.h>

#include "elf_builder.h"

using namespace binfmt;
using binfmt::test::ElfBuilder;

namespace {

struct Parsed {
    std::optional<ElfImage> image;
    int error { 0 };
    std::string message;
};

Parsed parse(std::vector<uint8_t> const& bytes)
{
    MemoryFileReader file({ bytes.data(), bytes.size() });
    Diagnostic diagnostic;
    auto result = ElfImage::parse(file, diagnostic);
    Parsed parsed;
    if (result.is_error()) {
        parsed.error = result.error().code();
        parsed.message = diagnostic.message();
    } else {
        parsed.image.emplace(result.release_value());
    }
    return parsed;
}

// Expects a refusal with ENOEXEC whose message contains `text`.
void expect_refused(std::vector<uint8_t> const& bytes, char const* text)
{
    auto parsed = parse(bytes);
    ASSERT_FALSE(parsed.image) << "accepted; expected: " << text;
    EXPECT_EQ(parsed.error, ENOEXEC);
    EXPECT_NE(parsed.message.find(text), std::string::npos) << "message: " << parsed.message;
}

std::vector<uint8_t> read_host_file(char const* path)
{
    std::vector<uint8_t> bytes;
    FILE* file = fopen(path, "rb");
    if (!file)
        return bytes;
    uint8_t buffer[65536];
    size_t count;
    while ((count = fread(buffer, 1, sizeof(buffer), file)) > 0)
        bytes.insert(bytes.end(), buffer, buffer + count);
    fclose(file);
    return bytes;
}

// A reader that returns at most a few bytes a call, like a file system that reads page by
// page: read_exact must loop.
class TricklingReader final : public FileReader {
public:
    explicit TricklingReader(std::vector<uint8_t> const& bytes)
        : m_bytes(bytes)
    {
    }
    uint64_t size() const override { return m_bytes.size(); }
    ErrorOr<size_t> read_at(uint64_t offset, std::span<uint8_t> buffer) override
    {
        ++calls;
        if (offset >= m_bytes.size())
            return size_t(0);
        size_t count = std::min<size_t>({ buffer.size(), m_bytes.size() - offset, 3 });
        memcpy(buffer.data(), m_bytes.data() + offset, count);
        return count;
    }
    size_t calls { 0 };

private:
    std::vector<uint8_t> const& m_bytes;
};

class FailingReader final : public FileReader {
public:
    uint64_t size() const override { return 4096; }
    ErrorOr<size_t> read_at(uint64_t, std::span<uint8_t>) override { return Error(EIO); }
};

}

TEST(ElfImage, StaticExecutable)
{
    auto parsed = parse(ElfBuilder::static_executable().build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    auto& image = *parsed.image;
    EXPECT_EQ(image.type(), ElfType::Executable);
    EXPECT_FALSE(image.is_position_independent());
    EXPECT_EQ(image.entry(), 0x401000u);
    ASSERT_EQ(image.segments().size(), 3u);
    auto const& data = image.segments()[2];
    EXPECT_EQ(data.virtual_address, 0x402e50u);
    EXPECT_EQ(data.file_offset, 0x2e50u);
    EXPECT_EQ(data.file_size, 0x1b0u);
    EXPECT_EQ(data.memory_size, 0x3000u);
    EXPECT_EQ(data.alignment, 0x1000u);
    EXPECT_TRUE(data.is_readable());
    EXPECT_TRUE(data.is_writable());
    EXPECT_FALSE(data.is_executable());
    EXPECT_TRUE(image.segments()[1].is_executable());
    EXPECT_FALSE(image.segments()[1].is_writable());
    // No PT_PHDR: the table lies at offset 64 inside the first segment.
    ASSERT_TRUE(image.program_headers_address());
    EXPECT_EQ(*image.program_headers_address(), 0x400040u);
    EXPECT_EQ(image.program_header_entry_size(), 56);
    EXPECT_EQ(image.program_header_count(), 5);
    ASSERT_TRUE(image.stack_flags());
    EXPECT_FALSE(image.wants_executable_stack());
    ASSERT_TRUE(image.tls());
    EXPECT_EQ(image.tls()->memory_size, 0x20u);
    EXPECT_FALSE(image.has_interpreter());
    auto span = image.span();
    EXPECT_EQ(span.start, 0x400000u);
    EXPECT_EQ(span.end, 0x406000u);
    EXPECT_EQ(span.alignment, 0x1000u);
    EXPECT_EQ(image.program_break_start(), 0x406000u);
}

TEST(ElfImage, ExecutableCannotBeMoved)
{
    auto parsed = parse(ElfBuilder::static_executable().build());
    ASSERT_TRUE(parsed.image);
    Diagnostic diagnostic;
    EXPECT_FALSE(parsed.image->apply_bias(0, diagnostic).is_error());
    auto result = parsed.image->apply_bias(0x10000, diagnostic);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOEXEC);
    EXPECT_EQ(parsed.image->entry(), 0x401000u);
}

TEST(ElfImage, StaticPieAndBias)
{
    auto parsed = parse(ElfBuilder::static_pie().build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    auto& image = *parsed.image;
    EXPECT_EQ(image.type(), ElfType::PositionIndependent);
    EXPECT_EQ(*image.program_headers_address(), 0x40u);
    auto span = image.span();
    EXPECT_EQ(span.start, 0u);
    EXPECT_EQ(span.end, 0x7000u);
    EXPECT_EQ(span.size(), 0x7000u);

    Diagnostic diagnostic;
    // Not a multiple of the alignment: refused and nothing moves.
    EXPECT_TRUE(image.apply_bias(0x1234, diagnostic).is_error());
    EXPECT_EQ(image.entry(), 0x1040u);
    // Past the end of the user half.
    EXPECT_TRUE(image.apply_bias(0x7ffffffff000, diagnostic).is_error());
    EXPECT_NE(std::string(diagnostic.message()).find("outside"), std::string::npos);
    // Wrapping around.
    EXPECT_TRUE(image.apply_bias(~uint64_t(0xfff), diagnostic).is_error());

    ASSERT_FALSE(image.apply_bias(0x555555554000, diagnostic).is_error());
    EXPECT_EQ(image.bias(), 0x555555554000u);
    EXPECT_EQ(image.entry(), 0x555555555040u);
    EXPECT_EQ(*image.program_headers_address(), 0x555555554040u);
    EXPECT_EQ(image.segments()[0].virtual_address, 0x555555554000u);
    EXPECT_EQ(image.segments()[2].virtual_address, 0x555555557e50u);
    EXPECT_EQ(image.segments()[2].file_offset, 0x2e50u);
    EXPECT_EQ(image.span().start, 0x555555554000u);
}

TEST(ElfImage, PieLeftAtZeroIsRefused)
{
    auto parsed = parse(ElfBuilder::static_pie().build());
    ASSERT_TRUE(parsed.image);
    Diagnostic diagnostic;
    EXPECT_TRUE(parsed.image->apply_bias(0, diagnostic).is_error());
}

TEST(ElfImage, LargeAlignmentIsKept)
{
    auto builder = ElfBuilder::static_pie();
    builder.load(0).p_align = 0x200000;
    auto parsed = parse(builder.build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_EQ(parsed.image->span().alignment, 0x200000u);
    Diagnostic diagnostic;
    EXPECT_TRUE(parsed.image->apply_bias(0x7f0000001000, diagnostic).is_error());
    EXPECT_FALSE(parsed.image->apply_bias(0x7f0000200000, diagnostic).is_error());
}

TEST(ElfImage, ExecutableStackAndInterpreterAreReported)
{
    auto builder = ElfBuilder::static_executable();
    builder.program_headers[4].p_flags = elf::PF_R | elf::PF_W | elf::PF_X;
    builder.add(elf::PT_INTERP, elf::PF_R, 0x200, 0x400200, 28, 28, 1);
    auto parsed = parse(builder.build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_TRUE(parsed.image->wants_executable_stack());
    EXPECT_TRUE(parsed.image->has_interpreter());
    EXPECT_EQ(parsed.image->interpreter_offset(), 0x200u);
    EXPECT_EQ(parsed.image->interpreter_size(), 28u);
}

TEST(ElfImage, NoStackHeaderMeansNoExecutableStack)
{
    auto builder = ElfBuilder::static_executable();
    builder.program_headers.pop_back();
    auto parsed = parse(builder.build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_FALSE(parsed.image->stack_flags());
    EXPECT_FALSE(parsed.image->wants_executable_stack());
}

TEST(ElfImage, ProgramHeadersOutsideEverySegmentHaveNoAddress)
{
    auto builder = ElfBuilder::static_executable();
    builder.load(0).p_offset = 0x1000;
    builder.load(0).p_vaddr = 0x400000;
    builder.load(0).p_filesz = 0;
    builder.load(0).p_memsz = 0x1000;
    auto parsed = parse(builder.build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_FALSE(parsed.image->program_headers_address());
}

TEST(ElfImage, SegmentsMayShareABoundaryPage)
{
    auto builder = ElfBuilder::static_executable();
    // Code ends at 0x401800; data starts in the same page, as -z noseparate-code links it.
    builder.load(2).p_vaddr = 0x401e50;
    builder.program_headers[3].p_vaddr = 0x401e50;
    auto parsed = parse(builder.build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_EQ(parsed.image->segments()[2].virtual_address, 0x401e50u);
}

TEST(ElfImage, EmptyLoadSegmentsAreSkipped)
{
    auto builder = ElfBuilder::static_executable();
    builder.add(elf::PT_LOAD, elf::PF_R, 0, 0, 0, 0, 0x1000);
    auto parsed = parse(builder.build());
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_EQ(parsed.image->segments().size(), 3u);
}

TEST(ElfImage, ShortReadsAreCompleted)
{
    auto bytes = ElfBuilder::static_executable().build();
    TricklingReader reader(bytes);
    Diagnostic diagnostic;
    auto result = ElfImage::parse(reader, diagnostic);
    ASSERT_FALSE(result.is_error()) << diagnostic.message();
    EXPECT_GT(reader.calls, 50u);
    EXPECT_EQ(result.value().segments().size(), 3u);
}

TEST(ElfImage, ReadErrorsPropagate)
{
    FailingReader reader;
    Diagnostic diagnostic;
    auto result = ElfImage::parse(reader, diagnostic);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), EIO);
}

TEST(ElfImageRefusal, NotAnElf)
{
    expect_refused({}, "not an ELF file");
    expect_refused({ 0x7f, 'E', 'L' }, "not an ELF file");
    expect_refused({ '#', '!', '/', 'b', 'i', 'n', '/', 's', 'h', '\n' }, "not an ELF file");
    auto bytes = ElfBuilder::static_executable().build();
    bytes[1] = 'e';
    expect_refused(bytes, "not an ELF file");
}

TEST(ElfImageRefusal, TruncatedHeader)
{
    auto bytes = ElfBuilder::static_executable().build();
    expect_refused({ bytes.begin(), bytes.begin() + 5 }, "truncated ELF header");
    expect_refused({ bytes.begin(), bytes.begin() + 63 }, "truncated ELF header");
}

TEST(ElfImageRefusal, ThirtyTwoBit)
{
    auto bytes = ElfBuilder::static_executable().build();
    bytes[elf::EI_CLASS] = elf::ELFCLASS32;
    expect_refused(bytes, "32-bit ELF executables are not supported");
    // A 52-byte 32-bit header is still recognized as such, not as truncated.
    expect_refused({ bytes.begin(), bytes.begin() + 52 }, "32-bit ELF executables are not supported");
    bytes[elf::EI_CLASS] = 3;
    expect_refused(bytes, "invalid ELF class 3");
}

TEST(ElfImageRefusal, BigEndian)
{
    auto bytes = ElfBuilder::static_executable().build();
    bytes[elf::EI_DATA] = elf::ELFDATA2MSB;
    expect_refused(bytes, "big-endian ELF files are not supported");
    bytes[elf::EI_DATA] = 0;
    expect_refused(bytes, "invalid ELF data encoding 0");
}

TEST(ElfImageRefusal, WrongVersion)
{
    auto bytes = ElfBuilder::static_executable().build();
    bytes[elf::EI_VERSION] = 2;
    expect_refused(bytes, "unsupported ELF version 2");
    auto builder = ElfBuilder::static_executable();
    builder.header.e_version = 0;
    expect_refused(builder.build(), "unsupported ELF version 0");
}

TEST(ElfImageRefusal, WrongMachine)
{
    auto builder = ElfBuilder::static_executable();
    builder.header.e_machine = 183; // EM_AARCH64
    expect_refused(builder.build(), "ELF file is for another architecture (machine 183)");
    builder.header.e_machine = 3; // EM_386
    expect_refused(builder.build(), "ELF file is for another architecture (machine 3)");
}

TEST(ElfImageRefusal, NotAnExecutableType)
{
    auto builder = ElfBuilder::static_executable();
    builder.header.e_type = elf::ET_REL;
    expect_refused(builder.build(), "relocatable object file");
    builder.header.e_type = elf::ET_CORE;
    expect_refused(builder.build(), "core dump");
    builder.header.e_type = elf::ET_NONE;
    expect_refused(builder.build(), "no type");
    builder.header.e_type = 0xfe00;
    expect_refused(builder.build(), "unsupported ELF file type 65024");
}

TEST(ElfImageRefusal, ProgramHeaderEntrySize)
{
    auto builder = ElfBuilder::static_executable();
    builder.header.e_phentsize = 32;
    expect_refused(builder.build(), "unexpected program header entry size 32 (expected 56)");
}

TEST(ElfImageRefusal, ProgramHeaderCount)
{
    auto builder = ElfBuilder::static_executable();
    builder.keep_zero_count = true;
    expect_refused(builder.build(), "no program headers");

    auto many = ElfBuilder::static_executable();
    many.header.e_phnum = 1171; // 1171 * 56 > 64 KiB
    many.file_size = 0x20000;
    expect_refused(many.build(), "too many program headers (1171)");
    many.header.e_phnum = 0xffff; // PN_XNUM: extended numbering, never used by executables
    expect_refused(many.build(), "too many program headers");
}

TEST(ElfImageRefusal, TruncatedProgramHeaders)
{
    auto builder = ElfBuilder::static_executable();
    builder.keep_file_size = true;
    builder.file_size = 64 + 56 * 2;
    builder.header.e_phnum = 5;
    expect_refused(builder.build(), "truncated ELF file: program headers");

    auto beyond = ElfBuilder::static_executable();
    beyond.keep_file_size = true;
    beyond.header.e_phoff = 0x3000;
    expect_refused(beyond.build(), "truncated ELF file: program headers");
    beyond.header.e_phoff = ~uint64_t(0) - 10;
    expect_refused(beyond.build(), "truncated ELF file: program headers");
}

TEST(ElfImageRefusal, SegmentPastEndOfFile)
{
    auto builder = ElfBuilder::static_executable();
    builder.load(2).p_filesz = 0x1b1;
    expect_refused(builder.build(), "segment 2 extends past the end of the file");
    builder.load(2).p_offset = ~uint64_t(0) - 0x1af;
    builder.load(2).p_filesz = 0x1b0;
    expect_refused(builder.build(), "segment 2 extends past the end of the file");
}

TEST(ElfImageRefusal, FileSizeLargerThanMemorySize)
{
    auto builder = ElfBuilder::static_executable();
    builder.load(1).p_memsz = 0x7ff;
    expect_refused(builder.build(), "segment 1 has a file size (0x800) larger than its memory size (0x7ff)");
}

TEST(ElfImageRefusal, OverlappingOrUnsortedSegments)
{
    auto overlap = ElfBuilder::static_executable();
    overlap.load(1).p_vaddr = 0x400800;
    overlap.load(1).p_offset = 0x800;
    overlap.header.e_entry = 0x400900;
    expect_refused(overlap.build(), "segment 1 (address 0x400800) overlaps or precedes");

    auto unsorted = ElfBuilder::static_executable();
    std::swap(unsorted.program_headers[0], unsorted.program_headers[1]);
    expect_refused(unsorted.build(), "overlaps or precedes");
}

TEST(ElfImageRefusal, AddressOverflowAndKernelHalf)
{
    auto wrap = ElfBuilder::static_executable();
    wrap.load(2).p_memsz = ~uint64_t(0) - 0x402e50 + 2;
    expect_refused(wrap.build(), "reaches into the kernel's half");

    auto kernel = ElfBuilder::static_executable();
    kernel.load(2).p_vaddr = 0x7ffffffffe50;
    kernel.program_headers[3].p_vaddr = 0x7ffffffffe50;
    expect_refused(kernel.build(), "segment 2 (address 0x7ffffffffe50, size 0x3000) reaches into the kernel's half");

    auto high = ElfBuilder::static_executable();
    high.load(2).p_vaddr = 0xffffffff80002e50;
    expect_refused(high.build(), "reaches into the kernel's half");

    // Ending exactly at the boundary is fine.
    auto edge = ElfBuilder::static_executable();
    edge.load(2).p_vaddr = 0x7ffffffffe50 - 0x3000 + 0x1000 - 0x1000;
    edge.load(2).p_memsz = 0x800000000000 - edge.load(2).p_vaddr;
    auto parsed = parse(edge.build());
    EXPECT_TRUE(parsed.image) << parsed.message;
}

TEST(ElfImageRefusal, NullPage)
{
    auto builder = ElfBuilder::static_executable();
    builder.load(0).p_vaddr = 0x0;
    expect_refused(builder.build(), "segment 0 at 0x0 lies in the first 64 KiB");
}

TEST(ElfImageRefusal, MisalignedOffset)
{
    auto builder = ElfBuilder::static_executable();
    builder.load(2).p_offset = 0x2e58;
    builder.load(2).p_filesz = 0x1a8;
    expect_refused(builder.build(), "segment 2 has file offset 0x2e58 and address 0x402e50 that are not congruent");
}

TEST(ElfImageRefusal, AlignmentNotAPowerOfTwo)
{
    auto builder = ElfBuilder::static_executable();
    builder.load(1).p_align = 0x3000;
    expect_refused(builder.build(), "segment 1 has an alignment (0x3000) that is not a power of two");
}

TEST(ElfImageRefusal, NoLoadableSegments)
{
    auto builder = ElfBuilder::static_executable();
    builder.program_headers.erase(builder.program_headers.begin(), builder.program_headers.begin() + 3);
    expect_refused(builder.build(), "no loadable segments");
}

TEST(ElfImageRefusal, EntryOutsideSegments)
{
    auto builder = ElfBuilder::static_executable();
    builder.header.e_entry = 0x500000;
    expect_refused(builder.build(), "entry point 0x500000 lies outside every loadable segment");
}

TEST(ElfImageRefusal, BadInterpreter)
{
    auto builder = ElfBuilder::static_executable();
    builder.add(elf::PT_INTERP, elf::PF_R, 0x2ff0, 0, 0x20, 0x20, 1);
    expect_refused(builder.build(), "interpreter path extends past the end of the file");
    builder.program_headers.back().p_offset = 0x200;
    builder.program_headers.back().p_filesz = 0x2000;
    expect_refused(builder.build(), "invalid interpreter path size");
}

TEST(ElfImageRefusal, EveryPrefixOfAValidFileIsHandled)
{
    // Each truncation is refused cleanly (never a crash or an out-of-bounds read under ASan).
    auto bytes = ElfBuilder::static_executable().build();
    for (size_t size = 0; size < bytes.size(); size += (size < 512 ? 1 : 97)) {
        auto parsed = parse({ bytes.begin(), bytes.begin() + size });
        EXPECT_FALSE(parsed.image) << size;
        EXPECT_EQ(parsed.error, ENOEXEC) << size;
        EXPECT_FALSE(parsed.message.empty()) << size;
    }
}

TEST(ElfImageRefusal, RandomCorruptionNeverCrashes)
{
    auto const original = ElfBuilder::static_executable().build();
    uint64_t state = 0x9e3779b97f4a7c15;
    auto next = [&state] {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    };
    for (int round = 0; round < 20000; ++round) {
        auto bytes = original;
        int flips = 1 + int(next() % 4);
        for (int i = 0; i < flips; ++i) {
            size_t offset = next() % (64 + 5 * 56);
            bytes[offset] = uint8_t(next());
        }
        auto parsed = parse(bytes);
        if (!parsed.image) {
            EXPECT_FALSE(parsed.message.empty());
            continue;
        }
        // Whatever was accepted obeys the invariants the loader relies on.
        uint64_t previous_end = 0;
        for (auto const& segment : parsed.image->segments()) {
            EXPECT_GE(segment.virtual_address, previous_end);
            EXPECT_LE(segment.file_size, segment.memory_size);
            EXPECT_LE(segment.file_offset + segment.file_size, bytes.size());
            EXPECT_LE(segment.end(), user_space_end);
            EXPECT_EQ(segment.virtual_address % page_size, segment.file_offset % page_size);
            previous_end = segment.end();
        }
    }
}

TEST(ElfImageHostFiles, Busybox)
{
    auto bytes = read_host_file("/usr/bin/busybox");
    if (bytes.empty())
        GTEST_SKIP() << "/usr/bin/busybox is not installed";
    auto parsed = parse(bytes);
    ASSERT_TRUE(parsed.image) << parsed.message;
    auto& image = *parsed.image;
    // Debian's busybox-static: glibc, linked at 0x400000, no interpreter.
    EXPECT_EQ(image.type(), ElfType::Executable);
    EXPECT_FALSE(image.has_interpreter());
    EXPECT_GE(image.segments().size(), 2u);
    EXPECT_EQ(image.span().start, 0x400000u);
    ASSERT_TRUE(image.program_headers_address());
    EXPECT_EQ(*image.program_headers_address(), 0x400040u);
    EXPECT_TRUE(image.tls());
    EXPECT_FALSE(image.wants_executable_stack());
}

#ifdef BINFMT_TEST_FIXTURES
TEST(ElfImageHostFiles, MuslStaticExecutable)
{
    auto bytes = read_host_file(BINFMT_TEST_FIXTURES "/hello-static");
    ASSERT_FALSE(bytes.empty());
    auto parsed = parse(bytes);
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_EQ(parsed.image->type(), ElfType::Executable);
    EXPECT_EQ(parsed.image->span().start, 0x400000u);
    EXPECT_FALSE(parsed.image->has_interpreter());
    EXPECT_TRUE(parsed.image->program_headers_address());
}

TEST(ElfImageHostFiles, MuslStaticPie)
{
    auto bytes = read_host_file(BINFMT_TEST_FIXTURES "/hello-static-pie");
    ASSERT_FALSE(bytes.empty());
    auto parsed = parse(bytes);
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_EQ(parsed.image->type(), ElfType::PositionIndependent);
    EXPECT_EQ(parsed.image->span().start, 0u);
    EXPECT_FALSE(parsed.image->has_interpreter());
    EXPECT_TRUE(parsed.image->program_headers_address());
}

TEST(ElfImageHostFiles, MuslDynamicHasInterpreter)
{
    auto bytes = read_host_file(BINFMT_TEST_FIXTURES "/hello-dynamic");
    ASSERT_FALSE(bytes.empty());
    auto parsed = parse(bytes);
    ASSERT_TRUE(parsed.image) << parsed.message;
    EXPECT_TRUE(parsed.image->has_interpreter());
}
#endif
