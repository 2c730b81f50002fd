//! The window's backup dialogs driven through egui_kittest: Export (passphrase twice, strength),
//! Import (password, preview, accept), Transfer to a phone, the reminder and automatic backups.
//! File dialogs are answered by `ScriptedDialogs`; everything else is the real app and core.

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use twofold::backup;
use twofold::otp::uri;
use twofold::ui::TwofoldApp;
use twofold::ui::settings::Settings;

use super::ui_flows::{Fixture, LINKS, T0, has_label, type_into, wait};

const GOOD: &str = "copper lantern orbit seventeen";

fn menu(h: &mut Harness<'static, TwofoldApp>, item: &str) {
    h.get_by_label("Backups").click();
    h.run_steps(2);
    h.get_by_label(item).click();
    h.run_steps(3);
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn fixture_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn export_asks_twice_refuses_weak_passphrases_and_writes_a_backup() {
    let f = Fixture::new(&LINKS);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("backup.twofold");
    *f.dialogs.save.lock().unwrap() = Some(target.clone());
    let mut h = f.app(Settings::default());
    wait(&mut h, "the reminder", |h| {
        has_label(h, "Your accounts have never been backed up.")
    });
    menu(&mut h, "Export…");
    assert!(has_label(&h, "Twofold backup (encrypted)"));

    type_into(&mut h, "Passphrase", "password1");
    type_into(&mut h, "Passphrase again", "password1");
    assert!(
        has_label(
            &h,
            "This passphrase is too easy to guess: make it longer (a few unrelated words work well)."
        ),
        "a weak passphrase must be refused"
    );
    h.get_by_label("Choose file and export…").click();
    h.run_steps(4);
    assert!(!target.exists(), "the disabled button exported anyway");

    // Clear both fields and type a good passphrase, then a different second one.
    for label in ["Passphrase", "Passphrase again"] {
        h.get_by_label(label).focus();
        h.run_steps(1);
        for _ in 0..12 {
            h.key_press(egui::Key::Backspace);
        }
        h.run_steps(1);
    }
    type_into(&mut h, "Passphrase", GOOD);
    type_into(&mut h, "Passphrase again", "copper lantern orbit");
    assert!(has_label(&h, "The two passphrases are not the same."));
    assert!(
        h.query_by_label_contains("Strength: Strong").is_some()
            || h.query_by_label_contains("Strength: Good").is_some(),
        "the meter rates a four-word passphrase well"
    );
    h.get_by_label("Choose file and export…").click();
    h.run_steps(4);
    assert!(!target.exists());

    type_into(&mut h, "Passphrase again", " seventeen");
    h.get_by_label("Choose file and export…").click();
    wait(&mut h, "the export", |h| {
        h.state().backup_needed() == Some(false)
    });
    let parsed = backup::twofold::read(
        &std::fs::read(&target).unwrap(),
        Some(&SecretString::from(GOOD.to_string())),
    )
    .unwrap();
    assert_eq!(parsed.entries.len(), 3);
    assert!(h.query_by_label_contains("Exported 3 accounts").is_some());
    assert!(!has_label(&h, "Your accounts have never been backed up."));

    // Copying a code records its last use, which is not a change worth a backup.
    let code = twofold::otp::group_code(&uri::parse(LINKS[0]).unwrap().code_at(T0).value);
    h.get_by_label(&code).click();
    wait(&mut h, "the last use to be saved", |h| {
        h.state().accounts()[0].last_used_at.is_some()
    });
    h.run_steps(4);
    assert_eq!(h.state().backup_needed(), Some(false));
}

#[test]
fn unencrypted_exports_need_a_confirmation() {
    let f = Fixture::new(&LINKS);
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("accounts.txt");
    *f.dialogs.save.lock().unwrap() = Some(target.clone());
    let mut h = f.app(Settings::default());
    menu(&mut h, "Export…");
    h.get_by_label("otpauth:// list (unencrypted)").click();
    h.run_steps(2);
    assert!(h.query_by_label_contains("UNENCRYPTED").is_some());
    h.get_by_label("Choose file and export…").click();
    h.run_steps(4);
    assert!(!target.exists(), "exported without the confirmation");
    h.get_by_label("I understand; write it without encryption")
        .click();
    h.run_steps(2);
    h.get_by_label("Choose file and export…").click();
    wait(&mut h, "the export", |_| target.exists());
    let text = std::fs::read_to_string(&target).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.starts_with("otpauth://")).count(),
        3
    );
    // Not a Twofold backup: the reminder stays.
    h.run_steps(4);
    assert_eq!(h.state().backup_needed(), Some(true));
}

