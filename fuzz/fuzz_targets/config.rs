//! Fuzz target: arbitrary bytes into landsift's config entry point (`landsift::fuzzing::config`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| landsift::fuzzing::config(data));
