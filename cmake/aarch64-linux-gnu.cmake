# Cross-compilation for 64-bit Arm with Debian's cross toolchain
# (gcc-aarch64-linux-gnu, g++-aarch64-linux-gnu; the target's libc is in
# /usr/aarch64-linux-gnu):
#
#   cmake -S . -B build-aarch64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
#
# With qemu-user installed, ctest runs the test programs through qemu-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(RINGER_CROSS_TRIPLE aarch64-linux-gnu)
set(CMAKE_C_COMPILER ${RINGER_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${RINGER_CROSS_TRIPLE}-g++)

# Libraries and headers of the target only: the build machine's
# /usr/lib/x86_64-linux-gnu (liburing, libaio) must not be picked up.
set(CMAKE_FIND_ROOT_PATH /usr/${RINGER_CROSS_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

find_program(RINGER_QEMU qemu-${CMAKE_SYSTEM_PROCESSOR})
if(RINGER_QEMU)
	set(CMAKE_CROSSCOMPILING_EMULATOR ${RINGER_QEMU} -L /usr/${RINGER_CROSS_TRIPLE})
endif()
