#include <new>

#include <fs/fs_context.h>

namespace fs {

ErrorOr<RefPtr<FsContext>> FsContext::create(RefPtr<Directory> root)
{
    auto* pointer = new (std::nothrow) FsContext(std::move(root));
    if (!pointer)
        return Error(ENOMEM);
    return RefPtr<FsContext>::adopt(pointer);
}

ErrorOr<RefPtr<FsContext>> FsContext::try_clone() const
{
    auto clone = TRY(create(m_root));
    clone->m_cwd = m_cwd;
    clone->m_umask = m_umask;
    return clone;
}

}
