//! Colours. Every colour the UI uses comes from a `Theme`.

use ratatui::style::{Color, Modifier, Style};

/// The styles panes draw with.
#[derive(Clone, Debug)]
pub struct Theme {
    pub header: Style,
    pub header_accent: Style,
    pub column_header: Style,
    pub selected: Style,
    pub text: Style,
    pub dim: Style,
    pub match_highlight: Style,
    pub error: Style,
    pub warning: Style,
    pub ok: Style,
    pub status: Style,
    pub critical: Style,
    pub high: Style,
    pub help_border: Style,
}

impl Theme {
    /// The default dark theme.
    pub fn dark() -> Self {
        Theme {
            header: Style::new().fg(Color::White).bg(Color::Rgb(30, 50, 80)),
            header_accent: Style::new()
                .fg(Color::Rgb(255, 200, 90))
                .bg(Color::Rgb(30, 50, 80))
                .add_modifier(Modifier::BOLD),
            column_header: Style::new()
                .fg(Color::Rgb(140, 170, 210))
                .add_modifier(Modifier::BOLD),
            selected: Style::new()
                .bg(Color::Rgb(50, 70, 110))
                .add_modifier(Modifier::BOLD),
            text: Style::new(),
            dim: Style::new().fg(Color::Rgb(120, 120, 130)),
            match_highlight: Style::new()
                .fg(Color::Rgb(255, 200, 90))
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            error: Style::new().fg(Color::Rgb(255, 110, 110)),
            warning: Style::new().fg(Color::Rgb(255, 190, 80)),
            ok: Style::new().fg(Color::Rgb(120, 200, 120)),
            status: Style::new().fg(Color::Rgb(200, 200, 210)),
            critical: Style::new()
                .fg(Color::Rgb(255, 80, 80))
                .add_modifier(Modifier::BOLD),
            high: Style::new().fg(Color::Rgb(255, 150, 60)),
            help_border: Style::new().fg(Color::Rgb(140, 170, 210)),
        }
    }

    /// No colours at all (`NO_COLOR`): the selection and highlights stay visible through
    /// reverse video, bold and underline.
    pub fn monochrome() -> Self {
        let plain = Style::new();
        Theme {
            header: Style::new().add_modifier(Modifier::REVERSED),
            header_accent: Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
            column_header: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            text: plain,
            dim: plain,
            match_highlight: Style::new().add_modifier(Modifier::UNDERLINED),
            error: Style::new().add_modifier(Modifier::BOLD),
            warning: Style::new().add_modifier(Modifier::BOLD),
            ok: plain,
            status: plain,
            critical: Style::new().add_modifier(Modifier::BOLD),
            high: Style::new().add_modifier(Modifier::BOLD),
            help_border: plain,
        }
    }

    /// A built-in theme by name.
    pub fn by_name(name: &str) -> Option<Theme> {
        match name {
            "dark" => Some(Theme::dark()),
            "monochrome" | "none" => Some(Theme::monochrome()),
            _ => None,
        }
    }

    /// The theme the environment asks for.
    pub fn from_env() -> Self {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            Theme::monochrome()
        } else {
            Theme::dark()
        }
    }
}
