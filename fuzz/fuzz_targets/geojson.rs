//! Fuzz target: arbitrary bytes into landsift's geojson entry point (`landsift::fuzzing::geojson`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| landsift::fuzzing::geojson(data));
