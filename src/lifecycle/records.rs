//! The `--images FILE` format: a JSON array of image records, checked record by record.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::evaluate::{Candidate, ImageStatus};
use super::json::{shown, suggest, syntax_error, type_name};

/// One image in an `--images` file.
///
/// ```json
/// {"digest":"sha256:…","tags":["v1","latest"],"pushed_at":"2026-01-31T12:00:00Z",
///  "size_bytes":123,"last_pulled_at":null,
///  "media_type":"application/vnd.docker.distribution.manifest.v2+json",
///  "referenced_by_manifest_list":false,
///  "layers":[{"digest":"sha256:…","size":1234}],"unique_bytes":1234,
///  "status":"ACTIVE","last_archived_at":null,"last_activated_at":null}
/// ```
///
/// The fields after `size_bytes` are optional; a record without `status` is `ACTIVE`. Prefer [`read_image_records`] to plain serde: it
/// also checks digests, tags and duplicates, and names the record and field at fault.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageRecord {
    /// `sha256:` and 64 lowercase hex digits.
    pub digest: String,
    /// The image's tags; empty when untagged.
    pub tags: Vec<String>,
    /// RFC 3339 push time.
    #[serde(with = "rfc3339")]
    pub pushed_at: Timestamp,
    /// `imageSizeInBytes`.
    pub size_bytes: u64,
    /// RFC 3339 time of the last recorded pull, if any.
    #[serde(default, with = "rfc3339_option")]
    pub last_pulled_at: Option<Timestamp>,
    /// The manifest media type, if known.
    #[serde(default)]
    pub media_type: Option<String>,
    /// Whether a manifest list refers to this image.
    #[serde(default)]
    pub referenced_by_manifest_list: bool,
    /// The blobs the image holds, from its manifest: config and layers, and for an
    /// index those of its children. `None` when its manifest was not read.
    #[serde(default)]
    pub layers: Option<Vec<LayerRecord>>,
    /// Bytes of those blobs no other image of the repository holds: what deleting only
    /// this image frees. `None` when not known exactly.
    #[serde(default)]
    pub unique_bytes: Option<u64>,
    /// `imageStatus`: `ACTIVE` (standard storage), `ARCHIVED` or `ACTIVATING` (being
    /// restored).
    #[serde(default)]
    pub status: ImageStatus,
    /// RFC 3339 time the image last moved to archive storage, if it ever did.
    #[serde(default, with = "rfc3339_option")]
    pub last_archived_at: Option<Timestamp>,
    /// RFC 3339 time the image was last restored from archive storage, if it ever was.
    #[serde(default, with = "rfc3339_option")]
    pub last_activated_at: Option<Timestamp>,
    /// For an OCI referrer (a signature, an SBOM, an attestation): the image it refers
    /// to (`subjectManifestDigest`).
    #[serde(default)]
    pub subject_digest: Option<String>,
    /// The artifact's media type (`artifactMediaType`), when ECR reports one.
    #[serde(default)]
    pub artifact_type: Option<String>,
    /// The listed images whose `subject_digest` is this image: its signatures, SBOMs
    /// and attestations, newest push first.
    #[serde(default)]
    pub referrers: Vec<ReferrerRecord>,
    /// For an index (manifest list): the manifests it lists, in its order, with their
    /// platforms. Absent for an image, and for an index whose manifest was not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub children: Option<Vec<ChildRecord>>,
}

/// A referrer of an image: an artifact whose `subject` names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReferrerRecord {
    pub digest: String,
    /// Its `artifactMediaType`, when ECR reports one.
    #[serde(default)]
    pub artifact_type: Option<String>,
}

/// A manifest an index lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChildRecord {
    pub digest: String,
    /// `os/architecture`, with `/variant` when the index gives one; `None` when the
    /// entry names no platform.
    #[serde(default)]
    pub platform: Option<String>,
}

/// A blob an image holds: its digest and its size as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerRecord {
    pub digest: String,
    pub size: u64,
}

