//! A Twofold backup is a standard age file: the `age` command line opens it with the passphrase
//! (typed at its prompt, through a pseudo-terminal), and a damaged or foreign backup changes nothing.

use std::process::Command;

use crate::backup_cli::{accounts, populated};
use crate::common::{DataDir, require_tool};

const PASSPHRASE: &str = "age can open this 42";

fn export(d: &DataDir, dir: &std::path::Path, passphrase: &str) -> std::path::PathBuf {
    let pwf = dir.join(format!("pw-{}", passphrase.len()));
    std::fs::write(&pwf, passphrase).unwrap();
    let file = dir.join(format!("backup-{}.twofold", passphrase.len()));
    d.ok(&[
        "export",
        file.to_str().unwrap(),
        "--password-file",
        pwf.to_str().unwrap(),
    ]);
    file
}

/// Runs `age -d -o OUT FILE`, typing `passphrase` at its prompt on a pseudo-terminal.
fn age_decrypt(file: &std::path::Path, out: &std::path::Path, passphrase: &str) -> (bool, String) {
    let script = r#"
import os, pty, sys, time
file, out, passphrase = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.execvp("age", ["age", "-d", "-o", out, file])
seen = b""
deadline = time.time() + 60
while b"passphrase" not in seen.lower() and time.time() < deadline:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
os.write(fd, passphrase.encode() + b"\r")
while True:
    try:
        chunk = os.read(fd, 1024)
    except OSError:
        break
    if not chunk:
        break
    seen += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
"#;
    let output = Command::new("python3")
        .args(["-c", script])
        .arg(file)
        .arg(out)
        .arg(passphrase)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

#[test]
fn the_age_command_line_decrypts_a_backup() {
    require_tool("age");
    require_tool("python3");
    let d = populated();
    let tmp = tempfile::tempdir().unwrap();
    let file = export(&d, tmp.path(), PASSPHRASE);
    let head = std::fs::read(&file).unwrap();
    assert!(
        head.starts_with(b"age-encryption.org/v1\n-> scrypt "),
        "not an age scrypt file"
    );
    assert_eq!(
        String::from_utf8_lossy(&head).matches("\n-> ").count(),
        1,
        "the scrypt recipient must be the only one"
    );

    let plain = tmp.path().join("plain.json");
    let (ok, transcript) = age_decrypt(&file, &plain, "not it");
    assert!(!ok, "age accepted a wrong passphrase: {transcript}");

    let (ok, transcript) = age_decrypt(&file, &plain, PASSPHRASE);
    assert!(ok, "age -d failed: {transcript}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&plain).unwrap()).unwrap();
    assert_eq!(json["format"], "twofold-backup");
    assert_eq!(json["version"], 1);
    let at = json["exported_at"].as_str().unwrap();
    assert!(
        at.len() == 20 && at.ends_with('Z') && at.as_bytes()[10] == b'T',
        "{at}"
    );
    let want = accounts(&d);
    let got = json["accounts"].as_array().unwrap();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g["id"], w.id.to_string());
        assert_eq!(g["issuer"], w.token().issuer);
        assert_eq!(g["name"], w.token().name);
        assert_eq!(
            g["secret"].as_str(),
            Some(w.token().secret.to_base32().as_str())
        );
        assert_eq!(g["notes"], w.notes);
        assert_eq!(
            g["recovery_codes"].as_array().unwrap().len(),
            w.recovery_codes.len()
        );
        for (gc, wc) in g["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .zip(&w.recovery_codes)
        {
            assert_eq!(gc["code"], wc.code);
            assert_eq!(gc["used_at"].as_i64(), wc.used_at);
        }
    }
    assert!(
        got[0]["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["used_at"].is_i64()),
        "the used code is marked"
    );
}

#[test]
fn tampered_truncated_and_foreign_backups_change_nothing() {
    let src = populated();
    let tmp = tempfile::tempdir().unwrap();
    let file = export(&src, tmp.path(), PASSPHRASE);
    let other = export(&src, tmp.path(), "a different passphrase");
    let bytes = std::fs::read(&file).unwrap();
    let pwf = tmp.path().join("pw-right");
    std::fs::write(&pwf, PASSPHRASE).unwrap();

    // Flipped bytes in the header, in the body, and at the end; cut short; another passphrase.
    let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
    for at in [30, bytes.len() / 2, bytes.len() - 1] {
        let mut b = bytes.clone();
        b[at] ^= 0x01;
        cases.push((format!("byte {at} flipped"), b));
    }
    cases.push(("truncated".into(), bytes[..bytes.len() - 40].to_vec()));
    cases.push(("header only".into(), bytes[..150.min(bytes.len())].to_vec()));
    cases.push(("other passphrase".into(), std::fs::read(&other).unwrap()));

    let dst = populated();
    let before = dst.snapshot();
    for (what, b) in cases {
        let f = tmp.path().join("case.twofold");
        std::fs::write(&f, &b).unwrap();
        let (code, stdout, stderr) = dst.run(&[
            "import",
            f.to_str().unwrap(),
            "--password-file",
            pwf.to_str().unwrap(),
            "--yes",
        ]);
        assert_eq!(code, 1, "{what}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{what}: {stderr}");
        assert!(
            stderr.contains("Twofold backup")
                && (stderr.contains("wrong password")
                    || stderr.contains("damaged")
                    || stderr.contains("altered")),
            "{what}: {stderr}"
        );
        assert!(stderr.contains("nothing was imported"), "{what}: {stderr}");
        assert_eq!(dst.snapshot(), before, "{what}: the data dir changed");
    }
}

#[test]
fn an_absurd_scrypt_work_factor_is_refused_at_once() {
    let src = populated();
    let tmp = tempfile::tempdir().unwrap();
    let file = export(&src, tmp.path(), PASSPHRASE);
    let text = std::fs::read(&file).unwrap();
    let wf = twofold::backup::twofold::work_factor(&text).unwrap();
    // Rewrite "-> scrypt SALT 18" as "-> scrypt SALT 40": 2^40 would take days.
    let head_end = text.windows(4).position(|w| w == b"\n---").unwrap();
    let head = String::from_utf8(text[..head_end].to_vec()).unwrap();
    let patched = head.replace(&format!(" {wf}\n"), " 40\n");
    assert_ne!(patched, head);
    let mut bytes = patched.into_bytes();
    bytes.extend_from_slice(&text[head_end..]);
    let f = tmp.path().join("absurd.twofold");
    std::fs::write(&f, &bytes).unwrap();
    let pwf = tmp.path().join("pw");
    std::fs::write(&pwf, PASSPHRASE).unwrap();
    let started = std::time::Instant::now();
    let (code, _, stderr) = src.run(&[
        "import",
        f.to_str().unwrap(),
        "--password-file",
        pwf.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("refused") || stderr.contains("damaged"),
        "{stderr}"
    );
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}
