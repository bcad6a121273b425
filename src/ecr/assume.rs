//! Credentials for member accounts: sts:AssumeRole of the account's role from the base
//! credentials, once per account, kept until shortly before they expire.
//!
//! Every client berth builds for a member account (ECR, and ECS / Lambda for the in-use
//! lookup, in every region) shares the account's one provider, so an audit of 50 accounts
//! × 3 regions makes 50 AssumeRole calls, not one per client or per call. A refusal is
//! kept as [`AssumeRoleFailed`] in the error chain, so [`super::error::classify`] can name
//! the IAM action and the role instead of "no credentials".

use super::client::ClientOptions;
use super::model::{MemberAccount, RegistryTarget};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, SystemTime};

/// Credentials closer than this to their expiry are renewed first, so no call is made
/// with credentials that expire on the way.
const RENEW_BEFORE: Duration = Duration::from_secs(5 * 60);

/// How long a refused AssumeRole stands before berth asks again (a user fixing the trust
/// policy need not restart berth).
const ASK_AGAIN_AFTER: Duration = Duration::from_secs(60);

/// What the last AssumeRole gave.
#[derive(Debug)]
enum Granted {
    Credentials(Credentials),
    Refused {
        failure: AssumeRoleFailed,
        at: SystemTime,
    },
}

/// AWS's limit on a role session name.
const MAX_SESSION_NAME: usize = 64;

/// sts:AssumeRole refused or failed for one role: what the user sees on that account's
/// row, with the IAM action and the role named.
#[derive(Debug, Clone, thiserror::Error)]
#[error("sts:AssumeRole of {role_arn} failed: {code}: {message}")]
pub struct AssumeRoleFailed {
    pub role_arn: String,
    /// The STS error code (`AccessDenied`, …), or a short word for a failure without one.
    pub code: String,
    pub message: String,
}

impl AssumeRoleFailed {
    /// Whether STS refused (the role is missing, its trust policy or an SCP denies),
    /// rather than failed to answer.
    pub fn is_denied(&self) -> bool {
        matches!(
            self.code.as_str(),
            "AccessDenied" | "AccessDeniedException" | "NoSuchEntity" | "RegionDisabledException"
        )
    }
}

/// One account's credentials: assumed when first asked for, renewed near expiry.
#[derive(Debug)]
struct MemberCredentials {
    account: MemberAccount,
    /// The region whose STS endpoint is asked: us-east-1, or the first registry's region
    /// in another partition. Never an opt-in region: STS refuses a call signed for a
    /// region the base account has not enabled, before any role is assumed.
    region: String,
    options: ClientOptions,
    session_name: String,
    cached: tokio::sync::Mutex<Option<Granted>>,
    /// A registry answered that these credentials' session has ended (before their
    /// expiry): the next ask assumes the role again.
    stale: std::sync::atomic::AtomicBool,
    /// AssumeRole calls made so far (for tests and the benchmark).
    calls: std::sync::atomic::AtomicU64,
}

impl MemberCredentials {
    async fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let mut cached = self.cached.lock().await;
        let now = SystemTime::now();
        if self.stale.swap(false, std::sync::atomic::Ordering::AcqRel) {
            *cached = None;
        }
        match cached.as_ref() {
            Some(Granted::Credentials(credentials))
                if credentials
                    .expiry()
                    .is_none_or(|expiry| expiry > now + RENEW_BEFORE) =>
            {
                return Ok(credentials.clone());
            }
            Some(Granted::Refused { failure, at })
                if now
                    .duration_since(*at)
                    .is_ok_and(|age| age < ASK_AGAIN_AFTER) =>
            {
                return Err(CredentialsError::provider_error(failure.clone()));
            }
            _ => {}
        }
        match self.assume().await {
            Ok(fresh) => {
                *cached = Some(Granted::Credentials(fresh.clone()));
                Ok(fresh)
            }
            Err(failure) => {
                // A refusal stands for a while: every region of the account would ask
                // again otherwise. A failure to answer is asked again at once.
                *cached = failure.is_denied().then(|| Granted::Refused {
                    failure: failure.clone(),
                    at: now,
                });
                Err(CredentialsError::provider_error(failure))
            }
        }
    }

    async fn assume(&self) -> Result<Credentials, AssumeRoleFailed> {
        self.calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let role_arn = self.account.role_arn(&self.region);
        let failed = |code: &str, message: String| AssumeRoleFailed {
            role_arn: role_arn.clone(),
            code: crate::sanitize::sanitize(code).into_owned(),
            message: crate::sanitize::sanitize(&message).into_owned(),
        };
        let base = base_config(&self.account, &self.region, &self.options).await;
        let sts = aws_sdk_sts::Client::new(&base);
        let out = sts
            .assume_role()
            .role_arn(&role_arn)
            .role_session_name(&self.session_name)
            .send()
            .await
            .map_err(|err| {
                use aws_sdk_sts::error::ProvideErrorMetadata;
                let status = err.raw_response().map(|r| r.status().as_u16());
                match (err.code(), status) {
                    (Some(code), _) => failed(code, err.message().unwrap_or_default().to_string()),
                    // A refusal whose body the SDK cannot read (a proxy's page, an XML
                    // shape it does not expect): the status alone says "denied".
                    (None, Some(403)) => failed(
                        "AccessDenied",
                        "STS answered 403 Forbidden without an error code it could read".into(),
                    ),
                    (None, Some(status)) => failed(
                        "HttpError",
                        format!("STS answered HTTP {status} without an error code"),
                    ),
                    (None, None) => failed(
                        "Unreachable",
                        crate::ecr::error::innermost_cause(&err)
                            .unwrap_or_else(|| "no answer from STS".to_string()),
                    ),
                }
            })?;
        let Some(granted) = out.credentials() else {
            return Err(failed(
                "NoCredentials",
                "STS answered without credentials".into(),
            ));
        };
        Ok(Credentials::new(
            granted.access_key_id(),
            granted.secret_access_key(),
            Some(granted.session_token().to_string()),
            SystemTime::try_from(*granted.expiration()).ok(),
            "berth-assume-role",
        ))
    }
}

