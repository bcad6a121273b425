//! Retrying calls that a service asked us to slow down for: capped exponential backoff
//! with full jitter.
//!
//! Full jitter (a delay drawn uniformly from zero up to the exponential bound) spreads
//! retries of many concurrent callers apart, so a burst that was throttled does not come
//! back as the same burst. The layer is generic over the error type: the caller says
//! which errors are worth another attempt, and [`retryable`] is berth's one answer for
//! every error that says what kind of failure it is ([`Transient`]).

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often and how patiently to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Attempts in total, the first one included; 1 means no retry.
    pub max_attempts: u32,
    /// Upper bound of the first retry's delay; doubles with each further retry.
    pub base: Duration,
    /// The bound never grows past this.
    pub cap: Duration,
}

impl Backoff {
    /// A sensible default for ECR's `ThrottlingException`: six attempts, delays bounded by
    /// 0.2 s, 0.4 s, 0.8 s, 1.6 s and 3.2 s.
    pub const THROTTLING: Backoff = Backoff {
        max_attempts: 6,
        base: Duration::from_millis(200),
        cap: Duration::from_secs(5),
    };

    /// The bound of the delay before retry `retry` (0 for the first retry).
    pub fn bound(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(31)).unwrap_or(u32::MAX);
        self.base.saturating_mul(factor).min(self.cap)
    }

    /// The delay before retry `retry` for a jitter draw `unit` in `[0, 1)`.
    pub fn delay(&self, retry: u32, unit: f64) -> Duration {
        self.bound(retry).mul_f64(unit.clamp(0.0, 1.0))
    }
}

/// A uniform draw in `[0, 1)`. Jitter only needs to differ between callers, not to be
/// unpredictable, so std's randomly keyed hasher over a counter is enough.
pub fn jitter() -> f64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    // 53 random bits make an exactly representable fraction below 1.
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// Error codes that mean "slow down", whatever the service calls it.
const THROTTLE_CODES: &[&str] = &[
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "ThrottledException",
];
/// Error codes of a server-side hiccup that one more attempt may get past.
const TRANSIENT_CODES: &[&str] = &[
    "ServerException",
    "InternalFailure",
    "InternalServerError",
    "ServiceUnavailable",
    "RequestTimeout",
];

/// What kind of failure an error is, as far as retrying goes: all [`retryable`] needs to
/// know, so the policy is written once for every service's error type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryClass<'a> {
    /// The service asked us to slow down.
    Throttled,
    /// The connection was dropped or refused before an answer came.
    Unreachable,
    /// The call ran out of the time the user allows for it.
    Timeout,
    /// The service answered with this error code.
    Service(&'a str),
    /// The credentials' session ended (ExpiredToken). A member account's session is
    /// dropped when a call is answered so, and the next attempt assumes the role anew.
    SessionEnded,
    /// Anything else: a refusal, a missing resource, an unknown failure.
    Final,
}

/// An error that can say which [`RetryClass`] it belongs to.
pub trait Transient {
    /// The class [`retryable`] decides on.
    fn retry_class(&self) -> RetryClass<'_>;
}

/// berth's one retry policy for registry, ECS and Lambda calls: whether `err` is worth
/// another attempt within the caller's [`Backoff`].
///
/// Throttling, server hiccups (5xx) and dropped or refused connections get the whole
/// budget. The sweeps turn the SDK's own retries off, so this is their only retry layer,
/// and with one more attempt only, a path failing one call in five lost rows
/// (tests/e2e_faults.rs). A refused connection fails fast (the SDK never retries it, see
/// `RefusedConnectionIsFinal`), so its full budget costs seconds, with the retry on the
/// status line, not minutes.
///
/// A timeout is never retried. The operation timeout (`--timeout`) is the user's bound on
/// how long one call may take, the SDK's attempts included; a stalled endpoint stays
/// stalled, so another attempt would only double the wait (and a sweep's many calls would
/// multiply it) before the same "timed out" message. The TUI's stalled-endpoint test pins
/// one call and a message within the timeout. A server that answers `RequestTimeout` did
/// answer, quickly, and counts as a hiccup above.
pub fn retryable<E: Transient + ?Sized>(err: &E) -> bool {
    match err.retry_class() {
        RetryClass::Throttled | RetryClass::Unreachable => true,
        RetryClass::Service(code) => {
            THROTTLE_CODES.contains(&code) || TRANSIENT_CODES.contains(&code)
        }
        RetryClass::Timeout => false,
        RetryClass::SessionEnded | RetryClass::Final => false,
    }
}

