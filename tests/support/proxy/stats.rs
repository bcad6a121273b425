//! What the proxy counts: the [`Stats`] it reports, and the state its connections share.

use super::{FaultRule, Request};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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
pub(super) struct Counters {
    pub(super) stats: Stats,
    pub(super) outstanding: u32,
    pub(super) busy_since: Option<Instant>,
}

pub(super) struct Shared {
    pub(super) upstream: String,
    pub(super) delay: Duration,
    pub(super) fault: Option<FaultRule>,
    pub(super) counters: Mutex<Counters>,
}

impl Shared {
    pub(super) fn count(&self, request: &Request, fault: bool) {
        let mut counters = self.counters.lock().unwrap();
        counters.stats.requests += 1;
        counters.stats.faults += u64::from(fault);
        let operation = request.operation().unwrap_or("-").to_string();
        *counters.stats.by_operation.entry(operation).or_default() += 1;
    }

    pub(super) fn stall_started(&self) {
        let mut counters = self.counters.lock().unwrap();
        counters.stats.stalls += 1;
        counters.stats.stalled_now += 1;
    }

    pub(super) fn stall_ended(&self) {
        let mut counters = self.counters.lock().unwrap();
        counters.stats.stalled_now = counters.stats.stalled_now.saturating_sub(1);
    }

    pub(super) fn reset_sent(&self) {
        self.counters.lock().unwrap().stats.resets += 1;
    }

    pub(super) fn upstream_started(&self) -> Instant {
        let now = Instant::now();
        let mut counters = self.counters.lock().unwrap();
        if counters.outstanding == 0 {
            counters.busy_since = Some(now);
        }
        counters.outstanding += 1;
        now
    }

    pub(super) fn upstream_finished(&self, started: Instant) {
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

    pub(super) fn stats(&self) -> Stats {
        self.counters.lock().unwrap().stats.clone()
    }

    pub(super) fn reset(&self) {
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
