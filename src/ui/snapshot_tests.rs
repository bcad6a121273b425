//! Every pane drawn at 80x24 and 200x50, compared with reviewed snapshots.

use super::{Theme, draw};
use crate::app::action::{Action, RepoStats};
use crate::app::fixtures::{image, now, open_with_images, open_with_storage, with_repositories};
use crate::app::{State, update};
use crate::ecr::model::{ManifestKind, ScanSummary, Severity, SeverityCounts, TagMutability};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 3] = [(60, 15), (80, 24), (200, 50)];

pub(super) fn render(state: &State, width: u16, height: u16) -> String {
    screen_text(width, height, |frame| draw(frame, state, &Theme::dark()))
}

/// What `paint` draws into a `width` x `height` test terminal, as text: one line per row,
/// trailing blanks trimmed.
pub(crate) fn screen_text(
    width: u16,
    height: u16,
    paint: impl FnOnce(&mut ratatui::Frame),
) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(paint).unwrap();
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
                registry: crate::app::fixtures::reg(0),
                generation,
                repository: name.into(),
                result: Ok(RepoStats { images, bytes }),
            },
        );
    }
    update(&mut state, Action::Tick(now()));
    state
}

pub(super) fn images_state() -> State {
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
    open_with_storage(
        &mut state,
        vec![image(1, &[], 200), pulled, scanned, index],
        &[],
    );
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
fn help_groups_by_pane_and_searches() {
    let mut state = images_state();
    sized(&mut state, 200, 50);
    press(&mut state, KeyCode::Char('?'));
    insta::assert_snapshot!("help_images_200x50", render(&state, 200, 50));
    sized(&mut state, 60, 15);
    for c in "/copy".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    insta::assert_snapshot!("help_search_60x15", render(&state, 60, 15));
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

/// A pane set up for the styled snapshots, at one size.
fn pane_state(pane: &str, width: u16, height: u16) -> State {
    let mut state = match pane {
        "registries" | "repositories" | "help" => repositories_state(),
        _ => images_state(),
    };
    sized(&mut state, width, height);
    match pane {
        "registries" => press(&mut state, KeyCode::Esc),
        "images" => press(&mut state, KeyCode::Char(' ')), // the marked style shows too
        "findings" => {
            state.findings = crate::app::findings::tests::loaded();
            state.pane = crate::app::Pane::Findings;
        }
        "triage" => {
            use crate::app::findings::tests::triage_view::{fed, opened};
            state.triage = opened();
            fed(&mut state.triage);
            state.pane = crate::app::Pane::Triage;
        }
        "help" => press(&mut state, KeyCode::Char('?')),
        "lifecycle" => {
            use crate::app::lifecycle::tests::{POLICY, loaded};
            state.lifecycle = loaded(Some(POLICY));
        }
        "info" => return crate::app::info::tests::loaded_info_sized(width, height),
        _ => {}
    }
    state
}

/// Every pane and view under every shipped theme, at every size, with styles. `monochrome` is the
/// theme `NO_COLOR` selects (`config::select_theme`).
#[test]
fn every_pane_under_every_theme_at_every_size() {
    for name in ["dark", "light", "high-contrast", "sixteen", "monochrome"] {
        let theme = Theme::load(name, None).expect("shipped themes load");
        for pane in [
            "registries",
            "repositories",
            "images",
            "findings",
            "triage",
            "help",
            "lifecycle",
            "info",
        ] {
            let mut screens = String::new();
            for (width, height) in SIZES {
                let state = pane_state(pane, width, height);
                screens.push_str(&format!("── {width}x{height} ──\n"));
                screens.push_str(&render_styled(&state, &theme, width, height));
            }
            insta::assert_snapshot!(format!("styled_{name}_{pane}"), screens);
        }
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

/// The header row always says which rows show, even when the flexible column's header is
/// too narrow to hold the position: then it is drawn at the right end of the header row.
#[test]
fn the_row_position_shows_at_every_size_and_scroll_position() {
    for (count, width, height) in [
        (180u64, 60, 15),
        (180, 80, 24),
        (1_500, 80, 24),
        (1_500, 60, 15),
    ] {
        let mut state = repositories_state();
        sized(&mut state, width, height);
        let images = (1..=count)
            .map(|n| image(n, &["release-candidate-build"], i64::try_from(n).unwrap()))
            .collect();
        open_with_images(&mut state, images);
        for key in [KeyCode::Char('G'), KeyCode::Char('g')] {
            press(&mut state, key);
            let screen = render(&state, width, height);
            let header = screen.lines().nth(1).unwrap();
            let expected = if key == KeyCode::Char('G') {
                format!("–{count}/{count}")
            } else {
                " 1–".to_string()
            };
            assert!(
                header.contains(&expected),
                "{count} rows at {width}x{height} after {key:?}: {header:?} lacks {expected}\n{screen}"
            );
        }
    }
}

/// The help says every key that closes it, and counts its matches in good English.
#[test]
fn the_help_names_its_closing_keys_and_counts_matches() {
    let mut state = images_state();
    sized(&mut state, 80, 24);
    press(&mut state, KeyCode::Char('?'));
    let screen = render(&state, 80, 24);
    assert!(screen.contains("esc, q, enter or ? closes"), "{screen}");
    for c in "/status".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    press(&mut state, KeyCode::Enter);
    let screen = render(&state, 80, 24);
    assert!(screen.contains("status line and dialogs"), "{screen}");
    assert!(!screen.contains("no key matches"), "{screen}");
}

/// The audit view's columns leave its first column narrow: the position still shows.
#[test]
fn the_audit_view_shows_the_row_position() {
    for (width, height) in SIZES {
        let mut state = repositories_state();
        sized(&mut state, width, height);
        press(&mut state, KeyCode::Char('A'));
        assert!(state.repositories.audit_view, "A opens the audit view");
        let screen = render(&state, width, height);
        let header = screen.lines().nth(1).unwrap();
        assert!(
            header.contains("1–5/5") || header.contains("rows 1–5 of 5"),
            "{width}x{height}: {header:?}\n{screen}"
        );
    }
}

#[test]
fn a_long_listing_error_wraps_instead_of_losing_its_end() {
    let mut state = State::new(crate::app::fixtures::targets(), now());
    let effects = crate::app::update::start(&mut state);
    let Some(crate::app::action::Effect::FetchRepositories { generation, .. }) = effects
        .iter()
        .find(|e| matches!(e, crate::app::action::Effect::FetchRepositories { .. }))
    else {
        panic!("start should fetch repositories, got {effects:?}");
    };
    let generation = *generation;
    sized(&mut state, 60, 15);
    let error = crate::ecr::EcrError::AccessDenied {
        action: "sts:AssumeRole".into(),
        subject: "arn:aws:iam::141421356237:role/OrganizationAccountAccessRole".into(),
        message: String::new(),
    };
    let last_word = error
        .to_string()
        .split_whitespace()
        .last()
        .unwrap()
        .to_string();
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: crate::app::fixtures::reg(0),
            generation,
            result: Err(error),
        },
    );
    let screen = render(&state, 60, 15);
    assert!(
        screen
            .lines()
            .skip(1)
            .take(10)
            .any(|l| l.contains(&last_word)),
        "the error's last word {last_word:?} is on screen:\n{screen}"
    );
}
