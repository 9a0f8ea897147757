# SPDX-License-Identifier: Apache-2.0
# Install rules and Debian packages (CPack DEB): fedc-coordinator,
# fedc-agent and fedctl. deploy/package.sh builds them into dist/.
# Runtime dependencies come from dpkg-shlibdeps (package dpkg-dev).

include(GNUInstallDirs)
install(TARGETS fedc-coordinator RUNTIME DESTINATION bin COMPONENT coordinator)
install(TARGETS fedc-agent fedc-train RUNTIME DESTINATION bin COMPONENT agent)
install(TARGETS fedctl RUNTIME DESTINATION bin COMPONENT ctl)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/man/fedctl.1
  DESTINATION share/man/man1 COMPONENT ctl)

set(FL_DEB_DIR ${CMAKE_SOURCE_DIR}/deploy/debian)
# fedc_deb_component(COMPONENT PACKAGE UNIT CONF STATE SUMMARY)
function(fedc_deb_component comp pkg unit conf state summary)
  string(TOUPPER ${comp} C)
  set(dir ${CMAKE_BINARY_DIR}/debian/${comp})
  set(FL_PKG_NAME ${pkg})
  set(FL_PKG_UNIT ${unit})
  set(FL_PKG_CONF ${conf})
  set(FL_PKG_STATE ${state})
  foreach(s postinst prerm postrm)
    configure_file(${FL_DEB_DIR}/${s}.in ${dir}/${s} @ONLY
      FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ
      GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endforeach()
  file(WRITE ${dir}/conffiles "/etc/fedc/${conf}\n")
  install(FILES ${FL_DEB_DIR}/${conf} DESTINATION /etc/fedc COMPONENT ${comp})
  install(FILES ${FL_DEB_DIR}/${unit}.service DESTINATION /lib/systemd/system
    COMPONENT ${comp})
  install(FILES ${FL_DEB_DIR}/README.Debian DESTINATION share/doc/${pkg}
    COMPONENT ${comp})
  set(CPACK_DEBIAN_${C}_PACKAGE_CONTROL_EXTRA
    "${dir}/postinst;${dir}/prerm;${dir}/postrm;${dir}/conffiles" PARENT_SCOPE)
  set(CPACK_DEBIAN_${C}_PACKAGE_NAME ${pkg} PARENT_SCOPE)
  set(CPACK_DEBIAN_${C}_PACKAGE_DEPENDS "passwd" PARENT_SCOPE)
  set(CPACK_COMPONENT_${C}_DESCRIPTION "${summary}" PARENT_SCOPE)
endfunction()

fedc_deb_component(coordinator fedc-coordinator fedc-coordinator coordinator.ini
  coordinator "fedc coordinator: drives federated-learning rounds with secure aggregation
 The consortium's coordinator daemon of fedc. Sites (fedc-agent) dial it over
 mutual TLS; it learns only the sum of their masked updates.")
fedc_deb_component(agent fedc-agent fedc-agent agent.ini agent
  "fedc agent: one factory's site in a federated-learning consortium
 Trains on the site's data and uploads only updates masked by secure
 aggregation; enforces the site's privacy policy. Dials out only.")
install(FILES ${FL_DEB_DIR}/README.Debian DESTINATION share/doc/fedctl COMPONENT ctl)
set(CPACK_DEBIAN_CTL_PACKAGE_NAME fedctl)
set(CPACK_COMPONENT_CTL_DESCRIPTION "fedctl: the operators' command line of a fedc consortium
 Submits and watches jobs, manages sites, certificates and the CA, and
 verifies the signed round ledger.")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME fedc)
# (deploy/package.sh --version V overrides it: cpack -D CPACK_PACKAGE_VERSION)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "fedc maintainers <fedc@localhost>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://localhost/fedc")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL coordinator agent ctl)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# /etc/fedc and /lib/systemd/system are absolute on purpose (Debian layout)
set(CPACK_WARN_ON_ABSOLUTE_INSTALL_DESTINATION OFF)
include(CPack)
