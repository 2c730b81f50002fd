#!/usr/bin/env bash
# Checks Twofold's packaging on Linux, as part of scripts/test.sh (which calls it after the tests, so
# the debug binary it packages is already built):
#   - the desktop entry and the AppStream metainfo pass desktop-file-validate and
#     `appstreamcli validate --no-net`;
#   - a real .deb is made with cargo-deb from Cargo.toml's [package.metadata.deb], from the test
#     build's binary (`--profile dev --no-build`: a cold LTO release build alone would take ~10 min),
#     unpacked into a scratch root with `dpkg -x`; every file is where Debian expects it, the
#     unpacked tree validates, and the installed `usr/bin/twofold --version` prints Cargo.toml's version;
#   - the Windows branch of build.rs runs on Linux against mingw's windres, and the resource it makes
#     holds the icon and the version; the WiX source is well-formed XML with what the MSI needs;
#   - the macOS script assembles the .app layout with a valid Info.plist;
#   - the Flatpak manifest grants exactly the permissions the app needs.
# cargo-deb is installed once into <target dir>/packaging-tools (pinned, --locked), so reruns skip it.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
passed=0
ok() {
  passed=$((passed + 1))
  echo "check-packaging: ok: $1 ($((SECONDS - started)) s)"
}
fail() {
  echo "check-packaging: FAILED: $1" >&2
  echo "check-packaging: $passed passed, 1 failed"
  exit 1
}

# Tool -> Debian package that provides it.
declare -A NEEDED=(
  [desktop-file-validate]=desktop-file-utils
  [appstreamcli]=appstream
  [dpkg-shlibdeps]=dpkg-dev
  [strip]=binutils
  [xz]=xz-utils
  [python3]=python3
  [cpp]=cpp
  [x86_64-w64-mingw32-windres]=binutils-mingw-w64-x86-64
)
missing=()
for tool in "${!NEEDED[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${NEEDED[$tool]}")
done
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ ${#missing[@]} -gt 0 ]; then
  echo "check-packaging: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

meta="$(cargo metadata --no-deps --format-version 1 --locked)"
field() { python3 -c "import json,sys; m=json.load(sys.stdin); print($1)" <<<"$meta"; }
version="$(field "next(p['version'] for p in m['packages'] if p['name']=='twofold')")"
target_dir="$(field "m['target_directory']")"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
app_id=org.twofold.Twofold

# 1. Desktop entry and metainfo, as the distributions' tools see them.
out="$(desktop-file-validate "packaging/linux/$app_id.desktop" 2>&1)" || fail "desktop-file-validate: $out"
if grep -Eq 'error:|warning:' <<<"$out"; then fail "desktop-file-validate: $out"; fi
[ -z "$out" ] || echo "$out"
ok "desktop-file-validate packaging/linux/$app_id.desktop"
appstreamcli validate --no-net "packaging/linux/$app_id.metainfo.xml" || fail "appstreamcli validate"
ok "appstreamcli validate --no-net packaging/linux/$app_id.metainfo.xml"
grep -q "<release version=\"$version\"" "packaging/linux/$app_id.metainfo.xml" ||
  fail "the metainfo has no <release> for $version (Cargo.toml's version)"
ok "the metainfo's newest release notes are for $version"

# 2. The .deb. The binary is the one the tests ran: `cargo test --no-run` with test.sh's clippy
# wrapper is a no-op after cargo test (and builds it when this script runs alone). Not `cargo
# build --bin`: without the dev-dependencies' features it rebuilds eframe, image and the crate,
# 5-10 min on a cold run.
source scripts/clippy-env.sh
cargo test --locked --all-targets --no-run --quiet || fail "cargo test --no-run (the binary to package)"
tools="$target_dir/packaging-tools"
cargo_deb_version=3.8.0
if ! "$tools/bin/cargo-deb" --version 2>/dev/null | grep -qF "$cargo_deb_version"; then
  echo "check-packaging: installing cargo-deb $cargo_deb_version into $tools" >&2
  # Its own target dir: not the project's, whose profiles and flags are not cargo-deb's.
  # Not linted: cargo-deb is not ours, and the wrapper applies to whatever cargo install builds.
  env -u RUSTC_WORKSPACE_WRAPPER -u CLIPPY_ARGS \
    cargo install --locked --quiet cargo-deb --version "$cargo_deb_version" --root "$tools" \
    --target-dir "$tools/build" || fail "cargo install cargo-deb"
  rm -rf "$tools/build"
fi
# --profile dev: cargo-deb reads target/release in the assets as "this profile's output folder".
# It warns that dev is meant for debugging only; the package's layout and metadata are the same.
PATH="$tools/bin:$PATH" cargo deb --locked --profile dev --no-build --strip --fast \
  --output "$scratch/deb/" || fail "cargo deb"
deb="$(ls "$scratch"/deb/*.deb)"
ok "cargo deb built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

dpkg-deb --info "$deb" >"$scratch/info"
for f in "Package: twofold" "Version: $version" "Architecture: $(dpkg --print-architecture)" "Section: utils"; do
  grep -q "^ $f" "$scratch/info" || fail "the control file lacks '$f': $(cat "$scratch/info")"
done
# libc6 from $auto (the linked libraries); the rest are dlopen()ed, so listed by hand.
for dep in libc6 libegl1 libwayland-client0 libxkbcommon0 libx11-6 libdbus-1-3; do
  grep -Eq "^ Depends: (.*[ ,])?$dep( |,|\$)" "$scratch/info" || fail "Depends lacks $dep: $(cat "$scratch/info")"
done
ok "control: twofold $version, $(grep '^ Depends:' "$scratch/info" | cut -c2-)"

root="$scratch/root"
dpkg -x "$deb" "$root"
expected=(
  usr/bin/twofold
  "usr/share/applications/$app_id.desktop"
  "usr/share/metainfo/$app_id.metainfo.xml"
  "usr/share/icons/hicolor/scalable/apps/$app_id.svg"
  usr/share/doc/twofold/copyright
)
for n in 16 32 48 64 128 256 512; do
  expected+=("usr/share/icons/hicolor/${n}x${n}/apps/$app_id.png")
done
for path in "${expected[@]}"; do
  [ -f "$root/$path" ] || fail "the .deb does not install /$path: $(dpkg-deb -c "$deb")"
done
[ -x "$root/usr/bin/twofold" ] || fail "/usr/bin/twofold is not executable"
for n in 16 32 48 64 128 256 512; do
  size="$(python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print("%dx%d" % struct.unpack(">II", d[16:24]))' \
    "$root/usr/share/icons/hicolor/${n}x${n}/apps/$app_id.png")"
  [ "$size" = "${n}x${n}" ] || fail "the ${n}x${n} icon is $size"
done
ok "the .deb installs the binary, desktop entry, metainfo and ${#expected[@]} files where they belong"
appstreamcli validate-tree --no-net "$root" || fail "appstreamcli validate-tree of the unpacked .deb"
ok "appstreamcli validate-tree --no-net of the unpacked .deb"

printed="$("$root/usr/bin/twofold" --version)" || fail "the installed twofold --version failed"
case "$printed" in
  "twofold $version" | "twofold $version ("*")") ;;
  *) fail "the installed twofold --version printed '$printed', not twofold $version" ;;