impl From<ImageRecord> for Candidate {
    fn from(record: ImageRecord) -> Candidate {
        Candidate {
            digest: record.digest,
            tags: record.tags,
            pushed_at: record.pushed_at,
            size_bytes: record.size_bytes,
            last_pulled_at: record.last_pulled_at,
            referenced_by_manifest_list: record.referenced_by_manifest_list,
            status: record.status,
            last_archived_at: record.last_archived_at,
            last_activated_at: record.last_activated_at,
            subject_digest: record.subject_digest,
            artifact_type: record.artifact_type,
        }
    }
}

/// Why an `--images` file was rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ImageRecordError {
    /// The file is not JSON.
    #[error("image records are not valid JSON: {message} (line {line}, column {column})")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// The file is JSON but not an array.
    #[error("image records must be a JSON array of objects, found {found}")]
    NotAnArray { found: &'static str },
    /// An element of the array is not an object; `index` counts from 0 and is shown
    /// counting from 1 (`record 1` is the first), as people count.
    #[error("record {}: must be a JSON object, found {found}", .index + 1)]
    NotAnObject { index: usize, found: &'static str },
    /// One field of a record is wrong; `index` counts from 0 and is shown from 1.
    #[error("record {}: {field}: {problem}", .index + 1)]
    Record {
        index: usize,
        field: String,
        problem: RecordProblem,
    },
}

/// What is wrong with one field of a record.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RecordProblem {
    /// A required field is absent.
    #[error("is required")]
    Missing,
    /// A field the format does not have (a misspelt optional field would otherwise be
    /// silently ignored, e.g. a manifest-list child previewed as deletable).
    #[error("is not an image record field{}", did_you_mean(.suggestion))]
    UnknownField { suggestion: Option<&'static str> },
    /// The JSON type is wrong.
    #[error("must be {expected}, found {found}")]
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    /// A timestamp that does not parse.
    #[error("{text:?} is not an RFC 3339 timestamp such as 2026-01-31T12:00:00Z ({reason})")]
    BadTimestamp { text: String, reason: String },
    /// A digest that is not `sha256:` + 64 hex digits.
    #[error("{text:?} is not a digest of the form sha256: followed by 64 lowercase hex digits")]
    BadDigest { text: String },
    /// A status ECR does not have.
    #[error("must be one of \"ACTIVE\", \"ARCHIVED\", \"ACTIVATING\"; found {text:?}")]
    BadStatus { text: String },
    /// A tag ECR would not accept.
    #[error("{text:?} is not a valid tag (1–128 of A-Z a-z 0-9 _ . -, not starting with . or -)")]
    BadTag { text: String },
    /// The same tag twice on one image.
    #[error("{tag:?} is listed twice")]
    RepeatedTag { tag: String },
    /// A tag on two images, which one repository cannot have.
    #[error("{tag:?} is already a tag of record {}; a tag names one image", .other + 1)]
    TagOnTwoImages { tag: String, other: usize },
    /// Two records for one digest.
    #[error("is the same as record {}'s; each image appears once", .other + 1)]
    DuplicateDigest { other: usize },
}

fn did_you_mean(suggestion: &Option<&'static str>) -> String {
    match suggestion {
        Some(name) => format!("; did you mean {name:?}?"),
        None => String::new(),
    }
}

/// The fields of an image record, in the order `berth images` writes them.
pub const RECORD_FIELDS: &[&str] = &[
    "digest",
    "tags",
    "pushed_at",
    "size_bytes",
    "last_pulled_at",
    "media_type",
    "referenced_by_manifest_list",
    "layers",
    "unique_bytes",
    "status",
    "last_archived_at",
    "last_activated_at",
    "subject_digest",
    "artifact_type",
    "referrers",
    "children",
];

/// Read an `--images` JSON array, rejecting a bad record with its index and field.
///
/// Each record is checked on its own first; digests and tags repeated across records
/// are reported after that, naming the later record and the earlier one it repeats.
pub fn read_image_records(text: &str) -> Result<Vec<ImageRecord>, ImageRecordError> {
    let document: Value = serde_json::from_str(text).map_err(|err| {
        let (line, column, message) = syntax_error(&err);
        ImageRecordError::Syntax {
            line,
            column,
            message,
        }
    })?;
    let Value::Array(items) = document else {
        return Err(ImageRecordError::NotAnArray {
            found: type_name(&document),
        });
    };
    let records = items
        .into_iter()
        .enumerate()
        .map(|(index, item)| read_record(index, item))
        .collect::<Result<Vec<ImageRecord>, ImageRecordError>>()?;
    check_unique(&records)?;
    Ok(records)
}

/// One record per digest, and each tag on one image, as in a real repository.
fn check_unique(records: &[ImageRecord]) -> Result<(), ImageRecordError> {
    let mut digests: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    let mut tag_owners: HashMap<&str, usize> = HashMap::with_capacity(records.len());
    for (index, record) in records.iter().enumerate() {
        let fault = |field: String, problem| ImageRecordError::Record {
            index,
            field,
            problem,
        };
        if let Some(&other) = digests.get(record.digest.as_str()) {
            return Err(fault(
                "digest".into(),
                RecordProblem::DuplicateDigest { other },
            ));
        }
        digests.insert(&record.digest, index);
        for (at, tag) in record.tags.iter().enumerate() {
            match tag_owners.insert(tag, index) {
                None => {}
                Some(other) if other == index => {
                    return Err(fault(
                        format!("tags[{at}]"),
                        RecordProblem::RepeatedTag { tag: tag.clone() },
                    ));
                }
                Some(other) => {
                    return Err(fault(
                        format!("tags[{at}]"),
                        RecordProblem::TagOnTwoImages {
                            tag: tag.clone(),
                            other,
                        },
                    ));
                }
            }
        }
    }
    Ok(())
}

fn read_record(index: usize, item: Value) -> Result<ImageRecord, ImageRecordError> {
    let fault = |field: &str, problem| ImageRecordError::Record {
        index,
        field: field.to_owned(),
        problem,
    };
    let Value::Object(mut fields) = item else {
        return Err(ImageRecordError::NotAnObject {
            index,
            found: type_name(&item),
        });
    };
    if let Some(key) = fields
        .keys()
        .find(|key| !RECORD_FIELDS.contains(&key.as_str()))
    {
        return Err(fault(
            &shown(key),
            RecordProblem::UnknownField {
                suggestion: suggest(key, RECORD_FIELDS),
            },
        ));
    }
    let wrong = |field: &str, expected, value: &Value| {
        fault(
            field,
            RecordProblem::WrongType {
                expected,
                found: type_name(value),
            },
        )
    };

    let digest = match fields.remove("digest") {
        Some(Value::String(digest)) if is_digest(&digest) => digest,
        Some(Value::String(text)) => {
            return Err(fault("digest", RecordProblem::BadDigest { text }));
        }
        Some(other) => return Err(wrong("digest", "a string", &other)),
        None => return Err(fault("digest", RecordProblem::Missing)),
    };
    let tags = match fields.remove("tags") {
        Some(Value::Array(items)) => {
            let mut tags = Vec::with_capacity(items.len());
            for (at, item) in items.into_iter().enumerate() {
                let field = format!("tags[{at}]");
                match item {
                    Value::String(tag) if is_tag(&tag) => tags.push(tag),
                    Value::String(text) => {
                        return Err(fault(&field, RecordProblem::BadTag { text }));
                    }
                    other => return Err(wrong(&field, "a string", &other)),
                }
            }
            tags
        }
        Some(other) => return Err(wrong("tags", "an array of strings", &other)),
        None => return Err(fault("tags", RecordProblem::Missing)),
    };
    let pushed_at = match fields.remove("pushed_at") {
        Some(value) => timestamp(&value).map_err(|problem| fault("pushed_at", problem))?,
        None => return Err(fault("pushed_at", RecordProblem::Missing)),
    };
    let size_bytes = match fields.remove("size_bytes") {
        Some(Value::Number(number)) => match number.as_u64() {
            Some(size) => size,
            None => {
                return Err(wrong(
                    "size_bytes",
                    "a non-negative integer",
                    &Value::Number(number),
                ));
            }
        },
        Some(other) => return Err(wrong("size_bytes", "a non-negative integer", &other)),
        None => return Err(fault("size_bytes", RecordProblem::Missing)),
    };
    let mut optional_time = |field: &str| {
        optional_timestamp(fields.remove(field)).map_err(|problem| fault(field, problem))
    };
    let last_pulled_at = optional_time("last_pulled_at")?;
    let last_archived_at = optional_time("last_archived_at")?;
    let last_activated_at = optional_time("last_activated_at")?;
    let subject_digest = match fields.remove("subject_digest") {
        None | Some(Value::Null) => None,
        Some(Value::String(digest)) if is_digest(&digest) => Some(digest),
        Some(Value::String(text)) => {
            return Err(fault("subject_digest", RecordProblem::BadDigest { text }));
        }
        Some(other) => return Err(wrong("subject_digest", "a digest string or null", &other)),
    };
    let artifact_type = match fields.remove("artifact_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(artifact_type)) => Some(artifact_type),
        Some(other) => return Err(wrong("artifact_type", "a string or null", &other)),
    };
    let media_type = match fields.remove("media_type") {
        None | Some(Value::Null) => None,
        Some(Value::String(media_type)) => Some(media_type),
        Some(other) => return Err(wrong("media_type", "a string or null", &other)),
    };
    let referenced_by_manifest_list = match fields.remove("referenced_by_manifest_list") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(referenced)) => referenced,
        Some(other) => {
            return Err(wrong("referenced_by_manifest_list", "a boolean", &other));
        }
    };
    let layers = optional_array(
        index,
        fields.remove("layers"),
        "layers",
        "an array of {digest, size} or null",
        read_layer,
    )?;
    let unique_bytes = match fields.remove("unique_bytes") {
        None | Some(Value::Null) => None,
        Some(Value::Number(number)) if number.as_u64().is_some() => number.as_u64(),
        Some(other) => {
            return Err(wrong(
                "unique_bytes",
                "a non-negative integer or null",
                &other,
            ));
        }
    };
    let referrers = optional_array(
        index,
        fields.remove("referrers"),
        "referrers",
        "an array of {digest, artifact_type}",
        |at, item| {
            read_entry(at, item, "artifact_type").map(|(digest, artifact_type)| ReferrerRecord {
                digest,
                artifact_type,
            })
        },
    )?
    .unwrap_or_default();
    let children = optional_array(
        index,
        fields.remove("children"),
        "children",
        "an array of {digest, platform} or null",
        |at, item| {
            read_entry(at, item, "platform")
                .map(|(digest, platform)| ChildRecord { digest, platform })
        },
    )?;
    let status = match fields.remove("status") {
        None | Some(Value::Null) => ImageStatus::Active,
        Some(Value::String(text)) => match ImageStatus::from_word(&text) {
            Some(status) => status,
            None => return Err(fault("status", RecordProblem::BadStatus { text })),
        },
        Some(other) => return Err(wrong("status", "a string or null", &other)),
    };
    Ok(ImageRecord {
        digest,
        tags,
        pushed_at,
        size_bytes,
        last_pulled_at,
        media_type,
        referenced_by_manifest_list,
        layers,
        unique_bytes,
        status,
        last_archived_at,
        last_activated_at,
        subject_digest,
        artifact_type,
        referrers,
        children,
    })
}

