//! The HTTP/1.1 plumbing: parsed requests, canned replies, message framing on keep-alive
//! connections, and serving one client connection.

use super::{Shared, Verdict};
use std::io;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One parsed request, as fault rules see it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// The AWS operation: `DescribeImages` from a JSON-protocol `X-Amz-Target`, or
    /// `AssumeRole` from a query-protocol form body (`Action=AssumeRole&…`, as STS takes).
    pub fn operation(&self) -> Option<&str> {
        if let Some(target) = self.header("x-amz-target") {
            return Some(target.rsplit('.').next().unwrap_or(target));
        }
        let body = std::str::from_utf8(&self.body).ok()?;
        body.split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
    }

    /// The region of the SigV4 credential scope (`Credential=AKID/DATE/REGION/ecr/…`).
    pub fn signing_region(&self) -> Option<&str> {
        let authorization = self.header("authorization")?;
        let scope = authorization.split("Credential=").nth(1)?;
        scope.split(['/', ',']).nth(2)
    }

    /// The SDK's id for one operation call, the same on each of its attempts
    /// (`amz-sdk-invocation-id`): distinct ids count calls, not attempts.
    pub fn invocation_id(&self) -> Option<&str> {
        self.header("amz-sdk-invocation-id")
    }

    /// Which attempt of its call this request is (`amz-sdk-request: attempt=2; max=4`).
    pub fn attempt(&self) -> Option<u32> {
        let value = self.header("amz-sdk-request")?;
        value
            .split(';')
            .find_map(|part| part.trim().strip_prefix("attempt="))
            .and_then(|n| n.parse().ok())
    }

    /// The body as text (lossy).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A response the proxy makes up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Reply {
    /// What an IAM-enforcing moto (and some gateways) answer for a denied call: HTTP 403
    /// with an XML `AccessDenied` body.
    pub fn access_denied() -> Reply {
        Reply {
            status: 403,
            content_type: "text/xml".into(),
            body: b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>denied by the test proxy</Message></Error></ErrorResponse>".to_vec(),
        }
    }

    /// ECR's JSON `ThrottlingException`.
    pub fn throttling() -> Reply {
        Reply {
            status: 400,
            content_type: "application/x-amz-json-1.1".into(),
            body: br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_vec(),
        }
    }

    /// HTTP 500 with ECR's JSON `ServerException` (a server-side hiccup).
    pub fn server_exception() -> Reply {
        Reply {
            status: 500,
            content_type: "application/x-amz-json-1.1".into(),
            body: br#"{"__type":"ServerException","message":"Internal error injected by the test proxy"}"#.to_vec(),
        }
    }

    /// HTTP 503 with AWS's common JSON `ServiceUnavailable` error.
    pub fn service_unavailable() -> Reply {
        Reply {
            status: 503,
            content_type: "application/x-amz-json-1.1".into(),
            body:
                br#"{"__type":"ServiceUnavailable","message":"Service unavailable (test proxy)"}"#
                    .to_vec(),
        }
    }

    /// An HTML error page with `status`, as a gateway or an endpoint lacking the
    /// operation sends: no ECR error code to read.
    pub fn html(status: u16) -> Reply {
        Reply {
            status,
            content_type: "text/html; charset=utf-8".into(),
            body: format!(
                "<!doctype html><html><head><title>{status}</title></head><body><h1>{status} {}</h1><p>injected by the test proxy</p></body></html>",
                reason_phrase(status)
            )
            .into_bytes(),
        }
    }

    /// A JSON reply with status 200.
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json".into(),
            body: value.to_string().into_bytes(),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let reason = reason_phrase(self.status);
        let mut out = format!(
            "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
            self.status,
            self.content_type,
            self.body.len()
        )
        .into_bytes();
        out.extend_from_slice(&self.body);
        out
    }
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A byte stream with a read-ahead buffer, enough to frame HTTP/1.1 messages.
struct Wire {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Wire {
    fn new(stream: TcpStream) -> Self {
        Wire {
            stream,
            buf: Vec::new(),
        }
    }

    /// Read more bytes; false at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(n > 0)
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        self.buf.drain(..n).collect()
    }

    /// The head (start line and headers, through the blank line); `None` at a clean end.
    async fn head(&mut self) -> io::Result<Option<Vec<u8>>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                return Ok(Some(self.take(end + 4)));
            }
            if !self.fill().await? {
                return if self.buf.is_empty() {
                    Ok(None)
                } else {
                    Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "truncated head",
                    ))
                };
            }
        }
    }

    async fn exactly(&mut self, n: usize) -> io::Result<Vec<u8>> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated body",
                ));
            }
        }
        Ok(self.take(n))
    }

    async fn line(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(end) = find(&self.buf, b"\r\n") {
                return Ok(self.take(end + 2));
            }
            if !self.fill().await? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "truncated chunk",
                ));
            }
        }
    }

    /// A chunked body, raw (sizes, data and trailers), as it must be forwarded.
    async fn chunked(&mut self) -> io::Result<Vec<u8>> {
        let mut raw = Vec::new();
        loop {
            let size_line = self.line().await?;
            let text = String::from_utf8_lossy(&size_line);
            let size = usize::from_str_radix(text.trim().split(';').next().unwrap_or(""), 16)
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
            raw.extend_from_slice(&size_line);
            if size == 0 {
                // Trailers, up to the blank line.
                loop {
                    let line = self.line().await?;
                    raw.extend_from_slice(&line);
                    if line == b"\r\n" {
                        return Ok(raw);
                    }
                }
            }
            raw.extend(self.exactly(size + 2).await?);
        }
    }

    async fn until_close(&mut self) -> io::Result<Vec<u8>> {
        while self.fill().await? {}
        Ok(std::mem::take(&mut self.buf))
    }
}

