//! Theme files → `Theme`: the built-ins embedded from `themes/`, the user's folder,
//! `inherit`, and the `NO_COLOR` rule.
//!
//! A theme file is a TOML table of styles named like the `Theme` fields:
//! `header = { fg = "#ffffff", bg = "#1e3250", bold = true }`, or just a colour for the
//! foreground (`ok = "green"`). Without `inherit` a file must set every style, so a theme
//! never silently leaves part of the screen in someone else's colours; with
//! `inherit = "NAME"` it starts from that theme and each style it sets replaces the
//! inherited one whole.

use super::Theme;
use super::document::{Problem, Reader, closest, kind};
use ratatui::style::{Color, Modifier, Style};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;
use toml::de::DeValue;

/// The themes shipped inside the binary, in the order `:theme` lists them.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("sixteen", include_str!("../../themes/sixteen.toml")),
    ("monochrome", include_str!("../../themes/monochrome.toml")),
];

/// Why a theme could not be loaded. The caller keeps drawing with the default theme.
#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("no theme named \"{}\" (available: {})", name.escape_debug(), available.join(", "))]
    NotFound {
        name: String,
        available: Vec<String>,
    },
    #[error("\"{}\" is not a theme name: use letters, digits, \"-\" and \"_\"", name.escape_debug())]
    BadName { name: String },
    #[error("cannot read theme {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A problem inside a theme file; `origin` is its path (or "built-in theme NAME").
    #[error("{}", Located { origin, line: *line, message })]
    Invalid {
        origin: String,
        line: Option<usize>,
        key: String,
        message: String,
    },
}

struct Located<'a> {
    origin: &'a str,
    line: Option<usize>,
    message: &'a str,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.origin, self.message),
            None => write!(f, "{}: {}", self.origin, self.message),
        }
    }
}

/// Whether `NO_COLOR` asks for no colours (set and not empty, as no-color.org says).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The theme to draw with, never failing: `no_color` wins over any name; a theme that
/// cannot be loaded gives the built-in dark theme plus the reason, for the status line.
pub fn select_theme(
    name: &str,
    user_dir: Option<&Path>,
    no_color: bool,
) -> (Theme, Option<ThemeError>) {
    if no_color {
        return (Theme::monochrome(), None);
    }
    match load(name, user_dir) {
        Ok(theme) => (theme, None),
        Err(err) => (Theme::dark(), Some(err)),
    }
}

/// Every theme name that can be selected: the built-ins, then the user's files.
pub fn theme_names(user_dir: Option<&Path>) -> Vec<String> {
    let mut names: Vec<String> = BUILT_IN.iter().map(|(n, _)| n.to_string()).collect();
    let mut user: Vec<String> = user_dir
        .and_then(|dir| std::fs::read_dir(dir).ok())
        .into_iter()
        .flatten()
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            if path.extension()? != "toml" {
                return None;
            }
            let stem = path.file_stem()?.to_str()?.to_string();
            is_valid_name(&stem).then_some(stem)
        })
        .filter(|name| !names.contains(name))
        .collect();
    user.sort();
    names.append(&mut user);
    names
}

/// Theme names become file names, so nothing that could walk out of the folder.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Where a theme's text came from.
struct Source {
    name: String,
    origin: String,
    text: Cow<'static, str>,
    from_user: bool,
}

/// A theme by name: `NAME.toml` in `user_dir` first, then the built-ins.
pub(crate) fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
    let source = find(name, user_dir, true)?;
    let mut chain = vec![(source.name.clone(), source.from_user)];
    build(&source, user_dir, &mut chain)
}

/// A theme from text that has no name yet (tests, previews).
pub(crate) fn from_toml(
    text: &str,
    origin: &str,
    user_dir: Option<&Path>,
) -> Result<Theme, ThemeError> {
    let source = Source {
        name: String::new(),
        origin: origin.to_string(),
        text: Cow::Owned(text.to_string()),
        from_user: true,
    };
    build(&source, user_dir, &mut Vec::new())
}

