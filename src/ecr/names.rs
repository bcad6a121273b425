//! ECR's grammar for tags, repository names and digests, and digest-pinned image URIs.
//!
//! Checked locally so that a malformed name is refused before any API call, with a message
//! that says which rule it broke.

use super::model::registry_host;

/// The longest tag ECR accepts.
pub const MAX_TAG_LEN: usize = 128;
/// Repository names are 2 to 256 characters long.
pub const REPOSITORY_NAME_LEN: std::ops::RangeInclusive<usize> = 2..=256;
/// The only digest algorithm ECR uses.
pub const DIGEST_PREFIX: &str = "sha256:";
/// Hex characters in a sha256 digest.
const DIGEST_HEX_LEN: usize = 64;

/// A name that ECR would reject, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("invalid tag {tag:?}: {reason}")]
    Tag { tag: String, reason: &'static str },
    #[error("invalid repository name {name:?}: {reason}")]
    Repository { name: String, reason: &'static str },
    #[error("invalid digest {digest:?}: {reason}")]
    Digest {
        digest: String,
        reason: &'static str,
    },
    #[error("invalid image reference {reference:?}: {reason}")]
    Reference {
        reference: String,
        reason: &'static str,
    },
}

/// Check a tag against ECR's grammar `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
pub fn validate_tag(tag: &str) -> Result<(), NameError> {
    let fail = |reason| {
        Err(NameError::Tag {
            tag: tag.to_string(),
            reason,
        })
    };
    let Some(first) = tag.chars().next() else {
        return fail("a tag cannot be empty");
    };
    if tag.len() > MAX_TAG_LEN {
        return fail("a tag is at most 128 characters");
    }
    if !(first.is_ascii_alphanumeric() || first == '_') {
        return fail("a tag starts with a letter, a digit or '_'");
    }
    if !tag
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return fail("a tag holds only letters, digits, '_', '.' and '-'");
    }
    Ok(())
}

/// Check a repository name: 2–256 characters, `/`-separated components of lowercase
/// letters and digits joined by `.`, `_`, `__` or a run of `-`.
pub fn validate_repository_name(name: &str) -> Result<(), NameError> {
    let fail = |reason| {
        Err(NameError::Repository {
            name: name.to_string(),
            reason,
        })
    };
    if !REPOSITORY_NAME_LEN.contains(&name.len()) {
        return fail("a repository name is 2 to 256 characters");
    }
    for component in name.split('/') {
        if let Err(reason) = check_component(component) {
            return fail(reason);
        }
    }
    Ok(())
}

/// One `/`-separated part of a repository name.
fn check_component(component: &str) -> Result<(), &'static str> {
    let is_word = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    if component.is_empty() {
        return Err("empty path component (leading, trailing or doubled '/')");
    }
    let bytes = component.as_bytes();
    if !is_word(bytes[0] as char) || !is_word(bytes[bytes.len() - 1] as char) {
        return Err("each path component starts and ends with a lowercase letter or digit");
    }
    // Walk the runs of separator characters between words: each run must be exactly one
    // of the separators the grammar allows.
    let mut rest = component;
    while !rest.is_empty() {
        let word_end = rest.find(|c: char| !is_word(c)).unwrap_or(rest.len());
        rest = &rest[word_end..];
        if rest.is_empty() {
            break;
        }
        let sep_end = rest.find(is_word).unwrap_or(rest.len());
        let separator = &rest[..sep_end];
        let allowed = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !allowed {
            return Err(
                if separator.chars().any(|c| !matches!(c, '.' | '_' | '-')) {
                    "only lowercase letters, digits, '.', '_', '-' and '/' are allowed"
                } else {
                    "words are joined by '.', '_', '__' or dashes, not a mix of them"
                },
            );
        }
        rest = &rest[sep_end..];
    }
    Ok(())
}

/// Check a digest: `sha256:` followed by 64 lowercase hex characters.
pub fn validate_digest(digest: &str) -> Result<(), NameError> {
    let fail = |reason| {
        Err(NameError::Digest {
            digest: digest.to_string(),
            reason,
        })
    };
    let Some(hex) = digest.strip_prefix(DIGEST_PREFIX) else {
        return fail("a digest starts with 'sha256:'");
    };
    if hex.len() != DIGEST_HEX_LEN {
        return fail("a sha256 digest has 64 hex characters");
    }
    if !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return fail("a digest's hex characters are 0-9 and lowercase a-f");
    }
    Ok(())
}

/// The digest-pinned URI of an image: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO@sha256:…`,
/// or `…/REPO:TAG@sha256:…` when a tag is given (pulls by digest, keeps the tag for readers).
pub fn pinned_uri(
    account: &str,
    region: &str,
    repository: &str,
    tag: Option<&str>,
    digest: &str,
) -> Result<String, NameError> {
    validate_repository_name(repository)?;
    validate_digest(digest)?;
    let host = registry_host(account, region);
    match tag {
        Some(tag) => {
            validate_tag(tag)?;
            Ok(format!("{host}/{repository}:{tag}@{digest}"))
        }
        None => Ok(format!("{host}/{repository}@{digest}")),
    }
}

