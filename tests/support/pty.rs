//! The real `berth` binary in a pseudo-terminal, its screen parsed by vt100.

use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long a test waits for something to appear on screen.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Keys as the terminal sends them.
pub mod keys {
    pub const ENTER: &str = "\r";
    /// A key sent right after Esc may reach berth in the same read and be taken as
    /// alt-KEY: wait for Esc's effect on screen before sending the next key.
    pub const ESC: &str = "\u{1b}";
    pub const UP: &str = "\u{1b}[A";
    pub const DOWN: &str = "\u{1b}[B";
    pub const PAGE_DOWN: &str = "\u{1b}[6~";
    pub const END: &str = "\u{1b}[F";
    pub const HOME: &str = "\u{1b}[H";
}

/// vt100 0.18 does not draw U+FFFD (it keeps that character for its own decoding errors
/// and drops it, shifting the rest of the line left), where a real terminal draws `�`.
/// berth draws U+FFFD wherever it neutralised hostile text, so the harness hands vt100
/// this one-column stand-in instead and turns it back into U+FFFD in every text it
/// returns (`screen`, `wait_*`, `status_line`). `raw_output` keeps the bytes as written.
pub const REPLACEMENT_STAND_IN: char = '\u{2426}';

/// `text` as the parsed screen holds it (U+FFFD as the stand-in).
pub fn on_screen(text: &str) -> String {
    text.replace('\u{fffd}', &REPLACEMENT_STAND_IN.to_string())
}

/// Screen text as berth drew it (the stand-in back to U+FFFD).
fn as_drawn(text: String) -> String {
    if text.contains(REPLACEMENT_STAND_IN) {
        text.replace(REPLACEMENT_STAND_IN, "\u{fffd}")
    } else {
        text
    }
}

