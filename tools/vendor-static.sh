#!/usr/bin/env bash
# Vendors the portal's front-end files from the npm registry, reproducibly:
#   - Bootstrap Icons (MIT): only the icons static/css/portal.css uses, each file as published,
#     into static/vendor/bootstrap-icons-<version>/ with the package's LICENSE;
#   - axe-core (MPL-2.0): axe.min.js for the accessibility tests, into
#     tests/browser/vendor/axe-core-<version>/ with its LICENSE files.
# Each tarball comes from `npm pack` and is checked against tools/vendor-static.lock (the
# registry's dist.integrity, sha512) before anything is unpacked. Nothing is fetched at run time:
# the output is committed. Run it again after changing a version or the icon list, then commit
# the lock, the files and the CSS together. `git diff --exit-code static tests/browser/vendor`
# after a run proves the committed files are what the registry serves.
set -euo pipefail
cd "$(dirname "$0")/.."
LOCK=tools/vendor-static.lock

BOOTSTRAP_ICONS=1.13.2
AXE_CORE=4.14.1
# The icons portal.css uses (class .i-NAME or a state badge); keep this list and the CSS in step.
ICONS=(
  activity bell braces calendar-check camera check-circle-fill chevron-down clipboard-check
  dash-circle device-hdd diagram-3 display exclamation-triangle-fill gear-wide-connected hdd-rack
  house journal-text list list-task person-circle plug search shield-check
  shield-lock x-circle-fill
)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# fetch PACKAGE VERSION: the verified, unpacked package under $work/PACKAGE/package
fetch() {
  local pkg=$1 ver=$2 want got tgz
  want=$(awk -v p="$pkg@$ver" '$1 == p { print $2 }' "$LOCK")
  if [ -z "$want" ]; then
    echo "$pkg@$ver has no line in $LOCK: add it with the registry's dist.integrity" >&2
    exit 1
  fi
  tgz=$(cd "$work" && npm pack --silent "$pkg@$ver")
  got="sha512-$(openssl dgst -sha512 -binary "$work/$tgz" | base64 -w0)"
  if [ "$got" != "$want" ]; then
    echo "$pkg@$ver: tarball integrity $got does not match $LOCK ($want)" >&2
    exit 1
  fi
  mkdir -p "$work/$pkg"
  tar -xzf "$work/$tgz" -C "$work/$pkg" --no-same-owner
  echo "$pkg@$ver: $want verified" >&2
}

fetch bootstrap-icons "$BOOTSTRAP_ICONS"
dest="static/vendor/bootstrap-icons-$BOOTSTRAP_ICONS"
rm -rf "$dest"
mkdir -p "$dest/icons"
cp "$work/bootstrap-icons/package/LICENSE" "$dest/LICENSE"
for icon in "${ICONS[@]}"; do
  cp "$work/bootstrap-icons/package/icons/$icon.svg" "$dest/icons/$icon.svg"
done

fetch axe-core "$AXE_CORE"
dest="tests/browser/vendor/axe-core-$AXE_CORE"
rm -rf "$dest"
mkdir -p "$dest"
cp "$work/axe-core/package/axe.min.js" "$work/axe-core/package/LICENSE" \
  "$work/axe-core/package/LICENSE-3RD-PARTY.txt" "$dest/"
echo "vendored: static/vendor/bootstrap-icons-$BOOTSTRAP_ICONS ($(ls static/vendor/bootstrap-icons-$BOOTSTRAP_ICONS/icons | wc -l) icons), $dest" >&2
