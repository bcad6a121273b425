//! Polish found on a first run: the table header always says which rows show, so hidden
//! rows are never a surprise, at any size and scroll position.

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
