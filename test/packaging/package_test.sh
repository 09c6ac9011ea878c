#!/usr/bin/env bash
# The packages, in two phases (two ctest tests: the first sets up the second's fixture).
# build: the RPM and the .deb from a `dist` tarball (a clean copy of the tracked sources) with one
#   compile: rpmbuild builds the tree, packaging/deb/build-deb.sh packages that same tree. Checks:
#   rpm -qlp lists the expected files with the right owners, rpm -qpR needs no Boost, fmt or
#   inih, the scriptlets are systemd's, rpmlint shows no errors, its units verify in a scratch root
#   made from its payload (with a PGDG-shaped repmgr-12.service switched by the drop-in); the .deb's
#   contents and Depends, lintian without errors. Both packages are left in OUT_DIR.
# install: the .deb installs with dpkg on this machine, the installed binaries answer --version
#   and --help, every installed unit passes systemd-analyze verify, the sample sudoers and
#   logrotate files pass their checkers, and dpkg --purge leaves nothing. It puts files in /etc
#   and /var/lib/pgwarden that other tests would see, so ctest runs it alone (RUN_SERIAL).
# Usage: package_test.sh build|install SOURCE_DIR BUILD_DIR OUT_DIR   (as root)
set -euo pipefail
phase=$1 src=$(cd "$2" && pwd) build=$(cd "$3" && pwd) out=$4
[[ $phase == build || $phase == install ]] || { echo "package_test: phase build or install, not $phase"; exit 2; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$build/CMakeCache.txt")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
step() { echo "== $* ($(date +%T))"; }

((EUID == 0)) || { echo "package_test: run as root (it builds as root and installs with dpkg)"; exit 1; }
for tool in rpmbuild rpmlint rpm2cpio cpio lintian dpkg-deb dpkg-shlibdeps systemd-analyze; do
    command -v "$tool" >/dev/null || { echo "package_test: $tool missing; run scripts/setup --tests"; exit 1; }
done

verify() {  # LABEL systemd-analyze-arguments...: passes only without a word of complaint
    local label=$1 output
    shift
    if ! output=$(cd / && systemd-analyze verify "$@" 2>&1) || [[ -n $output ]]; then
        fail "systemd-analyze verify $label: ${output:-failed}"
    fi
}

install_phase() {
    deb_file=$(find "$out" -maxdepth 1 -name "pgwarden_${version}-*.deb" 2>/dev/null | head -n 1)
    [[ -f $deb_file ]] || { echo "FAIL: no .deb in $out: the build phase did not run or failed"; exit 1; }
    if [[ $(dpkg-query -W -f='${db:Status-Status}' pgwarden 2>/dev/null) == installed ]]; then
        echo "package_test: a pgwarden package is installed here; the test would purge it. Remove it first."
        exit 1
    fi
    installed=0
    work=$(mktemp -d /tmp/pgwarden-packaging.XXXXXX)
    trap '((installed)) && dpkg --purge pgwarden >/dev/null 2>&1; rm -rf "$work"' EXIT
    step ".deb: dpkg -i on this machine"
    dpkg -i "$deb_file" >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg -i"; }
    installed=1
    for program in pgwarden pgwardend pgwarden-probe; do
        answer=$("/usr/bin/$program" --version 2>&1) || fail "$program --version: $answer"
        grep -q "^$program $version" <<<"$answer" || fail "$program --version says \"$answer\""
        "/usr/bin/$program" --help >/dev/null 2>&1 || fail "$program --help exits non-zero"
    done
    [[ $(stat -c %U:%a /var/log/pgwarden 2>/dev/null) == postgres:755 ]] ||
        fail "/var/log/pgwarden is $(stat -c %U:%a /var/log/pgwarden 2>&1), not postgres:755"
    for unit in pgwardend.service pgwardend@12.service pgwarden-probe.service; do
        verify "$unit (installed .deb)" "$unit"
    done
    if command -v visudo >/dev/null; then
        visudo -c -q -f /etc/pgwarden/sudoers.sample >/dev/null 2>&1 || fail "visudo -c: /etc/pgwarden/sudoers.sample"
    fi
    if command -v logrotate >/dev/null; then
        logrotate -d /etc/logrotate.d/pgwarden >"$work/logrotate.log" 2>&1 || { cat "$work/logrotate.log"; fail "logrotate -d"; }
        grep -qi 'error' "$work/logrotate.log" && { cat "$work/logrotate.log"; fail "logrotate -d reports an error"; }
    fi

    step ".deb: dpkg --purge leaves nothing"
    files=$(dpkg -L pgwarden | grep -vE '^/(\.|etc|lib|usr|var|usr/(bin|lib|share)|lib/systemd)$' || true)
    dpkg --purge pgwarden >"$work/dpkg.log" 2>&1 || { cat "$work/dpkg.log"; fail "dpkg --purge"; }
    installed=0
    while read -r path; do
        [[ -z $path || -d $path ]] && continue
        [[ -e $path ]] && fail "left after purge: $path"
    done <<<"$files"
    for dir in /etc/pgwarden /var/log/pgwarden /var/lib/pgwarden /usr/share/pgwarden /usr/share/doc/pgwarden; do
        [[ -e $dir ]] && fail "left after purge: $dir"
    done
    return 0
}

build_phase() {
    rm -rf "$out"  # the install phase must never find an old build's package
    work=$(mktemp -d /tmp/pgwarden-packaging.XXXXXX)
    trap 'rm -rf "$work"' EXIT

    step "dist tarball"
    cmake --build "$build" --target dist >/dev/null
    tarball=$build/pgwarden-$version.tar.gz
    mkdir -p "$work/rpm/SOURCES"
    cp "$tarball" "$work/rpm/SOURCES/"

    step "rpmbuild -bb (the one compile)"
    # --nodeps: Debian's rpm database knows none of the EL build requirements. optflags -O0: the
    # compile is nearly all of the test's time, and what is checked here (files, dependencies,
    # scripts, units, that the binaries run) does not depend on optimisation. A ccache on PATH is
    # used when there is one.
    launcher=()
    if command -v ccache >/dev/null; then
        launcher=(--define "pgwarden_cmake_args -DCMAKE_CXX_COMPILER_LAUNCHER=ccache")
        export CCACHE_BASEDIR=$work  # the temporary directory's name must not defeat the cache
    fi
    # --noclean keeps the compiled tree for build-deb.sh (rpm 4.18 removes it otherwise). The
    # packager is whoever builds; rpmlint wants it named.
    if ! rpmbuild -bb --nodeps --noclean --define "_topdir $work/rpm" --define "optflags -O0" \
            --define "packager pgwarden package test" "${launcher[@]}" \
            --define "_smp_mflags -j$(nproc)" "$src/packaging/rpm/pgwarden.spec" >"$work/rpmbuild.log" 2>&1; then
        tail -n 40 "$work/rpmbuild.log"
        echo "FAIL: rpmbuild (last lines above)"
        exit 1
    fi
    rpm_file=$(find "$work/rpm/RPMS" -name "pgwarden-$version-*.rpm")
    [[ -f $rpm_file ]] || { echo "FAIL: rpmbuild made no pgwarden-$version RPM"; exit 1; }
    tree=$work/rpm/BUILD/pgwarden-$version/build
    [[ -f $tree/CMakeCache.txt ]] || { echo "FAIL: rpmbuild left no build tree in $tree"; exit 1; }

    step "build-deb.sh on the same tree"
    "$src/packaging/deb/build-deb.sh" "$tree" "$work/deb" >/dev/null
    deb_file=$(find "$work/deb" -name "pgwarden_${version}-*.deb")
    [[ -f $deb_file ]] || { echo "FAIL: build-deb.sh made no .deb"; exit 1; }

    # ---- RPM ---------------------------------------------------------------------------------------
    step "RPM: files, owners, requirements, scriptlets, rpmlint"
    rpm_list=$(rpm -qp --qf '[%{FILENAMES} %{FILEUSERNAME}:%{FILEGROUPNAME} %{FILEFLAGS:fflags}\n]' "$rpm_file")
    for expected in /usr/bin/pgwarden /usr/bin/pgwardend /usr/bin/pgwarden-probe \
            /usr/lib/systemd/system/pgwardend.service /usr/lib/systemd/system/pgwardend@.service \
            /usr/lib/systemd/system/pgwarden-probe.service /usr/lib/tmpfiles.d/pgwarden.conf \
            /usr/share/pgwarden/systemd/repmgr-pgwardend.conf /usr/share/man/man1/pgwarden.1 \
            /usr/share/man/man8/pgwardend.8 /usr/share/man/man8/pgwarden-probe.8 \
            "/etc/pgwarden/pgwarden.ini root:root cn" "/etc/pgwarden/repmgr.conf.pgdg.sample root:root cn" \
            "/etc/logrotate.d/pgwarden root:root cn" "/var/log/pgwarden postgres:postgres" \
            "/var/lib/pgwarden postgres:postgres"; do
        grep -qE "^${expected}( |$)" <<<"$rpm_list" || fail "rpm -qlp: no \"$expected\""
    done
    requires=$(rpm -qpR "$rpm_file")
    grep -qiE 'boost|fmt|inih' <<<"$requires" && fail "rpm -qpR needs Boost, fmt or inih: $(grep -iE 'boost|fmt|inih' <<<"$requires" | tr '\n' ' ')"
    grep -q '^libpq.so.5' <<<"$requires" || fail "rpm -qpR: no libpq.so.5 (are ELF dependencies generated?)"
    grep -q '^libssl.so' <<<"$requires" || fail "rpm -qpR: no libssl.so (pgwarden-probe's TLS)"
    scripts=$(rpm -qp --scripts "$rpm_file")
    grep -q 'systemctl --no-reload preset pgwardend.service pgwarden-probe.service' <<<"$scripts" ||
        fail "RPM %post does not preset the units: $scripts"
    grep -q 'systemd-tmpfiles --create' <<<"$scripts" || fail "RPM %post does not create /run/pgwarden"
    rpmlint_out=$(rpmlint -r "$src/packaging/rpm/pgwarden.rpmlintrc" "$rpm_file" 2>&1 || true)
    grep -qE '[1-9][0-9]* errors?' <<<"$rpmlint_out" && fail "rpmlint reports errors:"$'\n'"$rpmlint_out"
    grep -qE ' 0 errors' <<<"$rpmlint_out" || fail "rpmlint gave no summary:"$'\n'"$rpmlint_out"

    step "RPM: units verify in a scratch root made from its payload"
    root=$work/rpm-root
    mkdir -p "$root"
    (cd "$root" && rpm2cpio "$rpm_file" | cpio -idm --quiet)
    # The targets and binaries the units refer to (sysinit.target, /bin/kill) come from this host.
    mkdir -p "$root/lib/systemd/system" "$root/bin" "$root/usr/bin"
    cp -a /lib/systemd/system/. "$root/lib/systemd/system/"
    cp /bin/kill "$root/bin/kill"
    cp /bin/kill "$root/usr/bin/kill"
    cp "$src/test/packaging/repmgr-12.service" "$root/lib/systemd/system/"
    install -D -m 0644 "$root/usr/share/pgwarden/systemd/repmgr-pgwardend.conf" \
        "$root/etc/systemd/system/repmgr-12.service.d/pgwardend.conf"
    for unit in pgwardend.service pgwardend@12.service pgwarden-probe.service repmgr-12.service; do
        verify "$unit (RPM)" --man=no --root="$root" "$unit"
    done
    # The drop-in is what makes repmgr-12 verify: without it, /usr/pgsql-12/bin/repmgrd is missing.
    rm "$root/etc/systemd/system/repmgr-12.service.d/pgwardend.conf"
    (cd / && systemd-analyze verify --man=no --root="$root" repmgr-12.service >/dev/null 2>&1) &&
        fail "repmgr-12.service verifies without the drop-in: the check proves nothing"

    # ---- .deb --------------------------------------------------------------------------------------
    step ".deb: contents, dependencies, lintian"
    deb_list=$(dpkg-deb -c "$deb_file" | awk '{ print $2 " " $6 }')
    for expected in ./usr/bin/pgwardend ./lib/systemd/system/pgwardend.service \
            ./lib/systemd/system/pgwardend@.service ./lib/systemd/system/pgwarden-probe.service \
            ./usr/share/man/man1/pgwarden.1.gz ./usr/share/doc/pgwarden/copyright \
            ./etc/pgwarden/repmgr.conf.debian.sample ./etc/logrotate.d/pgwarden; do
        grep -qF " $expected" <<<"$deb_list" || fail "dpkg-deb -c: no $expected"
    done
    depends=$(dpkg-deb -f "$deb_file" Depends)
    grep -qiE 'boost|fmt|inih' <<<"$depends" && fail ".deb depends on Boost, fmt or inih: $depends"
    grep -q libpq5 <<<"$depends" || fail ".deb does not depend on libpq5: $depends"
    grep -q libssl3 <<<"$depends" || fail ".deb does not depend on libssl3 (pgwarden-probe's TLS): $depends"
    lintian_out=$(lintian --fail-on error "$deb_file" 2>&1) || fail "lintian reports errors:"$'\n'"$lintian_out"
    [[ -n $lintian_out ]] && echo "lintian (warnings, not errors):"$'\n'"$lintian_out"

    step "glibc the binaries need"
    objdump -T "$tree"/cli/pgwarden "$tree"/daemon/pgwardend "$tree"/probe/pgwarden-probe |
        grep -oE 'GLIBC(XX)?_[0-9.]+' | sort -t_ -k2 -V -u | awk -F_ '{ need[$1] = $0 } END { for (k in need) print "  newest symbol version: " need[k] }'

    mkdir -p "$out"
    cp "$rpm_file" "$deb_file" "$out/"
}

"${phase}_phase"

if ((failures)); then
    echo "$failures packaging check(s) failed"
    exit 1
fi
if [[ $phase == build ]]; then
    echo "packages built and checked: $(basename "$rpm_file"), $(basename "$deb_file") in $out"
else
    echo "installed, checked and purged: $(basename "$deb_file")"
fi
