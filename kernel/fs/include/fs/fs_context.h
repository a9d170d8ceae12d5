#pragma once

#include <cstdint>

#include <fs/ramfs.h>
#include <lib/own_ptr.h>

namespace fs {

// What path lookups of one process start from: its root, its working directory and its file
// creation mask. Reference counted so that clone(CLONE_FS) can share it; fork(2) copies it.
class FsContext : public RefCounted<FsContext> {
public:
    static constexpr uint32_t default_umask = 022;

    static ErrorOr<RefPtr<FsContext>> create(RefPtr<Directory> root);
    ErrorOr<RefPtr<FsContext>> try_clone() const;

    Directory& root() const { return *m_root; }
    Directory& cwd() const { return *m_cwd; }
    RefPtr<Directory> cwd_ref() const { return m_cwd; }
    void set_cwd(RefPtr<Directory> cwd) { m_cwd = std::move(cwd); }
    uint32_t umask() const { return m_umask; }
    void set_umask(uint32_t umask) { m_umask = umask & 0777; }

private:
    FsContext(RefPtr<Directory> root)
        : m_root(root)
        , m_cwd(std::move(root))
    {
    }

    RefPtr<Directory> m_root;
    RefPtr<Directory> m_cwd;
    uint32_t m_umask { default_umask };
};

// The calling process's context, which the syscall handlers work on. Defined by the process
// library.
FsContext& current_fs_context();

}
