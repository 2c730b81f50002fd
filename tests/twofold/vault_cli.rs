//! The vault through the real binary against the real Secret Service of scripts/test.sh.

use std::process::{Command, Stdio};

use crate::common::{DataDir, require_secret_service, require_tool, twofold};

const GITHUB: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
const SHOP: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

fn secret_tool(args: &[&str]) -> String {
    let out = Command::new("secret-tool").args(args).output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn identity_lives_in_the_secret_service_and_age_opens_the_vault() {
    require_secret_service();
    require_tool("age");
    let d = DataDir::new();
    d.ok(&["add", &format!("otpauth://totp/GitHub:me?secret={GITHUB}")]);
    let user = format!("vault-{}", d.vault_id());

    let found = secret_tool(&["search", "--all", "service", "twofold", "username", &user]);
    assert!(
        found.contains(&format!("attribute.username = {user}")),
        "{found}"
    );
    assert!(found.contains("attribute.service = twofold"), "{found}");

    // The keyring's identity decrypts vault.age with the standard age tool.
    let identity = secret_tool(&["lookup", "service", "twofold", "username", &user]);
    assert!(
        identity.starts_with("AGE-SECRET-KEY-1"),
        "not an age identity"
    );
    let key_file = d.path().join("../identity-for-age-test");
    std::fs::write(&key_file, identity.trim()).unwrap();
    let out = Command::new("age")
        .arg("-d")
        .arg("-i")
        .arg(&key_file)
        .arg(d.path().join("vault.age"))
        .output()
        .unwrap();
    std::fs::remove_file(&key_file).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["format"], "twofold-vault");
    assert_eq!(doc["accounts"][0]["issuer"], "GitHub");
    assert_eq!(doc["accounts"][0]["secret"], GITHUB);
}

#[test]
fn without_dbus_add_fails_clearly_and_writes_nothing() {
    let d = DataDir::new();
    let runtime = tempfile::tempdir().unwrap();
    let target = d.path().join("vault");
    let out = twofold()
        .arg("--data-dir")
        .arg(&target)
        .args(["add", &format!("otpauth://totp/GitHub:me?secret={GITHUB}")])
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env_remove("DISPLAY")
        .env("XDG_RUNTIME_DIR", runtime.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("no keyring service answered"), "{stderr}");
    assert!(stderr.contains("Secret Service"), "{stderr}");
    assert!(
        stderr.contains("twofold init --key-store passphrase"),
        "{stderr}"
    );
    assert!(!stderr.contains(GITHUB));
    assert!(!target.exists(), "the data directory was created");
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
}

#[test]
fn nothing_secret_reaches_the_disk_in_clear() {
    require_secret_service();
    let d = DataDir::new();
    d.ok(&["add", &format!("otpauth://totp/GitHub:me?secret={GITHUB}")]);
    d.ok(&[
        "add",
        "--secret",
        SHOP,
        "--issuer",
        "Shop",
        "--name",
        "admin",
        "--kind",
        "hotp",
        "--counter",
        "5",
    ]);
    let codes_file = d.path().join("../codes.txt");
    std::fs::write(&codes_file, "1. 4821 9930\n2. 7731 0042\n3. zq9x-8wv7\n").unwrap();
    d.ok(&[
        "recovery",
        "GitHub",
        "--add-file",
        codes_file.to_str().unwrap(),
    ]);
    std::fs::remove_file(&codes_file).unwrap();
    d.ok(&["recovery", "Shop", "--add", "ab12-cd34-ef56"]);
    d.ok(&["code", "Shop"]);

    let mut needles: Vec<Vec<u8>> = Vec::new();
    for b32 in [GITHUB, SHOP] {
        needles.push(b32.as_bytes().to_vec());
        needles.push(b32.to_lowercase().into_bytes());
        needles.push(b32.as_bytes()[..16].to_vec());
        needles.push(
            twofold::otp::Secret::from_base32(b32)
                .unwrap()
                .as_bytes()
                .to_vec(),
        );
    }
    for code in [
        "4821 9930",
        "48219930",
        "7731 0042",
        "zq9x-8wv7",
        "ZQ9X",
        "ab12-cd34-ef56",
        "AB12CD34",
    ] {
        needles.push(code.as_bytes().to_vec());
    }
    let files = d.snapshot();
    assert!(files.contains_key("vault.age") && files.contains_key("profile.json"));
    for (name, bytes) in &files {
        for needle in &needles {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_slice()),
                "{name} contains a secret or recovery code in clear"
            );
        }
    }
}

#[test]
fn duplicate_add_is_refused_naming_the_account() {
    require_secret_service();
    let d = DataDir::new();
    let link = format!("otpauth://totp/GitHub:me?secret={GITHUB}");
    d.ok(&["add", &link]);
    let before = d.snapshot();
    let (code, _, stderr) = d.run(&["add", &link]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("already in the vault: GitHub (me)"),
        "{stderr}"
    );
    assert_eq!(d.snapshot(), before);
    // The same secret under another name is a different account.
    d.ok(&[
        "add", "--secret", GITHUB, "--issuer", "GitHub", "--name", "work",
    ]);
}

