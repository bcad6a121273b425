//! ECR's own preview, compared with berth's dry run of the same text.

use super::*;
use crate::ecr::EcrError;
use crate::ecr::policy::PreviewImage;
use crate::ecr::policy::{EcrPreview, PreviewAction, PreviewStatus};
use crossterm::event::KeyCode;

#[test]
fn read_only_mode_refuses_ecrs_preview_without_an_effect() {
    let mut view = loaded(Some(POLICY));
    assert_eq!(
        key(&mut view, KeyCode::Char('p'), true),
        KeyOutcome::Handled
    );
    assert_eq!(
        view.problem.as_deref(),
        Some("read-only mode: start a lifecycle preview on web/app was not attempted")
    );
    assert!(matches!(
        key(&mut view, KeyCode::Char('p'), false),
        KeyOutcome::Effect(LifecycleEffect::EcrPreview { .. })
    ));
}

#[test]
fn ecr_preview_is_compared_with_the_dry_run_of_the_same_text() {
    let mut view = loaded(Some(POLICY));
    let KeyOutcome::Effect(LifecycleEffect::EcrPreview { text, .. }) = press(&mut view, 'p') else {
        panic!("p should ask ECR");
    };
    assert_eq!(text, POLICY);
    assert_eq!(view.ecr, EcrCheck::Running);
    assert_eq!(press(&mut view, 'p'), KeyOutcome::Handled);
    let expire = |n: u64, rule: u32| PreviewImage {
        digest: digest(n),
        tags: Vec::new(),
        pushed_at: None,
        rule_priority: Some(rule),
        action: PreviewAction::Expire,
    };
    let preview = EcrPreview {
        status: PreviewStatus::Complete,
        // ECR agrees on image 1, expires image 3 by another rule, and image 2 too.
        images: vec![expire(1, 1), expire(3, 1), expire(2, 1)],
        expiring_total: Some(3),
        policy_text: Some(POLICY.into()),
        started: true,
    };
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: POLICY.into(),
            result: Ok(preview),
        },
        now(),
    );
    let EcrCheck::Done(comparison) = &view.ecr else {
        panic!("expected a comparison, got {:?}", view.ecr);
    };
    assert_eq!(
        (
            comparison.agree,
            comparison.ecr_expiring,
            comparison.berth_expiring
        ),
        (1, 3, 2)
    );
    let differences: Vec<(String, Option<u32>, Option<u32>)> = comparison
        .differences
        .iter()
        .map(|d| (d.digest.clone(), d.berth, d.ecr))
        .collect();
    assert_eq!(
        differences,
        [(digest(3), Some(2), Some(1)), (digest(2), None, Some(1))]
    );
}

#[test]
fn an_endpoint_without_ecr_preview_says_so() {
    let mut view = loaded(Some(POLICY));
    press(&mut view, 'p');
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: POLICY.into(),
            result: Err(EcrError::Unsupported {
                action: "ecr:StartLifecyclePolicyPreview".into(),
                subject: "web/app".into(),
            }),
        },
        now(),
    );
    assert!(matches!(&view.ecr, EcrCheck::Unsupported(m) if m.contains("does not offer")));
    // A preview ECR has not finished is not an error.
    press(&mut view, 'p');
    view.on_event(
        LifecycleEvent::EcrPreviewed {
            generation: 7,
            text: POLICY.into(),
            result: Ok(EcrPreview {
                status: PreviewStatus::InProgress,
                images: Vec::new(),
                expiring_total: None,
                policy_text: None,
                started: true,
            }),
        },
        now(),
    );
    assert_eq!(view.ecr, EcrCheck::StillRunning);
}
