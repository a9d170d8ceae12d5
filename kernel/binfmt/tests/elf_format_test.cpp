// The ELF handler and the registry, against a fake address space; then real static programs
// (musl ET_EXEC, musl static PIE, Debian's glibc busybox) loaded by the same code into a forked
// child of this test and started through their own _start, which is the strongest check that
// the load plan and the initial stack are what a C runtime expects.
#include <gtest/gtest.h>

#include <array>
#include <cpuid.h>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <binfmt/elf.h>
#include <binfmt/elf_format.h>
#include <binfmt/registry.h>
#include <config.h>

#include "elf_builder.h"
#include "fake_target.h"

using namespace binfmt;
using binfmt::test::ElfBuilder;
using binfmt::test::FakeTarget;

namespace {

struct Loaded {
    ErrorOr<ExecResult> result;
    std::string message;
};

constexpr std::string_view test_arguments[] = { "prog", "", "two words" };
constexpr std::string_view test_environment[] = { "A=1", "" };

ExecRequest make_request(FileReader& file, FakeTarget& target, Diagnostic& diagnostic)
{
    return ExecRequest {
        .file = file,
        .target = target,
        .diagnostic = diagnostic,
        .filename = "/bin/prog",
        .arguments = test_arguments,
        .environment = test_environment,
        .random_bytes = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
        .hardware_capabilities = 0x178bfbff,
    };
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

}

TEST(ElfFormat, Probe)
{
    uint8_t const elf_header[] = { 0x7f, 'E', 'L', 'F', 2 };
    uint8_t const script[] = { '#', '!', '/', 'b' };
    EXPECT_TRUE(probe_elf(elf_header));
    EXPECT_FALSE(probe_elf(script));
    EXPECT_FALSE(probe_elf({ elf_header, 3 }));
    EXPECT_FALSE(probe_elf({}));
}

TEST(ElfFormat, LoadsStaticExecutable)
{
    auto bytes = ElfBuilder::static_executable().build();
    MemoryFileReader file({ bytes.data(), bytes.size() });
    FakeTarget target;
    Diagnostic diagnostic;
    auto request = make_request(file, target, diagnostic);
    auto result = load_elf(request);
    ASSERT_FALSE(result.is_error()) << diagnostic.message();
    auto const& started = result.value();

    EXPECT_FALSE(target.chosen_span);
    ASSERT_EQ(target.mappings.size(), 3u);
    EXPECT_EQ(target.mappings[0].protection, uint32_t(ProtectionRead));
    EXPECT_EQ(target.mappings[1].protection, uint32_t(ProtectionRead | ProtectionExecute));
    EXPECT_EQ(target.mappings[2].protection, uint32_t(ProtectionRead | ProtectionWrite));
    EXPECT_EQ(target.mappings[2].virtual_address, 0x402e50u);
    EXPECT_EQ(target.mappings[2].page_start(), 0x402000u);
    EXPECT_EQ(target.mappings[2].page_end(), 0x406000u);
    EXPECT_EQ(started.entry, 0x401000u);
    EXPECT_EQ(started.program_break, 0x406000u);
    EXPECT_EQ(target.program_break, 0x406000u);
    EXPECT_FALSE(target.stack_executable);

    // .data holds the file's bytes and .bss is zero.
    EXPECT_EQ(target.read_byte(0x402e50), bytes[0x2e50]);
    EXPECT_EQ(target.read_byte(0x402fff), bytes[0x2fff]);
    EXPECT_EQ(target.read_byte(0x403000), 0);
    EXPECT_EQ(target.read_byte(0x405e4f), 0);

    uint64_t const stack_pointer = started.stack_pointer;
    EXPECT_EQ(stack_pointer % 16, 0u);
    EXPECT_LT(stack_pointer, target.stack_top);
    EXPECT_EQ(target.read_word(stack_pointer), 3u);
    EXPECT_EQ(target.read_string(target.read_word(stack_pointer + 8)), "prog");
    EXPECT_EQ(target.read_string(target.read_word(stack_pointer + 16)), "");
    EXPECT_EQ(target.read_string(target.read_word(stack_pointer + 24)), "two words");
    EXPECT_EQ(target.read_word(stack_pointer + 32), 0u);
    EXPECT_EQ(target.read_string(target.read_word(stack_pointer + 40)), "A=1");
    EXPECT_EQ(target.read_string(target.read_word(stack_pointer + 48)), "");
    EXPECT_EQ(target.read_word(stack_pointer + 56), 0u);

    // A C runtime finds its program headers through AT_PHDR; they must be the file's.
    uint64_t const program_headers = target.auxiliary(stack_pointer, elf::AT_PHDR);
    EXPECT_EQ(program_headers, 0x400040u);
    EXPECT_EQ(target.auxiliary(stack_pointer, elf::AT_PHNUM), 5u);
    EXPECT_EQ(target.auxiliary(stack_pointer, elf::AT_PHENT), 56u);
    for (size_t i = 0; i < 5 * 56; ++i)
        ASSERT_EQ(target.read_byte(program_headers + i), bytes[64 + i]) << i;
    EXPECT_EQ(target.read_word(program_headers + 3 * 56), uint64_t(elf::PT_TLS) | (uint64_t(elf::PF_R) << 32));
    EXPECT_EQ(target.auxiliary(stack_pointer, elf::AT_ENTRY), 0x401000u);
    EXPECT_EQ(target.auxiliary(stack_pointer, elf::AT_HWCAP), 0x178bfbffu);
    EXPECT_EQ(target.auxiliary(stack_pointer, elf::AT_BASE), 0u);
    EXPECT_EQ(target.read_string(target.auxiliary(stack_pointer, elf::AT_EXECFN)), "/bin/prog");
    EXPECT_EQ(target.read_string(target.auxiliary(stack_pointer, elf::AT_PLATFORM)), "x86_64");
    uint64_t const random = target.auxiliary(stack_pointer, elf::AT_RANDOM);
    for (int i = 0; i < 16; ++i)
        EXPECT_EQ(target.read_byte(random + i), i + 1);
}

TEST(ElfFormat, LoadsStaticPieAtTheChosenBase)
{
    auto builder = ElfBuilder::static_pie();
    builder.add(elf::PT_GNU_STACK, elf::PF_R | elf::PF_W | elf::PF_X, 0, 0, 0, 0, 16);
    builder.header.e_phnum = 0;
    auto bytes = builder.build();
    MemoryFileReader file({ bytes.data(), bytes.size() });
    FakeTarget target;
    Diagnostic diagnostic;
    auto request = make_request(file, target, diagnostic);
    auto result = load_elf(request);
    ASSERT_FALSE(result.is_error()) << diagnostic.message();

    ASSERT_TRUE(target.chosen_span);
    EXPECT_EQ(target.chosen_span->start, 0u);
    EXPECT_EQ(target.chosen_span->size(), 0x7000u);
    EXPECT_EQ(result.value().entry, 0x7f0000001040u);
    EXPECT_EQ(result.value().program_break, 0x7f0000007000u);
    EXPECT_EQ(target.mappings[0].virtual_address, 0x7f0000000000u);
    EXPECT_EQ(target.mappings[2].virtual_address, 0x7f0000003e50u);
    EXPECT_TRUE(target.stack_executable);
    uint64_t const stack_pointer = result.value().stack_pointer;
    EXPECT_EQ(target.auxiliary(stack_pointer, elf::AT_PHDR), 0x7f0000000040u);
    EXPECT_EQ(target.auxiliary(stack_pointer, elf::AT_ENTRY), 0x7f0000001040u);
}

TEST(ElfFormat, RefusesDynamicExecutables)
{
    auto builder = ElfBuilder::static_executable();
    builder.add(elf::PT_INTERP, elf::PF_R, 0x200, 0x400200, 28, 28, 1);
    auto bytes = builder.build();
    MemoryFileReader file({ bytes.data(), bytes.size() });
    FakeTarget target;
    Diagnostic diagnostic;
    auto request = make_request(file, target, diagnostic);
    auto result = load_elf(request);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ENOEXEC);
    EXPECT_STREQ(diagnostic.message(), "dynamic executables are not supported yet");
    EXPECT_TRUE(target.mappings.empty());
}

