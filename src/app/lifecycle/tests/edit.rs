//! Editing a policy (or starting from the template), loading one from a file, and an
//! unapplied edit kept across reopening.

use super::*;
use crossterm::event::KeyCode;

#[test]
fn without_a_policy_e_starts_from_a_template_and_the_edit_is_dry_run() {
    let mut view = loaded(None);
    assert!(view.dry_run.is_none());
    assert!(view.text.is_none());
    let KeyOutcome::Effect(LifecycleEffect::Edit { text, generation }) = press(&mut view, 'e')
    else {
        panic!("e should ask for the editor");
    };
    assert_eq!(text, STARTER_POLICY);
    assert_eq!(generation, 7);
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(POLICY.into()),
        },
        now(),
    );
    assert_eq!(view.source, PolicySource::Edited);
    assert!(view.is_unapplied());
    assert_eq!(view.dry_run.as_ref().unwrap().summary.expired, 2);
    assert_eq!(view.message.as_deref(), Some("dry run updated"));
}

#[test]
fn an_invalid_edit_keeps_its_text_and_errors_for_the_next_edit() {
    let mut view = loaded(Some(POLICY));
    let broken = POLICY.replace("\"countNumber\":2", "\"countNumber\":0");
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(broken.clone()),
        },
        now(),
    );
    let error = view.error.as_ref().expect("a parse error").to_string();
    assert!(
        error.contains("priority 2") && error.contains("selection.countNumber"),
        "{error}"
    );
    assert!(view.dry_run.is_none());
    assert_eq!(view.text.as_deref(), Some(broken.as_str()));
    // The next edit starts from the broken text, not from the repository's policy.
    assert_eq!(
        press(&mut view, 'e'),
        KeyOutcome::Effect(LifecycleEffect::Edit {
            text: broken,
            generation: 7
        })
    );
    assert_eq!(press(&mut view, 'a'), KeyOutcome::Handled);
    assert!(view.problem.as_deref().unwrap().contains("invalid"));
    assert_eq!(press(&mut view, 'p'), KeyOutcome::Handled);
    assert_eq!(view.ecr, EcrCheck::NotAsked);
}

#[test]
fn editing_back_to_the_current_policy_is_not_an_unapplied_change() {
    let mut view = loaded(Some(POLICY));
    for (text, message) in [
        ("  \n", "the policy is empty — nothing changed"),
        (POLICY, "policy unchanged"),
    ] {
        view.on_event(
            LifecycleEvent::Edited {
                generation: 7,
                result: Ok(text.into()),
            },
            now(),
        );
        assert_eq!(view.message.as_deref(), Some(message));
        assert!(!view.is_unapplied());
    }
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Err("vi exited with status 1".into()),
        },
        now(),
    );
    assert_eq!(
        view.problem.as_deref(),
        Some("editor: vi exited with status 1")
    );
}

#[test]
fn o_loads_a_policy_file_typed_at_a_prompt() {
    let mut view = loaded(None);
    assert_eq!(press(&mut view, 'o'), KeyOutcome::Handled);
    type_text(&mut view, "policies/web.json");
    let outcome = key(&mut view, KeyCode::Enter, false);
    assert_eq!(
        outcome,
        KeyOutcome::Effect(LifecycleEffect::ReadFile {
            path: "policies/web.json".into(),
            generation: 7
        })
    );
    view.on_event(
        LifecycleEvent::FileRead {
            generation: 7,
            path: "policies/web.json".into(),
            result: Ok(POLICY.into()),
        },
        now(),
    );
    assert_eq!(view.source, PolicySource::File("policies/web.json".into()));
    assert!(view.dry_run.is_some());
    view.on_event(
        LifecycleEvent::FileRead {
            generation: 7,
            path: "nope.json".into(),
            result: Err("No such file or directory (os error 2)".into()),
        },
        now(),
    );
    assert_eq!(
        view.problem.as_deref(),
        Some("cannot read nope.json: No such file or directory (os error 2)")
    );
}

#[test]
fn reopening_the_same_repository_keeps_an_unapplied_edit() {
    let mut view = loaded(Some(KEEP_ALL));
    view.on_event(
        LifecycleEvent::Edited {
            generation: 7,
            result: Ok(POLICY.into()),
        },
        now(),
    );
    view.open(crate::app::fixtures::reg(0), "web/app", 9);
    view.on_event(
        LifecycleEvent::Loaded {
            generation: 9,
            result: Ok(LoadedRepository {
                policy: Some(KEEP_ALL.into()),
                images: images(),
            }),
        },
        now(),
    );
    assert_eq!(view.text.as_deref(), Some(POLICY));
    assert_eq!(view.source, PolicySource::Edited);
    assert_eq!(view.current.as_deref(), Some(KEEP_ALL));
    // Another repository starts clean.
    view.open(crate::app::fixtures::reg(0), "web/api", 10);
    assert!(view.text.is_none());
    assert_eq!(view.source, PolicySource::Repository);
}
