//! The `?` help: the live keymap grouped by pane, the current pane first, searchable.

use super::keymap::{Command, Keymap, command_name};
use super::state::Pane;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

/// Where a command does something. Commands not listed for a pane do nothing there.
fn panes(command: Command) -> &'static [Pane] {
    use Pane::*;
    match command {
        Command::Lifecycle | Command::RepositoryDetail => &[Repositories, Images],
        Command::Audit => &[Repositories],
        Command::Mark
        | Command::MarkAll
        | Command::Tag
        | Command::Untag
        | Command::Delete
        | Command::FilterInUse
        | Command::FilterNotInUse
        | Command::Findings
        | Command::Scan => &[Images],
        Command::CopyUri | Command::CopyTaggedUri => &[Images, Triage],
        Command::ToggleCritical
        | Command::ToggleHigh
        | Command::ToggleMedium
        | Command::ToggleLow
        | Command::ToggleOther => &[Findings],
        // Movement, filter, sort, refresh, the command line, help and quit: everywhere.
        _ => &[],
    }
}

/// Panes in drill-down order, for the groups after the current one.
const PANES: [Pane; 5] = [
    Pane::Registries,
    Pane::Repositories,
    Pane::Images,
    Pane::Findings,
    Pane::Triage,
];

/// Keys of the lifecycle view that are its own rather than the keymap's.
pub const LIFECYCLE_KEYS: [(&str, &str); 6] = [
    ("e", "edit the policy in $EDITOR, then dry-run it"),
    ("o", "load a policy from a file"),
    ("p", "ask ECR for its own preview and compare"),
    ("a", "apply the policy to the repository (asks first)"),
    ("x", "only the images that would expire (toggle)"),
    ("tab", "switch between the images and the policy text"),
];

/// How the status line and dialogs behave, as the help states it (README says the same).
pub const STATUS_RULES: [(&str, &str); 4] = [
    (
        "messages",
        "belong to a pane, registry or repository; leave with it",
    ),
    (
        "errors",
        "stay through keys until you move on or it succeeds",
    ),
    ("notices", "work under way (a scan) ends with its outcome"),
    (
        "dialogs",
        "close only with their own keys (esc); others do nothing",
    ),
];

/// A group of fixed (keys, description) lines that are not keymap commands (the
/// lifecycle view's keys, the filter syntax, the status-line rules).
fn text_group(title: &str, lines: &[(&str, &'static str)]) -> Group {
    Group {
        title: title.into(),
        entries: lines
            .iter()
            .map(|&(keys, description)| Entry {
                keys: keys.to_string(),
                description,
                name: String::new(),
            })
            .collect(),
    }
}

/// The `:` commands, made from the command line's own table.
fn command_line_group() -> Group {
    let (jump, jump_description) = crate::app::command::JUMP_HELP;
    let entries = crate::app::command::COMMANDS
        .iter()
        .map(|(word, _, description)| Entry {
            keys: format!(":{word}"),
            description,
            name: (*word).to_string(),
        })
        .chain(std::iter::once(Entry {
            keys: format!(":{jump}"),
            description: jump_description,
            name: "jump".into(),
        }))
        .collect();
    Group {
        title: "command line (:)".into(),
        entries,
    }
}

/// The `/` filter's syntax, one line each (see `list::filter`).
pub const FILTER_SYNTAX: [(&str, &str); 6] = [
    (
        "text",
        "rows showing text: equal, then prefix, substring, fuzzy",
    ),
    ("'text", "filter: a field (tag, name) equal to text"),
    ("^text", "filter: a field starting with text"),
    ("text$", "filter: a field ending with text"),
    ("!text", "filter: no field contains text"),
    ("a b", "filter: every word must match; digests by prefix"),
];

/// One line of the help: the keys, what they do and the command's config name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub keys: String,
    pub description: &'static str,
    /// The snake_case name `[keys]` in the config uses; empty for view-local keys.
    pub name: String,
}

/// A titled group of entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    pub title: String,
    pub entries: Vec<Entry>,
}

/// The help overlay's own state: its search and how far it is scrolled.
#[derive(Debug, Default)]
pub struct HelpView {
    pub search: Input,
    /// Keys go to the search field.
    pub typing: bool,
    pub scroll: usize,
}

/// What a key did to the help.
#[derive(Debug, PartialEq, Eq)]
pub enum HelpOutcome {
    Stay,
    Close,
    Quit,
}

impl HelpView {
    pub fn open() -> Self {
        Self::default()
    }

    pub fn query(&self) -> &str {
        self.search.value()
    }

