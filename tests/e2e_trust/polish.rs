//! Polish found on a first run: the table header always says which rows show, a sort
//! does not hide the new top rows, a copied URI keeps its digest visible on a narrow
//! status line, and the help finds its groups by title.

use crate::support::Sandbox;
use crate::support::pty::Tui;

/// How many images `repository` holds, from the SDK.
fn image_count(sandbox: &Sandbox, repository: &str) -> usize {
    Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        crate::support::all_images(&client, repository).await.len()
    })
}

/// The table's header row (the line under the title).
fn header_row(screen: &vt100::Screen) -> String {
    screen
        .contents()
        .lines()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

#[test]
fn the_row_position_shows_at_80_columns_at_the_end_of_a_long_list() {
    let sandbox = Sandbox::shared();
    let repository = "web/frontend";
    let count = image_count(sandbox, repository);
    assert!(
        count > 40,
        "the seed gives {repository} more rows than a screen"
    );
    let mut tui = Tui::spawn(&[repository], &sandbox.env(), 80, 24);
    tui.wait_until("the images pane loaded", |s| {
        Tui::status_line(s).starts_with(&format!("{count} images"))
    });
    let top = "1–";
    tui.wait_until(&format!("the header counts rows of {count}"), |s| {
        let header = header_row(s);
        header.contains(top) && header.contains(&format!("/{count}"))
    });
    tui.send("G");
    let end = format!("–{count}/{count}");
    tui.wait_until(
        &format!("the header says the last row shows ({end})"),
        |s| header_row(s).contains(&end),
    );
}

/// The first row the header says shows (`rows 12–31 of 46` or `12–31/46` → 12).
fn first_shown(header: &str) -> Option<usize> {
    let dash = header.find('–')?;
    let digits: String = header[..dash]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.chars().rev().collect::<String>().parse().ok()
}

#[test]
fn a_sort_does_not_keep_the_old_scroll_and_hide_the_new_top_rows() {
    let sandbox = Sandbox::shared();
    let count = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        crate::support::all_repositories(&client).await.len()
    });
    let mut tui = Tui::spawn(&[], &sandbox.env(), 80, 24);
    tui.wait_until("the repositories pane listed", |s| {
        Tui::status_line(s).starts_with(&format!("{count} repositories"))
    });
    tui.send("G");
    let end = format!("–{count}");
    let screen = tui.wait_until("scrolled to the last repository", |s| {
        header_row(s).contains(&end)
    });
    let header = screen.lines().nth(1).unwrap_or_default().to_string();
    let first = first_shown(&header).expect("the header gives the first row shown");
    assert!(
        first > 1,
        "{count} repositories fill more than a screen: {header}"
    );
    // The selection onto the top screen row, then reverse the order: the item moves
    // near the top, and the view must start at row 1 rather than keep its old offset.
    let height = count - first + 1;
    for _ in 1..height {
        tui.send("k");
    }
    tui.send("S");
    tui.wait_until("the header says the view starts at row 1", |s| {
        first_shown(&header_row(s)) == Some(1)
    });
}

#[test]
fn a_copied_uri_keeps_its_digest_visible_at_80_columns() {
    let sandbox = Sandbox::shared();
    let repository = "web/frontend";
    let digests: Vec<String> = Sandbox::runtime().block_on(async {
        let client = sandbox.ecr("us-east-1").await;
        crate::support::all_images(&client, repository)
            .await
            .iter()
            .filter_map(|i| i.image_digest().map(str::to_string))
            .collect()
    });
    let mut tui = Tui::spawn(&[repository], &sandbox.env(), 80, 24);
    tui.wait_until("the images pane loaded", |s| {
        Tui::status_line(s).starts_with(&format!("{} images", digests.len()))
    });
    tui.send("y");
    let screen = tui.wait_until("a copy report on the status line", |s| {
        Tui::status_line(s).starts_with("copied ")
    });
    let line = screen
        .lines()
        .last()
        .unwrap_or_default()
        .trim_end()
        .to_string();
    assert!(
        line.contains('…'),
        "the URI is cut where it does not fit: {line}"
    );
    assert!(
        digests.iter().any(|d| line.ends_with(&format!("@{d}"))),
        "the status line ends with a whole digest of {repository}: {line}"
    );
}

#[test]
fn searching_the_help_for_a_group_title_lists_that_group() {
    let sandbox = Sandbox::shared();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 80, 24);
    tui.wait_for("repositories");
    tui.send("?");
    tui.wait_for("/ search");
    tui.send("/status");
    tui.send(crate::support::pty::keys::ENTER);
    let screen = tui.wait_for("status line and dialogs");
    assert!(!screen.contains("no key matches"), "{screen}");
    assert!(screen.contains("esc, q, enter or ? closes"), "{screen}");
}
