# SPDX-License-Identifier: MIT
#
# Removes what an install of a build tree wrote, as its install_manifest.txt
# lists it, then ringer's own directories (include/ringer, lib/cmake/ringer,
# ...) when nothing is left in them.  Shared directories (bin, lib, include,
# share/man/man3) stay, even empty: other software may expect them.
#
#   cmake -DMANIFEST=build/install_manifest.txt -DHEADER=include/ringer.h \
#         -DOWN_DIRS="include/ringer;lib/cmake/ringer" -P cmake/uninstall.cmake
#
# HEADER, a file every install writes, relative to the prefix, tells the
# prefix (the manifest has absolute paths, DESTDIR included); OWN_DIRS are
# relative to it.  The uninstall target of the top-level CMakeLists.txt passes
# them.
if(NOT MANIFEST)
	message(FATAL_ERROR "uninstall: MANIFEST (the install_manifest.txt) not given")
endif()
if(NOT EXISTS "${MANIFEST}")
	message(FATAL_ERROR "uninstall: ${MANIFEST} does not exist: nothing was installed from this build tree")
endif()

file(STRINGS "${MANIFEST}" files)
set(prefix "")
set(failed 0)
foreach(f IN LISTS files)
	if(HEADER AND f MATCHES "^(.*)/${HEADER}$")
		set(prefix "${CMAKE_MATCH_1}")
	endif()
	if(IS_SYMLINK "${f}" OR EXISTS "${f}")
		message(STATUS "Removing ${f}")
		file(REMOVE "${f}")
		if(IS_SYMLINK "${f}" OR EXISTS "${f}")
			message(WARNING "uninstall: could not remove ${f}")
			set(failed 1)
		endif()
	else()
		message(STATUS "Not installed: ${f}")
	endif()
endforeach()

if(prefix)
	foreach(d IN LISTS OWN_DIRS)
		set(d "${prefix}/${d}")
		if(NOT IS_DIRECTORY "${d}")
			continue()
		endif()
		file(GLOB_RECURSE left LIST_DIRECTORIES false "${d}/*")
		if(left)
			message(STATUS "Keeping ${d}: files not installed from here remain")
		else()
			message(STATUS "Removing directory ${d}")
			file(REMOVE_RECURSE "${d}")
		endif()
	endforeach()
endif()
if(failed)
	message(FATAL_ERROR "uninstall: some files could not be removed")
endif()
