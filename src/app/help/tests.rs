//! The help's groups, search, keys and layout.

use super::layout::pack;
use super::*;
use crate::app::keymap::{BindMode, Key, KeyOverride};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn titles(groups: &[Group]) -> Vec<&str> {
    groups.iter().map(|g| g.title.as_str()).collect()
}

#[test]
fn the_current_pane_comes_first_then_every_pane_then_the_rest() {
    let groups = groups(&Keymap::default(), Pane::Images, View::None, "");
    assert_eq!(
        titles(&groups),
        [
            "images",
            "every pane",
            "filter (/) syntax",
            "repositories",
            "findings",
            "triage",
            "command line (:)",
            "status line and dialogs"
        ],
        "registries has no keys of its own, so no group"
    );
    let images = &groups[0].entries;
    assert!(images.iter().any(|e| e.keys == "d" && e.name == "delete"));
    assert!(!images.iter().any(|e| e.name == "move_down"));
    let everywhere = &groups[1].entries;
    assert!(
        everywhere
            .iter()
            .any(|e| e.keys == "j ↓" && e.name == "move_down")
    );
}

#[test]
fn every_command_is_listed_somewhere() {
    let groups = groups(&Keymap::default(), Pane::Registries, View::Lifecycle, "");
    for command in Command::ALL {
        let name = command_name(command);
        assert!(
            groups
                .iter()
                .flat_map(|g| &g.entries)
                .any(|e| e.name == name),
            "{name} is missing from the help"
        );
    }
    assert_eq!(groups[0].title, "lifecycle view");
}

#[test]
fn a_search_for_a_group_title_lists_the_whole_group() {
    let all = groups_for("");
    let status = all
        .iter()
        .find(|g| g.title == "status line and dialogs")
        .unwrap();
    let found = groups_for("status");
    let group = found
        .iter()
        .find(|g| g.title == "status line and dialogs")
        .expect("searching `status` finds the status line group");
    assert_eq!(group.entries, status.entries);
    // Title words and entry words combine: `dialogs` plus a word of one rule.
    let narrowed = groups_for("dialogs modal");
    assert!(
        narrowed
            .iter()
            .all(|g| g.title == "status line and dialogs")
    );
}

#[test]
fn search_matches_keys_descriptions_and_names_with_every_word() {
    let groups = groups(&Keymap::default(), Pane::Repositories, View::None, "delete");
    let entries: Vec<&Entry> = groups.iter().flat_map(|g| &g.entries).collect();
    assert_eq!(titles(&groups), ["images"]);
    assert!(
        entries
            .iter()
            .all(|e| { e.description.contains("delete") || e.name.contains("delete") })
    );
    assert!(entries.iter().any(|e| e.name == "delete"));

    let groups = groups_for("copy tag");
    let names: Vec<&str> = groups
        .iter()
        .flat_map(|g| &g.entries)
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(names, ["copy_tagged_uri", "copy_tagged_uri"]);

    assert!(groups_for("no such key").is_empty());
}

#[test]
fn every_command_line_word_is_listed_and_found_by_a_search() {
    let all = groups(&Keymap::default(), Pane::Repositories, View::None, "");
    let listed: Vec<&str> = all
        .iter()
        .flat_map(|g| &g.entries)
        .map(|e| e.keys.as_str())
        .collect();
    for (word, _, _) in crate::app::command::COMMANDS {
        assert!(listed.contains(&format!(":{word}").as_str()), ":{word}");
    }
    let found = groups_for("criticals");
    assert_eq!(titles(&found), ["command line (:)"]);
    assert_eq!(found[0].entries[0].keys, ":criticals");
    assert!(!groups_for("region").is_empty());
}

#[test]
fn only_its_own_keys_close_the_help() {
    let mut view = HelpView::open();
    assert_eq!(
        view.on_key(key(KeyCode::Char('x')), None),
        HelpOutcome::Stay
    );
    assert_eq!(view.on_key(key(KeyCode::Enter), None), HelpOutcome::Close);
    assert_eq!(
        view.on_key(key(KeyCode::Char('?')), Some(Command::Help)),
        HelpOutcome::Close
    );
}

fn groups_for(query: &str) -> Vec<Group> {
    groups(&Keymap::default(), Pane::Images, View::None, query)
}

#[test]
fn remapped_keys_show_in_the_help() {
    let keymap = Keymap::with_overrides(&[KeyOverride {
        command: Command::Delete,
        keys: vec![Key::parse("D").unwrap()],
        mode: BindMode::Replace,
    }])
    .unwrap();
    let groups = groups(&keymap, Pane::Images, View::None, "delete the marked");
    assert_eq!(groups[0].entries[0].keys, "D");
}

