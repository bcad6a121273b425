//! Turn SDK errors into errors a person can act on.

use crate::retry::{RetryClass, Transient};
use aws_sdk_ecr::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};
use aws_smithy_types::error::display::DisplayErrorContext;

/// What went wrong talking to a registry, classified by what the user can do about it.
///
/// Every variant names the ECR action (`ecr:DescribeImages`) and the subject (a repository
/// or registry) so the status line can say what failed, on what, and what to do.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EcrError {
    #[error("AccessDenied on {action} for {subject} — {}", denial_advice(.message))]
    AccessDenied {
        action: String,
        subject: String,
        message: String,
    },
    #[error("{subject} not found ({action}) — it may have been deleted; press r to refresh")]
    NotFound {
        action: String,
        subject: String,
        message: String,
    },
    #[error(
        "credentials for {subject} have expired — renew them (aws sso login, or new keys) and press r"
    )]
    CredentialsExpired { action: String, subject: String },
    #[error(
        "no AWS credentials for {subject} — set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, pass --profile, or try the local sandbox (scripts/sandbox/run)"
    )]
    NoCredentials { subject: String, detail: String },
    #[error(
        "no AWS region for {subject} — pass --region, set AWS_REGION, or set region in the profile"
    )]
    NoRegion { subject: String },
    #[error("throttled by ECR on {action} for {subject} after retries — wait a moment and press r")]
    Throttled { action: String, subject: String },
    #[error(
        "{action} timed out for {subject} — the endpoint did not answer in time; press r to retry"
    )]
    Timeout { action: String, subject: String },
    #[error("cannot reach the ECR endpoint for {subject} ({action}): {detail}")]
    Unreachable {
        action: String,
        subject: String,
        detail: String,
    },
    #[error("{action} is not supported by this endpoint ({subject})")]
    Unsupported { action: String, subject: String },
    /// The service did not recognise the credentials where they were sent: an opt-in
    /// region the account has not enabled says so (`UnrecognizedClientException`,
    /// STS's `InvalidClientTokenId`), and so do keys that do not exist.
    #[error(
        "{subject}: the credentials are not recognised there ({action}) — the region may not be enabled for this account (an opt-in region), or the keys are not valid"
    )]
    UnrecognizedCredentials { action: String, subject: String },
    #[error("{action} failed for {subject}: {code}: {message}")]
    Service {
        action: String,
        subject: String,
        code: String,
        message: String,
    },
    #[error("{action} failed for {subject}: {detail}")]
    Other {
        action: String,
        subject: String,
        detail: String,
    },
}

/// What an AccessDenied means for the user, from the policy AWS says denied the call
/// ("… with an explicit deny in a service control policy", "… because no identity-based
/// policy allows …"): a guardrail the user's role cannot lift is not a missing permission.
fn denial_advice(message: &str) -> &'static str {
    let message = message.to_ascii_lowercase();
    if message.contains("service control policy") {
        "a service control policy of the organization denies it (your role cannot lift that)"
    } else if message.contains("permissions boundary") {
        "a permissions boundary on your role denies it"
    } else if message.contains("resource-based policy") {
        "the repository's policy denies it"
    } else if message.contains("session policy") {
        "the session's policy denies it"
    } else {
        "your role lacks that permission"
    }
}

impl EcrError {
    /// The message for a command-line user: the same words as [`Display`](std::fmt::Display)
    /// without the TUI's key hints ("press r to retry"), which mean nothing outside it.
    pub fn without_key_hint(&self) -> String {
        match self {
            EcrError::NotFound {
                action, subject, ..
            } => format!("{subject} not found ({action}) — it may have been deleted"),
            EcrError::CredentialsExpired { subject, .. } => format!(
                "credentials for {subject} have expired — renew them (aws sso login, or new keys) and run the command again"
            ),
            EcrError::Throttled { action, subject } => format!(
                "throttled by ECR on {action} for {subject} after retries — wait a moment and run the command again"
            ),
            EcrError::Timeout { action, subject } => format!(
                "{action} timed out for {subject} — the endpoint did not answer in time (--timeout)"
            ),
            other => other.to_string(),
        }
    }

