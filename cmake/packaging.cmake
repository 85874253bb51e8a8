# SPDX-License-Identifier: MIT
#
# Debian packages with CPack, one per install component (the top-level
# CMakeLists.txt lists them): `make deb` configures a build tree for /usr
# and runs `cpack -G DEB` in it.
#   libringer0     runtime  the shared library
#   libringer-dev  dev      headers, static library, pkg-config, CMake package
#   ringer-tools   tools    the programs and the preload shim
# libringer-dev and ringer-tools depend on libringer0 of the same version;
# dpkg-shlibdeps adds what the binaries need from the system (libc6, libaio1).

set(CPACK_PACKAGE_NAME ringer)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "ringer")
set(CPACK_PACKAGE_CONTACT "ringer maintainers <ringer@localhost>")
# (no CPACK_PACKAGE_DESCRIPTION_SUMMARY: each package's synopsis is the first
# line of its component's description)
set(CPACK_RESOURCE_FILE_README ${PROJECT_SOURCE_DIR}/README.md)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
# The staging tree is the install tree under DESTDIR: ringer.pc and the
# CMake package name /usr, not the staging directory.
set(CPACK_SET_DESTDIR ON)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})

set(CPACK_COMPONENTS_ALL runtime dev tools)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # NAME_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# ringer-tools' programs need libringer.so.0, which no installed package
# has yet: dpkg-shlibdeps finds it in the build tree, and the Depends on
# libringer0 comes from the component dependency below.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS_PRIVATE_DIRS ${PROJECT_BINARY_DIR})
set(CPACK_DEBIAN_ENABLE_COMPONENT_DEPENDS ON)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME libringer0)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION libs)
# libringer0's shlibs file (libringer 0 libringer0 (= VERSION)): packages
# built against it depend on it.  Only libraries with a SONAME version are
# listed (not the shim, which is loaded by path).
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_COMPONENT_RUNTIME_DESCRIPTION
"io_uring with or without the kernel (shared library)
ringer is a liburing-compatible library with two backends: the kernel's
io_uring, and a user-space engine that runs the same rings where io_uring
is disabled, filtered (seccomp) or missing. RINGER_BACKEND chooses.
.
This package contains the shared library.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME libringer-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_COMPONENT_DEV_DEPENDS runtime)
set(CPACK_COMPONENT_DEV_DESCRIPTION
"io_uring with or without the kernel (development files)
ringer is a liburing-compatible library with two backends: the kernel's
io_uring, and a user-space engine that runs the same rings where io_uring
is disabled, filtered (seccomp) or missing.
.
This package contains the headers (ringer.h, and a liburing.h compatibility
header under /usr/include/ringer/compat), the static library, the pkg-config
file and the CMake package.")

set(CPACK_DEBIAN_TOOLS_PACKAGE_NAME ringer-tools)
set(CPACK_DEBIAN_TOOLS_PACKAGE_SECTION utils)
set(CPACK_COMPONENT_TOOLS_DEPENDS runtime)
set(CPACK_COMPONENT_TOOLS_DESCRIPTION
"io_uring with or without the kernel (programs)
ringer is a liburing-compatible library with two backends: the kernel's
io_uring, and a user-space engine that runs the same rings where io_uring
is disabled, filtered (seccomp) or missing.
.
This package contains the programs (ringer-cp, ringer-cat, ringer-echo,
ringer-bench, ringer-trace, ...) and the preload shim, which runs unmodified
io_uring programs on the user-space engine.")

include(CPack)
