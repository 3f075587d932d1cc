//! Publishing a run's output folder so that a reader — QGIS, a web server, a copy job —
//! sees last night's complete output or tonight's, never a mix, whenever the process is
//! killed or the disk fills.
//!
//! Everything lives beside the output folder `OUT`, on the same file system:
//!
//! ```text
//! OUT/                      the published output (a real folder; what people open)
//! OUT.runs/lock             one run at a time ([`lock`]): pid, host, run id, since when
//! OUT.runs/staging-<run>/   a run's output as it is written (removed if the run fails;
//!                           a killed run's is removed by the next run)
//! OUT.runs/history/<run>/   earlier publishes, the newest `--keep` of them
//! ```
//!
//! A run writes its whole output, `manifest.json` last, into its staging folder, flushes
//! every file and the folder to disk, and then exchanges the staging folder with `OUT` in
//! one step (`renameat2(RENAME_EXCHANGE)`, Linux 3.15+): `OUT` is at every instant either
//! the old complete folder or the new one. The old one, now at the staging path, moves
//! to the history. Where the file system cannot exchange (some network file systems), two
//! renames do it instead, and for the microseconds between them `OUT` does not exist —
//! never a mix either.

pub mod lock;
pub mod manifest;
pub mod writeback;

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// The history kept by default (`--keep`): a week of nights.
pub const DEFAULT_KEEP: usize = 7;

/// An output folder and its housekeeping folder beside it.
#[derive(Debug, Clone)]
pub struct OutDir {
    pub out: PathBuf,
    /// `OUT.runs`.
    pub runs: PathBuf,
}

impl OutDir {
    pub fn new(out: &Path) -> Self {
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        OutDir {
            out: out.to_path_buf(),
            runs: out.with_file_name(format!("{name}.runs")),
        }
    }

    fn io(p: &Path, what: &str, e: std::io::Error) -> Error {
        Error::output(p, what.to_string()).because(e)
    }

    /// Takes the output's lock (creating `OUT.runs`), and removes what killed runs left.
    pub fn lock(&self, run_id: &str) -> Result<lock::Lock> {
        std::fs::create_dir_all(&self.runs)
            .map_err(|e| Self::io(&self.runs, "cannot create", e))?;
        let lock = lock::acquire(&self.runs.join("lock"), run_id)?;
        // The lock is ours: no other run is writing, so any staging folder is a dead
        // run's (or a finished run's old output, killed before it reached the history).
        if let Ok(entries) = std::fs::read_dir(&self.runs) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("staging-") {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        Ok(lock)
    }

    /// A fresh staging folder for `run_id`.
    pub fn staging(&self, run_id: &str) -> Result<PathBuf> {
        let dir = self.runs.join(format!("staging-{run_id}"));
        std::fs::create_dir_all(&dir).map_err(|e| Self::io(&dir, "cannot create", e))?;
        Ok(dir)
    }

    /// Flushes the staging folder to disk and exchanges it with `OUT`; the old output
    /// goes to the history, of which the newest `keep` are kept.
    pub fn publish(&self, staging: &Path, keep: usize) -> Result<()> {
        sync_folder(staging)?;
        let parent = self
            .out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        if !self.out.exists() {
            std::fs::rename(staging, &self.out)
                .map_err(|e| Self::io(&self.out, "cannot publish", e))?;
            sync_dir(&parent);
            return Ok(());
        }
        let previous = manifest::read(&self.out).map(|m| m.run_id);
        match exchange(staging, &self.out) {
            Ok(()) => {}
            Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS)) => {
                // No atomic exchange here: two renames (OUT is briefly absent, never mixed).
                let aside = self.runs.join(format!(
                    "staging-replaced-{}",
                    staging.file_name().unwrap_or_default().to_string_lossy()
                ));
                std::fs::rename(&self.out, &aside)
                    .map_err(|e| Self::io(&self.out, "cannot move aside", e))?;
                std::fs::rename(staging, &self.out)
                    .map_err(|e| Self::io(&self.out, "cannot publish", e))?;
                std::fs::rename(&aside, staging)
                    .map_err(|e| Self::io(staging, "cannot move the old output", e))?;
            }
            Err(e) => {
                return Err(Self::io(
                    &self.out,
                    "cannot exchange with the new output",
                    e,
                ))
            }
        }
        sync_dir(&parent);
        // The old output is at the staging path now.
        self.keep_history(staging, previous, keep)
    }

    /// Moves the old output into the history and prunes it to `keep`.
    fn keep_history(&self, old: &Path, run_id: Option<String>, keep: usize) -> Result<()> {
        let history = self.runs.join("history");
        if keep == 0 {
            let _ = std::fs::remove_dir_all(old);
            return Ok(());
        }
        std::fs::create_dir_all(&history).map_err(|e| Self::io(&history, "cannot create", e))?;
        let name = run_id.unwrap_or_else(|| {
            format!(
                "before-{}",
                old.file_name().unwrap_or_default().to_string_lossy()
            )
        });
        let to = history.join(&name);
        if to.exists() {
            let _ = std::fs::remove_dir_all(&to);
        }
        std::fs::rename(old, &to).map_err(|e| Self::io(&to, "cannot keep in the history", e))?;
        // Run ids begin with their UTC time: the newest sort last.
        let mut kept: Vec<PathBuf> = std::fs::read_dir(&history)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        kept.sort();
        let excess = kept.len().saturating_sub(keep);
        for old in &kept[..excess] {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }

    /// The published output's manifest, if any.
    pub fn published(&self) -> Option<manifest::Manifest> {
        manifest::read(&self.out)
    }
}

