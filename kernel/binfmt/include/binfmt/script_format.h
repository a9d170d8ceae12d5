#pragma once

#include <array>
#include <optional>
#include <string_view>

#include <binfmt/registry.h>

namespace binfmt {

// Scripts that start with "#!": the interpreter the line names runs with the script's path as
// an argument, as Linux's fs/binfmt_script.c does (CONFIG_BINFMT_SCRIPT).
extern BinaryFormat const script_format;

bool probe_script(std::span<uint8_t const> header);
ErrorOr<ExecResult> load_script(ExecRequest& request);

// What a "#!" line says: the interpreter's path and at most one argument (the rest of the line
// after the first run of spaces and tabs, inner blanks kept).
struct ScriptLine {
    std::string_view interpreter;
    std::optional<std::string_view> argument;
};

// Parses the "#!" line in the first bytes of a file exactly as Linux 6.x's load_script():
// `header` is copied into `line` (exec_header_size bytes, zero-filled past the file's end) and
// the result points into `line`. ENOEXEC, with a sentence in `diagnostic`, when the header does
// not start with "#!", names no interpreter, or has no newline within its exec_header_size bytes
// and the interpreter's path runs to the end of them (it may be cut short there; an argument
// may be cut short, Linux accepts that). Nothing but spaces and tabs counts as a blank: a
// carriage return stays part of the line, so "#!/bin/sh\r\n" names "/bin/sh\r". A NUL ends the
// interpreter's path or the argument where it stands.
ErrorOr<ScriptLine> parse_script_line(std::span<uint8_t const> header, std::array<char, exec_header_size>& line, Diagnostic& diagnostic);

}
