//! The registries of an organization loading row by row: each row its own state, and
//! how many accounts have been read while the rest still load.

use crate::app::action::Action;
use crate::app::fixtures::*;
use crate::app::state::{Pane, State};
use crate::app::{start, update};
use crate::ecr::EcrError;
use crate::ecr::model::{CredentialSource, MemberAccount, RegistryTarget};

/// Accounts `a`, `b` and `c`, each in two regions.
fn organization() -> Vec<RegistryTarget> {
    ["a", "b", "c"]
        .iter()
        .enumerate()
        .flat_map(|(i, name)| {
            let member = MemberAccount {
                id: format!("10000000000{i}"),
                name: name.to_string(),
                role: "OrganizationAccountAccessRole".into(),
                via: None,
            };
            ["us-east-1", "eu-west-1"]
                .map(|region| RegistryTarget::new(CredentialSource::Member(member.clone()), region))
        })
        .collect()
}

fn counted(state: &mut State, registry: &RegistryTarget, result: Result<usize, EcrError>) {
    update(
        state,
        Action::RepositoryCount {
            registry: registry.clone(),
            result,
        },
    );
}

#[test]
fn every_row_loads_on_its_own_and_accounts_count_as_read_when_all_their_rows_are() {
    let targets = organization();
    let mut state = State::new(targets.clone(), now());
    start(&mut state);
    assert!(state.registries.rows.iter().all(|row| row.reading));
    assert_eq!(state.registries.accounts_read(), Some((0, 3)));

    // Account a's first registry is the one on screen: its listing reads it.
    update(
        &mut state,
        Action::RepositoriesPage {
            registry: targets[0].clone(),
            generation: 1,
            result: Ok(page(vec![repo("web")], None)),
        },
    );
    assert_eq!(
        state.registries.accounts_read(),
        Some((0, 3)),
        "a: one region of two"
    );
    counted(&mut state, &targets[1], Ok(4));
    assert_eq!(state.registries.accounts_read(), Some((1, 3)));

    // A failure is a row read too: it says why, and the others do not wait for it.
    let denied = EcrError::AccessDenied {
        action: "sts:AssumeRole".into(),
        subject: "b".into(),
        message: String::new(),
    };
    counted(&mut state, &targets[2], Err(denied.clone()));
    counted(&mut state, &targets[3], Err(denied));
    let row = state.registries.row(&targets[2]).unwrap();
    assert!(!row.reading && row.error.as_deref().unwrap().contains("sts:AssumeRole"));
    assert!(
        state.registries.row(&targets[4]).unwrap().reading,
        "c still loading"
    );
    assert_eq!(state.registries.accounts_read(), Some((2, 3)));

    counted(&mut state, &targets[4], Ok(0));
    counted(&mut state, &targets[5], Ok(1));
    assert_eq!(state.registries.accounts_read(), Some((3, 3)));
    assert_eq!(state.pane, Pane::Repositories);
}

#[test]
fn profiles_alone_have_no_accounts_to_count() {
    let mut state = State::new(targets(), now());
    start(&mut state);
    assert_eq!(state.registries.accounts_read(), None);
}
