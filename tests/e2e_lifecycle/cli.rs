//! `berth lifecycle preview` and `berth images` headless: plans equal to the engine run
//! on an independent read, records round-tripped through files and stdin, exit codes.

use super::*;

#[test]
fn preview_of_each_seeded_policy_matches_the_engine_run_on_the_api_answers() {
    let now = fixed_now();
    let mut expired_somewhere = 0;
    for repository in WITH_POLICY {
        let ours = json_of(&berth(&[
            "lifecycle",
            "preview",
            "--repo",
            repository,
            "--now",
            &now.to_string(),
            "--output",
            "json",
        ]));
        let theirs = Sandbox::runtime().block_on(independent_plan(repository, None, now));
        assert_eq!(engine_plan(&ours), theirs, "{repository}");
        let expired = ours["expired"].as_array().unwrap();
        expired_somewhere += expired.len();
        // Oldest push first: the digests appear in the order the engine ranks them.
        let count = ours["expired_count"].as_u64().unwrap() as usize;
        assert_eq!(expired.len(), count);
        assert_eq!(
            ours["kept_count"].as_u64().unwrap() as usize
                + count
                + ours["transitioned_count"].as_u64().unwrap() as usize,
            Sandbox::runtime().block_on(async {
                support::all_images(&Sandbox::shared().ecr("us-east-1").await, repository)
                    .await
                    .len()
            })
        );
    }
    assert!(
        expired_somewhere > 0,
        "the seeded policies should expire something"
    );
}

#[test]
fn platform_images_of_a_manifest_list_are_never_previewed_as_expiring() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "aggressive.json", AGGRESSIVE);
    let now = fixed_now();
    for repository in ["base/python", "base/node", "infra/otel-collector"] {
        let ours = json_of(&berth(&[
            "lifecycle",
            "preview",
            "--repo",
            repository,
            "--policy",
            &policy,
            "--now",
            &now.to_string(),
            "--output",
            "json",
        ]));
        let theirs =
            Sandbox::runtime().block_on(independent_plan(repository, Some(AGGRESSIVE), now));
        assert_eq!(engine_plan(&ours), theirs, "{repository}");
        let client = Sandbox::runtime().block_on(Sandbox::shared().ecr("us-east-1"));
        let children: BTreeSet<String> = Sandbox::runtime()
            .block_on(independent_candidates(&client, repository))
            .into_iter()
            .filter(|c| c.referenced_by_manifest_list)
            .map(|c| c.digest)
            .collect();
        assert!(
            !children.is_empty(),
            "{repository} should hold platform images"
        );
        for image in ours["expired"].as_array().unwrap() {
            assert!(
                !children.contains(image["digest"].as_str().unwrap()),
                "{repository}: a platform image is previewed as expiring: {image}"
            );
        }
    }
}

