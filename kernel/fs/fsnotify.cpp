// The file system's event hooks: the VFS reports, watchers (inotify) listen. Linux's
// include/linux/fsnotify.h.
#include <fs/directory.h>
#include <fs/fsnotify.h>
#include <fs/open_file_description.h>

namespace fs {

void notify_file(Inode& inode, Directory* parent, std::string_view name, uint32_t mask)
{
    if (inode.is_directory())
        mask |= in_isdir;
    // fsnotify_parent(): the directory's watchers hear of events on its entries, by name.
    if (parent && !name.empty()) {
        if (auto* marks = parent->notify_marks())
            marks->handle_event(*parent, mask, 0, name, &inode);
    }
    if (auto* marks = inode.notify_marks())
        marks->handle_event(inode, mask, 0, {}, &inode);
}

void notify_description(OpenFileDescription& description, uint32_t mask)
{
    notify_file(description.inode(), description.parent(), description.name(), mask);
}

void notify_entry(Inode& directory, std::string_view name, uint32_t mask, Inode const& child, uint32_t cookie)
{
    if (child.is_directory())
        mask |= in_isdir;
    if (auto* marks = directory.notify_marks())
        marks->handle_event(directory, mask, cookie, name, &child);
}

void notify_name_removed(Inode& inode)
{
    auto* marks = inode.notify_marks();
    if (!marks)
        return;
    bool gone = inode.is_directory() ? static_cast<Directory&>(inode).is_removed() : inode.link_count() == 0;
    if (gone)
        marks->inode_removed(inode);
}

uint32_t next_move_cookie()
{
    static uint32_t s_cookie;
    return ++s_cookie;
}

}