pub(super) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Start line and headers of a head.
pub(super) fn parse_head(head: &[u8]) -> (String, Vec<(String, String)>) {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let start = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (start, headers)
}

pub(super) fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

enum Framing {
    Length(usize),
    Chunked,
    ToClose,
}

fn framing(headers: &[(String, String)], default: Framing) -> Framing {
    if header(headers, "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
    {
        Framing::Chunked
    } else if let Some(length) = header(headers, "content-length").and_then(|v| v.parse().ok()) {
        Framing::Length(length)
    } else {
        default
    }
}

async fn body(wire: &mut Wire, framing: Framing) -> io::Result<Vec<u8>> {
    match framing {
        Framing::Length(n) => wire.exactly(n).await,
        Framing::Chunked => wire.chunked().await,
        Framing::ToClose => wire.until_close().await,
    }
}

fn wants_close(headers: &[(String, String)]) -> bool {
    header(headers, "connection").is_some_and(|v| v.eq_ignore_ascii_case("close"))
}

pub(super) async fn serve_connection(client: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
    let mut client = Wire::new(client);
    let mut upstream: Option<Wire> = None;
    while let Some(head) = client.head().await? {
        let (start, headers) = parse_head(&head);
        let mut parts = start.split(' ');
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let chunked_body = framing(&headers, Framing::Length(0));
        let request_body = body(&mut client, chunked_body).await?;
        let client_close = wants_close(&headers);
        let request = Request {
            method,
            target,
            headers,
            body: request_body,
        };

        if let Some(control) = control_reply(&request, &shared) {
            client.stream.write_all(&control.to_bytes()).await?;
            continue;
        }

        let verdict = match &shared.fault {
            Some(rule) => rule(&request),
            None => Verdict::Forward,
        };
        shared.count(&request, verdict != Verdict::Forward);
        let extra = match &verdict {
            Verdict::ForwardAfter(extra) => *extra,
            _ => Duration::ZERO,
        };
        tokio::time::sleep(shared.delay + extra).await;
        let upstream_close = match verdict {
            Verdict::Reply(reply) => {
                client.stream.write_all(&reply.to_bytes()).await?;
                false
            }
            Verdict::Reset => {
                // Zero linger turns the close into a RST, so the client sees a reset
                // rather than a clean end of stream.
                client.stream.set_zero_linger()?;
                shared.reset_sent();
                return Ok(());
            }
            Verdict::Stall => {
                shared.stall_started();
                // Keep reading (and discarding) so the end of the stall is seen when the
                // client gives up and closes; never write a byte.
                let mut sink = [0u8; 4096];
                while matches!(client.stream.read(&mut sink).await, Ok(n) if n > 0) {}
                shared.stall_ended();
                return Ok(());
            }
            Verdict::Forward | Verdict::ForwardAfter(_) => {
                if upstream.is_none() {
                    let stream = TcpStream::connect(&shared.upstream).await?;
                    let _ = stream.set_nodelay(true);
                    upstream = Some(Wire::new(stream));
                }
                let wire = upstream.as_mut().expect("connected above");
                let started = shared.upstream_started();
                let exchanged = exchange(wire, &head, &request).await;
                shared.upstream_finished(started);
                let (response, close) = exchanged?;
                client.stream.write_all(&response).await?;
                close
            }
        };
        // A response framed by closing the connection must reach the client the same way;
        // in every other case the client learns from the headers that it must reconnect.
        if upstream_close || client_close {
            break;
        }
    }
    Ok(())
}

/// Send one request upstream and read its whole response; also says whether the upstream
/// connection is finished afterwards.
async fn exchange(
    upstream: &mut Wire,
    head: &[u8],
    request: &Request,
) -> io::Result<(Vec<u8>, bool)> {
    let mut message = head.to_vec();
    message.extend_from_slice(&request.body);
    upstream.stream.write_all(&message).await?;
    let response_head = upstream
        .head()
        .await?
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "upstream closed"))?;
    let (status_line, headers) = parse_head(&response_head);
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let bodiless = request.method.eq_ignore_ascii_case("HEAD")
        || status == 204
        || status == 304
        || (100..200).contains(&status);
    let framing = if bodiless {
        Framing::Length(0)
    } else {
        framing(&headers, Framing::ToClose)
    };
    let to_close = matches!(framing, Framing::ToClose);
    let mut response = response_head;
    response.extend(body(upstream, framing).await?);
    Ok((
        response,
        to_close || wants_close(&headers) || status_line.starts_with("HTTP/1.0"),
    ))
}

fn control_reply(request: &Request, shared: &Shared) -> Option<Reply> {
    match (request.method.as_str(), request.target.as_str()) {
        ("GET", "/__proxy/stats") => Some(Reply::json(&shared.stats().to_json())),
        ("POST", "/__proxy/reset") => {
            shared.reset();
            Some(Reply::json(&shared.stats().to_json()))
        }
        _ => None,
    }
}
