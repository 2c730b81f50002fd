//! Build metadata: the git commit for `twofold --version` when built from a checkout, and on
//! Windows targets the executable's icon and version information.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let commit = git_commit().unwrap_or_default();
    println!("cargo:rustc-env=TWOFOLD_GIT_COMMIT={commit}");
    // The target's OS, not the host's: a cross build from Linux embeds the resource too (with
    // mingw's windres or llvm-rc), and nothing of this runs or is watched on other targets.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("windows") {
        windows_resource(&commit);
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
}

/// The short commit of the checkout this package is the root of, and the files that change with it
/// as rerun triggers. None outside a checkout, and when the enclosing repository is someone else's
/// (a source tarball unpacked inside a home directory under git, a vendored copy).
fn git_commit() -> Option<String> {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
    let toplevel = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    if toplevel.canonicalize().ok()? != manifest_dir.canonicalize().ok()? {
        return None;
    }
    // `--git-path` resolves per-worktree files (HEAD) and shared ones (refs) alike, so a linked
    // worktree, where .git is a file, is watched too. Paths are relative to the package root.
    let git_path = |p: &str| git(&["rev-parse", "--git-path", p]).map(|r| manifest_dir.join(r));
    // HEAD moves on checkout; the current branch's ref on a commit. Only existing files are
    // watched (a missing one would make every build rerun): a branch whose ref is still packed
    // is watched through its refs/heads folder, which gains the file on the next commit.
    let mut watch: Vec<PathBuf> = git_path("HEAD").into_iter().collect();
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        match git_path(&branch) {
            Some(loose) if loose.is_file() => watch.push(loose),
            _ => watch.extend(
                ["refs/heads", "packed-refs"]
                    .into_iter()
                    .filter_map(git_path),
            ),
        }
    }
    for path in watch.iter().filter(|p| p.exists()) {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    git(&["rev-parse", "--short=10", "HEAD"])
}

/// Icon and version information of twofold.exe (Explorer's Details tab, Task Manager, the taskbar
/// before the window sets its own icon). The numeric version comes from Cargo.toml.
fn windows_resource(commit: &str) {
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let icon = Path::new(&manifest_dir).join("assets").join("icon.ico");
    println!("cargo:rerun-if-changed={}", icon.display());
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    let product_version = if commit.is_empty() {
        version
    } else {
        format!("{version} ({commit})")
    };
    let mut res = winresource::WindowsResource::new();
    res.set_icon(icon.to_str().expect("the checkout's path is UTF-8"))
        .set("ProductName", "Twofold")
        .set("FileDescription", "Twofold")
        .set("Comments", "Two-factor authentication codes on the desktop")
        .set("CompanyName", "The Twofold authors")
        .set("LegalCopyright", "GPL-3.0-or-later")
        .set("InternalName", "twofold")
        .set("OriginalFilename", "twofold.exe")
        .set("ProductVersion", &product_version);
    // Only the application: tests, examples and benches link without it.
    if let Err(e) = res.compile_for("twofold") {
        panic!(
            "could not embed the icon and version information in twofold.exe: {e}; install the \
             Windows SDK (rc.exe) for MSVC, or mingw-w64's binutils (windres) for the GNU target"
        );
    }
}
