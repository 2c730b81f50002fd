//! The real app driven through egui_kittest: an injected clock, a recording clipboard and a vault in a
//! temporary directory (its key in memory; the keyring path has its own tests).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use twofold::account::Account;
use twofold::clock::ManualClock;
use twofold::otp::{self, OtpKind, uri};
use twofold::ui::clipboard::RecordingClipboard;
use twofold::ui::dialogs::ScriptedDialogs;
use twofold::ui::settings::Settings;
use twofold::ui::{AppOptions, KeySource, Phase, TwofoldApp};
use twofold::vault::{KeyStore, MemoryStore, Vault, VaultDoc, VaultError};

/// 2026-12-03 10:00:07 UTC: 23 s left in the 30-second period.
pub(super) const T0: u64 = 1_764_756_007;

pub(super) const LINKS: [&str; 3] = [
    "otpauth://totp/GitHub:octo?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    "otpauth://totp/Shop%20Admin:owner@shop.example?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&digits=8",
    "otpauth://hotp/Bank:me?secret=KUVJJOM753IHTNDSZVCNKL7GII&counter=5",
];

pub(super) struct Fixture {
    pub dir: tempfile::TempDir,
    pub store: Arc<MemoryStore>,
    pub clock: ManualClock,
    pub clipboard: RecordingClipboard,
    /// What the file dialogs answer.
    pub dialogs: Arc<ScriptedDialogs>,
}

impl Fixture {
    pub fn new(links: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(MemoryStore::default());
        let vault = Vault::create(dir.path(), store.as_ref()).unwrap();
        let tokens: Vec<_> = links.iter().map(|l| uri::parse(l).unwrap()).collect();
        vault
            .update(|doc| {
                for t in tokens {
                    doc.accounts.push(Account::new(t, 0));
                }
                Ok::<_, VaultError>(())
            })
            .unwrap();
        Fixture {
            dir,
            store,
            clock: ManualClock::at_secs(T0),
            clipboard: RecordingClipboard::default(),
            dialogs: Arc::new(ScriptedDialogs::default()),
        }
    }

    /// The app with these settings and no global shortcut (tests run side by side on one X server).
    pub fn app(&self, settings: Settings) -> Harness<'static, TwofoldApp> {
        self.app_with_shortcut(Settings {
            hotkey: String::new(),
            ..settings
        })
    }

    pub fn app_with_shortcut(&self, settings: Settings) -> Harness<'static, TwofoldApp> {
        let options = AppOptions {
            data_dir: self.dir.path().to_path_buf(),
            keys: KeySource::Fixed(self.store.clone()),
            clock: Arc::new(self.clock.clone()),
            clipboard: Box::new(self.clipboard.clone()),
            dialogs: self.dialogs.clone(),
            settings: Some(settings),
        };
        let mut harness = Harness::builder()
            .with_size([640.0, 820.0])
            .build_eframe(move |cc| TwofoldApp::new(cc, options));
        wait(&mut harness, "the vault to open", |h| {
            *h.state().phase() == Phase::Unlocked
        });
        harness
    }

    /// The vault as it is on disk.
    pub fn on_disk(&self) -> VaultDoc {
        let store: &dyn KeyStore = self.store.as_ref();
        Vault::open(self.dir.path(), store).unwrap().read().unwrap()
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn copies(&self) -> Vec<String> {
        self.clipboard.copies.lock().unwrap().clone()
    }
}

/// Steps the app until `done` holds; the vault works on its own thread.
pub(super) fn wait(
    h: &mut Harness<'static, TwofoldApp>,
    what: &str,
    done: impl Fn(&Harness<'static, TwofoldApp>) -> bool,
) {
    let start = Instant::now();
    while !done(h) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    h.run_steps(4);
}

fn code_at(link: &str, secs: u64) -> String {
    uri::parse(link).unwrap().code_at(secs).value.to_string()
}

/// Focuses the field with that label and types into it, as a user would.
pub(super) fn type_into(h: &mut Harness<'static, TwofoldApp>, label: &str, text: &str) {
    h.get_by_label(label).focus();
    h.run_steps(1);
    // Text events carry no newlines: a new line is the Enter key, as on a keyboard.
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            h.key_press(Key::Enter);
        }
        h.get_by_label(label).type_text(line);
        h.run_steps(1);
    }
}

pub(super) fn has_label(h: &Harness<'static, TwofoldApp>, label: &str) -> bool {
    h.query_by_label(label).is_some()
}

