// The #! handler: the line's parsing byte for byte as Linux 6.x's load_script, the interpreter's
// argument vector, interpreters that are scripts themselves, the depth limit, and the errors of
// opening the interpreter, against an opener that serves files from a map.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <sys/stat.h>
#include <vector>

#include <binfmt/elf_format.h>
#include <binfmt/registry.h>
#include <binfmt/script_format.h>

#include "elf_builder.h"
#include "fake_target.h"

using namespace binfmt;
using binfmt::test::ElfBuilder;
using binfmt::test::FakeTarget;

namespace {

// Files by path, opened with the FileOpener contract: ENOENT when missing, EACCES unless a
// regular file with an execute bit.
class FakeOpener final : public FileOpener {
public:
    struct File {
        std::vector<uint8_t> bytes;
        uint32_t mode { S_IFREG | 0755 };
    };

    void add(std::string const& path, std::string const& contents, uint32_t mode = S_IFREG | 0755)
    {
        files[path] = File { { contents.begin(), contents.end() }, mode };
    }
    void add(std::string const& path, std::vector<uint8_t> bytes) { files[path] = File { std::move(bytes) }; }

    ErrorOr<OwnPtr<FileReader>> open(std::string_view path) override
    {
        opened.emplace_back(path);
        auto found = files.find(std::string(path));
        if (found == files.end())
            return Error(ENOENT);
        auto const& file = found->second;
        if ((file.mode & S_IFMT) != S_IFREG || !(file.mode & 0111))
            return Error(EACCES);
        return OwnPtr<FileReader>(new MemoryFileReader({ file.bytes.data(), file.bytes.size() }));
    }

    std::map<std::string, File> files;
    std::vector<std::string> opened;
};

// A format standing for the binary that finally runs: files starting with "BIN!". It records
// what it was asked to load.
struct Recorded {
    std::string filename;
    std::string interpreter_path;
    std::vector<std::string> arguments;
    std::vector<std::string> environment;
    std::string contents;
    unsigned depth { 0 };
};
Recorded s_recorded;

bool probe_binary(std::span<uint8_t const> header) { return header.size() >= 4 && memcmp(header.data(), "BIN!", 4) == 0; }

ErrorOr<ExecResult> load_binary(ExecRequest& request)
{
    s_recorded = {};
    s_recorded.filename = request.filename;
    s_recorded.interpreter_path = request.interpreter_path;
    for (auto argument : request.arguments)
        s_recorded.arguments.emplace_back(argument);
    for (auto variable : request.environment)
        s_recorded.environment.emplace_back(variable);
    std::vector<uint8_t> bytes(request.file.size());
    TRY(read_exact(request.file, 0, { bytes.data(), bytes.size() }));
    s_recorded.contents.assign(bytes.begin(), bytes.end());
    s_recorded.depth = request.depth;
    return ExecResult { .entry = 0x1234 };
}

BinaryFormat const binary_format { .name = "binary", .probe = probe_binary, .load = load_binary };

struct Outcome {
    int error { 0 };
    std::string message;
    Recorded recorded;
};

class ScriptTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        ASSERT_FALSE(registry.add(binary_format).is_error());
        ASSERT_FALSE(registry.add(script_format).is_error());
        opener.add("/bin/sh", "BIN! the shell");
    }

    // Executes `contents` as the file at `filename` with `arguments`.
    Outcome run(std::string const& contents, std::vector<std::string_view> arguments = { "script", "a", "b" },
        std::string_view filename = "/tmp/script", FileOpener* with_opener = nullptr, bool no_opener = false)
    {
        MemoryFileReader file({ reinterpret_cast<uint8_t const*>(contents.data()), contents.size() });
        FakeTarget target;
        Diagnostic diagnostic;
        static constexpr std::string_view environment[] = { "PATH=/bin", "HOME=/" };
        ExecRequest request {
            .file = file,
            .target = target,
            .diagnostic = diagnostic,
            .filename = filename,
            .arguments = { arguments.data(), arguments.size() },
            .environment = environment,
            .opener = no_opener ? nullptr : (with_opener ? with_opener : &opener),
        };
        s_recorded = {};
        auto result = registry.execute(request);
        Outcome outcome;
        if (result.is_error()) {
            outcome.error = result.error().code();
            outcome.message = diagnostic.message();
        } else {
            EXPECT_EQ(result.value().entry, 0x1234u);
            outcome.recorded = s_recorded;
        }
        return outcome;
    }

    using Arguments = std::vector<std::string>;

    Registry registry;
    FakeOpener opener;
};

}

