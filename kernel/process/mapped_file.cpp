#include <fs/fd_table.h>
#include <fs/open_file_description.h>
#include <mm/mapped_files.h>
#include <process/process.h>

namespace {

// A file mapping reads its pages through the description it was created from, so it keeps
// working after the descriptor is closed, as on Linux; a shared one maps the file's own pages
// where the file system has them (ramfs).
class DescriptionMapping final : public mm::MappedFile {
public:
    explicit DescriptionMapping(RefPtr<fs::OpenFileDescription> description)
        : m_description(std::move(description))
    {
    }
    ErrorOr<size_t> read_at(uint64_t offset, void* buffer, size_t length) override
    {
        return m_description->read_at(offset, { static_cast<uint8_t*>(buffer), length });
    }
    ErrorOr<uint64_t> shared_frame(uint64_t offset) override { return m_description->inode().shared_frame(offset); }
    bool holds_page(uint64_t offset) const override { return m_description->inode().holds_page(offset); }

private:
    RefPtr<fs::OpenFileDescription> m_description;
};

}

namespace mm {

ErrorOr<OpenedMapping> open_mapped_file(int fd, int prot, bool shared)
{
    auto description = TRY(process::current().fd_table().get(fd));
    if (description->is_path_only())
        return Error(EBADF);
    auto& inode = description->inode();
    if (!inode.is_regular_file())
        return Error(inode.is_directory() ? ENODEV : EACCES);
    // mmap(2): EACCES when the file is not open for reading, or a shared writable mapping is
    // asked of a file not open for writing.
    if (!description->is_readable())
        return Error(EACCES);
    if (shared && (prot & mm::prot_write) && !description->is_writable())
        return Error(EACCES);
    // Writes through the mapping must reach the file: only files with shareable pages.
    if (shared && (prot & mm::prot_write) && !inode.has_shared_frames())
        return Error(ENODEV);
    uint64_t size = inode.size();
    auto* mapping = new (std::nothrow) DescriptionMapping(std::move(description));
    if (!mapping)
        return Error(ENOMEM);
    return OpenedMapping { RefPtr<MappedFile>::adopt(mapping), size };
}

}
