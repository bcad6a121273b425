//! `berth images --repo NAME [--output table|json|csv]`: every image of a repository as
//! the image record `berth lifecycle preview --images FILE` reads.
//!
//! The JSON output is exactly the [`ImageRecord`] array, so
//! `berth images --repo web/app --output json > images.json` followed by
//! `berth lifecycle preview --policy p.json --images images.json` previews offline what
//! `--repo web/app` previews online.
//!
//! Exit codes: 0 success; 1 the registry could not answer; 2 usage errors.

use super::single_target;
use crate::cli::Cli;
use crate::ecr::EcrRegistry;
use crate::ecr::model::{ManifestKind, short_digest};
use crate::ecr::records::{RecordsError, registry_image_records};
use crate::format;
use crate::lifecycle::ImageRecord;
use std::io::{self, Write};
use std::process::ExitCode;

/// Arguments of `berth images`.
#[derive(Debug, clap::Args)]
pub struct ImagesArgs {
    /// The repository to list.
    #[arg(long, value_name = "NAME")]
    pub repo: String,
    /// Output format; `json` is the record `berth lifecycle preview --images` reads.
    #[arg(long, value_enum, default_value_t = ImagesFormat::Table)]
    pub output: ImagesFormat,
}

/// Output formats of `berth images`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImagesFormat {
    Table,
    Json,
    Csv,
}

/// Why `berth images` could not list a repository's images.
#[derive(Debug, thiserror::Error)]
pub enum ImagesError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Records(#[from] RecordsError),
    #[error("cannot write the output: {0}")]
    Output(#[from] io::Error),
}

impl ImagesError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            ImagesError::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Run `berth images`.
pub async fn run(cli: &Cli, args: &ImagesArgs) -> ExitCode {
    let result = async {
        let target = single_target(cli, "berth images").map_err(ImagesError::Usage)?;
        let registry = EcrRegistry::connect(&target, &cli.client_options())
            .await
            .map_err(RecordsError::Registry)?;
        let mut records = registry_image_records(&registry, &args.repo).await?;
        if let Some(note) = super::add_storage(&registry, &args.repo, &mut records).await {
            eprintln!("berth images: note: {note}");
        }
        let mut out = io::stdout().lock();
        write_records(&mut out, &records, args.output)?;
        out.flush()?;
        Ok::<(), ImagesError>(())
    }
    .await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // The reader stopped early (`| head`): it has what it wanted.
        Err(ImagesError::Output(err)) if err.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("berth images: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Write `records` in `format`.
pub fn write_records(
    out: &mut impl Write,
    records: &[ImageRecord],
    format: ImagesFormat,
) -> io::Result<()> {
    match format {
        ImagesFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, records)?;
            writeln!(out)
        }
        ImagesFormat::Csv => write_csv(out, records),
        ImagesFormat::Table => write_table(out, records),
    }
}

/// CSV columns: the record's fields, tags separated by spaces (a tag cannot hold one),
/// `layers`, `referrers` and `children` as their counts (the JSON output lists them;
/// `children` is empty for an image).
const CSV_COLUMNS: &[&str] = crate::lifecycle::RECORD_FIELDS;

fn write_csv(out: &mut impl Write, records: &[ImageRecord]) -> io::Result<()> {
    let mut out = crate::csv::Writer::new(out, crate::csv::LineEnding::Lf);
    out.record(CSV_COLUMNS)?;
    for record in records {
        out.record([
            record.digest.clone(),
            record.tags.join(" "),
            record.pushed_at.to_string(),
            record.size_bytes.to_string(),
            time_or_empty(record.last_pulled_at),
            record.media_type.clone().unwrap_or_default(),
            record.referenced_by_manifest_list.to_string(),
            record
                .layers
                .as_ref()
                .map(|layers| layers.len().to_string())
                .unwrap_or_default(),
            record
                .unique_bytes
                .map(|bytes| bytes.to_string())
                .unwrap_or_default(),
            record.status.to_string(),
            time_or_empty(record.last_archived_at),
            time_or_empty(record.last_activated_at),
            record.subject_digest.clone().unwrap_or_default(),
            record.artifact_type.clone().unwrap_or_default(),
            record.referrers.len().to_string(),
            record
                .children
                .as_ref()
                .map(|children| children.len().to_string())
                .unwrap_or_default(),
        ])?;
    }
    out.finish()
}

fn time_or_empty(at: Option<jiff::Timestamp>) -> String {
    at.map(|t| t.to_string()).unwrap_or_default()
}

/// What an image is, for the table: an index, a platform image an index refers to, a
/// referrer (a signature, SBOM or attestation of another image), or a plain image.
fn kind(record: &ImageRecord) -> &'static str {
    // Archived (or restoring) says more than the manifest's shape: it cannot be pulled.
    if record.status != crate::lifecycle::ImageStatus::Active {
        match record.status {
            crate::lifecycle::ImageStatus::Archived => "archived",
            crate::lifecycle::ImageStatus::Activating => "restoring",
            _ => "unknown",
        }
    } else if ManifestKind::classify(record.media_type.as_deref(), None)
        == ManifestKind::ManifestList
    {
        "index"
    } else if record.referenced_by_manifest_list {
        "in index"
    } else if record.subject_digest.is_some() {
        "referrer"
    } else {
        "image"
    }
}

