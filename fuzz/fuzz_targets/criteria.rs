//! Fuzz target: arbitrary bytes into landsift's criteria entry point (`landsift::fuzzing::criteria`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| landsift::fuzzing::criteria(data));
