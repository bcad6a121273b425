//! The list state of the images pane against a naive model, driven through `update`
//! the way the runtime drives it: pages arriving in any order, filter edits and clears,
//! sort changes, marks, reloads after a change, refreshes, resizes and moves. After every
//! step the invariants written on `ListView` must hold.

use super::tests::keyed::naive;
use crate::app::action::{Action, Effect};
use crate::app::fixtures::{now, with_repositories};
use crate::app::operate::TagResult;
use crate::app::state::State;
use crate::app::update;
use crate::ecr::model::{Image, ManifestKind, Page};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use proptest::prelude::*;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};

const TAGS: [&str; 8] = [
    "v1.2", "v1.2.5", "v1.2.8", "v12", "latest", "1.2-b", "build-1", "ab",
];
const FILTERS: [&str; 16] = [
    "",
    "v1",
    "1.2",
    "v1.2.5",
    "'v1.2",
    "^v1",
    "2$",
    "!v1",
    "untagged",
    "<untagged>",
    "ab",
    "sha256:ab",
    "b1",
    "v 1",
    "lat",
    "!^1 2",
];
const DIGEST_PREFIXES: [&str; 4] = ["ab", "ba", "a1", "00"];

/// An image of the simulated registry.
fn image(n: usize, tags: Vec<usize>, prefix: usize, pushed: i64, size: u64) -> Image {
    let mut tags: Vec<String> = tags.into_iter().map(|t| TAGS[t].to_string()).collect();
    tags.dedup();
    Image {
        digest: format!("sha256:{}{n:062x}", DIGEST_PREFIXES[prefix]),
        tags,
        pushed_at: Some(Timestamp::from_second(now().as_second() - pushed * 3_600).unwrap()),
        last_pulled_at: size
            .is_multiple_of(2)
            .then(|| Timestamp::from_second(now().as_second() - size as i64).unwrap()),
        size_bytes: size,
        manifest_media_type: None,
        kind: ManifestKind::Image,
        scan: None,
        status: Default::default(),
        last_archived_at: None,
        last_activated_at: None,
        subject_digest: None,
        artifact_type: None,
    }
}

fn image_strategy() -> impl Strategy<Value = (Vec<usize>, usize, i64, u64)> {
    (
        proptest::collection::vec(0..TAGS.len(), 0..3),
        0..DIGEST_PREFIXES.len(),
        0i64..6,
        0u64..4,
    )
}

/// Something that happens while the user looks at the images pane.
#[derive(Clone, Debug)]
enum Step {
    /// The next page of the listing in flight arrives, `size` images long.
    Page(usize),
    /// `/`, the text, Enter.
    Filter(usize),
    /// Esc with a filter applied: cleared.
    ClearFilter,
    SortNext,
    SortReverse,
    /// Space: mark the selected image (and move down).
    Mark,
    /// A key that moves the cursor.
    Move(KeyCode),
    /// `r`.
    Refresh,
    /// A tag put on the selected image, and the reload that follows.
    Tagged,
    /// Someone else deletes an image or pushes one (seen at the next reload).
    ServerDelete(usize),
    ServerPush((Vec<usize>, usize, i64, u64)),
    Resize(u16),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (1usize..8).prop_map(Step::Page),
        3 => (0..FILTERS.len()).prop_map(Step::Filter),
        1 => Just(Step::ClearFilter),
        1 => Just(Step::SortNext),
        1 => Just(Step::SortReverse),
        2 => Just(Step::Mark),
        4 => proptest::sample::select(vec![
            KeyCode::Down,
            KeyCode::Up,
            KeyCode::PageDown,
            KeyCode::PageUp,
            KeyCode::Home,
            KeyCode::End,
        ])
        .prop_map(Step::Move),
        1 => Just(Step::Refresh),
        1 => Just(Step::Tagged),
        1 => (0usize..64).prop_map(Step::ServerDelete),
        1 => image_strategy().prop_map(Step::ServerPush),
        // From the smallest size berth draws in (below it, keys do nothing).
        1 => (crate::app::state::MIN_HEIGHT..30).prop_map(Step::Resize),
    ]
}

fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The naive model: the registry, what the pane was sent, and what the user did.
struct Model {
    server: Vec<Image>,
    /// The listing in flight: generation, images still to send (in push order).
    pending: Option<(u64, Vec<Image>)>,
    /// The listing on screen: the first listing as its pages arrive, then each completed
    /// reload.
    listed: Vec<Image>,
    /// A reload's pages so far; they replace `listed` only once it is complete.
    incoming: Option<Vec<Image>>,
    /// Whether a listing of the repository has started (later ones are reloads).
    opened: bool,
    filter: String,
    column: usize,
    descending: bool,
    /// The user moved (or jumped), and to which image.
    moved: bool,
    selected: Option<String>,
    marks: BTreeSet<String>,
    next_image: usize,
    next_tag: usize,
}

