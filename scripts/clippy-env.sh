# Sourced by the test scripts. Clippy lints the project's own crates while cargo compiles them for
# the tests (clippy-driver as the workspace wrapper, which is what `cargo clippy` itself sets up),
# so the dependencies are compiled once rather than a second time in check mode for
# `cargo clippy`: that second pass was a third of a cold test run. `-D warnings` as before; every
# target (lib, bin, tests, benches, examples) is compiled by `cargo test --all-targets`.
# The same variables in every script keep cargo's fingerprints equal, so switching between them
# does not recompile the crate.
clippy_driver="$(rustup which clippy-driver 2>/dev/null || command -v clippy-driver || true)"
if [ -z "$clippy_driver" ]; then
  echo "clippy-driver not found: rustup component add clippy" >&2
  exit 1
fi
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
