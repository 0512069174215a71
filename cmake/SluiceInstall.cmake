# Install rules: headers, the exported target, a package config with an
# architecture-independent version file, and a pkg-config file.
include(CMakePackageConfigHelpers)

set(SLUICE_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_DATADIR}/cmake/sluice")

install(TARGETS sluice EXPORT sluiceTargets)
install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/sluice"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
        FILES_MATCHING PATTERN "*.hpp")
install(EXPORT sluiceTargets
        NAMESPACE sluice::
        DESTINATION "${SLUICE_CMAKE_INSTALL_DIR}")

configure_package_config_file(
  "${PROJECT_SOURCE_DIR}/cmake/sluiceConfig.cmake.in"
  "${PROJECT_BINARY_DIR}/sluiceConfig.cmake"
  INSTALL_DESTINATION "${SLUICE_CMAKE_INSTALL_DIR}")
write_basic_package_version_file(
  "${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion
  ARCH_INDEPENDENT)
install(FILES "${PROJECT_BINARY_DIR}/sluiceConfig.cmake"
              "${PROJECT_BINARY_DIR}/sluiceConfigVersion.cmake"
        DESTINATION "${SLUICE_CMAKE_INSTALL_DIR}")

configure_file("${PROJECT_SOURCE_DIR}/cmake/sluice.pc.in"
               "${PROJECT_BINARY_DIR}/sluice.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/sluice.pc"
        DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
