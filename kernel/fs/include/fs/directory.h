#pragma once

#include <cstdint>
#include <string_view>

#include <fs/inode.h>
#include <lib/string.h>

namespace fs {

class RamDirectory;

// One entry of a directory listing, as getdents(2) reports it. `name` views either the
// directory's own storage or `name_storage`, so an entry is filled and used in place, never
// copied.
struct DirectoryEntry {
    uint64_t cookie { 0 };       // the entry's position; the next one is at cookie + 1 or later
    uint64_t inode_number { 0 };
    DirectoryEntryType type { DirectoryEntryType::Unknown };
    std::string_view name;
    char name_storage[32] {};    // for names a directory makes up (numbers in procfs)

    DirectoryEntry() = default;
    DirectoryEntry(DirectoryEntry const&) = delete;
    DirectoryEntry& operator=(DirectoryEntry const&) = delete;
    // Copies a short made-up name into name_storage and points `name` at it.
    void set_generated_name(std::string_view);
};

// A directory of any file system: what the path walk, getdents(2) and getcwd(2) need. Whether
// entries can be created, linked or removed is a property of the kind: ramfs directories
// (as_ram_directory()) take them; others, like procfs's, refuse with the errno Linux gives for
// an inode without that operation.
class Directory : public Inode {
public:
    // Cookies 1 and 2 are "." and ".."; a directory's own entries start after them.
    static constexpr uint64_t first_entry_cookie = 3;

    // The directory ".." names: the root of the tree is its own parent, and the root of a
    // mounted file system names the directory it is mounted in.
    virtual Directory* parent() = 0;
    // The root of the whole tree, which no ".." leaves.
    virtual bool is_root() const { return false; }
    // Gone from the tree (a removed ramfs directory, the /proc directory of a process that
    // has ended): lookups in it and creations are ENOENT.
    virtual bool is_removed() const { return false; }

    // The inode `name` names here (never "." or ".."), null when there is none.
    virtual ErrorOr<RefPtr<Inode>> lookup(std::string_view name) = 0;
    // Fills `entry` with the first entry whose cookie is at least `cookie`; false at the end.
    // Cookies only grow with the entries' order, so a getdents(2) position survives entries
    // coming and going between calls.
    virtual ErrorOr<bool> entry_at_or_after(uint64_t cookie, DirectoryEntry& entry) = 0;
    // A name under which `child` is linked here; empty when it is not. The default looks for
    // its inode number in the listing.
    virtual ErrorOr<String> name_of(Inode const& child);

    virtual RamDirectory* as_ram_directory() { return nullptr; }

    ErrorOr<size_t> read(OpenFileDescription&, uint64_t, IoBuffer&) override { return Error(EISDIR); }
    ErrorOr<size_t> write(OpenFileDescription&, uint64_t, IoBuffer&) override { return Error(EISDIR); }
    ErrorOr<void> truncate(uint64_t) override { return Error(EISDIR); }

protected:
    Directory(FileSystem& file_system, uint32_t permissions)
        : Inode(file_system, S_IFDIR | (permissions & 07777))
    {
    }
    Directory(FileSystem& file_system, uint32_t permissions, WithNumber number)
        : Inode(file_system, S_IFDIR | (permissions & 07777), number)
    {
    }
};

// Whether `child`, an entry of `parent`, is the root of another file system mounted there.
inline bool is_mount_point(Directory const& parent, Inode const& child)
{
    return &parent.file_system() != &child.file_system();
}

}