impl Model {
    fn listing_started(&mut self, effects: &[Effect], order: &[usize]) {
        let Some(generation) = effects.iter().find_map(|e| match e {
            Effect::FetchImages { generation, .. } => Some(*generation),
            _ => None,
        }) else {
            panic!("a listing should start: {effects:?}");
        };
        // Any push order: the registry lists in an order of its own.
        let mut images = self.server.clone();
        let mut shuffled = Vec::new();
        let mut turn = 0;
        while !images.is_empty() {
            let at = order.get(turn).copied().unwrap_or(0) % images.len();
            shuffled.push(images.remove(at));
            turn += 1;
        }
        self.pending = Some((generation, shuffled));
        if self.opened {
            self.incoming = Some(Vec::new());
        } else {
            self.opened = true;
            self.listed.clear();
        }
    }

    fn compare(&self, a: &Image, b: &Image) -> Ordering {
        let by = match self.column {
            1 => a.tags.first().cmp(&b.tags.first()),
            2 => a.size_bytes.cmp(&b.size_bytes),
            3 => a.last_pulled_at.cmp(&b.last_pulled_at),
            _ => Ordering::Equal,
        }
        .then(a.pushed_at.cmp(&b.pushed_at))
        .then(a.digest.cmp(&b.digest));
        if self.descending { by.reverse() } else { by }
    }

    fn class(&self, image: &Image) -> Option<u32> {
        let texts: Vec<String> = if image.tags.is_empty() {
            vec!["<untagged>".to_string()]
        } else {
            image.tags.clone()
        };
        naive::rank(&self.filter, &texts, &image.digest["sha256:".len()..])
    }

    /// The rows the pane must show: matching images, better matches first, each rank
    /// in the sort order (fuzzy matches, ordered by a score the model does not know,
    /// come last).
    fn rows(&self) -> Vec<(u32, &Image)> {
        let mut rows: Vec<(u32, &Image)> = self
            .listed
            .iter()
            .filter_map(|i| self.class(i).map(|c| (c, i)))
            .collect();
        rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| self.compare(a.1, b.1)));
        rows
    }
}

fn shown(state: &State) -> Vec<String> {
    let pane = &state.images;
    pane.list
        .rows
        .iter()
        .map(|&i| pane.images[i].digest.clone())
        .collect()
}

fn selected_digest(state: &State) -> Option<String> {
    let pane = &state.images;
    pane.list
        .selected_item()
        .map(|i| pane.images[i].digest.clone())
}

/// Every invariant, and adopt the state's choices where the model allows several.
fn check(state: &State, model: &mut Model, step: &Step) -> Result<(), TestCaseError> {
    let list = &state.images.list;
    let rows = shown(state);
    let expected = model.rows();
    prop_assert_eq!(rows.len(), expected.len(), "row count after {:?}", step);
    for (position, (class, image)) in expected.iter().enumerate() {
        if *class < 3 {
            prop_assert_eq!(
                &rows[position],
                &image.digest,
                "row {} after {:?}",
                position,
                step
            );
        }
    }
    let fuzzy_shown: HashSet<&String> = rows
        .iter()
        .zip(&expected)
        .filter(|(_, (class, _))| *class == 3)
        .map(|(digest, _)| digest)
        .collect();
    let fuzzy_expected: HashSet<&String> = expected
        .iter()
        .filter(|(class, _)| *class == 3)
        .map(|(_, image)| &image.digest)
        .collect();
    prop_assert_eq!(
        fuzzy_shown,
        fuzzy_expected,
        "fuzzy matches after {:?}",
        step
    );

    prop_assert_eq!(
        list.filter.text(),
        model.filter.as_str(),
        "the filter is kept"
    );
    let height = state.body_height();
    if rows.is_empty() {
        prop_assert_eq!(list.selected, 0);
    } else {
        prop_assert!(list.selected < rows.len());
        prop_assert!(
            list.offset <= list.selected && list.selected < list.offset + height,
            "selection {} visible in {}+{} after {:?}",
            list.selected,
            list.offset,
            height,
            step
        );
        prop_assert!(
            list.offset + height <= rows.len() || list.offset == 0,
            "no blank rows below while rows are above: offset {} height {} rows {} after {:?}",
            list.offset,
            height,
            rows.len(),
            step
        );
    }
    if matches!(step, Step::SortNext | Step::SortReverse) {
        prop_assert_eq!(
            list.offset,
            (list.selected + 1).saturating_sub(height),
            "after a sort, scrolled no further than keeps the selection visible"
        );
    }
    if !model.moved {
        prop_assert_eq!(
            (list.selected, list.offset),
            (0, 0),
            "first row until a move"
        );
    } else if let Some(wanted) = model.selected.clone() {
        if rows.contains(&wanted) {
            prop_assert_eq!(selected_digest(state), Some(wanted), "the user's item");
        } else {
            let coming = model
                .pending
                .as_ref()
                .is_some_and(|(_, rest)| rest.iter().any(|i| i.digest == wanted));
            if !coming {
                // Gone or filtered out: a neighbour, which is now the user's item.
                model.selected = selected_digest(state);
            }
        }
    }
    if model.pending.is_none() {
        let existing: HashSet<&str> = model.listed.iter().map(|i| i.digest.as_str()).collect();
        model.marks.retain(|d| existing.contains(d.as_str()));
        prop_assert_eq!(state.images.marked.len(), model.marks.len(), "marks kept");
        for digest in &model.marks {
            prop_assert!(state.images.marked.contains(digest));
        }
    }
    Ok(())
}