TEST(ScriptFormat, Probe)
{
    uint8_t const script[] = { '#', '!' };
    uint8_t const comment[] = { '#', ' ', '!' };
    uint8_t const elf_header[] = { 0x7f, 'E', 'L', 'F' };
    EXPECT_TRUE(probe_script(script));
    EXPECT_FALSE(probe_script(comment));
    EXPECT_FALSE(probe_script(elf_header));
    EXPECT_FALSE(probe_script({ script, 1 }));
    EXPECT_FALSE(probe_script({}));
}

TEST_F(ScriptTest, InterpreterWithoutArgument)
{
    auto outcome = run("#!/bin/sh\necho hi\n");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    // argv[0] of the script is dropped; the script's path takes its place after the
    // interpreter.
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "/tmp/script", "a", "b" }));
    EXPECT_EQ(outcome.recorded.environment, (Arguments { "PATH=/bin", "HOME=/" }));
    EXPECT_EQ(outcome.recorded.contents, "BIN! the shell");
    // AT_EXECFN stays the path execve was given; the interpreter's is the file's path now.
    EXPECT_EQ(outcome.recorded.filename, "/tmp/script");
    EXPECT_EQ(outcome.recorded.interpreter_path, "/bin/sh");
    EXPECT_EQ(outcome.recorded.depth, 1u);
    EXPECT_EQ(opener.opened, (Arguments { "/bin/sh" }));
}

TEST_F(ScriptTest, OneArgument)
{
    auto outcome = run("#!/bin/sh -e\n");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "-e", "/tmp/script", "a", "b" }));
}

TEST_F(ScriptTest, EverythingAfterTheFirstBlanksIsOneArgument)
{
    // Leading blanks are skipped, trailing ones trimmed, inner ones kept.
    auto outcome = run("#! \t/bin/sh \t python3 -u  -x \t \nrest");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "python3 -u  -x", "/tmp/script", "a", "b" }));

    outcome = run("#!/bin/sh\t-x\n");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "-x", "/tmp/script", "a", "b" }));

    outcome = run("#!/bin/sh   \n");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "/tmp/script", "a", "b" }));
}

TEST_F(ScriptTest, CarriageReturnIsPartOfTheLine)
{
    // A script saved with DOS line endings names "/bin/sh\r", as on Linux ("bad interpreter").
    auto outcome = run("#!/bin/sh\r\necho\r\n");
    EXPECT_EQ(outcome.error, ENOENT);
    EXPECT_EQ(opener.opened, (Arguments { "/bin/sh\r" }));

    outcome = run("#!/bin/sh -e\r\n");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "-e\r", "/tmp/script", "a", "b" }));
}

TEST_F(ScriptTest, NoInterpreterIsEnoexec)
{
    for (std::string contents : std::vector<std::string> { "#!\n", "#!  \t \nfoo", "#!\n/bin/sh\n", "#!" + std::string(300, ' ') }) {
        auto outcome = run(contents);
        EXPECT_EQ(outcome.error, ENOEXEC) << contents;
        EXPECT_TRUE(opener.opened.empty()) << contents;
    }
    EXPECT_EQ(run("#!\n").message, "#! line names no interpreter");
    EXPECT_EQ(run("#!" + std::string(300, '\t')).message, "#! line holds only spaces and tabs");
}

TEST_F(ScriptTest, EmptyInterpreterPathIsEacces)
{
    // Linux looks up "" from the kernel, which ends at the working directory: EACCES.
    EXPECT_EQ(run("#!").error, EACCES);
    EXPECT_EQ(run(std::string("#!\0/bin/sh\n", 11)).error, EACCES);
    EXPECT_EQ(run(std::string("#! \0/bin/sh\n", 12)).error, EACCES);
    EXPECT_TRUE(opener.opened.empty());
}

TEST_F(ScriptTest, NulEndsTheInterpreterOrTheArgument)
{
    auto outcome = run(std::string("#!/bin/sh\0 -x\n", 14));
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "/tmp/script", "a", "b" }));

    outcome = run(std::string("#!/bin/sh -a\0b c\n", 17));
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "-a", "/tmp/script", "a", "b" }));
}

