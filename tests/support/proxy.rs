//! A loopback HTTP/1.1 proxy that stands between berth (or the aws CLI) and the sandbox:
//! it adds a fixed delay to every request, counts requests per ECR operation, measures
//! how long the upstream server was busy, and can answer chosen requests itself (a
//! canned [`Reply`]) to inject faults.
//!
//! It understands just enough HTTP/1.1 to find message boundaries (Content-Length,
//! chunked, or read-to-close) on keep-alive connections; bytes are forwarded unchanged.
//! Each client connection gets its own upstream connection, so concurrency on one side
//! is concurrency on the other.
//!
//! The proxy runs on its own thread with its own runtime, so it works the same from
//! plain `#[test]`s, `#[tokio::test]`s and the benchmark's proxy binary
//! (`examples/latency_proxy.rs`). Two routes are answered by the proxy and never
//! forwarded or counted: `GET /__proxy/stats` (the [`Stats`] as JSON) and
//! `POST /__proxy/reset` (zero the counters, then the same JSON).
//!
//! To add a kind of fault, extend [`Verdict`] and handle it in `serve_request`; rules
//! decide per request from the parsed [`Request`].

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Decides, per request, whether the proxy forwards it or answers it itself.
pub type FaultRule = Arc<dyn Fn(&Request) -> Verdict + Send + Sync>;

/// What the proxy does with one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Forward it upstream (after the delay).
    Forward,
    /// Answer with this reply (after the delay); upstream never sees the request.
    Reply(Reply),
}

/// How to run the proxy.
#[derive(Clone)]
pub struct ProxyConfig {
    /// The server to forward to: `http://127.0.0.1:PORT` or `127.0.0.1:PORT`.
    pub upstream: String,
    /// Added before forwarding each request (a round trip's worth of latency).
    pub delay: Duration,
    /// Optional fault injection; `None` forwards everything.
    pub fault: Option<FaultRule>,
}

impl ProxyConfig {
    /// Forward everything to `upstream` with `delay` added per request.
    pub fn new(upstream: &str, delay: Duration) -> Self {
        ProxyConfig {
            upstream: upstream.to_string(),
            delay,
            fault: None,
        }
    }

    /// Answer requests for which `rule` returns a reply instead of forwarding them.
    pub fn with_fault(
        mut self,
        rule: impl Fn(&Request) -> Verdict + Send + Sync + 'static,
    ) -> Self {
        self.fault = Some(Arc::new(rule));
        self
    }
}

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

    /// The AWS JSON-protocol operation (`DescribeImages` from `X-Amz-Target`).
    pub fn operation(&self) -> Option<&str> {
        let target = self.header("x-amz-target")?;
        Some(target.rsplit('.').next().unwrap_or(target))
    }

    /// The region of the SigV4 credential scope (`Credential=AKID/DATE/REGION/ecr/…`).
    pub fn signing_region(&self) -> Option<&str> {
        let authorization = self.header("authorization")?;
        let scope = authorization.split("Credential=").nth(1)?;
        scope.split(['/', ',']).nth(2)
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

    /// A JSON reply with status 200.
    pub fn json(value: &serde_json::Value) -> Reply {
        Reply {
            status: 200,
            content_type: "application/json".into(),
            body: value.to_string().into_bytes(),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let reason = match self.status {
            200 => "OK",
            400 => "Bad Request",
            403 => "Forbidden",
            404 => "Not Found",
            500 => "Internal Server Error",
            _ => "Status",
        };
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

/// What the proxy has seen since it started or was last reset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests received (forwarded or answered by a fault rule).
    pub requests: u64,
    /// Requests per `X-Amz-Target` operation (`-` when there is none).
    pub by_operation: BTreeMap<String, u64>,
    /// Requests a fault rule answered.
    pub faults: u64,
    /// Wall time during which at least one forwarded request was waiting for upstream.
    /// For a server that serves one request at a time this is its total service time.
    pub upstream_busy: Duration,
    /// Sum of each forwarded request's upstream time (overlaps counted twice).
    pub upstream_sum: Duration,
}

impl Stats {
    /// Requests for `operation`.
    pub fn count(&self, operation: &str) -> u64 {
        self.by_operation.get(operation).copied().unwrap_or(0)
    }

    /// The stats as the `/__proxy/stats` JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "requests": self.requests,
            "by_operation": self.by_operation,
            "faults": self.faults,
            "upstream_busy_seconds": self.upstream_busy.as_secs_f64(),
            "upstream_sum_seconds": self.upstream_sum.as_secs_f64(),
        })
    }
}

