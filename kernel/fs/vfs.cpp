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

ErrorOr<RefPtr<Inode>> resolve_path(FsContext const& context, Inode& base, std::string_view path, Follow follow, bool allow_empty)
{
    if (path.empty() && allow_empty)
        return RefPtr<Inode>(base);
    PathWalker walker(context);
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

// Finds the inode open(2) works on, creating a regular file for O_CREAT. A symlink met as the
// last component is followed by opening its target with the same flags, so O_CREAT through a
// dangling symlink creates the target, as on Linux.
static ErrorOr<RefPtr<Inode>> open_target(PathWalker& walker, Inode& base, std::string_view path, int flags, uint32_t mode)
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
    if (!existing)
        return lookup.parent->create_file(lookup.last, mode & 07777 & ~walker.context().umask());
    // O_EXCL: "If pathname is a symbolic link, then open() fails regardless of where the
    // symbolic link points."
    if (flags & O_EXCL)
        return Error(EEXIST);
    if (!existing->is_symlink() || follow == Follow::No)
        return existing;
    TRY(walker.count_link());
    auto& link = static_cast<Symlink const&>(*existing);
    if (link.target().empty())
        return Error(ENOENT);
    return open_target(walker, *lookup.parent, link.target(), flags, mode);
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
    auto inode = TRY(open_target(walker, base, path, flags, mode));

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
        // Linux truncates on O_TRUNC even with O_RDONLY ("unspecified" in POSIX).
        if ((flags & O_TRUNC) && inode->is_regular_file())
            TRY(inode->truncate(0));
    }

    // The description keeps what F_GETFL reports: creation flags and O_CLOEXEC are gone, and
    // x86_64 Linux always adds O_LARGEFILE.
    int kept = flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC);
    return OpenFileDescription::create(std::move(inode), kept | linux_o_largefile);
}

ErrorOr<void> make_directory(FsContext const& context, Inode& base, std::string_view path, uint32_t mode)
{
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, base, path, true));
    TRY(lookup.parent->create_directory(lookup.last, mode & 01777 & ~context.umask()));
    return {};
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
    if (!static_cast<Directory&>(*victim).is_empty())
        return Error(ENOTEMPTY);
    return lookup.parent->remove_entry(lookup.last);
}

ErrorOr<void> unlink(FsContext const& context, Inode& base, std::string_view path)
{
    PathWalker walker(context);
    auto lookup = TRY(walker.walk_to_parent(base, path));
    if (lookup.kind != LastComponent::Normal)
        return Error(EISDIR);
    auto* victim = TRY(lookup.find_entry());
    if (!victim)
        return Error(ENOENT);
    // unlink(2) on a directory is EISDIR on Linux (POSIX says EPERM). A trailing slash on
    // anything else is ENOTDIR; the name is not followed for either check.
    if (victim->is_directory())
        return Error(EISDIR);
    if (lookup.trailing_slash)
        return Error(ENOTDIR);
    return lookup.parent->remove_entry(lookup.last);
}

ErrorOr<void> make_symlink(FsContext const& context, std::string_view target, Inode& base, std::string_view path)
{
    if (target.empty())
        return Error(ENOENT);
    if (target.size() >= path_max)
        return Error(ENAMETOOLONG);
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, base, path, false));
    TRY(lookup.parent->create_symlink(lookup.last, target));
    return {};
}

