#!/usr/bin/env bash
# Runs every check and test of Twofold on a fresh Debian-like machine with only Rust installed:
# installs the system tools the tests use, starts a private D-Bus session with an unlocked
# gnome-keyring (so no real keyring is touched), then runs fmt, and the test suite compiled with
# clippy's lints denied (scripts/clippy-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

# Tool -> Debian package that provides it.
declare -A NEEDED=(
  [oathtool]=oathtool
  [age]=age
  [dbus-run-session]=dbus
  [dbus-launch]=dbus-x11
  [gnome-keyring-daemon]=gnome-keyring
  [secret-tool]=libsecret-tools
  [python3]=python3
  [Xvfb]=xvfb
  [xdotool]=xdotool
  [openbox]=openbox
  [xclip]=xclip
  [import]=imagemagick
  [xauth]=xauth
)
# Libraries the window loads at run time (OpenGL through Mesa, X11 input and keyboard).
LIBS=(libgl1-mesa-dri libegl1 libgl1 libxkbcommon-x11-0 libxcursor1 libxrandr2 libxi6 libx11-xcb1)
missing=()
for tool in "${!NEEDED[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${NEEDED[$tool]}")
done
for lib in "${LIBS[@]}"; do
  dpkg-query -W -f='${Status}' "$lib" 2>/dev/null | grep -q "install ok installed" || missing+=("$lib")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "test.sh: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# A scratch home for the keyring daemon; cargo and rustup keep their real homes.
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/data" "$scratch/config" "$scratch/runtime"
chmod 700 "$scratch/runtime"
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_CONFIG_HOME="$scratch/config" \
  XDG_RUNTIME_DIR="$scratch/runtime"

cargo fmt --all -- --check
source scripts/clippy-env.sh
# A CI build starts cold and is never rebuilt: incremental caches would only cost time.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

# A virtual X server for the window, clipboard and screen-capture tests.
if [ -z "${TWOFOLD_TEST_DISPLAY:-}" ]; then
  display=":$(( 90 + RANDOM % 100 ))"
  Xvfb "$display" -screen 0 1600x1000x24 -nolisten tcp >"$scratch/xvfb.log" 2>&1 &
  xvfb_pid=$!
  trap 'kill $xvfb_pid 2>/dev/null; rm -rf "$scratch"' EXIT
  for _ in $(seq 1 50); do
    [ -e "/tmp/.X11-unix/X${display#:}" ] && break
    sleep 0.1
  done
  export DISPLAY="$display"
else
  export DISPLAY="$TWOFOLD_TEST_DISPLAY"
fi
unset WAYLAND_DISPLAY

# The suite runs inside its own session bus with an unlocked Secret Service.
dbus-run-session -- bash -c '
  set -euo pipefail
  printf "twofold-test" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  cargo test --locked --all-targets "$@"
  cargo test --locked --doc "$@"
' test.sh "$@"
./scripts/check-packaging.sh  # desktop entry, metainfo, the .deb (built and unpacked), installer sources
