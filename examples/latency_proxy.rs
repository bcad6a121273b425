//! The benchmark's latency proxy as a program (`scripts/bench-audit` runs it):
//!
//! ```text
//! latency_proxy --upstream http://127.0.0.1:PORT [--delay-ms 50] [--listen 127.0.0.1:0]
//! ```
//!
//! Prints `PROXY_READY http://127.0.0.1:PORT` once listening and runs until its stdin
//! closes, so a dead parent never leaves it behind. Counters: `GET /__proxy/stats`,
//! `POST /__proxy/reset`. The proxy itself is the test-support one.

// Tests use the rest of the module (fault rules, canned replies); this program does not.
#[allow(dead_code)]
#[path = "../tests/support/proxy/mod.rs"]
mod proxy;

use std::io::Read;
use std::process::ExitCode;
use std::time::Duration;

fn main() -> ExitCode {
    let mut upstream = None;
    let mut delay_ms = 50u64;
    let mut listen = "127.0.0.1:0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next();
        match (flag.as_str(), value) {
            ("--upstream", Some(url)) => upstream = Some(url),
            ("--delay-ms", Some(ms)) => match ms.parse() {
                Ok(ms) => delay_ms = ms,
                Err(_) => return usage(&format!("--delay-ms takes a whole number, not {ms:?}")),
            },
            ("--listen", Some(address)) => listen = address,
            (other, _) => return usage(&format!("unexpected argument {other:?}")),
        }
    }
    let Some(upstream) = upstream else {
        return usage("--upstream is required");
    };
    let config = proxy::ProxyConfig::new(&upstream, Duration::from_millis(delay_ms));
    let running = match proxy::Proxy::start_on(&listen, config) {
        Ok(running) => running,
        Err(err) => {
            eprintln!("latency_proxy: cannot listen on {listen}: {err}");
            return ExitCode::from(1);
        }
    };
    println!("PROXY_READY {}", running.url());
    // Block until the parent closes our stdin (or dies).
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    drop(running);
    ExitCode::SUCCESS
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("latency_proxy: {problem}");
    eprintln!("usage: latency_proxy --upstream URL [--delay-ms N] [--listen HOST:PORT]");
    ExitCode::from(2)
}
