//! `ListView` and its parts on their own: sorting, filtering, the cursor, reloads, and
//! keyed rebuilds against plain comparator sorts.

use super::*;

fn names() -> Vec<&'static str> {
    vec![
        "web/frontend",
        "payments/api",
        "base/python",
        "payments/worker",
    ]
}

fn rebuild(view: &mut ListView, items: &[&str]) {
    view.rebuild(items, |s, out| out.text(s), |a, b| a.cmp(b));
}

#[test]
fn sorts_by_comparator_and_reverses() {
    let items = names();
    let mut view = ListView::default();
    rebuild(&mut view, &items);
    assert_eq!(view.rows, [2, 1, 3, 0]);
    view.descending = true;
    rebuild(&mut view, &items);
    assert_eq!(view.rows, [0, 3, 1, 2]);
}

#[test]
fn fuzzy_filter_narrows_and_highlights() {
    let items = names();
    let mut view = ListView::default();
    view.filter.set("pay");
    rebuild(&mut view, &items);
    assert_eq!(view.rows, [1, 3]);
    assert_eq!(view.filter.highlights("payments/api"), [0, 1, 2]);
    view.filter.set("pywk");
    rebuild(&mut view, &items);
    assert_eq!(view.rows, [3]);
}

#[test]
fn cursor_follows_its_item_when_rows_change() {
    let mut items = names();
    let mut view = ListView::default();
    rebuild(&mut view, &items);
    view.move_by(2, 10); // payments/worker
    assert_eq!(view.selected_item(), Some(3));
    items.push("aaa/first");
    rebuild(&mut view, &items);
    assert_eq!(view.selected_item(), Some(3));
    assert_eq!(view.selected, 3);
}

#[test]
fn cursor_clamps_when_its_item_is_filtered_out() {
    let items = names();
    let mut view = ListView::default();
    rebuild(&mut view, &items);
    view.last(10);
    view.filter.set("base");
    rebuild(&mut view, &items);
    assert_eq!(view.selected, 0);
    assert_eq!(view.selected_item(), Some(2));
}

#[test]
fn scrolling_keeps_cursor_in_viewport() {
    let items: Vec<String> = (0..100).map(|i| format!("{i:03}")).collect();
    let mut view = ListView::default();
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    view.move_by(15, 10);
    assert_eq!((view.selected, view.offset), (15, 6));
    view.move_by(-12, 10);
    assert_eq!((view.selected, view.offset), (3, 3));
    view.last(10);
    assert_eq!((view.selected, view.offset), (99, 90));
    view.move_by(50, 10);
    assert_eq!(view.selected, 99);
}

fn numbered(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("{i:03}")).collect()
}

#[test]
fn clearing_a_filter_never_leaves_blank_rows_below() {
    let items = numbered(30);
    let mut view = ListView::default();
    view.set_height(10);
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    view.filter.set("29");
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    view.last(10);
    assert_eq!(view.selected_item(), Some(29));
    view.filter.set("");
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    // The cursor's item is the last row: the viewport ends there, full.
    assert_eq!((view.selected, view.offset), (29, 20));
    view.descending = true;
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    // Now first: it cannot keep its screen row without blank rows above the top.
    assert_eq!((view.selected, view.offset), (0, 0));
}

#[test]
fn the_cursor_follows_the_first_row_until_the_user_moves() {
    let mut items = vec!["b".to_string()];
    let mut view = ListView::default();
    view.set_height(10);
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    items.push("a".into());
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    assert_eq!(view.selected_item(), Some(1), "the new first row");
    view.move_by(1, 10);
    items.push("0".into());
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    assert_eq!(view.selected_item(), Some(0), "the user's item");
}

