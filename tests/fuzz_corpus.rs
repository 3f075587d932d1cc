//! Replays the fuzz corpus (`fuzz/corpus/<target>/*`: seeds, and every input a fuzzer
//! once crashed on) through the same entry points the fuzz targets call
//! (`landsift::fuzzing`): none may panic, and none may take more than a few seconds.
//! CI replays; fuzzing itself is `cargo fuzz run <target>` (README "Fuzzing").

use std::path::Path;
use std::time::{Duration, Instant};

#[test]
fn every_corpus_input_returns_without_panicking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut replayed = 0;
    let mut failures = Vec::new();
    for (target, entry) in landsift::fuzzing::TARGETS {
        let dir = root.join(target);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no seeds for {target}");
        for file in files {
            let data = std::fs::read(&file).unwrap();
            let start = Instant::now();
            let outcome = std::panic::catch_unwind(|| entry(&data));
            let took = start.elapsed();
            if outcome.is_err() {
                failures.push(format!("{target}: {} panicked", file.display()));
            } else if took > Duration::from_secs(10) {
                failures.push(format!("{target}: {} took {took:?}", file.display()));
            }
            replayed += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(replayed >= 25, "only {replayed} corpus inputs");
}
