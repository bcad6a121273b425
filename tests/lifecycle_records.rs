//! The `--images FILE` reader: what it accepts, and the record and field it names when
//! it refuses.

use berth::lifecycle::{
    Candidate, ImageRecordError, ImageStatus, RecordProblem, read_image_records,
};
use jiff::Timestamp;
use serde_json::{Value, json};

fn digest(letter: char) -> String {
    format!("sha256:{}", letter.to_string().repeat(64))
}

fn record(letter: char, tags: &[&str]) -> Value {
    json!({"digest": digest(letter), "tags": tags, "pushed_at": "2026-01-31T12:00:00Z",
           "size_bytes": 123})
}

fn error_of(records: Value) -> String {
    match read_image_records(&records.to_string()) {
        Ok(records) => panic!("accepted: {records:?}"),
        Err(err) => err.to_string(),
    }
}

fn spoilt(edit: impl FnOnce(&mut Value)) -> String {
    let mut bad = record('b', &["v2"]);
    edit(&mut bad);
    error_of(json!([record('a', &["v1"]), bad]))
}

#[test]
fn full_records_convert_to_candidates() {
    let text = json!([
        {"digest": digest('a'), "tags": ["v1", "latest"], "pushed_at": "2026-01-31T12:00:00Z",
         "size_bytes": 123, "last_pulled_at": "2026-02-10T08:30:00+01:00",
         "media_type": "application/vnd.docker.distribution.manifest.v2+json",
         "referenced_by_manifest_list": true},
        {"digest": digest('b'), "tags": [], "pushed_at": "2026-01-30T00:00:00Z",
         "size_bytes": 0, "last_pulled_at": null, "media_type": null}
    ])
    .to_string();
    let records = read_image_records(&text).unwrap();
    assert_eq!(
        records[0].media_type.as_deref(),
        Some("application/vnd.docker.distribution.manifest.v2+json")
    );
    let first = Candidate::from(records[0].clone());
    assert_eq!(first.digest, digest('a'));
    assert_eq!(first.tags, ["v1", "latest"]);
    assert_eq!(
        first.pushed_at,
        "2026-01-31T12:00:00Z".parse::<Timestamp>().unwrap()
    );
    assert_eq!(first.size_bytes, 123);
    assert_eq!(
        first.last_pulled_at,
        Some("2026-02-10T07:30:00Z".parse::<Timestamp>().unwrap())
    );
    assert!(first.referenced_by_manifest_list);
    let second = Candidate::from(records[1].clone());
    assert!(second.tags.is_empty());
    assert_eq!(second.last_pulled_at, None);
    assert!(!second.referenced_by_manifest_list);
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err = read_image_records("[\n  {\"digest\": \"sha256:abc\",}\n]").unwrap_err();
    assert!(
        matches!(err, ImageRecordError::Syntax { line: 2, .. }),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("image records are not valid JSON: "),
        "{err}"
    );
}

#[test]
fn the_file_must_be_an_array_of_objects() {
    assert_eq!(
        error_of(json!({"images": []})),
        "image records must be a JSON array of objects, found an object"
    );
    assert_eq!(
        error_of(json!([record('a', &[]), "sha256:bbb"])),
        "record 2: must be a JSON object, found a string"
    );
}

#[test]
fn required_fields_are_named() {
    for field in ["digest", "tags", "pushed_at", "size_bytes"] {
        assert_eq!(
            spoilt(|bad| {
                bad.as_object_mut().unwrap().remove(field);
            }),
            format!("record 2: {field}: is required")
        );
    }
}

#[test]
fn misspelt_fields_are_refused_not_ignored() {
    assert_eq!(
        spoilt(|bad| bad["referenced_by_manifestlist"] = json!(true)),
        "record 2: referenced_by_manifestlist: is not an image record field; did you mean \
         \"referenced_by_manifest_list\"?"
    );
    assert_eq!(
        spoilt(|bad| bad["pushedAt"] = json!("2026-01-31T12:00:00Z")),
        "record 2: pushedAt: is not an image record field; did you mean \"pushed_at\"?"
    );
}

#[test]
fn digests_must_be_sha256_hex() {
    assert_eq!(
        spoilt(|bad| bad["digest"] = json!("sha256:XYZ")),
        "record 2: digest: \"sha256:XYZ\" is not a digest of the form sha256: followed by 64 \
         lowercase hex digits"
    );
    assert_eq!(
        spoilt(|bad| bad["digest"] = json!(42)),
        "record 2: digest: must be a string, found a number"
    );
}

#[test]
fn tags_must_follow_ecrs_grammar() {
    assert_eq!(
        spoilt(|bad| bad["tags"] = json!(["ok", "git hash"])),
        "record 2: tags[1]: \"git hash\" is not a valid tag (1–128 of A-Z a-z 0-9 _ . -, not \
         starting with . or -)"
    );
    assert_eq!(
        spoilt(|bad| bad["tags"] = json!("v2")),
        "record 2: tags: must be an array of strings, found a string"
    );
    assert_eq!(
        spoilt(|bad| bad["tags"] = json!([2])),
        "record 2: tags[0]: must be a string, found a number"
    );
}

#[test]
fn timestamps_must_be_rfc3339_with_an_offset() {
    let err = spoilt(|bad| bad["pushed_at"] = json!("2026-01-31 12:00"));
    assert!(
        err.starts_with(
            "record 2: pushed_at: \"2026-01-31 12:00\" is not an RFC 3339 timestamp such as \
             2026-01-31T12:00:00Z ("
        ),
        "{err}"
    );
    assert_eq!(
        spoilt(|bad| bad["last_pulled_at"] = json!(1_700_000_000)),
        "record 2: last_pulled_at: must be an RFC 3339 timestamp string, found a number"
    );
}