/// An optional array field whose entries `read` checks (it gets each entry's field
/// name, `name[i]`): absent or `null` is `None`; a fault names the record and field.
fn optional_array<T>(
    index: usize,
    value: Option<Value>,
    name: &str,
    expected: &'static str,
    read: impl Fn(&str, Value) -> Result<T, (String, RecordProblem)>,
) -> Result<Option<Vec<T>>, ImageRecordError> {
    let fault = |field: String, problem| ImageRecordError::Record {
        index,
        field,
        problem,
    };
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(at, item)| {
                read(&format!("{name}[{at}]"), item)
                    .map_err(|(field, problem)| fault(field, problem))
            })
            .collect::<Result<Vec<T>, _>>()
            .map(Some),
        Some(other) => Err(fault(
            name.to_string(),
            RecordProblem::WrongType {
                expected,
                found: type_name(&other),
            },
        )),
    }
}

/// A wrong JSON type at `field`.
fn wrong_type(field: String, expected: &'static str, value: &Value) -> (String, RecordProblem) {
    (
        field,
        RecordProblem::WrongType {
            expected,
            found: type_name(value),
        },
    )
}

/// An entry `{"digest": "sha256:…", …}` at `at` with no fields but `names` (digest
/// first): its digest, checked, and its other fields.
fn digest_entry(
    at: &str,
    item: Value,
    names: &[&'static str],
) -> Result<(String, serde_json::Map<String, Value>), (String, RecordProblem)> {
    let Value::Object(mut fields) = item else {
        return Err(wrong_type(at.to_string(), "an object", &item));
    };
    if let Some(key) = fields.keys().find(|key| !names.contains(&key.as_str())) {
        return Err((
            format!("{at}.{}", shown(key)),
            RecordProblem::UnknownField {
                suggestion: suggest(key, names),
            },
        ));
    }
    let digest = match fields.remove("digest") {
        Some(Value::String(digest)) if is_digest(&digest) => digest,
        Some(Value::String(text)) => {
            return Err((format!("{at}.digest"), RecordProblem::BadDigest { text }));
        }
        Some(other) => return Err(wrong_type(format!("{at}.digest"), "a string", &other)),
        None => return Err((format!("{at}.digest"), RecordProblem::Missing)),
    };
    Ok((digest, fields))
}

/// One entry of `layers`: `{"digest": "sha256:…", "size": N}`; a fault names the field.
fn read_layer(at: &str, item: Value) -> Result<LayerRecord, (String, RecordProblem)> {
    let (digest, mut fields) = digest_entry(at, item, &["digest", "size"])?;
    let size = match fields.remove("size") {
        Some(Value::Number(number)) if number.as_u64().is_some() => number.as_u64().unwrap_or(0),
        Some(other) => {
            return Err(wrong_type(
                format!("{at}.size"),
                "a non-negative integer",
                &other,
            ));
        }
        None => return Err((format!("{at}.size"), RecordProblem::Missing)),
    };
    Ok(LayerRecord { digest, size })
}

/// One entry of `referrers` or `children`: `{"digest": "sha256:…", LABEL: "…" | null}`;
/// a fault names the field.
fn read_entry(
    at: &str,
    item: Value,
    label: &'static str,
) -> Result<(String, Option<String>), (String, RecordProblem)> {
    let (digest, mut fields) = digest_entry(at, item, &["digest", label])?;
    let text = match fields.remove(label) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(other) => {
            return Err(wrong_type(
                format!("{at}.{label}"),
                "a string or null",
                &other,
            ));
        }
    };
    Ok((digest, text))
}

