//! The `Theme`: every style the UI draws with, and the built-in themes. Every colour the
//! UI uses comes from a `Theme`; the themes themselves are TOML files (`themes/*.toml`,
//! embedded, plus the user's theme folder) read by `config::theme`. The type lives with
//! its reader so the view depends on config and never the other way round.

use super::theme::ThemeError;
use ratatui::style::Style;
use std::path::Path;
use std::sync::LazyLock;

// The field list is written once so the theme reader, the "every field is set" check and
// the struct can never disagree about which styles exist. Adding a style means adding a
// line here and a line to every file in `themes/` (a test fails until both are done).
macro_rules! theme_styles {
    ($($(#[doc = $doc:expr])* $field:ident,)*) => {
        /// The styles panes draw with.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Theme {
            $($(#[doc = $doc])* pub $field: Style,)*
        }

        impl Theme {
            /// The name of every style, as theme files spell it.
            pub const FIELDS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// The style a theme file calls `name`.
            pub fn style_mut(&mut self, name: &str) -> Option<&mut Style> {
                match name {
                    $(stringify!($field) => Some(&mut self.$field),)*
                    _ => None,
                }
            }

            /// The style a theme file calls `name`.
            pub fn style(&self, name: &str) -> Option<&Style> {
                match name {
                    $(stringify!($field) => Some(&self.$field),)*
                    _ => None,
                }
            }

            /// A theme with every style plain, for readers to fill in.
            pub(crate) fn plain() -> Theme {
                Theme { $($field: Style::new(),)* }
            }
        }
    };
}

theme_styles! {
    /// The top bar.
    header,
    /// The program name and breadcrumbs in the top bar.
    header_accent,
    /// Table column titles.
    column_header,
    /// The row under the cursor.
    selected,
    /// Ordinary table text.
    text,
    /// Secondary text: details, hints, placeholders.
    dim,
    /// Characters matched by the filter.
    match_highlight,
    error,
    warning,
    ok,
    /// The status line.
    status,
    /// Critical findings.
    critical,
    /// High findings.
    high,
    /// Medium findings.
    medium,
    /// Low and informational findings.
    low,
    /// Rows marked for a bulk action.
    marked,
    /// The frame of the help overlay and dialogs.
    help_border,
}

static DARK: LazyLock<Theme> = LazyLock::new(|| built_in("dark"));
static MONOCHROME: LazyLock<Theme> = LazyLock::new(|| built_in("monochrome"));

fn built_in(name: &str) -> Theme {
    // Every shipped theme is parsed by the test suite, so this only fails in development.
    super::theme::load(name, None)
        .unwrap_or_else(|err| panic!("built-in theme {name} is broken: {err}"))
}

impl Theme {
    /// The default dark theme (`themes/dark.toml`).
    pub fn dark() -> Self {
        DARK.clone()
    }

    /// No colours at all (`NO_COLOR`, `themes/monochrome.toml`): the selection and
    /// highlights stay visible through reverse video, bold and underline.
    pub fn monochrome() -> Self {
        MONOCHROME.clone()
    }

    /// A theme by name: a file `NAME.toml` in `user_dir` first, then the built-ins.
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        super::theme::load(name, user_dir)
    }

    /// A theme from TOML text; `origin` names it in errors and `user_dir` resolves `inherit`.
    pub fn from_toml(
        text: &str,
        origin: &str,
        user_dir: Option<&Path>,
    ) -> Result<Theme, ThemeError> {
        super::theme::from_toml(text, origin, user_dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    #[test]
    fn dark_keeps_the_colours_the_panes_were_designed_with() {
        let dark = Theme::dark();
        assert_eq!(
            dark.header,
            Style::new().fg(Color::White).bg(Color::Rgb(30, 50, 80))
        );
        assert_eq!(
            dark.match_highlight,
            Style::new()
                .fg(Color::Rgb(255, 200, 90))
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
        );
        assert_eq!(dark.text, Style::new());
    }

    #[test]
    fn monochrome_selection_is_reverse_video() {
        let mono = Theme::monochrome();
        assert!(mono.selected.add_modifier.contains(Modifier::REVERSED));
        for name in Theme::FIELDS {
            let mut theme = mono.clone();
            let style = theme.style_mut(name).unwrap();
            assert_eq!((style.fg, style.bg), (None, None), "{name} has a colour");
        }
    }
}
