#include <cstring>

#include <fs/directory.h>

namespace fs {

void DirectoryEntry::set_generated_name(std::string_view text)
{
    size_t length = text.size() < sizeof(name_storage) ? text.size() : sizeof(name_storage) - 1;
    memcpy(name_storage, text.data(), length);
    name_storage[length] = '\0';
    name = { name_storage, length };
}

// The listing's answer for directories that do not know their children by pointer: the entry
// whose inode number is the child's.
ErrorOr<String> Directory::name_of(Inode const& child)
{
    DirectoryEntry entry;
    for (uint64_t cookie = first_entry_cookie; TRY(entry_at_or_after(cookie, entry)); cookie = entry.cookie + 1) {
        if (entry.inode_number == child.number())
            return String::try_create(entry.name);
    }
    return String();
}

}
