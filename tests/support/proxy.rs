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
//! To add a kind of fault, extend [`Verdict`] and handle it in `serve_connection`; rules
//! decide per request from the parsed [`Request`]. Besides canned replies a rule can reset
//! the connection ([`Verdict::Reset`]) or accept the request and never answer
//! ([`Verdict::Stall`]). [`FaultPlan`] is a ready-made rule: a seeded, reproducible
//! fraction of requests (or every Nth) fails with a mix of [`Fault`]s, and it counts what
//! it injected.

use std::collections::{BTreeMap, HashMap};
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
    /// Forward it after this much extra delay (a latency spike, or a way to keep a
    /// moment on screen long enough for a test to see it).
    ForwardAfter(Duration),
    /// Answer with this reply (after the delay); upstream never sees the request.
    Reply(Reply),
    /// Drop the connection with a TCP reset instead of answering (a crashed load
    /// balancer, a flaky link). The client sees "connection reset by peer".
    Reset,
    /// Read the request and never answer; the connection stays open until the client
    /// gives up (a hung backend). The client only gets out through its own timeouts.
    Stall,
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

/// What the proxy has seen since it started or was last reset.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Requests received (forwarded or answered by a fault rule).
    pub requests: u64,
    /// Requests per `X-Amz-Target` operation (`-` when there is none).
    pub by_operation: BTreeMap<String, u64>,
    /// Requests a fault rule answered, reset or stalled.
    pub faults: u64,
    /// Connections reset on a rule's word.
    pub resets: u64,
    /// Requests stalled on a rule's word.
    pub stalls: u64,
    /// Stalled requests whose client has not given up yet.
    pub stalled_now: u64,
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
            "resets": self.resets,
            "stalls": self.stalls,
            "stalled_now": self.stalled_now,
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

    fn stall_started(&self) {
        let mut counters = self.counters.lock().unwrap();
        counters.stats.stalls += 1;
        counters.stats.stalled_now += 1;
    }

    fn stall_ended(&self) {
        let mut counters = self.counters.lock().unwrap();
        counters.stats.stalled_now = counters.stats.stalled_now.saturating_sub(1);
    }

    fn reset_sent(&self) {
        self.counters.lock().unwrap().stats.resets += 1;
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
        // Stalled connections are still open: keep them in view.
        let stalled_now = counters.stats.stalled_now;
        counters.stats = Stats {
            stalled_now,
            ..Stats::default()
        };
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

/// A fault a [`FaultPlan`] can inject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// HTTP 500, ECR's JSON `ServerException`.
    ServerError,
    /// HTTP 500, an HTML page (what an endpoint lacking the operation sends).
    ServerErrorHtml,
    /// HTTP 503, AWS's JSON `ServiceUnavailable`.
    Unavailable,
    /// HTTP 503, a gateway's HTML page.
    UnavailableHtml,
    /// HTTP 400, ECR's JSON `ThrottlingException`.
    Throttling,
    /// The connection is reset without an answer.
    Reset,
    /// The request is never answered.
    Stall,
    /// HTTP 403 with an XML `AccessDenied` body (IAM-enforcing moto).
    AccessDenied,
}

impl Fault {
    /// What the proxy does to inject this fault.
    pub fn verdict(self) -> Verdict {
        match self {
            Fault::ServerError => Verdict::Reply(Reply::server_exception()),
            Fault::ServerErrorHtml => Verdict::Reply(Reply::html(500)),
            Fault::Unavailable => Verdict::Reply(Reply::service_unavailable()),
            Fault::UnavailableHtml => Verdict::Reply(Reply::html(503)),
            Fault::Throttling => Verdict::Reply(Reply::throttling()),
            Fault::Reset => Verdict::Reset,
            Fault::Stall => Verdict::Stall,
            Fault::AccessDenied => Verdict::Reply(Reply::access_denied()),
        }
    }

    /// A short name for reports.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ServerError => "500 ServerException (JSON)",
            Fault::ServerErrorHtml => "500 HTML page",
            Fault::Unavailable => "503 ServiceUnavailable (JSON)",
            Fault::UnavailableHtml => "503 HTML page",
            Fault::Throttling => "400 ThrottlingException",
            Fault::Reset => "connection reset",
            Fault::Stall => "stall",
            Fault::AccessDenied => "403 AccessDenied (XML)",
        }
    }
}

/// How a [`FaultPlan`] picks its victims.
#[derive(Clone, Copy, Debug)]
enum Pick {
    /// `per_mille` of requests, chosen by a hash of the seed, the request and how many
    /// times that same request was seen before.
    Seeded { seed: u64, per_mille: u64 },
    /// Every `n`th request in arrival order.
    EveryNth { n: u64 },
}

