#!/usr/bin/env bash
# Prints how long `twofold list` takes with 500 accounts (release build, median of 15 runs),
# in a private D-Bus session with a throw-away gnome-keyring like the test suite's.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/runtime" && chmod 700 "$scratch/runtime"
export HOME="$scratch" XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime"
export BIN="$PWD/target/release/twofold" DIR="$scratch/vault" ACCOUNTS="${ACCOUNTS:-500}"
dbus-run-session -- bash -c '
  set -euo pipefail
  printf bench | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  start=$(date +%s%N)
  for i in $(seq 1 "$ACCOUNTS"); do
    secret=$(head -c 20 /dev/urandom | base32 | tr -d "=")
    printf %s "$secret" | "$BIN" --data-dir "$DIR" add --secret - --issuer "Issuer $i" --name "user$i@example.com" >/dev/null
  done
  echo "added $ACCOUNTS accounts one by one: $(( ($(date +%s%N) - start) / 1000000 / ACCOUNTS )) ms per add (keyring + decrypt + encrypt + fsync)"
  "$BIN" --data-dir "$DIR" list >/dev/null
  times=()
  for run in $(seq 1 15); do
    t0=$(date +%s%N); "$BIN" --data-dir "$DIR" list >/dev/null; t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000 )))
  done
  sorted=($(printf "%s\n" "${times[@]}" | sort -n))
  echo "twofold list, $ACCOUNTS accounts: median $(( ${sorted[7]} / 1000 )).$(( ${sorted[7]} % 1000 / 100 )) ms (min $(( ${sorted[0]} / 1000 )) ms, max $(( ${sorted[14]} / 1000 )) ms, 15 runs)"
  "$BIN" --data-dir "$DIR" list --json > /dev/null
  t0=$(date +%s%N); "$BIN" --data-dir "$DIR" list --json >/dev/null; t1=$(date +%s%N)
  echo "twofold list --json, $ACCOUNTS accounts: $(( (t1 - t0) / 1000000 )) ms"
' 2>&1 | grep -v "fd limit"
