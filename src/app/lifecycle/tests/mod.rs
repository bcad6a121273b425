//! Key paths and results through the lifecycle view, asserted on state and effects: the
//! dry run (`dry_run`), editing and loading a policy (`edit`), applying it (`apply`) and
//! ECR's own preview (`preview`). The builders here are shared with the UI's snapshots.

mod apply;
mod dry_run;
mod edit;
mod preview;

use super::*;
use crate::app::keymap::Keymap;
use crate::lifecycle::ImageRecord;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;

pub(crate) fn now() -> Timestamp {
    "2026-11-25T12:00:00Z".parse().unwrap()
}

/// A digest whose short form tells images apart: `sha256:1111…`, `sha256:2222…`.
pub(crate) fn digest(n: u64) -> String {
    format!(
        "sha256:{}",
        format!("{n:x}").repeat(64).get(..64).unwrap_or_default()
    )
}

/// Image `n`, pushed `days_ago` days before [`now`], 1 MiB × n.
pub(crate) fn record(n: u64, tags: &[&str], days_ago: i64) -> ImageRecord {
    ImageRecord {
        digest: digest(n),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        pushed_at: Timestamp::from_second(now().as_second() - days_ago * 86_400).unwrap(),
        size_bytes: 1_048_576 * n,
        last_pulled_at: None,
        media_type: Some("application/vnd.oci.image.manifest.v1+json".into()),
        referenced_by_manifest_list: false,
        layers: None,
        unique_bytes: None,
        ..ImageRecord::default()
    }
}

/// Untagged after 14 days; keep 2 `pr-` images.
pub(crate) const POLICY: &str = r#"{"rules":[
 {"rulePriority":1,"description":"untagged after 14 days","selection":{"tagStatus":"untagged","countType":"sinceImagePushed","countUnit":"days","countNumber":14},"action":{"type":"expire"}},
 {"rulePriority":2,"selection":{"tagStatus":"tagged","tagPrefixList":["pr-"],"countType":"imageCountMoreThan","countNumber":2},"action":{"type":"expire"}}]}"#;

pub(super) const KEEP_ALL: &str = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":100},"action":{"type":"expire"}}]}"#;

pub(crate) fn images() -> Vec<ImageRecord> {
    let mut child = record(7, &[], 40);
    child.referenced_by_manifest_list = true;
    vec![
        record(1, &[], 30),
        record(2, &[], 3),
        record(3, &["pr-1"], 20),
        record(4, &["pr-2"], 10),
        record(5, &["pr-3", "latest"], 1),
        record(6, &["v1.0.0"], 100),
        child,
    ]
}

/// A view on `web/app` loaded with [`images`] and `policy`.
pub(crate) fn loaded(policy: Option<&str>) -> LifecycleView {
    let mut view = LifecycleView::default();
    let effect = view.open(crate::app::fixtures::reg(0), "web/app", 7);
    assert_eq!(
        effect,
        LifecycleEffect::Load {
            registry: crate::app::fixtures::reg(0),
            repository: "web/app".into(),
            generation: 7
        }
    );
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 7,
            result: Ok(LoadedRepository {
                policy: policy.map(str::to_string),
                images: images(),
            }),
        },
        now(),
    );
    view
}

pub(super) fn key(view: &mut LifecycleView, code: KeyCode, read_only: bool) -> KeyOutcome {
    let event = KeyEvent::new(code, KeyModifiers::NONE);
    let command = Keymap::default().lookup(&event);
    view.on_key(event, command, read_only, 10)
}

pub(super) fn press(view: &mut LifecycleView, c: char) -> KeyOutcome {
    key(view, KeyCode::Char(c), false)
}

pub(super) fn type_text(view: &mut LifecycleView, text: &str) {
    for c in text.chars() {
        assert_eq!(press(view, c), KeyOutcome::Handled);
    }
}