fn find(name: &str, user_dir: Option<&Path>, allow_user: bool) -> Result<Source, ThemeError> {
    if !is_valid_name(name) {
        return Err(ThemeError::BadName {
            name: name.to_string(),
        });
    }
    if let Some(dir) = user_dir.filter(|_| allow_user) {
        let path = dir.join(format!("{name}.toml"));
        if path.is_file() {
            let text = std::fs::read_to_string(&path).map_err(|source| ThemeError::Read {
                path: path.clone(),
                source,
            })?;
            return Ok(Source {
                name: name.to_string(),
                origin: path.display().to_string(),
                text: Cow::Owned(text),
                from_user: true,
            });
        }
    }
    match BUILT_IN.iter().find(|(n, _)| *n == name) {
        Some((_, text)) => Ok(Source {
            name: name.to_string(),
            origin: format!("built-in theme {name}"),
            text: Cow::Borrowed(text),
            from_user: false,
        }),
        None => Err(ThemeError::NotFound {
            name: name.to_string(),
            available: theme_names(user_dir),
        }),
    }
}

fn invalid(origin: &str, problem: Problem) -> ThemeError {
    ThemeError::Invalid {
        origin: origin.to_string(),
        line: Some(problem.line),
        key: problem.key,
        message: problem.message,
    }
}

/// Parse one theme file, resolving `inherit` through `find`. `chain` holds the themes
/// already on the way here, so a loop is reported instead of recursing forever.
fn build(
    source: &Source,
    user_dir: Option<&Path>,
    chain: &mut Vec<(String, bool)>,
) -> Result<Theme, ThemeError> {
    let mut reader = Reader::new(&source.text);
    let root = reader.parse().map_err(|p| invalid(&source.origin, p))?;
    let mut inherit: Option<(&str, Range<usize>)> = None;
    let mut styles: Vec<(&'static str, Style)> = Vec::new();
    for (key, value) in root.get_ref() {
        let name: &str = key.get_ref();
        if name == "inherit" {
            let expected = "a theme name like \"dark\"";
            if let Some(parent) = reader.string(name, value, expected) {
                if is_valid_name(parent) {
                    inherit = Some((parent, value.span()));
                } else {
                    let message = format!(
                        "inherit must be {expected}, not \"{}\"",
                        parent.escape_debug()
                    );
                    reader.error(value.span(), name, message);
                }
            }
        } else if let Some(field) = Theme::FIELDS.iter().find(|f| **f == name) {
            if let Some(style) = read_style(&mut reader, field, value) {
                styles.push((field, style));
            }
        } else {
            let shown = name.escape_debug();
            let message = match closest(name, Theme::FIELDS.iter().copied()) {
                Some(near) => format!("unknown style \"{shown}\" (did you mean \"{near}\"?)"),
                None => format!(
                    "unknown style \"{shown}\"; a theme sets {} and may inherit",
                    Theme::FIELDS.join(", ")
                ),
            };
            reader.error(key.span(), name, message);
        }
    }
    let (errors, _) = reader.finish();
    if let Some(first) = errors.into_iter().next() {
        return Err(invalid(&source.origin, first));
    }

    let mut theme = match inherit {
        Some((parent, span)) => {
            let line = Reader::new(&source.text).line(span);
            let at_inherit = |message: String| ThemeError::Invalid {
                origin: source.origin.clone(),
                line: Some(line),
                key: "inherit".to_string(),
                message,
            };
            // A user file named like a built-in (`dark.toml` with `inherit = "dark"`)
            // means "the built-in, tweaked", not itself.
            let allow_user = !(source.from_user && source.name == parent);
            let parent_source = match find(parent, user_dir, allow_user) {
                Ok(found) => found,
                Err(ThemeError::NotFound { .. }) => {
                    return Err(at_inherit(format!(
                        "inherit names no known theme \"{parent}\""
                    )));
                }
                Err(other) => return Err(other),
            };
            let step = (parent_source.name.clone(), parent_source.from_user);
            if chain.contains(&step) {
                let mut names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).collect();
                names.push(parent);
                return Err(at_inherit(format!(
                    "inherit goes round in a loop: {}",
                    names.join(" → ")
                )));
            }
            chain.push(step);
            build(&parent_source, user_dir, chain)?
        }
        None => {
            let missing: Vec<&str> = Theme::FIELDS
                .iter()
                .copied()
                .filter(|f| !styles.iter().any(|(set, _)| set == f))
                .collect();
            if let Some(first) = missing.first() {
                return Err(ThemeError::Invalid {
                    origin: source.origin.clone(),
                    line: None,
                    key: first.to_string(),
                    message: format!(
                        "no style for {}; set them, or add inherit = \"dark\" to take the rest \
                         from a built-in theme",
                        missing.join(", ")
                    ),
                });
            }
            Theme::plain()
        }
    };
    for (field, style) in styles {
        if let Some(slot) = theme.style_mut(field) {
            *slot = style;
        }
    }
    Ok(theme)
}

