//! The terminal UI: `f` opens an image's findings, `:criticals` the triage view, `x` scans.

use super::*;

fn open_web_frontend_latest() -> Tui {
    let mut tui = Tui::spawn(&["web/frontend:latest"], &Sandbox::shared().env(), 200, 50);
    tui.wait_for("repositories › web/frontend");
    tui.wait_until("the images to load", |s| {
        !s.contents().contains("loading images")
    });
    tui.send("f");
    tui.wait_for("CVE-");
    tui
}

#[test]
fn the_findings_pane_shows_hostile_text_harmlessly() {
    let mut tui = open_web_frontend_latest();
    tui.send("/");
    tui.send("0666");
    tui.send(keys::ENTER);
    tui.wait_until("the filter applied", |s| {
        Tui::status_line(s).contains("filter: 0666")
            && s.contents()
                .lines()
                .nth(3)
                .is_some_and(|l| l.starts_with("HIGH"))
    });
    tui.send(keys::ENTER);
    let screen = tui.wait_for("Description");
    // Each removed sequence or control character is marked with U+FFFD, in place.
    assert!(
        screen.contains("Terminal injection probe.\u{fffd}\u{fffd}\u{fffd}\u{fffd} bell:\u{fffd} status report:\u{fffd} colour:\u{fffd}red\u{fffd} c1:\u{fffd}31m"),
        "{screen}"
    );
    assert!(
        screen.contains("package: openssl\u{fffd} 3.0.11\u{fffd}"),
        "{screen}"
    );
    tui.send(keys::END);
    tui.wait_for("Attributes");
    let raw = tui.raw_output();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("Terminal injection probe.\u{fffd}"));
    for payload in [
        "cHduZWQtY2xpcGJvYXJk",
        "pwned-title",
        "\u{1b}[6n",
        "\u{1b}]52",
        "\u{9b}",
    ] {
        assert!(!text.contains(payload), "{payload:?} reached the terminal");
    }
    assert!(!raw.contains(&0x07), "a BEL reached the terminal");
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
}

#[test]
fn the_findings_pane_lists_seeded_cves_in_severity_order_and_toggles_filter() {
    let rt = runtime();
    let client = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    let truth = rt.block_on(truth(&client, &["web/frontend"], |_| true));
    let described = rt
        .block_on(
            client
                .describe_images()
                .repository_name("web/frontend")
                .image_ids(ImageIdentifier::builder().image_tag("latest").build())
                .send(),
        )
        .unwrap();
    let [latest] = described.image_details() else {
        panic!("one image tagged latest")
    };
    let expected = &truth.findings[latest.image_digest().unwrap()];
    let tui = open_web_frontend_latest();
    let rank = |s: &str| {
        ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", "UNDEF"]
            .iter()
            .position(|w| *w == s)
    };
    let screen = tui.wait_until("every finding listed", |s| {
        let text = s.contents();
        expected
            .iter()
            .all(|(name, _, _)| text.contains(name.as_str()))
    });
    let severities: Vec<usize> = screen
        .lines()
        .filter_map(|l| l.split_whitespace().next().and_then(rank))
        .collect();
    assert_eq!(severities.len(), expected.len(), "{screen}");
    assert!(
        severities.windows(2).all(|w| w[0] <= w[1]),
        "severity order:\n{screen}"
    );
    let mut tui = tui;
    tui.send("3"); // hide MEDIUM
    let screen = tui.wait_until("medium rows hidden", |s| {
        !s.contents().lines().any(|l| l.starts_with("MEDIUM "))
    });
    assert!(screen.lines().any(|l| l.starts_with("HIGH ")), "{screen}");
}

