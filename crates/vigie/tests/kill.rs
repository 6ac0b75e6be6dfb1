//! Nothing acknowledged is lost: `vigie serve` runs as a process under load and is killed with
//! SIGKILL at random moments, 20 times; after each restart every item it acknowledged with a 2xx
//! has its decision, and resubmitting one returns the same decision (no duplicate).

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ROUNDS: usize = 20;
const CLIENTS: usize = 4;

const TEXTS: [&str; 4] = [
    "رحلة قادمة من زوارة إلى إيطاليا، واتس 0912345678",
    "je cherche un passeur pour l'Italie, combien ?",
    "Walaalkaa waa naga xidhan yahay, soo dir lacagta",
    "ጉዕዞ ናብ ሊብያ፡ ዋጋ 3500 ዶላር",
];

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// One HTTP/1.1 request; the status code and body, or None when the connection failed.
fn http(port: u16, method: &str, path: &str, token: &str, body: &str) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let status: u16 = text.split_whitespace().nth(1)?.parse().ok()?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Some((status, body))
}

fn start(dir: &Path, port: u16) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--rate-per-second",
            "0",
            "--data",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Some((200, _)) = http(port, "GET", "/healthz", "", "") {
            return child;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("vigie serve did not become healthy on port {port}");
}

/// A small deterministic generator for the kill delays.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

#[test]
fn sigkill_under_load_loses_no_acknowledged_item() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("state");
    let out = Command::new(env!("CARGO_BIN_EXE_vigie"))
        .args([
            "token",
            "create",
            "--scope",
            "admin",
            "--name",
            "kill-test",
            "--data",
        ])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();

    // id -> the decision JSON the server acknowledged
    let acked: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut attempted = 0usize;
    for round in 0..ROUNDS {
        let port = free_port();
        let mut server = start(&data, port);
        let stop = Arc::new(AtomicBool::new(false));
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                let (stop, acked, token) = (stop.clone(), acked.clone(), token.clone());
                std::thread::spawn(move || {
                    let mut n = 0usize;
                    while !stop.load(Ordering::Relaxed) {
                        let id = format!("k{round}-{c}-{n}");
                        let text = TEXTS[(round + c + n) % TEXTS.len()];
                        let body =
                            serde_json::json!({"id": id, "kind": "post", "text": text}).to_string();
                        n += 1;
                        match http(port, "POST", "/v1/items", &token, &body) {
                            Some((s, decision)) if (200..300).contains(&s) => {
                                acked.lock().unwrap().insert(id, decision);
                            }
                            Some(_) => {}
                            None => break, // the server is gone
                        }
                    }
                    n
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(30 + next(&mut seed) % 300));
        server.kill().unwrap(); // SIGKILL
        server.wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        attempted += clients
            .into_iter()
            .map(|c| c.join().unwrap())
            .sum::<usize>();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= ROUNDS,
        "too few items acknowledged ({}) to test anything",
        acked.len()
    );

    // After the last kill: every acknowledged item has its decision, and resubmitting returns
    // the stored one.
    let port = free_port();
    let mut server = start(&data, port);
    for (id, decision) in &acked {
        let (status, body) = http(port, "GET", &format!("/v1/decisions/{id}"), &token, "").unwrap();
        assert_eq!(status, 200, "acknowledged item {id} lost");
        let stored: serde_json::Value = serde_json::from_str(&body).unwrap();
        let answered: serde_json::Value = serde_json::from_str(decision).unwrap();
        assert_eq!(stored["id"], answered["id"]);
        assert_eq!(stored["verdict"], answered["verdict"]);
    }
    for (id, decision) in acked.iter().take(50) {
        let body =
            serde_json::json!({"id": id, "kind": "post", "text": "a different text"}).to_string();
        let (status, again) = http(port, "POST", "/v1/items", &token, &body).unwrap();
        assert!((200..300).contains(&status));
        let again: serde_json::Value = serde_json::from_str(&again).unwrap();
        let first: serde_json::Value = serde_json::from_str(decision).unwrap();
        assert_eq!(
            again["verdict"], first["verdict"],
            "resubmitting {id} changed its decision"
        );
        assert_eq!(again["labels"], first["labels"]);
    }
    server.kill().unwrap();
    server.wait().unwrap();
    println!(
        "{} rounds, {attempted} requests, {} acknowledged, none lost",
        ROUNDS,
        acked.len()
    );
}
