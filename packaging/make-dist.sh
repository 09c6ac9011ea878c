#!/usr/bin/env bash
# Writes a source tarball of a git checkout's tracked files, as they are in the working tree (so a
# test of uncommitted changes packages those changes), every path under one top directory.
# Usage: make-dist.sh SOURCE_DIR OUTPUT.tar.gz TOP_DIRECTORY   (the `dist` target runs it)
set -euo pipefail
src=$1 out=$2 top=$3
if ! git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "make-dist: $src is not a git checkout; make the tarball from one" >&2
    exit 1
fi
tmp=$(mktemp "$out.XXXXXX")
trap 'rm -f "$tmp"' EXIT
# Tracked files that still exist (a deletion not yet committed is left out).
git -C "$src" ls-files -z --cached | (cd "$src" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
    tar -C "$src" --null -T - --sort=name --owner=0 --group=0 --numeric-owner \
        --mtime="@$(git -C "$src" log -1 --format=%ct 2>/dev/null || echo 0)" \
        --transform "s,^,$top/," -czf "$tmp"
chmod 0644 "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "make-dist: wrote $out"
