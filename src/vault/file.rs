//! Crash-safe files: write to a temporary file in the same directory, fsync, rename, fsync the directory.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Creates `dir` (owner-only on Unix) if needed.
pub fn ensure_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn temp_path(dir: &Path, name: &str) -> PathBuf {
    let nonce: u64 = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    dir.join(format!(".{name}.tmp-{}-{nonce:x}", std::process::id()))
}

/// True for the temporary files [`write_atomic`] leaves behind when killed mid-write.
pub fn is_temp_file(file_name: &str) -> bool {
    file_name.starts_with('.') && file_name.contains(".tmp-")
}

fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Replaces `dir/name` with `bytes` so that a crash leaves either the old or the new file.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let tmp = temp_path(dir, name);
    let result = (|| {
        let mut file = create_private(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&tmp, dir.join(name))?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Makes `dir/to` a copy of `dir/from` atomically (a hard link where the file system has them).
pub fn copy_atomic(dir: &Path, from: &str, to: &str) -> io::Result<()> {
    let tmp = temp_path(dir, to);
    if fs::hard_link(dir.join(from), &tmp).is_err() {
        let bytes = fs::read(dir.join(from))?;
        return write_atomic(dir, to, &bytes);
    }
    let result = fs::rename(&tmp, dir.join(to)).and_then(|()| sync_dir(dir));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Flushes a directory's entries (the renames) to disk. Windows has no such call; NTFS journals renames.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

/// Removes temporary files left by writers that were killed; call with the vault lock held.
pub fn remove_stale_temp_files(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_str().is_some_and(is_temp_file) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

/// An exclusive advisory lock on `dir/vault.lock`, released on drop.
pub struct DirLock {
    _file: File,
}

impl DirLock {
    pub fn acquire(dir: &Path) -> io::Result<DirLock> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(dir.join(super::LOCK_FILE))?;
        file.lock()?;
        Ok(DirLock { _file: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_copies() {
        let dir = tempfile::tempdir().unwrap();
        write_atomic(dir.path(), "a", b"one").unwrap();
        write_atomic(dir.path(), "a", b"two").unwrap();
        copy_atomic(dir.path(), "a", "b").unwrap();
        write_atomic(dir.path(), "a", b"three").unwrap();
        assert_eq!(fs::read(dir.path().join("a")).unwrap(), b"three");
        assert_eq!(fs::read(dir.path().join("b")).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }
}
