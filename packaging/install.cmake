# Install rules and the `dist` target, included from the top-level CMakeLists.txt. With
# --prefix /usr (the packages) the configuration lands in /etc, where pgwarden reads it.
include(GNUInstallDirs)

# Relative to the prefix; the RPM passes %{_unitdir} and %{_tmpfilesdir} (absolute).
set(PGWARDEN_SYSTEMD_UNITDIR "lib/systemd/system" CACHE STRING "where the systemd units go")
set(PGWARDEN_TMPFILESDIR "lib/tmpfiles.d" CACHE STRING "where the tmpfiles.d entry goes")
set(pgwarden_etc ${CMAKE_INSTALL_FULL_SYSCONFDIR}/pgwarden)
set(pgwarden_share ${CMAKE_INSTALL_DATADIR}/pgwarden)

install(TARGETS pgwarden-probe pgwarden pgwardend RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

install(FILES etc/pgwardend.service etc/pgwardend@.service etc/pgwarden-probe.service
        DESTINATION ${PGWARDEN_SYSTEMD_UNITDIR})
# Opt-in: active only once an operator copies them into /etc/systemd/system (README, migrating).
install(FILES etc/repmgr-pgwardend.conf etc/pgwardend-forking.service
        DESTINATION ${pgwarden_share}/systemd)
install(FILES etc/tmpfiles.pgwarden.conf DESTINATION ${PGWARDEN_TMPFILESDIR}
        RENAME pgwarden.conf)

# pgwarden.ini is read as is; the rest are samples to copy (nothing reads them there).
install(FILES etc/pgwarden.ini DESTINATION ${pgwarden_etc})
install(FILES etc/repmgr.conf.pgdg.sample etc/sudoers.sample DESTINATION ${pgwarden_etc})
install(FILES etc/repmgr.conf.sample DESTINATION ${pgwarden_etc}
        RENAME repmgr.conf.debian.sample)
install(FILES etc/haproxy.cfg DESTINATION ${pgwarden_etc} RENAME haproxy.cfg.sample)
install(FILES etc/logrotate.pgwarden DESTINATION ${CMAKE_INSTALL_FULL_SYSCONFDIR}/logrotate.d
        RENAME pgwarden)

install(FILES man/pgwarden.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES man/pgwardend.8 man/pgwarden-probe.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES etc/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME README.etc.md)
install(FILES packaging/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME README.packaging.md)

# `cmake --build build --target dist`: pgwarden-VERSION.tar.gz of the tracked files (as they are in
# the working tree), the input of rpmbuild (packaging/rpm/pgwarden.spec) and packaging/deb/build-deb.sh.
add_custom_target(dist
  COMMAND ${CMAKE_SOURCE_DIR}/packaging/make-dist.sh ${CMAKE_SOURCE_DIR}
          ${CMAKE_BINARY_DIR}/pgwarden-${PROJECT_VERSION}.tar.gz pgwarden-${PROJECT_VERSION}
  COMMENT "source tarball pgwarden-${PROJECT_VERSION}.tar.gz"
  VERBATIM)