/// REFS: how many listed images name this one as their subject; blank for none.
fn referrer_count(record: &ImageRecord) -> String {
    match record.referrers.len() {
        0 => String::new(),
        n => n.to_string(),
    }
}

fn write_table(out: &mut impl Write, records: &[ImageRecord]) -> io::Result<()> {
    writeln!(
        out,
        "{:<23}  {:<12}  {:>11}  {:>11}  {:<8}  {:>4}  TAGS",
        "PUSHED (UTC)", "DIGEST", "SIZE", "UNIQUE", "KIND", "REFS"
    )?;
    let mut total = 0u64;
    for record in records {
        total = total.saturating_add(record.size_bytes);
        let tags = if record.tags.is_empty() {
            "<untagged>".to_string()
        } else {
            record.tags.join(", ")
        };
        writeln!(
            out,
            "{:<23}  {:<12}  {:>11}  {:>11}  {:<8}  {:>4}  {tags}",
            format::utc(record.pushed_at),
            short_digest(&record.digest).trim_start_matches("sha256:"),
            format::size(record.size_bytes),
            record
                .unique_bytes
                .map_or_else(|| "?".to_string(), format::size),
            kind(record),
            referrer_count(record),
        )?;
    }
    writeln!(
        out,
        "{} images, {} (sum of image sizes: an upper bound, as layers shared between images count once per image)",
        records.len(),
        format::size(total)
    )?;
    match crate::storage::storage_of_records(records) {
        Ok(storage) => writeln!(
            out,
            "stored: {} (each layer once); UNIQUE: what deleting only that image frees",
            format::size(storage.stored_bytes().bytes)
        ),
        Err(_) => writeln!(
            out,
            "UNIQUE: what deleting only that image frees (? where its manifest could not be read)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecr::model::Image;
    use crate::ecr::records::records_from_images;
    use jiff::Timestamp;
    use std::collections::BTreeSet;

    fn image(n: u8, tags: &[&str], second: i64, media: &str) -> Image {
        Image {
            digest: format!("sha256:{}", format!("{n:02x}").repeat(32)),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            pushed_at: Some(Timestamp::from_second(1_780_000_000 + second).unwrap()),
            last_pulled_at: None,
            size_bytes: 1000 * u64::from(n),
            manifest_media_type: Some(media.to_string()),
            kind: ManifestKind::classify(Some(media), None),
            scan: None,
            status: Default::default(),
            last_archived_at: None,
            last_activated_at: None,
            subject_digest: None,
            artifact_type: None,
        }
    }

    const OCI: &str = "application/vnd.oci.image.manifest.v1+json";
    const INDEX: &str = "application/vnd.oci.image.index.v1+json";

    #[test]
    fn records_are_newest_first_with_children_marked() {
        let images = vec![
            image(1, &[], 10, OCI),
            image(2, &["v1"], 30, INDEX),
            image(3, &["old"], 5, OCI),
        ];
        let children: BTreeSet<String> = [images[0].digest.clone()].into();
        let records = records_from_images("r", images, &children).unwrap();
        let tags: Vec<_> = records.iter().map(|r| r.tags.join(",")).collect();
        assert_eq!(tags, ["v1", "", "old"]);
        assert!(records[1].referenced_by_manifest_list);
        assert!(!records[0].referenced_by_manifest_list);
        assert_eq!(kind(&records[0]), "index");
        assert_eq!(kind(&records[1]), "in index");
        assert_eq!(kind(&records[2]), "image");
    }

    #[test]
    fn each_image_lists_the_images_whose_subject_it_is() {
        let subject = image(1, &["v1"], 10, OCI);
        let mut signature = image(2, &[], 20, OCI);
        signature.subject_digest = Some(subject.digest.clone());
        signature.artifact_type = Some("application/vnd.dev.cosign.artifact.sig.v1+json".into());
        let mut sbom = image(3, &[], 30, OCI);
        sbom.subject_digest = Some(subject.digest.clone());
        let mut orphan = image(4, &[], 40, OCI);
        orphan.subject_digest = Some(format!("sha256:{}", "ee".repeat(32)));
        let records = records_from_images(
            "r",
            vec![subject.clone(), signature.clone(), sbom.clone(), orphan],
            &BTreeSet::new(),
        )
        .unwrap();
        let of = |digest: &str| records.iter().find(|r| r.digest == digest).unwrap();
        // Newest push first, each with its artifact type.
        assert_eq!(
            of(&subject.digest).referrers,
            [
                crate::lifecycle::ReferrerRecord {
                    digest: sbom.digest.clone(),
                    artifact_type: None
                },
                crate::lifecycle::ReferrerRecord {
                    digest: signature.digest.clone(),
                    artifact_type: signature.artifact_type.clone()
                },
            ]
        );
        assert!(of(&signature.digest).referrers.is_empty());
        assert_eq!(kind(of(&signature.digest)), "referrer");
        assert_eq!(kind(of(&subject.digest)), "image");
        let mut table = Vec::new();
        write_records(&mut table, &records, ImagesFormat::Table).unwrap();
        let table = String::from_utf8(table).unwrap();
        let row = table.lines().find(|l| l.contains("v1")).unwrap();
        assert!(row.contains("  2  v1"), "{table}");
    }

    #[test]
    fn json_output_reads_back_as_image_records() {
        let mut records = records_from_images(
            "r",
            vec![image(1, &["a", "b"], 0, OCI), image(2, &[], 1, INDEX)],
            &BTreeSet::new(),
        )
        .unwrap();
        records[1].referrers = vec![crate::lifecycle::ReferrerRecord {
            digest: records[0].digest.clone(),
            artifact_type: Some("application/spdx+json".into()),
        }];
        records[0].children = Some(vec![crate::lifecycle::ChildRecord {
            digest: records[1].digest.clone(),
            platform: Some("linux/arm64/v8".into()),
        }]);
        let mut out = Vec::new();
        write_records(&mut out, &records, ImagesFormat::Json).unwrap();
        let back =
            crate::lifecycle::read_image_records(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!(back, records);
    }

    #[test]
    fn csv_has_one_line_per_record_and_quotes_only_when_needed() {
        let records =
            records_from_images("r", vec![image(1, &["a", "b"], 0, OCI)], &BTreeSet::new())
                .unwrap();
        let mut out = Vec::new();
        write_records(&mut out, &records, ImagesFormat::Csv).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], CSV_COLUMNS.join(","));
        // One value per column: the header is the record's fields, every line fills it.
        let mut reader = ::csv::Reader::from_reader(text.as_bytes());
        for record in reader.records() {
            assert_eq!(record.unwrap().len(), CSV_COLUMNS.len());
        }
        assert_eq!(
            lines[1],
            format!(
                "sha256:{},a b,2026-05-28T20:26:40Z,1000,,{OCI},false,,,ACTIVE,,,,,0,",
                "01".repeat(32)
            )
        );
        let quoted =
            records_from_images("r", vec![image(2, &[], 0, "a,\"b\"")], &BTreeSet::new()).unwrap();
        let mut out = Vec::new();
        write_records(&mut out, &quoted, ImagesFormat::Csv).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(",,\"a,\"\"b\"\"\",false,,,ACTIVE,,,,,0,\n"),
            "{text}"
        );
    }
}
