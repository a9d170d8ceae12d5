// The #! handler: fs/binfmt_script.c's load_script, with the interpreter opened through the
// request's FileOpener and loaded by the registry one level deeper.
#include <cstring>

#include <binfmt/script_format.h>
#include <lib/vector.h>

namespace binfmt {

namespace {

constexpr size_t not_found = size_t(-1);

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// The first index in [first, last] whose byte is not a space or tab.
size_t next_non_blank(std::array<char, exec_header_size> const& line, size_t first, size_t last)
{
    for (; first <= last; ++first) {
        if (!is_blank(line[first]))
            return first;
    }
    return not_found;
}

// The first index in [first, last] holding a space, a tab or a NUL.
size_t next_terminator(std::array<char, exec_header_size> const& line, size_t first, size_t last)
{
    for (; first <= last; ++first) {
        if (is_blank(line[first]) || line[first] == '\0')
            return first;
    }
    return not_found;
}

// The NUL-terminated string at `start`; the caller has put a NUL after it within the line.
std::string_view string_at(std::array<char, exec_header_size> const& line, size_t start)
{
    return { line.data() + start, strnlen(line.data() + start, line.size() - start) };
}

char const* describe(int code)
{
    switch (code) {
    case ENOENT:
        return "no such file";
    case EACCES:
        return "not a regular file with execute permission";
    case ENOTDIR:
        return "a path component is not a directory";
    case ELOOP:
        return "too many symbolic links";
    case ENAMETOOLONG:
        return "path too long";
    default:
        return "cannot be opened";
    }
}

}

BinaryFormat const script_format {
    .name = "script",
    .probe = probe_script,
    .load = load_script,
};

bool probe_script(std::span<uint8_t const> header)
{
    return header.size() >= 2 && header[0] == '#' && header[1] == '!';
}

ErrorOr<ScriptLine> parse_script_line(std::span<uint8_t const> header, std::array<char, exec_header_size>& line, Diagnostic& diagnostic)
{
    // Linux reads the header into a zeroed BINPRM_BUF_SIZE buffer, so a short file is followed
    // by NULs.
    line.fill('\0');
    memcpy(line.data(), header.data(), header.size() < line.size() ? header.size() : line.size());
    if (line[0] != '#' || line[1] != '!')
        return diagnostic.refuse(ENOEXEC, "not a #! script");

    // Either a newline ends the line (nothing is cut short), or the line fills the buffer and
    // then the interpreter's path must end before the buffer does: an argument may be cut
    // short, the interpreter can read it again from the script, but a cut path is refused.
    size_t const buffer_end = line.size() - 1;
    size_t end;
    if (auto const* newline = static_cast<char const*>(memchr(line.data(), '\n', line.size()))) {
        end = size_t(newline - line.data());
    } else {
        size_t const first = next_non_blank(line, 2, buffer_end);
        if (first == not_found)
            return diagnostic.refuse(ENOEXEC, "#! line holds only spaces and tabs");
        if (next_terminator(line, first, buffer_end) == not_found)
            return diagnostic.refuse(ENOEXEC, "#! line has no newline within its first %zu bytes and the interpreter's path fills them", exec_header_size);
        // The last byte of the buffer is not part of the line, as in Linux, where it becomes
        // the terminating NUL.
        end = buffer_end;
    }
    // line[1] is '!', so this stops.
    while (is_blank(line[end - 1]))
        --end;

    size_t const name = next_non_blank(line, 2, end);
    if (name == not_found || name == end)
        return diagnostic.refuse(ENOEXEC, "#! line names no interpreter");

    // Everything after the first blank is one argument; a NUL before any blank means none.
    size_t argument = not_found;
    size_t const separator = next_terminator(line, name, end);
    if (separator != not_found && line[separator] != '\0')
        argument = next_non_blank(line, separator, end);

    line[end] = '\0';
    ScriptLine result;
    if (argument != not_found) {
        line[separator] = '\0';
        result.argument = string_at(line, argument);
    }
    result.interpreter = string_at(line, name);
    return result;
}

ErrorOr<ExecResult> load_script(ExecRequest& request)
{
    auto& diagnostic = request.diagnostic;
    std::array<char, exec_header_size> line;
    auto const script = TRY(parse_script_line(request.header, line, diagnostic));
    if (!request.opener || !request.registry)
        return diagnostic.refuse(ENOEXEC, "#! scripts cannot run here (no file system to find the interpreter in)");
    if (request.path_inaccessible)
        return diagnostic.refuse(ENOENT, "a script named by a close-on-exec descriptor cannot be reopened by its interpreter");
    // A NUL right after "#!" (or a file that is only "#!") names an empty path. Linux hands it
    // to open_exec(), whose in-kernel lookup of "" stops at the working directory, and a
    // directory is EACCES for execution.
    if (script.interpreter.empty())
        return diagnostic.refuse(EACCES, "#! line names an empty interpreter path");

    // The interpreter's arguments: its own path, the optional argument, the script's path, and
    // the script's arguments less argv[0] (Linux's remove_arg_zero). The script's path is the
    // name it was opened by, so a script run by another script's #! line gets the name that
    // line gave it.
    Vector<std::string_view> arguments;
    size_t const kept = request.arguments.empty() ? 0 : request.arguments.size() - 1;
    TRY(arguments.try_ensure_capacity(kept + 3));
    MUST(arguments.try_append(script.interpreter));
    if (script.argument)
        MUST(arguments.try_append(*script.argument));
    MUST(arguments.try_append(request.file_path()));
    for (size_t index = 1; index < request.arguments.size(); ++index)
        MUST(arguments.try_append(request.arguments[index]));

    auto opened = request.opener->open(script.interpreter);
    if (opened.is_error()) {
        int const code = opened.error().code();
        return diagnostic.refuse(code, "interpreter \"%.*s\" named by #!: %s", int(script.interpreter.size() > 96 ? 96 : script.interpreter.size()),
            script.interpreter.data(), describe(code));
    }
    auto interpreter = opened.release_value();

    ExecRequest nested {
        .file = *interpreter,
        .target = request.target,
        .diagnostic = diagnostic,
        .filename = request.filename,
        .arguments = arguments.span(),
        .environment = request.environment,
        .random_bytes = request.random_bytes,
        .hardware_capabilities = request.hardware_capabilities,
        .credentials = request.credentials,
        .argument_limit = request.argument_limit,
        .opener = request.opener,
        .interpreter_path = script.interpreter,
        .header = {},
        .depth = request.depth + 1,
        .registry = request.registry,
    };
    return request.registry->execute(nested);
}

}
