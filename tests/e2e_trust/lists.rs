//! Lists: the rows on screen are the rows berth means. The viewport stays full, the
//! newest image is on top while pages stream in, a reload keeps the filter, and the `/`
//! filter finds what the row shows, best match first.

use crate::support::pty::{Tui, keys};
use crate::support::{self, Sandbox};
use aws_sdk_ecr::types::ImageDetail;
use berth::format;

/// The first twelve hex digits of a digest, as the DIGEST column shows them.
fn hex12(image: &ImageDetail) -> String {
    let digest = image.image_digest().expect("a digest");
    digest["sha256:".len()..][..12].to_string()
}

fn pushed(image: &ImageDetail) -> (i64, u32) {
    image
        .image_pushed_at()
        .map_or((0, 0), |t| (t.secs(), t.subsec_nanos()))
}

/// The table's body lines (below the title and column header), `rows` of them.
fn body(screen: &str, rows: usize) -> Vec<String> {
    screen
        .lines()
        .skip(2)
        .take(rows)
        .map(str::to_string)
        .collect()
}

/// Wait until the images pane has every image listed, and the status line says so.
fn wait_listed(tui: &Tui, count: usize) -> String {
    tui.wait_until(&format!("all {count} images listed"), |s| {
        let status = Tui::status_line(s);
        !status.contains("loading") && status.contains(&format!("{count} images"))
    })
}

/// Filter the repositories to exactly `name` and open it.
fn open_repository(tui: &mut Tui, name: &str) {
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send(&format!("'{name}"));
    tui.send(keys::ENTER);
    tui.wait_until(&format!("{name} first, filter applied"), |s| {
        s.contents()
            .lines()
            .nth(2)
            .is_some_and(|l| l.starts_with(&format!("{name} ")))
            && Tui::status_line(s).contains("filter: ")
    });
    tui.send(keys::ENTER);
    tui.wait_for(&format!("repositories › {name}"));
}

/// Images of every repository, read through the SDK.
fn all_images(sandbox: &Sandbox) -> Vec<(String, Vec<ImageDetail>)> {
    let rt = Sandbox::runtime();
    rt.block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        let mut out = Vec::new();
        for name in support::all_repositories(&client).await {
            let images = support::all_images(&client, &name).await;
            out.push((name, images));
        }
        out
    })
}

/// #6: after sorting by size and clearing a filter, the biggest repositories are on top
/// and the table is full at 80x24 (on main the filtered row kept its screen row, so rows
/// scrolled off the top and blank lines filled the bottom).
#[test]
fn clearing_a_filter_keeps_the_viewport_full_and_the_biggest_on_top() {
    let sandbox = Sandbox::shared();
    let mut sizes: Vec<(String, u64)> = all_images(sandbox)
        .into_iter()
        .map(|(name, images)| {
            let bytes = images
                .iter()
                .map(|i| i.image_size_in_bytes().unwrap_or(0) as u64)
                .sum();
            (name, bytes)
        })
        .collect();
    sizes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    assert!(sizes.len() > 19, "more repositories than rows at 80x24");
    let smallest = sizes.last().expect("a repository").0.clone();

    let mut tui = Tui::spawn(&[], &sandbox.env(), 80, 24);
    tui.wait_until("every repository counted", |s| {
        let status = Tui::status_line(s);
        status.contains(&format!("{} repositories", sizes.len()))
            && !status.contains("counting")
            && !status.contains("loading")
    });
    // name → images → size, largest first.
    tui.send("s");
    tui.wait_for("IMAGES▼");
    tui.send("s");
    tui.wait_for("SIZE▼");
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send(&format!("'{smallest}"));
    tui.send(keys::ENTER);
    tui.wait_until("the filter applied", |s| {
        let status = Tui::status_line(s);
        status.contains("filter: ") && status.contains(&format!(" of {} repositories", sizes.len()))
    });
    tui.send(keys::ESC);
    let screen = tui.wait_until("the filter cleared", |s| {
        Tui::status_line(s).starts_with(&format!("{} repositories", sizes.len()))
    });
    let rows = body(&screen, 19);
    for (row, (name, bytes)) in rows.iter().zip(&sizes).take(3) {
        let size = format::size(*bytes);
        assert!(
            row.contains(&format!(" {size} ")),
            "{name} ({size}) should be on this row: {row:?}\n{screen}"
        );
    }
    let blank = rows.iter().filter(|r| r.trim().is_empty()).count();
    assert_eq!(blank, 0, "no blank rows below the table:\n{screen}");
}

