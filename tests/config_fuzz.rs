//! The config and theme readers answer every input with a value or an error, never a
//! panic: a user's file is arbitrary text, and berth must start anyway.

use berth::config::Config;
use berth::ui::Theme;
use proptest::prelude::*;
use std::path::Path;

/// Keys the readers know, and some they do not, so generated files reach deep branches.
const KEYS: &[&str] = &[
    "profiles",
    "regions",
    "read_only",
    "theme",
    "date_format",
    "timezone",
    "concurrency",
    "timeout_seconds",
    "mouse",
    "sort",
    "keys",
    "repositories",
    "images",
    "append",
    "prepend",
    "move_down",
    "quit",
    "help",
    "refresh",
    "inherit",
    "header",
    "selected",
    "ok",
    "fg",
    "bg",
    "bold",
    "dim",
    "\"quoted key\"",
    "\"\\u001b[2J\"",
    "x",
];

const VALUES: &[&str] = &[
    "true",
    "false",
    "0",
    "-1",
    "64",
    "65",
    "255",
    "256",
    "9223372036854775807",
    "0xff",
    "0o777",
    "1_000",
    "4.5",
    "nan",
    "-inf",
    "1979-05-27T07:32:00Z",
    "\"\"",
    "\"dark\"",
    "\"ocean\"",
    "\"deep-ocean\"",
    "\"../x\"",
    "\"-size\"",
    "\"+name\"",
    "\"pushed\"",
    "\"j\"",
    "\"ctrl-\"",
    "\"ctrl-alt-x\"",
    "\"#1e3250\"",
    "\"#zzzzzz\"",
    "\"#ééééé\"",
    "\"light blue\"",
    "\"\\u0000\"",
    "\"\\u001b]52;c;aGk=\\u0007\"",
    "[]",
    "[\"q\", \"q\", \"ctrl-c\"]",
    "[\"j\", 1]",
    "[[\"nested\"]]",
    "{}",
    "{ fg = \"red\", bold = true }",
    "{ fg = 300, bg = \"nope\", blink = 1 }",
    "{ repositories = \"size\", images = \"-tags\" }",
    "{ move_down = \"q\" }",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        (prop::sample::select(KEYS), prop::sample::select(VALUES))
            .prop_map(|(k, v)| format!("{k} = {v}")),
        prop::sample::select(KEYS).prop_map(|k| format!("[{k}]")),
        (prop::sample::select(KEYS), prop::sample::select(KEYS))
            .prop_map(|(a, b)| format!("[{a}.{b}]")),
        prop::sample::select(KEYS).prop_map(|k| format!("[[{k}]]")),
        "\\PC{0,20}",
        Just(String::new()),
    ]
}

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(line(), 0..12).prop_map(|lines| lines.join("\n"))
}

fn exercise(text: &str) {
    match Config::parse(text, Path::new("config.toml")) {
        Ok((config, warnings)) => {
            for warning in warnings {
                assert!(!warning.to_string().is_empty());
            }
            let _ = config.keymap(Path::new("config.toml"));
        }
        Err(err) => assert!(!err.to_string().is_empty()),
    }
    let user = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/themes/user");
    for dir in [None, Some(user.as_path())] {
        if let Err(err) = Theme::from_toml(text, "fuzz.toml", dir) {
            assert!(!err.to_string().is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        exercise(&text);
    }

    #[test]
    fn toml_shaped_text_never_panics(text in document()) {
        exercise(&text);
    }

    #[test]
    fn error_lines_are_inside_the_file(text in document()) {
        let lines = text.lines().count().max(1);
        if let Err(berth::config::ConfigError::Invalid { problems }) =
            Config::parse(&text, Path::new("c.toml"))
        {
            for problem in problems {
                prop_assert!(problem.line >= 1 && problem.line <= lines + 1, "{problem}");
            }
        }
    }
}
