//! Decoding a QR code in a 1080p and a 4K screenshot: `cargo bench --bench qr`.

#[path = "../tests/twofold/qr_corpus.rs"]
mod qr_corpus;

use criterion::{Criterion, criterion_group, criterion_main};
use image::DynamicImage;

fn decode(c: &mut Criterion) {
    let mut group = c.benchmark_group("qr-decode");
    for (name, w, h, module) in [("1080p", 1920, 1080, 4), ("4k", 3840, 2160, 8)] {
        let (shot, text) = qr_corpus::screenshot_with_code(w, h, module, 42);
        let img = DynamicImage::ImageRgb8(shot);
        let found = twofold::qr::decode_image(&img);
        assert_eq!(found.len(), 1, "{name}: the code must decode");
        assert_eq!(found[0].as_str(), text);
        group.bench_function(name, |b| b.iter(|| twofold::qr::decode_image(&img)));
    }
    group.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);