impl ProvideCredentials for MemberCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.credentials())
    }
}

/// The base credentials' configuration: the account's `via` profile, or the default
/// chain, in `region`.
async fn base_config(
    account: &MemberAccount,
    region: &str,
    options: &ClientOptions,
) -> aws_config::SdkConfig {
    let base = super::model::RegistryTarget::new(
        match &account.via {
            Some(profile) => super::model::CredentialSource::Profile(profile.clone()),
            None => super::model::CredentialSource::Environment,
        },
        region,
    );
    match super::client::config_loader(&base, options) {
        Ok(loader) => loader.load().await,
        // The region is the registry's, never empty here; an empty one still loads.
        Err(_) => {
            aws_config::defaults(aws_config::BehaviorVersion::latest())
                .load()
                .await
        }
    }
}

/// Every member account's credentials, by account: one provider each for the process.
static PROVIDERS: LazyLock<Mutex<HashMap<MemberAccount, Arc<MemberCredentials>>>> =
    LazyLock::new(Default::default);

fn member(
    account: &MemberAccount,
    region: &str,
    options: &ClientOptions,
) -> Arc<MemberCredentials> {
    let mut providers = PROVIDERS.lock().unwrap_or_else(|e| e.into_inner());
    providers
        .entry(account.clone())
        .or_insert_with(|| {
            Arc::new(MemberCredentials {
                account: account.clone(),
                region: sts_region(region).to_string(),
                options: options.clone(),
                session_name: session_name(std::env::var("USER").ok().as_deref()),
                cached: Default::default(),
                stale: Default::default(),
                calls: Default::default(),
            })
        })
        .clone()
}

/// The credentials provider for `account`, shared by every client of the account.
pub fn provider(
    account: &MemberAccount,
    region: &str,
    options: &ClientOptions,
) -> SharedCredentialsProvider {
    SharedCredentialsProvider::new(ArcProvider(member(account, region, options)))
}

/// How many times berth assumed `account`'s role in this process.
pub fn assume_calls(account: &MemberAccount) -> u64 {
    PROVIDERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(account)
        .map_or(0, |m| m.calls.load(std::sync::atomic::Ordering::Relaxed))
}

/// Forget `account`'s credentials: a registry answered that their session ended before
/// its time, so the next call assumes the role again.
pub fn forget(account: &MemberAccount) {
    if let Some(member) = PROVIDERS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(account)
    {
        member
            .stale
            .store(true, std::sync::atomic::Ordering::Release);
    }
}

/// A retry classifier for a member account's clients: an answer that the session has
/// expired (`ExpiredTokenException`, `ExpiredToken`) drops the account's credentials and
/// asks for another attempt, which assumes the role again — a session ended early is
/// renewed without the user seeing it. The clients keep no identity cache of their own
/// (see `client::config_loader`), so the retry does ask for new credentials.
#[derive(Debug, Clone)]
pub struct RenewEndedSession(pub MemberAccount);

impl RenewEndedSession {
    /// The classifier for a registry reached through an assumed role; `None` for the
    /// base credentials' own registries, which have no role to assume again.
    pub fn for_target(target: &RegistryTarget) -> Option<Self> {
        target
            .source
            .member()
            .filter(|account| !account.role.is_empty())
            .map(|account| RenewEndedSession(account.clone()))
    }
}

