//! True storage in the TUI end to end: the real binary in a terminal against the
//! sandbox's single-platform service images and `base/python` (multi-arch indexes whose
//! platforms share base layers), each figure on screen compared with the oracle worked out from the manifests read with
//! aws-sdk-ecr in the test (`support::storage`): every visible UNIQUE cell and the
//! selected image's exact unique bytes, what the marks free, the delete confirmation's
//! "frees X (of Y listed)", and each layer's count of images holding it.

mod support;

use berth::format;
use std::collections::BTreeSet;
use support::Sandbox;
use support::pty::Tui;
use support::storage::RepositoryTruth;

/// Multi-arch: every image is an index or one of its platforms, which share layers.
const MULTI_ARCH: &str = "base/python";
/// Single-platform service images on one base: each holds layers of its own.
const SERVICE: &str = "web/storybook";

fn truth(repository: &str) -> RepositoryTruth {
    let rt = Sandbox::runtime();
    let ecr = rt.block_on(Sandbox::shared().ecr("us-east-1"));
    rt.block_on(RepositoryTruth::read(&ecr, repository))
}

/// The full digest of the image whose short digest (12 hex, as the DIGEST column shows
/// it) is `short`.
fn full(truth: &RepositoryTruth, short: &str) -> String {
    let found: Vec<&String> = truth
        .listed_sizes
        .keys()
        .filter(|d| d["sha256:".len()..].starts_with(short))
        .collect();
    assert_eq!(found.len(), 1, "{short} names one image: {found:?}");
    found[0].clone()
}

/// Whether `token` is 12 lowercase hex: a short digest.
fn is_short_digest(token: &str) -> bool {
    token.len() == 12
        && token
            .chars()
            .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// The image rows on screen: (short digest, the UNIQUE cell), read from the table left
/// of the side panel. The cells after the digest are SIZE then UNIQUE, each a number
/// and a unit.
fn unique_cells(screen: &str) -> Vec<(String, String)> {
    screen
        .lines()
        .filter_map(|line| {
            let table = line.split('│').next()?;
            let tokens: Vec<&str> = table.split_whitespace().collect();
            let at = tokens.iter().position(|t| is_short_digest(t))?;
            let cells = tokens.get(at + 1..at + 5)?;
            Some((tokens[at].to_string(), format!("{} {}", cells[2], cells[3])))
        })
        .collect()
}

/// The status line's bottom row.
fn status(screen: &str) -> String {
    screen.lines().last().unwrap_or_default().to_string()
}

/// The number in the panel's `unique  2.39 MiB (2503000 bytes)` line.
fn panel_unique_bytes(screen: &str) -> u64 {
    let line = screen
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .find(|l| l.starts_with("unique"))
        .unwrap_or_else(|| panic!("no unique line in the panel:\n{screen}"));
    let inside = line.split('(').nth(1).unwrap().split(' ').next().unwrap();
    inside.parse().unwrap()
}

/// The full digest on the footer's first line: the selected image.
fn selected_digest(screen: &str) -> String {
    let at = screen
        .rfind("sha256:")
        .expect("the footer names the selected image");
    screen[at..at + 71].to_string()
}

fn open(repository: &str) -> Tui {
    let env = Sandbox::shared().env();
    let tui = Tui::open_images(&env, repository, &[]);
    tui.wait_until("the storage figures arrived", |s| {
        let text = s.contents();
        !text.contains("reading manifests") && text.contains("UNIQUE") && !text.contains(" … ")
    });
    tui
}

/// Every visible UNIQUE cell equals the oracle's unique bytes of its image; the number
/// of cells that are not zero.
fn check_unique_cells(truth: &RepositoryTruth, screen: &str) -> usize {
    let cells = unique_cells(screen);
    assert!(cells.len() >= 5, "rows on screen:\n{screen}");
    let mut nonzero = 0;
    for (short, cell) in &cells {
        let unique = truth.unique_bytes(&full(truth, short));
        assert_eq!(cell, &format::size(unique), "UNIQUE of {short}");
        nonzero += usize::from(unique > 0);
    }
    nonzero
}

#[test]
fn unique_marks_and_delete_figures_equal_the_oracles() {
    let truth = truth(SERVICE);
    assert!(
        truth.stored_bytes() < truth.listed_sizes.values().sum::<u64>(),
        "the sandbox's images share layers, so the listed sizes overstate"
    );
    let mut tui = open(SERVICE);
    let screen = tui.screen();

    // Every visible UNIQUE cell, and the selected image's unique bytes exactly.
    assert!(
        check_unique_cells(&truth, &screen) > 0,
        "service images hold layers of their own:\n{screen}"
    );
    let selected = selected_digest(&screen);
    assert_eq!(panel_unique_bytes(&screen), truth.unique_bytes(&selected));

    // Mark the first three rows: the status line says what deleting them frees.
    let marked: BTreeSet<String> = unique_cells(&screen)[..3]
        .iter()
        .map(|(short, _)| full(&truth, short))
        .collect();
    tui.send("   ");
    let screen = tui.wait_for("3 marked");
    let line = status(&screen);
    let freed = truth.bytes_freed(&marked);
    let listed = truth.listed_bytes(&marked);
    assert!(freed < listed, "shared layers stay: {freed} of {listed}");
    let wanted = format!(
        "3 marked · {} listed · frees {}",
        format::size(listed),
        format::size(freed)
    );
    assert!(line.contains(&wanted), "{line:?} should contain {wanted:?}");

    // The delete confirmation of the marked images: what they free, next to their
    // listed sizes.
    tui.send("d");
    let screen = tui.wait_for("confirm delete");
    let entries: BTreeSet<String> = screen
        .lines()
        .filter_map(|line| {
            let inner = line.split('│').nth(1)?;
            let token = inner.split_whitespace().next()?;
            let short = token.strip_prefix("sha256:")?;
            is_short_digest(short).then(|| full(&truth, short))
        })
        .collect();
    assert_eq!(
        entries, marked,
        "the dialog lists the marked images:\n{screen}"
    );
    let wanted = format!(
        "frees {} (of {} listed)",
        format::size(freed),
        format::size(listed)
    );
    let flat: String = screen
        .lines()
        .filter_map(|l| l.split('│').nth(1))
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        flat.contains(&wanted),
        "the dialog should say {wanted:?}:\n{screen}"
    );
    // Nothing is deleted: the sandbox is shared.
    tui.send("\x1b");
    tui.wait_gone("confirm delete");
}

