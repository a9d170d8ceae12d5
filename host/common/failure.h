#pragma once

#include <stdexcept>
#include <string>

namespace unifork {

// Exit statuses of `unifork run`, as docs/protocol.md defines them.
enum ExitStatus : int {
    exit_kernel_crash = 123,
    exit_timeout = 124,
    exit_usage = 125,
    exit_cannot_execute = 126,
    exit_not_found = 127,
};

// An error that ends the CLI with a message and a documented exit status. Anything that is not
// the application's own outcome travels as a Failure up to main(), so that cleanup (the temporary
// initrd, the QEMU child) runs through destructors on the way.
class Failure : public std::runtime_error {
public:
    Failure(int exit_status, std::string const& message)
        : std::runtime_error(message)
        , m_exit_status(exit_status)
    {
    }

    int exit_status() const { return m_exit_status; }

private:
    int m_exit_status;
};

class UsageError : public Failure {
public:
    explicit UsageError(std::string const& message)
        : Failure(exit_usage, message)
    {
    }
};

}