#[test]
fn sizes_are_non_negative_integers() {
    for value in [json!(-1), json!(1.5), json!("12")] {
        let err = spoilt(|bad| bad["size_bytes"] = value.clone());
        assert!(
            err.starts_with("record 2: size_bytes: must be a non-negative integer, found"),
            "{err}"
        );
    }
}

#[test]
fn optional_fields_have_types_too() {
    assert_eq!(
        spoilt(|bad| bad["referenced_by_manifest_list"] = json!("yes")),
        "record 2: referenced_by_manifest_list: must be a boolean, found a string"
    );
    assert_eq!(
        spoilt(|bad| bad["media_type"] = json!(["a"])),
        "record 2: media_type: must be a string or null, found an array"
    );
}

#[test]
fn one_record_per_digest_and_one_image_per_tag() {
    let repeated = json!([
        record('a', &["v1"]),
        record('b', &["v2"]),
        record('a', &["v3"])
    ]);
    assert_eq!(
        read_image_records(&repeated.to_string()).unwrap_err(),
        ImageRecordError::Record {
            index: 2,
            field: "digest".into(),
            problem: RecordProblem::DuplicateDigest { other: 0 },
        }
    );
    assert_eq!(
        error_of(json!([
            record('a', &["v1"]),
            record('b', &["v2"]),
            record('a', &["v3"])
        ])),
        "record 3: digest: is the same as record 1's; each image appears once"
    );
    assert_eq!(
        error_of(json!([
            record('a', &["v1", "latest"]),
            record('b', &["v2", "latest"])
        ])),
        "record 2: tags[1]: \"latest\" is already a tag of record 1; a tag names one image"
    );
    assert_eq!(
        error_of(json!([record('a', &["v1", "v1"])])),
        "record 1: tags[1]: \"v1\" is listed twice"
    );
}

#[test]
fn storage_status_and_its_times_are_read() {
    let text = json!([
        {"digest": digest('a'), "tags": ["v1"], "pushed_at": "2025-01-01T00:00:00Z",
         "size_bytes": 1, "status": "ARCHIVED", "last_archived_at": "2025-06-01T00:00:00Z",
         "last_activated_at": null},
        {"digest": digest('b'), "tags": [], "pushed_at": "2025-01-01T00:00:00Z",
         "size_bytes": 1, "status": "ACTIVE", "last_archived_at": "2025-06-01T00:00:00Z",
         "last_activated_at": "2025-09-01T00:00:00+02:00"},
        {"digest": digest('c'), "tags": [], "pushed_at": "2025-01-01T00:00:00Z",
         "size_bytes": 1, "status": "ACTIVATING"},
        {"digest": digest('d'), "tags": [], "pushed_at": "2025-01-01T00:00:00Z",
         "size_bytes": 1, "status": null}
    ])
    .to_string();
    let candidates: Vec<Candidate> = read_image_records(&text)
        .unwrap()
        .into_iter()
        .map(Candidate::from)
        .collect();
    let at = |text: &str| Some(text.parse::<Timestamp>().unwrap());
    assert_eq!(candidates[0].status, ImageStatus::Archived);
    assert_eq!(candidates[0].last_archived_at, at("2025-06-01T00:00:00Z"));
    assert_eq!(candidates[0].last_activated_at, None);
    assert_eq!(candidates[1].status, ImageStatus::Active);
    assert_eq!(candidates[1].last_activated_at, at("2025-08-31T22:00:00Z"));
    assert_eq!(candidates[2].status, ImageStatus::Activating);
    // A record without status (as berth images wrote before storage classes) is ACTIVE.
    assert_eq!(candidates[3].status, ImageStatus::Active);
    let plain = read_image_records(&json!([record('e', &[])]).to_string()).unwrap();
    assert_eq!(plain[0].status, ImageStatus::Active);
    assert_eq!(plain[0].last_archived_at, None);
}

#[test]
fn status_is_one_of_ecrs_words() {
    assert_eq!(
        spoilt(|bad| bad["status"] = json!("archived")),
        "record 2: status: must be one of \"ACTIVE\", \"ARCHIVED\", \"ACTIVATING\"; found \
         \"archived\""
    );
    assert_eq!(
        spoilt(|bad| bad["status"] = json!(1)),
        "record 2: status: must be a string or null, found a number"
    );
    assert_eq!(
        spoilt(|bad| bad["last_archived_at"] = json!("yesterday"))
            .split(" (")
            .next(),
        Some(
            "record 2: last_archived_at: \"yesterday\" is not an RFC 3339 timestamp such as \
             2026-01-31T12:00:00Z"
        )
    );
    assert_eq!(
        spoilt(|bad| bad["last_activated_at"] = json!(false)),
        "record 2: last_activated_at: must be an RFC 3339 timestamp string, found a boolean"
    );
    assert_eq!(
        spoilt(|bad| bad["imageStatus"] = json!("ACTIVE")),
        "record 2: imageStatus: is not an image record field; did you mean \"status\"?"
    );
}

#[test]
fn records_round_trip_through_serde_with_their_status() {
    let text = json!([
        {"digest": digest('a'), "tags": ["v1"], "pushed_at": "2025-01-01T00:00:00Z",
         "size_bytes": 1, "status": "ARCHIVED", "last_archived_at": "2025-06-01T00:00:00Z"}
    ])
    .to_string();
    let records = read_image_records(&text).unwrap();
    let written = serde_json::to_value(&records).unwrap();
    assert_eq!(written[0]["status"], "ARCHIVED");
    assert_eq!(written[0]["last_archived_at"], "2025-06-01T00:00:00Z");
    assert_eq!(written[0]["last_activated_at"], Value::Null);
    assert_eq!(read_image_records(&written.to_string()).unwrap(), records);
}
