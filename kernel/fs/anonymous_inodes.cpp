#include <new>

#include <fs/anonymous_inodes.h>

namespace fs {

namespace {

class AnonymousInodeFileSystem final : public FileSystem {
public:
    explicit AnonymousInodeFileSystem(uint32_t device_minor)
        : FileSystem(device_minor)
    {
    }
    void fill_statfs(LinuxStatfs& statfs) const override
    {
        constexpr int64_t anon_inode_fs_magic = 0x09041934;
        FileSystem::fill_statfs(statfs);
        statfs.f_type = anon_inode_fs_magic;
    }
};

constexpr size_t kind_count = 5;
// The device minor of each kind's instance, in AnonymousInodeKind order.
constexpr uint32_t device_minors[kind_count] = { 13, 15, 16, 17, 18 };

alignas(AnonymousInodeFileSystem) unsigned char s_storage[kind_count][sizeof(AnonymousInodeFileSystem)];
AnonymousInodeFileSystem* s_file_systems[kind_count];

}

FileSystem& anonymous_inode_file_system(AnonymousInodeKind kind)
{
    auto index = size_t(kind);
    // Built in place on first use, so that no constructor order matters.
    if (!s_file_systems[index])
        s_file_systems[index] = new (s_storage[index]) AnonymousInodeFileSystem(device_minors[index]);
    return *s_file_systems[index];
}

}