/// #7: opening a repository whose images span two pages shows the newest image on the
/// first row, selected (on main the selection stayed on a first-page image and the
/// viewport followed it, hiding newer images from the second page above it).
#[test]
fn the_newest_image_is_on_top_and_selected_after_every_page() {
    let sandbox = Sandbox::shared();
    let repository = "ci/build-cache";
    let mut images = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        support::all_images(&client, repository).await
    });
    assert!(images.len() > 1000, "more than one page of images");
    images.sort_by_key(|i| std::cmp::Reverse(pushed(i)));
    let newest = &images[0];
    let digest = newest.image_digest().expect("a digest").to_string();

    let mut tui = Tui::spawn(&[], &sandbox.env(), 200, 50);
    tui.wait_for("REPOSITORY");
    open_repository(&mut tui, repository);
    let screen = wait_listed(&tui, images.len());
    let first = &body(&screen, 1)[0];
    assert!(
        first.contains(&hex12(newest)),
        "the newest image ({digest}) should be the first row: {first:?}\n{screen}"
    );
    // The detail line names the selected image.
    let detail = screen.lines().nth(47).unwrap_or_default();
    assert!(
        detail.starts_with(&digest),
        "the newest image should be selected: {detail:?}\n{screen}"
    );
}

/// #8: tagging an image reloads the list with the filter still applied and the same
/// rows (on main the reload dropped the filter).
#[test]
fn tagging_keeps_the_filter_and_its_rows() {
    let sandbox = Sandbox::empty();
    let repository = "demo/reload";
    sandbox.seed_repository(repository, 12, false);
    let images = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        support::all_images(&client, repository).await
    });
    // The oldest image's tag: the filter narrows the list to it (and near misses).
    let mut oldest_first = images.clone();
    oldest_first.sort_by_key(pushed);
    let tagged = oldest_first
        .iter()
        .find(|i| !i.image_tags().is_empty())
        .expect("a tagged image");
    let tag = tagged.image_tags()[0].clone();

    let mut tui = Tui::spawn(&[], &sandbox.env(), 200, 50);
    tui.wait_for("REPOSITORY");
    open_repository(&mut tui, repository);
    wait_listed(&tui, images.len());
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send(&format!("'{tag}"));
    tui.send(keys::ENTER);
    let before = tui.wait_until("the filter applied", |s| {
        let status = Tui::status_line(s);
        status.contains(&format!("filter: '{tag}"))
            && status.contains(&format!(" of {} images", images.len()))
    });
    let shown = |screen: &str| {
        let status = screen.lines().last().unwrap_or_default().to_string();
        let count = status
            .split(" of ")
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        (status, count)
    };
    let (_, count) = shown(&before);
    let rows: usize = count.parse().expect("a row count");
    assert!(rows < images.len(), "the filter narrows: {before}");
    let row = &body(&before, 1)[0];
    assert!(row.contains(&hex12(tagged)), "{row:?}\n{before}");

    tui.send("t");
    tui.wait_for("new tag for");
    tui.send("trust-reload");
    tui.send(keys::ENTER);
    tui.wait_until("the tag put", |s| {
        let text = s.contents();
        text.contains("now names this image")
            || text
                .lines()
                .nth(2)
                .is_some_and(|l| l.contains("trust-reload"))
    });
    // A report dialog over the list (if any) goes with a key bound to nothing.
    if tui.screen().contains("now names this image") {
        tui.send("m");
        tui.wait_gone("now names this image");
    }
    let after = tui.wait_until("the reload finished", |s| {
        let status = Tui::status_line(s);
        !status.contains("loading") && status.contains(&format!("{} images", images.len()))
    });
    let (status, count_after) = shown(&after);
    assert!(
        status.contains(&format!("filter: '{tag}")),
        "the filter should survive the reload: {status:?}\n{after}"
    );
    assert_eq!(
        count_after, count,
        "the same rows should show: {status:?}\n{after}"
    );
    let row = &body(&after, 1)[0];
    assert!(
        row.contains(&hex12(tagged)) && row.contains("trust-reload"),
        "the tagged image, with its new tag, is the row: {row:?}\n{after}"
    );
}

