# What `cmake --install build --prefix P` puts under P (GNUInstallDirs):
#   bin/hue
#   lib/libhue.a, lib/libhue.so (SONAME libhue.so.<ABI version>)
#   include/hue/hue.h and the public headers it includes
#   lib/pkgconfig/libhue.pc
#   lib/cmake/hue/: find_package(hue), targets hue::hue and hue::hue_static
#   share/man/man1/hue.1, hue-CMD.1 for every command
#   share/bash-completion/completions/hue
#   share/doc/hue/examples/: a program using libhue, and its CMakeLists.txt
# Included from the top-level CMakeLists.txt once the hue target exists.
include(CMakePackageConfigHelpers)

# HUE_PUBLIC_HEADERS (cmake/libhue.cmake): the API of hue.h.
configure_file(cmake/hue.h.in ${CMAKE_BINARY_DIR}/include/hue/hue.h @ONLY)
install(FILES ${HUE_PUBLIC_HEADERS} ${CMAKE_BINARY_DIR}/include/hue/hue.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hue)

install(TARGETS hue RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS hue_lib hue_shared EXPORT hue-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})

# CMake package: lib/cmake/hue/, relocatable.
set(HUE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hue)
install(EXPORT hue-targets NAMESPACE hue:: DESTINATION ${HUE_CMAKE_DIR})
configure_package_config_file(cmake/hue-config.cmake.in ${CMAKE_BINARY_DIR}/hue-config.cmake
  INSTALL_DESTINATION ${HUE_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_BINARY_DIR}/hue-config-version.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/hue-config.cmake ${CMAKE_BINARY_DIR}/hue-config-version.cmake
  DESTINATION ${HUE_CMAKE_DIR})

# pkg-config: libhue.pc. Libraries become -L/-l flags (no -L for the
# compiler's own directories).
function(hue_pc_flags out)
  set(flags "")
  foreach(lib ${ARGN})
    if(IS_ABSOLUTE "${lib}")
      get_filename_component(dir "${lib}" DIRECTORY)
      get_filename_component(name "${lib}" NAME_WE)
      string(REGEX REPLACE "^lib" "" name "${name}")
      if(NOT dir IN_LIST CMAKE_C_IMPLICIT_LINK_DIRECTORIES AND NOT "-L${dir}" IN_LIST flags)
        list(APPEND flags "-L${dir}")
      endif()
      list(APPEND flags "-l${name}")
    else()
      list(APPEND flags "-l${lib}")
    endif()
  endforeach()
  list(REMOVE_DUPLICATES flags)
  string(JOIN " " flags ${flags})
  set(${out} "${flags}" PARENT_SCOPE)
endfunction()
set(HUE_PC_DEPS ${DNNL_LIBRARY} ${OpenMP_C_LIB_NAMES} m)
set(HUE_PC_MPI_NOTE "")
if(MPI_C_FOUND)
  list(APPEND HUE_PC_DEPS ${MPI_C_LIBRARIES})
  set(HUE_PC_MPI_NOTE ", MPI")
endif()
hue_pc_flags(HUE_PC_LIBS_PRIVATE ${HUE_PC_DEPS})
if(CMAKE_THREAD_LIBS_INIT)
  set(HUE_PC_LIBS_PRIVATE "${HUE_PC_LIBS_PRIVATE} ${CMAKE_THREAD_LIBS_INIT}")
endif()
# prefix from the .pc file's folder: one ".." per part of LIBDIR/pkgconfig
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(HUE_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(HUE_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
string(REGEX REPLACE "[^/]+" ".." HUE_PC_PREFIX_FROM_PCDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
configure_file(cmake/libhue.pc.in ${CMAKE_BINARY_DIR}/libhue.pc @ONLY)
install(FILES ${CMAKE_BINARY_DIR}/libhue.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Man pages and bash completion, generated from the hue binary's --help at
# every build of it (cmake/man_pages.sh, cmake/bash_completion.sh).
set(HUE_MAN_DIR ${CMAKE_BINARY_DIR}/man/man1)
set(HUE_COMPLETION ${CMAKE_BINARY_DIR}/bash-completion/hue)
add_custom_command(OUTPUT ${HUE_MAN_DIR}/hue.1
  COMMAND sh ${CMAKE_SOURCE_DIR}/cmake/man_pages.sh $<TARGET_FILE:hue> ${HUE_MAN_DIR} ${PROJECT_VERSION}
          ${PROJECT_DESCRIPTION}
  DEPENDS hue ${CMAKE_SOURCE_DIR}/cmake/man_pages.sh ${CMAKE_SOURCE_DIR}/cmake/help_pages.sh
  COMMENT "man pages from hue's --help"
  VERBATIM)
add_custom_command(OUTPUT ${HUE_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/bash-completion
  COMMAND sh ${CMAKE_SOURCE_DIR}/cmake/bash_completion.sh $<TARGET_FILE:hue> ${HUE_COMPLETION}
  DEPENDS hue ${CMAKE_SOURCE_DIR}/cmake/bash_completion.sh ${CMAKE_SOURCE_DIR}/cmake/help_pages.sh
  COMMENT "bash completion from hue's --help"
  VERBATIM)
add_custom_target(hue_docs ALL DEPENDS ${HUE_MAN_DIR}/hue.1 ${HUE_COMPLETION})
install(DIRECTORY ${HUE_MAN_DIR}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1")
install(FILES ${HUE_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions)

install(FILES examples/track_clip.c examples/CMakeLists.txt DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
