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