/// Replace each U+FFFD in `pending` with the stand-in, keeping back a trailing partial
/// sequence for the next read; returns what can be parsed now.
pub fn substitute_replacement(pending: &mut Vec<u8>) -> Vec<u8> {
    const FFFD: &[u8] = "\u{fffd}".as_bytes();
    let keep = (1..FFFD.len())
        .rev()
        .find(|&n| pending.ends_with(&FFFD[..n]))
        .unwrap_or(0);
    let ready: Vec<u8> = pending.drain(..pending.len() - keep).collect();
    let mut out = Vec::with_capacity(ready.len());
    let mut stand_in = [0u8; 4];
    let stand_in = REPLACEMENT_STAND_IN.encode_utf8(&mut stand_in).as_bytes();
    let mut rest = &ready[..];
    while let Some(at) = rest.windows(FFFD.len()).position(|w| w == FFFD) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(stand_in);
        rest = &rest[at + FFFD.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// berth draws each frame between "begin" and "end synchronized update" (DEC mode 2026),
/// so a terminal never shows half a frame. vt100 ignores the mode, so the harness honours
/// it itself: bytes from an unfinished frame are held back until its end arrives, and
/// a check never sees a screen that is half old frame, half new.
const BEGIN_FRAME: &[u8] = b"\x1b[?2026h";
const END_FRAME: &[u8] = b"\x1b[?2026l";

/// Take from `held` what can be shown now: everything up to an unfinished frame's start
/// (or up to a trailing partial escape sequence that may start one).
pub fn complete_frames(held: &mut Vec<u8>) -> Vec<u8> {
    let last = |needle: &[u8]| held.windows(needle.len()).rposition(|w| w == needle);
    let cut = match (last(BEGIN_FRAME), last(END_FRAME)) {
        (Some(begin), end) if end.is_none_or(|end| end < begin) => begin,
        _ => {
            let partial = (1..BEGIN_FRAME.len())
                .rev()
                .find(|&n| held.ends_with(&BEGIN_FRAME[..n]))
                .unwrap_or(0);
            held.len() - partial
        }
    };
    held.drain(..cut).collect()
}

fn nonzero(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n).expect("terminal sizes are non-zero")
}

/// A running berth in a PTY.
pub struct Tui {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

impl Tui {
    /// Start `berth ARGS` with `env` in a `cols`×`rows` terminal.
    pub fn spawn(args: &[&str], env: &[(String, String)], cols: u16, rows: u16) -> Tui {
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_berth"));
        command.args(args);
        Tui::start(command, env, cols, rows)
    }

    /// Start `/bin/sh -c SCRIPT` with `env` in a `cols`×`rows` terminal; `$BERTH` names
    /// the berth binary. For what happens in the same terminal before and after berth
    /// runs (`"$BERTH"; stty -a`), as a user's shell sees it.
    pub fn spawn_shell(script: &str, env: &[(String, String)], cols: u16, rows: u16) -> Tui {
        let mut command = CommandBuilder::new("/bin/sh");
        command.args(["-c", script]);
        let mut env = env.to_vec();
        env.push(("BERTH".into(), env!("CARGO_BIN_EXE_berth").into()));
        Tui::start(command, &env, cols, rows)
    }

    fn start(mut command: CommandBuilder, env: &[(String, String)], cols: u16, rows: u16) -> Tui {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        command.env_clear();
        command.env("TERM", "xterm-256color");
        command.env("PATH", std::env::var("PATH").unwrap_or_default());
        for (key, value) in env {
            command.env(key, value);
        }
        let child = pty.slave.spawn_command(command).expect("spawn berth");
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().expect("pty reader");
        let writer = pty.master.take_writer().expect("pty writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(
            nonzero(rows),
            nonzero(cols),
            0,
        )));
        let raw = Arc::new(Mutex::new(Vec::new()));
        {
            let parser = parser.clone();
            let raw = raw.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                let mut pending = Vec::new();
                let mut held = Vec::new();
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => {
                            // berth is gone: show whatever it left, finished or not.
                            parser.lock().unwrap().process(&held);
                            return;
                        }
                        Ok(n) => {
                            pending.extend_from_slice(&buf[..n]);
                            held.extend(substitute_replacement(&mut pending));
                            let ready = complete_frames(&mut held);
                            parser.lock().unwrap().process(&ready);
                            raw.lock().unwrap().extend_from_slice(&buf[..n]);
                        }
                    }
                }
            });
        }
        Tui {
            parser,
            raw,
            writer,
            child,
            master: pty.master,
        }
    }

    /// Type `text` (keys as the terminal would send them).
    pub fn send(&mut self, text: &str) {
        self.writer
            .write_all(text.as_bytes())
            .expect("write to pty");
        self.writer.flush().expect("flush pty");
    }

    /// The screen as plain text, one line per row.
    pub fn screen(&self) -> String {
        as_drawn(self.parser.lock().unwrap().screen().contents())
    }

    /// Everything berth wrote so far, unparsed.
    pub fn raw_output(&self) -> Vec<u8> {
        self.raw.lock().unwrap().clone()
    }

    /// Run `check` on the parsed screen until it holds, or fail with the screen shown.
    pub fn wait_until(&self, what: &str, check: impl Fn(&vt100::Screen) -> bool) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            {
                let parser = self.parser.lock().unwrap();
                if check(parser.screen()) {
                    return as_drawn(parser.screen().contents());
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {DEADLINE:?} waiting for {what}; screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The bottom row of the screen (the status line), trimmed.
    pub fn status_line(screen: &vt100::Screen) -> String {
        let (_, cols) = screen.size();
        as_drawn(
            screen
                .rows(0, cols.get())
                .last()
                .unwrap_or_default()
                .trim_end()
                .to_string(),
        )
    }

    /// The top row of the screen (the title line with the breadcrumbs).
    pub fn header(screen: &vt100::Screen) -> String {
        screen
            .contents()
            .lines()
            .next()
            .unwrap_or_default()
            .to_string()
    }

    /// Start `berth EXTRA… REPOSITORY` (which opens straight into the repository's images)
    /// in a 160x40 terminal and wait until its images have loaded.
    pub fn open_images(env: &[(String, String)], repository: &str, extra: &[&str]) -> Tui {
        let mut args: Vec<&str> = extra.to_vec();
        args.push(repository);
        let tui = Tui::spawn(&args, env, 160, 40);
        tui.wait_until("the images pane loaded", |s| {
            let text = s.contents();
            text.contains(&format!("repositories › {repository}"))
                && !text.contains("loading images")
        });
        tui
    }

    /// Every text berth put on the clipboard with OSC 52 so far, decoded, oldest first.
    pub fn clipboard(&self) -> Vec<String> {
        use base64::Engine;
        let raw = String::from_utf8_lossy(&self.raw_output()).into_owned();
        raw.split("\u{1b}]52;c;")
            .skip(1)
            .filter_map(|rest| {
                let end = rest.find(['\u{7}', '\u{1b}'])?;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(&rest[..end])
                    .ok()?;
                String::from_utf8(bytes).ok()
            })
            .collect()
    }

    /// Wait until `text` is on screen.
    pub fn wait_for(&self, text: &str) -> String {
        let text = on_screen(text);
        self.wait_until(&format!("{text:?} on screen"), |s| {
            s.contents().contains(&text)
        })
    }

    /// Wait until `text` is no longer on screen.
    pub fn wait_gone(&self, text: &str) -> String {
        let text = on_screen(text);
        self.wait_until(&format!("{text:?} to disappear"), |s| {
            !s.contents().contains(&text)
        })
    }

    /// Resize the terminal.
    pub fn resize(&self, cols: u16, rows: u16) {
        // The emulator takes the new size first, and holds its lock until the terminal
        // has it too: a frame berth draws for the new size once it gets SIGWINCH must not
        // be read at the old size (it would wrap into a garbled screen nothing redraws).
        let mut parser = self.parser.lock().unwrap();
        parser.screen_mut().set_size(nonzero(rows), nonzero(cols));
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize pty");
    }

    /// Resize the terminal and wait until berth has drawn a frame at the new size (its
    /// status line's `? help` hint at the right edge), so the keys sent next act on the
    /// screen the test reads.
    pub fn resize_and_redraw(&self, cols: u16, rows: u16) {
        self.resize(cols, rows);
        self.wait_until("a frame at the new size", |s| {
            let (_, width) = s.size();
            let status = s.rows(0, width.get()).last().unwrap_or_default();
            width.get() == cols
                && status.trim_end().ends_with("help")
                && status.trim_end().chars().count() + 4 >= usize::from(cols)
        });
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("berth pid")
    }

    /// The process id of a child of the spawned process (berth under `spawn_shell`), once
    /// one runs.
    pub fn wait_child_pid(&self) -> u32 {
        let parent = self.pid().to_string();
        let deadline = Instant::now() + DEADLINE;
        loop {
            let children = std::fs::read_dir("/proc")
                .into_iter()
                .flatten()
                .flatten()
                .filter_map(|entry| {
                    let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
                    let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
                    // The command name may hold spaces: the fields after its closing
                    // parenthesis are state, then the parent's pid.
                    let after = &stat[stat.rfind(')')? + 1..];
                    (after.split_whitespace().nth(1)? == parent).then_some(pid)
                });
            if let Some(pid) = children.into_iter().next() {
                return pid;
            }
            assert!(
                Instant::now() < deadline,
                "no child of {parent} started; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The status line of the current screen.
    pub fn current_status_line(&self) -> String {
        Tui::status_line(self.parser.lock().unwrap().screen())
    }

    /// Wait for berth to exit and return its exit code.
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                // Let the reader thread take the last bytes the process wrote.
                let _ = self.wait_output_settled();
                return status.exit_code();
            }
            assert!(
                Instant::now() < deadline,
                "berth did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_output_settled(&self) -> usize {
        let deadline = Instant::now() + Duration::from_secs(2);
        let mut last = self.raw.lock().unwrap().len();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let now = self.raw.lock().unwrap().len();
            if now == last || Instant::now() > deadline {
                return now;
            }
            last = now;
        }
    }

    /// Whether the terminal is back in normal mode: main screen, cursor visible.
    pub fn terminal_restored(&self) -> bool {
        let parser = self.parser.lock().unwrap();
        let screen = parser.screen();
        !screen.alternate_screen() && !screen.hide_cursor()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
