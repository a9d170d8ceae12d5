#pragma once

#include <fs/inode.h>

namespace fs {

// Linux's anon_inodefs: the file system of descriptors that have no file of their own. Each
// kind gets an instance here, so that an inode's file system tells what the inode is (how
// EpollInstance::from() and its likes recognise theirs). statfs(2) reports anon_inodefs.
enum class AnonymousInodeKind {
    Epoll,
    EventFd,
    TimerFd,
    PidFd,
    Inotify,
};

FileSystem& anonymous_inode_file_system(AnonymousInodeKind);

// Whether `inode` lives in that kind's file system.
inline bool is_anonymous_inode_of(Inode const& inode, AnonymousInodeKind kind)
{
    return &inode.file_system() == &anonymous_inode_file_system(kind);
}

}
