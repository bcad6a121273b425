//! The progress of `berth audit`'s sweep as a line on stderr, shown when (and only when)
//! stderr is a terminal. The counters it reads are the sweep's
//! ([`crate::figures::progress`]).

use crate::figures::progress::{Progress, Snapshot};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The progress line: `[=========>          ] 21/50 repositories · 4,200 images`.
pub fn render(snapshot: Snapshot) -> String {
    const BAR: usize = 24;
    let filled = if snapshot.repositories == 0 {
        0
    } else {
        (snapshot.done.min(snapshot.repositories) as usize * BAR) / snapshot.repositories as usize
    };
    let mut bar = "=".repeat(filled);
    if filled < BAR {
        bar.push('>');
        bar.push_str(&" ".repeat(BAR - filled - 1));
    }
    let mut line = format!(
        "[{bar}] {}/{} repositories · {} images",
        snapshot.done,
        snapshot.repositories,
        thousands(snapshot.images)
    );
    if snapshot.manifests > 0 {
        line.push_str(&format!(" · {} manifests", thousands(snapshot.manifests)));
    }
    if snapshot.retries > 0 {
        line.push_str(&format!(" · {} retried", snapshot.retries));
    }
    line
}

/// `12345` as `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Redraws the progress line until finished; does nothing unless stderr is a terminal,
/// so logs and pipes never see carriage returns.
pub struct ProgressLine {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ProgressLine {
    /// Start drawing `progress` on stderr, if stderr is a terminal.
    pub fn start(progress: Arc<Progress>) -> ProgressLine {
        if !std::io::stderr().is_terminal() {
            return ProgressLine {
                stop: None,
                task: None,
            };
        }
        let (stop, mut stopped) = oneshot::channel();
        let task = tokio::spawn(async move {
            let mut ticks = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        let line = render(progress.snapshot());
                        let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
                    }
                    _ = &mut stopped => break,
                }
            }
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        });
        ProgressLine {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Erase the line and stop drawing.
    pub async fn finish(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_shows_repositories_done_and_images_seen() {
        let line = render(Snapshot {
            manifests: 0,
            repositories: 50,
            done: 25,
            images: 5000,
            retries: 0,
        });
        assert_eq!(
            line,
            "[============>           ] 25/50 repositories · 5,000 images"
        );
        let full = render(Snapshot {
            manifests: 0,
            repositories: 2,
            done: 2,
            images: 3,
            retries: 1,
        });
        assert!(full.starts_with("[========================] 2/2"));
        assert!(full.ends_with("· 1 retried"));
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
