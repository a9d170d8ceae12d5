#include "initrd/initrd_tree.h"

#include "common/failure.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <dirent.h>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace unifork::initrd {

namespace {

// POSIX allows a system to give up after this many links in one lookup; Linux uses 40.
constexpr int maximum_symlink_hops = 40;

std::deque<std::string> split(std::string_view path)
{
    std::deque<std::string> components;
    std::size_t position = 0;
    while (position <= path.size()) {
        auto end = path.find('/', position);
        if (end == std::string_view::npos)
            end = path.size();
        auto component = path.substr(position, end - position);
        if (!component.empty() && component != ".")
            components.emplace_back(component);
        position = end + 1;
    }
    return components;
}

std::string join(std::vector<std::string> const& components)
{
    std::string key;
    for (auto const& component : components) {
        if (!key.empty())
            key += '/';
        key += component;
    }
    return key;
}

std::string child_key(std::string const& parent, std::string const& name)
{
    return parent.empty() ? name : parent + "/" + name;
}

std::string describe_errno(std::string const& path)
{
    return path + ": " + std::strerror(errno);
}

}

InitrdTree::InitrdTree(std::int64_t implicit_mtime)
    : m_implicit_mtime(implicit_mtime)
{
    m_root.kind = Kind::Directory;
    m_root.permissions = 0755;
    m_root.mtime = implicit_mtime;
}

std::optional<InitrdTree::Walk> InitrdTree::walk(std::string_view path, bool follow_last) const
{
    int hops_left = maximum_symlink_hops;
    std::vector<std::string> resolved;
    auto pending = split(path);
    while (!pending.empty()) {
        auto component = std::move(pending.front());
        pending.pop_front();
        if (component == "..") {
            if (!resolved.empty())
                resolved.pop_back();
            continue;
        }
        resolved.push_back(component);
        auto key = join(resolved);
        bool last = pending.empty();
        auto found = m_entries.find(key);
        if (found == m_entries.end()) {
            if (last)
                return Walk { key, nullptr };
            return std::nullopt;
        }
        auto const& entry = found->second;
        if (entry.kind == Kind::Symlink && (!last || follow_last)) {
            if (--hops_left < 0)
                return std::nullopt;
            resolved.pop_back();
            if (entry.data.starts_with('/'))
                resolved.clear();
            auto target = split(entry.data);
            pending.insert(pending.begin(), target.begin(), target.end());
            continue;
        }
        if (!last && entry.kind != Kind::Directory)
            return std::nullopt;
        if (last)
            return Walk { key, &entry };
    }
    auto key = join(resolved);
    if (key.empty())
        return Walk { key, &m_root };
    auto found = m_entries.find(key);
    return Walk { key, found == m_entries.end() ? nullptr : &found->second };
}

std::string InitrdTree::place(std::string_view guest_path)
{
    if (guest_path.find('\0') != std::string_view::npos)
        throw UsageError("guest path contains a NUL byte");
    auto components = split(guest_path);
    if (std::find(components.begin(), components.end(), "..") != components.end())
        throw UsageError("guest path \"" + std::string(guest_path) + "\" contains \"..\"");
    if (components.empty())
        throw UsageError("only a directory can be placed at the guest's root");
    std::string parent;
    for (std::size_t index = 0; index + 1 < components.size(); ++index) {
        auto step = walk("/" + child_key(parent, components[index]), true);
        if (!step || (step->entry && step->entry->kind != Kind::Directory))
            throw UsageError("cannot place \"" + std::string(guest_path) + "\" in the guest: \"/"
                + child_key(parent, components[index]) + "\" is not a directory");
        if (!step->entry) {
            Entry directory;
            directory.kind = Kind::Directory;
            directory.permissions = 0755;
            directory.mtime = m_implicit_mtime;
            m_entries.emplace(step->key, directory);
        }
        parent = step->key;
    }
    return child_key(parent, components.back());
}

void InitrdTree::insert(std::string const& key, Entry entry)
{
    auto existing = m_entries.find(key);
    if (existing == m_entries.end()) {
        m_entries.emplace(key, std::move(entry));
        return;
    }
    auto& current = existing->second;
    if (current.kind == Kind::Directory && entry.kind == Kind::Directory) {
        current.permissions = entry.permissions;
        current.mtime = entry.mtime;
        return;
    }
    if (current.kind == Kind::Directory) {
        // A non-directory replaces a whole directory, so what was inside it goes too.
        auto prefix = key + "/";
        auto first = m_entries.lower_bound(prefix);
        auto last = first;
        while (last != m_entries.end() && last->first.starts_with(prefix))
            ++last;
        m_entries.erase(first, last);
    }
    m_entries.insert_or_assign(key, std::move(entry));
}

void InitrdTree::add_directory(std::string_view guest_path, std::uint32_t permissions, std::int64_t mtime)
{
    if (split(guest_path).empty()) {
        m_root.permissions = permissions & 07777;
        m_root.mtime = mtime;
        return;
    }
    auto key = place(guest_path);
    // Merging a directory into a link to a directory keeps the link (Debian's /bin -> usr/bin);
    // what goes inside follows it.
    if (auto const* existing = find("/" + key); existing && existing->kind == Kind::Symlink) {
        auto target = resolve("/" + key);
        if (target && target->entry->kind == Kind::Directory)
            return;
    }
    Entry entry;
    entry.kind = Kind::Directory;
    entry.permissions = permissions & 07777;
    entry.mtime = mtime;
    insert(key, std::move(entry));
}

