#include <fs/abi.h>
#include <fs/fs.h>

#include "support.h"

namespace fs::syscalls {

// memfd_create(2): an anonymous regular file in memory, read-write, that can be mapped shared.
// Sealing (MFD_ALLOW_SEALING) is accepted, though no seal can be added yet; huge pages are
// EINVAL, as on a Linux without hugetlbfs.
static ErrorOr<long> create_memfd(uintptr_t name_address, unsigned flags)
{
    constexpr unsigned mfd_cloexec = 0x1, mfd_allow_sealing = 0x2, mfd_hugetlb = 0x4, mfd_noexec_seal = 0x8, mfd_exec = 0x10;
    // The name shows as "memfd:NAME" and Linux caps it at 249 bytes (NAME_MAX minus the prefix).
    constexpr size_t max_name_length = 249;
    if (flags & ~(mfd_cloexec | mfd_allow_sealing | mfd_hugetlb | mfd_noexec_seal | mfd_exec))
        return Error(EINVAL);
    if ((flags & mfd_hugetlb) || ((flags & mfd_exec) && (flags & mfd_noexec_seal)))
        return Error(EINVAL);
    auto name = TRY(copy_string_from_user(name_address, max_name_length, EINVAL));
    auto file = TRY(RegularFile::create(vfs().file_system(), 0777));
    file->set_memfd_name(std::move(name));
    auto description = TRY(OpenFileDescription::create(file, O_RDWR | linux_o_largefile));
    return TRY(current_fd_table().allocate(std::move(description), flags & mfd_cloexec));
}

}

SYSCALL_HANDLER(memfd_create) { return fs::syscalls::create_memfd(args[0], unsigned(args[1])); }
