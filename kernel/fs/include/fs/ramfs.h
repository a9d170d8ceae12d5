#pragma once

#include <cstdint>
#include <string_view>

#include <fs/inode.h>
#include <lib/own_ptr.h>
#include <lib/string.h>
#include <lib/vector.h>

namespace fs {

class Directory;

// The in-memory file system everything lives in: the initrd is unpacked into it and /dev is a
// directory of it.
class RamFileSystem final : public FileSystem {
public:
    static ErrorOr<OwnPtr<RamFileSystem>> create(uint32_t device_minor = 1);
    ~RamFileSystem() override;
    Directory& root() const { return *m_root; }

private:
    explicit RamFileSystem(uint32_t device_minor)
        : FileSystem(device_minor)
    {
    }
    RefPtr<Directory> m_root;
};

// A directory: names mapped to inodes. Each entry carries a cookie that only grows as entries
// are added, and entries stay in cookie order, so a getdents(2) position is simply the next
// cookie to report and survives entries being added or removed between calls.
class Directory final : public Inode {
public:
    struct Entry {
        String name;
        RefPtr<Inode> inode;
        uint64_t cookie;
    };
    // Cookies 1 and 2 are "." and ".."; real entries start after them.
    static constexpr uint64_t first_entry_cookie = 3;

    static ErrorOr<RefPtr<Directory>> create(FileSystem&, uint32_t permissions);

    // The directory ".." names; the root is its own parent. A removed directory keeps the
    // parent it had, as Linux's dentries do, so that "cd .." still works from it.
    Directory* parent() { return m_parent ? m_parent : (m_is_removed ? m_former_parent.ptr() : this); }
    bool is_root() const { return !m_parent && !m_is_removed; }
    // A removed directory (rmdir while still open or someone's cwd) has no entries and takes
    // none: lookups and creations in it fail with ENOENT, as on Linux.
    bool is_removed() const { return m_is_removed; }
    bool is_empty() const { return m_entries.is_empty(); }
    size_t entry_count() const { return m_entries.size(); }

    Inode* find(std::string_view name) const;
    // The name under which `child` is linked here, for getcwd(2).
    std::string_view name_of(Inode const& child) const;
    // Links `inode` under `name`; EEXIST if the name is taken. Directories get this directory
    // as their parent.
    ErrorOr<void> add_entry(std::string_view name, RefPtr<Inode> inode);
    // Unlinks `name`. A directory removed this way is marked removed; `detach_only` (rename,
    // after the new name is linked) leaves it alone.
    ErrorOr<void> remove_entry(std::string_view name, bool detach_only = false);
    // Points an existing entry at another inode (rename over an existing name).
    void replace_entry(std::string_view name, RefPtr<Inode> inode);

    ErrorOr<RefPtr<Inode>> create_file(std::string_view name, uint32_t permissions);
    ErrorOr<RefPtr<Inode>> create_directory(std::string_view name, uint32_t permissions);
    ErrorOr<RefPtr<Inode>> create_symlink(std::string_view name, std::string_view target);

    // The first entry whose cookie is at least `cookie`; null at the end.
    Entry const* entry_at_or_after(uint64_t cookie) const;

    uint64_t size() const override;
    bool can_sync() const override { return true; }
    ErrorOr<size_t> read(OpenFileDescription&, uint64_t, IoBuffer&) override { return Error(EISDIR); }
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t, IoBuffer&) override { return Error(EISDIR); }
    ErrorOr<void> truncate(uint64_t) override { return Error(EISDIR); }

private:
    friend class RamFileSystem;
    Directory(FileSystem& file_system, uint32_t permissions)
        : Inode(file_system, S_IFDIR | (permissions & 07777))
    {
        m_link_count = 1; // its own "."
    }
    ErrorOr<void> check_can_create(std::string_view name) const;
    void detach_child(Inode& child, bool detach_only);

    Vector<Entry> m_entries;
    // Not counted while linked: the parent holds this directory through its entry.
    Directory* m_parent { nullptr };
    // Counted once removed, when no cycle remains.
    RefPtr<Directory> m_former_parent;
    uint64_t m_next_cookie { first_entry_cookie };
    bool m_is_removed { false };
};

// A regular file whose contents live in 4 KiB pages allocated as they are written. Pages never
// written (after a truncate that extends, or a write past the end) read as zeros.
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

private:
    RegularFile(FileSystem& file_system, uint32_t permissions)
        : Inode(file_system, S_IFREG | (permissions & 07777))
    {
    }
    ErrorOr<void> ensure_page_slots(uint64_t size);

    Vector<uint8_t*> m_pages;
    uint64_t m_size { 0 };
    uint64_t m_allocated_pages { 0 };
};

class Symlink final : public Inode {
public:
    static ErrorOr<RefPtr<Symlink>> create(FileSystem&, std::string_view target);
    std::string_view target() const { return m_target.view(); }
    uint64_t size() const override { return m_target.length(); }

private:
    Symlink(FileSystem& file_system, String target)
        : Inode(file_system, S_IFLNK | 0777)
        , m_target(std::move(target))
    {
    }
    String m_target;
};

}
