# Helpers for kernel libraries. Each library is an OBJECT library, so registrations that live
# in linker sections (syscall handlers, init hooks) are never dropped by the linker.
set(UNIFORK_KERNEL_CXX_FLAGS
  -ffreestanding -fno-exceptions -fno-rtti -fno-stack-protector -fno-threadsafe-statics
  -fno-use-cxa-atexit -mno-red-zone -mcmodel=kernel -mgeneral-regs-only -fno-pic -fno-pie
  -fno-omit-frame-pointer -fno-asynchronous-unwind-tables -fno-strict-aliasing
  -fno-delete-null-pointer-checks -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers
  -O2 -g)
set(UNIFORK_KERNEL_ASM_FLAGS -fno-pic -fno-pie)

set_property(GLOBAL PROPERTY UNIFORK_KERNEL_OBJECT_LIBRARIES "")

# unifork_kernel_library(name SOURCES ... [INCLUDE dirs...])
function(unifork_kernel_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;INCLUDE" ${ARGN})
  add_library(${name} OBJECT ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:${UNIFORK_KERNEL_CXX_FLAGS}>
    $<$<COMPILE_LANGUAGE:ASM>:${UNIFORK_KERNEL_ASM_FLAGS}>)
  target_compile_definitions(${name} PRIVATE UNIFORK_KERNEL=1)
  target_include_directories(${name} PRIVATE ${UNIFORK_KERNEL_INCLUDE_DIRS} ${ARG_INCLUDE})
  set_property(GLOBAL APPEND PROPERTY UNIFORK_KERNEL_OBJECT_LIBRARIES ${name})
endfunction()

# unifork_unit_test_build(target PUBLIC|PRIVATE): how everything the unit tests run is
# compiled: under ASan and UBSan (UNIFORK_SANITIZE), and unoptimised whatever the build type.
# The tests are small and run in seconds either way, but GoogleTest code compiles four to six
# times faster at -O0 than at -O2, and these objects are most of a full build.
function(unifork_unit_test_build target scope)
  target_compile_options(${target} ${scope} -O0)
  if(UNIFORK_SANITIZE)
    target_compile_options(${target} ${scope} -fsanitize=address,undefined -fno-omit-frame-pointer)
    target_link_options(${target} ${scope} -fsanitize=address,undefined)
  endif()
endfunction()

# unifork_host_library(name SOURCES ...): the same kernel sources built for the host, for unit
# tests under the sanitizers.
function(unifork_host_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${UNIFORK_KERNEL_INCLUDE_DIRS})
  target_compile_definitions(${name} PUBLIC UNIFORK_HOST=1)
  target_compile_options(${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(ARG_LIBRARIES)
    target_link_libraries(${name} PUBLIC ${ARG_LIBRARIES})
  endif()
  unifork_unit_test_build(${name} PUBLIC)
  # Only the unit tests link these; the per-level builds leave them out.
  if(NOT UNIFORK_BUILD_UNIT_TESTS)
    set_target_properties(${name} PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
endfunction()

# unifork_host_test(name SOURCES ... LIBRARIES ...)
# With UNIFORK_BUILD_UNIT_TESTS off the target exists but is neither built by default nor
# registered with ctest.
function(unifork_host_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT UNIFORK_BUILD_UNIT_TESTS)
    add_executable(${name} EXCLUDE_FROM_ALL ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} GTest::gtest_main)
    return()
  endif()
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_LIBRARIES} GTest::gtest_main)
  unifork_unit_test_build(${name} PRIVATE)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 30 PROPERTIES LABELS unit)
endfunction()
