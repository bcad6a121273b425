//! Applying a policy: refused in read-only mode, confirmed with y or the typed
//! repository name.

use super::*;
use crate::ecr::EcrError;
use crossterm::event::KeyCode;

#[test]
fn read_only_mode_blocks_apply_before_any_question() {
    let mut view = loaded(Some(POLICY));
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(KEEP_ALL.into()),
        },
        now(),
    );
    assert_eq!(
        key(&mut view, KeyCode::Char('a'), true),
        KeyOutcome::Handled
    );
    assert!(matches!(view.dialog, Dialog::None));
    assert_eq!(
        view.problem.as_deref(),
        Some("read-only mode: putting a lifecycle policy on web/app was not attempted")
    );
}

#[test]
fn applying_a_policy_that_expires_images_needs_the_repository_name() {
    let mut view = loaded(None);
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(POLICY.into()),
        },
        now(),
    );
    assert_eq!(press(&mut view, 'a'), KeyOutcome::Handled);
    assert!(matches!(
        view.dialog,
        Dialog::ConfirmApply {
            needs_name: true,
            ..
        }
    ));
    // `y` is only a letter of the name here.
    type_text(&mut view, "yweb/ap");
    assert_eq!(key(&mut view, KeyCode::Enter, false), KeyOutcome::Handled);
    assert!(
        view.problem
            .as_deref()
            .unwrap()
            .contains("type web/app exactly")
    );
    for _ in 0.."yweb/ap".len() {
        key(&mut view, KeyCode::Backspace, false);
    }
    type_text(&mut view, "web/app");
    let KeyOutcome::Effect(LifecycleEffect::Apply(apply)) = key(&mut view, KeyCode::Enter, false)
    else {
        panic!("Enter with the name typed should apply");
    };
    assert_eq!(
        (
            apply.registry(),
            apply.repository(),
            apply.text(),
            apply.generation()
        ),
        (&crate::app::fixtures::reg(0), "web/app", POLICY, 7)
    );
    assert!(view.applying);
    assert!(matches!(view.dialog, Dialog::None));
    view.on_event(
        LifecycleEvent::Applied {
            generation: 7,
            text: POLICY.into(),
            result: Ok(()),
        },
        now(),
    );
    assert!(!view.applying);
    assert_eq!(view.current.as_deref(), Some(POLICY));
    assert_eq!(view.source, PolicySource::Repository);
    assert!(
        view.message
            .as_deref()
            .unwrap()
            .contains("applied to web/app")
    );
    // Now it is the repository's own policy: nothing to apply.
    press(&mut view, 'a');
    assert_eq!(
        view.problem.as_deref(),
        Some("this is already web/app's policy")
    );
}

#[test]
fn a_policy_that_expires_nothing_is_confirmed_with_y_and_esc_cancels() {
    let mut view = loaded(Some(POLICY));
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(KEEP_ALL.into()),
        },
        now(),
    );
    press(&mut view, 'a');
    assert!(matches!(
        view.dialog,
        Dialog::ConfirmApply {
            needs_name: false,
            ..
        }
    ));
    assert_eq!(key(&mut view, KeyCode::Esc, false), KeyOutcome::Handled);
    assert!(matches!(view.dialog, Dialog::None));
    press(&mut view, 'a');
    assert!(matches!(
        press(&mut view, 'y'),
        KeyOutcome::Effect(LifecycleEffect::Apply(_))
    ));
    view.on_event(
        LifecycleEvent::Applied {
            generation: 7,
            text: KEEP_ALL.into(),
            result: Err(EcrError::Service {
                action: "ecr:PutLifecyclePolicy".into(),
                subject: "web/app".into(),
                code: "InvalidParameterException".into(),
                message: "nope".into(),
            }),
        },
        now(),
    );
    assert!(
        view.problem
            .as_deref()
            .unwrap()
            .contains("InvalidParameterException")
    );
    assert!(view.is_unapplied());
}
