//! Seeded mutation fuzzing, run by every `cargo test`: the decoders the broker runs on peer
//! bytes (kbox::fuzzing, the same entry points as the cargo-fuzz targets in fuzz/), and a
//! network fuzzer that sends mutated frames to a running broker while a healthy client keeps
//! producing and consuming. Deterministic: a failure names its seed and iteration.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use bytes::{BufMut, BytesMut};
use kbox::broker::handlers::supported_apis;

use crate::common::KboxProcess;

/// xorshift64*: tiny, seeded, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// One to four mutations of `input`: bit flips, interesting values (often lengths and counts),
/// inserted and removed bytes, truncation, repeated spans.
fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                out[i] = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe][rng.below(6)];
            }
            2 if len >= 4 => {
                let i = rng.below(len - 3);
                let v: u32 =
                    [0x7fff_ffff, 0xffff_ffff, 0x8000_0000, 0x0010_0000, 0, 1][rng.below(6)];
                out[i..i + 4].copy_from_slice(&v.to_be_bytes());
            }
            3 => {
                let i = rng.below(len + 1);
                let n = 1 + rng.below(16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                out.splice(i..i, bytes);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(32));
                out.drain(i..i + n);
            }
            5 => out.truncate(rng.below(len + 1)),
            _ if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                let span = out[i..i + n].to_vec();
                out.splice(i..i, span);
            }
            _ => out.push(rng.next() as u8),
        }
    }
    out
}

#[test]
fn decoders_survive_mutated_requests_and_batches() {
    let requests = kbox::fuzzing::request_seeds();
    let batches = kbox::fuzzing::batch_seeds();
    let versions: usize = supported_apis()
        .iter()
        .map(|(_, r)| (r.max - r.min + 1) as usize)
        .sum();
    assert!(
        requests.len() * 10 >= versions * 9,
        "seeds for {} of {versions} API versions",
        requests.len()
    );
    let mut rng = Rng(0x6b62_6f78_2d66_757a);
    let started = Instant::now();
    let mut tried = 0u64;
    for _ in 0..60_000 {
        let pick = rng.below(requests.len());
        kbox::fuzzing::request_frame(&mutate(&mut rng, &requests[pick]));
        tried += 1;
    }
    for _ in 0..20_000 {
        let pick = rng.below(batches.len());
        let input = mutate(&mut rng, &batches[pick]);
        let _ = kbox::fuzzing::record_batches(&input);
        kbox::fuzzing::record_batches_with_fixed_crc(&input);
        tried += 2;
    }
    let sasl = kbox::fuzzing::sasl_seeds();
    for _ in 0..20_000 {
        let pick = rng.below(sasl.len());
        let input = mutate(&mut rng, &sasl[pick]);
        assert!(
            !kbox::fuzzing::sasl_messages(&input),
            "a mutated SASL exchange logged in: {input:?}"
        );
        tried += 1;
    }
    // The seeds themselves decode (the mutations start from valid inputs).
    for b in &batches {
        assert!(kbox::fuzzing::record_batches(b) >= 1);
    }
    eprintln!(
        "fuzz: {tried} mutated inputs through the broker's decoders in {:?}, no panic",
        started.elapsed()
    );
}

/// A snappy stream of a few bytes declaring 4 GiB, and a gzip bomb: both refused, nothing
/// allocated for them.
#[test]
fn compression_bombs_are_refused() {
    // Raw snappy: a varint length of 0xffff_ffff then one literal byte.
    let bomb_payload: &[u8] = &[0xff, 0xff, 0xff, 0xff, 0x0f, 0x00, b'x'];
    for (codec, payload) in [
        (2u8, bomb_payload.to_vec()),
        (1u8, gzip_of_zeros(200 << 20)),
    ] {
        let mut batch = BytesMut::new();
        batch.put_i64(0); // base offset
        batch.put_i32((49 + payload.len()) as i32); // batch length after this field
        batch.put_i32(0); // partition leader epoch
        batch.put_i8(2); // magic
        batch.put_u32(0); // crc, set below
        batch.put_i16(codec as i16);
        batch.put_i32(0); // last offset delta
        batch.put_i64(0);
        batch.put_i64(0);
        batch.put_i64(-1);
        batch.put_i16(-1);
        batch.put_i32(-1);
        batch.put_i32(1); // record count
        batch.put_slice(&payload);
        let mut batch = batch.to_vec();
        kbox::protocol::batch::set_crc(&mut batch).unwrap();
        assert_eq!(
            kbox::fuzzing::record_batches(&batch),
            0,
            "codec {codec}: the bomb must not decode"
        );
    }
}

