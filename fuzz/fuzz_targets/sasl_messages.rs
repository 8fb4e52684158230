//! SASL PLAIN and SCRAM client messages against the broker's SCRAM server; a mutated exchange
//! must never log in.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    assert!(!kbox::fuzzing::sasl_messages(data));
});
