//! The bundled sample district (`data/sample/`, made by `landsift-gen`), carried inside
//! the library (4.3 MB), so that `landsift run` without inputs works from any directory,
//! with a binary copied anywhere or installed from the Debian package. A run reads files,
//! so the sample is written once to a folder of the temporary directory and checked byte
//! for byte before each use: the outputs are those of the files in `data/sample/`.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

macro_rules! sample_files {
    ($($name:literal),* $(,)?) => {
        &[$((
            $name,
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/", $name)) as &[u8],
        )),*]
    };
}

/// The sample's files, name and content, as in `data/sample/`.
pub const FILES: &[(&str, &[u8])] = sample_files!(
    "README.md",
    "parcels.shp",
    "parcels.shx",
    "parcels.dbf",
    "parcels.prj",
    "parcels.cpg",
    "parcels.fields.csv",
    "buildings.shp",
    "buildings.shx",
    "buildings.dbf",
    "buildings.prj",
    "buildings.cpg",
    "buildings.fields.csv",
);

/// The folder holding the sample's files: `<temp>/landsift-<version>-sample-<uid>`,
/// written on first use. What is already there is used when it is the user's own folder
/// and every file is the embedded one byte for byte; anything else is written again.
pub fn sample_dir() -> Result<PathBuf> {
    sample_dir_in(&std::env::temp_dir())
}

fn sample_dir_in(base: &Path) -> Result<PathBuf> {
    let name = format!("landsift-{}-sample{}", crate::VERSION, user_suffix());
    let dir = base.join(&name);
    if holds_sample(&dir) {
        return Ok(dir);
    }
    // Written aside, then moved into place in one step: a run that starts meanwhile
    // never sees half the files.
    let staging = base.join(format!("{name}.{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    write_files(&staging)?;
    if dir.symlink_metadata().is_ok() {
        // Stale or foreign content (checked above); when it cannot be removed, the copy
        // of this process is used.
        let _ = std::fs::remove_dir_all(&dir).or_else(|_| std::fs::remove_file(&dir));
    }
    match std::fs::rename(&staging, &dir) {
        Ok(()) => Ok(dir),
        Err(_) if holds_sample(&dir) => {
            // Another run put it there first.
            let _ = std::fs::remove_dir_all(&staging);
            Ok(dir)
        }
        Err(_) => Ok(staging),
    }
}

fn write_files(dir: &Path) -> Result<()> {
    let fail = |p: &Path, e: std::io::Error| {
        Error::output(p, "cannot write the bundled sample district here").because(e)
    };
    std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
    for (name, bytes) in FILES {
        let path = dir.join(name);
        std::fs::write(&path, bytes).map_err(|e| fail(&path, e))?;
    }
    Ok(())
}

/// Whether `dir` is a folder of this user's holding exactly the embedded files.
fn holds_sample(dir: &Path) -> bool {
    let Ok(meta) = dir.symlink_metadata() else {
        return false;
    };
    if !meta.is_dir() || !owned(&meta) {
        return false;
    }
    FILES.iter().all(|(name, bytes)| {
        let path = dir.join(name);
        path.symlink_metadata()
            .is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
            && std::fs::read(&path).is_ok_and(|b| b == *bytes)
    })
}

#[cfg(unix)]
fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// `-<uid>` on Unix, where the temporary directory is shared between users.
fn user_suffix() -> String {
    #[cfg(unix)]
    return format!("-{}", uid());
    #[cfg(not(unix))]
    String::new()
}

fn owned(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        meta.uid() == uid()
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_files_are_those_of_data_sample() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut embedded: Vec<String> = FILES.iter().map(|(n, _)| n.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk, "every file of data/sample is embedded");
        for (name, bytes) in FILES {
            assert_eq!(std::fs::read(dir.join(name)).unwrap(), *bytes, "{name}");
        }
    }

    #[test]
    fn written_once_and_rewritten_when_changed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = sample_dir_in(tmp.path()).unwrap();
        assert!(holds_sample(&dir));
        assert_eq!(sample_dir_in(tmp.path()).unwrap(), dir);
        // A damaged copy is not used.
        let shx = dir.join("parcels.shx");
        std::fs::write(&shx, b"damaged").unwrap();
        assert!(!holds_sample(&dir));
        let again = sample_dir_in(tmp.path()).unwrap();
        assert_eq!(again, dir);
        assert!(holds_sample(&again));
    }
}
