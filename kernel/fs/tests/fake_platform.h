#pragma once

#include <cstdint>
#include <string>

namespace fake_platform {

extern std::string output;
extern std::string error;
extern std::string input;
extern uint64_t realtime;
void reset();

}