/// What a command-line image reference names: `REPO`, `REPO:TAG`, `REPO@DIGEST` or
/// `REPO:TAG@DIGEST`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImageReference {
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageReference {
    /// Parse and validate a reference. A repository name never holds `:` or `@`, so the
    /// first `@` starts the digest and the last `:` before it starts the tag.
    pub fn parse(text: &str) -> Result<Self, NameError> {
        let (name_and_tag, digest) = match text.split_once('@') {
            Some((left, digest)) => (left, Some(digest)),
            None => (text, None),
        };
        let (repository, tag) = match name_and_tag.rsplit_once(':') {
            Some((repository, tag)) => (repository, Some(tag)),
            None => (name_and_tag, None),
        };
        if repository.contains(".amazonaws.com") {
            return Err(NameError::Reference {
                reference: text.to_string(),
                reason: "give the repository name without the registry host",
            });
        }
        validate_repository_name(repository)?;
        if let Some(tag) = tag {
            validate_tag(tag)?;
        }
        if let Some(digest) = digest {
            validate_digest(digest)?;
        }
        Ok(ImageReference {
            repository: repository.to_string(),
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest() -> String {
        format!("sha256:{}", "0123456789abcdef".repeat(4))
    }

    #[test]
    fn tags_follow_ecr_grammar() {
        for good in [
            "latest",
            "v1.2.3",
            "_build",
            "9",
            "release-2024_01.rc-1",
            "UPPER",
        ] {
            assert_eq!(validate_tag(good), Ok(()), "{good}");
        }
        assert!(validate_tag(&"a".repeat(128)).is_ok());
        for bad in [
            "",
            ".hidden",
            "-dash",
            "a/b",
            "a:b",
            "a@b",
            "tag with space",
            "ünï",
        ] {
            assert!(validate_tag(bad).is_err(), "{bad:?} should be refused");
        }
        let too_long = validate_tag(&"a".repeat(129)).unwrap_err();
        assert!(too_long.to_string().contains("at most 128"));
    }

    #[test]
    fn repository_names_follow_ecr_grammar() {
        for good in [
            "ab",
            "web",
            "team/service",
            "a.b",
            "a_b",
            "a__b",
            "a---b",
            "deep/name/space-1/x9",
            "payments/api.v2",
        ] {
            assert_eq!(validate_repository_name(good), Ok(()), "{good}");
        }
        for bad in [
            "a",
            "Web",
            "/lead",
            "trail/",
            "dou//ble",
            "a___b",
            "a._b",
            "a..b",
            "-a",
            "a-",
            "a_",
            "has space",
            "a:b",
        ] {
            assert!(
                validate_repository_name(bad).is_err(),
                "{bad:?} should be refused"
            );
        }
        assert!(validate_repository_name(&"a".repeat(256)).is_ok());
        assert!(validate_repository_name(&"a".repeat(257)).is_err());
    }

    #[test]
    fn repository_errors_name_the_broken_rule() {
        let err = validate_repository_name("a._b").unwrap_err().to_string();
        assert!(err.contains("not a mix"), "{err}");
        let err = validate_repository_name("Web").unwrap_err().to_string();
        assert!(err.contains("lowercase"), "{err}");
    }

    #[test]
    fn digests_are_sha256_with_64_lowercase_hex() {
        assert_eq!(validate_digest(&digest()), Ok(()));
        assert!(validate_digest(&digest().to_uppercase()).is_err());
        assert!(validate_digest("sha256:abc").is_err());
        assert!(validate_digest(&format!("sha512:{}", "0".repeat(64))).is_err());
        assert!(validate_digest(&format!("sha256:{}g", "0".repeat(63))).is_err());
        assert!(validate_digest(&"0".repeat(64)).is_err());
    }

    #[test]
    fn pinned_uris_keep_the_digest_and_optionally_the_tag() {
        let d = digest();
        assert_eq!(
            pinned_uri("123456789012", "eu-west-1", "team/api", None, &d).unwrap(),
            format!("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/api@{d}")
        );
        assert_eq!(
            pinned_uri("123456789012", "us-east-1", "web", Some("v1.2"), &d).unwrap(),
            format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/web:v1.2@{d}")
        );
        assert_eq!(
            pinned_uri("123456789012", "cn-north-1", "web", None, &d).unwrap(),
            format!("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/web@{d}")
        );
        assert!(pinned_uri("1", "us-east-1", "web", Some("-bad"), &d).is_err());
        assert!(pinned_uri("1", "us-east-1", "web", None, "sha256:short").is_err());
    }

    #[test]
    fn references_split_into_repository_tag_and_digest() {
        let d = digest();
        assert_eq!(
            ImageReference::parse("team/api").unwrap(),
            ImageReference {
                repository: "team/api".into(),
                tag: None,
                digest: None
            }
        );
        let tagged = ImageReference::parse("team/api:v1").unwrap();
        assert_eq!(tagged.tag.as_deref(), Some("v1"));
        let pinned = ImageReference::parse(&format!("web@{d}")).unwrap();
        assert_eq!(pinned.digest.as_deref(), Some(d.as_str()));
        assert_eq!(pinned.tag, None);
        let both = ImageReference::parse(&format!("web:v2@{d}")).unwrap();
        assert_eq!(
            (both.tag.as_deref(), both.digest.as_deref()),
            (Some("v2"), Some(d.as_str()))
        );
        assert!(ImageReference::parse("web:").is_err());
        assert!(ImageReference::parse("Web:v1").is_err());
        assert!(ImageReference::parse("web@sha256:nope").is_err());
        assert!(ImageReference::parse("1.dkr.ecr.us-east-1.amazonaws.com/web:v1").is_err());
    }
}
