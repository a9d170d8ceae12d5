#pragma once

#include <cstdint>
#include <string_view>

#include <fs/inode.h>

// The file system's event hooks (Linux's fsnotify): the VFS operations report what happened to
// an inode, and whoever watches it (inotify, CONFIG_FS_INOTIFY) gets told through the
// NotifyMarks it attached to the inode. Nothing here knows about inotify: without a watcher
// every hook is a null check.
namespace fs {

class Directory;
class OpenFileDescription;

// inotify(7)'s event bits, which are Linux's FS_* bits too.
constexpr uint32_t in_access = 0x1;
constexpr uint32_t in_modify = 0x2;
constexpr uint32_t in_attrib = 0x4;
constexpr uint32_t in_close_write = 0x8;
constexpr uint32_t in_close_nowrite = 0x10;
constexpr uint32_t in_open = 0x20;
constexpr uint32_t in_moved_from = 0x40;
constexpr uint32_t in_moved_to = 0x80;
constexpr uint32_t in_create = 0x100;
constexpr uint32_t in_delete = 0x200;
constexpr uint32_t in_delete_self = 0x400;
constexpr uint32_t in_move_self = 0x800;
constexpr uint32_t in_unmount = 0x2000;
constexpr uint32_t in_q_overflow = 0x4000;
constexpr uint32_t in_ignored = 0x8000;
constexpr uint32_t in_onlydir = 0x0100'0000;
constexpr uint32_t in_dont_follow = 0x0200'0000;
constexpr uint32_t in_excl_unlink = 0x0400'0000;
constexpr uint32_t in_mask_create = 0x1000'0000;
constexpr uint32_t in_mask_add = 0x2000'0000;
constexpr uint32_t in_isdir = 0x4000'0000;
constexpr uint32_t in_oneshot = 0x8000'0000;
constexpr uint32_t in_all_events = 0xfff;

// What a watcher attaches to an inode (Inode::set_notify_marks()).
class NotifyMarks {
public:
    // An event on `inode` itself (empty `name`) or on its entry `name` when `inode` is the
    // directory holding it; `child` is the inode the event is about when known (IN_EXCL_UNLINK).
    virtual void handle_event(Inode& inode, uint32_t mask, uint32_t cookie, std::string_view name, Inode const* child) = 0;
    // The inode lost its last name: IN_DELETE_SELF, then every watch ends (IN_IGNORED).
    virtual void inode_removed(Inode&) = 0;

protected:
    ~NotifyMarks() = default;
};

// An event on a file, told to its own watchers and to those of `parent` (the directory it was
// found in, may be null) with its `name` there. IN_ISDIR is added for directories.
void notify_file(Inode&, Directory* parent, std::string_view name, uint32_t mask);
// The same for the file of an open description, with the place open(2) found it.
void notify_description(OpenFileDescription&, uint32_t mask);
// An event on the entry `name` of `directory` (IN_CREATE, IN_DELETE, IN_MOVED_FROM/TO).
void notify_entry(Inode& directory, std::string_view name, uint32_t mask, Inode const& child, uint32_t cookie = 0);
// `inode` lost a name: IN_DELETE_SELF and the end of its watches once it has none left.
void notify_name_removed(Inode&);
// A cookie that ties IN_MOVED_FROM to its IN_MOVED_TO.
uint32_t next_move_cookie();

}
