include(GNUInstallDirs)
# libhue: every layer's objects in one library, built twice from the same
# (position-independent) objects: static libhue.a (hue_lib, what the hue
# binary and the tests link) and shared libhue.so (hue_shared), whose
# SONAME carries the ABI version from project(VERSION). Included from the
# top-level CMakeLists.txt once the object libraries exist.
set(HUE_LIB_OBJECTS
  $<TARGET_OBJECTS:hue_shaders> $<TARGET_OBJECTS:hue_base> $<TARGET_OBJECTS:hue_dist> $<TARGET_OBJECTS:hue_graph>
  $<TARGET_OBJECTS:hue_vulkan> $<TARGET_OBJECTS:hue_cpu>
  $<TARGET_OBJECTS:hue_video> $<TARGET_OBJECTS:hue_ssl>)
# Inside the build every module header is reachable by its own name; an
# installed libhue has its public headers under include/hue/ (cmake/install.cmake).
set(HUE_LIB_INCLUDES
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/compute/base> $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/compute/dist>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/compute/graph> $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/video>
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/ssl> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
# What libhue's objects call. An installed hue-config.cmake defines the
# hue::dep_* targets in place of the build's own (cmake/hue-config.cmake.in).
set(HUE_LIB_DEPS Vulkan::Vulkan OpenMP::OpenMP_C Threads::Threads m
  $<BUILD_INTERFACE:${DNNL_LIBRARY}> $<INSTALL_INTERFACE:hue::dep_dnnl>
  $<BUILD_INTERFACE:PkgConfig::LIBAV> $<INSTALL_INTERFACE:hue::dep_libav>
  $<BUILD_INTERFACE:PkgConfig::PNG> $<INSTALL_INTERFACE:hue::dep_png>)
if(MPI_C_FOUND)
  list(APPEND HUE_LIB_DEPS MPI::MPI_C)
endif()

# Public headers: the API of hue.h, installed under include/hue/. The rest
# (*_internal.h, the backends' headers, the trainer's and the CLI's) stays
# inside the build.
set(HUE_PUBLIC_HEADERS
  compute/base/hue_error.h compute/base/hue_version.h compute/base/hue_json.h compute/base/hue_checkpoint.h
  compute/graph/hue_ctx.h compute/graph/hue_graph.h compute/graph/hue_ops.h compute/graph/hue_ops_nn.h
  compute/graph/hue_ops_spatial.h compute/graph/hue_ops_track.h compute/graph/hue_optim.h
  video/hue_video.h video/hue_writer.h video/hue_lab.h video/hue_mask.h video/hue_overlay.h
  ssl/hue_resnet.h ssl/hue_model_io.h ssl/hue_track.h ssl/hue_davis_eval.h)

# libhue.so exports the functions those headers declare and nothing else,
# so that a program cannot come to depend on an internal function (which
# may change in any release) and the internal names cannot clash with its
# own. The list is read from the headers' declarations at configure time (a
# header edit configures again).
set(HUE_EXPORTS "")
foreach(header ${HUE_PUBLIC_HEADERS})
  file(READ ${CMAKE_SOURCE_DIR}/${header} text)
  # comments name functions too, internal ones among them: only code counts
  string(REGEX REPLACE "/\\*([^*]|\\*+[^*/])*\\*+/" "" text "${text}")
  string(REGEX MATCHALL "hue_[a-z0-9_]+\\(" declared "${text}")
  list(APPEND HUE_EXPORTS ${declared})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/${header})
endforeach()
list(TRANSFORM HUE_EXPORTS REPLACE "\\($" "")
list(REMOVE_DUPLICATES HUE_EXPORTS)
list(SORT HUE_EXPORTS)
list(JOIN HUE_EXPORTS ";\n    " HUE_EXPORTS)
# written through configure_file, which leaves an unchanged map alone (no relink)
file(WRITE ${CMAKE_BINARY_DIR}/libhue.map.new "{\n  global:\n    ${HUE_EXPORTS};\n  local: *;\n};\n")
configure_file(${CMAKE_BINARY_DIR}/libhue.map.new ${CMAKE_BINARY_DIR}/libhue.map COPYONLY)

add_library(hue_lib STATIC ${HUE_LIB_OBJECTS})
set_target_properties(hue_lib PROPERTIES OUTPUT_NAME hue EXPORT_NAME hue_static)
target_include_directories(hue_lib PUBLIC ${HUE_LIB_INCLUDES})
# PUBLIC: whoever links the archive links what its objects call.
target_link_libraries(hue_lib PUBLIC ${HUE_LIB_DEPS})

# 0.x releases may break the ABI at every minor version, so the SONAME
# holds major.minor there (libhue.so.0.1), the major alone from 1.0 on.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(HUE_SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(HUE_SOVERSION ${PROJECT_VERSION_MAJOR})
endif()
add_library(hue_shared SHARED ${HUE_LIB_OBJECTS})
set_target_properties(hue_shared PROPERTIES OUTPUT_NAME hue EXPORT_NAME hue
  VERSION ${PROJECT_VERSION} SOVERSION ${HUE_SOVERSION})
target_include_directories(hue_shared PUBLIC ${HUE_LIB_INCLUDES})
# PRIVATE: the shared library records its own dependencies.
target_link_libraries(hue_shared PRIVATE ${HUE_LIB_DEPS})
target_link_options(hue_shared PRIVATE -Wl,--version-script=${CMAKE_BINARY_DIR}/libhue.map)
set_target_properties(hue_shared PROPERTIES LINK_DEPENDS ${CMAKE_BINARY_DIR}/libhue.map)
