// The format is docs/protocol.md's. The host writes it, but a truncated initrd or a CLI of
// another version must produce a clear refusal rather than a program started with the wrong
// arguments, so every byte is accounted for.
#include <binfmt/launch.h>

namespace binfmt {

namespace {

constexpr std::string_view magic_line = "unifork-launch 1";

// Finds a byte from `start` on. Written out (not string_view::find) so the kernel build needs
// no memchr, and slices are taken with the helpers below, not substr, which would
// pull in the throwing out_of_range path.
size_t find_byte(std::string_view text, char wanted, size_t start = 0)
{
    for (size_t i = start; i < text.size(); ++i) {
        if (text[i] == wanted)
            return i;
    }
    return std::string_view::npos;
}

std::string_view slice(std::string_view text, size_t start, size_t length)
{
    return std::string_view(text.data() + start, length);
}

std::string_view suffix_from(std::string_view text, size_t start)
{
    return std::string_view(text.data() + start, text.size() - start);
}

class Cursor {
public:
    explicit Cursor(std::span<uint8_t const> bytes)
        : m_text(reinterpret_cast<char const*>(bytes.data()), bytes.size())
    {
    }
    bool at_end() const { return m_position == m_text.size(); }
    size_t position() const { return m_position; }
    size_t remaining() const { return m_text.size() - m_position; }

    // The next `\n`-terminated line without its newline; empty when there is no newline left.
    std::optional<std::string_view> take_line() { return take_until('\n'); }
    // The next NUL-terminated string without its NUL.
    std::optional<std::string_view> take_string() { return take_until('\0'); }

private:
    std::optional<std::string_view> take_until(char terminator)
    {
        auto const end = find_byte(m_text, terminator, m_position);
        if (end == std::string_view::npos)
            return {};
        auto const piece = slice(m_text, m_position, end - m_position);
        m_position = end + 1;
        return piece;
    }

    std::string_view m_text;
    size_t m_position { 0 };
};

// A decimal count: digits only, no sign, no leading zeros (so each count has one spelling).
std::optional<uint64_t> parse_count(std::string_view text)
{
    if (text.empty() || text.size() > 7 || (text.size() > 1 && text[0] == '0'))
        return {};
    uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return {};
        value = value * 10 + uint64_t(c - '0');
    }
    if (value > max_launch_strings)
        return {};
    return value;
}

// "<key> <value>" with the key starting the line; the value may contain spaces.
std::optional<uint64_t> parse_count_line(std::optional<std::string_view> line, std::string_view key)
{
    if (!line || line->size() <= key.size() || !line->starts_with(key) || (*line)[key.size()] != ' ')
        return {};
    return parse_count(suffix_from(*line, key.size() + 1));
}

ErrorOr<void> take_strings(Cursor& cursor, uint64_t count, Vector<String>& strings, char const* what, Diagnostic& diagnostic)
{
    // Each string takes at least its NUL, so a count larger than what is left is a lie; check
    // before reserving room for it.
    if (count > cursor.remaining())
        return diagnostic.refuse(EINVAL, "launch file announces %lu %s strings but has only %zu bytes left", count, what, cursor.remaining());
    TRY(strings.try_ensure_capacity(count));
    for (uint64_t i = 0; i < count; ++i) {
        auto string = cursor.take_string();
        if (!string)
            return diagnostic.refuse(EINVAL, "launch file ends inside %s (%lu of %lu strings present)", what, i, count);
        TRY(strings.try_append(TRY(String::try_create(*string))));
    }
    return {};
}

}

ErrorOr<LaunchRequest> parse_launch_file(std::span<uint8_t const> bytes, Diagnostic& diagnostic)
{
    Cursor cursor(bytes);
    auto const first_line = cursor.take_line();
    if (!first_line || *first_line != magic_line)
        return diagnostic.refuse(EINVAL, "launch file does not start with \"%.*s\"", int(magic_line.size()), magic_line.data());

    LaunchRequest request;
    std::optional<std::string_view> line;
    // Option lines until the argc line. The NUL-separated strings come only after the blank
    // line, so an option line containing NUL is malformed.
    for (;;) {
        line = cursor.take_line();
        if (!line)
            return diagnostic.refuse(EINVAL, "launch file ends before its argc line");
        if (line->starts_with("argc "))
            break;
        if (find_byte(*line, '\0') != std::string_view::npos)
            return diagnostic.refuse(EINVAL, "launch file has a NUL byte in its header");
        auto const space = find_byte(*line, ' ');
        if (space == std::string_view::npos || space == 0)
            return diagnostic.refuse(EINVAL, "malformed launch option line \"%.*s\"", int(line->size() > 64 ? 64 : line->size()), line->data());
        auto const key = slice(*line, 0, space);
        if (key == "envc")
            return diagnostic.refuse(EINVAL, "launch file has its envc line before its argc line");
        auto const value = suffix_from(*line, space + 1);
        if (key == "trace-syscalls" || key == "stdin-terminal" || key == "stdout-terminal" || key == "stderr-terminal") {
            if (value != "0" && value != "1")
                return diagnostic.refuse(EINVAL, "%.*s must be 0 or 1", int(key.size()), key.data());
            bool& flag = key == "trace-syscalls" ? request.trace_syscalls
                : key == "stdin-terminal"        ? request.stdin_terminal
                : key == "stdout-terminal"       ? request.stdout_terminal
                                                 : request.stderr_terminal;
            flag = value == "1";
        } else if (key == "window-size") {
            auto const separator = find_byte(value, ' ');
            auto const rows = separator == std::string_view::npos ? std::nullopt : parse_count(slice(value, 0, separator));
            auto const columns = separator == std::string_view::npos ? std::nullopt : parse_count(suffix_from(value, separator + 1));
            if (!rows || !columns || *rows == 0 || *columns == 0 || *rows > 65535 || *columns > 65535)
                return diagnostic.refuse(EINVAL, "window-size must be two numbers, rows and columns, 1 to 65535");
            request.window_size = LaunchRequest::WindowSize { uint16_t(*rows), uint16_t(*columns) };
        } else if (key == "hostname") {
            if (value.empty() || value.size() > max_hostname_length)
                return diagnostic.refuse(EINVAL, "hostname must be 1 to %zu bytes", max_hostname_length);
            request.hostname = TRY(String::try_create(value));
        }
        // Unknown keys are ignored, so a newer CLI can add options an older kernel can skip.
    }

    auto const argument_count = parse_count_line(line, "argc");
    if (!argument_count)
        return diagnostic.refuse(EINVAL, "launch file has a malformed argc line");
    auto const environment_count = parse_count_line(cursor.take_line(), "envc");
    if (!environment_count)
        return diagnostic.refuse(EINVAL, "launch file has a missing or malformed envc line");
    auto const blank = cursor.take_line();
    if (!blank || !blank->empty())
        return diagnostic.refuse(EINVAL, "launch file lacks the blank line after envc");

    auto const path = cursor.take_string();
    if (!path)
        return diagnostic.refuse(EINVAL, "launch file ends before the program path");
    if (path->empty())
        return diagnostic.refuse(EINVAL, "launch file has an empty program path");
    request.path = TRY(String::try_create(*path));
    TRY(take_strings(cursor, *argument_count, request.arguments, "argv", diagnostic));
    TRY(take_strings(cursor, *environment_count, request.environment, "envp", diagnostic));
    if (!cursor.at_end())
        return diagnostic.refuse(EINVAL, "launch file has %zu bytes after its last string", bytes.size() - cursor.position());
    return request;
}

}
