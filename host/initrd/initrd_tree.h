#pragma once

#include "initrd/cpio_writer.h"

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace unifork::initrd {

// The guest's root filesystem as it is being assembled, before it is written as cpio. Later
// additions replace earlier ones at the same path (an --add over a file of --rootfs), and a path
// whose parent is a symbolic link inside the tree lands where the link points, as `cp` would put
// it: a Debian root has /bin -> usr/bin, and `--add tool:/bin/tool` must not break that link.
// File contents stay on the host until write_to() streams them.
class InitrdTree {
public:
    enum class Kind { Directory, HostFile, InlineFile, Symlink };

    struct Entry {
        Kind kind { Kind::Directory };
        std::uint32_t permissions { 0 };
        std::int64_t mtime { 0 };
        std::string host_path;    // HostFile: where the contents are read from
        std::uint64_t size { 0 }; // HostFile: the size when it was added
        std::string data;         // InlineFile: the contents; Symlink: the target
    };

    struct Resolved {
        std::string path; // absolute guest path with every symbolic link resolved
        Entry const* entry;
    };

    using WarningHandler = std::function<void(std::string const&)>;

    // Parent directories that nobody added explicitly get mode 0755 and `implicit_mtime`.
    explicit InitrdTree(std::int64_t implicit_mtime = 0);

    void add_directory(std::string_view guest_path, std::uint32_t permissions, std::int64_t mtime);
    void add_host_file(std::string_view guest_path, std::string host_path, std::uint32_t permissions, std::int64_t mtime, std::uint64_t size);
    void add_inline_file(std::string_view guest_path, std::string contents, std::uint32_t permissions, std::int64_t mtime);
    void add_symlink(std::string_view guest_path, std::string target, std::int64_t mtime);

    // Copies `host_path` to `guest_path`: a directory recursively, keeping modes and keeping
    // symbolic links inside it as links; `host_path` itself is followed if it is a link.
    // Sockets, devices and FIFOs are skipped with a warning, as are unreadable files below the
    // top. `guest_path` may be "/" for a directory, whose contents then form the root.
    void add_host_path(std::string const& host_path, std::string_view guest_path, WarningHandler const& warn);

    // The entry exactly at `guest_path`, without following a final symbolic link.
    Entry const* find(std::string_view guest_path) const;
    // Follows symbolic links within the tree, absolute targets relative to the tree's root, as
    // the guest kernel will. Empty when the path does not exist or loops.
    std::optional<Resolved> resolve(std::string_view guest_path) const;

    void write_to(CpioWriter& writer) const;

    std::size_t entry_count() const { return m_entries.size(); }

private:
    struct Walk {
        std::string key;
        Entry const* entry; // null when only the last component is missing
    };

    std::optional<Walk> walk(std::string_view path, bool follow_last) const;
    std::string place(std::string_view guest_path);
    void insert(std::string const& key, Entry entry);
    void add_host_node(std::string const& host_path, std::string const& guest_path, bool top, WarningHandler const& warn);

    std::int64_t m_implicit_mtime;
    Entry m_root;
    // Keys are normalized paths without the leading slash; ordering a key before every key it
    // prefixes is exactly "directories before their contents".
    std::map<std::string, Entry> m_entries;
};

}
