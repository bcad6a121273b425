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

mod faults;
mod http;
mod stats;

// Each test binary (and the benchmark's proxy program) uses a different part of these.
#[allow(unused_imports)]
pub use faults::{Fault, FaultPlan, FaultRule, Verdict};
#[allow(unused_imports)]
pub use http::{Reply, Request};
#[allow(unused_imports)]
pub use stats::Stats;

use http::{find, header, parse_head, serve_connection};
use stats::Shared;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

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
