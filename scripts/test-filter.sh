#!/usr/bin/env bash
# A quick filtered run of the test binary inside a private D-Bus session with an unlocked
# gnome-keyring (like scripts/test.sh, without fmt and package installs; clippy's lints are
# applied the same way, so the two scripts share one build):
#   scripts/test-filter.sh backup
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/home" "$scratch/data" "$scratch/runtime"
chmod 700 "$scratch/runtime"
source scripts/clippy-env.sh
export HOME="$scratch/home" XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime"
dbus-run-session -- bash -c '
  printf "twofold-test" | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  cargo test --test twofold "$@"
' test-filter.sh "$@"
