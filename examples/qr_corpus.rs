//! Writes the QR test corpus to a directory, with `manifest.tsv` (file, kind, expected texts...),
//! for scripts/bench-qr.sh: `cargo run --release --example qr_corpus -- DIR`.
//! With `--check` instead of a directory it decodes each image in-process and prints the time.

#[path = "../tests/twofold/qr_corpus.rs"]
mod qr_corpus;

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let arg = std::env::args()
        .nth(1)
        .expect("usage: qr_corpus DIR | --check [KIND]");
    if arg == "--passes" {
        let path = std::env::args().nth(2).unwrap();
        let gray = twofold::qr::load_file(std::path::Path::new(&path))
            .unwrap()
            .to_luma8();
        for (name, found, failed) in twofold::qr::debug_passes(&gray) {
            println!("{name:<28} found {found} failed {failed}");
        }
        return;
    }
    if arg == "--check" {
        let only = std::env::args().nth(2);
        for sample in qr_corpus::corpus() {
            if only.as_deref().is_some_and(|k| k != sample.kind) {
                continue;
            }
            let start = Instant::now();
            let found = twofold::qr::decode_bytes(&sample.bytes).unwrap();
            let ms = start.elapsed().as_secs_f64() * 1000.0;
            let mut got: Vec<String> = found.iter().map(|t| t.as_str().to_string()).collect();
            got.sort();
            let ok = if got == sample.expected {
                "ok  "
            } else {
                "FAIL"
            };
            println!("{ok} {:>8.1} ms  {} ({} found)", ms, sample.name, got.len());
        }
        return;
    }
    let dir = PathBuf::from(arg);
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = std::fs::File::create(dir.join("manifest.tsv")).unwrap();
    for sample in qr_corpus::corpus() {
        std::fs::write(dir.join(&sample.name), &sample.bytes).unwrap();
        writeln!(
            manifest,
            "{}\t{}\t{}",
            sample.name,
            sample.kind,
            sample.expected.join("\t")
        )
        .unwrap();
    }
}
