#pragma once

#include <cstdint>
#include <string_view>

#include <fs/directory.h>
#include <fs/inode.h>
#include <lib/own_ptr.h>
#include <lib/string.h>
#include <lib/vector.h>

namespace fs {

class RamDirectory;

// The in-memory file system everything lives in: the initrd is unpacked into it and /dev is a
// directory of it.
class RamFileSystem final : public FileSystem {
public:
    static ErrorOr<OwnPtr<RamFileSystem>> create(uint32_t device_minor = 1);
    ~RamFileSystem() override;
    RamDirectory& root() const { return *m_root; }

private:
    explicit RamFileSystem(uint32_t device_minor)
        : FileSystem(device_minor)
    {
    }
    RefPtr<RamDirectory> m_root;
};

// A ramfs directory: names mapped to inodes. Each entry carries a cookie that only grows as
// entries are added, and entries stay in cookie order, so a getdents(2) position is simply the
// next cookie to report and survives entries being added or removed between calls.
class RamDirectory final : public Directory {
public:
    struct Entry {
        String name;
        RefPtr<Inode> inode;
        uint64_t cookie;
    };

    static ErrorOr<RefPtr<RamDirectory>> create(FileSystem&, uint32_t permissions);

    // The root is its own parent. A removed directory keeps the parent it had, as Linux's
    // dentries do, so that "cd .." still works from it.
    Directory* parent() override { return m_parent ? m_parent : (m_is_removed ? m_former_parent.ptr() : this); }
    bool is_root() const override { return !m_parent && !m_is_removed; }
    // A removed directory (rmdir while still open or someone's cwd) has no entries and takes
    // none: lookups and creations in it fail with ENOENT, as on Linux.
    bool is_removed() const override { return m_is_removed; }
    bool is_empty() const { return m_entries.is_empty(); }
    size_t entry_count() const { return m_entries.size(); }

    ErrorOr<RefPtr<Inode>> lookup(std::string_view name) override { return RefPtr<Inode>(find(name)); }
    ErrorOr<bool> entry_at_or_after(uint64_t cookie, DirectoryEntry&) override;
    ErrorOr<String> name_of(Inode const& child) override;
    RamDirectory* as_ram_directory() override { return this; }

    Inode* find(std::string_view name) const;
    // Links `inode` under `name`; EEXIST if the name is taken. A ramfs directory gets this
    // directory as its parent; the root of another file system is mounted here (its ".."
    // names this directory, and it stays its own file system's).
    ErrorOr<void> add_entry(std::string_view name, RefPtr<Inode> inode);
    // Unlinks `name`. A directory removed this way is marked removed; `detach_only` (rename,
    // after the new name is linked) leaves it alone.
    ErrorOr<void> remove_entry(std::string_view name, bool detach_only = false);
    // Points an existing entry at another inode (rename over an existing name).
    void replace_entry(std::string_view name, RefPtr<Inode> inode);

    ErrorOr<RefPtr<Inode>> create_file(std::string_view name, uint32_t permissions);
    ErrorOr<RefPtr<Inode>> create_directory(std::string_view name, uint32_t permissions);
    ErrorOr<RefPtr<Inode>> create_symlink(std::string_view name, std::string_view target);

    uint64_t size() const override;
    bool can_sync() const override { return true; }

private:
    friend class RamFileSystem;
    RamDirectory(FileSystem& file_system, uint32_t permissions)
        : Directory(file_system, permissions)
    {
        m_link_count = 1; // its own "."
    }
    ErrorOr<void> check_can_create(std::string_view name) const;
    void detach_child(Inode& child, bool detach_only);
    // The ramfs directory `inode` is, or null for a file or a mounted file system's root.
    RamDirectory* as_child_directory(Inode& inode) const;

    Vector<Entry> m_entries;
    // Not counted while linked: the parent holds this directory through its entry.
    RamDirectory* m_parent { nullptr };
    // Counted once removed, when no cycle remains.
    RefPtr<RamDirectory> m_former_parent;
    uint64_t m_next_cookie { first_entry_cookie };
    bool m_is_removed { false };
};

// A regular file whose contents live in 4 KiB pages (fs/file_pages.h) allocated as they are
// written or mapped. Pages never written (after a truncate that extends, or a write past the
// end) read as zeros. A shared mapping maps the file's own pages.
class RegularFile final : public Inode {
public:
    static constexpr size_t page_size = 4096;

    static ErrorOr<RefPtr<RegularFile>> create(FileSystem&, uint32_t permissions);
    ~RegularFile() override;

    uint64_t size() const override { return m_size; }
    uint64_t allocated_blocks() const override { return m_allocated_pages * (page_size / 512); }
    bool can_sync() const override { return true; }

    ErrorOr<size_t> read_bytes(uint64_t offset, IoBuffer&) const;
    ErrorOr<size_t> write_bytes(uint64_t offset, IoBuffer&);

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t offset, IoBuffer& buffer) override { return read_bytes(offset, buffer); }
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t offset, IoBuffer& buffer) override { return write_bytes(offset, buffer); }
    ErrorOr<void> truncate(uint64_t size) override;
    ErrorOr<uint64_t> shared_frame(uint64_t offset) override;
    bool has_shared_frames() const override { return true; }
    bool holds_page(uint64_t offset) const override;
    // A file that was never linked (memfd_create) shows in /proc/PID/fd as "/memfd:NAME
    // (deleted)", as on Linux.
    void set_memfd_name(String name) { m_memfd_name = std::move(name); }
    ErrorOr<String> anonymous_path() const override;

private:
    RegularFile(FileSystem& file_system, uint32_t permissions)
        : Inode(file_system, S_IFREG | (permissions & 07777))
    {
    }
    ErrorOr<void> ensure_page_slots(uint64_t size);

    Vector<uint8_t*> m_pages;
    String m_memfd_name;
    uint64_t m_size { 0 };
    uint64_t m_allocated_pages { 0 };
};

// A symbolic link. ramfs keeps its target; procfs makes one per lookup with the target of
// that moment, and its "magic" links (/proc/PID/fd/N, cwd, root) lead straight to an inode
// instead of a path, as Linux's nd_jump_link().
class Symlink : public Inode {
public:
    static ErrorOr<RefPtr<Symlink>> create(FileSystem&, std::string_view target);
    // readlink(2)'s answer; empty when the link leads nowhere (a /proc/PID/exe whose process
    // has no executable), which readlink reports as ENOENT.
    std::string_view target() const { return m_target.view(); }
    uint64_t size() const override { return m_target.length(); }

    // Where following the link leads without walking its target: an inode, with the
    // directory it is linked in when known (`parent`), or null to walk target() instead.
    virtual ErrorOr<RefPtr<Inode>> jump_target(RefPtr<Directory>& parent) const { return RefPtr<Inode>(); }

protected:
    Symlink(FileSystem& file_system, String target)
        : Inode(file_system, S_IFLNK | 0777)
        , m_target(std::move(target))
    {
    }
    Symlink(FileSystem& file_system, String target, WithNumber number)
        : Inode(file_system, S_IFLNK | 0777, number)
        , m_target(std::move(target))
    {
    }

private:
    String m_target;
};

}