const SETTINGS: &[&str] = &["fg", "bg", "bold", "italic", "underline", "reversed", "dim"];

fn read_style(reader: &mut Reader, field: &str, value: &Spanned<DeValue>) -> Option<Style> {
    let table = match value.get_ref() {
        // A bare colour is the foreground: `ok = "green"`.
        DeValue::String(_) | DeValue::Integer(_) => {
            return colour(reader, field, value).map(|c| Style::new().fg(c));
        }
        DeValue::Table(table) => table,
        other => {
            let found = kind(other);
            reader.error(
                value.span(),
                field,
                format!(
                    "{field} must be a style like {{ fg = \"red\", bold = true }} or a colour, \
                     not {found}"
                ),
            );
            return None;
        }
    };
    let mut style = Style::new();
    let mut valid = true;
    for (key, value) in table {
        let setting: &str = key.get_ref();
        let path = format!("{field}.{setting}");
        let modifier = match setting {
            "fg" | "bg" => {
                match colour(reader, &path, value) {
                    Some(c) if setting == "fg" => style = style.fg(c),
                    Some(c) => style = style.bg(c),
                    None => valid = false,
                }
                continue;
            }
            "bold" => Modifier::BOLD,
            "italic" => Modifier::ITALIC,
            "underline" => Modifier::UNDERLINED,
            "reversed" => Modifier::REVERSED,
            "dim" => Modifier::DIM,
            _ => {
                let hint = match closest(setting, SETTINGS.iter().copied()) {
                    Some(near) => format!("did you mean \"{near}\"?"),
                    None => format!("a style sets {}", SETTINGS.join(", ")),
                };
                reader.error(
                    key.span(),
                    &path,
                    format!("unknown style setting \"{}\" ({hint})", path.escape_debug()),
                );
                valid = false;
                continue;
            }
        };
        match reader.boolean(&path, value) {
            Some(true) => style = style.add_modifier(modifier),
            Some(false) => {}
            None => valid = false,
        }
    }
    valid.then_some(style)
}

fn colour(reader: &mut Reader, key: &str, value: &Spanned<DeValue>) -> Option<Color> {
    let expected = "a colour name like \"red\", \"#rrggbb\" or 0-255";
    let parsed = match value.get_ref() {
        DeValue::String(text) => {
            parse_colour(text).ok_or_else(|| format!("\"{}\"", text.escape_debug()))
        }
        DeValue::Integer(number) => i64::from_str_radix(number.as_str(), number.radix())
            .ok()
            .and_then(|n| u8::try_from(n).ok())
            .map(Color::Indexed)
            .ok_or_else(|| number.as_str().to_string()),
        other => Err(kind(other).to_string()),
    };
    match parsed {
        Ok(colour) => Some(colour),
        Err(found) => {
            reader.error(
                value.span(),
                key,
                format!("{key} must be {expected}, not {found}"),
            );
            None
        }
    }
}

/// A colour name (ratatui's: `gray` is ANSI 7, `white` is ANSI 15), `#rrggbb`, or
/// `default` for the terminal's own colour. Case, `-`, `_` and spaces are ignored in names.
fn parse_colour(text: &str) -> Option<Color> {
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let byte = |at: usize| u8::from_str_radix(&hex[at..at + 2], 16).ok();
        return Some(Color::Rgb(byte(0)?, byte(2)?, byte(4)?));
    }
    let name: String = text
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .flat_map(char::to_lowercase)
        .collect();
    let colour = match name.replace("grey", "gray").as_str() {
        "default" | "reset" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" => Color::Gray,
        "darkgray" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    };
    Some(colour)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_come_as_names_hex_and_indexes() {
        assert_eq!(parse_colour("Light-Blue"), Some(Color::LightBlue));
        assert_eq!(parse_colour("dark grey"), Some(Color::DarkGray));
        assert_eq!(parse_colour("#1e3250"), Some(Color::Rgb(30, 50, 80)));
        assert_eq!(parse_colour("#1e325"), None);
        assert_eq!(parse_colour("#ééé"), None);
        assert_eq!(parse_colour("blurple"), None);
    }
}
