#include <new>

#include <fs/fsnotify.h>
#include <fs/pipe.h>
#include <fs/vfs.h>

namespace fs {

ErrorOr<RefPtr<Inode>> base_for(FdTable const& fd_table, FsContext const& context, int dirfd, std::string_view path)
{
    if (!path.empty() && path.front() == '/')
        return RefPtr<Inode>(context.root());
    if (dirfd == AT_FDCWD)
        return RefPtr<Inode>(context.cwd());
    auto description = TRY(fd_table.get(dirfd));
    return description->inode_ref();
}

ErrorOr<RefPtr<Inode>> resolve_path(FsContext const& context, Inode& base, std::string_view path, Follow follow, bool allow_empty,
    lib::Identity identity)
{
    if (path.empty() && allow_empty)
        return RefPtr<Inode>(base);
    PathWalker walker(context, identity);
    return walker.resolve(base, path, follow);
}

// Walks to the directory that is to hold a new name, with Linux's filename_create() errors:
// EEXIST for ".", "..", "/" and a name that exists; ENOENT for a missing name followed by a
// slash when the caller does not create a directory.
static ErrorOr<ParentLookup> lookup_for_create(PathWalker& walker, Inode& base, std::string_view path, bool is_directory)
{
    auto lookup = TRY(walker.walk_to_parent(base, path));
    if (lookup.kind != LastComponent::Normal)
        return Error(EEXIST);
    if (TRY(lookup.find_entry()))
        return Error(EEXIST);
    if (lookup.trailing_slash && !is_directory)
        return Error(ENOENT);
    return lookup;
}

// The directory that is to take a new name or lose one. Only ramfs directories change; for
// the others (procfs) Linux finds no such inode operation and says EPERM (mkdir, symlink,
// link, unlink, rmdir, rename) or EACCES (a file created by open(2)).
static ErrorOr<RamDirectory*> changeable(Directory& directory, int error = EPERM)
{
    auto* ram_directory = directory.as_ram_directory();
    if (!ram_directory)
        return Error(error);
    return ram_directory;
}

// Finds the inode open(2) works on, creating a regular file for O_CREAT. A symlink met as the
// last component is followed by opening its target with the same flags, so O_CREAT through a
// dangling symlink creates the target, as on Linux. `created` says a new file was made, which
// the caller then opens whatever its mode says.
static ErrorOr<RefPtr<Inode>> open_target(PathWalker& walker, Inode& base, std::string_view path, int flags, uint32_t mode, bool& created)
{
    Follow follow = (flags & O_NOFOLLOW) ? Follow::No : Follow::Yes;
    if (!(flags & O_CREAT))
        return walker.resolve(base, path, follow);

    auto lookup = TRY(walker.walk_to_parent(base, path));
    // open(2): "EISDIR pathname refers to a directory and the access requested involved
    // writing"; with O_CREAT Linux also gives it for ".", ".." and a trailing slash.
    if (lookup.kind != LastComponent::Normal || lookup.trailing_slash)
        return Error(EISDIR);
    RefPtr<Inode> existing = TRY(lookup.find_entry());
    walker.set_last_parent(lookup.parent);
    if (!existing) {
        auto* directory = TRY(changeable(*lookup.parent, EACCES));
        TRY(check_may_create(*directory, walker.identity()));
        auto file = TRY(directory->create_file(lookup.last, mode & 07777 & ~walker.context().umask()));
        set_creator(*file, *directory, walker.identity());
        created = true;
        return file;
    }
    // O_EXCL: "If pathname is a symbolic link, then open() fails regardless of where the
    // symbolic link points."
    if (flags & O_EXCL)
        return Error(EEXIST);
    if (!existing->is_symlink() || follow == Follow::No)
        return existing;
    TRY(walker.count_link());
    auto& link = static_cast<Symlink const&>(*existing);
    // A magic link (/proc/PID/fd/N) leads to its file itself: `> /dev/stdout` reaches a pipe.
    RefPtr<Directory> jump_parent;
    if (auto jumped = TRY(link.jump_target(jump_parent))) {
        walker.set_last_parent(std::move(jump_parent));
        return jumped;
    }
    if (link.target().empty())
        return Error(ENOENT);
    return open_target(walker, *lookup.parent, link.target(), flags, mode, created);
}

ErrorOr<RefPtr<OpenFileDescription>> open(FsContext const& context, Inode& base, std::string_view path, int flags, uint32_t mode)
{
    // O_TMPFILE is __O_TMPFILE | O_DIRECTORY; Linux rejects it with O_CREAT or without write
    // access (EINVAL) before finding that the file system cannot make one.
    constexpr int tmpfile_bit = O_TMPFILE & ~O_DIRECTORY;
    if (flags & tmpfile_bit) {
        if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE || (flags & O_ACCMODE) == O_RDONLY)
            return Error(EINVAL);
        return Error(EOPNOTSUPP);
    }
    // open(2): "When O_PATH is specified in flags, flag bits other than O_CLOEXEC,
    // O_DIRECTORY, and O_NOFOLLOW are ignored."
    if (flags & O_PATH)
        flags &= O_PATH | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW;