#[test]
fn list_shows_grouped_codes_and_next_code_near_the_end() {
    let f = Fixture::new(&LINKS);
    let mut h = f.app(Settings::default());
    let github = code_at(LINKS[0], T0);
    let shop = code_at(LINKS[1], T0);
    assert!(
        has_label(&h, &otp::group_code(&github)),
        "GitHub code missing"
    );
    assert!(
        has_label(&h, &otp::group_code(&shop)),
        "8-digit code missing"
    );
    assert!(
        has_label(&h, "Next code"),
        "HOTP row has no Next code button"
    );
    // With 3 s left the next code shows beside the current one.
    f.clock.set_millis((T0 + 20) * 1000);
    h.run_steps(4);
    let next = code_at(LINKS[0], T0 + 30);
    assert!(
        has_label(&h, &otp::group_code(&next)),
        "next code not shown in the last seconds"
    );
    // The clock rolls over: the old code is gone.
    f.clock.set_millis((T0 + 24) * 1000);
    h.run_steps(4);
    assert!(!has_label(&h, &otp::group_code(&github)));
    assert!(has_label(&h, &otp::group_code(&next)));
}

#[test]
fn add_by_form_rejects_a_bad_secret_and_saves_a_good_one() {
    let f = Fixture::new(&[]);
    let mut h = f.app(Settings::default());
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::N);
    h.run_steps(4);
    type_into(&mut h, "Issuer", "Example Shop");
    type_into(&mut h, "Account name", "admin");
    type_into(&mut h, "Secret key", "JBSW0Y3DP");
    h.run_steps(4);
    let message =
        "The secret is not valid: character 5 is not base32 (only A–Z and 2–7 are allowed).";
    assert!(has_label(&h, message), "validation message missing");
    h.get_by_label("Save account").click();
    h.run_steps(4);
    std::thread::sleep(Duration::from_millis(200));
    h.run_steps(4);
    assert!(f.on_disk().accounts.is_empty(), "a bad secret was saved");
    assert!(h.state().accounts().is_empty());

    // Fix it: the message goes and the account is saved.
    h.get_by_label("Secret key").focus();
    h.run_steps(1);
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    type_into(&mut h, "Secret key", "JBSWY3DPEHPK3PXP");
    h.run_steps(4);
    assert!(!has_label(&h, message));
    h.get_by_label("Save account").click();
    wait(&mut h, "the account to be saved", |h| {
        h.state().accounts().len() == 1
    });
    let saved = &f.on_disk().accounts[0];
    assert_eq!(saved.token().issuer, "Example Shop");
    assert_eq!(saved.token().name, "admin");
    assert_eq!(saved.token().kind, OtpKind::Totp { period_secs: 30 });
    assert!(!has_label(&h, "Save account"), "the dialog stayed open");
}

#[test]
fn search_then_enter_copies_the_matching_code() {
    let f = Fixture::new(&LINKS);
    let mut h = f.app(Settings::default());
    // The search field has the focus from the start: typing goes straight in.
    assert!(h.get_by_label("Search").is_focused());
    h.get_by_label("Search").type_text("shop");
    h.run_steps(4);
    assert!(
        !has_label(&h, &otp::group_code(&code_at(LINKS[0], T0))),
        "filter did not hide GitHub"
    );
    h.key_press(Key::Enter);
    h.run_steps(4);
    assert_eq!(f.copies(), vec![code_at(LINKS[1], T0)]);
    assert!(
        h.query_by_label_contains("Copied the code of Shop Admin (owner@shop.example)")
            .is_some()
    );
    // Copying records last use.
    wait(&mut h, "last use to be saved", |h| {
        h.state()
            .accounts()
            .iter()
            .any(|a| a.last_used_at == Some(T0 as i64))
    });
    // Escape clears the search; the arrow keys move the selection and Enter copies it.
    h.key_press(Key::Escape);
    h.run_steps(4);
    assert!(has_label(&h, &otp::group_code(&code_at(LINKS[0], T0))));
    h.get_by_label("Search").focus();
    h.key_press(Key::ArrowDown);
    h.key_press(Key::ArrowDown);
    h.key_press(Key::Enter);
    h.run_steps(4);
    assert_eq!(f.copies().last().unwrap(), &code_at(LINKS[1], T0));
}

