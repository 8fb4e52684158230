//! Record batches with the CRC recomputed, so mutations reach the record decoder.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = kbox::fuzzing::record_batches_with_fixed_crc(data);
});
