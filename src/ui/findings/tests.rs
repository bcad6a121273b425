//! The findings pane, a finding's card and the triage view at 80x24 and 200x50.

use super::*;
use crate::app::findings::tests::loaded;
use crate::app::findings::tests::triage_view::{fed, opened};
use crate::app::keymap::Command;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

fn render(width: u16, height: u16, paint: impl FnOnce(&mut Frame)) -> String {
    crate::ui::snapshot_tests::screen_text(width, height, paint)
}

/// The loaded pane with one finding carrying (already sanitized) hostile registry text.
fn pane_with_hostile_text() -> FindingsPane {
    let mut pane = loaded();
    let hostile = "Terminal injection probe.\u{1b}[2J\u{1b}]52;c;cHduZWQ=\u{7} bell:\u{7} "
        .to_string()
        + &"A long advisory sentence that keeps going. ".repeat(12)
        + &"x".repeat(150);
    let finding = &mut pane.scan.findings[1];
    finding.description = crate::sanitize::sanitize(&hostile).into_owned();
    finding.package_name =
        Some(crate::sanitize::sanitize("libxml2\u{1b}]0;title\u{7}").into_owned());
    pane.rebuild();
    pane
}

#[test]
fn findings_pane() {
    for (width, height) in SIZES {
        let pane = pane_with_hostile_text();
        let screen = render(width, height, |f| {
            draw(f, f.area(), &pane, &Theme::dark(), now())
        });
        insta::assert_snapshot!(format!("findings_{width}x{height}"), screen);
    }
}

#[test]
fn findings_pane_with_toggles_and_empty_states() {
    let mut pane = loaded();
    pane.toggle_severity(0);
    pane.toggle_severity(1);
    let screen = render(80, 24, |f| draw(f, f.area(), &pane, &Theme::dark(), now()));
    assert!(
        !screen.contains("CVE-2023-45853") && screen.contains("CVE-2024-0004"),
        "{screen}"
    );
    let mut never = FindingsPane::default();
    never.open(crate::app::findings::tests::target());
    let screen = render(80, 6, |f| draw(f, f.area(), &never, &Theme::dark(), now()));
    assert!(screen.contains("loading findings"), "{screen}");
}

#[test]
fn finding_card() {
    for (width, height) in SIZES {
        let mut pane = pane_with_hostile_text();
        pane.on_command(Command::MoveDown, width, usize::from(height));
        pane.on_command(Command::Open, width, usize::from(height));
        assert_eq!(pane.card_finding().unwrap().name, "CVE-2024-0002");
        let screen = render(width, height, |f| {
            draw(f, f.area(), &pane, &Theme::dark(), now())
        });
        assert!(
            !screen.contains('\u{1b}') && !screen.contains("cHduZWQ"),
            "{screen}"
        );
        insta::assert_snapshot!(format!("finding_card_{width}x{height}"), screen);
    }
}

#[test]
fn triage_view() {
    for (width, height) in SIZES {
        let mut pane = opened();
        fed(&mut pane);
        pane.on_command(Command::MoveDown, usize::from(height));
        let screen = render(width, height, |f| {
            draw_triage(f, f.area(), &pane, &Theme::dark(), now())
        });
        insta::assert_snapshot!(format!("triage_{width}x{height}"), screen);
    }
}

#[test]
fn footer_lines_under_the_panes() {
    let pane = loaded();
    let [first, second] = footer(&pane);
    assert_eq!(first, "CVE-2023-45853 · zlib1g 1.2.3");
    assert!(second.starts_with("zlib1g: a problem"));
    let mut triage = opened();
    fed(&mut triage);
    assert!(triage_footer(&triage)[0].starts_with("CVE-2023-45853 · zlib1g"));
}

/// The triage list's viewport height is the table the view draws, at every terminal
/// height berth runs in, so the cursor never leaves it.
#[test]
fn triage_table_rows_match_the_drawn_table() {
    for terminal in 15u16..80 {
        let area = Rect::new(0, 0, 80, terminal - 4);
        let [_, table, _] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(crate::app::findings::affected_height(area.height)),
        ])
        .areas(area);
        let body_height = usize::from(terminal - 5);
        assert_eq!(
            crate::app::findings::table_rows(body_height),
            usize::from(table.height - 1),
            "at {terminal} rows"
        );
    }
}

/// A sweep that read nothing at the severity but could not read everything does not say
/// "no findings" in green: it says what was not read.
#[test]
fn an_empty_triage_with_errors_names_what_was_not_read() {
    let mut pane = opened();
    let generation = pane.generation;
    for event in [
        crate::app::findings::FindingsEvent::TriageError {
            generation,
            message: "payments-dev (161803398874) us-east-1: AccessDenied on sts:AssumeRole".into(),
        },
        crate::app::findings::FindingsEvent::TriageDone { generation },
    ] {
        pane.on_event(event);
    }
    let screen = render(80, 24, |f| {
        draw_triage(f, f.area(), &pane, &Theme::dark(), now())
    });
    let text = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        text.contains("in what could be read; 1 part not read: payments-dev"),
        "{screen}"
    );
    assert!(!text.contains("no findings at HIGH or above in the registry"));
}
