//! Record batches as Produce carries them: the broker's checks, then full record decoding in every codec.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kbox::fuzzing::record_batches(data);
});
