#pragma once

namespace plat {

// Serial ports, interrupt controllers and the boot timestamp.
void initialize_platform();

}