ErrorOr<void> make_link(FsContext const& context, Inode& old_base, std::string_view old_path, Inode& new_base, std::string_view new_path, Follow follow, bool allow_empty)
{
    auto old_inode = TRY(resolve_path(context, old_base, old_path, follow, allow_empty));
    PathWalker walker(context);
    auto lookup = TRY(lookup_for_create(walker, new_base, new_path, false));
    // link(2): "EPERM oldpath is a directory."
    if (old_inode->is_directory())
        return Error(EPERM);
    // A file already unlinked everywhere cannot get a name back (only O_TMPFILE files can).
    if (old_inode->link_count() == 0)
        return Error(ENOENT);
    TRY(lookup.parent->add_entry(lookup.last, old_inode));
    old_inode->touch_change_time();
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
    // rename(2): "EBUSY ... oldpath or newpath is a directory that is in use by some process";
    // Linux returns it for ".", ".." and "/" as either name.
    if (old_lookup.kind != LastComponent::Normal || new_lookup.kind != LastComponent::Normal)
        return Error(EBUSY);
    if (old_lookup.last.size() > name_max || new_lookup.last.size() > name_max)
        return Error(ENAMETOOLONG);
    if (old_lookup.parent->is_removed() || new_lookup.parent->is_removed())
        return Error(ENOENT);
    RefPtr<Inode> source = old_lookup.parent->find(old_lookup.last);
    if (!source)
        return Error(ENOENT);
    // Trailing slashes are allowed only when renaming a directory.
    if (!source->is_directory() && (old_lookup.trailing_slash || new_lookup.trailing_slash))
        return Error(ENOTDIR);
    RefPtr<Inode> target = new_lookup.parent->find(new_lookup.last);
    if (target && (flags & RENAME_NOREPLACE))
        return Error(EEXIST);
    // rename(2): "EINVAL The new pathname contained a path prefix of the old".
    if (source->is_directory() && is_same_or_ancestor(static_cast<Directory&>(*source), *new_lookup.parent))
        return Error(EINVAL);
    // rename(2): "If oldpath and newpath are existing hard links referring to the same file,
    // then rename() does nothing, and returns a success status."
    if (target == source)
        return {};
    if (target) {
        if (source->is_directory() && !target->is_directory())
            return Error(ENOTDIR);
        if (!source->is_directory() && target->is_directory())
            return Error(EISDIR);
        if (target->is_directory() && !static_cast<Directory&>(*target).is_empty())
            return Error(ENOTEMPTY);
        if (target.ptr() == &context.root())
            return Error(EBUSY);
    }

    // Link the new name first: it is the only step that allocates, so a failure leaves both
    // names as they were.
    if (target)
        new_lookup.parent->replace_entry(new_lookup.last, source);
    else
        TRY(new_lookup.parent->add_entry(new_lookup.last, source));
    MUST(old_lookup.parent->remove_entry(old_lookup.last, true));
    source->touch_change_time();
    return {};
}

ErrorOr<void> check_access(Inode const& inode, int mode)
{
    if (mode & ~(R_OK | W_OK | X_OK))
        return Error(EINVAL);
    // We run everything as root: reading and writing are always allowed, and executing needs
    // one execute bit somewhere unless the inode is a directory (searching).
    if ((mode & X_OK) && !inode.is_directory() && !(inode.mode() & 0111))
        return Error(EACCES);
    return {};
}

ErrorOr<void> check_executable(Inode const& inode)
{
    if (!inode.is_regular_file() || !(inode.mode() & 0111))
        return Error(EACCES);
    return {};
}

ErrorOr<void> truncate_inode(Inode& inode, int64_t length)
{
    if (length < 0)
        return Error(EINVAL);
    if (inode.is_directory())
        return Error(EISDIR);
    if (!inode.is_regular_file())
        return Error(EINVAL);
    return inode.truncate(uint64_t(length));
}

ErrorOr<void> change_directory(FsContext& context, RefPtr<Inode> inode)
{
    if (!inode->is_directory())
        return Error(ENOTDIR);
    context.set_cwd(RefPtr<Directory>(static_cast<Directory*>(inode.ptr())));
    return {};
}

ErrorOr<String> absolute_path_of(FsContext const& context, Directory& directory)
{
    if (directory.is_removed())
        return Error(ENOENT);
    // Collect the names from the directory up, then emit them in reverse.
    Vector<std::string_view> names;
    Directory* current = &directory;
    while (current != &context.root() && !current->is_root()) {
        auto* parent = current->parent();
        TRY(names.try_append(parent->name_of(*current)));
        current = parent;
    }
    if (names.is_empty())
        return String::try_create("/");
    String path;
    for (size_t index = names.size(); index-- > 0;) {
        TRY(path.try_append("/"));
        TRY(path.try_append(names[index]));
    }
    return path;
}

ErrorOr<void> set_times(Inode& inode, Timespec const* times)
{
    Timespec now = current_time();
    if (!times) {
        inode.set_times(now, now);
        inode.touch_change_time();
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
    return {};
}

}