#[test]
fn import_asks_the_password_again_previews_and_adds_only_on_accept() {
    let f = Fixture::new(&LINKS);
    let file = fixture_file("aegis_encrypted.json");
    let expected = backup::read(
        &std::fs::read(&file).unwrap(),
        None,
        Some(&SecretString::from("test".to_string())),
        0,
    )
    .unwrap()
    .entries
    .len();
    assert!(expected > 0);
    *f.dialogs.open.lock().unwrap() = Some(file);
    let mut h = f.app(Settings::default());
    menu(&mut h, "Import…");
    wait(&mut h, "the password prompt", |h| {
        has_label(h, "This Aegis vault is encrypted.")
    });
    type_into(&mut h, "File password", "not the password");
    h.get_by_label("Open").click();
    wait(&mut h, "the wrong-password message", |h| {
        h.query_by_label_contains("Try again.").is_some()
    });
    assert_eq!(
        f.on_disk().accounts.len(),
        3,
        "a wrong password changed the vault"
    );

    type_into(&mut h, "File password", "test");
    h.get_by_label("Open").click();
    let button = format!("Import {expected} accounts");
    wait(&mut h, "the preview", |h| has_label(h, &button));
    assert_eq!(h.query_all_by_label_contains("Add: ").count(), expected);
    assert!(has_label(&h, "Nothing changes until you choose Import."));
    assert_eq!(
        f.on_disk().accounts.len(),
        3,
        "the preview wrote to the vault"
    );

    h.get_by_label(&button).click();
    wait(&mut h, "the import", |h| {
        h.state().accounts().len() == 3 + expected
    });
    assert_eq!(f.on_disk().accounts.len(), 3 + expected);
    assert!(
        h.query_by_label_contains(&format!("Imported {expected} accounts"))
            .is_some()
    );

    // The same file again: everything is a duplicate, and nothing can be imported.
    menu(&mut h, "Import…");
    wait(&mut h, "the password prompt", |h| {
        has_label(h, "File password")
    });
    type_into(&mut h, "File password", "test");
    h.get_by_label("Open").click();
    wait(&mut h, "the second preview", |h| {
        h.query_all_by_label_contains("Skip: ").count() == expected
    });
    assert!(
        h.query_by_label_contains(&format!("0 to add, {expected} already in Twofold"))
            .is_some()
    );
}

#[test]
fn a_file_that_is_not_an_export_says_so_and_changes_nothing() {
    let f = Fixture::new(&LINKS);
    let junk = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(junk.path(), b"\x00\x01 not an export at all").unwrap();
    *f.dialogs.open.lock().unwrap() = Some(junk.path().to_path_buf());
    let mut h = f.app(Settings::default());
    menu(&mut h, "Import…");
    wait(&mut h, "the error", |h| {
        has_label(h, "Nothing was imported.")
    });
    assert!(
        h.query_by_label_contains("cannot tell what kind of file")
            .is_some()
            || h.query_by_label_contains("Cannot tell what kind of file")
                .is_some()
    );
    assert_eq!(f.on_disk().accounts.len(), 3);
}

#[test]
fn transfer_shows_google_codes_after_a_reveal_and_says_what_is_left_out() {
    let slow = "otpauth://totp/Slow:me?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&period=60";
    let f = Fixture::new(&[LINKS[0], LINKS[1], LINKS[2], slow]);
    let mut h = f.app(Settings::default());
    menu(&mut h, "Transfer to a phone…");
    assert!(
        h.query_by_label_contains("Not included: Slow (me)")
            .is_some(),
        "the 60-second account must be named"
    );
    assert!(
        !has_label(&h, "Code 1 of 1"),
        "codes shown before the reveal"
    );
    h.get_by_label("Show the codes").click();
    h.run_steps(3);
    assert!(has_label(&h, "Code 1 of 1"));
}

