#include "cli/command_line.h"
#include "cli/run_command.h"
#include "common/failure.h"

#include <fcntl.h>
#include <iostream>
#include <unistd.h>

namespace {

// With 0, 1 or 2 closed, the next descriptor we open would take its number and QEMU's
// stdin/stdout plumbing would overwrite it; park /dev/null there instead.
void ensure_standard_descriptors()
{
    for (int descriptor = 0; descriptor <= 2; ++descriptor) {
        if (::fcntl(descriptor, F_GETFD) < 0) {
            int opened = ::open("/dev/null", O_RDWR);
            if (opened >= 0 && opened != descriptor) {
                ::dup2(opened, descriptor);
                ::close(opened);
            }
        }
    }
}

}

int main(int argc, char** argv)
{
    ensure_standard_descriptors();
    std::vector<std::string> arguments(argv, argv + argc);
    auto parsed = unifork::cli::parse_command_line(arguments, std::cout, std::cerr);
    if (!parsed.run)
        return parsed.exit_status;
    try {
        return unifork::cli::run_program(*parsed.run, unifork::cli::HostContext::current(), std::cerr);
    } catch (unifork::Failure const& failure) {
        std::cerr << "unifork: " << failure.what() << std::endl;
        return failure.exit_status();
    } catch (std::exception const& error) {
        std::cerr << "unifork: " << error.what() << std::endl;
        return unifork::exit_usage;
    }
}