    /// The ECR error code where the service gave one (`ImageNotFound`, `AccessDenied`, …).
    pub fn code(&self) -> &str {
        match self {
            EcrError::AccessDenied { .. } => "AccessDenied",
            EcrError::NotFound { .. } => "NotFound",
            EcrError::CredentialsExpired { .. } => "ExpiredToken",
            EcrError::NoCredentials { .. } => "NoCredentials",
            EcrError::NoRegion { .. } => "NoRegion",
            EcrError::Throttled { .. } => "ThrottlingException",
            EcrError::Timeout { .. } => "Timeout",
            EcrError::Unreachable { .. } => "Unreachable",
            EcrError::Unsupported { .. } => "Unsupported",
            EcrError::UnrecognizedCredentials { .. } => "UnrecognizedClientException",
            EcrError::Service { code, .. } => code,
            EcrError::Other { .. } => "Error",
        }
    }
}

/// How berth's one retry policy ([`crate::retry::retryable`]) sees a registry error.
impl Transient for EcrError {
    fn retry_class(&self) -> RetryClass<'_> {
        match self {
            EcrError::Throttled { .. } => RetryClass::Throttled,
            EcrError::Unreachable { .. } => RetryClass::Unreachable,
            EcrError::Timeout { .. } => RetryClass::Timeout,
            EcrError::Service { code, .. } => RetryClass::Service(code),
            EcrError::CredentialsExpired { .. } => RetryClass::SessionEnded,
            _ => RetryClass::Final,
        }
    }
}

const ACCESS_DENIED_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
];
const EXPIRED_CODES: &[&str] = &["ExpiredTokenException", "ExpiredToken"];
/// Codes of credentials the service does not recognise where they were sent (a region
/// not enabled for the account, or keys that do not exist).
const UNRECOGNIZED_CODES: &[&str] = &["UnrecognizedClientException", "InvalidClientTokenId"];
const NOT_FOUND_CODES: &[&str] = &[
    "RepositoryNotFoundException",
    "ImageNotFoundException",
    "LifecyclePolicyNotFoundException",
    "RepositoryPolicyNotFoundException",
    "ScanNotFoundException",
];

