#!/usr/bin/env bash
# Scores `twofold scan` (release build) against zbarimg and ZXingReader on the same generated corpus
# of screenshot-like QR images, in the same run: images decoded per kind (every expected text found)
# and the median wall time per image (a process per image, as a user runs them).
# Usage: scripts/bench-qr.sh [REPEATS]   (each image is run REPEATS times, default 3; the median counts)
# BASELINE=path/to/an/older/twofold adds that binary as a column, for a before/after in one run.
set -euo pipefail
cd "$(dirname "$0")/.."
repeats="${1:-3}"

declare -A NEEDED=([zbarimg]=zbar-tools [ZXingReader]=zxing-cpp-tools [python3]=python3)
missing=()
for tool in "${!NEEDED[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("${NEEDED[$tool]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench-qr.sh: installing ${missing[*]}" >&2
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cargo build --release --locked --bin twofold --example qr_corpus
target="${CARGO_TARGET_DIR:-target}"
corpus="$(mktemp -d)"
trap 'rm -rf "$corpus"' EXIT
"$target/release/examples/qr_corpus" "$corpus"

python3 - "$corpus" "$target/release/twofold" "$repeats" "${BASELINE:-}" <<'PY'
import re, statistics, subprocess, sys, time
from collections import OrderedDict

corpus, twofold, repeats, baseline = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
samples = []
for line in open(f"{corpus}/manifest.tsv"):
    name, kind, *expected = line.rstrip("\n").split("\t")
    samples.append((name, kind, expected))

def zxing_texts(out):
    return [m.group(1) for m in re.finditer(r'^Text:\s+"(.*)"$', out, re.M)]

tools = OrderedDict([
    ("twofold", (lambda f: [twofold, "scan", f], lambda out: out.splitlines())),
    ("zbarimg", (lambda f: ["zbarimg", "-q", "--raw", "-Sdisable", "-Sqrcode.enable", f],
                 lambda out: out.splitlines())),
    ("ZXingReader", (lambda f: ["ZXingReader", "-format", "QRCode", f], zxing_texts)),
])
if baseline:
    tools["baseline"] = (lambda f: [baseline, "scan", f], lambda out: out.splitlines())

kinds = list(OrderedDict.fromkeys(k for _, k, _ in samples))
ok = {t: {k: 0 for k in kinds} for t in tools}
total = {k: 0 for k in kinds}
times = {t: [] for t in tools}
decoded = {t: set() for t in tools}
for name, kind, expected in samples:
    total[kind] += 1
    path = f"{corpus}/{name}"
    for tool, (argv, parse) in tools.items():
        runs, good = [], False
        for _ in range(repeats):
            start = time.perf_counter()
            p = subprocess.run(argv(path), capture_output=True, text=True, errors="replace")
            runs.append(time.perf_counter() - start)
            got = set(parse(p.stdout))
            good = all(e in got for e in expected)
        times[tool].append(statistics.median(runs))
        if good:
            ok[tool][kind] += 1
            decoded[tool].add(name)

w = max(len(k) for k in kinds) + 2
print(f"{'kind':<{w}}" + "".join(f"{t:>13}" for t in tools))
for k in kinds:
    print(f"{k:<{w}}" + "".join(f"{f'{ok[t][k]}/{total[k]}':>13}" for t in tools))
print(f"{'all':<{w}}" + "".join(f"{f'{sum(ok[t].values())}/{len(samples)}':>13}" for t in tools))
print(f"{'median ms':<{w}}" + "".join(f"{statistics.median(times[t]) * 1000:>13.1f}" for t in tools))
print(f"{'max ms':<{w}}" + "".join(f"{max(times[t]) * 1000:>13.1f}" for t in tools))

peers = decoded["zbarimg"] | decoded["ZXingReader"]
must = peers | {n for n, k, _ in samples if k in ("dark-inverted", "frac2.5")}
missed = sorted(must - decoded["twofold"])
fastest = min(statistics.median(times[t]) for t in ("zbarimg", "ZXingReader"))
print()
print(f"goal: every image a peer decodes plus all inverted and fractional-scale ones: "
      f"{'met' if not missed else 'missed ' + ', '.join(missed)}")
print(f"goal: median time no worse than the fastest peer ({fastest * 1000:.1f} ms): "
      f"{'met' if statistics.median(times['twofold']) <= fastest else 'missed'}")
PY