    /// Handle a key; `command` is what the keymap makes of it.
    pub fn on_key(&mut self, key: KeyEvent, command: Option<Command>) -> HelpOutcome {
        let quit = command == Some(Command::Quit);
        if self.typing {
            // Letters are the search's; only a chord bound to quit (ctrl-c) leaves berth.
            if quit && key.modifiers.contains(KeyModifiers::CONTROL) {
                return HelpOutcome::Quit;
            }
            match key.code {
                KeyCode::Esc => {
                    self.search.reset();
                    self.typing = false;
                }
                KeyCode::Enter => self.typing = false,
                KeyCode::Down => self.scroll = self.scroll.saturating_add(1),
                KeyCode::Up => self.scroll = self.scroll.saturating_sub(1),
                _ => {
                    self.search.handle_event(&crossterm::event::Event::Key(key));
                    self.scroll = 0;
                }
            }
            return HelpOutcome::Stay;
        }
        // Quitting from help works, except with a plain `q`: that closes the help.
        if quit && key.code != KeyCode::Char('q') {
            return HelpOutcome::Quit;
        }
        match (key.code, command) {
            (KeyCode::Char('/'), _) | (_, Some(Command::Filter)) => {
                self.typing = true;
                HelpOutcome::Stay
            }
            (_, Some(Command::MoveDown)) => {
                self.scroll = self.scroll.saturating_add(1);
                HelpOutcome::Stay
            }
            (_, Some(Command::MoveUp)) => {
                self.scroll = self.scroll.saturating_sub(1);
                HelpOutcome::Stay
            }
            (_, Some(Command::PageDown)) => {
                self.scroll = self.scroll.saturating_add(10);
                HelpOutcome::Stay
            }
            (_, Some(Command::PageUp)) => {
                self.scroll = self.scroll.saturating_sub(10);
                HelpOutcome::Stay
            }
            (_, Some(Command::First)) => {
                self.scroll = 0;
                HelpOutcome::Stay
            }
            (_, Some(Command::Last)) => {
                self.scroll = usize::MAX;
                HelpOutcome::Stay
            }
            // A search that is kept: Esc clears it before it closes the help.
            (KeyCode::Esc, _) if !self.search.value().is_empty() => {
                self.search.reset();
                self.scroll = 0;
                HelpOutcome::Stay
            }
            // The help closes with its own keys only (`q` among them: quitting takes a
            // second `q`); any other key does nothing rather than close and be lost.
            (KeyCode::Esc | KeyCode::Enter | KeyCode::Char('q'), _) | (_, Some(Command::Help)) => {
                HelpOutcome::Close
            }
            _ => HelpOutcome::Stay,
        }
    }
}

/// A view open over the pane, whose keys the help lists first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    None,
    Lifecycle,
    Detail,
}

/// What the keymap's commands do in the repository detail view.
const DETAIL_KEYS: [(Command, &str); 9] = [
    (Command::MoveDown, "scroll down"),
    (Command::MoveUp, "scroll up"),
    (Command::PageDown, "scroll a page down"),
    (Command::PageUp, "scroll a page up"),
    (Command::First, "to the top"),
    (Command::Last, "to the end"),
    (Command::CopyUri, "copy the repository URI"),
    (Command::Refresh, "fetch every section again"),
    (Command::Back, "close the detail view"),
];

/// The help's groups for `pane` (and the view open over it), keeping the entries that
/// match `query`: every word of it in the keys, description or name.
pub fn groups(keymap: &Keymap, pane: Pane, view: View, query: &str) -> Vec<Group> {
    let entry = |command: Command| Entry {
        keys: keys_text(keymap, command),
        description: command.description(),
        name: command_name(command),
    };
    let for_pane = |pane: Pane| -> Vec<Entry> {
        Command::ALL
            .iter()
            .filter(|&&c| panes(c).contains(&pane))
            .map(|&c| entry(c))
            .collect()
    };
    let mut groups = Vec::new();
    if view == View::Detail {
        groups.push(Group {
            title: "repository detail view".into(),
            entries: DETAIL_KEYS
                .iter()
                .map(|&(command, description)| Entry {
                    description,
                    ..entry(command)
                })
                .collect(),
        });
    }
    if view == View::Lifecycle {
        groups.push(text_group("lifecycle view", &LIFECYCLE_KEYS));
    }
    groups.push(Group {
        title: pane.title().to_string(),
        entries: for_pane(pane),
    });
    groups.push(Group {
        title: "every pane".into(),
        entries: Command::ALL
            .iter()
            .filter(|&&c| panes(c).is_empty())
            .map(|&c| entry(c))
            .collect(),
    });
    groups.push(text_group("filter (/) syntax", &FILTER_SYNTAX));
    for other in PANES.into_iter().filter(|&p| p != pane) {
        groups.push(Group {
            title: other.title().to_string(),
            entries: for_pane(other),
        });
    }
    groups.push(command_line_group());
    groups.push(text_group("status line and dialogs", &STATUS_RULES));
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    for group in &mut groups {
        // A word may match the group's title: searching `status` lists the whole
        // "status line and dialogs" group.
        let title = group.title.to_lowercase();
        group.entries.retain(|e| matches(&title, e, &words));
    }
    groups.retain(|g| !g.entries.is_empty());
    groups
}

