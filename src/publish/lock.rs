//! One run at a time per output: an exclusive lock on `<out>.runs/lock`, held for the
//! run's whole life. The operating system releases it when the process ends, however it
//! ends, so a lock left by a dead run is simply free: the next run takes it over.

use crate::error::{Error, Result};
use crate::model::time::iso_utc;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::time::SystemTime;

/// A held lock; dropping it releases the lock.
pub struct Lock {
    _file: File,
}

/// Who holds a lock (the lock file's content).
fn holder_text(run_id: &str) -> String {
    format!(
        "{{\"pid\": {}, \"host\": \"{}\", \"run_id\": \"{run_id}\", \"since\": \"{}\"}}\n",
        std::process::id(),
        hostname(),
        iso_utc(SystemTime::now())
    )
}

/// The machine's name, for the lock's message.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown host".into())
}

/// Takes the lock at `path`, or fails at once with who holds it.
pub fn acquire(path: &Path, run_id: &str) -> Result<Lock> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::output(path, "cannot open the lock file").because(e))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(Error::Locked {
                path: path.to_path_buf(),
                holder: holder.trim().to_string(),
            });
        }
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::output(path, "cannot lock").because(e));
        }
    }
    // Ours now (any previous holder is gone): say who holds it.
    let text = holder_text(run_id);
    file.set_len(0)
        .and_then(|()| file.seek(SeekFrom::Start(0)))
        .and_then(|_| file.write_all(text.as_bytes()))
        .and_then(|()| file.flush())
        .map_err(|e| Error::output(path, "cannot write the lock file").because(e))?;
    Ok(Lock { _file: file })
}