TEST(ElfFormat, TargetErrorsPropagate)
{
    auto bytes = ElfBuilder::static_pie().build();
    MemoryFileReader file({ bytes.data(), bytes.size() });
    Diagnostic diagnostic;
    {
        FakeTarget target;
        target.load_base_error = ENOMEM;
        auto request = make_request(file, target, diagnostic);
        auto result = load_elf(request);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), ENOMEM);
    }
    {
        FakeTarget target;
        target.map_error = ENOMEM;
        auto request = make_request(file, target, diagnostic);
        auto result = load_elf(request);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), ENOMEM);
        EXPECT_EQ(target.mappings.size(), 1u);
    }
    {
        // A base that is not aligned as the image needs.
        FakeTarget target;
        target.load_base = 0x7f0000000800;
        auto request = make_request(file, target, diagnostic);
        auto result = load_elf(request);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), ENOEXEC);
    }
}

TEST(ElfFormat, ArgumentsThatDoNotFitAreE2big)
{
    auto bytes = ElfBuilder::static_executable().build();
    MemoryFileReader file({ bytes.data(), bytes.size() });
    Diagnostic diagnostic;
    {
        FakeTarget target;
        target.stack_size = 256;
        auto request = make_request(file, target, diagnostic);
        auto result = load_elf(request);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), E2BIG);
        EXPECT_NE(std::string(diagnostic.message()).find("do not fit"), std::string::npos);
    }
    {
        FakeTarget target;
        auto request = make_request(file, target, diagnostic);
        request.argument_limit = 16;
        auto result = load_elf(request);
        ASSERT_TRUE(result.is_error());
        EXPECT_EQ(result.error().code(), E2BIG);
        EXPECT_STREQ(diagnostic.message(), "argument list too long");
    }
}

