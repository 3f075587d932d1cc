//! Outputs on their way to the disk while the run goes on.
//!
//! Publishing flushes every file to disk (`fsync`) before the exchange ([`super`]). Left
//! to itself the kernel keeps a run's written outputs in memory until then (2.7 GB at a
//! million parcels, under its background threshold of a tenth of the memory), and that
//! flush waits seconds for the disk while the cores idle. A file written through
//! [`Streamed`] asks the kernel to start writing it out every [`STEP`] bytes as it is
//! written, and a file written at once is handed over whole with [`start_file`]: Linux's
//! `sync_file_range(SYNC_FILE_RANGE_WRITE)` starts the write-back and returns at once.
//! The flush at publish then finds little left to wait for.
//!
//! This changes when the bytes reach the disk, never which bytes: a failed request is
//! ignored (the flush at publish still decides), and elsewhere than on Linux nothing is
//! asked.

use std::fs::File;
use std::io::Write;
use std::path::Path;

/// Bytes written between two write-back requests: large enough that a request costs
/// nothing beside the formatting of that much output, small enough that the disk starts
/// early.
pub const STEP: u64 = 32 << 20;

/// A file being written front to back, handed to the disk every `step` bytes.
pub struct Streamed {
    file: File,
    step: u64,
    written: u64,
    requested: u64,
}

impl Streamed {
    /// Creates (or truncates) the file at `path`.
    pub fn create(path: &Path) -> std::io::Result<Streamed> {
        Ok(Streamed::with_step(File::create(path)?, STEP))
    }

    fn with_step(file: File, step: u64) -> Streamed {
        Streamed {
            file,
            step: step.max(1),
            written: 0,
            requested: 0,
        }
    }
}

impl Write for Streamed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.requested >= self.step {
            start(&self.file, self.requested, self.written - self.requested);
            self.requested = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// Asks the kernel to start writing the whole file at `path` to disk (best effort).
pub fn start_file(path: &Path) {
    if let Ok(file) = File::open(path) {
        // Length 0: to the end of the file.
        start(&file, 0, 0);
    }
}

/// Starts the write-back of `len` bytes of `file` from `offset` (0: to the end).
#[cfg(target_os = "linux")]
fn start(file: &File, offset: u64, len: u64) {
    use std::os::unix::io::AsRawFd;
    let (Ok(offset), Ok(len)) = (i64::try_from(offset), i64::try_from(len)) else {
        return;
    };
    // SAFETY: the descriptor belongs to `file`, open for the whole call; the call only
    // starts the kernel's write-back of pages already written and reads no memory of ours.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), offset, len, libc::SYNC_FILE_RANGE_WRITE);
    }
}

#[cfg(not(target_os = "linux"))]
fn start(_file: &File, _offset: u64, _len: u64) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufWriter;

    #[test]
    fn streamed_bytes_are_the_bytes_written_across_many_steps() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let want: Vec<u8> = (0..200_003u32).map(|i| (i * 7 % 251) as u8).collect();
        {
            let file = File::create(&path).unwrap();
            let mut w = BufWriter::with_capacity(1000, Streamed::with_step(file, 4096));
            for chunk in want.chunks(777) {
                w.write_all(chunk).unwrap();
            }
            w.flush().unwrap();
            let inner = w.get_ref();
            assert_eq!(inner.written, want.len() as u64);
            // Requests went out along the way, each at least a step after the last.
            assert!(inner.requested > 0 && inner.written - inner.requested < 4096);
        }
        assert_eq!(std::fs::read(&path).unwrap(), want);
        start_file(&path);
        start_file(&dir.path().join("missing"));
        assert_eq!(std::fs::read(&path).unwrap(), want);
    }
}