/// Classify an SDK error for `action` (an IAM action name such as `ecr:DescribeImages`)
/// performed on `subject`.
pub fn classify<E>(err: SdkError<E, HttpResponse>, action: &str, subject: &str) -> EcrError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // A member account's role could not be assumed: no call was made, and what the user
    // must fix is the role, not the call.
    if let Some(failed) = super::assume::assume_role_failure(&err) {
        return if failed.is_denied() {
            EcrError::AccessDenied {
                action: "sts:AssumeRole".into(),
                subject: failed.role_arn.clone(),
                message: failed.message.clone(),
            }
        } else {
            EcrError::Other {
                action: "sts:AssumeRole".into(),
                subject: failed.role_arn.clone(),
                detail: format!("{}: {}", failed.code, failed.message),
            }
        };
    }
    let action = action.to_string();
    let subject = subject.to_string();
    let status = err.raw_response().map(|r| r.status().as_u16());
    // The code is shown as it came ("{code}: {message}"): an endpoint must not be able to
    // put escape sequences on the user's terminal through it.
    let code = err
        .code()
        .map(|code| crate::sanitize::sanitize(code).into_owned());
    let message = err.message().unwrap_or_default().to_string();
    let detail = crate::sanitize::sanitize(&DisplayErrorContext(&err).to_string()).into_owned();

    if code
        .as_deref()
        .is_some_and(|c| UNRECOGNIZED_CODES.contains(&c))
    {
        return EcrError::UnrecognizedCredentials { action, subject };
    }
    // moto (and some proxies) answer a denied call with HTTP 403 and an XML body that the
    // JSON error parser cannot read, so the status alone must be enough to say "denied".
    if status == Some(403)
        || code
            .as_deref()
            .is_some_and(|c| ACCESS_DENIED_CODES.contains(&c))
    {
        return EcrError::AccessDenied {
            action,
            subject,
            message,
        };
    }
    if let Some(code) = code.as_deref() {
        if EXPIRED_CODES.contains(&code) {
            return EcrError::CredentialsExpired { action, subject };
        }
        if NOT_FOUND_CODES.contains(&code) {
            return EcrError::NotFound {
                action,
                subject,
                message,
            };
        }
        if code == "ThrottlingException" || code == "TooManyRequestsException" {
            return EcrError::Throttled { action, subject };
        }
    }
    match &err {
        SdkError::TimeoutError(_) => return EcrError::Timeout { action, subject },
        SdkError::DispatchFailure(failure) => {
            if failure.is_timeout() {
                return EcrError::Timeout { action, subject };
            }
            if failure
                .as_connector_error()
                .is_some_and(|e| is_connection_refused(e))
            {
                return EcrError::Unreachable {
                    action,
                    subject,
                    detail: REFUSED.into(),
                };
            }
            if detail.contains("credentials") || detail.contains("Credentials") {
                return EcrError::NoCredentials { subject, detail };
            }
            return EcrError::Unreachable {
                action,
                subject,
                detail: innermost_cause(&err).unwrap_or_else(|| short_detail(&detail)),
            };
        }
        SdkError::ConstructionFailure(_) => {
            if detail.contains("region") || detail.contains("Region") {
                return EcrError::NoRegion { subject };
            }
            if detail.contains("credentials") || detail.contains("Credentials") {
                return EcrError::NoCredentials { subject, detail };
            }
        }
        _ => {}
    }
    // An endpoint that lacks an operation answers 404/500/501 with an HTML page; there is
    // no ECR error code to show, and retrying cannot help.
    if code.is_none() && matches!(status, Some(404 | 500 | 501)) {
        return EcrError::Unsupported { action, subject };
    }
    // A gateway in front of the endpoint (load balancer, proxy) answers 502/503/504 with
    // its own page while the service behind it is briefly away: as transient as AWS's
    // JSON `ServiceUnavailable`, so it is named that way and retried like it.
    if let (None, Some(status @ 502..=504)) = (&code, status) {
        return EcrError::Service {
            action,
            subject,
            code: "ServiceUnavailable".into(),
            message: format!("HTTP {status} from the endpoint, without an ECR error body"),
        };
    }
    match (code, status) {
        (Some(code), _) => EcrError::Service {
            action,
            subject,
            code,
            message: crate::sanitize::sanitize(&message).into_owned(),
        },
        // The SDK's text for an unparsable answer is a debug dump of the response.
        (None, Some(status)) => EcrError::Other {
            action,
            subject,
            detail: format!("HTTP {status} from the endpoint, without an ECR error body"),
        },
        (None, None) => EcrError::Other {
            action,
            subject,
            detail: innermost_cause(&err).unwrap_or_else(|| short_detail(&detail)),
        },
    }
}

/// What a refused connection is called, in the TUI and on the command line alike.
const REFUSED: &str = "connection refused (nothing accepts connections at the endpoint's address)";

/// Whether `err` or any error in its source chain is a refused TCP connection.
fn is_connection_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(err);
    while let Some(cause) = next {
        if cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
        {
            return true;
        }
        next = cause.source();
    }
    false
}

/// Stops the SDK from retrying a refused connection.
///
/// The SDK's standard retries treat it as transient and back off until the operation
/// timeout cuts them short, and then the only error left to report is "timed out": the
/// user would be told to wait for an endpoint that is not there. Callers that do want
/// another attempt (the audit's sweep) retry [`EcrError::Unreachable`] themselves.
#[derive(Debug)]
pub struct RefusedConnectionIsFinal;