    PathWalker walker(context);
    bool created = false;
    bool truncated = false;
    auto inode = TRY(open_target(walker, base, path, flags, mode, created));

    if ((flags & O_CREAT) && inode->is_directory())
        return Error(EISDIR);
    if ((flags & O_DIRECTORY) && !inode->is_directory())
        return Error(ENOTDIR);
    if (!(flags & O_PATH)) {
        // What Linux's may_open() refuses: a symlink reached with O_NOFOLLOW, and writing to a
        // directory (O_TRUNC counts as writing).
        if (inode->is_symlink())
            return Error(ELOOP);
        int access_mode = flags & O_ACCMODE;
        bool wants_write = access_mode == O_WRONLY || access_mode == O_RDWR || (flags & O_TRUNC);
        if (inode->is_directory() && wants_write)
            return Error(EISDIR);
        int access = (access_mode == O_RDONLY || access_mode == O_RDWR ? R_OK : 0) | (wants_write ? W_OK : 0);
        // A file this call created opens whatever its mode (Linux's do_open() with
        // FMODE_CREATED).
        if (created)
            TRY(inode->check_access_override(access));
        else
            TRY(check_permission(*inode, access, walker.identity()));
        // Linux truncates on O_TRUNC even with O_RDONLY ("unspecified" in POSIX); a file
        // this call created is not truncated (nor reported as modified).
        if ((flags & O_TRUNC) && inode->is_regular_file() && !created) {
            TRY(inode->truncate(0));
            truncated = true;
        }
    }

    // Where the file lives, for /proc/PID/fd: a directory knows its own place; anything else
    // is remembered by the directory it was found in and its name there.
    RefPtr<Directory> parent;
    String name;
    if (!inode->is_directory() && walker.last_parent()) {
        name = TRY(walker.last_parent()->name_of(*inode));
        if (!name.is_empty())
            parent = walker.last_parent();
    }

    // The description keeps what F_GETFL reports: creation flags and O_CLOEXEC are gone, and
    // x86_64 Linux always adds O_LARGEFILE.
    int kept = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    auto description = TRY(OpenFileDescription::create(std::move(inode), kept | linux_o_largefile));
    if (created && walker.last_parent())
        notify_entry(*walker.last_parent(), name.view(), in_create, description->inode());
    if (parent)
        description->set_location(std::move(parent), std::move(name));
    // fsnotify_open(): IN_MODIFY first for O_TRUNC, as do_truncate() reports it.
    if (truncated)
        notify_description(*description, in_modify);
    if (!description->is_path_only())
        notify_description(*description, in_open);
    return description;
}

ErrorOr<void> make_directory(FsContext const& context, Inode& base, std::string_view path, uint32_t mode)
{
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, base, path, true));
    auto* parent = TRY(changeable(*lookup.parent));
    TRY(check_may_create(*parent, walker.identity()));
    auto directory = TRY(parent->create_directory(lookup.last, mode & 01777 & ~context.umask()));
    set_creator(*directory, *parent, walker.identity());
    notify_entry(*parent, lookup.last, in_create, *directory);
    return {};
}

namespace {

// A device or socket node made by mknod(2). Nothing stands behind it here, so opening it is
// ENXIO, as Linux says for a device number without a driver and for a socket file.
class UnboundNode final : public Inode {
public:
    UnboundNode(FileSystem& file_system, uint32_t mode, uint64_t device)
        : Inode(file_system, mode, device)
    {
    }
    ErrorOr<void> did_open(OpenFileDescription&) override { return Error(ENXIO); }
};

}

