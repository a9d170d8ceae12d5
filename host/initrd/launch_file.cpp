#include "initrd/launch_file.h"

#include <string_view>

namespace unifork::initrd {

namespace {

void append_string(std::string& output, std::string_view value, char const* what)
{
    if (value.find('\0') != std::string_view::npos)
        throw std::invalid_argument(std::string(what) + " contains a NUL byte");
    output += value;
    output += '\0';
}

}

std::string encode_launch_file(LaunchRequest const& request)
{
    if (request.path.empty())
        throw std::invalid_argument("the program path is empty");

    std::string output = "unifork-launch 1\n";
    if (request.trace_syscalls)
        output += "trace-syscalls 1\n";
    if (request.hostname) {
        // Option lines end at the first newline, so a value cannot contain one.
        if (request.hostname->find_first_of(std::string_view("\n\0", 2)) != std::string::npos)
            throw std::invalid_argument("the hostname contains a newline or NUL byte");
        output += "hostname " + *request.hostname + "\n";
    }
    if (request.stdin_terminal)
        output += "stdin-terminal 1\n";
    if (request.stdout_terminal)
        output += "stdout-terminal 1\n";
    if (request.stderr_terminal)
        output += "stderr-terminal 1\n";
    if (request.window_size) {
        auto [rows, columns] = *request.window_size;
        if (rows < 1 || rows > 65535 || columns < 1 || columns > 65535)
            throw std::invalid_argument("the window size is out of range");
        output += "window-size " + std::to_string(rows) + " " + std::to_string(columns) + "\n";
    }
    output += "argc " + std::to_string(request.arguments.size()) + "\n";
    output += "envc " + std::to_string(request.environment.size()) + "\n";
    output += "\n";

    append_string(output, request.path, "the program path");
    for (auto const& argument : request.arguments)
        append_string(output, argument, "an argument");
    for (auto const& variable : request.environment)
        append_string(output, variable, "an environment variable");
    return output;
}

}
