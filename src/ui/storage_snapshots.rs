//! The storage figures on screen: the layers view, and the delete confirmation's freed
//! bytes with and without the manifests read.

use super::snapshot_tests::{images_state, render};
use crate::app::action::Action;
use crate::app::fixtures::{fixture_section, image, open_with_images, press, with_repositories};
use crate::app::update;
use crossterm::event::KeyCode;

#[test]
fn layers_view() {
    let mut state = images_state();
    press(&mut state, KeyCode::Char('l'));
    let selected = state.images.list.selected_item().unwrap();
    let image = state.images.images[selected].clone();
    let mut unread = fixture_section(&image, Some("linux/arm64/v8"));
    unread.blobs.clear();
    unread.problem = Some("its manifest could not be read: AccessDenied".into());
    let generation = state.layers.generation;
    update(
        &mut state,
        Action::LayersRead {
            generation,
            result: Ok(vec![fixture_section(&image, Some("linux/amd64")), unread]),
        },
    );
    insta::assert_snapshot!("layers_80x24", render(&state, 80, 24));
}

#[test]
fn delete_confirmation_says_what_it_frees() {
    let mut state = images_state();
    press(&mut state, KeyCode::Char('V'));
    press(&mut state, KeyCode::Char('d'));
    insta::assert_snapshot!("delete_frees_80x24", render(&state, 80, 24));
}

#[test]
fn delete_confirmation_before_the_manifests_are_read() {
    let mut state = with_repositories(&["web/app"]);
    open_with_images(&mut state, vec![image(1, &["v1"], 2), image(2, &[], 3)]);
    press(&mut state, KeyCode::Char(' '));
    press(&mut state, KeyCode::Char('d'));
    insta::assert_snapshot!("delete_frees_unknown_80x24", render(&state, 80, 24));
}

/// An audit row of `repository` storing `stored` bytes (exactly or at least).
fn audit_row(repository: &str, stored: Option<(u64, bool)>) -> crate::figures::RepositoryRow {
    crate::figures::RepositoryRow {
        profile: "env".into(),
        account: "123456789012".into(),
        account_name: None,
        region: "us-east-1".into(),
        repository: repository.into(),
        images: 40,
        bytes: 4_000_000_000,
        stored_bytes: stored.map(|(bytes, _)| bytes),
        stored_bytes_exact: stored.map(|(_, exact)| exact),
        archived_images: 0,
        archived_bytes: 0,
        referrers: 0,
        signed_images: 0,
        unsigned_images: 0,
        orphaned_referrers: 0,
        monthly_cost_usd: None,
        untagged_images: 3,
        untagged_bytes: 300_000_000,
        stale_images: 5,
        stale_bytes: 500_000_000,
        oldest_push: None,
        newest_push: None,
        lifecycle_policy: Some(true),
        lifecycle_expired_images: Some(2),
        lifecycle_reclaimable_bytes: Some(200_000_000),
        lifecycle_freed_bytes: None,
        lifecycle_note: None,
        storage_note: None,
        in_use: None,
        in_use_by_accounts: Vec::new(),
    }
}

#[test]
fn audit_view_shows_what_each_repository_stores() {
    for (width, height) in [(80, 24), (200, 50)] {
        let mut state = with_repositories(&["web/app", "web/api", "web/docs"]);
        update(&mut state, Action::Resize { width, height });
        press(&mut state, KeyCode::Char('A'));
        update(
            &mut state,
            Action::AuditLoaded {
                registry: crate::app::fixtures::reg(0),
                result: Ok(vec![
                    audit_row("web/app", Some((1_300_000_000, true))),
                    audit_row("web/api", Some((900_000_000, false))),
                    audit_row("web/docs", None),
                ]),
                errors: Vec::new(),
            },
        );
        insta::assert_snapshot!(
            format!("audit_stored_{width}x{height}"),
            render(&state, width, height)
        );
    }
}