ErrorOr<void> make_node(FsContext const& context, Inode& base, std::string_view path, uint32_t mode, uint64_t device)
{
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, base, path, false));
    auto* parent = TRY(changeable(*lookup.parent));
    TRY(check_may_create(*parent, walker.identity()));
    // mknod(2): "EPERM mode requested creation of something other than a regular file, FIFO
    // (named pipe), or UNIX domain socket, and the caller is not privileged (CAP_MKNOD)".
    if (((mode & S_IFMT) == S_IFCHR || (mode & S_IFMT) == S_IFBLK) && !walker.identity().is_root())
        return Error(EPERM);
    uint32_t permissions = mode & 07777 & ~context.umask();
    RefPtr<Inode> node;
    switch (mode & S_IFMT) {
    case 0:
    case S_IFREG: {
        auto file = TRY(parent->create_file(lookup.last, permissions));
        set_creator(*file, *parent, walker.identity());
        notify_entry(*parent, lookup.last, in_create, *file);
        return {};
    }
    case S_IFIFO:
        node = TRY(PipeInode::create_fifo(parent->file_system(), permissions));
        break;
    case S_IFCHR:
    case S_IFBLK:
    case S_IFSOCK: {
        bool is_device = (mode & S_IFMT) != S_IFSOCK;
        auto* pointer = new (std::nothrow) UnboundNode(parent->file_system(), (mode & S_IFMT) | permissions, is_device ? device : 0);
        if (!pointer)
            return Error(ENOMEM);
        node = RefPtr<Inode>::adopt(pointer);
        break;
    }
    default:
        return Error(EINVAL);
    }
    set_creator(*node, *parent, walker.identity());
    TRY(parent->add_entry(lookup.last, node));
    notify_entry(*parent, lookup.last, in_create, *node);
    return {};
}

ErrorOr<RefPtr<Inode>> make_socket_node(FsContext const& context, Inode& base, std::string_view path, uint32_t permissions)
{
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, base, path, false));
    auto* parent = TRY(changeable(*lookup.parent));
    TRY(check_may_create(*parent, walker.identity()));
    auto* pointer = new (std::nothrow) UnboundNode(parent->file_system(), S_IFSOCK | (permissions & 07777 & ~context.umask()), 0);
    if (!pointer)
        return Error(ENOMEM);
    auto node = RefPtr<Inode>::adopt(pointer);
    set_creator(*node, *parent, walker.identity());
    TRY(parent->add_entry(lookup.last, node));
    notify_entry(*parent, lookup.last, in_create, *node);
    return node;
}

ErrorOr<void> remove_directory(FsContext const& context, Inode& base, std::string_view path)
{
    PathWalker walker(context);
    auto lookup = TRY(walker.walk_to_parent(base, path));
    // rmdir(2): "EINVAL pathname has . as last component", "ENOTEMPTY pathname contains .. as
    // its final component", "EBUSY pathname is currently in use ... as root".
    switch (lookup.kind) {
    case LastComponent::Dot:
        return Error(EINVAL);
    case LastComponent::DotDot:
        return Error(ENOTEMPTY);
    case LastComponent::Root:
        return Error(EBUSY);
    case LastComponent::Normal:
        break;
    }
    RefPtr<Inode> victim = TRY(lookup.find_entry());
    if (!victim)
        return Error(ENOENT);
    if (!victim->is_directory())
        return Error(ENOTDIR);
    if (victim.ptr() == &context.root())
        return Error(EBUSY);
    // Linux's vfs_rmdir(): may_delete(), the parent's rmdir operation (EPERM without one), then
    // a mount point is EBUSY, then the file system's own check that the directory is empty.
    TRY(check_may_delete(*lookup.parent, *victim, walker.identity()));
    auto* parent = TRY(changeable(*lookup.parent));
    if (is_mount_point(*parent, *victim))
        return Error(EBUSY);
    if (!static_cast<RamDirectory&>(*victim).is_empty())
        return Error(ENOTEMPTY);
    TRY(parent->remove_entry(lookup.last));
    // d_delete_notify(): the directory's own watches end before its parent hears of it.
    notify_name_removed(*victim);
    notify_entry(*parent, lookup.last, in_delete, *victim);
    return {};
}