/// A reproducible fault schedule, usable as a proxy rule (`config.with_fault(plan.rule())`).
///
/// The seeded schedule decides from the request itself (operation, signing region, body)
/// and the number of times that exact request arrived before, never from arrival order:
/// concurrent callers that interleave differently from run to run still meet the same
/// faults, and a retried request gets a fresh draw. So a given sweep injects the same
/// faults on every run and machine.
pub struct FaultPlan {
    pick: Pick,
    faults: Vec<Fault>,
    scope: Box<dyn Fn(&Request) -> bool + Send + Sync>,
    seen: Mutex<HashMap<u64, u64>>,
    arrivals: Mutex<u64>,
    injected: Mutex<BTreeMap<Fault, u64>>,
}

impl FaultPlan {
    /// Fail `percent`% of requests, each with one of `faults` (picked by the same hash).
    pub fn seeded(seed: u64, percent: u64, faults: &[Fault]) -> FaultPlan {
        FaultPlan::new(
            Pick::Seeded {
                seed,
                per_mille: percent * 10,
            },
            faults,
        )
    }

    /// Fail every `n`th request, cycling through `faults`.
    pub fn every_nth(n: u64, faults: &[Fault]) -> FaultPlan {
        FaultPlan::new(Pick::EveryNth { n: n.max(1) }, faults)
    }

    fn new(pick: Pick, faults: &[Fault]) -> FaultPlan {
        assert!(!faults.is_empty(), "a fault plan needs at least one fault");
        FaultPlan {
            pick,
            faults: faults.to_vec(),
            scope: Box::new(|request| request.operation().is_some()),
            seen: Mutex::default(),
            arrivals: Mutex::default(),
            injected: Mutex::default(),
        }
    }

    /// Only requests for which `scope` holds may fail (default: every request that names
    /// an AWS JSON operation).
    pub fn scoped(mut self, scope: impl Fn(&Request) -> bool + Send + Sync + 'static) -> Self {
        self.scope = Box::new(scope);
        self
    }

    /// Decide one request.
    pub fn decide(&self, request: &Request) -> Verdict {
        if !(self.scope)(request) {
            return Verdict::Forward;
        }
        let chosen = match self.pick {
            Pick::Seeded { seed, per_mille } => {
                let key = fnv1a(&[
                    request.operation().unwrap_or("-").as_bytes(),
                    request.signing_region().unwrap_or("-").as_bytes(),
                    &request.body,
                ]);
                let nth = {
                    let mut seen = self.seen.lock().unwrap();
                    let count = seen.entry(key).or_default();
                    *count += 1;
                    *count
                };
                let draw = splitmix64(seed ^ splitmix64(key ^ nth.rotate_left(32)));
                (draw % 1000 < per_mille).then(|| (draw >> 32) as usize % self.faults.len())
            }
            Pick::EveryNth { n } => {
                let mut arrivals = self.arrivals.lock().unwrap();
                *arrivals += 1;
                arrivals
                    .is_multiple_of(n)
                    .then(|| (*arrivals / n - 1) as usize % self.faults.len())
            }
        };
        match chosen {
            Some(index) => {
                let fault = self.faults[index];
                *self.injected.lock().unwrap().entry(fault).or_default() += 1;
                fault.verdict()
            }
            None => Verdict::Forward,
        }
    }

    /// The faults injected so far, by kind.
    pub fn injected(&self) -> BTreeMap<Fault, u64> {
        self.injected.lock().unwrap().clone()
    }

    /// The total number of faults injected so far.
    pub fn injected_total(&self) -> u64 {
        self.injected.lock().unwrap().values().sum()
    }

    /// This plan as a proxy rule; the plan stays readable through the `Arc`.
    pub fn rule(self: &Arc<Self>) -> impl Fn(&Request) -> Verdict + Send + Sync + 'static {
        let plan = self.clone();
        move |request| plan.decide(request)
    }
}

/// FNV-1a over several byte strings (with a separator), stable across Rust releases,
/// unlike std's hashers.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain([&0xffu8]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// SplitMix64's finaliser: spreads the bits of a hash so `% 1000` is uniform.
fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// One blocking HTTP/1.1 request to `url` (`http://HOST:PORT`) + `path`, for test set-up
/// calls such as the sandbox's `/moto-api/` routes. Returns the status and the body.
pub fn http_call(
    url: &str,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> io::Result<(u16, Vec<u8>)> {
    use std::io::{Read, Write};
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(60)))?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let end = find(&response, b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no HTTP head"))?;
    let (status_line, headers) = parse_head(&response[..end + 4]);
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "no HTTP status"))?;
    let mut content = response[end + 4..].to_vec();
    if let Some(length) = header(&headers, "content-length").and_then(|v| v.parse().ok()) {
        content.truncate(length);
    }
    Ok((status, content))
}