#[test]
fn images_json_feeds_the_offline_preview_through_a_file_and_through_stdin() {
    let repository = "web/frontend";
    let listed = berth(&["images", "--repo", repository, "--output", "json"]);
    let records = json_of(&listed);
    let client = Sandbox::runtime().block_on(Sandbox::shared().ecr("us-east-1"));
    let truth = Sandbox::runtime().block_on(independent_candidates(&client, repository));
    let records_array = records.as_array().unwrap();
    assert_eq!(records_array.len(), truth.len());
    // Each record is the engine's ImageRecord shape, with the API's figures.
    for record in records_array {
        let digest = record["digest"].as_str().unwrap();
        let image = truth
            .iter()
            .find(|c| c.digest == digest)
            .expect("a known digest");
        assert_eq!(record["size_bytes"].as_u64().unwrap(), image.size_bytes);
        assert_eq!(
            record["pushed_at"]
                .as_str()
                .unwrap()
                .parse::<Timestamp>()
                .unwrap(),
            // ECR's precision: the SDK's float reading carries nanosecond noise.
            image.pushed_at.round(jiff::Unit::Millisecond).unwrap()
        );
        let tags: Vec<&str> = record["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert_eq!(tags, image.tags);
        assert!(record["media_type"].is_string());
        assert_eq!(record["referenced_by_manifest_list"], false);
    }

    let dir = tempfile::tempdir().unwrap();
    let images_file = write_temp(
        &dir,
        "images.json",
        &String::from_utf8_lossy(&listed.stdout),
    );
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let now = fixed_now().to_string();
    let online = json_of(&berth(&[
        "lifecycle",
        "preview",
        "--repo",
        repository,
        "--policy",
        &policy,
        "--now",
        &now,
        "--output",
        "json",
    ]));
    let from_file = json_of(&berth(&[
        "lifecycle",
        "preview",
        "--images",
        &images_file,
        "--policy",
        &policy,
        "--now",
        &now,
        "--output",
        "json",
    ]));
    let from_stdin = json_of(&berth_in(
        Sandbox::shared(),
        &[
            "lifecycle",
            "preview",
            "--images",
            "-",
            "--policy",
            &policy,
            "--now",
            &now,
            "--output",
            "json",
        ],
        Some(&listed.stdout),
    ));
    assert_eq!(from_file, online);
    assert_eq!(from_stdin, online);
    assert!(online["expired_count"].as_u64().unwrap() > 0);
}

#[test]
fn images_csv_and_table_list_every_image() {
    let repository = "payments/worker";
    let count = Sandbox::runtime().block_on(async {
        support::all_images(&Sandbox::shared().ecr("us-east-1").await, repository)
            .await
            .len()
    });
    let csv = berth(&["images", "--repo", repository, "--output", "csv"]);
    assert!(csv.status.success(), "{}", stderr(&csv));
    let mut reader = csv::Reader::from_reader(csv.stdout.as_slice());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        [
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
            "children"
        ]
    );
    assert_eq!(reader.records().count(), count);
    let table = berth(&["images", "--repo", repository]);
    assert!(table.status.success(), "{}", stderr(&table));
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.starts_with("PUSHED (UTC)"), "{text}");
    assert!(text.contains(&format!("\n{count} images, ")), "{text}");
}

