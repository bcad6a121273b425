//! Fault injection: the per-request rule and its verdicts, and the seeded, reproducible
//! [`FaultPlan`].

use super::{Reply, Request};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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
    /// times that same request was seen before; the faults are dealt in turn, so every
    /// kind is injected once as many requests fail as there are kinds.
    Seeded { seed: u64, per_mille: u64 },
    /// Every `n`th request in arrival order.
    EveryNth { n: u64 },
}

/// A reproducible fault schedule, usable as a proxy rule (`config.with_fault(plan.rule())`).
///
/// The seeded schedule decides *which* requests fail from the request itself (operation,
/// signing region, body) and the number of times that exact request arrived before, never
/// from arrival order: concurrent callers that interleave differently from run to run
/// still meet the same failures, and a retried request gets a fresh draw. The fault each
/// failing request gets is dealt in turn, so every kind of the mix is injected however
/// the requests' contents change.
pub struct FaultPlan {
    pick: Pick,
    faults: Vec<Fault>,
    scope: Box<dyn Fn(&Request) -> bool + Send + Sync>,
    seen: Mutex<HashMap<u64, u64>>,
    arrivals: Mutex<u64>,
    injected: Mutex<BTreeMap<Fault, u64>>,
}

impl FaultPlan {
    /// Fail `percent`% of requests, dealing `faults` to them in turn.
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
                (draw % 1000 < per_mille).then(|| {
                    // Which requests fail depends only on what they ask; which fault each
                    // gets is dealt in turn, so no kind is missed by the luck of a hash.
                    let mut dealt = self.arrivals.lock().unwrap();
                    *dealt += 1;
                    (*dealt - 1) as usize % self.faults.len()
                })
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
