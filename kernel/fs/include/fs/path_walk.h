#pragma once

#include <string_view>

#include <fs/directory.h>
#include <fs/fs_context.h>
#include <fs/permissions.h>
#include <fs/ramfs.h>

namespace fs {

enum class Follow : bool {
    No,
    Yes,
};

// How a path ends, which decides the errors of operations that create or remove names:
// mkdir("/") is EEXIST, rmdir(".") EINVAL, unlink("..") EISDIR, rename(".", x) EBUSY.
enum class LastComponent {
    Normal,
    Dot,
    DotDot,
    Root, // the path was only slashes
};

// A path walked up to its last component, which is left for the caller to look up, create or
// remove. `last` points into the walked path.
struct ParentLookup {
    RefPtr<Directory> parent;
    std::string_view last;
    LastComponent kind;
    bool trailing_slash;

    // The entry `last` names in `parent`, or null when there is none: ENAMETOOLONG for a name
    // over NAME_MAX, ENOENT when the parent directory has been removed.
    ErrorOr<RefPtr<Inode>> find_entry() const;
};

// Resolves paths the way Linux's namei does: absolute or relative to a base directory, "." and
// ".." (which stays put at the process's root), repeated and trailing slashes, and symlinks,
// at most 40 of them per lookup (ELOOP beyond). One walker is one lookup: its symlink count
// covers every link it follows, including those in link targets. Every directory it looks a
// name up in needs search permission for `identity` (the caller's file system IDs unless told
// otherwise; EACCES).
class PathWalker {
public:
    explicit PathWalker(FsContext const& context, lib::Identity identity = caller_identity())
        : m_context(context)
        , m_identity(identity)
    {
    }

    // Walks every component but the last. `base` is where a relative path starts (ENOTDIR if
    // it is not a directory); an empty path is ENOENT.
    ErrorOr<ParentLookup> walk_to_parent(Inode& base, std::string_view path);
    // Resolves a whole path. The last component is followed if it is a symlink and `follow`
    // says so, or the path ends in a slash (which also demands a directory: ENOTDIR).
    ErrorOr<RefPtr<Inode>> resolve(Inode& base, std::string_view path, Follow follow);
    // Resolves the last component of a walked path.
    ErrorOr<RefPtr<Inode>> resolve_last(ParentLookup const&, Follow follow);
    // Resolves the target of `link`, which sits in `directory`; counts toward the limit.
    ErrorOr<RefPtr<Inode>> follow_link(Directory& directory, Symlink const& link);
    // Counts one link followed; ELOOP past the limit.
    ErrorOr<void> count_link();

    FsContext const& context() const { return m_context; }
    lib::Identity const& identity() const { return m_identity; }

    // The directory in which the last entry resolved by name was found (through symlinks,
    // the one the last link led to), for open(2) to remember where its file lives; null when
    // the path ended in ".", ".." or "/".
    RefPtr<Directory> const& last_parent() const { return m_last_parent; }
    void set_last_parent(RefPtr<Directory> parent) { m_last_parent = std::move(parent); }

private:
    ErrorOr<RefPtr<Directory>> step(Directory& directory, std::string_view name);
    ErrorOr<RefPtr<Directory>> parent_of(Directory& directory);

    FsContext const& m_context;
    lib::Identity m_identity;
    int m_links_followed { 0 };
    RefPtr<Directory> m_last_parent;
};

}