#[test]
fn table_output_names_the_policy_and_the_totals() {
    let output = berth(&["lifecycle", "preview", "--repo", "data/etl"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.starts_with("current policy of data/etl:\n"), "{text}");
    assert!(
        text.contains("priority 9: all images: keep the newest 200 images"),
        "{text}"
    );
    assert!(text.contains(" images expire, "), "{text}");
    assert!(
        text.contains("PRIORITY  ACTION    MATCHED   EXPIRED  ARCHIVED"),
        "{text}"
    );
}

#[test]
fn an_invalid_policy_exits_1_naming_the_rule_and_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let broken = AGGRESSIVE.replace("\"countNumber\":3", "\"countNumber\":0");
    let policy = write_temp(&dir, "broken.json", &broken);
    let images = write_temp(&dir, "images.json", "[]");
    for source in [["--images", images.as_str()], ["--repo", "web/frontend"]] {
        let output = berth(&[
            "lifecycle",
            "preview",
            "--policy",
            &policy,
            source[0],
            source[1],
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let message = stderr(&output);
        assert!(message.contains("rule #2 (priority 5)"), "{message}");
        assert!(message.contains("selection.countNumber"), "{message}");
        assert!(output.stdout.is_empty());
    }
    // Not JSON at all: the position is named.
    let policy = write_temp(&dir, "syntax.json", &AGGRESSIVE[..AGGRESSIVE.len() - 3]);
    let output = berth(&[
        "lifecycle",
        "preview",
        "--policy",
        &policy,
        "--images",
        &images,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("line 3"), "{}", stderr(&output));
}

#[test]
fn missing_policies_repositories_and_files_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let cases: [(&[&str], &str); 4] = [
        (
            &["lifecycle", "preview", "--repo", "web/admin"],
            "web/admin has no lifecycle policy",
        ),
        (
            &[
                "lifecycle",
                "preview",
                "--repo",
                "no/such-repo",
                "--policy",
                &policy,
            ],
            "repository no/such-repo not found",
        ),
        (
            &[
                "lifecycle",
                "preview",
                "--images",
                "/nonexistent/images.json",
                "--policy",
                &policy,
            ],
            "cannot read image records /nonexistent/images.json",
        ),
        (
            &["images", "--repo", "no/such-repo"],
            "repository no/such-repo not found",
        ),
    ];
    for (args, expected) in cases {
        let output = berth(args);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let bad_records = write_temp(&dir, "bad.json", r#"[{"digest":"sha256:abc"}]"#);
    let output = berth(&[
        "lifecycle",
        "preview",
        "--images",
        &bad_records,
        "--policy",
        &policy,
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("record 1: digest"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let policy = write_temp(&dir, "policy.json", AGGRESSIVE);
    let images = write_temp(&dir, "images.json", "[]");
    let cases: [&[&str]; 7] = [
        &["lifecycle", "preview"],
        &["lifecycle", "preview", "--policy", &policy],
        &[
            "lifecycle",
            "preview",
            "--repo",
            "web/frontend",
            "--images",
            &images,
            "--policy",
            &policy,
        ],
        &["lifecycle", "preview", "--images", &images],
        &[
            "lifecycle",
            "preview",
            "--images",
            &images,
            "--policy",
            &policy,
            "--now",
            "yesterday",
        ],
        &[
            "lifecycle",
            "preview",
            "--images",
            &images,
            "--policy",
            &policy,
            "--output",
            "xml",
        ],
        &["lifecycle", "preview", "--images", "-", "--policy", "-"],
    ];
    for args in cases {
        let output = berth(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{args:?}");
    }
    let output = berth(&[
        "images",
        "--repo",
        "web/frontend",
        "--region",
        "a",
        "--region",
        "b",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let output = berth(&["images"]);
    assert_eq!(output.status.code(), Some(2));
}

/// Images a plan acts on: (digest, rule priority), sorted.
type Acted = Vec<(String, u64)>;

/// What the seeded legacy/monolith policy archives and expires, worked out here from a
/// plain reading of its three rules and ECR's documented ages — independent of berth's
/// engine: rule 1 archives active images tagged `main-*` not pulled for 180 days, rule 2
/// active untagged images not pulled for 90 days (the age of an image never pulled runs
/// from its push, of one restored and not pulled since from its restore), rule 3 expires
/// archived images archived more than 180 days ago. (digest → rule priority) for each.
fn legacy_plan(now: Timestamp) -> (Acted, Acted) {
    let images = Sandbox::runtime().block_on(async {
        let client = Sandbox::shared().ecr("us-east-1").await;
        support::all_images(&client, "legacy/monolith").await
    });
    let time = |t: &aws_smithy_types::DateTime| Timestamp::from_second(t.secs()).unwrap();
    let days_since = |at: Timestamp| now.duration_since(at).as_secs() as f64 / 86_400.0;
    let mut transitioned = Vec::new();
    let mut expired = Vec::new();
    for image in &images {
        let digest = image.image_digest().unwrap().to_string();
        let status = image.image_status().map_or("ACTIVE", |s| s.as_str());
        if status == "ARCHIVED" {
            if image
                .last_archived_at()
                .is_some_and(|at| days_since(time(at)) > 180.0)
            {
                expired.push((digest, 3));
            }
            continue;
        }
        if status != "ACTIVE" {
            continue;
        }
        let pulled = image.last_recorded_pull_time().map(time);
        let activated = image.last_activated_at().map(time);
        let reference = match (pulled, activated) {
            (Some(pulled), Some(activated)) => pulled.max(activated),
            (pulled, activated) => pulled
                .or(activated)
                .unwrap_or_else(|| time(image.image_pushed_at().unwrap())),
        };
        let idle = days_since(reference);
        let tags = image.image_tags();
        if tags.iter().any(|t| t.starts_with("main-")) && idle > 180.0 {
            transitioned.push((digest, 1));
        } else if tags.is_empty() && idle > 90.0 {
            transitioned.push((digest, 2));
        }
    }
    transitioned.sort();
    expired.sort();
    (transitioned, expired)
}

fn entries(plan: &Value, key: &str) -> Acted {
    let mut all: Acted = plan[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key} in {plan}"))
        .iter()
        .map(|e| {
            (
                e["digest"].as_str().unwrap().to_string(),
                e["rule_priority"].as_u64().unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn the_preview_of_transition_rules_equals_an_independent_reading_of_them() {
    let now = fixed_now();
    let plan = json_of(&berth(&[
        "lifecycle",
        "preview",
        "--repo",
        "legacy/monolith",
        "--now",
        &now.to_string(),
        "--output",
        "json",
    ]));
    let (transitioned, expired) = legacy_plan(now);
    assert!(
        !transitioned.is_empty() && !expired.is_empty(),
        "the seed leaves a transition and expiries pending"
    );
    assert_eq!(entries(&plan, "transitioned"), transitioned);
    assert_eq!(entries(&plan, "expired"), expired);
    assert_eq!(
        plan["transitioned_count"].as_u64(),
        Some(transitioned.len() as u64)
    );
    assert_eq!(plan["not_evaluated"], Value::Array(vec![]), "{plan}");
}