#[test]
fn list_json_codes_equal_oathtool() {
    require_secret_service();
    require_tool("oathtool");
    let d = DataDir::new();
    let accounts = [
        ("Deno", "4SJHB4GSD43FZBAI7C2HLRJGPQ", "SHA1", 6, 30),
        ("SPDX", "5OM4WOOGPLQEF6UGN3CPEOOLWU", "SHA256", 7, 20),
        ("Airbnb", "7ELGJSGXNCCTV3O6LKJWYFV2RA", "SHA512", 8, 50),
    ];
    for (issuer, secret, alg, digits, period) in accounts {
        d.ok(&[
            "add",
            &format!("otpauth://totp/{issuer}:me?secret={secret}&algorithm={alg}&digits={digits}&period={period}"),
        ]);
    }
    d.ok(&[
        "add",
        "--secret",
        "KUVJJOM753IHTNDSZVCNKL7GII",
        "--issuer",
        "Issuu",
        "--name",
        "me",
        "--kind",
        "hotp",
        "--counter",
        "50",
    ]);
    let at = 1_765_000_123u64;
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&d.ok(&["list", "--json", "--at", &at.to_string()])).unwrap();
    assert_eq!(rows.len(), 4);
    for (i, (issuer, secret, alg, digits, period)) in accounts.iter().enumerate() {
        let want = Command::new("oathtool")
            .args([
                &format!("--totp={alg}"),
                &format!("--digits={digits}"),
                &format!("--time-step-size={period}s"),
                &format!("--now=@{at}"),
                "--base32",
                secret,
            ])
            .output()
            .unwrap();
        let want = String::from_utf8(want.stdout).unwrap().trim().to_string();
        let row = &rows[i];
        assert_eq!(row["issuer"], *issuer);
        assert_eq!(row["code"], want, "{issuer}");
        assert_eq!(row["period"], *period);
        assert_eq!(row["remaining_secs"], period - (at % period));
        for key in [
            "id",
            "name",
            "kind",
            "algorithm",
            "digits",
            "recovery_codes_left",
        ] {
            assert!(row.get(key).is_some(), "{key} missing");
        }
    }
    let hotp = Command::new("oathtool")
        .args([
            "--hotp",
            "--counter=50",
            "--base32",
            "KUVJJOM753IHTNDSZVCNKL7GII",
        ])
        .output()
        .unwrap();
    assert_eq!(
        rows[3]["code"],
        String::from_utf8(hotp.stdout).unwrap().trim()
    );
    assert_eq!(rows[3]["counter"], 50);
    assert!(rows[3]["remaining_secs"].is_null());
}

#[test]
fn code_query_and_hotp_advances() {
    require_secret_service();
    let d = DataDir::new();
    d.ok(&[
        "add",
        "--secret",
        "KUVJJOM753IHTNDSZVCNKL7GII",
        "--issuer",
        "Issuu",
        "--name",
        "me",
        "--kind",
        "hotp",
        "--counter",
        "0",
    ]);
    d.ok(&["add", &format!("otpauth://totp/GitHub:me?secret={GITHUB}")]);
    d.ok(&["add", &format!("otpauth://totp/GitHub:work?secret={SHOP}")]);
    let first = d.ok(&["code", "issuu"]);
    let second = d.ok(&["code", "issuu"]);
    assert_ne!(first, second, "the HOTP counter did not advance");
    let rows: serde_json::Value = serde_json::from_str(&d.ok(&["list", "--json"])).unwrap();
    assert_eq!(rows[0]["counter"], 2);

    let (code, _, stderr) = d.run(&["code", "git"]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("GitHub (me)") && stderr.contains("GitHub (work)"),
        "{stderr}"
    );
    assert_eq!(d.ok(&["code", "github:work", "--at", "59"]).trim().len(), 6);
    let (code, _, stderr) = d.run(&["code", "nothing-like-this"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no account matches"), "{stderr}");
}

#[test]
fn remove_needs_yes_without_a_terminal() {
    require_secret_service();
    let d = DataDir::new();
    d.ok(&["add", &format!("otpauth://totp/GitHub:me?secret={GITHUB}")]);
    let (code, _, stderr) = d.run(&["remove", "github"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("add --yes"), "{stderr}");
    assert_eq!(
        d.ok(&["remove", "github", "--yes"]),
        "removed GitHub (me)\n"
    );
    assert!(d.ok(&["list"]).contains("no accounts"));
}

#[test]
fn recovery_codes_count_down_with_a_warning() {
    require_secret_service();
    let d = DataDir::new();
    d.ok(&["add", &format!("otpauth://totp/GitHub:me?secret={GITHUB}")]);
    let mut cmd = d.cmd();
    cmd.args(["recovery", "github", "--add-file", "-"]);
    let out = crate::common::run_with_stdin(
        cmd,
        "Save these codes\n1. 1111 2222\n2. 3333 4444\n3. 5555 6666\n3. 5555 6666\n",
    );
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("added 3 recovery codes"));
    let (code, stdout, stderr) = d.run(&["recovery", "github", "--use", "11112222"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("2 left"), "{stdout}");
    assert!(
        stderr.contains("only 2 unused recovery codes left"),
        "{stderr}"
    );
    let (code, _, stderr) = d.run(&["recovery", "github", "--use", "1111-2222"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("already used"), "{stderr}");
    let listing = d.ok(&["recovery", "github"]);
    assert!(listing.contains("2 of 3 recovery codes left"), "{listing}");
    assert!(listing.contains("1111 2222  (used "), "{listing}");
    let rows: serde_json::Value = serde_json::from_str(&d.ok(&["list", "--json"])).unwrap();
    assert_eq!(rows[0]["recovery_codes_left"], 2);
}
