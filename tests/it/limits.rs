//! Connection limits: max.connections.per.ip refuses the extra connection, idle connections are
//! closed after connections.max.idle.ms, and the broker keeps serving others.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::common::KboxProcess;

/// Reads until the peer closes (Ok(0)) or `timeout`; true when it closed.
fn closed_within(conn: &mut TcpStream, timeout: Duration) -> bool {
    conn.set_read_timeout(Some(Duration::from_millis(100)))
        .unwrap();
    let deadline = Instant::now() + timeout;
    let mut buf = [0u8; 64];
    while Instant::now() < deadline {
        match conn.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => return true,
        }
    }
    false
}

/// An ApiVersions v0 request; true when the broker answers it.
fn answers(conn: &mut TcpStream) -> bool {
    // size 10: api key 18, version 0, correlation id 1, null client id.
    let frame = [0u8, 0, 0, 10, 0, 18, 0, 0, 0, 0, 0, 1, 0xff, 0xff];
    if conn.write_all(&frame).is_err() {
        return false;
    }
    conn.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut size = [0u8; 4];
    conn.read_exact(&mut size).is_ok()
}

#[test]
fn per_ip_limit_and_idle_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let broker = KboxProcess::start_with(
        dir.path(),
        &[
            "--override",
            "max.connections.per.ip=2",
            "--override",
            "connections.max.idle.ms=500",
        ],
    );
    let mut a = TcpStream::connect(&broker.addr).unwrap();
    let mut b = TcpStream::connect(&broker.addr).unwrap();
    assert!(answers(&mut a) && answers(&mut b));
    let mut c = TcpStream::connect(&broker.addr).unwrap();
    assert!(
        closed_within(&mut c, Duration::from_secs(10)),
        "a third connection from 127.0.0.1 is closed"
    );
    assert!(broker
        .wait_for_log(
            "address already has the configured maximum of 2 connections",
            Duration::from_secs(10)
        )
        .is_some());

    // Idle past connections.max.idle.ms: both closed, which frees their places.
    assert!(
        closed_within(&mut a, Duration::from_secs(20)),
        "idle connection closed"
    );
    assert!(
        closed_within(&mut b, Duration::from_secs(20)),
        "idle connection closed"
    );
    let mut d = TcpStream::connect(&broker.addr).unwrap();
    assert!(
        answers(&mut d),
        "a new connection is served once the old ones are gone"
    );
    assert_eq!(broker.terminate(), Some(0));
}