#[test]
fn layout_uses_columns_when_wide_and_scrolls_when_small() {
    let all = groups(&Keymap::default(), Pane::Images, View::None, "");
    let entries: usize = all.iter().map(|g| g.entries.len()).sum();
    let tall = layout(&all, 200, 50);
    assert_eq!(tall.max_scroll(), 0, "everything shows at 200x50");
    let wide = layout(&all, 200, 30);
    assert!(wide.columns.len() > 1, "200 columns fit several");
    assert_eq!(wide.max_scroll(), 0, "everything shows at 200x30");
    let small = layout(&all, 60, 15);
    assert_eq!(small.columns.len(), 1, "one column at 60 wide");
    assert_eq!(small.visible_rows, 11);
    assert!(small.max_scroll() > 0);
    for layout in [&tall, &wide, &small] {
        let rows: Vec<&Row> = layout.columns.iter().flatten().collect();
        let listed = rows.iter().filter(|r| matches!(r, Row::Entry(_))).count();
        assert_eq!(listed, entries, "every entry is laid out once");
        // Columns come out even: one row less each and they would not fit.
        if layout.columns.len() > 1 {
            assert!(pack(&all, layout.total_rows - 1).len() > layout.columns.len());
        }
        for column in &layout.columns {
            assert!(!matches!(column.last(), Some(Row::Heading(_))));
            assert!(!matches!(column.first(), Some(Row::Blank)));
            if layout.max_scroll() == 0 {
                assert!(column.len() <= layout.visible_rows);
            }
        }
    }
}

#[test]
fn an_open_view_lists_its_own_keys_first() {
    let info = groups(&Keymap::default(), Pane::Repositories, View::Info, "");
    assert_eq!(info[0].title, "repository detail view");
    assert!(
        info[0]
            .entries
            .iter()
            .any(|e| e.keys == "y" && e.description == "copy the repository URI")
    );
    let lifecycle = groups(&Keymap::default(), Pane::Images, View::Lifecycle, "");
    assert_eq!(lifecycle[0].title, "lifecycle view");
    assert_eq!(lifecycle[1].title, "images");
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

#[test]
fn slash_types_a_search_esc_clears_it_then_closes() {
    let keymap = Keymap::default();
    let mut view = HelpView::open();
    let press = |view: &mut HelpView, code: KeyCode| {
        let event = key(code);
        view.on_key(event, keymap.lookup(&event))
    };
    assert_eq!(press(&mut view, KeyCode::Char('/')), HelpOutcome::Stay);
    for c in "tag".chars() {
        assert_eq!(press(&mut view, KeyCode::Char(c)), HelpOutcome::Stay);
    }
    assert_eq!(view.query(), "tag");
    assert_eq!(press(&mut view, KeyCode::Enter), HelpOutcome::Stay);
    assert!(!view.typing);
    // `j` scrolls rather than typing once the search is kept.
    assert_eq!(press(&mut view, KeyCode::Char('j')), HelpOutcome::Stay);
    assert_eq!(view.scroll, 1);
    assert_eq!(view.query(), "tag");
    assert_eq!(press(&mut view, KeyCode::Esc), HelpOutcome::Stay);
    assert_eq!(view.query(), "");
    assert_eq!(press(&mut view, KeyCode::Esc), HelpOutcome::Close);
}

#[test]
fn a_search_takes_every_letter_even_one_bound_to_quit() {
    let keymap = Keymap::with_overrides(&[KeyOverride {
        command: Command::Quit,
        keys: vec![Key::parse("Q").unwrap(), Key::parse("ctrl-c").unwrap()],
        mode: BindMode::Replace,
    }])
    .unwrap();
    let mut view = HelpView::open();
    let press = |view: &mut HelpView, event: KeyEvent| view.on_key(event, keymap.lookup(&event));
    assert_eq!(press(&mut view, key(KeyCode::Char('/'))), HelpOutcome::Stay);
    for c in "Quay".chars() {
        assert_eq!(press(&mut view, key(KeyCode::Char(c))), HelpOutcome::Stay);
    }
    assert_eq!(view.query(), "Quay");
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(press(&mut view, ctrl_c), HelpOutcome::Quit);
    // Out of the search, the remapped quit key quits as it does everywhere.
    let mut view = HelpView::open();
    assert_eq!(press(&mut view, key(KeyCode::Char('Q'))), HelpOutcome::Quit);
}

#[test]
fn q_closes_and_ctrl_c_quits() {
    let mut view = HelpView::open();
    assert_eq!(
        view.on_key(key(KeyCode::Char('q')), Some(Command::Quit)),
        HelpOutcome::Close
    );
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert_eq!(view.on_key(ctrl_c, Some(Command::Quit)), HelpOutcome::Quit);
}
