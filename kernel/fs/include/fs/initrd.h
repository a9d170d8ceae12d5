#pragma once

#include <cstdint>
#include <span>

#include <fs/fs_context.h>
#include <fs/inode.h>
#include <fs/procfs.h>
#include <fs/ramfs.h>
#include <lib/own_ptr.h>

// Boot-time setup of the machine's file system tree.
namespace fs {

// The file system tree of the whole machine: the ramfs root, with /dev when CONFIG_FS_DEVFS is
// set and procfs mounted at /proc when CONFIG_FS_PROCFS is; and the console the initial
// descriptors use.
class Vfs {
public:
    static ErrorOr<OwnPtr<Vfs>> create();

    RamFileSystem& file_system() const { return *m_file_system; }
    RamDirectory& root() const { return m_file_system->root(); }
    // Root as both root and working directory, umask 022: for the kernel's own lookups.
    FsContext& kernel_context() const { return *m_kernel_context; }
    // /dev/console's inode (standard output) and its twin that writes standard error.
    Inode& console() const { return *m_console; }
    Inode& error_console() const { return *m_error_console; }
    // /dev, null without devfs.
    RamDirectory* dev() const { return m_dev.ptr(); }
    // What is mounted where, for /proc/mounts.
    MountTable const& mounts() const { return m_mounts; }

private:
    Vfs() = default;
    OwnPtr<RamFileSystem> m_file_system;
    OwnPtr<ProcFileSystem> m_proc_file_system;
    MountTable m_mounts;
    RefPtr<FsContext> m_kernel_context;
    RefPtr<RamDirectory> m_dev;
    RefPtr<Inode> m_console;
    RefPtr<Inode> m_error_console;
};

// Creates the machine's tree: the ramfs root, /dev and /proc. Call once at boot, before
// anything else here.
ErrorOr<void> initialize_root();
// The tree initialize_root() made, and its root directory.
Vfs& vfs();
RamDirectory& root_directory();
// Unpacks the initrd (a newc cpio archive) into the root; on EINVAL `reason` says what is
// malformed.
ErrorOr<void> unpack_initrd(std::span<uint8_t const> archive, char const** reason);
// A process's first FsContext: root and working directory "/", umask 022.
ErrorOr<RefPtr<FsContext>> create_initial_fs_context();

}
