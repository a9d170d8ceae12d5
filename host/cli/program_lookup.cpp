#include "cli/program_lookup.h"

#include "common/failure.h"

#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace unifork::cli {

namespace {

enum class Candidate { Missing, Executable, NotExecutable, Directory };

Candidate inspect_host(std::string const& path)
{
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0)
        return Candidate::Missing;
    if (S_ISDIR(status.st_mode))
        return Candidate::Directory;
    if (!S_ISREG(status.st_mode) || ::access(path.c_str(), X_OK) != 0)
        return Candidate::NotExecutable;
    return Candidate::Executable;
}

Candidate inspect_guest(initrd::InitrdTree const& tree, std::string const& path)
{
    auto resolved = tree.resolve(path);
    if (!resolved)
        return Candidate::Missing;
    using Kind = initrd::InitrdTree::Kind;
    if (resolved->entry->kind == Kind::Directory)
        return Candidate::Directory;
    if ((resolved->entry->permissions & 0111) == 0)
        return Candidate::NotExecutable;
    return Candidate::Executable;
}

[[noreturn]] void fail(std::string const& name, Candidate candidate)
{
    switch (candidate) {
    case Candidate::Directory:
        throw Failure(exit_cannot_execute, name + ": is a directory");
    case Candidate::NotExecutable:
        throw Failure(exit_cannot_execute, name + ": permission denied");
    default:
        throw Failure(exit_not_found, name + ": program not found");
    }
}

std::string absolute_guest_path(std::string const& path, std::string const& working_directory)
{
    auto absolute = (std::filesystem::path(working_directory) / path).lexically_normal().string();
    while (absolute.size() > 1 && absolute.ends_with('/'))
        absolute.pop_back();
    return absolute;
}

// Searches the ':'-separated `search_path` the way execvp() does: the first executable wins;
// if none is, a non-executable match explains the failure.
template<typename Inspect>
std::optional<std::string> search(std::string const& name, std::string_view search_path, std::string const& empty_entry, Inspect inspect, Candidate& best)
{
    best = Candidate::Missing;
    std::size_t position = 0;
    while (position <= search_path.size()) {
        auto end = search_path.find(':', position);
        if (end == std::string_view::npos)
            end = search_path.size();
        std::string directory(search_path.substr(position, end - position));
        position = end + 1;
        if (directory.empty())
            directory = empty_entry;
        if (directory.empty())
            continue;
        auto candidate_path = directory.ends_with('/') ? directory + name : directory + "/" + name;
        auto candidate = inspect(candidate_path);
        if (candidate == Candidate::Executable)
            return candidate_path;
        if (candidate == Candidate::NotExecutable)
            best = candidate;
    }
    return std::nullopt;
}

}

HostProgram find_host_program(std::string const& name, std::string_view path_variable, std::string const& working_directory)
{
    if (name.empty())
        throw Failure(exit_not_found, "'': program not found");
    if (name.find('/') != std::string::npos) {
        auto host_path = name.starts_with('/') ? name : working_directory + "/" + name;
        auto candidate = inspect_host(host_path);
        if (candidate != Candidate::Executable)
            fail(name, candidate);
        return HostProgram { host_path, absolute_guest_path(name, working_directory) };
    }
    Candidate best;
    auto found = search(name, path_variable, working_directory, inspect_host, best);
    if (!found)
        fail(name, best);
    return HostProgram { *found, absolute_guest_path(*found, working_directory) };
}

std::optional<std::string> find_host_executable(std::string const& name, std::string_view path_variable)
{
    Candidate best;
    return search(name, path_variable, "", inspect_host, best);
}

std::string find_guest_program(initrd::InitrdTree const& tree, std::string const& name)
{
    if (name.empty())
        throw Failure(exit_not_found, "'': program not found");
    auto inspect = [&](std::string const& path) { return inspect_guest(tree, path); };
    if (name.find('/') != std::string::npos) {
        // The guest starts in "/", so a relative path is relative to the root.
        auto path = absolute_guest_path(name, "/");
        auto candidate = inspect(path);
        if (candidate != Candidate::Executable)
            fail(name, candidate);
        return path;
    }
    Candidate best;
    auto found = search(name, guest_search_path, "/", inspect, best);
    if (!found)
        fail(name, best);
    return *found;
}

}
