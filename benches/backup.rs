//! Export and import of 1,000 accounts. The key derivation is measured on its own (`kdf/...`) so the
//! rest of the work (`*/without-kdf`: JSON, encryption, parsing, the preview) is visible apart from it.
//!
//! `cargo bench --bench backup -- --quick`

use std::hint::black_box;

use age::secrecy::SecretString;
use criterion::{Criterion, criterion_group, criterion_main};
use twofold::account::Account;
use twofold::backup::{self, aegis, twofold as tf};
use twofold::otp::uri;
use twofold::vault::VaultDoc;

const NOW: i64 = 1_700_000_000;

fn accounts(n: usize) -> Vec<Account> {
    (0..n)
        .map(|i| {
            let secret =
                data_encoding::BASE32_NOPAD.encode(&(i as u64 + 1).to_be_bytes().repeat(2));
            let t = uri::parse(&format!(
                "otpauth://totp/Issuer{i}:user{i}@example.com?secret={secret}"
            ))
            .unwrap();
            let mut a = Account::new(t, NOW);
            a.notes = format!("account number {i}");
            a.tags = vec!["bench".into()];
            a.add_recovery_codes((0..8).map(|j| format!("{i:05}-{j:05}")));
            a
        })
        .collect()
}

fn empty_doc() -> VaultDoc {
    VaultDoc {
        format: "twofold-vault".into(),
        version: 1,
        vault_id: uuid::Uuid::nil(),
        generation: 0,
        accounts: Vec::new(),
        export_parts: Default::default(),
        auto_backup_passphrase: None,
    }
}

fn bench(c: &mut Criterion) {
    let accounts = accounts(1_000);
    let password = SecretString::from("benchmark passphrase".to_string());

    // Twofold backup: age scrypt at the work factor age picks on this machine (~1 s).
    let sealed = tf::export(&accounts, &password, NOW).unwrap();
    let log_n = tf::work_factor(&sealed).unwrap();
    eprintln!(
        "twofold backup of 1000 accounts: {} bytes, age scrypt work factor 2^{log_n}",
        sealed.len()
    );
    let mut g = c.benchmark_group("twofold");
    g.sample_size(10);
    g.bench_function("kdf/scrypt-age-work-factor", |b| {
        let params = scrypt::Params::new(log_n, 8, 1, 32).unwrap();
        b.iter(|| {
            let mut key = [0u8; 32];
            scrypt::scrypt(
                b"benchmark passphrase",
                b"0123456789abcdef",
                &params,
                &mut key,
            )
            .unwrap();
            black_box(key)
        })
    });
    g.bench_function("export/total", |b| {
        b.iter(|| black_box(tf::export(&accounts, &password, NOW).unwrap()))
    });
    g.bench_function("import/total", |b| {
        b.iter(|| black_box(backup::read(&sealed, None, Some(&password), NOW).unwrap()))
    });
    // The same work without the KDF: JSON plus age's payload encryption to an X25519 key.
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let x25519 = age::encrypt(&recipient, &tf::plaintext(&accounts, NOW)).unwrap();
    g.bench_function("export/without-kdf", |b| {
        b.iter(|| black_box(age::encrypt(&recipient, &tf::plaintext(&accounts, NOW)).unwrap()))
    });
    g.bench_function("import/without-kdf", |b| {
        b.iter(|| {
            let plain = age::decrypt(&identity, &x25519).unwrap();
            let parsed = backup::read(&plain, Some(backup::Format::Twofold), None, NOW).unwrap();
            black_box(backup::preview(parsed, &empty_doc()))
        })
    });
    g.finish();

    // Aegis: scrypt N=2^15 r=8 p=1 per export/import, AES-GCM for the rest.
    let mut g = c.benchmark_group("aegis");
    g.sample_size(10);
    g.bench_function("kdf/scrypt-2^15", |b| {
        let params = scrypt::Params::new(15, 8, 1, 32).unwrap();
        b.iter(|| {
            let mut key = [0u8; 32];
            scrypt::scrypt(b"benchmark passphrase", &[7u8; 32], &params, &mut key).unwrap();
            black_box(key)
        })
    });
    let encrypted = aegis::export(&accounts, Some(&password)).unwrap();
    let plain = aegis::export(&accounts, None).unwrap();
    g.bench_function("export/total", |b| {
        b.iter(|| black_box(aegis::export(&accounts, Some(&password)).unwrap()))
    });
    g.bench_function("import/total", |b| {
        b.iter(|| black_box(backup::read(&encrypted, None, Some(&password), NOW).unwrap()))
    });
    g.bench_function("export/without-kdf", |b| {
        b.iter(|| black_box(aegis::export(&accounts, None).unwrap()))
    });
    g.bench_function("import/without-kdf", |b| {
        b.iter(|| {
            let parsed = backup::read(&plain, None, None, NOW).unwrap();
            black_box(backup::preview(parsed, &empty_doc()))
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