/// [`retryable`], and one more attempt for a call whose session ended, after `attempts`
/// attempts: for an organization's member account the next attempt goes with a session
/// assumed anew (see `ecr::assume::RenewEndedSession`); credentials that cannot be renewed
/// fail again, once, and the error is reported as it is.
pub fn retryable_at<E: Transient + ?Sized>(err: &E, attempts: u32) -> bool {
    retryable(err) || (matches!(err.retry_class(), RetryClass::SessionEnded) && attempts <= 1)
}

/// Run `call` until it succeeds, fails with an error `retryable` rejects, or the attempts
/// run out; sleep a jittered backoff between attempts.
///
/// `retryable` gets the error and the number of attempts made so far, so a caller can give
/// different errors different budgets within `backoff.max_attempts`. `on_retry` hears
/// about each retry (for counters and logs) before the sleep.
pub async fn retry<T, E, F, Fut>(
    backoff: Backoff,
    retryable: impl Fn(&E, u32) -> bool,
    mut on_retry: impl FnMut(&E, Duration),
    mut call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut attempt = 1;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) if attempt < backoff.max_attempts && retryable(&err, attempt) => {
                let delay = backoff.delay(attempt - 1, jitter());
                on_retry(&err, delay);
                tokio::time::sleep(delay).await;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// [`retry`] for calls that share concurrency limits: each attempt waits for a slot of
/// every limit in `limits`, in that order, and gives them all back when it ends, so a
/// caller backing off holds no slot.
///
/// Every caller lists the narrowest limit first (an account's before the overall one, as
/// [`CallLimits::slots`] does). A call waiting for its account's slot then holds
/// nothing another account could use, and since all take the limits in the same order,
/// no two calls can each hold what the other waits for.
pub async fn retry_in_slots<T, E, F, Fut>(
    backoff: Backoff,
    limits: &[&tokio::sync::Semaphore],
    retryable: impl Fn(&E, u32) -> bool,
    on_retry: impl FnMut(&E, Duration),
    mut call: F,
) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    retry(backoff, retryable, on_retry, || {
        let attempt = call();
        async {
            let mut slots = Vec::with_capacity(limits.len());
            for limit in limits {
                // The semaphores are never closed, so acquiring cannot fail.
                slots.push(limit.acquire().await.ok());
            }
            attempt.await
        }
    })
    .await
}

/// Calls in flight bounded overall and per account: a call to a member account holds a
/// slot of its account's limit and one of the overall limit, so no account takes more
/// than its share of the calls (nor of its own API rate) however many there are.
#[derive(Debug)]
pub struct CallLimits {
    overall: tokio::sync::Semaphore,
    per_account: usize,
    accounts: std::sync::Mutex<HashMap<String, Arc<tokio::sync::Semaphore>>>,
}

impl CallLimits {
    /// At most `overall` calls at once, and at most `per_account` (never more than
    /// `overall`) into any one account. Zero counts as one.
    pub fn new(overall: usize, per_account: usize) -> Self {
        let overall = overall.max(1);
        CallLimits {
            overall: tokio::sync::Semaphore::new(overall),
            per_account: per_account.clamp(1, overall),
            accounts: std::sync::Mutex::default(),
        }
    }

    /// The overall bound.
    pub fn overall(&self) -> &tokio::sync::Semaphore {
        &self.overall
    }