ErrorOr<void> unlink(FsContext const& context, Inode& base, std::string_view path)
{
    PathWalker walker(context);
    auto lookup = TRY(walker.walk_to_parent(base, path));
    if (lookup.kind != LastComponent::Normal)
        return Error(EISDIR);
    auto victim = TRY(lookup.find_entry());
    if (!victim)
        return Error(ENOENT);
    // unlink(2) on a directory is EISDIR on Linux (POSIX says EPERM). A trailing slash on
    // anything else is ENOTDIR; the name is not followed for either check.
    if (victim->is_directory())
        return Error(EISDIR);
    if (lookup.trailing_slash)
        return Error(ENOTDIR);
    TRY(check_may_delete(*lookup.parent, *victim, walker.identity()));
    auto* parent = TRY(changeable(*lookup.parent));
    TRY(parent->remove_entry(lookup.last));
    // vfs_unlink(): fsnotify_link_count(), then d_delete_notify().
    notify_file(*victim, nullptr, {}, in_attrib);
    notify_name_removed(*victim);
    notify_entry(*parent, lookup.last, in_delete, *victim);
    return {};
}

ErrorOr<void> make_symlink(FsContext const& context, std::string_view target, Inode& base, std::string_view path)
{
    if (target.empty())
        return Error(ENOENT);
    if (target.size() >= path_max)
        return Error(ENAMETOOLONG);
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, base, path, false));
    auto* parent = TRY(changeable(*lookup.parent));
    TRY(check_may_create(*parent, walker.identity()));
    auto link = TRY(parent->create_symlink(lookup.last, target));
    set_creator(*link, *parent, walker.identity());
    notify_entry(*parent, lookup.last, in_create, *link);
    return {};
}

ErrorOr<void> make_link(FsContext const& context, Inode& old_base, std::string_view old_path, Inode& new_base, std::string_view new_path, Follow follow, bool allow_empty)
{
    auto old_inode = TRY(resolve_path(context, old_base, old_path, follow, allow_empty));
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, new_base, new_path, false));
    // link(2): "EXDEV oldpath and newpath are not on the same mounted filesystem."
    if (&old_inode->file_system() != &lookup.parent->file_system())
        return Error(EXDEV);
    auto* parent = TRY(changeable(*lookup.parent));
    TRY(check_may_create(*parent, walker.identity()));
    // link(2): "EPERM oldpath is a directory."
    if (old_inode->is_directory())
        return Error(EPERM);
    // A file already unlinked everywhere cannot get a name back (only O_TMPFILE files can).
    if (old_inode->link_count() == 0)
        return Error(ENOENT);
    TRY(parent->add_entry(lookup.last, old_inode));
    old_inode->touch_change_time();
    // fsnotify_link(): IN_ATTRIB for the link count, IN_CREATE for the new name.
    notify_file(*old_inode, nullptr, {}, in_attrib);
    notify_entry(*parent, lookup.last, in_create, *old_inode);
    return {};
}

static bool is_same_or_ancestor(Directory const& candidate, Directory& directory)
{
    for (Directory* current = &directory; current; current = current->is_root() ? nullptr : current->parent()) {
        if (current == &candidate)
            return true;
    }
    return false;
}