/// One row of the laid-out help.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Row<'a> {
    Heading(&'a str),
    Entry(&'a Entry),
    Blank,
}

/// The groups laid out in columns for a terminal size, scrolled when they do not fit.
#[derive(Debug)]
pub struct Layout<'a> {
    pub columns: Vec<Vec<Row<'a>>>,
    /// Characters per column.
    pub column_width: usize,
    /// Rows of entries the box shows at once.
    pub visible_rows: usize,
    /// Rows of the longest column.
    pub total_rows: usize,
}

impl Layout<'_> {
    /// The furthest the help can scroll.
    pub fn max_scroll(&self) -> usize {
        self.total_rows.saturating_sub(self.visible_rows)
    }
}

/// The narrowest and widest a column gets.
const MIN_COLUMN: usize = 40;
const MAX_COLUMN: usize = 72;
/// Rows of the box that are not entries: two borders, the search line, the footer.
const CHROME_ROWS: u16 = 4;

/// Lay `groups` out for a `width` x `height` terminal: as few columns as show everything,
/// no more than fit side by side, a heading never alone at the foot of a column.
pub fn layout(groups: &[Group], width: u16, height: u16) -> Layout<'_> {
    let visible_rows = usize::from(height.saturating_sub(CHROME_ROWS)).max(1);
    let inner = usize::from(width.saturating_sub(2));
    let fit = (inner / MIN_COLUMN).max(1);
    // Rows in one column: each group's heading and entries, a blank row between groups.
    let total: usize = groups
        .iter()
        .map(|g| g.entries.len() + 2)
        .sum::<usize>()
        .saturating_sub(1);
    let count = pack(groups, visible_rows).len().clamp(1, fit);
    // The shortest columns that still fit in `count` of them, so they come out even; when
    // even `fit` columns cannot show everything, they scroll.
    let columns = (total.div_ceil(count)..)
        .map(|capacity| pack(groups, capacity))
        .find(|packed| packed.len() <= count)
        .unwrap_or_default();
    let count = columns.len().max(1);
    let total_rows = columns.iter().map(Vec::len).max().unwrap_or(0);
    Layout {
        columns,
        column_width: (inner / count).clamp(1, MAX_COLUMN),
        visible_rows,
        total_rows,
    }
}

/// Fill columns of at most `capacity` rows in order, with a blank row between groups.
fn pack(groups: &[Group], capacity: usize) -> Vec<Vec<Row<'_>>> {
    let mut columns: Vec<Vec<Row>> = vec![Vec::new()];
    for group in groups {
        for (index, row) in std::iter::once(Row::Heading(&group.title))
            .chain(group.entries.iter().map(Row::Entry))
            .enumerate()
        {
            let column = columns.last_mut().expect("one column at least");
            // A heading needs its first entry beside it; a blank row goes before it.
            let needed = if index == 0 {
                2 + usize::from(!column.is_empty())
            } else {
                1
            };
            if !column.is_empty() && column.len() + needed > capacity {
                columns.push(Vec::new());
            }
            let column = columns.last_mut().expect("one column at least");
            if index == 0 && !column.is_empty() {
                column.push(Row::Blank);
            }
            column.push(row);
        }
    }
    columns
}

fn keys_text(keymap: &Keymap, command: Command) -> String {
    let keys: Vec<String> = keymap
        .keys_for(command)
        .iter()
        .map(ToString::to_string)
        .collect();
    if keys.is_empty() {
        "unbound".into()
    } else {
        keys.join(" ")
    }
}

/// Every word is in the entry's keys, description or name, or in its group's `title`.
fn matches(title: &str, entry: &Entry, words: &[String]) -> bool {
    let haystack = format!(
        "{title} {} {} {}",
        entry.keys.to_lowercase(),
        entry.description.to_lowercase(),
        entry.name.replace('_', " ")
    );
    words.iter().all(|w| haystack.contains(w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::keymap::{BindMode, Key, KeyOverride};

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
        let detail = groups(&Keymap::default(), Pane::Repositories, View::Detail, "");
        assert_eq!(detail[0].title, "repository detail view");
        assert!(
            detail[0]
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
        let press =
            |view: &mut HelpView, event: KeyEvent| view.on_key(event, keymap.lookup(&event));
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
}
