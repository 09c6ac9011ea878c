#!/usr/bin/env bash
# Builds pgwarden_VERSION_ARCH.deb for Debian 12 (bookworm) from a configured and built CMake
# tree: `cmake --install` into a staging root, Debian's places and metadata added, dpkg-deb.
# Usage: packaging/deb/build-deb.sh BUILD_DIR OUTPUT_DIR
# The tree must be configured for packaging:
#   cmake -S . -B build-deb -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=/usr \
#         -DPGWARDEN_STATIC_DEPS=ON -DPGWARDEN_TESTS=OFF && cmake --build build-deb -j2
# (the package test uses the tree rpmbuild just built, so one compile makes both packages).
set -euo pipefail
build=$(cd "$1" && pwd) out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The Debian revision of this packaging; the upstream version comes from the build tree.
revision=1

cache() { sed -n "s/^$1:[A-Z]*=//p" "$build/CMakeCache.txt"; }
[[ $(cache CMAKE_INSTALL_PREFIX) == /usr ]] ||
    { echo "build-deb: $build is not configured with CMAKE_INSTALL_PREFIX=/usr" >&2; exit 1; }
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:[A-Z]*=//p' "$build/CMakeCache.txt")
[[ -n $version ]] || version=$(cache pgwarden_VERSION)
[[ -n $version ]] || { echo "build-deb: no project version in $build/CMakeCache.txt" >&2; exit 1; }
arch=$(dpkg --print-architecture)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
DESTDIR=$root cmake --install "$build" --strip >/dev/null

# Debian 12 keeps units in /lib/systemd/system (before the /usr merge of its packages).
if [[ -d $root/usr/lib/systemd/system ]]; then
    mkdir -p "$root/lib/systemd"
    mv "$root/usr/lib/systemd/system" "$root/lib/systemd/system"
    rmdir --ignore-fail-on-non-empty "$root/usr/lib/systemd"
fi
doc=$root/usr/share/doc/pgwarden
install -d "$doc"
install -m 0644 "$here/copyright" "$doc/copyright"
gzip -9n <"$here/changelog" >"$doc/changelog.Debian.gz"
find "$root/usr/share/man" -type f -name '*.[0-9]' -exec gzip -9n {} +
# Files 0644, directories and programs 0755, whatever the umask of the build was.
find "$root" -type d -exec chmod 0755 {} +
find "$root" -type f -exec chmod 0644 {} +
chmod 0755 "$root"/usr/bin/*

# Run-time dependencies as dpkg-shlibdeps finds them (it wants a debian/control to read).
mkdir -p "$work/src/debian"
printf 'Source: pgwarden\n\nPackage: pgwarden\nArchitecture: any\n' >"$work/src/debian/control"
depends=$(cd "$work/src" && dpkg-shlibdeps -O "$root"/usr/bin/* 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[[ -n $depends ]] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

install -d "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version-$revision/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    -e "s/@DEPENDS@/$depends/" "$here/control.in" >"$root/DEBIAN/control"
for script in postinst prerm postrm; do
    install -m 0755 "$here/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find etc -type f | sort | sed 's,^,/,') >"$root/DEBIAN/conffiles"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print | sed 's,^\./,,' | sort |
    xargs md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$out"
deb=$out/pgwarden_${version}-${revision}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "build-deb: wrote $deb"
