//! `berth uri REPO[:TAG]`: print an image's digest-pinned URI.
//!
//! The reference may name a tag, a digest, or both (then the tag must point at that
//! digest). A bare repository name is accepted only when the repository holds exactly one
//! image: "the newest image" would silently pick something else after the next push, which
//! is the opposite of what a pinned URI is for.
//!
//! Exit codes: 0 with the URI on stdout; 1 when the registry cannot answer or has no such
//! image (message on stderr); 2 for usage errors, including a malformed name.

use super::single_target;
use crate::cli::{Cli, UriArgs};
use crate::ecr::mutate::{ImageRef, RegistryWrite};
use crate::ecr::names::{ImageReference, NameError, pinned_uri};
use crate::ecr::{EcrError, EcrRegistry, Registry};
use std::process::ExitCode;

/// Why no URI could be printed.
#[derive(Debug, thiserror::Error)]
pub enum UriError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    InvalidName(#[from] NameError),
    #[error("repository {repository} not found in {registry}")]
    RepositoryNotFound {
        repository: String,
        registry: String,
    },
    #[error("no image {what} in {repository}")]
    NoSuchImage { repository: String, what: String },
    #[error("tag {tag} in {repository} points at {actual}, not at {expected}")]
    TagElsewhere {
        repository: String,
        tag: String,
        expected: String,
        actual: String,
    },
    #[error("{repository} holds no images")]
    Empty { repository: String },
    #[error(
        "{repository} holds {count} images: name one as {repository}:TAG or {repository}@sha256:…"
    )]
    Ambiguous { repository: String, count: usize },
    /// Said without the TUI's key hints: this is printed on the command line.
    #[error("{}", .0.without_key_hint())]
    Registry(#[from] EcrError),
}

impl UriError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            UriError::Usage(_) | UriError::InvalidName(_) => 2,
            _ => 1,
        }
    }
}

/// Run `berth uri`.
pub async fn run(cli: &Cli, args: &UriArgs) -> ExitCode {
    match uri(cli, &args.image).await {
        Ok(uri) => {
            println!("{uri}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("berth uri: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

async fn uri(cli: &Cli, text: &str) -> Result<String, UriError> {
    let reference = ImageReference::parse(text)?;
    let target = single_target(cli, "berth uri").map_err(UriError::Usage)?;
    let registry = EcrRegistry::connect(&target, &cli.client_options()).await?;
    let account = registry.account_id().await?;
    let digest = resolve_digest(&registry, &reference)
        .await
        .map_err(|err| match err {
            UriError::Registry(EcrError::NotFound { .. }) => UriError::RepositoryNotFound {
                repository: reference.repository.clone(),
                registry: format!("{account}/{}", target.region),
            },
            other => other,
        })?;
    Ok(pinned_uri(
        &account,
        &target.region,
        &reference.repository,
        reference.tag.as_deref(),
        &digest,
    )?)
}

/// The digest `reference` names in `registry`.
pub async fn resolve_digest<R>(registry: &R, reference: &ImageReference) -> Result<String, UriError>
where
    R: Registry + RegistryWrite + ?Sized,
{
    let repository = &reference.repository;
    let no_such = |what: String| UriError::NoSuchImage {
        repository: repository.clone(),
        what,
    };
    match (&reference.tag, &reference.digest) {
        (Some(tag), digest) => {
            let actual = registry
                .tag_target(repository, tag)
                .await?
                .ok_or_else(|| no_such(format!("tagged {tag}")))?;
            match digest {
                Some(expected) if *expected != actual => Err(UriError::TagElsewhere {
                    repository: repository.clone(),
                    tag: tag.clone(),
                    expected: expected.clone(),
                    actual,
                }),
                _ => Ok(actual),
            }
        }
        (None, Some(digest)) => registry
            .resolve(repository, &ImageRef::Digest(digest.clone()))
            .await?
            .ok_or_else(|| no_such(format!("with digest {digest}"))),
        (None, None) => {
            let mut digests: Vec<String> =
                crate::ecr::pager::all_pages(|token| registry.images_page(repository, token))
                    .await?
                    .into_iter()
                    .map(|i| i.digest)
                    .collect();
            match digests.len() {
                0 => Err(UriError::Empty {
                    repository: repository.clone(),
                }),
                1 => Ok(digests.remove(0)),
                count => Err(UriError::Ambiguous {
                    repository: repository.clone(),
                    count,
                }),
            }
        }
    }
}
