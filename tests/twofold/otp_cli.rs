//! `twofold code --uri`, `--version` and `--help` through the real binary.

use crate::common::{run_with_stdin, twofold};

const LINK: &str = "otpauth://totp/SPDX:James?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU&issuer=SPDX&algorithm=SHA256&digits=7&period=20";

fn oathtool_code(args: &[&str]) -> String {
    crate::common::require_tool("oathtool");
    let out = std::process::Command::new("oathtool")
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn code_from_uri_prints_just_the_code() {
    let want = oathtool_code(&[
        "--totp=SHA256",
        "--digits=7",
        "--time-step-size=20s",
        "--now=@1700000000",
        "--base32",
        "5OM4WOOGPLQEF6UGN3CPEOOLWU",
    ]);
    let out = twofold()
        .args(["code", "--uri", LINK, "--at", "1700000000"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{want}\n"));
}

#[test]
fn code_from_stdin_keeps_the_link_out_of_argv() {
    let mut cmd = twofold();
    cmd.args(["code", "--uri", "-", "--at", "1700000000"]);
    let out = run_with_stdin(cmd, &format!("{LINK}\n"));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim().len(), 7);
}

#[test]
fn bad_link_is_a_user_error_on_one_line_without_the_secret() {
    for link in [
        "otpauth://totp/x?secret=5OM4WOOGPLQEF6UGN3CPEOOLW1",
        "otpauth://hotp/x?secret=5OM4WOOGPLQEF6UGN3CPEOOLWU",
        "5OM4WOOGPLQEF6UGN3CPEOOLWU",
    ] {
        let out = twofold().args(["code", "--uri", link]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{link}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("twofold: "), "{stderr}");
        assert!(!stderr.contains("5OM4WOOG"), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["code", "--at", "soon"][..],
        &["frobnicate"][..],
        &["code", "--at", "-5"][..],
    ] {
        let out = twofold().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn version_and_help() {
    let out = twofold().arg("--version").output().unwrap();
    assert!(out.status.success());
    let version = String::from_utf8(out.stdout).unwrap();
    assert!(
        version.starts_with(&format!("twofold {}", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    let out = twofold().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    assert!(help.contains("code"), "{help}");
    assert!(help.contains("--data-dir"), "{help}");
}