fn gzip_of_zeros(n: usize) -> Vec<u8> {
    use flate2::write::GzEncoder;
    let mut e = GzEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![0u8; 1 << 20];
    for _ in 0..n / chunk.len() {
        e.write_all(&chunk).unwrap();
    }
    e.finish().unwrap()
}

fn peak_rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(str::to_string)
        })
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// Mutated frames over many connections while a healthy client keeps its round trips going.
#[test]
fn network_fuzzer_leaves_the_broker_serving() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start(dir.path());
    let addr = broker.addr.clone();
    let seeds = kbox::fuzzing::request_seeds();
    let mut rng = Rng(0x6e65_7466_757a_7a31);
    let started = Instant::now();
    let mut frames = 0u64;
    let mut healthy_round_trips = 0u32;
    for round in 0..40 {
        let mut conn = TcpStream::connect(&addr).unwrap();
        conn.set_read_timeout(Some(Duration::from_millis(5)))
            .unwrap();
        for _ in 0..60 {
            let pick = rng.below(seeds.len());
            let body = mutate(&mut rng, &seeds[pick]);
            // Mostly a truthful size; sometimes a lie (short, long, negative, huge).
            let size: i32 = match rng.below(10) {
                0 => -1,
                1 => i32::MAX,
                2 => body.len() as i32 + 100,
                3 => (body.len() as i32 - 3).max(0),
                _ => body.len() as i32,
            };
            let mut frame = size.to_be_bytes().to_vec();
            frame.extend_from_slice(&body);
            frames += 1;
            if conn.write_all(&frame).is_err() {
                // The broker closed this connection, as it should for bad frames: a new one.
                conn = TcpStream::connect(&addr).unwrap();
                conn.set_read_timeout(Some(Duration::from_millis(5)))
                    .unwrap();
            }
            let mut sink = [0u8; 4096];
            let _ = conn.read(&mut sink);
        }
        // The healthy client: one record produced and read back (kbox's kcat mode, separate
        // processes) every ten rounds.
        if round % 10 == 9 {
            let topic = format!("healthy-{round}");
            let value = format!("v{round}");
            let mut producer = std::process::Command::new(crate::common::kbox_bin())
                .args(["kcat", "-b", &addr, "-P", "-t", &topic])
                .stdin(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            producer
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{value}\n").as_bytes())
                .unwrap();
            let out = producer.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "produce failed while fuzzing: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let out = std::process::Command::new(crate::common::kbox_bin())
                .args([
                    "kcat",
                    "-b",
                    &addr,
                    "-C",
                    "-t",
                    &topic,
                    "-o",
                    "beginning",
                    "-e",
                    "-q",
                ])
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), value);
            healthy_round_trips += 1;
        }
    }
    let peak = peak_rss_kb(broker.child.id());
    eprintln!(
        "network fuzz: {frames} mutated frames on 40+ connections in {:?}; {healthy_round_trips} healthy round trips; broker peak RSS {} MB",
        started.elapsed(),
        peak / 1024
    );
    assert_eq!(healthy_round_trips, 4);
    assert!(peak < 512 * 1024, "broker peak RSS {} MB", peak / 1024);
    assert_eq!(
        broker.terminate(),
        Some(0),
        "the broker shuts down cleanly after the fuzzing"
    );
}
