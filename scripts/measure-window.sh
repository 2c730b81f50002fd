#!/usr/bin/env bash
# Runs the window under Xvfb with 200 accounts and prints: time until the window is mapped (warm
# keyring), CPU seconds used over 20 s idle, and peak RSS. Release build; a private D-Bus session and
# a throw-away gnome-keyring, like the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ACCOUNTS="${ACCOUNTS:-200}" IDLE_SECS="${IDLE_SECS:-20}"
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --locked --quiet
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}" RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
scratch="$(mktemp -d)"
display=":$(( 200 + RANDOM % 50 ))"
Xvfb "$display" -screen 0 1280x900x24 -nolisten tcp >/dev/null 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null; rm -rf "$scratch"' EXIT
sleep 1
mkdir -p "$scratch/runtime" && chmod 700 "$scratch/runtime"
export HOME="$scratch" XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/runtime" DISPLAY="$display"
export BIN="$PWD/target/release/twofold" DIR="$scratch/vault" ACCOUNTS IDLE_SECS
dbus-run-session -- bash -c '
  set -euo pipefail
  printf bench | gnome-keyring-daemon --unlock --components=secrets --daemonize >/dev/null
  for i in $(seq 1 "$ACCOUNTS"); do
    head -c 20 /dev/urandom | base32 | tr -d "=" | "$BIN" --data-dir "$DIR" add --secret - --issuer "Issuer $i" --name "user$i" >/dev/null
  done
  "$BIN" --data-dir "$DIR" list >/dev/null   # warm the keyring
  tick=$(getconf CLK_TCK)
  t0=$(date +%s%N)
  "$BIN" --data-dir "$DIR" 2>/dev/null &
  pid=$!
  until xdotool search --onlyvisible --pid "$pid" --name "^Twofold$" >/dev/null 2>&1; do sleep 0.005; done
  t1=$(date +%s%N)
  echo "time to window mapped: $(( (t1 - t0) / 1000000 )) ms ($ACCOUNTS accounts, warm keyring)"
  sleep 3
  cpu() { awk "{print \$14 + \$15}" "/proc/$pid/stat"; }
  # Per thread too (name and utime+stime ticks), to see where idle time goes.
  threads() { for t in /proc/$pid/task/*; do printf "%s\t%s\t%s\n" "${t##*/}" "$(cat "$t/comm")" "$(awk "{print \$14 + \$15}" "$t/stat")"; done | LC_ALL=C sort; }
  c0=$(cpu); threads >"$HOME/threads0"; sleep "$IDLE_SECS"; c1=$(cpu); threads >"$HOME/threads1"
  awk -v a="$c0" -v b="$c1" -v t="$tick" -v s="$IDLE_SECS" "BEGIN { printf \"idle CPU over %d s: %.2f CPU s (%.2f %% of one core)\n\", s, (b-a)/t, 100*(b-a)/t/s }"
  echo "idle CPU ticks by thread (1 tick = 1/$tick s):"
  LC_ALL=C join -t "$(printf "\t")" "$HOME/threads0" "$HOME/threads1" |
    awk -F "\t" "{ d = \$5 - \$3; if (d > 0) printf \"  %-20s %d\n\", \$2, d }"
  echo "peak RSS: $(awk "/VmHWM/ {print \$2/1024}" /proc/$pid/status) MiB"
  kill "$pid"
' 2>&1 | grep -v "fd limit"