#[test]
fn clipboard_is_cleared_only_if_it_still_holds_our_code() {
    let f = Fixture::new(&LINKS[..1]);
    let mut h = f.app(Settings::default());
    let code = code_at(LINKS[0], T0);
    h.get_by_label(&otp::group_code(&code)).click();
    h.run_steps(4);
    assert_eq!(*f.clipboard.current.lock().unwrap(), Some(code.clone()));
    assert!(
        h.query_by_label_contains("the clipboard clears in 30 s")
            .is_some()
    );
    f.clock.set_millis((T0 + 29) * 1000);
    h.run_steps(4);
    assert_eq!(*f.clipboard.current.lock().unwrap(), Some(code.clone()));
    f.clock.set_millis((T0 + 30) * 1000 + 1);
    h.run_steps(4);
    assert_eq!(
        *f.clipboard.current.lock().unwrap(),
        None,
        "not cleared after 30 s"
    );

    // Copy again, then another app puts something else there: it is left alone.
    let code2 = code_at(LINKS[0], T0 + 30);
    h.get_by_label(&otp::group_code(&code2)).click();
    h.run_steps(4);
    *f.clipboard.current.lock().unwrap() = Some("someone else's text".into());
    f.clock.set_millis((T0 + 61) * 1000);
    h.run_steps(4);
    assert_eq!(
        f.clipboard.current.lock().unwrap().as_deref(),
        Some("someone else's text")
    );
}

#[test]
fn hotp_next_code_advances_and_saves_the_counter() {
    let f = Fixture::new(&LINKS[2..]);
    let mut h = f.app(Settings::default());
    let first = code_at(LINKS[2], 0);
    assert!(has_label(&h, &otp::group_code(&first)));
    h.get_by_label("Next code").click();
    wait(&mut h, "the counter to advance", |h| {
        h.state().accounts()[0].token().kind == OtpKind::Hotp { counter: 6 }
    });
    assert_eq!(
        f.on_disk().accounts[0].token().kind,
        OtpKind::Hotp { counter: 6 }
    );
    let mut next = uri::parse(LINKS[2]).unwrap();
    next.kind = OtpKind::Hotp { counter: 6 };
    assert!(has_label(&h, &otp::group_code(&next.code_at(0).value)));
    assert!(!has_label(&h, &otp::group_code(&first)));
}

#[test]
fn recovery_codes_paste_copy_mark_used_and_count() {
    let f = Fixture::new(&LINKS[..1]);
    let mut h = f.app(Settings::default());
    h.get_by_label("Details").click();
    h.run_steps(4);
    assert!(has_label(&h, "0 of 0 recovery codes left"));
    type_into(
        &mut h,
        "Paste recovery codes",
        "GitHub recovery codes\n1. a1b2c-3d4e5\n2. f6a7b-8c9d0\n3. 12e3f-45a6b\n",
    );
    h.get_by_label("Add codes").click();
    wait(&mut h, "the codes to be saved", |h| {
        h.state().accounts()[0].recovery_codes.len() == 3
    });
    assert!(has_label(&h, "3 of 3 recovery codes left"));

    // Tick one as used.
    h.get_by_label("a1b2c-3d4e5").click();
    wait(&mut h, "the tick to be saved", |h| {
        h.state().accounts()[0].recovery_codes_left() == 2
    });
    assert!(has_label(&h, "2 of 3 recovery codes left"));
    assert!(has_label(
        &h,
        "Only 2 left: generate new recovery codes on the site soon."
    ));

    // Copy another: it is on the clipboard, and Twofold offers to mark it used.
    h.get_by_label("Copy f6a7b-8c9d0").click();
    h.run_steps(4);
    assert_eq!(f.copies(), vec!["f6a7b-8c9d0".to_string()]);
    h.get_by_label("Mark used").click();
    wait(&mut h, "the second use to be saved", |h| {
        h.state().accounts()[0].recovery_codes_left() == 1
    });
    assert!(has_label(&h, "1 of 3 recovery codes left"));
    let on_disk = &f.on_disk().accounts[0];
    assert_eq!(on_disk.recovery_codes_left(), 1);
    assert!(
        on_disk
            .recovery_codes
            .iter()
            .filter(|c| c.used_at.is_some())
            .count()
            == 2
    );
}

