//! The progress of `berth audit`'s sweep as a line on stderr, shown when (and only when)
//! stderr is a terminal. The counters it reads are the sweep's
//! ([`crate::figures::progress`]).

use crate::figures::progress::{Progress, Snapshot};
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The progress line, at most `width` columns:
/// `[=========>          ] 21/50 repositories · 4,200 images`; in an organization the
/// bar follows the accounts, whose number is known from the start (repositories are
/// found as listings arrive), and the last few accounts still being read are named when
/// they fit: `[======================> ] 48/50 accounts · … · waiting on team-07, team-31`.
pub fn render(snapshot: &Snapshot, width: usize) -> String {
    const BAR: usize = 24;
    let (done, total) = if snapshot.accounts > 0 {
        (snapshot.accounts_done, snapshot.accounts)
    } else {
        (snapshot.done, snapshot.repositories)
    };
    let filled = if total == 0 {
        0
    } else {
        (done.min(total) as usize * BAR) / total as usize
    };
    let mut bar = "=".repeat(filled);
    if filled < BAR {
        bar.push('>');
        bar.push_str(&" ".repeat(BAR - filled - 1));
    }
    let mut line = format!("[{bar}] {}", accounts(snapshot));
    line.push_str(&format!(
        "{}/{} repositories · {} images",
        thousands(snapshot.done),
        thousands(snapshot.repositories),
        thousands(snapshot.images)
    ));
    if snapshot.manifests > 0 {
        line.push_str(&format!(" · {} manifests", thousands(snapshot.manifests)));
    }
    if snapshot.retries > 0 {
        line.push_str(&format!(" · {} retried", snapshot.retries));
    }
    let mut waiting = String::new();
    for (i, name) in snapshot.pending.iter().enumerate() {
        let part = if i == 0 {
            format!(" · waiting on {name}")
        } else {
            format!(", {name}")
        };
        if line.chars().count() + waiting.chars().count() + part.chars().count() > width {
            break;
        }
        waiting.push_str(&part);
    }
    line.push_str(&waiting);
    line
}

/// What the sweep read, for stderr once it is over: `50/50 accounts · 15,000
/// repositories · 75,000 images in 41.2 s`.
pub fn summary(snapshot: &Snapshot, elapsed: Duration) -> String {
    format!(
        "{}{} repositories · {} images in {:.1} s",
        accounts(snapshot),
        thousands(snapshot.done),
        thousands(snapshot.images),
        elapsed.as_secs_f64()
    )
}

/// `12/50 accounts · ` across an organization; nothing otherwise.
fn accounts(snapshot: &Snapshot) -> String {
    if snapshot.accounts == 0 {
        return String::new();
    }
    format!(
        "{}/{} accounts · ",
        snapshot.accounts_done, snapshot.accounts
    )
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
            let started = std::time::Instant::now();
            let mut ticks = tokio::time::interval(Duration::from_millis(100));
            loop {
                tokio::select! {
                    _ = ticks.tick() => {
                        // A terminal that reports no size is taken as 80 columns wide.
                        let width = crossterm::terminal::size()
                            .ok()
                            .map(|(columns, _)| usize::from(columns))
                            .filter(|columns| *columns > 0)
                            .unwrap_or(80);
                        // One column short: a line that fills the width wraps in some
                        // terminals, and `\r` then no longer returns to its start.
                        let line = render(&progress.snapshot(), width.saturating_sub(1));
                        let _ = write!(std::io::stderr(), "\r\x1b[2K{line}");
                    }
                    _ = &mut stopped => break,
                }
            }
            let snapshot = progress.snapshot();
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
            if snapshot.accounts > 0 {
                // Across an organization the run is long enough to want its figures.
                let _ = writeln!(
                    std::io::stderr(),
                    "berth: read {}",
                    summary(&snapshot, started.elapsed())
                );
            }
        });
        ProgressLine {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Erase the line (across an organization, leave a summary in its place) and stop
    /// drawing.
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
        let line = render(
            &Snapshot {
                repositories: 50,
                done: 25,
                images: 5000,
                ..Snapshot::default()
            },
            120,
        );
        assert_eq!(
            line,
            "[============>           ] 25/50 repositories · 5,000 images"
        );
        let full = render(
            &Snapshot {
                repositories: 2,
                done: 2,
                images: 3,
                retries: 1,
                ..Snapshot::default()
            },
            120,
        );
        assert!(full.starts_with("[========================] 2/2"));
        assert!(full.ends_with("· 1 retried"));
    }

    #[test]
    fn across_an_organization_the_bar_counts_accounts_and_names_the_last_ones() {
        let many = Snapshot {
            repositories: 4_000,
            done: 1_200,
            images: 6_000,
            accounts: 50,
            accounts_done: 12,
            ..Snapshot::default()
        };
        assert_eq!(
            render(&many, 120),
            "[=====>                  ] 12/50 accounts · 1,200/4,000 repositories · 6,000 images"
        );
        let few = Snapshot {
            accounts_done: 48,
            pending: vec!["team-07".into(), "team-31".into()],
            ..many
        };
        let line = render(&few, 200);
        assert!(line.ends_with("· waiting on team-07, team-31"), "{line}");
        // Names that do not fit are left out, never cut.
        let bare = render(
            &Snapshot {
                pending: Vec::new(),
                ..few.clone()
            },
            200,
        );
        let width = bare.chars().count() + " · waiting on team-07, team".len();
        let narrow = render(&few, width);
        assert!(narrow.chars().count() <= width, "{narrow}");
        assert!(narrow.ends_with("· waiting on team-07"), "{narrow}");
        let tiny = render(&few, bare.chars().count() + 4);
        assert!(!tiny.contains("waiting"), "{tiny}");
        assert_eq!(
            summary(&few, Duration::from_millis(41_230)),
            "48/50 accounts · 1,200 repositories · 6,000 images in 41.2 s"
        );
    }

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