ErrorOr<void> rename(FsContext const& context, Inode& old_base, std::string_view old_path, Inode& new_base, std::string_view new_path, unsigned flags)
{
    if (flags & ~unsigned(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
        return Error(EINVAL);
    if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
        return Error(EINVAL);
    // Neither exchanging two names nor whiteouts (an overlay file system's) are supported.
    if (flags & (RENAME_EXCHANGE | RENAME_WHITEOUT))
        return Error(EINVAL);

    PathWalker old_walker(context);
    auto old_lookup = TRY(old_walker.walk_to_parent(old_base, old_path));
    PathWalker new_walker(context);
    auto new_lookup = TRY(new_walker.walk_to_parent(new_base, new_path));
    // rename(2): "EXDEV oldpath and newpath are not on the same mounted filesystem."
    if (&old_lookup.parent->file_system() != &new_lookup.parent->file_system())
        return Error(EXDEV);
    // rename(2): "EBUSY ... oldpath or newpath is a directory that is in use by some process";
    // Linux returns it for ".", ".." and "/" as either name.
    if (old_lookup.kind != LastComponent::Normal || new_lookup.kind != LastComponent::Normal)
        return Error(EBUSY);
    if (old_lookup.last.size() > name_max || new_lookup.last.size() > name_max)
        return Error(ENAMETOOLONG);
    if (old_lookup.parent->is_removed() || new_lookup.parent->is_removed())
        return Error(ENOENT);
    RefPtr<Inode> source = TRY(old_lookup.parent->lookup(old_lookup.last));
    if (!source)
        return Error(ENOENT);
    // Trailing slashes are allowed only when renaming a directory.
    if (!source->is_directory() && (old_lookup.trailing_slash || new_lookup.trailing_slash))
        return Error(ENOTDIR);
    // Both parents are of one file system: ramfs, or one that renames nothing.
    auto* old_parent = TRY(changeable(*old_lookup.parent));
    auto* new_parent = TRY(changeable(*new_lookup.parent));
    RefPtr<Inode> target = new_parent->find(new_lookup.last);
    // Linux's vfs_rename(): a mount point on either side is EBUSY.
    if (is_mount_point(*old_parent, *source) || (target && is_mount_point(*new_parent, *target)))
        return Error(EBUSY);
    if (target && (flags & RENAME_NOREPLACE))
        return Error(EEXIST);
    // rename(2): "EINVAL The new pathname contained a path prefix of the old".
    if (source->is_directory() && is_same_or_ancestor(static_cast<Directory&>(*source), *new_parent))
        return Error(EINVAL);
    // rename(2): "If oldpath and newpath are existing hard links referring to the same file,
    // then rename() does nothing, and returns a success status."
    if (target == source)
        return {};
    // vfs_rename()'s may_delete() and may_create(); a directory moving to another parent also
    // needs write permission on itself, for its "..".
    auto const& identity = old_walker.identity();
    TRY(check_may_delete(*old_parent, *source, identity));
    if (target)
        TRY(check_may_delete(*new_parent, *target, identity));
    else
        TRY(check_may_create(*new_parent, identity));
    if (source->is_directory() && old_parent != new_parent)
        TRY(check_permission(*source, W_OK, identity));
    if (target) {
        if (source->is_directory() && !target->is_directory())
            return Error(ENOTDIR);
        if (!source->is_directory() && target->is_directory())
            return Error(EISDIR);
        if (target->is_directory() && !static_cast<RamDirectory&>(*target).is_empty())
            return Error(ENOTEMPTY);
        if (target.ptr() == &context.root())
            return Error(EBUSY);
    }

    // Link the new name first: it is the only step that allocates, so a failure leaves both
    // names as they were.
    if (target)
        new_parent->replace_entry(new_lookup.last, source);
    else
        TRY(new_parent->add_entry(new_lookup.last, source));
    MUST(old_parent->remove_entry(old_lookup.last, true));
    source->touch_change_time();
    // fsnotify_move(): both names with one cookie, the replaced file's link count, the moved
    // file itself; the replaced file's watches end when it has no name left.
    uint32_t cookie = next_move_cookie();
    notify_entry(*old_parent, old_lookup.last, in_moved_from, *source, cookie);
    notify_entry(*new_parent, new_lookup.last, in_moved_to, *source, cookie);
    if (target)
        notify_file(*target, nullptr, {}, in_attrib);
    notify_file(*source, nullptr, {}, in_move_self);
    if (target)
        notify_name_removed(*target);
    return {};
}

ErrorOr<void> check_access(Inode const& inode, int mode, lib::Identity const& identity)
{
    if (mode & ~(R_OK | W_OK | X_OK))
        return Error(EINVAL);
    return check_permission(inode, mode, identity);
}

ErrorOr<void> check_executable(Inode const& inode, lib::Identity const& identity)
{
    if (!inode.is_regular_file())
        return Error(EACCES);
    return check_permission(inode, X_OK, identity);
}

ErrorOr<void> truncate_inode(Inode& inode, int64_t length)
{
    if (length < 0)
        return Error(EINVAL);
    if (inode.is_directory())
        return Error(EISDIR);
    if (!inode.is_regular_file())
        return Error(EINVAL);
    TRY(inode.truncate(uint64_t(length)));
    notify_file(inode, nullptr, {}, in_modify);
    return {};
}

ErrorOr<void> change_directory(FsContext& context, RefPtr<Inode> inode)
{
    if (!inode->is_directory())
        return Error(ENOTDIR);
    TRY(check_search(static_cast<Directory&>(*inode), caller_identity()));
    context.set_cwd(RefPtr<Directory>(static_cast<Directory*>(inode.ptr())));
    return {};
}

// The path of `directory` from `top` (or from the tree's root when `top` is null).
static ErrorOr<String> path_from(Directory const* top, Directory& directory)
{
    // Collect the names from the directory up, then emit them in reverse.
    Vector<String> names;
    Directory* current = &directory;
    while (current != top && !current->is_root()) {
        auto* parent = current->parent();
        auto name = TRY(parent->name_of(*current));
        if (name.is_empty())
            return Error(ENOENT);
        TRY(names.try_append(std::move(name)));
        current = parent;
    }
    if (names.is_empty())
        return String::try_create("/");
    String path;
    for (size_t index = names.size(); index-- > 0;) {
        TRY(path.try_append("/"));
        TRY(path.try_append(names[index].view()));
    }
    return path;
}

ErrorOr<String> absolute_path_of(FsContext const& context, Directory& directory)
{
    if (directory.is_removed())
        return Error(ENOENT);
    return path_from(&context.root(), directory);
}

ErrorOr<String> absolute_path_of(Directory& directory)
{
    if (directory.is_removed())
        return Error(ENOENT);
    return path_from(nullptr, directory);
}

// The path of the nearest directory at or above `directory` that is still in the tree, with
// " (deleted)" after it when that is not `directory` itself. A removed directory's name is
// gone with its entry, so Linux's "/a/b (deleted)" becomes "/a (deleted)" here.
static ErrorOr<String> surviving_path_of(Directory& directory, bool& deleted)
{
    Directory* current = &directory;
    deleted = false;
    while (current->is_removed()) {
        deleted = true;
        current = current->parent();
    }
    return path_from(nullptr, *current);
}

ErrorOr<String> path_of(Directory& directory)
{
    bool deleted = false;
    auto path = TRY(surviving_path_of(directory, deleted));
    if (deleted)
        TRY(path.try_append(" (deleted)"));
    return path;
}

ErrorOr<String> path_of(OpenFileDescription const& description)
{
    auto& inode = description.inode();
    bool deleted = false;
    String path;
    if (inode.is_directory()) {
        path = TRY(surviving_path_of(static_cast<Directory&>(inode), deleted));
    } else if (auto* parent = description.parent()) {
        path = TRY(surviving_path_of(*parent, deleted));
        // The name it was opened by, unless it has been renamed within the directory since.
        String renamed;
        std::string_view name = description.name();
        if (!deleted && TRY(parent->lookup(name)).ptr() != &inode) {
            renamed = TRY(parent->name_of(inode));
            if (!renamed.is_empty())
                name = renamed.view();
            else if (inode.link_count() == 0 && inode.is_regular_file())
                deleted = true; // (devices that were never linked, like the console twin, are not)
        }
        if (path.view() != "/")
            TRY(path.try_append("/"));
        TRY(path.try_append(name));
    } else {
        return inode.anonymous_path();
    }
    if (deleted)
        TRY(path.try_append(" (deleted)"));
    return path;
}

ErrorOr<void> set_times(Inode& inode, Timespec const* times)
{
    Timespec now = current_time();
    if (!times) {
        inode.set_times(now, now);
        inode.touch_change_time();
        notify_file(inode, nullptr, {}, in_attrib);
        return {};
    }
    for (int index = 0; index < 2; ++index) {
        auto nanoseconds = times[index].nanoseconds;
        if (nanoseconds != UTIME_NOW && nanoseconds != UTIME_OMIT && (nanoseconds < 0 || nanoseconds >= 1'000'000'000))
            return Error(EINVAL);
    }
    auto pick = [&](Timespec const& time, Timespec current) {
        if (time.nanoseconds == UTIME_NOW)
            return now;
        if (time.nanoseconds == UTIME_OMIT)
            return current;
        return time;
    };
    if (times[0].nanoseconds == UTIME_OMIT && times[1].nanoseconds == UTIME_OMIT)
        return {};
    inode.set_times(pick(times[0], inode.access_time()), pick(times[1], inode.modification_time()));
    inode.touch_change_time();
    // fsnotify_change(): both times are IN_ATTRIB, the access time alone IN_ACCESS, the
    // modification time alone IN_MODIFY.
    bool access = times[0].nanoseconds != UTIME_OMIT;
    bool modification = times[1].nanoseconds != UTIME_OMIT;
    notify_file(inode, nullptr, {}, access && modification ? in_attrib : access ? in_access : in_modify);
    return {};
}

}