#[test]
fn delete_with_confirmation_then_undo_restores_the_account() {
    let f = Fixture::new(&LINKS[..2]);
    let mut h = f.app(Settings::default());
    let original = f.on_disk().accounts[0].clone();
    h.get_by_label_contains("GitHub").hover();
    let details = h.get_all_by_label("Details").next().unwrap();
    details.click();
    h.run_steps(4);
    h.get_by_label("Delete account…").click();
    h.run_steps(4);
    assert!(has_label(&h, "Delete GitHub (octo)?"));
    h.get_by_label("Delete").click();
    wait(&mut h, "the deletion", |h| h.state().accounts().len() == 1);
    assert_eq!(f.on_disk().accounts.len(), 1);
    assert!(has_label(&h, "Deleted GitHub (octo)"));
    h.get_by_label("Undo").click();
    wait(&mut h, "the undo", |h| h.state().accounts().len() == 2);
    let restored = f.on_disk().accounts;
    assert_eq!(
        restored[0], original,
        "undo must restore the same account in its place"
    );
    assert!(!has_label(&h, "Undo"));
}

#[test]
fn hidden_codes_show_on_click_then_copy() {
    let f = Fixture::new(&LINKS[..1]);
    let mut h = f.app(Settings {
        hide_codes: true,
        ..Settings::default()
    });
    let code = otp::group_code(&code_at(LINKS[0], T0));
    assert!(!has_label(&h, &code), "code visible while hidden");
    h.get_by_label("••• •••").click();
    h.run_steps(4);
    assert!(has_label(&h, &code), "click did not reveal the code");
    assert!(f.copies().is_empty(), "revealing must not copy");
    h.get_by_label(&code).click();
    h.run_steps(4);
    assert_eq!(f.copies(), vec![code.replace(' ', "")]);
}

#[test]
fn pasted_links_are_confirmed_before_saving_and_google_batches_show_progress() {
    let f = Fixture::new(&[]);
    let mut h = f.app(Settings::default());
    // A Google export in two parts; paste the first.
    let tokens: Vec<_> = (0..12)
        .map(|i| {
            uri::parse(&format!(
                "otpauth://totp/Site{i}:user?secret=JBSWY3DPEHPK3PX{}",
                ["A", "B", "C", "D"][i % 4]
            ))
            .unwrap()
        })
        .collect();
    let export = otp::migration::encode(&tokens, 9);
    assert_eq!(export.links.len(), 2);
    h.event(egui::Event::Paste(export.links[0].to_string()));
    h.run_steps(4);
    assert!(has_label(
        &h,
        "Google Authenticator export: 1 of 2 scanned; scan the others too"
    ));
    assert!(has_label(&h, "Add 10 accounts"));
    assert!(f.on_disk().accounts.is_empty(), "saved before confirmation");
    h.event(egui::Event::Paste(export.links[1].to_string()));
    h.run_steps(4);
    assert!(has_label(
        &h,
        "Google Authenticator export: all 2 codes scanned"
    ));
    h.get_by_label("Add 12 accounts").click();
    wait(&mut h, "the batch to be saved", |h| {
        h.state().accounts().len() == 12
    });
    assert_eq!(f.on_disk().accounts.len(), 12);
    assert!(f.path().join("vault.age").exists());
}

#[test]
fn a_thousand_accounts_render_only_the_visible_rows() {
    let links: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                "otpauth://totp/Issuer{i:04}:user?secret=JBSWY3DPEHPK3PX{}",
                ["A", "B", "C", "D"][i % 4]
            )
        })
        .collect();
    let refs: Vec<&str> = links.iter().map(String::as_str).collect();
    let f = Fixture::new(&refs);
    let mut h = f.app(Settings::default());
    h.run_steps(4);
    assert!(has_label(&h, "1000 accounts"));
    let rendered = h.query_all_by_label("Details").count();
    assert!(rendered > 3 && rendered < 40, "{rendered} rows rendered");
    // The search narrows to one.
    type_into(&mut h, "Search", "Issuer0777");
    h.run_steps(4);
    assert!(has_label(&h, "1 account"));
}

#[test]
fn window_reloads_when_another_process_changes_the_vault() {
    let f = Fixture::new(&LINKS[..1]);
    let mut h = f.app(Settings::default());
    let store: &dyn KeyStore = f.store.as_ref();
    Vault::open(f.path(), store)
        .unwrap()
        .update(|doc| {
            doc.accounts
                .push(Account::new(uri::parse(LINKS[1]).unwrap(), 0));
            Ok::<_, VaultError>(())
        })
        .unwrap();
    f.clock.advance_millis(2_500);
    wait(&mut h, "the window to reload", |h| {
        h.state().accounts().len() == 2
    });
    assert!(has_label(&h, &otp::group_code(&code_at(LINKS[1], T0 + 2))));
}