#[test]
fn layer_counts_of_a_multi_arch_index_equal_the_oracles() {
    let truth = truth(MULTI_ARCH);
    let mut tui = open(MULTI_ARCH);
    let screen = tui.screen();
    // An index and its platforms hold the same blobs: alone, each frees nothing.
    check_unique_cells(&truth, &screen);
    let selected = selected_digest(&screen);
    let children = truth
        .children
        .get(&selected)
        .unwrap_or_else(|| panic!("the newest image is an index:\n{screen}"));

    // Its layers, platform by platform: each blob with the number of images holding it.
    tui.send("l");
    let screen = tui.wait_until("the layers are listed", |s| {
        s.contents().contains("HELD BY") && !s.contents().contains("reading the manifest")
    });
    let closures: Vec<BTreeSet<String>> = truth
        .blobs
        .keys()
        .map(|d| {
            truth
                .closure(d)
                .into_iter()
                .map(|(digest, _)| digest)
                .collect()
        })
        .collect();
    let mut rows = 0;
    let mut shared = 0;
    for line in screen.lines() {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let (Some(&kind), Some(short)) = (tokens.first(), tokens.get(1)) else {
            continue;
        };
        if kind != "layer" && kind != "config" {
            continue;
        }
        let short = short.trim_start_matches("sha256:");
        let holding = closures
            .iter()
            .filter(|c| c.iter().any(|d| d["sha256:".len()..].starts_with(short)))
            .count();
        let wanted = match holding {
            1 => "only this image".to_string(),
            n => format!("{n} images"),
        };
        assert!(
            line.trim_end().ends_with(&wanted),
            "{line:?} should end with {wanted:?}"
        );
        rows += 1;
        // More than the platform and its index: a base layer other versions share.
        shared += usize::from(holding > 2);
    }
    let platforms = children.len();
    let blobs: usize = children.iter().map(|c| truth.blobs[c].len()).sum();
    assert_eq!(
        rows, blobs,
        "every platform's blobs, {platforms} platforms:\n{screen}"
    );
    assert!(
        shared > 0,
        "a base layer is shared across versions:\n{screen}"
    );
}

#[test]
fn the_audit_views_stored_column_equals_the_oracle() {
    let truths: Vec<(&str, RepositoryTruth)> = [SERVICE, MULTI_ARCH]
        .into_iter()
        .map(|repository| (repository, truth(repository)))
        .collect();
    let mut tui = Tui::spawn(&[], &Sandbox::shared().env(), 200, 50);
    tui.wait_for("payments/api");
    tui.send("A");
    let screen = tui.wait_until("the audit sweep finished", |s| {
        let text = s.contents();
        text.contains("STORED") && !text.contains("auditing")
    });
    for (repository, truth) in &truths {
        let line = screen
            .lines()
            .map(|l| l.split('│').next().unwrap_or_default())
            .find(|l| l.split_whitespace().next() == Some(repository))
            .unwrap_or_else(|| panic!("{repository} is listed:\n{screen}"));
        // REPOSITORY, IMAGES, SIZE (a number and a unit), then STORED.
        let tokens: Vec<&str> = line.split_whitespace().collect();
        let stored = format!("{} {}", tokens[4], tokens[5]);
        assert_eq!(
            stored,
            format::size(truth.stored_bytes()),
            "STORED of {repository}: {line:?}"
        );
    }
    tui.send("q");
    tui.wait_exit();
}