/// An optional RFC 3339 field: absent or `null` is `None`.
fn optional_timestamp(value: Option<Value>) -> Result<Option<Timestamp>, RecordProblem> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => timestamp(&value).map(Some),
    }
}

fn timestamp(value: &Value) -> Result<Timestamp, RecordProblem> {
    match value {
        Value::String(text) => {
            text.parse::<Timestamp>()
                .map_err(|err| RecordProblem::BadTimestamp {
                    text: text.clone(),
                    reason: err.to_string(),
                })
        }
        other => Err(RecordProblem::WrongType {
            expected: "an RFC 3339 timestamp string",
            found: type_name(other),
        }),
    }
}

fn is_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}

/// ECR's tag grammar: `[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`.
fn is_tag(text: &str) -> bool {
    let mut bytes = text.bytes();
    let Some(first) = bytes.next() else {
        return false;
    };
    text.len() <= 128
        && (first.is_ascii_alphanumeric() || first == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

/// Serde glue for `Timestamp` as an RFC 3339 string (the crate's jiff has no serde feature).
mod rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(at: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(at)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(D::Error::custom)
    }
}

/// [`rfc3339`] for optional timestamps, `null` when absent.
mod rfc3339_option {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};

    pub fn serialize<S: Serializer>(
        at: &Option<Timestamp>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => serializer.collect_str(at),
            None => serializer.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|text| text.parse().map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_grammar_follows_ecr() {
        assert!(is_tag("v1.2.3-rc_1"));
        assert!(is_tag("_private"));
        assert!(is_tag(&"a".repeat(128)));
        assert!(!is_tag(&"a".repeat(129)));
        assert!(!is_tag(""));
        assert!(!is_tag(".hidden"));
        assert!(!is_tag("-dash"));
        assert!(!is_tag("git hash"));
        assert!(!is_tag("esc\u{1b}[31m"));
    }

    #[test]
    fn digest_needs_sha256_and_64_lowercase_hex() {
        assert!(is_digest(&format!("sha256:{}", "0f".repeat(32))));
        assert!(!is_digest(&format!("sha256:{}", "0F".repeat(32))));
        assert!(!is_digest(&format!("sha512:{}", "0f".repeat(32))));
        assert!(!is_digest("sha256:abc"));
    }

    #[test]
    fn serde_form_round_trips_and_matches_the_reader() {
        let text = format!(
            r#"[{{"digest":"sha256:{}","tags":["v1"],"pushed_at":"2026-01-31T12:00:00Z","size_bytes":5}}]"#,
            "ab".repeat(32)
        );
        let via_reader = read_image_records(&text).unwrap();
        let via_serde: Vec<ImageRecord> = serde_json::from_str(&text).unwrap();
        assert_eq!(via_reader, via_serde);
        let again: Vec<ImageRecord> =
            serde_json::from_str(&serde_json::to_string(&via_serde).unwrap()).unwrap();
        assert_eq!(again, via_serde);
    }

    #[test]
    fn referrers_and_children_are_read_and_checked_entry_by_entry() {
        let record = |extra: &str| {
            format!(
                r#"[{{"digest":"sha256:{}","tags":[],"pushed_at":"2026-01-31T12:00:00Z","size_bytes":5{extra}}}]"#,
                "ab".repeat(32)
            )
        };
        let child = format!("sha256:{}", "cd".repeat(32));
        let read = read_image_records(&record(&format!(
            r#","referrers":[{{"digest":"{child}","artifact_type":"application/spdx+json"}}],"children":[{{"digest":"{child}","platform":"linux/arm64/v8"}},{{"digest":"{child}","platform":null}}]"#
        )))
        .unwrap();
        assert_eq!(
            read[0].referrers,
            [ReferrerRecord {
                digest: child.clone(),
                artifact_type: Some("application/spdx+json".into())
            }]
        );
        let children = read[0].children.as_ref().unwrap();
        assert_eq!(children[0].platform.as_deref(), Some("linux/arm64/v8"));
        assert_eq!(children[1].platform, None);
        // Absent: no referrers, children unknown.
        let plain = read_image_records(&record("")).unwrap();
        assert!(plain[0].referrers.is_empty());
        assert_eq!(plain[0].children, None);

        let err = |extra: &str| read_image_records(&record(extra)).unwrap_err().to_string();
        assert_eq!(
            err(r#","referrers":[{"digest":"sha256:x"}]"#),
            "record 1: referrers[0].digest: \"sha256:x\" is not a digest of the form sha256: followed by 64 lowercase hex digits"
        );
        assert_eq!(
            err(&format!(
                r#","children":[{{"digest":"{child}","platfrom":"linux/amd64"}}]"#
            )),
            "record 1: children[0].platfrom: is not an image record field; did you mean \"platform\"?"
        );
        assert_eq!(
            err(r#","referrers":{}"#),
            "record 1: referrers: must be an array of {digest, artifact_type}, found an object"
        );
    }
}
