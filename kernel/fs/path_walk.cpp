#include <fs/path_walk.h>

namespace fs {

ErrorOr<void> PathWalker::count_link()
{
    if (++m_links_followed > max_symlink_follows)
        return Error(ELOOP);
    return {};
}

ErrorOr<RefPtr<Directory>> PathWalker::parent_of(Directory& directory)
{
    // ".." at the process's root stays there, so nothing can climb out of it.
    if (&directory == &m_context.root())
        return RefPtr<Directory>(directory);
    auto* parent = directory.parent();
    if (!parent)
        return Error(ENOENT);
    return RefPtr<Directory>(*parent);
}

ErrorOr<RefPtr<Inode>> PathWalker::follow_link(Directory& directory, Symlink const& link)
{
    TRY(count_link());
    RefPtr<Directory> jump_parent;
    if (auto jumped = TRY(link.jump_target(jump_parent))) {
        m_last_parent = std::move(jump_parent);
        return jumped;
    }
    if (link.target().empty())
        return Error(ENOENT);
    // The target is walked while this frame holds the link alive through its caller.
    return resolve(directory, link.target(), Follow::Yes);
}

ErrorOr<RefPtr<Directory>> PathWalker::step(Directory& directory, std::string_view name)
{
    if (name == ".")
        return RefPtr<Directory>(directory);
    if (name == "..")
        return parent_of(directory);
    if (name.size() > name_max)
        return Error(ENAMETOOLONG);
    if (directory.is_removed())
        return Error(ENOENT);
    RefPtr<Inode> child = TRY(directory.lookup(name));
    if (!child)
        return Error(ENOENT);
    if (child->is_symlink())
        child = TRY(follow_link(directory, static_cast<Symlink const&>(*child)));
    if (!child->is_directory())
        return Error(ENOTDIR);
    return RefPtr<Directory>(static_cast<Directory*>(child.ptr()));
}

ErrorOr<ParentLookup> PathWalker::walk_to_parent(Inode& base, std::string_view path)
{
    if (path.empty())
        return Error(ENOENT);
    if (path.size() >= path_max)
        return Error(ENAMETOOLONG);
    RefPtr<Directory> current;
    if (path.front() == '/') {
        current = m_context.root();
    } else {
        if (!base.is_directory())
            return Error(ENOTDIR);
        current = static_cast<Directory&>(base);
    }

    size_t position = 0;
    auto skip_slashes = [&] {
        while (position < path.size() && path[position] == '/')
            ++position;
    };
    skip_slashes();
    if (position == path.size())
        return ParentLookup { current, {}, LastComponent::Root, false };

    while (true) {
        // Linux's may_lookup(): before each component, the last one included.
        TRY(check_search(*current, m_identity));
        size_t end = path.find('/', position);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view name = path.substr(position, end - position);
        position = end;
        skip_slashes();
        if (position == path.size()) {
            auto kind = name == "." ? LastComponent::Dot : name == ".." ? LastComponent::DotDot : LastComponent::Normal;
            return ParentLookup { current, name, kind, end != path.size() };
        }
        current = TRY(step(*current, name));
    }
}

ErrorOr<RefPtr<Inode>> PathWalker::resolve_last(ParentLookup const& lookup, Follow follow)
{
    RefPtr<Inode> result;
    m_last_parent = nullptr;
    switch (lookup.kind) {
    case LastComponent::Root:
        return RefPtr<Inode>(m_context.root());
    case LastComponent::Dot:
        return RefPtr<Inode>(*lookup.parent);
    case LastComponent::DotDot:
        return RefPtr<Inode>(TRY(parent_of(*lookup.parent)));
    case LastComponent::Normal:
        break;
    }
    result = TRY(lookup.find_entry());
    if (!result)
        return Error(ENOENT);
    m_last_parent = lookup.parent;
    // A trailing slash asks for a directory, so a symlink before it is followed even by
    // lstat(2) and O_NOFOLLOW, as Linux does.
    if (result->is_symlink() && (follow == Follow::Yes || lookup.trailing_slash))
        result = TRY(follow_link(*lookup.parent, static_cast<Symlink const&>(*result)));
    if (lookup.trailing_slash && !result->is_directory())
        return Error(ENOTDIR);
    return result;
}

ErrorOr<RefPtr<Inode>> PathWalker::resolve(Inode& base, std::string_view path, Follow follow)
{
    auto lookup = TRY(walk_to_parent(base, path));
    return resolve_last(lookup, follow);
}

ErrorOr<RefPtr<Inode>> ParentLookup::find_entry() const
{
    if (last.size() > name_max)
        return Error(ENAMETOOLONG);
    if (parent->is_removed())
        return Error(ENOENT);
    return parent->lookup(last);
}

}
