#!/usr/bin/env bash
# Assembles Twofold.app and Twofold-<version>.dmg on macOS (Xcode's command line tools: iconutil,
# codesign, lipo, hdiutil):
#
#   packaging/macos/make-app.sh               build the release binary for this Mac, then the .app and .dmg
#   packaging/macos/make-app.sh --universal   one binary for Apple silicon and Intel (both rustup targets)
#   packaging/macos/make-app.sh --binary F    bundle F instead of building
#   --out DIR (default: <cargo target dir>/macos)   --no-dmg (the .app only)
#
# CODESIGN_IDENTITY="Developer ID Application: ..." signs with that identity (hardened runtime, for
# notarization); without it the bundle is signed ad hoc, which runs on the Mac that built it.
# Elsewhere than macOS only the bundle's layout is made (no icon, no signature, no .dmg): that is how
# scripts/check-packaging.sh checks it on Linux.
set -euo pipefail
cd "$(dirname "$0")/../.."

binary="" universal=0 dmg=1 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary="$2"; shift 2 ;;
    --universal) universal=1; shift ;;
    --no-dmg) dmg=0; shift ;;
    --out) out="$2"; shift 2 ;;
    *) echo "make-app.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

meta="$(cargo metadata --no-deps --format-version 1 --locked)"
field() { python3 -c "import json,sys; m=json.load(sys.stdin); print($1)" <<<"$meta"; }
version="$(field "next(p['version'] for p in m['packages'] if p['name']=='twofold')")"
target_dir="$(field "m['target_directory']")"
out="${out:-$target_dir/macos}"
darwin=0
[ "$(uname -s)" = Darwin ] && darwin=1

if [ -z "$binary" ]; then
  [ "$darwin" = 1 ] || { echo "make-app.sh: building for macOS needs a Mac (or --binary)" >&2; exit 1; }
  if [ "$universal" = 1 ]; then
    for t in aarch64-apple-darwin x86_64-apple-darwin; do
      cargo build --release --locked --bin twofold --target "$t"
    done
    binary="$target_dir/twofold-universal"
    lipo -create -output "$binary" \
      "$target_dir/aarch64-apple-darwin/release/twofold" "$target_dir/x86_64-apple-darwin/release/twofold"
  else
    cargo build --release --locked --bin twofold
    binary="$target_dir/release/twofold"
  fi
fi

app="$out/Twofold.app"
rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
sed "s/@VERSION@/$version/g" packaging/macos/Info.plist >"$app/Contents/Info.plist"
printf 'APPL????' >"$app/Contents/PkgInfo"
install -m 755 "$binary" "$app/Contents/MacOS/twofold"

if [ "$darwin" = 1 ]; then
  # The icon: an .iconset of the committed PNGs (no 1024 px one: macOS scales 512 up for Retina).
  iconset="$(mktemp -d)/Twofold.iconset"
  mkdir -p "$iconset"
  for spec in 16:16x16 32:16x16@2x 32:32x32 64:32x32@2x 128:128x128 256:128x128@2x 256:256x256 \
    512:256x256@2x 512:512x512; do
    cp "assets/icon-${spec%%:*}.png" "$iconset/icon_${spec#*:}.png"
  done
  iconutil -c icns -o "$app/Contents/Resources/Twofold.icns" "$iconset"
  rm -rf "$(dirname "$iconset")"
  if [ -n "${CODESIGN_IDENTITY:-}" ]; then
    codesign --force --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$app"
  else
    codesign --force --sign - "$app"
  fi
  codesign --verify --strict "$app"
else
  echo "make-app.sh: not on macOS: $app has no icon and no signature" >&2
fi
echo "$app"

if [ "$dmg" = 1 ]; then
  [ "$darwin" = 1 ] || { echo "make-app.sh: a .dmg needs macOS's hdiutil (use --no-dmg)" >&2; exit 1; }
  # The disk image shows the app beside a link to /Applications, to drag it there.
  staging="$(mktemp -d)"
  cp -R "$app" "$staging/"
  ln -s /Applications "$staging/Applications"
  dmg_file="$out/Twofold-$version.dmg"
  hdiutil create -volname "Twofold $version" -srcfolder "$staging" -fs HFS+ -format UDZO -ov "$dmg_file"
  rm -rf "$staging"
  [ -z "${CODESIGN_IDENTITY:-}" ] || codesign --force --timestamp --sign "$CODESIGN_IDENTITY" "$dmg_file"
  echo "$dmg_file"
fi