#[test]
fn a_reload_finds_the_users_item_or_its_neighbour() {
    let items = numbered(30);
    let mut view = ListView::default();
    view.set_height(10);
    view.rebuild(&items, |s, o| o.text(s), |a, b| a.cmp(b));
    view.move_by(12, 10);
    view.start_reload(|i| items[i].clone());
    assert!(view.rows.is_empty());
    // The item comes back in the second page, after the first row was shown.
    let mut again: Vec<String> = Vec::new();
    for page in [&items[20..], &items[..20]] {
        again.extend(page.iter().cloned());
        view.rebuild(&again, |s, o| o.text(s), |a, b| a.cmp(b));
        view.resolve_reload(|i| again[i].as_str(), again.len(), again.len() == 30);
    }
    assert_eq!(view.selected_item().map(|i| again[i].as_str()), Some("012"));
    // Gone: the nearest neighbour below it.
    view.start_reload(|i| again[i].clone());
    let without: Vec<String> = items.iter().filter(|s| *s != "012").cloned().collect();
    view.rebuild(&without, |s, o| o.text(s), |a, b| a.cmp(b));
    view.resolve_reload(|i| without[i].as_str(), without.len(), true);
    assert_eq!(
        view.selected_item().map(|i| without[i].as_str()),
        Some("013")
    );
}

#[test]
fn better_matches_rank_first_in_sort_order() {
    let items: Vec<Vec<&str>> = vec![
        vec!["v1.2.8"],
        vec!["v1.2.5-rc1"],
        vec!["v1.2.5"],
        vec!["xv1.2.5"],
        vec!["v1.20.5"],
        vec!["latest"],
    ];
    let mut view = ListView::default();
    view.filter.set("v1.2.5");
    view.rebuild(
        &items,
        |tags, o| tags.iter().for_each(|t| o.text(t)),
        |a, b| a.cmp(b),
    );
    // equal, prefix, substring, fuzzy; v1.2.8 and latest do not match.
    assert_eq!(view.rows, [2, 1, 3, 4]);
    assert_eq!(view.filter.highlights("xv1.2.5"), [1, 2, 3, 4, 5, 6]);
}

#[test]
fn syntax_operators_and_identifiers() {
    let fields = |texts: &[&str], id: &str| {
        let mut fields = Fields::default();
        texts.iter().for_each(|t| fields.text(t));
        fields.id(id);
        fields
    };
    let row = fields(&["main-3f2a", "Latest"], "sha256:abc123");
    let mut filter = FuzzyFilter::default();
    for (pattern, matches) in [
        ("'latest", true),
        ("'main", false),
        ("^main", true),
        ("^3f2a", false),
        ("3f2a$", true),
        ("!main", false),
        ("!beta", true),
        ("abc1", true),
        ("sha256:abc", true),
        ("bc12", false),
        ("LATEST", false),
        ("Latest main", true),
        ("!", true),
    ] {
        filter.set(pattern);
        assert_eq!(filter.matches(&row), matches, "{pattern}");
    }
    filter.set("sha256:ab");
    assert_eq!(filter.id_highlight("sha256:abc123"), 2);
}

pub(super) mod keyed {
    use super::super::{ListView, SortKey, sort_key};
    use jiff::Timestamp;
    use proptest::prelude::*;
    use std::cmp::Ordering;

    type Item = (Option<String>, Option<Timestamp>, u64);

    fn time() -> impl Strategy<Value = Option<Timestamp>> {
        // Negative times (before 1970), sub-millisecond differences (the key's
        // resolution) and the whole range; a small pool of values so that ties happen.
        prop_oneof![
            Just(None),
            (-3i64..3, -2i32..2, 0i32..3).prop_map(|(s, ms, ns)| {
                Timestamp::new(s * 100_000_000, ms * 250_000_000 + ns * 300_000).ok()
            }),
            (Timestamp::MIN.as_second()..=Timestamp::MAX.as_second())
                .prop_map(|s| Some(Timestamp::from_second(s).unwrap())),
        ]
    }

    fn text() -> impl Strategy<Value = Option<String>> {
        // Shared prefixes and lengths around the key's 14 bytes, so keys tie and the
        // comparator must decide; NUL against the key's zero padding.
        proptest::option::of("(main-|main-3f2a9c1d|main-3f2a9c1d0e4b5a|)[a\x00é]{0,3}")
    }

    fn item() -> impl Strategy<Value = Item> {
        (
            text(),
            time(),
            prop_oneof![0u64..4, Just(u64::MAX - 1), Just(u64::MAX)],
        )
    }