esac
# Built from this checkout, the version names its commit: the package holds this build, not a stale one.
if head="$(git rev-parse --short=10 HEAD 2>/dev/null)" && [ "$(git rev-parse --show-toplevel)" = "$PWD" ]; then
  [ "$printed" = "twofold $version ($head)" ] || fail "the installed twofold is not built from HEAD ($head): $printed"
fi
ok "the installed /usr/bin/twofold --version: $printed"

# 3. Windows: run build.rs's Windows branch for x86_64-pc-windows-gnu (as a cross build from Linux
# would), then read the resource object back.
build_script="$(ls -t "$target_dir"/debug/build/twofold-*/build-script-build 2>/dev/null | head -n 1)" || true
[ -x "$build_script" ] || fail "no compiled build.rs under $target_dir/debug/build"
res="$scratch/winres"
mkdir -p "$res"
IFS=. read -r major minor patch <<<"${version%%-*}"
# windres preprocesses with mingw's gcc by default; the resource script includes no Windows header,
# so the host's cpp does as well and saves installing a second compiler.
printf '#!/bin/sh\nexec x86_64-w64-mingw32-windres --preprocessor=cpp "$@"\n' >"$res/windres"
chmod +x "$res/windres"
(
  export OUT_DIR="$res" CARGO_MANIFEST_DIR="$PWD" CARGO_PKG_NAME=twofold CARGO_PKG_VERSION="$version" \
    CARGO_PKG_VERSION_MAJOR="$major" CARGO_PKG_VERSION_MINOR="$minor" CARGO_PKG_VERSION_PATCH="$patch" \
    CARGO_CFG_TARGET_OS=windows CARGO_CFG_TARGET_ENV=gnu CARGO_CFG_TARGET_ARCH=x86_64 \
    TARGET=x86_64-pc-windows-gnu HOST=x86_64-unknown-linux-gnu WINDRES="$res/windres"
  "$build_script" >"$res/stdout"
) || fail "build.rs for a Windows target: $(cat "$res/stdout" 2>/dev/null)"
grep -q '^cargo:rustc-link-arg-bin=twofold=' "$res/stdout" || fail "build.rs did not link the resource: $(cat "$res/stdout")"
grep -q '^cargo:rerun-if-changed=.*assets/icon.ico' "$res/stdout" || fail "build.rs does not watch assets/icon.ico"
x86_64-w64-mingw32-windres -i "$res/twofold_res.o" -O rc -o "$res/back.rc" ||
  fail "windres cannot read back the resource object"
