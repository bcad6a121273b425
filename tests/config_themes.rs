//! Themes: the shipped ones, user themes and inheritance, NO_COLOR, falling back to the
//! default, and the folder of broken theme files that must each fail with their message.

use berth::config::theme::BUILT_IN;
use berth::config::{ThemeError, select_theme, theme_names};
use berth::ui::Theme;
use ratatui::style::{Color, Modifier};
use std::path::{Path, PathBuf};

fn data(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/themes")
        .join(path)
}

fn repo_themes() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("themes")
}

#[test]
fn every_shipped_theme_loads_and_sets_every_style_itself() {
    for (name, text) in BUILT_IN {
        Theme::load(name, None).unwrap_or_else(|err| panic!("{name}: {err}"));
        let table: toml::Table = toml::from_str(text).unwrap();
        assert!(!table.contains_key("inherit"), "{name} inherits");
        for field in Theme::FIELDS {
            assert!(table.contains_key(*field), "{name} does not set {field}");
        }
        assert_eq!(table.len(), Theme::FIELDS.len(), "{name} has extra keys");
    }
}

#[test]
fn the_embedded_list_matches_the_themes_folder() {
    let mut files: Vec<String> = std::fs::read_dir(repo_themes())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut embedded: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    embedded.sort();
    assert_eq!(files, embedded);
    for required in ["dark", "light", "high-contrast", "sixteen"] {
        assert!(embedded.iter().any(|n| n == required), "{required} missing");
    }
}

#[test]
fn the_built_in_constructors_are_the_embedded_files() {
    assert_eq!(Theme::dark(), Theme::load("dark", None).unwrap());
    assert_eq!(
        Theme::monochrome(),
        Theme::load("monochrome", None).unwrap()
    );
}

fn styles(theme: &Theme) -> impl Iterator<Item = (&'static str, ratatui::style::Style)> + '_ {
    Theme::FIELDS
        .iter()
        .map(move |name| (*name, *theme.style(name).unwrap()))
}

#[test]
fn sixteen_uses_only_the_ansi_colours() {
    let theme = Theme::load("sixteen", None).unwrap();
    for (name, style) in styles(&theme) {
        for colour in [style.fg, style.bg].into_iter().flatten() {
            assert!(
                !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                "{name} uses {colour:?}"
            );
        }
        // The Linux console has only the first eight colours as backgrounds.
        if let Some(bg) = style.bg {
            assert!(
                matches!(
                    bg,
                    Color::Black
                        | Color::Red
                        | Color::Green
                        | Color::Yellow
                        | Color::Blue
                        | Color::Magenta
                        | Color::Cyan
                        | Color::Gray
                ),
                "{name} background {bg:?}"
            );
        }
    }
}

#[test]
fn no_color_means_monochrome_whatever_the_theme() {
    for name in ["light", "high-contrast", "does-not-exist"] {
        let (theme, problem) = select_theme(name, None, true);
        assert_eq!(theme, Theme::monochrome(), "{name}");
        assert!(problem.is_none());
    }
    let mono = Theme::monochrome();
    for (name, style) in styles(&mono) {
        assert_eq!((style.fg, style.bg), (None, None), "{name} has a colour");
    }
    assert!(mono.selected.add_modifier.contains(Modifier::REVERSED));
    assert_ne!(mono.selected, mono.text, "selection must stand out");
}

#[test]
fn every_theme_keeps_the_selection_visible() {
    for (name, _) in BUILT_IN {
        let theme = Theme::load(name, None).unwrap();
        assert_ne!(theme.selected, theme.text, "{name}");
        assert_ne!(theme.marked, theme.text, "{name}");
    }
}

#[test]
fn a_user_theme_inherits_and_overrides_a_few_styles() {
    let user = data("user");
    let ocean = Theme::load("ocean", Some(&user)).unwrap();
    let dark = Theme::dark();
    assert_eq!(ocean.header.bg, Some(Color::Rgb(0, 0x3b, 0x5c)));
    // A style that is set replaces the inherited one whole.
    assert_eq!(
        ocean.selected,
        ratatui::style::Style::new().fg(Color::LightCyan)
    );
    assert_eq!(ocean.error, dark.error);
    assert_eq!(ocean.column_header, dark.column_header);

    let deep = Theme::load("deep-ocean", Some(&user)).unwrap();
    assert_eq!(deep.header, ocean.header);
    assert_eq!(deep.ok.fg, Some(Color::Indexed(42)));
    assert!(deep.ok.add_modifier.contains(Modifier::BOLD));
}

#[test]
fn a_user_file_named_like_a_built_in_tweaks_that_built_in() {
    let user = data("user");
    let tweaked = Theme::load("dark", Some(&user)).unwrap();
    assert_eq!(tweaked.header.bg, Some(Color::Yellow));
    assert_eq!(tweaked.error, Theme::dark().error);
    // And a broken user file of that name still falls back to the real built-in.
    let (theme, _) = select_theme("typo", Some(&user), false);
    assert_eq!(theme, Theme::dark());
}

#[test]
fn a_broken_parent_is_reported_with_its_own_file() {
    let user = data("user");
    let err = Theme::load("broken-parent", Some(&user)).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2: warning.fg must be a colour name like \"red\", \"#rrggbb\" or 0-255, not \
             \"orang\"",
            user.join("typo.toml").display()
        )
    );
}

