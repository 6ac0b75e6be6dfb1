//! Shared by the test files: reading one HTTP/1.1 request, as a webhook receiver does.

use tokio::io::{AsyncRead, AsyncReadExt};

/// Reads one request (head up to the blank line, then `Content-Length` bytes of body) and
/// returns `(head, body)`; `None` when the peer closes first.
pub async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<(String, String)> {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            return None;
        }
        data.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&data).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let length: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                let head = text[..end].to_string();
                let body = String::from_utf8_lossy(&data[end + 4..end + 4 + length]).to_string();
                return Some((head, body));
            }
        }
    }
}