TEST_F(ScriptTest, LineWithoutNewline)
{
    // A file that ends before any newline: the NULs past its end terminate the line.
    auto outcome = run("#!/bin/sh");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "/tmp/script", "a", "b" }));

    outcome = run("#!/bin/sh -x");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "-x", "/tmp/script", "a", "b" }));

    // Linux's quirk: a blank after the interpreter with no newline trims nothing (the buffer's
    // last byte is a NUL), so the interpreter gets an empty argument.
    outcome = run("#!/bin/sh ");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "", "/tmp/script", "a", "b" }));
}

TEST_F(ScriptTest, LongLines)
{
    // No newline in the first 256 bytes: the argument is cut before the 256th byte ...
    auto outcome = run("#!/bin/sh " + std::string(300, 'x') + "\n");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    ASSERT_EQ(outcome.recorded.arguments.size(), 5u);
    EXPECT_EQ(outcome.recorded.arguments[1], std::string(245, 'x'));

    // ... but an interpreter's path that reaches the end of them is refused.
    opener.opened.clear();
    std::string long_path = "/" + std::string(300, 'p');
    outcome = run("#!" + long_path + "\n");
    EXPECT_EQ(outcome.error, ENOEXEC);
    EXPECT_EQ(outcome.message, "#! line has no newline within its first 256 bytes and the interpreter's path fills them");
    EXPECT_TRUE(opener.opened.empty());

    // A path that ends before the last byte is whole; the argument after it keeps what fits
    // before byte 255: bytes 2..251 are the path, 253 and 254 the argument.
    std::string path = "/" + std::string(249, 'p');
    opener.add(path, "BIN!");
    outcome = run("#!" + path + " " + std::string(10, 'y'));
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { path, "yy", "/tmp/script", "a", "b" }));

    // With only a blank in byte 254, that blank is trimmed and no argument is left.
    path = "/" + std::string(251, 'p');
    opener.add(path, "BIN!");
    outcome = run("#!" + path + " " + std::string(10, 'y'));
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { path, "/tmp/script", "a", "b" }));

    // A newline within the first 256 bytes keeps the whole line, however near the end.
    std::string argument(250, 'z');
    outcome = run("#!/bin/sh " + argument.substr(0, 240) + "\n");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments[1], argument.substr(0, 240));
}

TEST_F(ScriptTest, EmptyArgumentVector)
{
    // Linux gives an empty argv an "" argv[0], which the script handler then drops.
    auto outcome = run("#!/bin/sh\n", {});
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "/tmp/script" }));
}

TEST_F(ScriptTest, RelativeScriptPathIsPassedAsGiven)
{
    auto outcome = run("#!/bin/sh\n", { "whatever" }, "./run.sh");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/sh", "./run.sh" }));
    EXPECT_EQ(outcome.recorded.filename, "./run.sh");
}

TEST_F(ScriptTest, InterpreterThatIsAScript)
{
    opener.add("/usr/bin/second", "#!/bin/real -x\n");
    opener.add("/bin/real", "BIN! real");
    auto outcome = run("#!/usr/bin/second one two\n", { "first", "arg" }, "./first");
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    // Each level drops argv[0] and puts the name it was opened by in its place: the second
    // script is known to the interpreter by the path the first one's line gave it.
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/real", "-x", "/usr/bin/second", "one two", "./first", "arg" }));
    EXPECT_EQ(outcome.recorded.filename, "./first");
    EXPECT_EQ(outcome.recorded.interpreter_path, "/bin/real");
    EXPECT_EQ(outcome.recorded.contents, "BIN! real");
    EXPECT_EQ(outcome.recorded.depth, 2u);
    EXPECT_EQ(opener.opened, (Arguments { "/usr/bin/second", "/bin/real" }));
}