#[test]
fn an_inherit_loop_is_an_error_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.toml"), "inherit = \"b\"\n").unwrap();
    std::fs::write(dir.path().join("b.toml"), "\ninherit = \"a\"\n").unwrap();
    let err = Theme::load("a", Some(dir.path())).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{}:2: inherit goes round in a loop: a → b → a",
            dir.path().join("b.toml").display()
        )
    );
}

#[test]
fn an_unusable_theme_falls_back_to_dark_and_says_why() {
    let user = data("user");
    let (theme, problem) = select_theme("solarized", Some(&user), false);
    assert_eq!(theme, Theme::dark());
    let problem = problem.unwrap();
    assert!(matches!(problem, ThemeError::NotFound { .. }));
    assert_eq!(
        problem.to_string(),
        "no theme named \"solarized\" (available: dark, light, high-contrast, sixteen, \
         monochrome, broken-parent, deep-ocean, ocean, typo)"
    );

    let (theme, problem) = select_theme("../../etc/passwd", Some(&user), false);
    assert_eq!(theme, Theme::dark());
    assert!(matches!(problem, Some(ThemeError::BadName { .. })));

    let (theme, problem) = select_theme("ocean", Some(&user), false);
    assert_eq!(theme, Theme::load("ocean", Some(&user)).unwrap());
    assert!(problem.is_none());
}

#[test]
fn theme_names_list_built_ins_then_user_files() {
    let names = theme_names(Some(&data("user")));
    assert_eq!(
        names,
        [
            "dark",
            "light",
            "high-contrast",
            "sixteen",
            "monochrome",
            "broken-parent",
            "deep-ocean",
            "ocean",
            "typo"
        ]
    );
    assert_eq!(theme_names(Some(Path::new("/nonexistent/berth"))).len(), 5);
    assert_eq!(theme_names(None).len(), 5);
}

#[test]
fn each_broken_theme_fails_with_exactly_its_message() {
    let folder = data("invalid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 12, "only {} broken themes", files.len());
    let mut failures = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no `# expect: ` line", path.display()));
        // `LINE: message`, or just `message` for problems with the file as a whole.
        let has_line = expect
            .split_once(':')
            .is_some_and(|(n, _)| n.parse::<usize>().is_ok());
        let separator = if has_line { ":" } else { ": " };
        let wanted = format!("{}{separator}{expect}", path.display());
        let name = path.file_stem().unwrap().to_str().unwrap();
        match Theme::load(name, Some(&folder)) {
            Ok(_) => failures.push(format!("{}: loaded, wanted {wanted}", path.display())),
            Err(err) if err.to_string() == wanted => {
                if let ThemeError::Invalid { key, .. } = &err {
                    assert!(
                        !key.is_empty() || name.starts_with("syntax"),
                        "{name}: no key"
                    );
                }
            }
            Err(err) => failures.push(format!("got    {err}\nwanted {wanted}")),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}
