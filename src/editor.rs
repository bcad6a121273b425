//! Editing text in the user's editor from inside the full-screen UI.
//!
//! The editor needs the terminal to itself: berth leaves the alternate screen and raw
//! mode, runs `$VISUAL`, `$EDITOR` or `vi` on a temporary file, and comes back. Two
//! things make that more than a `Command::status()`:
//!
//! - berth's input reader thread would otherwise keep reading the terminal and steal
//!   the editor's keystrokes. It reads through an [`InputGate`], which the editor
//!   closes (waiting for a read in progress to finish) before the editor starts.
//! - The screen the editor leaves behind is not what ratatui thinks is on it, so the
//!   whole frame is redrawn afterwards.

use crate::terminal::Tui;
use crossterm::event::{self, Event};
use crossterm::{cursor, execute, terminal};
use std::ffi::{OsStr, OsString};
use std::fs::OpenOptions;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Why editing failed; the text being edited is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum EditorError {
    #[error("cannot create a temporary file for the editor: {0}")]
    TempFile(io::Error),
    #[error("cannot start the editor {editor:?}: {source}")]
    Spawn { editor: String, source: io::Error },
    #[error("the editor {editor:?} exited with {status}; the edit was discarded")]
    Failed { editor: String, status: String },
    #[error("cannot read the edited file: {0}")]
    ReadBack(io::Error),
    #[error("cannot hand the terminal to the editor: {0}")]
    Terminal(io::Error),
}

/// How often a paused-aware reader looks at the gate while waiting for input.
const POLL: Duration = Duration::from_millis(50);

#[derive(Debug, Default)]
struct GateState {
    paused: bool,
    reading: bool,
}

/// Lets the input reader thread and the editor take turns at the terminal.
#[derive(Clone, Debug, Default)]
pub struct InputGate {
    inner: Arc<(Mutex<GateState>, Condvar)>,
}

/// Holds the gate closed; dropping it lets the reader read again.
pub struct GateClosed<'a> {
    gate: &'a InputGate,
}

impl InputGate {
    /// The next terminal event, for the input reader thread: like
    /// `crossterm::event::read`, but it never reads while the gate is closed.
    pub fn read_event(&self) -> io::Result<Event> {
        let (lock, turn) = &*self.inner;
        loop {
            {
                let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
                while state.paused {
                    state = turn.wait(state).unwrap_or_else(|e| e.into_inner());
                }
                state.reading = true;
            }
            // A short poll, so a closing gate waits at most this long.
            let result = match event::poll(POLL) {
                Ok(true) => Some(event::read()),
                Ok(false) => None,
                Err(err) => Some(Err(err)),
            };
            {
                let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
                state.reading = false;
                turn.notify_all();
            }
            if let Some(result) = result {
                return result;
            }
        }
    }

    /// Stop the reader: returns once no read is in progress, and keeps it stopped until
    /// the returned guard is dropped.
    pub fn close(&self) -> GateClosed<'_> {
        let (lock, turn) = &*self.inner;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        state.paused = true;
        while state.reading {
            state = turn.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        GateClosed { gate: self }
    }
}

impl Drop for GateClosed<'_> {
    fn drop(&mut self) {
        let (lock, turn) = &*self.gate.inner;
        let mut state = lock.lock().unwrap_or_else(|e| e.into_inner());
        state.paused = false;
        turn.notify_all();
    }
}

/// The editor command: `$VISUAL`, then `$EDITOR`, then `vi` (empty values skipped).
pub fn choose_editor(visual: Option<OsString>, editor: Option<OsString>) -> OsString {
    [visual, editor]
        .into_iter()
        .flatten()
        .find(|value| !value.to_string_lossy().trim().is_empty())
        .unwrap_or_else(|| OsString::from("vi"))
}

/// The editor from the process environment.
pub fn editor_from_env() -> OsString {
    choose_editor(std::env::var_os("VISUAL"), std::env::var_os("EDITOR"))
}

/// Leave the full screen, edit `text` in the user's editor, and come back.
///
/// Returns the saved text (which may equal `text` if the user changed nothing). Blocks
/// until the editor exits: call it from the UI loop (inside
/// `tokio::task::block_in_place`), with the reader's `gate`. `mouse` says whether the UI
/// runs with mouse capture, which the editor must not inherit.
pub fn edit_in_terminal(
    tui: &mut Tui,
    gate: &InputGate,
    text: &str,
    suffix: &str,
    mouse: bool,
) -> Result<String, EditorError> {
    let _closed = gate.close();
    // The same steps as on exit: leave the alternate screen, show the cursor, drop
    // mouse capture and raw mode.
    crate::terminal::restore();
    let result = edit_text(&editor_from_env(), text, suffix);
    let resumed = resume(tui, mouse);
    let text = result?;
    resumed.map_err(EditorError::Terminal)?;
    Ok(text)
}