fn run(state: &mut State, model: &mut Model, step: &Step, order: &[usize]) {
    match step {
        Step::Page(size) => {
            let Some((generation, rest)) = model.pending.as_mut() else {
                return;
            };
            let generation = *generation;
            let items: Vec<Image> = rest.drain(..(*size).min(rest.len())).collect();
            let done = rest.is_empty();
            match model.incoming.as_mut() {
                Some(incoming) => incoming.extend(items.iter().cloned()),
                None => model.listed.extend(items.iter().cloned()),
            }
            if done {
                model.pending = None;
                if let Some(incoming) = model.incoming.take() {
                    model.listed = incoming;
                }
            }
            update(
                state,
                Action::ImagesPage {
                    generation,
                    result: Ok(Page {
                        items,
                        next_token: (!done).then(|| "more".to_string()),
                    }),
                },
            );
        }
        Step::Filter(index) => {
            let text = FILTERS[*index];
            update(state, key(KeyCode::Char('/')));
            for _ in 0..model.filter.chars().count() {
                update(state, key(KeyCode::Backspace));
            }
            for c in text.chars() {
                update(state, key(KeyCode::Char(c)));
            }
            update(state, key(KeyCode::Enter));
            // Typing puts the cursor on the first (best) row again.
            if !model.filter.is_empty() || !text.is_empty() {
                model.moved = false;
                model.selected = None;
            }
            model.filter = text.to_string();
        }
        Step::ClearFilter => {
            if state.images.list.filter.is_active() {
                update(state, key(KeyCode::Esc));
                model.filter.clear();
            }
        }
        Step::SortNext => {
            update(state, key(KeyCode::Char('s')));
            // Column 4 (UNIQUE) orders by storage figures, which this model never
            // delivers: every image is unknown there, so push time decides.
            model.column = (model.column + 1) % crate::app::state::IMAGE_SORTS.len();
            model.descending = true;
        }
        Step::SortReverse => {
            update(state, key(KeyCode::Char('S')));
            model.descending = !model.descending;
        }
        Step::Mark | Step::Move(_) => {
            let rows = model.rows().len();
            let before = state.images.list.selected;
            let height = state.body_height();
            let (action, target) = match step {
                Step::Mark => {
                    if let Some(digest) = selected_digest(state)
                        && !model.marks.remove(&digest)
                    {
                        model.marks.insert(digest);
                    }
                    (key(KeyCode::Char(' ')), before + 1)
                }
                Step::Move(code) => (
                    key(*code),
                    match code {
                        KeyCode::Down => before + 1,
                        KeyCode::Up => before.saturating_sub(1),
                        KeyCode::PageDown => before + height,
                        KeyCode::PageUp => before.saturating_sub(height),
                        KeyCode::Home => 0,
                        _ => rows.saturating_sub(1),
                    },
                ),
                _ => unreachable!(),
            };
            update(state, action);
            if rows > 0 {
                assert_eq!(state.images.list.selected, target.min(rows - 1), "{step:?}");
                model.moved = true;
                model.selected = selected_digest(state);
            }
        }
        Step::Refresh => {
            let effects = update(state, key(KeyCode::Char('r')));
            model.listing_started(&effects, order);
        }
        Step::Tagged => {
            let Some(digest) = selected_digest(state) else {
                return;
            };
            let letters = ["q", "w", "x"];
            let tag = format!(
                "zz{}{}",
                letters[model.next_tag % 3],
                letters[model.next_tag / 3 % 3]
            );
            model.next_tag += 1;
            if let Some(image) = model.server.iter_mut().find(|i| i.digest == digest) {
                image.tags.push(tag.clone());
            }
            let effects = update(
                state,
                Action::TagPut {
                    tag,
                    result: TagResult::Tagged,
                },
            );
            state.dialog = None;
            model.listing_started(&effects, order);
            // The reload keeps the filter and the user's image (a reload, not a jump).
        }
        Step::ServerDelete(index) => {
            if !model.server.is_empty() && model.pending.is_none() {
                let at = index % model.server.len();
                model.server.remove(at);
            }
        }
        Step::ServerPush((tags, prefix, pushed, size)) => {
            if model.pending.is_none() {
                model.next_image += 1;
                let n = model.next_image;
                model
                    .server
                    .push(image(n, tags.clone(), *prefix, *pushed, *size));
            }
        }
        Step::Resize(height) => {
            update(
                state,
                Action::Resize {
                    width: 100,
                    height: *height,
                },
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn the_images_pane_keeps_its_list_invariants(
        images in proptest::collection::vec(image_strategy(), 0..30),
        order in proptest::collection::vec(0usize..64, 64),
        steps in proptest::collection::vec(step(), 1..40),
    ) {
        let server: Vec<Image> = images
            .into_iter()
            .enumerate()
            .map(|(n, (tags, prefix, pushed, size))| image(n, tags, prefix, pushed, size))
            .collect();
        let mut model = Model {
            next_image: server.len(),
            server,
            pending: None,
            listed: Vec::new(),
            incoming: None,
            opened: false,
            filter: String::new(),
            column: 0,
            descending: true,
            moved: false,
            selected: None,
            marks: BTreeSet::new(),
            next_tag: 0,
        };
        let mut state = with_repositories(&["web/app"]);
        let effects = update(&mut state, key(KeyCode::Enter));
        model.listing_started(&effects, &order);
        for step in &steps {
            run(&mut state, &mut model, step, &order);
            check(&state, &mut model, step)?;
        }
    }
}

/// The repositories pane: a refresh finds the user's repository again, whatever order
/// and pages the registry lists it in, with the viewport full.
#[test]
fn a_repositories_refresh_keeps_the_users_repository() {
    let names: Vec<String> = (0..30).map(|i| format!("team/service-{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut state = with_repositories(&refs);
    update(
        &mut state,
        Action::Resize {
            width: 100,
            height: 15,
        },
    );
    for _ in 0..25 {
        update(&mut state, key(KeyCode::Down));
    }
    let list = &state.repositories.list;
    let name = |state: &State| {
        let pane = &state.repositories;
        pane.list
            .selected_item()
            .map(|i| pane.rows[i].repo.name.clone())
    };
    assert_eq!(name(&state).as_deref(), Some("team/service-25"));
    assert_eq!(list.offset, 25 + 1 - state.body_height());
    let effects = update(&mut state, key(KeyCode::Char('r')));
    let Some(generation) = effects.iter().find_map(|e| match e {
        Effect::FetchRepositories { generation, .. } => Some(*generation),
        _ => None,
    }) else {
        panic!("r should list the repositories again: {effects:?}");
    };
    // The registry lists them in another order, in two pages.
    let mut again: Vec<&str> = refs.clone();
    again.reverse();
    let registry = state.registries.rows[0].target.clone();
    for (chunk, last) in [(&again[..20], false), (&again[20..], true)] {
        update(
            &mut state,
            Action::RepositoriesPage {
                registry: registry.clone(),
                generation,
                result: Ok(Page {
                    items: chunk
                        .iter()
                        .map(|n| crate::app::fixtures::repo(n))
                        .collect(),
                    next_token: (!last).then(|| "more".to_string()),
                }),
            },
        );
    }
    assert_eq!(name(&state).as_deref(), Some("team/service-25"));
    let list = &state.repositories.list;
    assert!(list.offset + state.body_height() <= list.rows.len());
}

/// After a sort the old scroll offset means nothing: the view scrolls no further from the
/// top than keeps the selection visible, so the new top rows are not hidden.
#[test]
fn a_sort_scrolls_only_as_far_as_the_selection_needs() {
    let names: Vec<String> = (0..30).map(|i| format!("team/service-{i:02}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut state = with_repositories(&refs);
    update(
        &mut state,
        Action::Resize {
            width: 100,
            height: 15,
        },
    );
    let height = state.body_height();
    // The selection on the top screen row of a viewport scrolled to the end.
    update(&mut state, key(KeyCode::Char('G')));
    for _ in 1..height {
        update(&mut state, key(KeyCode::Up));
    }
    let list = &state.repositories.list;
    assert_eq!((list.selected, list.offset), (30 - height, 30 - height));
    for sort in ['S', 's', 'S'] {
        update(&mut state, key(KeyCode::Char(sort)));
        let list = &state.repositories.list;
        assert_eq!(
            list.offset,
            (list.selected + 1).saturating_sub(height),
            "after {sort}: selected {} offset {}",
            list.selected,
            list.offset
        );
    }
}
