use super::*;
use crate::app::action::Action;
use crate::app::fixtures::{image, now, open_with_images, press, reg, with_repositories};
use crate::app::update;
use crossterm::event::KeyCode;

/// `web/app` open with three images: 0 active (`v0`), 1 archived 30 days ago (`v1`),
/// 2 archived 200 days ago (untagged); the cursor on the first row.
fn archive_state() -> State {
    let mut state = with_repositories(&["web/app"]);
    let mut images = vec![image(0, &["v0"], 1), image(1, &["v1"], 2), image(2, &[], 3)];
    for (image, days) in images.iter_mut().skip(1).zip([30, 200]) {
        image.status = ImageStatus::Archived;
        image.last_archived_at = Some(now() - SignedDuration::from_hours(24 * days));
    }
    open_with_images(&mut state, images);
    state
}

/// Put the cursor on the image whose first tag is `tag`.
fn select(state: &mut State, tag: &str) {
    press(state, KeyCode::Char('g'));
    for _ in 0..state.images.list.rows.len() {
        let at = state.images.list.selected_item().unwrap();
        if state.images.images[at].tags.first().map(String::as_str) == Some(tag) {
            return;
        }
        press(state, KeyCode::Char('j'));
    }
    panic!("no image tagged {tag}");
}

fn dialog_lines(state: &State) -> Vec<(String, bool)> {
    match &state.dialog {
        Some(Dialog::ConfirmStorageClass { lines, .. }) => lines.clone(),
        other => panic!("expected the storage-class confirmation, got {other:?}"),
    }
}

#[test]
fn a_asks_first_says_what_archiving_means_and_y_sends_exactly_that_image() {
    let mut state = archive_state();
    select(&mut state, "v0");
    assert!(
        press(&mut state, KeyCode::Char('a')).is_empty(),
        "asks first"
    );
    let text: Vec<String> = dialog_lines(&state).into_iter().map(|(t, _)| t).collect();
    assert_eq!(text[0], "Archive web/app:v0?");
    assert!(
        text.iter().any(|l| l.contains("cannot be pulled")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|l| l.contains("90-day minimum")),
        "{text:?}"
    );

    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        [Effect::UpdateStorageClass {
            request: StorageClassRequest {
                registry: reg(0),
                repository: "web/app".into(),
                digest: crate::app::fixtures::digest(0),
                label: "web/app:v0".into(),
                target: StorageClass::Archive,
            }
        }]
    );
    assert!(matches!(state.dialog, Some(Dialog::Busy { .. })));
}

#[test]
fn n_or_esc_cancels_without_a_call() {
    for cancel in [KeyCode::Char('n'), KeyCode::Esc] {
        let mut state = archive_state();
        select(&mut state, "v0");
        press(&mut state, KeyCode::Char('a'));
        assert!(press(&mut state, cancel).is_empty());
        assert!(state.dialog.is_none());
    }
}

#[test]
fn read_only_refuses_before_any_dialog() {
    let mut state = archive_state();
    state.read_only = true;
    select(&mut state, "v0");
    assert!(press(&mut state, KeyCode::Char('a')).is_empty());
    assert!(state.dialog.is_none());
    let said = state.status.info_text().unwrap_or_default().to_string();
    assert!(said.contains("read-only"), "{said}");
    select(&mut state, "v1");
    assert!(press(&mut state, KeyCode::Char('w')).is_empty());
    assert!(state.dialog.is_none());
}

#[test]
fn keys_that_cannot_apply_say_why_and_open_nothing() {
    let mut state = archive_state();
    select(&mut state, "v1");
    press(&mut state, KeyCode::Char('a'));
    assert!(state.dialog.is_none());
    assert!(
        state
            .status
            .info_text()
            .unwrap()
            .contains("is archived already")
    );
    select(&mut state, "v0");
    press(&mut state, KeyCode::Char('w'));
    assert!(state.dialog.is_none());
    assert!(
        state
            .status
            .info_text()
            .unwrap()
            .contains("is not archived")
    );
}

#[test]
fn the_restore_confirmation_says_it_takes_time() {
    let mut state = archive_state();
    select(&mut state, "v1");
    press(&mut state, KeyCode::Char('w'));
    let lines = dialog_lines(&state);
    assert_eq!(lines[0].0, "Restore web/app:v1 from archive?");
    assert!(lines.iter().any(|(l, _)| l.contains("ACTIVATING")));
}

#[test]
fn the_minimum_charge_note_is_only_for_images_archived_under_90_days() {
    let at = |days: i64| now() - SignedDuration::from_hours(24 * days);
    let mut archived = image(1, &[], 1);
    archived.status = ImageStatus::Archived;
    archived.last_archived_at = Some(at(89));
    assert!(
        minimum_charge_note(&archived, now())
            .unwrap()
            .contains("1 more days")
    );
    archived.last_archived_at = Some(at(90));
    assert_eq!(minimum_charge_note(&archived, now()), None);
    let mut active = image(2, &[], 1);
    active.last_archived_at = Some(at(10));
    assert_eq!(minimum_charge_note(&active, now()), None, "active again");
}

