//! Fuzz target: arbitrary bytes into landsift's shapefile entry point (`landsift::fuzzing::shapefile`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| landsift::fuzzing::shapefile(data));