    fn compare(a: &Item, b: &Item, column: usize) -> Ordering {
        match column {
            0 => a.0.cmp(&b.0),
            1 => a.1.cmp(&b.1),
            _ => a.2.cmp(&b.2),
        }
        .then_with(|| a.1.cmp(&b.1))
    }

    fn key(item: &Item, column: usize) -> SortKey {
        let [high, low] = sort_key::time(item.1);
        match column {
            0 => sort_key::text_then(item.0.as_deref(), [high, low]),
            1 => [high, low, 0, 0],
            _ => [sort_key::number(item.2), high, low, 0],
        }
    }

    fn haystack(item: &Item, out: &mut super::super::Fields) {
        out.text(item.0.as_deref().unwrap_or(""));
    }

    /// Something that happens to a list between two rebuilds.
    #[derive(Clone, Debug)]
    enum Step {
        /// A page arrives.
        Append(Vec<Item>),
        /// An item changes in place (a repository's image count arrives).
        Change(usize, Item),
        /// All items are replaced (a refresh).
        Replace(Vec<Item>),
        Column(usize),
        Reverse,
        Filter(String),
        Move(isize),
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            3 => proptest::collection::vec(item(), 0..20).prop_map(Step::Append),
            1 => (0usize..40, item()).prop_map(|(i, item)| Step::Change(i, item)),
            1 => proptest::collection::vec(item(), 0..20).prop_map(Step::Replace),
            1 => (0usize..3).prop_map(Step::Column),
            1 => Just(Step::Reverse),
            1 => proptest::sample::select(vec!["", "m", "ma", "1", "é", "!a", "a$", "^m", "m a"])
                .prop_map(|text| Step::Filter(text.to_string())),
            1 => (-5isize..5).prop_map(Step::Move),
        ]
    }

    proptest! {
        #[test]
        fn keys_never_invert_the_order(a in item(), b in item(), column in 0usize..3) {
            if compare(&a, &b, column) == Ordering::Less {
                prop_assert!(key(&a, column) <= key(&b, column));
            }
        }

        /// A keyed list that reuses its sorted order across rebuilds ends up exactly
        /// where a comparator-only list that sorts everything every time does.
        #[test]
        fn keyed_rebuilds_match_full_comparator_sorts(
            steps in proptest::collection::vec(step(), 1..25),
        ) {
            let mut items: Vec<Item> = Vec::new();
            let mut plain = ListView::default();
            let mut keyed = ListView::default();
            for step in steps {
                for view in [&mut plain, &mut keyed] {
                    match &step {
                        Step::Column(column) => view.sort_column = *column,
                        Step::Reverse => view.descending = !view.descending,
                        Step::Filter(text) => view.filter.set(text),
                        Step::Move(delta) => view.move_by(*delta, 4),
                        _ => {}
                    }
                }
                match step {
                    Step::Append(page) => items.extend(page),
                    Step::Change(i, item) => {
                        if let Some(slot) = items.get_mut(i) {
                            *slot = item;
                        }
                    }
                    Step::Replace(all) => items = all,
                    _ => {}
                }
                let column = plain.sort_column;
                plain.rebuild(&items, haystack, |a, b| compare(a, b, column));
                keyed.rebuild_keyed(
                    &items,
                    haystack,
                    |item| key(item, column),
                    |a, b| compare(a, b, column),
                );
                prop_assert_eq!(&plain.rows, &keyed.rows);
                prop_assert_eq!(
                    (plain.selected, plain.offset),
                    (keyed.selected, keyed.offset)
                );
            }
            // And both agree with a plain stable sort of the matching items, better
            // matches first.
            let column = plain.sort_column;
            let rank = |i: usize| {
                let mut fields = super::super::Fields::default();
                haystack(&items[i], &mut fields);
                plain.filter.rank(&fields)
            };
            let mut expected: Vec<usize> =
                (0..items.len()).filter(|&i| rank(i).is_some()).collect();
            expected.sort_by(|&a, &b| {
                let order = compare(&items[a], &items[b], column);
                rank(a).cmp(&rank(b)).then(if plain.descending { order.reverse() } else { order })
            });
            prop_assert_eq!(&plain.rows, &expected);
        }

        /// The filter agrees with a naive reading of its documented syntax: which rows
        /// match, and in which rank class (equal, prefix, substring, fuzzy).
        #[test]
        fn filter_matches_its_naive_model(
            pattern in "(!|'|\\^)?[aAbé.-]{0,3}[$]?( [!^]?[ab1]{1,2})?",
            rows in proptest::collection::vec(
                (proptest::collection::vec("[ aAbBéÉ.\\-_/1]{0,8}", 0..3), "[ab1]{0,4}"),
                1..20,
            ),
        ) {
            let mut filter = super::super::FuzzyFilter::default();
            filter.set(&pattern);
            for (texts, id) in rows {
                let mut fields = super::super::Fields::default();
                for text in &texts {
                    fields.text(text);
                }
                fields.id(&format!("sha256:{id}"));
                let expected = naive::rank(&pattern, &texts, &id);
                let got = filter.rank(&fields).map(|rank| rank >> 24);
                prop_assert_eq!(
                    got,
                    expected,
                    "pattern {:?} texts {:?} id {:?}",
                    pattern,
                    texts,
                    id
                );
            }
        }
    }

    /// The filter syntax written the slow, obvious way.
    pub(in crate::app::list) mod naive {
        fn fold(text: &str, ignore_case: bool) -> Vec<char> {
            text.chars()
                .map(|c| {
                    if ignore_case {
                        c.to_lowercase().next().unwrap_or(c)
                    } else {
                        c
                    }
                })
                .collect()
        }

        fn subsequence(needle: &[char], hay: &[char]) -> bool {
            let mut rest = hay.iter();
            needle.iter().all(|n| rest.any(|h| h == n))
        }

        fn contains(hay: &[char], needle: &[char]) -> bool {
            needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
        }

        /// The rank class of a row (0 equal … 3 fuzzy), `None` when it is filtered out.
        pub fn rank(pattern: &str, texts: &[String], id: &str) -> Option<u32> {
            let mut worst = 0;
            for word in pattern.split_whitespace() {
                let (negative, word) = match word.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, word),
                };
                // 0 any, 1 equal, 2 prefix, 3 suffix
                let (kind, word) = if let Some(rest) = word.strip_prefix('\'') {
                    (1, rest)
                } else if let Some(rest) = word.strip_prefix('^') {
                    match rest.strip_suffix('$') {
                        Some(both) if !both.is_empty() => (1, both),
                        _ => (2, rest),
                    }
                } else if word.len() > 1 && word.ends_with('$') {
                    (3, &word[..word.len() - 1])
                } else {
                    (0, word)
                };
                if word.is_empty() {
                    continue;
                }
                let ignore_case = !word.chars().any(char::is_uppercase);
                let needle = fold(word, ignore_case);
                let id_needle: Vec<char> = {
                    let folded: String = needle.iter().collect();
                    folded
                        .strip_prefix("sha256:")
                        .unwrap_or(&folded)
                        .chars()
                        .collect()
                };
                let mut best: Option<u32> = None;
                let mut consider = |class: u32| best = Some(best.map_or(class, |b| b.min(class)));
                for text in texts {
                    let hay = fold(text, ignore_case);
                    if hay == needle {
                        consider(0);
                    } else if hay.starts_with(&needle) && kind != 1 && kind != 3 {
                        consider(1);
                    } else if (kind == 3 && hay.ends_with(&needle))
                        || (kind == 0 && contains(&hay, &needle))
                    {
                        consider(2);
                    } else if kind == 0 && !negative && subsequence(&needle, &hay) {
                        consider(3);
                    }
                }
                let hay = fold(id, ignore_case);
                if hay == id_needle && kind != 3 {
                    consider(0);
                } else if (kind == 0 || kind == 2) && hay.starts_with(&id_needle) {
                    consider(1);
                }
                match (best, negative) {
                    (Some(_), true) | (None, false) => return None,
                    (None, true) => {}
                    (Some(class), false) => worst = worst.max(class),
                }
            }
            Some(worst)
        }
    }
}
