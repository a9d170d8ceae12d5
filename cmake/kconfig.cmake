# Kconfig through kconfiglib: the defconfig (or an existing .config edited with
# `cmake --build --target menuconfig`) becomes .config, kernel/include/generated/config.h and
# CONFIG_* variables in CMake.
set(UNIFORK_KCONFIG_PYTHON /usr/bin/python3 CACHE FILEPATH "Python interpreter that has Debian's python3-kconfiglib")
set(UNIFORK_DOTCONFIG "${CMAKE_BINARY_DIR}/.config")
set(UNIFORK_CONFIG_HEADER_DIR "${CMAKE_BINARY_DIR}/generated")
set(UNIFORK_CONFIG_CMAKE "${CMAKE_BINARY_DIR}/generated/config.cmake")

file(GLOB_RECURSE UNIFORK_KCONFIG_FILES CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/Kconfig" "${CMAKE_SOURCE_DIR}/kernel/*Kconfig")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${UNIFORK_KCONFIG_FILES} "${UNIFORK_DEFCONFIG}")

execute_process(
  COMMAND ${CMAKE_COMMAND} -E env srctree=${CMAKE_SOURCE_DIR} "${UNIFORK_KCONFIG_PYTHON}" "${CMAKE_SOURCE_DIR}/scripts/kconfig.py"
          --kconfig "${CMAKE_SOURCE_DIR}/Kconfig"
          --defconfig "${UNIFORK_DEFCONFIG}"
          --dotconfig "${UNIFORK_DOTCONFIG}"
          --header "${UNIFORK_CONFIG_HEADER_DIR}/config.h"
          --cmake "${UNIFORK_CONFIG_CMAKE}"
  WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
  RESULT_VARIABLE kconfig_result)
if(NOT kconfig_result EQUAL 0)
  message(FATAL_ERROR "Kconfig failed; is python3-kconfiglib installed? (scripts/install-deps.sh)")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${UNIFORK_DOTCONFIG}")
include("${UNIFORK_CONFIG_CMAKE}")

add_custom_target(menuconfig
  COMMAND ${CMAKE_COMMAND} -E env KCONFIG_CONFIG=${UNIFORK_DOTCONFIG} srctree=${CMAKE_SOURCE_DIR} "${UNIFORK_KCONFIG_PYTHON}" -m menuconfig "${CMAKE_SOURCE_DIR}/Kconfig"
  COMMAND ${CMAKE_COMMAND} "${CMAKE_BINARY_DIR}"
  WORKING_DIRECTORY "${CMAKE_SOURCE_DIR}"
  USES_TERMINAL
  COMMENT "Editing ${UNIFORK_DOTCONFIG}; the next build regenerates config.h")