impl aws_smithy_runtime_api::client::retries::classifiers::ClassifyRetry for RenewEndedSession {
    fn classify_retry(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::InterceptorContext,
    ) -> aws_smithy_runtime_api::client::retries::classifiers::RetryAction {
        use aws_smithy_runtime_api::client::retries::classifiers::RetryAction;
        let Some(response) = ctx.response() else {
            return RetryAction::NoActionIndicated;
        };
        let named = |text: &str| text.contains("ExpiredToken");
        let expired = response.status().as_u16() == 403
            && (response
                .headers()
                .get("x-amzn-errortype")
                .is_some_and(named)
                || response
                    .body()
                    .bytes()
                    .is_some_and(|body| named(&String::from_utf8_lossy(body))));
        if expired {
            forget(&self.0);
            RetryAction::transient_error()
        } else {
            RetryAction::NoActionIndicated
        }
    }

    fn name(&self) -> &'static str {
        "RenewEndedSession"
    }
}

/// An SDK config builder (ECR, ECS or Lambda) with berth's retry classifiers for the
/// registry `target`: a refused connection is final (`RefusedConnectionIsFinal`), and a
/// member account's ended session is renewed (`RenewEndedSession`). A macro because the
/// services' builders share no trait.
macro_rules! classified {
    ($builder:expr, $target:expr) => {{
        let builder = $builder.retry_classifier($crate::ecr::error::RefusedConnectionIsFinal);
        match $crate::ecr::assume::RenewEndedSession::for_target($target) {
            Some(renewal) => builder.retry_classifier(renewal),
            None => builder,
        }
    }};
}
pub(crate) use classified;

/// A shared provider as the SDK wants one (it takes ownership).
#[derive(Debug)]
struct ArcProvider(Arc<MemberCredentials>);

impl ProvideCredentials for ArcProvider {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.0.credentials())
    }
}

/// Where to call STS for a registry in `region`: us-east-1 in the `aws` partition, the
/// registry's own region in the China and GovCloud partitions.
fn sts_region(region: &str) -> &str {
    if region.starts_with("cn-") || region.starts_with("us-gov-") {
        region
    } else {
        "us-east-1"
    }
}

/// `berth-<user>`, in the characters a role session name allows (`[\w+=,.@-]`, at most
/// 64), so CloudTrail says who assumed the role.
pub fn session_name(user: Option<&str>) -> String {
    let user: String = user
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(*c))
        .collect();
    let mut name = if user.is_empty() {
        "berth".to_string()
    } else {
        format!("berth-{user}")
    };
    name.truncate(MAX_SESSION_NAME);
    name
}

/// The refused AssumeRole in `err`'s chain of causes, if that is why it failed.
pub fn assume_role_failure<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a AssumeRoleFailed> {
    let mut at: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
    while let Some(error) = at {
        if let Some(failed) = error.downcast_ref::<AssumeRoleFailed>() {
            return Some(failed);
        }
        at = error.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_names_say_who_in_the_characters_sts_allows() {
        assert_eq!(session_name(Some("alice")), "berth-alice");
        assert_eq!(session_name(Some("a b/c:d")), "berth-abcd");
        assert_eq!(session_name(None), "berth");
        assert_eq!(session_name(Some("")), "berth");
        assert_eq!(session_name(Some(&"x".repeat(100))).len(), MAX_SESSION_NAME);
    }

    #[test]
    fn role_arns_follow_the_partition_of_the_region() {
        let account = MemberAccount {
            id: "111122223333".into(),
            name: "payments-prod".into(),
            role: "OrganizationAccountAccessRole".into(),
            via: None,
        };
        assert_eq!(
            account.role_arn("eu-west-1"),
            "arn:aws:iam::111122223333:role/OrganizationAccountAccessRole"
        );
        assert!(account.role_arn("cn-north-1").starts_with("arn:aws-cn:"));
        assert!(
            account
                .role_arn("us-gov-west-1")
                .starts_with("arn:aws-us-gov:")
        );
        assert_eq!(account.describe(), "payments-prod (111122223333)");
    }

    #[test]
    fn a_refused_assume_role_is_found_in_the_chain_of_causes() {
        let failed = AssumeRoleFailed {
            role_arn: "arn:aws:iam::1:role/r".into(),
            code: "AccessDenied".into(),
            message: "not authorized".into(),
        };
        assert!(failed.is_denied());
        let wrapped = CredentialsError::provider_error(failed);
        let found = assume_role_failure(&wrapped).expect("found under the provider error");
        assert_eq!(found.code, "AccessDenied");
    }
}
