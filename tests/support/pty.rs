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
    pub const ESC: &str = "\u{1b}";
    pub const UP: &str = "\u{1b}[A";
    pub const DOWN: &str = "\u{1b}[B";
    pub const PAGE_DOWN: &str = "\u{1b}[6~";
    pub const END: &str = "\u{1b}[F";
    pub const HOME: &str = "\u{1b}[H";
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
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("open a pty");
        let mut command = CommandBuilder::new(env!("CARGO_BIN_EXE_berth"));
        command.args(args);
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
                loop {
                    match reader.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => {
                            parser.lock().unwrap().process(&buf[..n]);
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
        self.parser.lock().unwrap().screen().contents()
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
                    return parser.screen().contents();
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
        screen
            .rows(0, cols.get())
            .last()
            .unwrap_or_default()
            .trim_end()
            .to_string()
    }

    /// Wait until `text` is on screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} on screen"), |s| {
            s.contents().contains(text)
        })
    }

    /// Wait until `text` is no longer on screen.
    pub fn wait_gone(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?} to disappear"), |s| {
            !s.contents().contains(text)
        })
    }

    /// Resize the terminal.
    pub fn resize(&self, cols: u16, rows: u16) {
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize pty");
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(nonzero(rows), nonzero(cols));
    }

    /// The child's process id.
    pub fn pid(&self) -> u32 {
        self.child.process_id().expect("berth pid")
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