namespace {

bool probe_self(std::span<uint8_t const> header) { return header.size() >= 2 && header[0] == '#' && header[1] == '!'; }

// A handler that runs the same file again as its own interpreter, so the registry's depth
// limit is what stops it.
ErrorOr<ExecResult> load_self(ExecRequest& request)
{
    ExecRequest nested = request;
    nested.depth = request.depth + 1;
    return request.registry->execute(nested);
}

BinaryFormat const self_format { .name = "self", .probe = probe_self, .load = load_self };

}

TEST(Registry, AddAndFind)
{
    Registry local;
    EXPECT_FALSE(local.add(elf_format).is_error());
    auto duplicate = local.add(elf_format);
    ASSERT_TRUE(duplicate.is_error());
    EXPECT_EQ(duplicate.error().code(), EEXIST);
    EXPECT_FALSE(local.add(self_format).is_error());
    EXPECT_EQ(local.formats().size(), 2u);

    uint8_t const elf_header[] = { 0x7f, 'E', 'L', 'F' };
    uint8_t const script[] = { '#', '!', '/', 's', 'h' };
    uint8_t const text[] = { 'h', 'i' };
    EXPECT_EQ(local.find(elf_header), &elf_format);
    EXPECT_EQ(local.find(script), &self_format);
    EXPECT_EQ(local.find(text), nullptr);
}

TEST(Registry, Capacity)
{
    Registry local;
    static BinaryFormat formats[Registry::capacity + 1];
    static char names[Registry::capacity + 1][8];
    for (size_t i = 0; i <= Registry::capacity; ++i) {
        snprintf(names[i], sizeof(names[i]), "f%zu", i);
        formats[i] = { .name = names[i], .probe = probe_self, .load = load_self };
        auto result = local.add(formats[i]);
        EXPECT_EQ(result.is_error(), i == Registry::capacity);
        if (result.is_error())
            EXPECT_EQ(result.error().code(), ENOSPC);
    }
}

TEST(Registry, BuiltinFormatsFollowTheConfiguration)
{
    Registry local;
    ASSERT_FALSE(register_builtin_formats(local).is_error());
    std::vector<std::string> names;
    for (auto const* format : local.formats())
        names.push_back(format->name);
    std::vector<std::string> expected;
#ifdef CONFIG_BINFMT_ELF
    expected.push_back("elf");
#endif
#ifdef CONFIG_BINFMT_SCRIPT
    expected.push_back("script");
#endif
    EXPECT_EQ(names, expected);
}

TEST(Registry, ExecuteDispatchesAndExplainsUnknownFormats)
{
    Registry local;
    ASSERT_FALSE(local.add(elf_format).is_error());
    Diagnostic diagnostic;
    FakeTarget target;

    auto bytes = ElfBuilder::static_executable().build();
    MemoryFileReader elf_file({ bytes.data(), bytes.size() });
    auto request = make_request(elf_file, target, diagnostic);
    auto result = local.execute(request);
    ASSERT_FALSE(result.is_error()) << diagnostic.message();
    EXPECT_EQ(result.value().entry, 0x401000u);

    uint8_t const text[] = "echo hello\n";
    MemoryFileReader text_file({ text, sizeof(text) - 1 });
    auto text_request = make_request(text_file, target, diagnostic);
    auto refused = local.execute(text_request);
    ASSERT_TRUE(refused.is_error());
    EXPECT_EQ(refused.error().code(), ENOEXEC);
    EXPECT_STREQ(diagnostic.message(), "not an executable format this kernel runs (formats: elf)");

    MemoryFileReader empty_file({});
    auto empty_request = make_request(empty_file, target, diagnostic);
    auto empty = local.execute(empty_request);
    ASSERT_TRUE(empty.is_error());
    EXPECT_EQ(empty.error().code(), ENOEXEC);
}