impl ClassifyRetry for RefusedConnectionIsFinal {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.output_or_error() {
            Some(Err(err))
                if err
                    .as_connector_error()
                    .is_some_and(|e| is_connection_refused(e)) =>
            {
                RetryAction::RetryForbidden
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "RefusedConnectionIsFinal"
    }
}

/// The innermost cause in an error's source chain ("Connection reset by peer (os error
/// 104)"), sanitised; the SDK's own text ends in a debug dump of connection metadata.
pub(crate) fn innermost_cause(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cause = err.source()?;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = crate::sanitize::sanitize(&cause.to_string())
        .trim()
        .to_string();
    (!text.is_empty()).then_some(text)
}

/// The innermost, most specific part of an SDK error chain.
fn short_detail(detail: &str) -> String {
    detail
        .rsplit(": ")
        .find(|part| !part.trim().is_empty())
        .unwrap_or(detail)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::retryable;

    fn service(code: &str) -> EcrError {
        EcrError::Service {
            action: "ecr:DescribeImages".into(),
            subject: "web/app".into(),
            code: code.into(),
            message: String::new(),
        }
    }

    #[test]
    fn throttling_hiccups_and_lost_connections_are_retried() {
        let (action, subject) = ("ecr:DescribeImages".to_string(), "web/app".to_string());
        assert!(retryable(&EcrError::Throttled {
            action: action.clone(),
            subject: subject.clone()
        }));
        assert!(retryable(&EcrError::Unreachable {
            action: action.clone(),
            subject: subject.clone(),
            detail: "Connection reset by peer (os error 104)".into(),
        }));
        for code in ["RequestLimitExceeded", "SlowDown", "ServerException"] {
            assert!(retryable(&service(code)), "{code}");
        }
        assert!(
            retryable(&service("RequestTimeout")),
            "the server did answer"
        );
    }

    #[test]
    fn a_timeout_is_not_retried() {
        // The operation timeout bounds a call; retrying a stalled endpoint only doubles
        // the wait for the same message.
        assert!(!retryable(&EcrError::Timeout {
            action: "ecr:DescribeRepositories".into(),
            subject: "env/us-east-1".into(),
        }));
    }

    #[test]
    fn refusals_and_unknown_failures_are_final() {
        for code in ["AccessDeniedException", "RepositoryNotFoundException"] {
            assert!(!retryable(&service(code)), "{code}");
        }
        assert!(!retryable(&EcrError::Unsupported {
            action: "ecr:DescribeImages".into(),
            subject: "web/admin".into(),
        }));
    }

    #[test]
    fn messages_say_what_failed_on_what_and_what_to_do() {
        let denied = EcrError::AccessDenied {
            action: "ecr:BatchDeleteImage".into(),
            subject: "web/api".into(),
            message: String::new(),
        };
        assert_eq!(
            denied.to_string(),
            "AccessDenied on ecr:BatchDeleteImage for web/api — your role lacks that permission"
        );
        // AWS names the policy that denied the call; a guardrail is not a missing grant.
        let guarded = EcrError::AccessDenied {
            action: "ecr:BatchDeleteImage".into(),
            subject: "web/api".into(),
            message: "User: arn:aws:sts::271828182845:assumed-role/OrganizationAccountAccessRole/berth-ops is not authorized to perform: ecr:BatchDeleteImage on resource: arn:aws:ecr:us-east-1:271828182845:repository/web/api with an explicit deny in a service control policy".into(),
        };
        assert!(
            guarded
                .to_string()
                .ends_with("— a service control policy of the organization denies it (your role cannot lift that)"),
            "{guarded}"
        );
        let region = EcrError::NoRegion {
            subject: "env".into(),
        };
        assert!(region.to_string().contains("--region"));
    }

    #[test]
    fn command_line_messages_carry_no_key_hints() {
        let (action, subject) = ("ecr:DescribeImages".to_string(), "web".to_string());
        let all = [
            EcrError::NotFound {
                action: action.clone(),
                subject: subject.clone(),
                message: String::new(),
            },
            EcrError::CredentialsExpired {
                action: action.clone(),
                subject: subject.clone(),
            },
            EcrError::Throttled {
                action: action.clone(),
                subject: subject.clone(),
            },
            EcrError::Timeout {
                action: action.clone(),
                subject: subject.clone(),
            },
            EcrError::Unreachable {
                action,
                subject,
                detail: REFUSED.into(),
            },
        ];
        for err in all {
            let plain = err.without_key_hint();
            assert!(!plain.contains("press"), "{plain}");
            assert!(plain.contains("web"), "{plain}");
        }
    }

    #[test]
    fn a_refused_connection_is_found_anywhere_in_the_source_chain() {
        #[derive(Debug, thiserror::Error)]
        #[error("dispatch failure")]
        struct Wrapper(#[source] std::io::Error);
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        assert!(is_connection_refused(&Wrapper(refused)));
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert!(!is_connection_refused(&Wrapper(reset)));
    }

    #[test]
    fn short_detail_keeps_the_innermost_cause() {
        assert_eq!(
            short_detail("dispatch failure: io error: Connection refused (os error 111)"),
            "Connection refused (os error 111)"
        );
    }
}
