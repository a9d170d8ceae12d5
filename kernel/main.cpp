// The boot sequence: platform and CPU, memory, the file system from the initrd, then the
// application named by the launch file.
#include <arch/cpu.h>
#include <arch/traps.h>
#include <lib/assert.h>
#include <lib/format.h>
#include <mm/address_space.h>
#include <mm/memory.h>
#include <plat/interrupts.h>
#include <plat/platform.h>
#include <plat/pvh.h>
#include <process/boot.h>
#include <syscall/trace.h>

extern "C" char _kernel_physical_start[];
extern "C" char _kernel_end[];
extern "C" void (*__init_array_start[])();
extern "C" void (*__init_array_end[])();

namespace {

constexpr size_t max_ram_ranges = 32;

bool resolve_page_fault(uint64_t address, arch::FaultKind kind)
{
    return mm::resolve_page_fault_in_active(address, kind == arch::FaultKind::Write, kind == arch::FaultKind::Execute);
}

}

extern "C" [[noreturn]] void kernel_main(uint32_t start_info_physical)
{
    plat::initialize_platform();
    arch::initialize_traps();
    arch::initialize_cpu();
    plat::initialize_interrupts();

    auto const& start_info = *static_cast<plat::HvmStartInfo const*>(mm::physical_to_virtual(start_info_physical));
    if (start_info.magic != plat::hvm_start_magic)
        lib::panic("not started through PVH (start info magic %#x)", start_info.magic);

    mm::PhysicalRange ram[max_ram_ranges];
    size_t ram_count = 0;
    auto const* memory_map = static_cast<plat::HvmMemoryMapEntry const*>(mm::physical_to_virtual(start_info.memory_map_address));
    for (uint32_t i = 0; i < start_info.memory_map_entries && ram_count < max_ram_ranges; ++i) {
        if (memory_map[i].type == plat::hvm_memory_ram)
            ram[ram_count++] = { memory_map[i].address, memory_map[i].address + memory_map[i].size };
    }

    std::span<uint8_t const> initrd;
    if (start_info.module_count > 0) {
        auto const* module = static_cast<plat::HvmModule const*>(mm::physical_to_virtual(start_info.module_list_address));
        initrd = { static_cast<uint8_t const*>(mm::physical_to_virtual(module->address)), size_t(module->size) };
    }
    uint64_t initrd_physical = initrd.empty() ? 0 : mm::virtual_to_physical(initrd.data());
    mm::PhysicalRange reserved[] = {
        { reinterpret_cast<uint64_t>(_kernel_physical_start), mm::virtual_to_physical(_kernel_end) },
        { mm::page_round_down(initrd_physical), mm::page_round_up(initrd_physical + initrd.size()) },
    };
    mm::initialize_frames(ram, ram_count, reserved, initrd.empty() ? 1 : 2);

    for (auto* constructor = __init_array_start; constructor != __init_array_end; ++constructor)
        (*constructor)();

    mm::initialize_kernel_address_space();
    arch::set_page_fault_resolver(resolve_page_fault);
    syscall::initialize_table();

    process::boot_first_process(initrd, initrd_physical);
}