/// Exchanges two paths in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are NUL-terminated C strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from_raw_os_error(libc::ENOSYS))
}

/// Flushes every file of a folder, and the folder itself, to disk.
fn sync_folder(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| OutDir::io(dir, "cannot list", e))?;
    for e in entries.flatten() {
        let p = e.path();
        if p.is_file() {
            std::fs::File::open(&p)
                .and_then(|f| f.sync_all())
                .map_err(|e| OutDir::io(&p, "cannot flush to disk", e))?;
        }
    }
    sync_dir(dir);
    Ok(())
}

/// Flushes a folder's entries (a rename's durability); best effort.
fn sync_dir(dir: &Path) {
    if let Ok(f) = std::fs::File::open(dir) {
        let _ = f.sync_all();
    }
}

/// A new run's id: its UTC start time, sortable, and a few digits of the process id and
/// clock that set two runs of one second apart.
pub fn new_run_id() -> String {
    let now = std::time::SystemTime::now();
    let stamp = crate::model::time::iso_utc(now).replace(['-', ':'], "");
    let nanos = now
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{stamp}-{:04x}{:04x}",
        std::process::id() & 0xffff,
        nanos >> 16 & 0xffff
    )
}

/// Refuses an output folder that is, or holds, the folder of an input: a publish replaces
/// the whole output folder, which would carry the inputs off to the history. (An output
/// folder beside the inputs, `/data/zd.shp` with `--out /data/out`, is fine.)
pub fn check_apart(out: &Path, inputs: &[PathBuf]) -> Result<()> {
    let absolute = |p: &Path| -> PathBuf {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir().unwrap_or_default().join(p)
        };
        // Canonical where it exists (symbolic links resolved); else its parent's.
        match (
            p.canonicalize(),
            p.parent().and_then(|d| d.canonicalize().ok()),
        ) {
            (Ok(c), _) => c,
            (Err(_), Some(d)) => d.join(p.file_name().unwrap_or_default()),
            _ => p,
        }
    };
    let out_abs = absolute(out);
    for input in inputs {
        let folder = if input.is_dir() {
            absolute(input)
        } else {
            absolute(input)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default()
        };
        if folder.starts_with(&out_abs) {
            return Err(Error::Usage(format!(
                "--out {} is {} the input {} ({}): a publish replaces the whole output folder, so it must not hold any input",
                out.display(),
                if out_abs == folder {
                    "the folder of"
                } else {
                    "a folder holding"
                },
                input.display(),
                folder.display()
            )));
        }
    }
    Ok(())
}
