//! Conversions from SDK shapes to berth's model.

use super::model::{Encryption, Image, ImageStatus, ManifestKind, Repository, TagMutability};
use crate::sanitize::sanitize;
use aws_sdk_ecr::types::{self as sdk, EncryptionType, ImageTagMutability};
use jiff::Timestamp;

/// An SDK timestamp as a jiff timestamp (None when out of range), to the millisecond.
///
/// ECR sends times as epoch seconds with three decimals (`1780000034.408`); the SDK reads
/// them as a float, which leaves noise in the nanoseconds (`…34.407999992`). Rounding to
/// ECR's own precision gives back the time ECR meant, so every output prints it alike.
pub(crate) fn timestamp(value: Option<&aws_smithy_types::DateTime>) -> Option<Timestamp> {
    let value = value?;
    let exact = Timestamp::new(value.secs(), value.subsec_nanos() as i32).ok()?;
    Some(exact.round(jiff::Unit::Millisecond).unwrap_or(exact))
}

fn clean(text: Option<&str>) -> String {
    sanitize(text.unwrap_or_default()).into_owned()
}

pub(crate) fn repository(repo: &sdk::Repository) -> Repository {
    let tag_mutability = match repo.image_tag_mutability() {
        Some(ImageTagMutability::Immutable | ImageTagMutability::ImmutableWithExclusion) => {
            TagMutability::Immutable
        }
        _ => TagMutability::Mutable,
    };
    let encryption = match repo.encryption_configuration() {
        Some(config) if *config.encryption_type() != EncryptionType::Aes256 => Encryption::Kms {
            key: config.kms_key().map(|k| sanitize(k).into_owned()),
        },
        _ => Encryption::Aes256,
    };
    Repository {
        name: clean(repo.repository_name()),
        registry_id: clean(repo.registry_id()),
        uri: clean(repo.repository_uri()),
        arn: clean(repo.repository_arn()),
        created_at: timestamp(repo.created_at()),
        tag_mutability,
        scan_on_push: repo
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push()),
        encryption,
    }
}

/// Convert one DescribeImages entry; an entry without a digest cannot be acted on and is
/// skipped.
pub(crate) fn image(detail: &sdk::ImageDetail) -> Option<Image> {
    let digest = detail.image_digest()?.to_string();
    let media = detail.image_manifest_media_type();
    // UNTRIAGED (enhanced scanning) counts as UNDEFINED rather than being dropped.
    let scan = crate::ecr::findings::scan_summary(detail);
    let mut tags: Vec<String> = detail
        .image_tags()
        .iter()
        .map(|t| sanitize(t).into_owned())
        .collect();
    tags.sort();
    Some(Image {
        digest: sanitize(&digest).into_owned(),
        tags,
        pushed_at: timestamp(detail.image_pushed_at()),
        last_pulled_at: timestamp(detail.last_recorded_pull_time()),
        size_bytes: detail.image_size_in_bytes().unwrap_or(0).max(0) as u64,
        manifest_media_type: media.map(str::to_string),
        kind: ManifestKind::classify(media, detail.artifact_media_type()),
        scan,
        status: detail.image_status().map_or(ImageStatus::Active, |status| {
            ImageStatus::parse(status.as_str())
        }),
        last_archived_at: timestamp(detail.last_archived_at()),
        last_activated_at: timestamp(detail.last_activated_at()),
        subject_digest: detail
            .subject_manifest_digest()
            .map(|d| sanitize(d).into_owned()),
        artifact_type: detail
            .artifact_media_type()
            .map(|t| sanitize(t).into_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_noise_is_rounded_to_ecrs_milliseconds() {
        // What the SDK makes of ECR's `1780000034.408`.
        let read = aws_smithy_types::DateTime::from_fractional_secs(1_780_000_034, 0.407_999_992);
        let at = timestamp(Some(&read)).unwrap();
        assert_eq!(at.to_string(), "2026-05-28T20:27:14.408Z");
        let whole = aws_smithy_types::DateTime::from_secs(1_780_000_034);
        assert_eq!(
            timestamp(Some(&whole)).unwrap().to_string(),
            "2026-05-28T20:27:14Z"
        );
    }
    use crate::ecr::model::Severity;
    use aws_sdk_ecr::types::{
        FindingSeverity, ImageScanFindingsSummary, ImageScanStatus, ScanStatus,
    };

    #[test]
    fn enhanced_scan_counts_keep_untriaged_as_undefined() {
        let detail = sdk::ImageDetail::builder()
            .image_digest(format!("sha256:{}", "ab".repeat(32)))
            .image_scan_status(
                ImageScanStatus::builder()
                    .status(ScanStatus::Active)
                    .build(),
            )
            .image_scan_findings_summary(
                ImageScanFindingsSummary::builder()
                    .finding_severity_counts(FindingSeverity::High, 2)
                    .finding_severity_counts(FindingSeverity::from("UNTRIAGED"), 3)
                    .build(),
            )
            .build();
        let scan = image(&detail).and_then(|i| i.scan).expect("a scan summary");
        assert_eq!(scan.status, "ACTIVE");
        let counts = scan.counts.expect("counts");
        assert_eq!(counts.get(Severity::High), 2);
        assert_eq!(counts.get(Severity::Undefined), 3);
    }
}