for want in "FILEVERSION ${major}, ${minor}, ${patch}, 0" "VALUE \"ProductName\", \"Twofold\"" \
  "VALUE \"FileVersion\", \"$version\"" "VALUE \"OriginalFilename\", \"twofold.exe\"" "RT_GROUP_ICON"; do
  grep -qiF "$want" "$res/back.rc" || fail "the Windows resource lacks '$want': $(cat "$res/back.rc")"
done
ok "build.rs makes the Windows resource (icon, version $version) with mingw's windres"

python3 - "$version" <<'EOF' || fail "packaging/windows/twofold.wxs"
import sys, xml.etree.ElementTree as ET
ns = {"w": "http://schemas.microsoft.com/wix/2006/wi"}
root = ET.parse("packaging/windows/twofold.wxs").getroot()  # well-formed XML, or this raises
product = root.find("w:Product", ns)
assert product.get("Version") == "$(var.Version)", "the version must come from cargo-wix"
assert product.get("UpgradeCode"), "no UpgradeCode"
exe = root.find(".//w:File[@Name='twofold.exe']", ns)
assert exe is not None and exe.get("Source") == r"$(var.CargoTargetBinDir)\twofold.exe", "twofold.exe"
assert root.find(".//w:Directory[@Id='ProgramMenuFolder']//w:Shortcut", ns) is not None, "Start-menu shortcut"
assert root.find(".//w:MajorUpgrade", ns) is not None, "upgrades must replace the installed version"
icon = root.find(".//w:Icon", ns).get("SourceFile").replace("\\", "/")
open(icon, "rb").close()
refs = {r.get("Id") for r in root.iter("{%s}ComponentRef" % ns["w"])}
comps = {c.get("Id") for c in root.iter("{%s}Component" % ns["w"])}
assert refs == comps, f"components not in a feature or missing: {refs ^ comps}"
EOF
ok "packaging/windows/twofold.wxs is well-formed and installs twofold.exe with a Start-menu shortcut"

# 4. macOS: the .app layout (icon, signature and .dmg need macOS).
packaging/macos/make-app.sh --binary "$target_dir/debug/twofold" --no-dmg --out "$scratch/macos" \
  >/dev/null 2>"$scratch/macos.log" || fail "make-app.sh: $(cat "$scratch/macos.log")"
python3 - "$scratch/macos/Twofold.app" "$version" "$app_id" <<'EOF' || fail "Twofold.app"
import os, plistlib, sys
app, version, app_id = sys.argv[1:]
info = plistlib.load(open(os.path.join(app, "Contents/Info.plist"), "rb"))
assert info["CFBundleIdentifier"] == app_id, info["CFBundleIdentifier"]
assert info["CFBundleShortVersionString"] == version == info["CFBundleVersion"], info
assert info["CFBundlePackageType"] == "APPL" and info["LSMinimumSystemVersion"]
exe = os.path.join(app, "Contents/MacOS", info["CFBundleExecutable"])
assert os.access(exe, os.X_OK), exe
EOF
ok "make-app.sh assembles Twofold.app with Info.plist ($app_id $version)"

# 5. Flatpak: the permissions, exactly; every file the build installs exists.
python3 - "$app_id" <<'EOF' || fail "packaging/flatpak/$app_id.yml"
import os, re, sys, yaml
app_id = sys.argv[1]
m = yaml.safe_load(open(f"packaging/flatpak/{app_id}.yml"))
assert m["id"] == app_id and m["command"] == "twofold", (m["id"], m["command"])
want = ["--socket=wayland", "--socket=fallback-x11", "--share=ipc", "--device=dri",
        "--talk-name=org.freedesktop.secrets"]
assert m["finish-args"] == want, f"finish-args {m['finish-args']} != {want}"
for module in m["modules"]:
    for cmd in module.get("build-commands", []):
        for path in re.findall(r"\b(?:packaging|assets)/[\w./$-]+", cmd):
            for n in (16, 32, 48, 64, 128, 256, 512):
                p = path.replace("$n", str(n))
                assert os.path.exists(p), p
EOF
ok "the Flatpak manifest grants exactly Wayland/X11 fallback, IPC, DRI and the Secret Service"

echo "check-packaging: done in $((SECONDS - started)) s"
echo "check-packaging: $passed passed, 0 failed"
