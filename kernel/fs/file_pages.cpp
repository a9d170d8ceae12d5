#include <fs/file_pages.h>
#include <mm/memory.h>

namespace fs {

uint8_t* allocate_file_page()
{
    auto frame = mm::allocate_frame();
    if (frame.is_error())
        return nullptr;
    return static_cast<uint8_t*>(mm::physical_to_virtual(frame.value()));
}

void release_file_page(uint8_t* page)
{
    mm::release_frame(mm::virtual_to_physical(page));
}

uint64_t map_file_page(uint8_t* page)
{
    uint64_t frame = mm::virtual_to_physical(page);
    mm::reference_frame(frame);
    return frame;
}

}
