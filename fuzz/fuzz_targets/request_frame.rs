//! A request frame (after its size): preamble, header and body of every API and version the broker answers.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kbox::fuzzing::request_frame(data);
});