#[test]
fn criticals_triage_groups_the_shared_cve() {
    // The truth: every high or critical finding of every us-east-1 image, read through the
    // SDK. The top row is the CVE of the worst severity on the most images.
    let rt = runtime();
    let client = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    let all = rt.block_on(support::all_repositories(&client));
    let names: Vec<&str> = all.iter().map(String::as_str).collect();
    let truth = rt.block_on(truth(&client, &names, |c| {
        c.contains_key("CRITICAL") || c.contains_key("HIGH")
    }));
    let mut affected: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (digest, keys) in &truth.findings {
        for (name, severity, _) in keys {
            if severity == "CRITICAL" || severity == "HIGH" {
                affected
                    .entry((severity.clone(), name.clone()))
                    .or_default()
                    .insert(digest.clone());
            }
        }
    }
    let rank = |(severity, _): &(String, String), digests: &BTreeSet<String>| {
        (severity == "CRITICAL", digests.len())
    };
    let best = affected.iter().map(|(k, d)| rank(k, d)).max().unwrap();
    let top: Vec<_> = affected
        .iter()
        .filter(|(k, d)| rank(k, d) == best)
        .collect();
    assert_eq!(top.len(), 1, "one CVE leads the triage: {top:?}");
    let ((_, name), top_digests) = top[0];
    let name = name.as_str();
    let images = top_digests.len() as u64;
    let top_repositories: BTreeSet<&str> = top_digests
        .iter()
        .map(|d| truth.repositories[d].as_str())
        .collect();

    let mut tui = Tui::spawn(&[], &Sandbox::shared().env(), 200, 50);
    tui.wait_for("REPOSITORY");
    tui.send(":criticals");
    tui.send(keys::ENTER);
    let screen = tui.wait_until("the sweep to finish with the top CVE listed", |s| {
        let text = s.contents();
        !text.contains("sweeping") && text.contains(name)
    });
    // The table row (the side panel names the selected CVE too): SEVERITY CVE SCORE
    // IMAGES REPOS …, and it is the first row, the one selected.
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| {
            let mut cells = l.split_whitespace();
            matches!(cells.next(), Some("CRITICAL" | "HIGH"))
                && cells.next().is_some_and(|c| c.starts_with("CVE-"))
        })
        .collect();
    assert_eq!(
        rows.first().and_then(|r| r.split_whitespace().nth(1)),
        Some(name),
        "{screen}"
    );
    let cells: Vec<&str> = rows[0].split_whitespace().collect();
    assert_eq!(cells[3], images.to_string(), "IMAGES of {:?}", rows[0]);
    assert_eq!(
        cells[4],
        top_repositories.len().to_string(),
        "REPOS of {:?}",
        rows[0]
    );

    // `y` copies the digest-pinned URIs of the CVE's images (OSC 52).
    let before = tui.clipboard().len();
    tui.send("y");
    tui.wait_for("copied");
    let copied = tui.clipboard()[before].clone();
    assert_eq!(copied.lines().count() as u64, images);
    let expected: BTreeSet<String> = top_digests
        .iter()
        .map(|d| {
            format!(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/{}@{d}",
                truth.repositories[d]
            )
        })
        .collect();
    // Each line pins the digest; a tagged image's line names one tag too (`repo:tag@…`),
    // which the comparison leaves out.
    let pinned: BTreeSet<String> = copied
        .lines()
        .map(|l| {
            let (name, digest) = l.split_once('@').expect("a digest-pinned URI");
            let (host, path) = name.split_once('/').expect("a host");
            let repository = path.split_once(':').map_or(path, |(r, _)| r);
            format!("{host}/{repository}@{digest}")
        })
        .collect();
    assert_eq!(pinned, expected);
}

#[test]
fn x_scans_the_selected_image_and_a_second_scan_shows_ecrs_message() {
    let mut tui = Tui::spawn(&["mobile/bff:latest"], &scan_sandbox().env(), 200, 50);
    tui.wait_for("repositories › mobile/bff");
    tui.wait_until("the images to load", |s| {
        !s.contents().contains("loading images")
    });
    let latest_row = |s: &vt100::Screen| latest_row_text(&s.contents());
    tui.send("x");
    let screen = tui.wait_until("the scan to complete on the row", |s| {
        let row = latest_row(s);
        row.contains("clean")
            || row.split_whitespace().any(|t| {
                let mut chars = t.chars();
                chars.next().is_some_and(|c| "CHMLIU".contains(c))
                    && chars.as_str().parse::<u32>().is_ok()
            })
    });
    assert!(
        !latest_row_text(&screen).contains("in progress"),
        "{screen}"
    );
    tui.send("x");
    tui.wait_until("ECR's refusal on the status line", |s| {
        let status = Tui::status_line(s);
        status.contains("LimitExceededException") && status.contains("scan quota")
    });
}

/// The images pane row of the image tagged `latest`.
fn latest_row_text(screen: &str) -> String {
    screen
        .lines()
        .skip(2)
        .find(|l| {
            l.split(|c: char| c == ',' || c.is_whitespace())
                .any(|t| t == "latest")
        })
        .unwrap_or_default()
        .to_string()
}