/// Take the terminal back and make the next frame a full redraw.
fn resume(tui: &mut Tui, mouse: bool) -> io::Result<()> {
    terminal::enable_raw_mode()?;
    execute!(
        io::stdout(),
        terminal::EnterAlternateScreen,
        terminal::Clear(terminal::ClearType::All),
        cursor::Hide
    )?;
    if mouse {
        execute!(io::stdout(), crossterm::event::EnableMouseCapture)?;
    }
    // Blank both of ratatui's buffers, matching the cleared screen, so the next frame
    // is drawn whole. (`Terminal::clear` would ask the terminal for the cursor position,
    // a round trip that slow links and some terminals never answer.)
    tui.swap_buffers();
    tui.swap_buffers();
    Ok(())
}

/// Write `text` to a new private temporary file named `berth-*{suffix}`, run `editor`
/// on it, and read it back. The file is removed afterwards.
///
/// `editor` may carry arguments (`code --wait`, `emacs -nw`): like git, berth runs it
/// through `sh -c` with the file as `"$1"`.
pub fn edit_text(editor: &OsStr, text: &str, suffix: &str) -> Result<String, EditorError> {
    let path = temp_file(text, suffix).map_err(EditorError::TempFile)?;
    let removal = RemoveOnDrop(path.clone());
    let mut script = editor.to_os_string();
    script.push(" \"$1\"");
    let name = editor.to_string_lossy().into_owned();
    let status = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .arg("berth-editor")
        .arg(&path)
        .status()
        .map_err(|source| EditorError::Spawn {
            editor: name.clone(),
            source,
        })?;
    if !status.success() {
        return Err(EditorError::Failed {
            editor: name,
            status: status.to_string(),
        });
    }
    let edited = std::fs::read_to_string(&removal.0).map_err(EditorError::ReadBack)?;
    Ok(edited)
}

/// Removes the temporary file however editing ends.
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A new file in the temp directory readable only by the user (a policy may be
/// sensitive), created exclusively so another user cannot plant it first.
fn temp_file(text: &str, suffix: &str) -> io::Result<PathBuf> {
    let dir = std::env::temp_dir();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    for attempt in 0..16u32 {
        let path = dir.join(format!(
            "berth-{}-{stamp}-{attempt}{suffix}",
            std::process::id()
        ));
        match create_private(&path) {
            Ok(mut file) => {
                file.write_all(text.as_bytes())?;
                return Ok(path);
            }
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(err) => return Err(err),
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free temporary file name",
    ))
}

fn create_private(path: &Path) -> io::Result<std::fs::File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visual_wins_then_editor_then_vi() {
        let some = |s: &str| Some(OsString::from(s));
        assert_eq!(choose_editor(some("nano"), some("vim")), "nano");
        assert_eq!(choose_editor(None, some("vim")), "vim");
        assert_eq!(choose_editor(some("  "), some("vim")), "vim");
        assert_eq!(choose_editor(None, None), "vi");
    }

    #[test]
    fn the_edited_text_comes_back_and_the_file_goes_away() {
        // An "editor" with an argument, as EDITOR often holds: sed rewriting in place.
        let editor = OsString::from("sed -i s/old/new/");
        let edited = edit_text(&editor, "the old policy\n", ".json").unwrap();
        assert_eq!(edited, "the new policy\n");
    }

    #[test]
    fn the_temporary_file_is_private_and_removed() {
        let path = temp_file("secret", ".json").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        drop(RemoveOnDrop(path.clone()));
        assert!(!path.exists());
    }

    #[test]
    fn a_failing_editor_discards_the_edit() {
        let err = edit_text(OsStr::new("false"), "text", ".json").unwrap_err();
        assert!(matches!(err, EditorError::Failed { .. }), "{err}");
    }

    #[test]
    fn closing_the_gate_waits_for_nothing_when_no_read_runs() {
        let gate = InputGate::default();
        let closed = gate.close();
        assert!(gate.inner.0.lock().unwrap().paused);
        drop(closed);
        assert!(!gate.inner.0.lock().unwrap().paused);
    }
}
