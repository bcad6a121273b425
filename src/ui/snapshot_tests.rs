//! Every pane drawn at 80x24 and 200x50, compared with reviewed snapshots.

use super::{Theme, draw};
use crate::app::action::{Action, RepoStats};
use crate::app::tests::{image, now, open_with_images, with_repositories};
use crate::app::{State, update};
use crate::ecr::model::{ManifestKind, ScanSummary, Severity, SeverityCounts, TagMutability};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 3] = [(60, 15), (80, 24), (200, 50)];

pub(super) fn render(state: &State, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| draw(frame, state, &Theme::dark()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn press(state: &mut State, code: KeyCode) {
    update(state, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn sized(state: &mut State, width: u16, height: u16) {
    update(state, Action::Resize { width, height });
}

fn repositories_state() -> State {
    let mut state = with_repositories(&[
        "payments/api",
        "payments/worker",
        "web/frontend",
        "base/python",
        "data/etl-nightly-reconciliation-job",
    ]);
    state.registries.rows[0].account = Some("123456789012".into());
    state.repositories.rows[1].repo.tag_mutability = TagMutability::Immutable;
    state.repositories.rows[2].repo.scan_on_push = true;
    let generation = state.repositories.generation;
    for (name, images, bytes) in [
        ("payments/api", 42, 12_884_901_888u64),
        ("payments/worker", 7, 734_003_200),
        ("base/python", 120, 98_784_247_808),
    ] {
        update(
            &mut state,
            Action::RepositoryStatsLoaded {
                registry: 0,
                generation,
                repository: name.into(),
                result: Ok(RepoStats { images, bytes }),
            },
        );
    }
    update(&mut state, Action::Tick(now()));
    state
}

fn images_state() -> State {
    let mut state = repositories_state();
    let mut scanned = image(3, &["v1.4.2", "latest"], 2);
    scanned.scan = Some(ScanSummary {
        status: "COMPLETE".into(),
        counts: Some(SeverityCounts(vec![
            (Severity::Critical, 2),
            (Severity::High, 5),
            (Severity::Medium, 12),
        ])),
    });
    let mut index = image(4, &["v1.5.0"], 1);
    index.kind = ManifestKind::ManifestList;
    let mut pulled = image(2, &["main-3f2a9c1"], 40);
    pulled.last_pulled_at = Some(now());
    open_with_images(&mut state, vec![image(1, &[], 200), pulled, scanned, index]);
    state
}

#[test]
fn registries_pane() {
    for (width, height) in SIZES {
        let mut state = repositories_state();
        state.registries.rows[1].error = Some("AccessDenied on ecr:DescribeRegistry".into());
        sized(&mut state, width, height);
        press(&mut state, KeyCode::Esc);
        insta::assert_snapshot!(
            format!("registries_{width}x{height}"),
            render(&state, width, height)
        );
    }
}

#[test]
fn repositories_pane() {
    for (width, height) in SIZES {
        let mut state = repositories_state();
        sized(&mut state, width, height);
        insta::assert_snapshot!(
            format!("repositories_{width}x{height}"),
            render(&state, width, height)
        );
    }
}

#[test]
fn images_pane() {
    for (width, height) in SIZES {
        let mut state = images_state();
        sized(&mut state, width, height);
        insta::assert_snapshot!(
            format!("images_{width}x{height}"),
            render(&state, width, height)
        );
    }
}

#[test]
fn filter_prompt_and_help_overlay() {
    let mut state = repositories_state();
    press(&mut state, KeyCode::Char('/'));
    press(&mut state, KeyCode::Char('p'));
    press(&mut state, KeyCode::Char('a'));
    insta::assert_snapshot!("filter_80x24", render(&state, 80, 24));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('?'));
    insta::assert_snapshot!("help_80x24", render(&state, 80, 24));
}

#[test]
fn tiny_terminal_says_so() {
    let state = repositories_state();
    let screen = render(&state, 40, 10);
    assert!(screen.contains("terminal too"), "{screen}");
}

/// The screen with its styles: each row's text, then each run of one style as
/// `[start..end fg/bg/modifiers]`, so a snapshot shows which theme colour every cell got.
fn render_styled(state: &State, theme: &Theme, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| draw(frame, state, theme)).unwrap();
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut text = String::new();
        let mut runs: Vec<(u16, u16, String)> = Vec::new();
        for x in 0..width {
            let cell = &buffer[(x, y)];
            text.push_str(cell.symbol());
            let style = format!("{:?}/{:?}/{:?}", cell.fg, cell.bg, cell.modifier);
            match runs.last_mut() {
                Some((_, end, last)) if *last == style => *end = x + 1,
                _ => runs.push((x, x + 1, style)),
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
        for (start, end, style) in runs {
            if style != "Reset/Reset/NONE" {
                out.push_str(&format!("  [{start}..{end} {style}]\n"));
            }
        }
    }
    out
}

/// Every pane under every shipped theme (and NO_COLOR's monochrome), with styles.
#[test]
fn every_pane_under_every_theme() {
    for name in ["dark", "light", "high-contrast", "sixteen", "monochrome"] {
        let theme = Theme::load(name, None).expect("shipped themes load");
        let mut state = images_state();
        sized(&mut state, 80, 24);
        // Mark one image so the marked style shows too.
        press(&mut state, KeyCode::Char(' '));
        insta::assert_snapshot!(
            format!("theme_{name}_images"),
            render_styled(&state, &theme, 80, 24)
        );
        press(&mut state, KeyCode::Esc);
        insta::assert_snapshot!(
            format!("theme_{name}_repositories"),
            render_styled(&state, &theme, 80, 24)
        );
        press(&mut state, KeyCode::Esc);
        insta::assert_snapshot!(
            format!("theme_{name}_registries"),
            render_styled(&state, &theme, 80, 24)
        );
    }
}

#[test]
fn no_color_keeps_the_selection_visible_without_colour() {
    let mut state = repositories_state();
    sized(&mut state, 80, 24);
    let screen = render_styled(&state, &Theme::monochrome(), 80, 24);
    assert!(
        !screen.contains("Rgb") && !screen.contains("Indexed"),
        "monochrome uses no colours"
    );
    assert!(
        screen.contains("REVERSED"),
        "the selection is reverse video"
    );
}
