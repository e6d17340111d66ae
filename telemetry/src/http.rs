//! The metrics and health endpoint (`--metrics-listen`): a minimal HTTP/1.1 responder for
//! `GET` and `HEAD` of `/metrics` (OpenMetrics text), `/healthz` (200 while the process
//! runs) and `/readyz` (200 when ready, 503 before and while shutting down). One request
//! per connection (`Connection: close`); anything else is 404 or 405.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::{health, metrics};

/// The longest request head read.
const MAX_HEAD: usize = 8 * 1024;
/// How long a client may take to send its request.
const READ_TIMEOUT: Duration = Duration::from_secs(5);

const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
const TEXT: &str = "text/plain; charset=utf-8";

/// Serves the endpoint on `listener` until the process ends.
pub async fn serve(listener: TcpListener) {
    loop {
        match listener.accept().await {
            Ok((socket, _)) => {
                tokio::spawn(async move {
                    if let Err(e) = answer(socket).await {
                        tracing::debug!("metrics request failed: {e}");
                    }
                });
            }
            Err(e) => {
                tracing::warn!("metrics listener: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

async fn answer(mut socket: TcpStream) -> std::io::Result<()> {
    let head = match tokio::time::timeout(READ_TIMEOUT, read_head(&mut socket)).await {
        Ok(head) => head?,
        Err(_) => return Ok(()),
    };
    let response = respond(&head);
    socket.write_all(&response).await?;
    socket.shutdown().await
}

/// Reads up to the blank line that ends the request head (or [`MAX_HEAD`] bytes).
async fn read_head(socket: &mut TcpStream) -> std::io::Result<String> {
    let mut head = Vec::with_capacity(512);
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < MAX_HEAD {
        let read = socket.read(&mut buffer).await?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    Ok(String::from_utf8_lossy(&head).into_owned())
}

/// The whole response to a request head.
fn respond(head: &str) -> Vec<u8> {
    let mut words = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, target) = (
        words.next().unwrap_or_default(),
        words.next().unwrap_or("/"),
    );
    let path = target.split('?').next().unwrap_or(target);
    let (status, content_type, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => (200, OPENMETRICS, metrics().encode()),
        ("GET" | "HEAD", "/healthz") => (200, TEXT, "ok\n".to_string()),
        ("GET" | "HEAD", "/readyz") if health().is_ready() => (200, TEXT, "ready\n".to_string()),
        ("GET" | "HEAD", "/readyz") if health().is_shutting_down() => {
            (503, TEXT, "shutting down\n".to_string())
        }
        ("GET" | "HEAD", "/readyz") => (503, TEXT, "starting\n".to_string()),
        ("GET" | "HEAD", _) => (404, TEXT, "not found\n".to_string()),
        _ => (405, TEXT, "method not allowed\n".to_string()),
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let mut response = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        response.extend_from_slice(body.as_bytes());
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(response: &[u8]) -> String {
        let text = String::from_utf8_lossy(response);
        text.lines().next().unwrap_or_default().to_string()
    }

    #[test]
    fn routes() {
        assert_eq!(
            status_of(&respond("GET /healthz HTTP/1.1\r\n\r\n")),
            "HTTP/1.1 200 OK"
        );
        assert_eq!(
            status_of(&respond("GET /nowhere HTTP/1.1\r\n\r\n")),
            "HTTP/1.1 404 Not Found"
        );
        assert_eq!(
            status_of(&respond("POST /metrics HTTP/1.1\r\n\r\n")),
            "HTTP/1.1 405 Method Not Allowed"
        );
        let metrics = String::from_utf8(respond("GET /metrics?x=1 HTTP/1.1\r\n\r\n")).unwrap();
        assert!(metrics.contains("fedgate_sessions_open"), "{metrics}");
        let head = respond("HEAD /healthz HTTP/1.1\r\n\r\n");
        assert!(String::from_utf8(head).unwrap().ends_with("\r\n\r\n"));
    }
}