/// #11: `/untagged` lists exactly the untagged images, and an exact tag ranks above
/// images that only match it loosely (on main the filter matched tags and the hidden
/// digest as one fuzzy subsequence: `untagged` found nothing, and the newest loose match
/// came first).
#[test]
fn the_filter_finds_untagged_images_and_ranks_the_exact_tag_first() {
    let sandbox = Sandbox::shared();
    let repositories = all_images(sandbox);
    let (repository, images) = repositories
        .iter()
        .filter(|(_, images)| images.len() <= 200)
        .find(|(_, images)| {
            let untagged = images.iter().filter(|i| i.image_tags().is_empty()).count();
            (1..=40).contains(&untagged) && untagged < images.len()
        })
        .expect("a repository with some untagged images");
    let untagged: Vec<&ImageDetail> = images
        .iter()
        .filter(|i| i.image_tags().is_empty())
        .collect();

    let mut tui = Tui::spawn(&[], &sandbox.env(), 200, 50);
    tui.wait_for("REPOSITORY");
    open_repository(&mut tui, repository);
    wait_listed(&tui, images.len());
    tui.send("/");
    tui.wait_until("the filter prompt", |s| Tui::status_line(s) == "/");
    tui.send("untagged");
    tui.send(keys::ENTER);
    let screen = tui.wait_until("the filter applied", |s| {
        Tui::status_line(s).contains("filter: untagged")
    });
    let status = screen.lines().last().unwrap_or_default();
    assert!(
        status.contains(&format!("{} of {} images", untagged.len(), images.len())),
        "every untagged image and nothing else: {status:?}\n{screen}"
    );
    for (row, image) in body(&screen, untagged.len()).iter().zip(&untagged) {
        assert!(row.contains("<untagged>"), "{row:?}\n{screen}");
        assert!(
            untagged.iter().any(|i| row.contains(&hex12(i))),
            "{} and the rest are the untagged ones: {row:?}\n{screen}",
            hex12(image)
        );
    }

    // The oldest tagged image's tag: on main newer images matched it loosely first.
    let mut oldest_first: Vec<&ImageDetail> = images
        .iter()
        .filter(|i| !i.image_tags().is_empty())
        .collect();
    oldest_first.sort_by_key(|i| pushed(i));
    let exact = oldest_first[0];
    let tag = &exact.image_tags()[0];
    tui.send("/");
    tui.wait_until("the filter prompt", |s| {
        Tui::status_line(s).starts_with('/')
    });
    // Replace the text: the prompt opens with the current filter.
    for _ in 0.."untagged".len() {
        tui.send("\u{7f}");
    }
    tui.send(tag);
    tui.send(keys::ENTER);
    let screen = tui.wait_until("the filter applied", |s| {
        Tui::status_line(s).contains(&format!("filter: {tag}"))
    });
    let first = &body(&screen, 1)[0];
    assert!(
        first.contains(&hex12(exact)),
        "the image tagged exactly {tag} ({}) should be first: {first:?}\n{screen}",
        hex12(exact)
    );
}