TEST(Registry, NestedInterpretersStopWithEloop)
{
    Registry local;
    ASSERT_FALSE(local.add(elf_format).is_error());
    ASSERT_FALSE(local.add(self_format).is_error());

    uint8_t const script[] = "#!/bin/self\n";
    MemoryFileReader file({ script, sizeof(script) - 1 });
    FakeTarget target;
    Diagnostic diagnostic;
    auto request = make_request(file, target, diagnostic);
    auto result = local.execute(request);
    ASSERT_TRUE(result.is_error());
    EXPECT_EQ(result.error().code(), ELOOP);
    EXPECT_STREQ(diagnostic.message(), "too many levels of interpreters (more than 5)");
}

// ---------------------------------------------------------------------------------------------
// Running real programs. The child maps the image into its own address space at the addresses
// the loader asks for, writes the initial stack and jumps to the entry point with the
// registers Linux's start_thread leaves: rsp at argc, every other general register zero (rdx in
// particular, which _start hands to atexit as the dynamic linker's finalizer).

namespace {

// Far from where ASan keeps its shadow (0x7fff8000..0x10007fff8000) and its allocator
// (0x600000000000..), and from the mmap area near the top.
constexpr uint64_t child_pie_base = 0x200000000000;
constexpr uint64_t child_stack_top = 0x300000000000;
constexpr uint64_t child_stack_size = 1024 * 1024;

class ProcessTarget final : public ExecTarget {
public:
    ErrorOr<uint64_t> choose_load_base(ImageSpan const&) override { return child_pie_base; }