void InitrdTree::add_host_file(std::string_view guest_path, std::string host_path, std::uint32_t permissions, std::int64_t mtime, std::uint64_t size)
{
    Entry entry;
    entry.kind = Kind::HostFile;
    entry.permissions = permissions & 07777;
    entry.mtime = mtime;
    entry.host_path = std::move(host_path);
    entry.size = size;
    insert(place(guest_path), std::move(entry));
}

void InitrdTree::add_inline_file(std::string_view guest_path, std::string contents, std::uint32_t permissions, std::int64_t mtime)
{
    Entry entry;
    entry.kind = Kind::InlineFile;
    entry.permissions = permissions & 07777;
    entry.mtime = mtime;
    entry.data = std::move(contents);
    insert(place(guest_path), std::move(entry));
}

void InitrdTree::add_symlink(std::string_view guest_path, std::string target, std::int64_t mtime)
{
    if (target.empty() || target.find('\0') != std::string::npos)
        throw UsageError("symbolic link \"" + std::string(guest_path) + "\" has an empty target");
    Entry entry;
    entry.kind = Kind::Symlink;
    entry.permissions = 0777;
    entry.mtime = mtime;
    entry.data = std::move(target);
    insert(place(guest_path), std::move(entry));
}

void InitrdTree::add_host_path(std::string const& host_path, std::string_view guest_path, WarningHandler const& warn)
{
    auto components = split(guest_path);
    if (std::find(components.begin(), components.end(), "..") != components.end())
        throw UsageError("guest path \"" + std::string(guest_path) + "\" contains \"..\"");
    add_host_node(host_path, "/" + join({ components.begin(), components.end() }), true, warn);
}

void InitrdTree::add_host_node(std::string const& host_path, std::string const& guest_path, bool top, WarningHandler const& warn)
{
    struct stat status {};
    // The path the user named is followed like `cp -r` follows its argument; links found while
    // walking a directory are kept as links.
    int result = top ? ::stat(host_path.c_str(), &status) : ::lstat(host_path.c_str(), &status);
    if (result != 0)
        throw Failure(exit_usage, describe_errno(host_path));

    if (S_ISDIR(status.st_mode)) {
        add_directory(guest_path, status.st_mode, status.st_mtime);
        DIR* directory = ::opendir(host_path.c_str());
        if (!directory) {
            if (top)
                throw Failure(exit_usage, describe_errno(host_path));
            warn("skipping the contents of " + describe_errno(host_path));
            return;
        }
        std::vector<std::string> names;
        while (auto* item = ::readdir(directory)) {
            std::string_view name = item->d_name;
            if (name != "." && name != "..")
                names.emplace_back(name);
        }
        ::closedir(directory);
        // Sorted, so that the same directory always gives the same archive.
        std::sort(names.begin(), names.end());
        auto guest_prefix = guest_path == "/" ? guest_path : guest_path + "/";
        for (auto const& name : names)
            add_host_node(host_path + "/" + name, guest_prefix + name, false, warn);
        return;
    }
    if (S_ISREG(status.st_mode)) {
        if (::access(host_path.c_str(), R_OK) != 0) {
            if (top)
                throw Failure(exit_usage, describe_errno(host_path));
            warn("skipping " + describe_errno(host_path));
            return;
        }
        add_host_file(guest_path, host_path, status.st_mode, status.st_mtime, static_cast<std::uint64_t>(status.st_size));
        return;
    }
    if (S_ISLNK(status.st_mode)) {
        std::string target(static_cast<std::size_t>(status.st_size > 0 ? status.st_size : 4096), '\0');
        auto length = ::readlink(host_path.c_str(), target.data(), target.size());
        if (length < 0)
            throw Failure(exit_usage, describe_errno(host_path));
        target.resize(static_cast<std::size_t>(length));
        add_symlink(guest_path, target, status.st_mtime);
        return;
    }
    auto message = "skipping " + host_path + ": only regular files, directories and symbolic links can be copied into the guest";
    if (top)
        throw Failure(exit_usage, host_path + ": only regular files, directories and symbolic links can be copied into the guest");
    warn(message);
}

InitrdTree::Entry const* InitrdTree::find(std::string_view guest_path) const
{
    auto components = split(guest_path);
    if (components.empty())
        return &m_root;
    auto found = m_entries.find(join({ components.begin(), components.end() }));
    return found == m_entries.end() ? nullptr : &found->second;
}

std::optional<InitrdTree::Resolved> InitrdTree::resolve(std::string_view guest_path) const
{
    auto result = walk(guest_path, true);
    if (!result || !result->entry)
        return std::nullopt;
    return Resolved { "/" + result->key, result->entry };
}

void InitrdTree::write_to(CpioWriter& writer) const
{
    for (auto const& [key, entry] : m_entries) {
        switch (entry.kind) {
        case Kind::Directory:
            writer.add_directory(key, entry.permissions, entry.mtime);
            break;
        case Kind::InlineFile:
            writer.add_file(key, entry.permissions, entry.mtime, entry.data);
            break;
        case Kind::Symlink:
            writer.add_symlink(key, entry.data, entry.mtime);
            break;
        case Kind::HostFile: {
            std::ifstream contents(entry.host_path, std::ios::binary);
            if (!contents)
                throw Failure(exit_usage, "cannot read " + entry.host_path);
            writer.add_file(key, entry.permissions, entry.mtime, contents, entry.size);
            break;
        }
        }
    }
}

}
