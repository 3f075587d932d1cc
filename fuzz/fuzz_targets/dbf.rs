//! Fuzz target: arbitrary bytes into landsift's dbf entry point (`landsift::fuzzing::dbf`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| landsift::fuzzing::dbf(data));
