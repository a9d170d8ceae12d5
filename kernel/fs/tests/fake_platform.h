#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <plat/console.h>

namespace fake_platform {

extern std::string output;
extern std::string error;
// What the console asked the host for, and where the host's answers go.
extern std::vector<size_t> input_requests;
extern plat::ConsoleInputHandler input_handler;
extern uint64_t realtime;
// File pages handed to mappings (fs::map_file_page).
extern size_t mapped_file_pages;
void reset();

}