    ErrorOr<void> map_segment(SegmentMapping const& segment, FileReader& file) override
    {
        for (uint64_t page = segment.page_start(); page < segment.page_end(); page += page_size) {
            if (m_protections.count(page) == 0) {
                void* mapped = mmap(reinterpret_cast<void*>(page), page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
                if (mapped != reinterpret_cast<void*>(page))
                    return Error(ENOMEM);
            }
            m_protections[page] |= segment.protection;
        }
        TRY(read_exact(file, segment.file_offset, { reinterpret_cast<uint8_t*>(segment.virtual_address), segment.file_size }));
        return {};
    }

    ErrorOr<void> set_program_break(uint64_t) override { return {}; }

    ErrorOr<StackRegion> map_stack(bool) override
    {
        void* mapped = mmap(reinterpret_cast<void*>(child_stack_top - child_stack_size), child_stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (mapped == MAP_FAILED)
            return Error(ENOMEM);
        return StackRegion { .top = child_stack_top, .size = child_stack_size };
    }

    ErrorOr<void> write_memory(uint64_t address, std::span<uint8_t const> bytes) override
    {
        memcpy(reinterpret_cast<void*>(address), bytes.data(), bytes.size());
        return {};
    }

    void apply_protections()
    {
        for (auto const& [page, protection] : m_protections)
            mprotect(reinterpret_cast<void*>(page), page_size, int(protection));
    }

private:
    std::map<uint64_t, uint32_t> m_protections;
};

struct RunResult {
    int exit_status { -1 };
    std::string output;
};

[[noreturn]] void jump_to(uint64_t entry, uint64_t stack_pointer)
{
    // Pinned registers, so that clearing the others cannot clobber the operands.
    register uint64_t entry_register asm("r15") = entry;
    register uint64_t stack_register asm("r14") = stack_pointer;
    asm volatile(
        "mov %%r14, %%rsp\n"
        "xor %%eax, %%eax\n"
        "xor %%ebx, %%ebx\n"
        "xor %%ecx, %%ecx\n"
        "xor %%edx, %%edx\n"
        "xor %%esi, %%esi\n"
        "xor %%edi, %%edi\n"
        "xor %%ebp, %%ebp\n"
        "xor %%r8d, %%r8d\n"
        "xor %%r9d, %%r9d\n"
        "xor %%r10d, %%r10d\n"
        "xor %%r11d, %%r11d\n"
        "xor %%r12d, %%r12d\n"
        "xor %%r13d, %%r13d\n"
        "xor %%r14d, %%r14d\n"
        "jmp *%%r15\n"
        :
        : "r"(entry_register), "r"(stack_register)
        : "memory");
    __builtin_unreachable();
}

RunResult run_through_loader(char const* path, std::vector<std::string_view> arguments, std::vector<std::string_view> environment)
{
    RunResult run;
    auto bytes = read_host_file(path);
    if (bytes.empty())
        return run;
    int pipe_ends[2];
    if (pipe(pipe_ends) != 0)
        return run;
    fflush(nullptr);
    pid_t child = fork();
    if (child == 0) {
        close(pipe_ends[0]);
        dup2(pipe_ends[1], 1);
        close(pipe_ends[1]);
        MemoryFileReader file({ bytes.data(), bytes.size() });
        ProcessTarget target;
        Diagnostic diagnostic;
        unsigned eax, ebx, ecx, edx;
        __get_cpuid(1, &eax, &ebx, &ecx, &edx);
        ExecRequest request {
            .file = file,
            .target = target,
            .diagnostic = diagnostic,
            .filename = path,
            .arguments = { arguments.data(), arguments.size() },
            .environment = { environment.data(), environment.size() },
            .random_bytes = { 0xa5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0x5a },
            .hardware_capabilities = edx,
        };
        Registry local;
        if (register_builtin_formats(local).is_error())
            _exit(200);
        auto result = local.execute(request);
        if (result.is_error()) {
            dprintf(2, "load failed: %s (errno %d)\n", diagnostic.message(), result.error().code());
            _exit(201);
        }
        target.apply_protections();
        jump_to(result.value().entry, result.value().stack_pointer);
    }
    close(pipe_ends[1]);
    char buffer[4096];
    ssize_t count;
    while ((count = read(pipe_ends[0], buffer, sizeof(buffer))) > 0)
        run.output.append(buffer, size_t(count));
    close(pipe_ends[0]);
    int status = 0;
    waitpid(child, &status, 0);
    run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
    return run;
}

}

#ifdef BINFMT_TEST_FIXTURES
TEST(ElfFormatRun, MuslStaticExecutable)
{
    auto run = run_through_loader(BINFMT_TEST_FIXTURES "/hello-static", { "hello", "", "a b", "\xc3\xa9t\xc3\xa9" }, { "HOME=/", "EMPTY=", "" });
    EXPECT_EQ(run.exit_status, 42) << run.output;
    EXPECT_EQ(run.output,
        "argc=4\n"
        "argv[0]=[hello]\n"
        "argv[1]=[]\n"
        "argv[2]=[a b]\n"
        "argv[3]=[\xc3\xa9t\xc3\xa9]\n"
        "env=[HOME=/]\n"
        "env=[EMPTY=]\n"
        "env=[]\n"
        "pagesz=4096\n"
        "execfn=[" BINFMT_TEST_FIXTURES "/hello-static]\n"
        "platform=[x86_64]\n"
        "random=a55a\n"
        "tls=15\n");
}

TEST(ElfFormatRun, MuslStaticPie)
{
    auto run = run_through_loader(BINFMT_TEST_FIXTURES "/hello-static-pie", { "pie" }, {});
    EXPECT_EQ(run.exit_status, 42) << run.output;
    EXPECT_EQ(run.output,
        "argc=1\n"
        "argv[0]=[pie]\n"
        "pagesz=4096\n"
        "execfn=[" BINFMT_TEST_FIXTURES "/hello-static-pie]\n"
        "platform=[x86_64]\n"
        "random=a55a\n"
        "tls=15\n");
}

TEST(ElfFormatRun, NoArgumentsGivesAnEmptyArgvZero)
{
    auto run = run_through_loader(BINFMT_TEST_FIXTURES "/hello-static", {}, {});
    EXPECT_EQ(run.exit_status, 42) << run.output;
    EXPECT_EQ(run.output.substr(0, 20), "argc=1\nargv[0]=[]\npa");
}

TEST(ElfFormatRun, ManyArguments)
{
    std::vector<std::string> storage;
    for (int i = 0; i < 5000; ++i)
        storage.push_back("argument-" + std::to_string(i));
    std::vector<std::string_view> arguments(storage.begin(), storage.end());
    auto run = run_through_loader(BINFMT_TEST_FIXTURES "/hello-static", arguments, {});
    EXPECT_EQ(run.exit_status, 42);
    EXPECT_NE(run.output.find("argc=5000\n"), std::string::npos);
    EXPECT_NE(run.output.find("argv[4999]=[argument-4999]\n"), std::string::npos);
}
#endif

TEST(ElfFormatRun, GlibcBusybox)
{
    if (access("/usr/bin/busybox", R_OK) != 0)
        GTEST_SKIP() << "/usr/bin/busybox is not installed";
    auto run = run_through_loader("/usr/bin/busybox", { "busybox", "echo", "hello", "", "world" }, { "PATH=/bin" });
    EXPECT_EQ(run.exit_status, 0);
    EXPECT_EQ(run.output, "hello  world\n");

    run = run_through_loader("/usr/bin/busybox", { "env" }, { "A=1", "B=two words" });
    EXPECT_EQ(run.exit_status, 0);
    EXPECT_EQ(run.output, "A=1\nB=two words\n");
}