    /// The limit of calls into the member account `id`, made on first use.
    pub fn account(&self, id: &str) -> Arc<tokio::sync::Semaphore> {
        let mut accounts = self
            .accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        accounts
            .entry(id.to_string())
            .or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(self.per_account)))
            .clone()
    }

    /// The limits a call holds, narrowest first as [`retry_in_slots`] takes them: its
    /// account's ([`CallLimits::account`]; `None` for a registry of no member account,
    /// bounded overall only), then the overall one.
    pub fn slots<'a>(
        &'a self,
        account: Option<&'a tokio::sync::Semaphore>,
    ) -> Vec<&'a tokio::sync::Semaphore> {
        account.into_iter().chain([&self.overall]).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    const QUICK: Backoff = Backoff {
        max_attempts: 4,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(3),
    };

    #[test]
    fn bounds_double_and_stop_at_the_cap() {
        let bounds: Vec<_> = (0..6).map(|r| Backoff::THROTTLING.bound(r)).collect();
        assert_eq!(bounds[0], Duration::from_millis(200));
        assert_eq!(bounds[3], Duration::from_millis(1600));
        assert_eq!(bounds[5], Duration::from_secs(5));
        assert_eq!(Backoff::THROTTLING.bound(200), Duration::from_secs(5));
    }

    #[test]
    fn delays_cover_zero_to_the_bound() {
        assert_eq!(Backoff::THROTTLING.delay(1, 0.0), Duration::ZERO);
        assert_eq!(
            Backoff::THROTTLING.delay(1, 0.5),
            Duration::from_millis(200)
        );
        let draws: Vec<f64> = (0..1000).map(|_| jitter()).collect();
        assert!(draws.iter().all(|d| (0.0..1.0).contains(d)));
        // Not all in one half: the draws really spread.
        assert!(draws.iter().any(|d| *d < 0.5) && draws.iter().any(|d| *d >= 0.5));
    }

    #[tokio::test]
    async fn retries_only_what_is_retryable_and_only_as_often_as_allowed() {
        let calls = Cell::new(0);
        let retries = Cell::new(0);
        let result: Result<(), &str> = retry(
            QUICK,
            |e, _| *e == "throttled",
            |_, _| retries.set(retries.get() + 1),
            || {
                calls.set(calls.get() + 1);
                async { Err("throttled") }
            },
        )
        .await;
        assert_eq!(result, Err("throttled"));
        assert_eq!((calls.get(), retries.get()), (4, 3));

        calls.set(0);
        let result: Result<(), &str> = retry(
            QUICK,
            |e, _| *e == "throttled",
            |_, _| {},
            || {
                calls.set(calls.get() + 1);
                async { Err("denied") }
            },
        )
        .await;
        assert_eq!((result, calls.get()), (Err("denied"), 1));
    }

    #[test]
    fn the_policy_retries_throttling_hiccups_and_lost_connections_only() {
        struct Failure(RetryClass<'static>);
        impl Transient for Failure {
            fn retry_class(&self) -> RetryClass<'_> {
                self.0
            }
        }
        let retried = |class| retryable(&Failure(class));
        assert!(retried(RetryClass::Throttled));
        assert!(retried(RetryClass::Unreachable));
        for code in [
            "RequestLimitExceeded",
            "SlowDown",
            "ServerException",
            "RequestTimeout",
        ] {
            assert!(retried(RetryClass::Service(code)), "{code}");
        }
        assert!(!retried(RetryClass::Timeout));
        assert!(!retried(RetryClass::Service("AccessDeniedException")));
        assert!(!retried(RetryClass::Final));
    }

    #[tokio::test]
    async fn a_success_after_throttling_is_returned() {
        let calls = Cell::new(0);
        let result = retry(
            QUICK,
            |_: &&str, attempts| attempts < 3,
            |_, _| {},
            || {
                calls.set(calls.get() + 1);
                let n = calls.get();
                async move { if n < 3 { Err("throttled") } else { Ok(n) } }
            },
        )
        .await;
        assert_eq!(result, Ok(3));
    }
}
