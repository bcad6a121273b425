//! The lifecycle view drawn at 80x24 and 200x50 (and tiny), compared with reviewed
//! snapshots. The frame is laid out as `ui::draw` lays out every pane: a header row,
//! the body, the two footer lines and the status line.

use super::{draw, footer};
use crate::app::keymap::Keymap;
use crate::app::lifecycle::tests::{POLICY, digest, loaded, now};
use crate::app::lifecycle::{LifecycleEvent, LifecycleView};
use crate::ecr::policy::{EcrPreview, PreviewAction, PreviewImage, PreviewStatus};
use crate::ui::Theme;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

const SIZES: [(u16, u16); 2] = [(80, 24), (200, 50)];

fn render(view: &LifecycleView, width: u16, height: u16) -> String {
    let theme = Theme::dark();
    crate::ui::snapshot_tests::screen_text(width, height, |frame| {
        let [header, body, footer_area, _status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(1),
            Constraint::Length(2),
            Constraint::Length(1),
        ])
        .areas(frame.area());
        frame.render_widget(Paragraph::new(" berth │ lifecycle"), header);
        draw(frame, body, view, &theme, now());
        let lines: Vec<Line> = footer(view)
            .iter()
            .map(|text| {
                Line::from(crate::format::truncate_middle(
                    text,
                    usize::from(footer_area.width),
                ))
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), footer_area);
    })
}

fn press(view: &mut LifecycleView, code: KeyCode) {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    let command = Keymap::default().lookup(&event);
    view.on_key(event, command, false, 10);
}

fn edited(view: &mut LifecycleView, text: &str) {
    view.on_event(
        LifecycleEvent::Edited {
            generation: view.generation,
            result: Ok(text.to_string()),
        },
        now(),
    );
}

#[test]
fn dry_run_of_the_current_policy() {
    for (width, height) in SIZES {
        let mut view = loaded(Some(POLICY));
        press(&mut view, KeyCode::Down);
        insta::assert_snapshot!(
            format!("lifecycle_{width}x{height}"),
            render(&view, width, height)
        );
    }
}

#[test]
fn no_policy() {
    let view = loaded(None);
    insta::assert_snapshot!("lifecycle_no_policy_80x24", render(&view, 80, 24));
}

#[test]
fn invalid_edit_shows_the_error_and_keeps_the_text() {
    for (width, height) in SIZES {
        let mut view = loaded(Some(POLICY));
        edited(
            &mut view,
            &POLICY.replace("\"tagStatus\":\"tagged\"", "\"tagStatus\":\"tagd\""),
        );
        insta::assert_snapshot!(
            format!("lifecycle_invalid_{width}x{height}"),
            render(&view, width, height)
        );
    }
}

#[test]
fn apply_confirmation_shows_the_dry_run_summary() {
    let mut view = loaded(None);
    edited(&mut view, POLICY);
    press(&mut view, KeyCode::Char('a'));
    for c in "web/".chars() {
        press(&mut view, KeyCode::Char(c));
    }
    insta::assert_snapshot!("lifecycle_confirm_80x24", render(&view, 80, 24));
}

#[test]
fn policy_text_section_and_ecr_comparison() {
    let mut view = loaded(Some(POLICY));
    press(&mut view, KeyCode::Char('p'));
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: view.generation,
            text: POLICY.into(),
            result: Ok(EcrPreview {
                status: PreviewStatus::Complete,
                images: vec![PreviewImage {
                    digest: digest(1),
                    tags: Vec::new(),
                    pushed_at: None,
                    rule_priority: Some(1),
                    action: PreviewAction::Expire,
                }],
                expiring_total: Some(1),
                policy_text: None,
                started: true,
            }),
        },
        now(),
    );
    press(&mut view, KeyCode::Tab);
    insta::assert_snapshot!("lifecycle_policy_section_80x24", render(&view, 80, 24));
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut view = loaded(Some(POLICY));
    press(&mut view, KeyCode::Char('o'));
    for (width, height) in [(40, 10), (20, 5), (1, 1)] {
        render(&view, width, height);
    }
}

#[test]
fn dry_run_with_what_expiring_really_frees() {
    let mut view = loaded(Some(POLICY));
    let registry = crate::app::fixtures::reg(0);
    view.storage_requested(9);
    // Each image's own layer is half its listed size; the base layer stays.
    let storage = crate::app::fixtures::lifecycle_storage(|listed| listed / 2);
    assert!(view.storage_arrived(&registry, "web/app", 9, Ok(storage)));
    insta::assert_snapshot!("lifecycle_freed_80x24", render(&view, 80, 24));
}

#[test]
fn the_dry_run_warns_about_referrers_and_points_to_the_full_list() {
    use crate::app::lifecycle::LoadedRepository;
    use crate::app::lifecycle::tests::record;
    // Three tagged images, each signed; the policy expires untagged images after a day,
    // which takes the three signatures and leaves their images unsigned.
    let mut images = Vec::new();
    for (n, tag, days) in [(1, "v1", 10), (2, "v2", 20), (3, "v3", 30)] {
        let subject = record(n, &[tag], days);
        let mut signature = record(n + 10, &[], days);
        signature.subject_digest = Some(subject.digest.clone());
        images.push(subject);
        images.push(signature);
    }
    let policy = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":1},"action":{"type":"expire"}}]}"#;
    let mut view = LifecycleView::default();
    view.open(crate::app::fixtures::reg(0), "web/app", 7);
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 7,
            result: Ok(LoadedRepository {
                policy: None,
                images,
            }),
        },
        now(),
    );
    edited(&mut view, policy);
    let screen = render(&view, 200, 50);
    // The policy column is on the left at this width: the warnings follow it.
    let warnings: Vec<&str> = screen
        .lines()
        .filter_map(|line| line.find("warning: ").map(|at| &line[at..]))
        .collect();
    assert_eq!(warnings.len(), 2, "{screen}");
    assert!(
        warnings[0].starts_with("warning: rule 1 counts 3 referrers"),
        "{screen}"
    );
    assert!(
        warnings[1].starts_with("warning: rule 1 expires referrer sha256:"),
        "{screen}"
    );
    assert!(
        screen.contains(
            "and 2 more warnings (berth lifecycle preview --repo web/app lists every warning)"
        ),
        "{screen}"
    );
    // Applying the policy says there are warnings before the yes.
    press(&mut view, KeyCode::Char('a'));
    let screen = render(&view, 200, 50);
    assert!(
        screen.contains("4 warnings about referrers and index platforms: see the dry run."),
        "{screen}"
    );
}
