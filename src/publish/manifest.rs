//! `manifest.json`: what went into a run and what came out — the run's id, landsift's
//! version, start and end, the command line, the configuration and criteria, every input
//! file (path, size, modification time, SHA-256) and every output file (SHA-256) — so an
//! operator can say which night's data made a result, `--if-changed` can tell that
//! nothing changed, and anyone can check a published folder against it.

use crate::error::{Error, Result};
use crate::model::time::iso_utc;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The file name of the manifest in an output folder.
pub const FILE: &str = "manifest.json";

/// One input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputFile {
    /// What it is: `parcels`, `buildings`, `survey`, `config`, `criteria`, …
    pub role: String,
    pub path: String,
    pub size: u64,
    /// Modification time, ISO 8601 UTC.
    pub modified: String,
    pub sha256: String,
}

/// One output file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputFile {
    pub file: String,
    pub size: u64,
    pub sha256: String,
}

/// A digest of something that is not a file of its own (a preset, the settings).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Named {
    pub name: String,
    pub sha256: String,
}

/// `manifest.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub run_id: String,
    pub landsift_version: String,
    pub started: String,
    pub finished: String,
    pub command_line: Vec<String>,
    /// The configuration file, when there is one.
    pub config: Option<Named>,
    /// The criteria (a preset by name, or a file by path) and the digest of their text.
    pub criteria: Named,
    /// Digest of the resolved settings (command line over configuration).
    pub settings_sha256: String,
    pub inputs: Vec<InputFile>,
    /// Digest of version, configuration, criteria, settings and every input: equal
    /// fingerprints mean an equal run (`--if-changed`).
    pub fingerprint: String,
    /// The run whose output this one replaced, if any.
    pub previous_run: Option<String>,
    pub outputs: Vec<OutputFile>,
    /// 0: this output was published by a successful run.
    pub exit_status: i32,
}

/// The SHA-256 of bytes, as lower-case hex.
///
/// ```
/// assert_eq!(
///     landsift::publish::manifest::sha256_hex(b"abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a file, read in blocks.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex(&h.finalize()))
}

/// The files an input path stands for: a Shapefile's `.shp` and its sidecars, every file
/// of a FileGDB folder, else the file itself; sorted.
pub fn files_of(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(path)
            .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        v.retain(|p| p.is_file());
        v.sort();
        return v;
    }
    let is_shp = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if is_shp {
        let mut v: Vec<PathBuf> = ["shp", "shx", "dbf", "prj", "cpg"]
            .iter()
            .filter_map(|ext| crate::ingest::shapefile::sibling(path, ext))
            .collect();
        if !v.iter().any(|p| p == path) {
            v.insert(0, path.to_path_buf());
        }
        v.sort();
        v.dedup();
        return v;
    }
    vec![path.to_path_buf()]
}

/// Records every input file. A file whose size and modification time equal those the
/// previous manifest recorded keeps its recorded digest (the quick check of `rsync` and
/// `make`); any other is hashed: in parallel, or (`parallel` false) on the calling
/// thread alone, one file after another, for a thread beside the read, whose long
/// tasks hold the thread pool.
pub fn record_inputs(
    inputs: &[(String, PathBuf)],
    previous: Option<&Manifest>,
    parallel: bool,
) -> Result<Vec<InputFile>> {
    use rayon::prelude::*;
    let files = input_files_of(inputs);
    let record = |(role, f): &(String, PathBuf)| record_input(role, f, previous);
    match parallel {
        true => files.par_iter().map(record).collect(),
        false => files.iter().map(record).collect(),
    }
}

/// The files each input path stands for, with the input's role.
fn input_files_of(inputs: &[(String, PathBuf)]) -> Vec<(String, PathBuf)> {
    inputs
        .iter()
        .flat_map(|(role, p)| files_of(p).into_iter().map(move |f| (role.clone(), f)))
        .collect()
}

/// One input file's record: its recorded digest when its size and time are those
/// `previous` recorded, else a new one.
fn record_input(role: &str, f: &Path, previous: Option<&Manifest>) -> Result<InputFile> {
    let meta = std::fs::metadata(f)
        .map_err(|e| Error::input(f, "cannot read its size and time").because(e))?;
    let modified = meta.modified().map(iso_utc).unwrap_or_default();
    let path = f.display().to_string();
    let known = previous.and_then(|m| {
        m.inputs
            .iter()
            .find(|i| i.path == path && i.size == meta.len() && i.modified == modified)
    });
    let sha256 = match known {
        Some(i) => i.sha256.clone(),
        None => sha256_file(f).map_err(|e| Error::input(f, "cannot read").because(e))?,
    };
    Ok(InputFile {
        role: role.to_string(),
        path,
        size: meta.len(),
        modified,
        sha256,
    })
}

/// The fingerprint of a run's inputs and settings.
pub fn fingerprint(
    version: &str,
    config: Option<&Named>,
    criteria: &Named,
    settings_sha256: &str,
    inputs: &[InputFile],
) -> String {
    let mut h = Sha256::new();
    h.update(version.as_bytes());
    h.update(b"\0config\0");
    if let Some(c) = config {
        h.update(c.sha256.as_bytes());
    }
    h.update(b"\0criteria\0");
    h.update(criteria.sha256.as_bytes());
    h.update(b"\0settings\0");
    h.update(settings_sha256.as_bytes());
    for i in inputs {
        h.update(b"\0input\0");
        h.update(i.role.as_bytes());
        h.update(b"\0");
        h.update(i.path.as_bytes());
        h.update(b"\0");
        h.update(i.sha256.as_bytes());
    }
    hex(&h.finalize())
}

/// Records every file of an output folder (but the manifest itself), sorted.
pub fn record_outputs(dir: &Path) -> Result<Vec<OutputFile>> {
    use rayon::prelude::*;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::output(dir, "cannot list").because(e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != FILE))
        .collect();
    files.sort();
    files
        .par_iter()
        .map(|p| {
            let size = std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
            let sha256 =
                sha256_file(p).map_err(|e| Error::output(p, "cannot read back").because(e))?;
            Ok(OutputFile {
                file: p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                size,
                sha256,
            })
        })
        .collect()
}

/// The manifest of a published folder, if it has a readable one.
pub fn read(dir: &Path) -> Option<Manifest> {
    let text = std::fs::read_to_string(dir.join(FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Checks a folder against its manifest: every output listed is there with its digest,
/// and nothing else is. Returns what is wrong, empty when all is right.
pub fn verify(dir: &Path) -> Vec<String> {
    let Some(m) = read(dir) else {
        return vec![format!("{}: no readable {FILE}", dir.display())];
    };
    let mut problems = Vec::new();
    for o in &m.outputs {
        let p = dir.join(&o.file);
        match sha256_file(&p) {
            Ok(h) if h == o.sha256 => {}
            Ok(_) => problems.push(format!("{}: content differs from the manifest", o.file)),
            Err(_) => problems.push(format!("{}: listed but missing", o.file)),
        }
    }
    if let Ok(d) = std::fs::read_dir(dir) {
        for e in d.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name != FILE && !m.outputs.iter().any(|o| o.file == name) {
                problems.push(format!("{name}: not in the manifest"));
            }
        }
    }
    problems
}