TEST_F(ScriptTest, DepthLimit)
{
    // The file execve names is depth 0. Here it is a script run by /s1, which is run by /s2,
    // and so on: five scripts in all, then the binary at depth 5, which is allowed ...
    for (int level = 1; level <= 3; ++level)
        opener.add("/s" + std::to_string(level), "#!/s" + std::to_string(level + 1) + "\n");
    opener.add("/s4", "#!/bin/final\n");
    opener.add("/bin/final", "BIN!");
    auto outcome = run("#!/s1\n", { "script" });
    ASSERT_EQ(outcome.error, 0) << outcome.message;
    EXPECT_EQ(outcome.recorded.depth, 5u);
    EXPECT_EQ(outcome.recorded.arguments, (Arguments { "/bin/final", "/s4", "/s3", "/s2", "/s1", "/tmp/script" }));

    // ... a sixth script puts the binary at depth 6: ELOOP, as Linux's exec_binprm() gives.
    opener.add("/s4", "#!/s5\n");
    opener.add("/s5", "#!/bin/final\n");
    outcome = run("#!/s1\n", { "script" });
    EXPECT_EQ(outcome.error, ELOOP);
    EXPECT_EQ(outcome.message, "too many levels of interpreters (more than 5)");

    // A script that is its own interpreter stops the same way.
    opener.add("/loop", "#!/loop\n");
    outcome = run("#!/loop\n");
    EXPECT_EQ(outcome.error, ELOOP);
}

TEST_F(ScriptTest, MissingOrUnusableInterpreter)
{
    auto outcome = run("#!/no/such/shell -e\n");
    EXPECT_EQ(outcome.error, ENOENT);
    EXPECT_EQ(outcome.message, "interpreter \"/no/such/shell\" named by #!: no such file");

    opener.add("/bin/text", "BIN!", S_IFREG | 0644);
    outcome = run("#!/bin/text\n");
    EXPECT_EQ(outcome.error, EACCES);
    EXPECT_EQ(outcome.message, "interpreter \"/bin/text\" named by #!: not a regular file with execute permission");

    opener.add("/bin", "", S_IFDIR | 0755);
    EXPECT_EQ(run("#!/bin\n").error, EACCES);

    // An interpreter in no format we know is ENOEXEC, as Linux reports it.
    opener.add("/bin/data", "plain text");
    outcome = run("#!/bin/data\n");
    EXPECT_EQ(outcome.error, ENOEXEC);
}

TEST_F(ScriptTest, WithoutAnOpenerScriptsAreEnoexec)
{
    auto outcome = run("#!/bin/sh\n", { "script" }, "/tmp/script", nullptr, true);
    EXPECT_EQ(outcome.error, ENOEXEC);
    EXPECT_EQ(outcome.message, "#! scripts cannot run here (no file system to find the interpreter in)");
}

TEST(ScriptFormatElf, InterpreterStackAndExecfn)
{
    // The whole path with the ELF handler: the interpreter's initial stack carries the
    // rewritten argv, and AT_EXECFN the script's path.
    Registry registry;
    ASSERT_FALSE(registry.add(elf_format).is_error());
    ASSERT_FALSE(registry.add(script_format).is_error());
    FakeOpener opener;
    opener.add("/bin/prog", ElfBuilder::static_executable().build());

    std::string const script = "#!/bin/prog -v\n";
    MemoryFileReader file({ reinterpret_cast<uint8_t const*>(script.data()), script.size() });
    FakeTarget target;
    Diagnostic diagnostic;
    std::string_view const arguments[] = { "name", "x y" };
    std::string_view const environment[] = { "A=1" };
    ExecRequest request {
        .file = file,
        .target = target,
        .diagnostic = diagnostic,
        .filename = "./script.sh",
        .arguments = arguments,
        .environment = environment,
        .opener = &opener,
    };
    auto result = registry.execute(request);
    ASSERT_FALSE(result.is_error()) << diagnostic.message();
    uint64_t const stack_pointer = result.value().stack_pointer;
    EXPECT_EQ(result.value().entry, 0x401000u);
    ASSERT_EQ(target.read_word(stack_pointer), 4u);
    std::vector<std::string> argv;
    for (int index = 0; index < 4; ++index)
        argv.push_back(target.read_string(target.read_word(stack_pointer + 8 + 8 * index)));
    EXPECT_EQ(argv, (std::vector<std::string> { "/bin/prog", "-v", "./script.sh", "x y" }));
    EXPECT_EQ(target.read_word(stack_pointer + 40), 0u);
    EXPECT_EQ(target.read_string(target.read_word(stack_pointer + 48)), "A=1");
    EXPECT_EQ(target.read_string(target.auxiliary(stack_pointer, elf::AT_EXECFN)), "./script.sh");
}
