include(CMakePackageConfigHelpers)
set(TAPEGRAD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tapegrad)
set(TAPEGRAD_INSTALLED_TARGETS tapegrad_options tapegrad_autograd tapegrad_xtensor tapegrad_nn
    tapegrad_estimators tapegrad)
if(TARGET tapegrad_dist)
  list(APPEND TAPEGRAD_INSTALLED_TARGETS tapegrad_dist)
endif()
set(TAPEGRAD_WITH_MPI ${TAPEGRAD_MPI})
install(TARGETS ${TAPEGRAD_INSTALLED_TARGETS}
        EXPORT tapegradTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT tapegradTargets NAMESPACE tapegrad:: DESTINATION ${TAPEGRAD_CMAKE_DIR})
configure_package_config_file(cmake/tapegradConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/tapegradConfig.cmake INSTALL_DESTINATION ${TAPEGRAD_CMAKE_DIR})
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/tapegradConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/tapegradConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/tapegradConfigVersion.cmake
        DESTINATION ${TAPEGRAD_CMAKE_DIR})