#[test]
fn an_archived_answer_updates_the_row_and_a_restore_is_followed_until_active() {
    let mut state = archive_state();
    let request = |digest: u64, tag: &str, target| StorageClassRequest {
        registry: reg(0),
        repository: "web/app".into(),
        digest: crate::app::fixtures::digest(digest),
        label: format!("web/app:{tag}"),
        target,
    };
    let archived = request(0, "v0", StorageClass::Archive);
    // Each answer is drawn at once: a restore once showed ACTIVE only when the minute
    // turned, because nothing asked for a frame.
    state.dirty = false;
    let effects = update(
        &mut state,
        Action::StorageClassUpdated {
            request: archived,
            result: Ok(ImageStatus::Archived),
        },
    );
    assert!(effects.is_empty());
    assert!(state.dirty, "the answer asks for a frame");
    assert_eq!(state.images.images[0].status, ImageStatus::Archived);
    assert_eq!(
        state.status.info_text(),
        Some("archived web/app:v0: ARCHIVED")
    );

    let restore = request(1, "v1", StorageClass::Standard);
    let effects = update(
        &mut state,
        Action::StorageClassUpdated {
            request: restore.clone(),
            result: Ok(ImageStatus::Activating),
        },
    );
    assert_eq!(
        effects,
        [Effect::WatchRestore {
            request: restore.clone()
        }]
    );
    assert_eq!(state.images.images[1].status, ImageStatus::Activating);
    let activated = now();
    state.dirty = false;
    update(
        &mut state,
        Action::RestoreProgress {
            request: restore,
            status: Some(ImageStatus::Active),
            last_activated_at: Some(activated),
            done: true,
            note: None,
        },
    );
    assert!(state.dirty, "the progress asks for a frame");
    assert_eq!(state.images.images[1].status, ImageStatus::Active);
    assert_eq!(state.images.images[1].last_activated_at, Some(activated));
    assert_eq!(
        state.status.info_text(),
        Some("restored web/app:v1: ACTIVE, pullable again")
    );
}

#[test]
fn a_refused_call_is_an_error_on_the_status_line_and_changes_no_row() {
    let mut state = archive_state();
    select(&mut state, "v0");
    press(&mut state, KeyCode::Char('a'));
    let Some(Effect::UpdateStorageClass { request }) = press(&mut state, KeyCode::Char('y')).pop()
    else {
        panic!("no call");
    };
    update(
        &mut state,
        Action::StorageClassUpdated {
            request,
            result: Err("AccessDenied on ecr:UpdateImageStorageClass".into()),
        },
    );
    assert!(state.dialog.is_none());
    assert_eq!(state.images.images[0].status, ImageStatus::Active);
    assert!(
        state
            .status
            .error_text()
            .unwrap()
            .contains("ecr:UpdateImageStorageClass")
    );
}

#[test]
fn v_cycles_all_archived_only_active_only() {
    let mut state = archive_state();
    let shown = |state: &State| {
        let mut digests: Vec<String> = state
            .images
            .list
            .rows
            .iter()
            .map(|&i| state.images.images[i].digest.clone())
            .collect();
        digests.sort();
        digests
    };
    let digests = |ns: &[u64]| {
        let mut all: Vec<String> = ns
            .iter()
            .map(|&n| crate::app::fixtures::digest(n))
            .collect();
        all.sort();
        all
    };
    assert_eq!(shown(&state), digests(&[0, 1, 2]));
    press(&mut state, KeyCode::Char('v'));
    assert_eq!(shown(&state), digests(&[1, 2]));
    assert_eq!(state.status.info_text(), Some("showing archived only"));
    press(&mut state, KeyCode::Char('v'));
    assert_eq!(shown(&state), digests(&[0]));
    press(&mut state, KeyCode::Char('v'));
    assert_eq!(shown(&state), digests(&[0, 1, 2]));
}

#[test]
fn deleting_an_image_archived_under_90_days_says_what_is_still_charged() {
    let mut state = archive_state();
    select(&mut state, "v1");
    press(&mut state, KeyCode::Char('d'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("expected the delete confirmation, got {:?}", state.dialog);
    };
    assert_eq!(plan.charges.len(), 1, "{:?}", plan.charges);
    assert!(
        plan.charges[0].starts_with("web/app:v1: archived 30 days ago")
            && plan.charges[0].ends_with("(60 more days)"),
        "{}",
        plan.charges[0]
    );
    // The image archived 200 days ago owes nothing more.
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('G'));
    press(&mut state, KeyCode::Char('d'));
    let Some(Dialog::ConfirmDelete { plan, .. }) = &state.dialog else {
        panic!("expected the delete confirmation");
    };
    assert!(plan.charges.is_empty(), "{:?}", plan.charges);
}
