#pragma once

#include "initrd/initrd_tree.h"

#include <optional>
#include <string>
#include <string_view>

namespace unifork::cli {

struct HostProgram {
    std::string host_path;  // where to read the program from
    std::string guest_path; // the same path made absolute, where the guest finds it
};

// Finds `name` on the host as a shell would: a name with a '/' is a path (relative to
// `working_directory`), any other is searched in `path_variable`, an empty entry meaning the
// working directory. Throws Failure 127 when nothing is found, 126 when what is found cannot be
// executed (a directory, no execute permission).
HostProgram find_host_program(std::string const& name, std::string_view path_variable, std::string const& working_directory);

// The first executable regular file called `name` in the directories of `path_variable`;
// empty entries are skipped rather than taken as the working directory.
std::optional<std::string> find_host_executable(std::string const& name, std::string_view path_variable);

// The directories searched inside the guest for a name without a '/'.
inline constexpr char const* guest_search_path = "/bin:/usr/bin:/sbin:/usr/sbin";

// Finds `name` inside the guest's root as the guest will see it, following symbolic links
// within the tree. Returns the guest path to start (not link-resolved: argv[0] and /proc/self/exe
// semantics are the kernel's business). Throws Failure 127 or 126 like find_host_program().
std::string find_guest_program(initrd::InitrdTree const& tree, std::string const& name);

}