#[test]
fn automatic_backups_follow_changes_into_the_chosen_folder() {
    let f = Fixture::new(&LINKS);
    let folder = tempfile::tempdir().unwrap();
    *f.dialogs.folder.lock().unwrap() = Some(folder.path().to_path_buf());
    let mut h = f.app(Settings::default());
    h.get_by_label("Settings").click();
    h.run_steps(3);
    h.get_by_label("Choose folder…").click();
    let shown = folder.path().display().to_string();
    wait(&mut h, "the folder", |h| has_label(h, &shown));
    type_into(&mut h, "Passphrase", GOOD);
    type_into(&mut h, "Passphrase again", GOOD);
    h.get_by_label("Turn automatic backups on").click();
    wait(&mut h, "automatic backups on", |h| {
        h.query_by_label_contains("Automatic backups: on change")
            .is_some()
    });
    assert!(
        files_in(folder.path()).is_empty(),
        "backed up before the delay"
    );

    // After the delay the first backup is written.
    f.clock.advance_millis(6_000);
    wait(&mut h, "the first automatic backup", |_| {
        files_in(folder.path()).len() == 1
    });
    wait(&mut h, "the reminder to clear", |h| {
        h.state().backup_needed() == Some(false)
    });

    // A change (the HOTP counter) makes a second one.
    h.get_by_label("Next code").click();
    wait(&mut h, "the counter to be saved", |h| {
        h.state().backup_needed() == Some(true)
    });
    f.clock.advance_millis(6_000);
    wait(&mut h, "the second automatic backup", |_| {
        files_in(folder.path()).len() == 2
    });
    // Both backups open with the passphrase; one has the old counter, the other the new one.
    let mut counters: Vec<_> = files_in(folder.path())
        .iter()
        .map(|file| {
            let parsed = backup::twofold::read(
                &std::fs::read(file).unwrap(),
                Some(&SecretString::from(GOOD.to_string())),
            )
            .unwrap();
            let bank = parsed
                .entries
                .iter()
                .find(|e| e.account.token().issuer == "Bank")
                .unwrap();
            match bank.account.token().kind {
                twofold::otp::OtpKind::Hotp { counter } => counter,
                _ => unreachable!(),
            }
        })
        .collect();
    counters.sort();
    assert_eq!(counters, [5, 6]);
}

#[test]
fn importing_into_a_new_data_dir_creates_the_vault() {
    use std::sync::Arc;
    use twofold::ui::{AppOptions, KeySource, Phase};
    use twofold::vault::{KeyStore, MemoryStore, Vault};
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(MemoryStore::default());
    let dialogs = Arc::new(twofold::ui::dialogs::ScriptedDialogs::default());
    *dialogs.open.lock().unwrap() = Some(fixture_file("aegis_plain.json"));
    let options = AppOptions {
        data_dir: dir.path().to_path_buf(),
        keys: KeySource::Fixed(store.clone()),
        clock: Arc::new(twofold::clock::ManualClock::at_secs(T0)),
        clipboard: Box::new(twofold::ui::clipboard::RecordingClipboard::default()),
        dialogs: dialogs.clone(),
        settings: Some(Settings {
            hotkey: String::new(),
            ..Settings::default()
        }),
    };
    let mut h = Harness::builder()
        .with_size([640.0, 820.0])
        .build_eframe(move |cc| TwofoldApp::new(cc, options));
    wait(&mut h, "the welcome screen", |h| {
        *h.state().phase() == Phase::Welcome
    });
    menu(&mut h, "Import…");
    wait(&mut h, "the preview", |h| {
        h.query_by_label_contains("Aegis vault: ").is_some()
    });
    assert!(
        !dir.path().join("vault.age").exists(),
        "the preview created the vault"
    );
    let n = h.query_all_by_label_contains("Add: ").count();
    assert!(n > 0);
    h.get_by_label(&format!("Import {n} accounts")).click();
    wait(&mut h, "the vault", |h| {
        *h.state().phase() == Phase::Unlocked
    });
    let store: &dyn KeyStore = store.as_ref();
    let doc = Vault::open(dir.path(), store).unwrap().read().unwrap();
    assert_eq!(doc.accounts.len(), n);
}
