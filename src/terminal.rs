//! Entering and leaving the full-screen terminal, and making sure we always leave.

use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};
use std::sync::Once;

/// The terminal berth draws on.
pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Restores the terminal when dropped, so every return path (including `?`) leaves the
/// terminal usable.
pub struct TerminalGuard {
    pub terminal: Tui,
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Switch to raw mode and the alternate screen, with a panic hook that restores the
/// terminal before the panic message is printed.
pub fn enter(mouse: bool) -> io::Result<TerminalGuard> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    let mut stdout = io::stdout();
    let mut entered = execute!(stdout, terminal::EnterAlternateScreen, cursor::Hide);
    if mouse && entered.is_ok() {
        entered = execute!(stdout, crossterm::event::EnableMouseCapture);
    }
    if let Err(err) = entered {
        restore();
        return Err(err);
    }
    let terminal = Terminal::new(CrosstermBackend::new(stdout))?;
    Ok(TerminalGuard { terminal })
}

/// Leave the alternate screen, show the cursor and turn raw mode off. Safe to call more
/// than once and when the terminal is already gone (a dropped SSH session).
pub fn restore() {
    let _ = execute!(
        io::stdout(),
        terminal::EndSynchronizedUpdate,
        crossterm::event::DisableMouseCapture,
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
    let _ = terminal::disable_raw_mode();
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
