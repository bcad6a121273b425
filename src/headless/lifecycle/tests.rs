use super::*;

fn candidates() -> Vec<Candidate> {
    let text = format!(
        r#"[{{"digest":"sha256:{}","tags":["pr-1"],"pushed_at":"2026-01-01T00:00:00Z","size_bytes":2048}},
            {{"digest":"sha256:{}","tags":[],"pushed_at":"2026-01-02T00:00:00Z","size_bytes":1024}},
            {{"digest":"sha256:{}","tags":["v1"],"pushed_at":"2026-01-30T00:00:00Z","size_bytes":10}}]"#,
        "a".repeat(64),
        "b".repeat(64),
        "c".repeat(64)
    );
    read_image_records(&text)
        .unwrap()
        .into_iter()
        .map(Candidate::from)
        .collect()
}

const POLICY: &str = r#"{"rules":[
    {"rulePriority":1,"description":"untagged","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},
    {"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["pr-"],"countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}"#;

/// The table `policy` gives over [`candidates`] on 2026-02-01, for `web/app`.
fn table(policy: &str, freed: u64) -> String {
    let policy = parse_policy(policy).unwrap();
    let images = candidates();
    let now: Timestamp = "2026-02-01T00:00:00Z".parse().unwrap();
    let plan = evaluate(&policy, &images, now);
    render(&plan, &policy, now, PreviewFormat::Table, freed)
}

/// `plan` of `policy` for `web/app` in `format`.
fn render(
    plan: &Plan<'_>,
    policy: &Policy,
    now: Timestamp,
    format: PreviewFormat,
    freed: u64,
) -> String {
    let mut out = Vec::new();
    let origin = PolicyOrigin::Repository("web/app".into());
    write_plan(
        &mut out,
        plan,
        policy,
        &origin,
        plan.images.len(),
        now,
        format,
        None,
        &Freed::Bytes(freed),
    )
    .unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn table_shows_policy_totals_rules_and_expired_images() {
    let text = table(POLICY, 1000);
    assert_eq!(
        text,
        format!(
            "current policy of web/app:
  priority 1: untagged images: expire when pushed more than 7 days ago (\"untagged\")
  priority 2: images with a tag starting with \"pr-\": keep the newest 5 images by push time, expire the rest

as of 2026-02-01 00:00:00 UTC: 1 of 3 images expire, 1 KiB reclaimed
frees 1000 B (layers no kept image holds; the size above counts shared layers)

PRIORITY  ACTION    MATCHED   EXPIRED  ARCHIVED         SIZE
       1  expire          1         1         0        1 KiB
       2  expire          1         0         0          0 B

EXPIRED, oldest first
PUSHED (UTC)             DIGEST               SIZE  PRIORITY  TAGS
2026-01-02 00:00:00 UTC  {}        1 KiB         1  <untagged>
",
            "b".repeat(12)
        )
    );
}

#[test]
fn json_is_the_engines_plan() {
    let policy = parse_policy(POLICY).unwrap();
    let images = candidates();
    let now: Timestamp = "2026-02-01T00:00:00Z".parse().unwrap();
    let plan = evaluate(&policy, &images, now);
    let mut out = Vec::new();
    let origin = PolicyOrigin::File("p.json".into());
    write_plan(
        &mut out,
        &plan,
        &policy,
        &origin,
        3,
        now,
        PreviewFormat::Json,
        None,
        &Freed::Unknown("no layers".into()),
    )
    .unwrap();
    let mut ours: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(ours["bytes_freed"], serde_json::Value::Null);
    assert_eq!(ours["bytes_freed_unknown"], "no layers");
    let fields = ours.as_object_mut().unwrap();
    fields.remove("bytes_freed");
    fields.remove("bytes_freed_unknown");
    assert_eq!(ours, serde_json::to_value(&plan).unwrap());
}

#[test]
fn bytes_freed_come_from_the_records_layers_or_are_unknown() {
    let policy = parse_policy(POLICY).unwrap();
    let now: Timestamp = "2026-02-01T00:00:00Z".parse().unwrap();
    let layer = |c: char, size| crate::lifecycle::LayerRecord {
        digest: format!("sha256:{}", c.to_string().repeat(64)),
        size,
    };
    let mut records = read_image_records(&format!(
        r#"[{{"digest":"sha256:{}","tags":["pr-1"],"pushed_at":"2026-01-01T00:00:00Z","size_bytes":2048}},
            {{"digest":"sha256:{}","tags":[],"pushed_at":"2026-01-02T00:00:00Z","size_bytes":1024}}]"#,
        "a".repeat(64),
        "b".repeat(64),
    ))
    .unwrap();
    let candidates: Vec<Candidate> = records.iter().cloned().map(Candidate::from).collect();
    let plan = evaluate(&policy, &candidates, now);
    assert_eq!(plan.expired.len(), 1, "the untagged image expires");
    let without = storage_of_records(&records).map_err(|i| records[i].digest.clone());
    assert!(matches!(
        Freed::of(&plan, without.as_ref().map_err(Clone::clone)),
        Freed::Unknown(_)
    ));
    // Both share layer e; the expiring image alone holds f.
    records[0].layers = Some(vec![layer('e', 500), layer('d', 7)]);
    records[1].layers = Some(vec![layer('e', 500), layer('f', 300)]);
    let with = storage_of_records(&records).map_err(|i| records[i].digest.clone());
    assert_eq!(
        Freed::of(&plan, with.as_ref().map_err(Clone::clone)),
        Freed::Bytes(300)
    );
}

#[test]
fn table_shows_archived_and_expired_images_apart() {
    let text = table(
        r#"{"rules":[
        {"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":7},"action":{"type":"expire"}},
        {"rulePriority":2,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":14},"action":{"type":"transition","targetStorageClass":"archive"}}]}"#,
        1024,
    );
    let after_policy = text.split_once("\n\n").unwrap().1;
    assert_eq!(
        after_policy,
        format!(
            "as of 2026-02-01 00:00:00 UTC: 1 of 3 images expire, 1 KiB reclaimed
1 of 3 images move to archive storage (2 KiB), not pullable until restored
frees 1 KiB (layers no kept image holds; the size above counts shared layers)

PRIORITY  ACTION    MATCHED   EXPIRED  ARCHIVED         SIZE
       1  expire          1         1         0        1 KiB
       2  archive         3         0         1        2 KiB

ARCHIVED, oldest first
PUSHED (UTC)             DIGEST               SIZE  PRIORITY  TAGS
2026-01-01 00:00:00 UTC  {}        2 KiB         2  pr-1

EXPIRED, oldest first
PUSHED (UTC)             DIGEST               SIZE  PRIORITY  TAGS
2026-01-02 00:00:00 UTC  {}        1 KiB         1  <untagged>
",
            "a".repeat(12),
            "b".repeat(12)
        )
    );
}

#[test]
fn table_and_json_carry_the_warnings_about_referrers() {
    // The untagged image b is a signature of a (tagged pr-1): rule 1 expires it while a
    // stays, and both output formats say so.
    let text = format!(
        r#"[{{"digest":"sha256:{a}","tags":["pr-1"],"pushed_at":"2026-01-01T00:00:00Z","size_bytes":2048}},
            {{"digest":"sha256:{b}","tags":[],"pushed_at":"2026-01-02T00:00:00Z","size_bytes":1024,
              "subject_digest":"sha256:{a}"}}]"#,
        a = "a".repeat(64),
        b = "b".repeat(64),
    );
    let images: Vec<Candidate> = read_image_records(&text)
        .unwrap()
        .into_iter()
        .map(Candidate::from)
        .collect();
    let policy = parse_policy(POLICY).unwrap();
    let now: Timestamp = "2026-02-01T00:00:00Z".parse().unwrap();
    let plan = evaluate(&policy, &images, now);
    let write = |format| render(&plan, &policy, now, format, 0);
    let table = write(PreviewFormat::Table);
    assert!(
        table.contains(
            "warning: rule 1 expires referrer sha256:bbbbbbbbbbbb of sha256:aaaaaaaaaaaa (pr-1), \
             which stays"
        ),
        "{table}"
    );
    assert!(
        table.contains("warning: rule 1 counts 1 referrer (signature, SBOM, attestation)"),
        "{table}"
    );
    let json: serde_json::Value = serde_json::from_str(&write(PreviewFormat::Json)).unwrap();
    let kinds: Vec<&str> = json["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["counts_artifacts", "referrer_expired_subject_stays"]
    );
    assert_eq!(
        json["warnings"][1]["digest"],
        format!("sha256:{}", "b".repeat(64))
    );
}