#[derive(Default)]
struct Counters {
    stats: Stats,
    outstanding: u32,
    busy_since: Option<Instant>,
}

struct Shared {
    upstream: String,
    delay: Duration,
    fault: Option<FaultRule>,
    counters: Mutex<Counters>,
}

impl Shared {
    fn count(&self, request: &Request, fault: bool) {
        let mut counters = self.counters.lock().unwrap();
        counters.stats.requests += 1;
        counters.stats.faults += u64::from(fault);
        let operation = request.operation().unwrap_or("-").to_string();
        *counters.stats.by_operation.entry(operation).or_default() += 1;
    }

    fn upstream_started(&self) -> Instant {
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap();
        if counters.outstanding == 0 {
            counters.busy_since = Some(now);
        }
        counters.outstanding += 1;
        now
    }

    fn upstream_finished(&self, started: Instant) {
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap();
        counters.stats.upstream_sum += now - started;
        counters.outstanding = counters.outstanding.saturating_sub(1);
        if counters.outstanding == 0
            && let Some(since) = counters.busy_since.take()
        {
            counters.stats.upstream_busy += now - since;
        }
    }

    fn stats(&self) -> Stats {
        self.counters.lock().unwrap().stats.clone()
    }

    fn reset(&self) {
        let mut counters = self.counters.lock().unwrap();
        counters.stats = Stats::default();
        if counters.outstanding > 0 {
            counters.busy_since = Some(Instant::now());
        }
    }
}

/// A running proxy; stopped when dropped.
pub struct Proxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Listen on a free loopback port and start forwarding.
    pub fn start(config: ProxyConfig) -> io::Result<Proxy> {
        Proxy::start_on("127.0.0.1:0", config)
    }

    /// Listen on `listen` (e.g. `127.0.0.1:0`) and start forwarding.
    pub fn start_on(listen: &str, config: ProxyConfig) -> io::Result<Proxy> {
        let listener = std::net::TcpListener::bind(listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let upstream = config
            .upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let shared = Arc::new(Shared {
            upstream,
            delay: config.delay,
            fault: config.fault,
            counters: Mutex::default(),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let serving = shared.clone();
        let thread = std::thread::Builder::new()
            .name("test-proxy".into())
            .spawn(move || {
                runtime.block_on(async move {
                    let listener = TcpListener::from_std(listener).expect("proxy listener");
                    tokio::select! {
                        _ = accept_loop(listener, serving) => {}
                        _ = stopped => {}
                    }
                });
            })?;
        Ok(Proxy {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL_ECR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The counters now.
    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// Zero the counters.
    pub fn reset(&self) {
        self.shared.reset();
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        let _ = client.set_nodelay(true);
        let shared = shared.clone();
        tokio::spawn(async move {
            // A connection that breaks mid-way only ends that connection.
            let _ = serve_connection(client, shared).await;
        });
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

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Start line and headers of a head.
fn parse_head(head: &[u8]) -> (String, Vec<(String, String)>) {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.split("\r\n");
    let start = lines.next().unwrap_or_default().to_string();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    (start, headers)
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
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

async fn serve_connection(client: TcpStream, shared: Arc<Shared>) -> io::Result<()> {
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
        tokio::time::sleep(shared.delay).await;
        let upstream_close = match verdict {
            Verdict::Reply(reply) => {
                client.stream.write_all(&reply.to_bytes()).await?;
                false
            }
            Verdict::Forward => {
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
