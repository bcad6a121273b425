//! Hostile text from the registry never reaches the terminal raw.
//!
//! ECR's grammar forbids control characters in repository names and tags, so real ECR
//! would refuse every name and tag below; a compromised, buggy or look-alike endpoint can
//! still send them. The sandbox's `unchecked-repository` and `unchecked-tags` routes
//! write them straight into its backend, and a proxy answers one repository's calls with
//! an error whose code and message carry escape sequences. The test then looks at the
//! screen (the text shows, neutralised with `�`) and at every byte berth wrote (no payload
//! byte sequence, no BEL, no C1 control; replayed through a terminal emulator: no bell,
//! no title change, no clipboard write).

mod support;

use serde_json::json;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;
use std::time::Duration;
use support::Sandbox;
use support::proxy::{Proxy, ProxyConfig, Reply, Verdict, http_call};
use support::pty::{Tui, keys};

const TAGS_REPO: &str = "hostile/tags";
const ERRORS_REPO: &str = "hostile/errors";

/// Tags as a hostile endpoint sends them, and how berth must show them.
const TAGS: [(&str, &str); 5] = [
    ("clr\u{1b}[2Jscreen", "clr\u{fffd}screen"),
    ("osc\u{1b}]52;c;SGVsbG8=\u{7}tail", "osc\u{fffd}tail"),
    ("bell\u{7}\u{7}ring", "bell\u{fffd}\u{fffd}ring"),
    ("c1\u{9b}31mred", "c1\u{fffd}31mred"),
    ("title\u{1b}]0;pwned-title\u{1b}\\x", "title\u{fffd}x"),
];
/// Repository names likewise.
const NAMES: [(&str, &str); 2] = [
    ("evil/\u{1b}]0;pwned-title\u{7}repo", "evil/\u{fffd}repo"),
    ("evil/\u{1b}[31mred\u{1b}[0m", "evil/\u{fffd}red\u{fffd}"),
];
/// Byte sequences that must never appear in berth's output.
const PAYLOADS: [&[u8]; 6] = [
    b"\x1b[2Jscreen",
    b"]52;c;SGVsbG8=",
    b"pwned-title",
    b"\x1b[31mred",
    b"\xc2\x9b",
    b"\x07",
];

fn long_tag() -> String {
    // Longer than any terminal, with a payload at the far end; sorts after the others so
    // they stay in view above it.
    format!("{}\u{1b}]52;c;SGVsbG8=\u{7}", "z".repeat(3000))
}

fn long_name() -> String {
    format!("evil/{}\u{1b}[2Jscreen", "n".repeat(600))
}

fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| {
        let sandbox = Sandbox::empty();
        seed(&sandbox);
        sandbox
    })
}

fn route(sandbox: &Sandbox, name: &str, body: serde_json::Value) {
    let (status, answer) = http_call(
        &sandbox.endpoint,
        "POST",
        &format!("/moto-api/berth/{name}"),
        "application/json",
        body.to_string().as_bytes(),
    )
    .expect("call the sandbox");
    assert_eq!(status, 200, "{name}: {}", String::from_utf8_lossy(&answer));
}

fn seed(sandbox: &Sandbox) {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": format!("sha256:{:064x}", 1)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 32_654_000, "digest": format!("sha256:{:064x}", 2)}]
    })
    .to_string();
    let digest = format!(
        "sha256:{}",
        hex::encode(Sha256::digest(manifest.as_bytes()))
    );
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let client = sandbox.ecr("us-east-1").await;
            for name in [TAGS_REPO, ERRORS_REPO] {
                client
                    .create_repository()
                    .repository_name(name)
                    .send()
                    .await
                    .unwrap();
                client
                    .put_image()
                    .repository_name(name)
                    .image_manifest(&manifest)
                    .image_digest(&digest)
                    .image_tag("plain")
                    .send()
                    .await
                    .unwrap();
            }
        });
    let mut tags: Vec<String> = TAGS.iter().map(|(raw, _)| raw.to_string()).collect();
    tags.push(long_tag());
    route(
        sandbox,
        "unchecked-tags",
        json!({"region": "us-east-1", "repository": TAGS_REPO, "digest": digest, "tags": tags}),
    );
    for name in NAMES
        .iter()
        .map(|(raw, _)| raw.to_string())
        .chain([long_name()])
    {
        route(
            sandbox,
            "unchecked-repository",
            json!({"region": "us-east-1", "name": name}),
        );
    }
}

/// What a terminal did while replaying berth's output, besides drawing.
#[derive(Default)]
struct SideEffects {
    bells: usize,
    titles: Vec<Vec<u8>>,
    clipboard: Vec<Vec<u8>>,
}

impl vt100::Callbacks for SideEffects {
    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn visual_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles.push(title.to_vec());
    }
    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(name.to_vec());
    }
    fn copy_to_clipboard(&mut self, _: &mut vt100::Screen, _: &[u8], data: &[u8]) {
        self.clipboard.push(data.to_vec());
    }
    fn paste_from_clipboard(&mut self, _: &mut vt100::Screen, ty: &[u8]) {
        self.clipboard.push(ty.to_vec());
    }
}

/// Every byte berth wrote: no payload, and nothing a terminal would do besides drawing.
fn assert_output_is_inert(raw: &[u8]) {
    for payload in PAYLOADS {
        assert!(
            !raw.windows(payload.len()).any(|w| w == payload),
            "{:?} reached the terminal",
            String::from_utf8_lossy(payload)
        );
    }
    let nonzero = |n| std::num::NonZeroU16::new(n).unwrap();
    let mut terminal =
        vt100::Parser::new_with_callbacks(nonzero(50), nonzero(200), 0, SideEffects::default());
    terminal.process(raw);
    let effects = terminal.callbacks();
    assert_eq!(effects.bells, 0, "the terminal rang");
    assert!(effects.titles.is_empty(), "title set: {:?}", effects.titles);
    assert!(
        effects.clipboard.is_empty(),
        "clipboard touched: {:?}",
        effects.clipboard
    );
}

fn open(tui: &mut Tui, repository: &str) {
    tui.send(":");
    tui.wait_until("the command prompt", |s| Tui::status_line(s) == ":");
    tui.send(repository);
    tui.send(keys::ENTER);
    tui.wait_until(&format!("the images of {repository}"), |s| {
        s.contents()
            .lines()
            .next()
            .is_some_and(|l| l.contains(&format!("repositories › {repository}")))
            && !s.contents().contains("loading images")
    });
}

#[test]
fn hostile_repository_names_and_tags_show_neutralised() {
    let sandbox = sandbox();
    let mut tui = Tui::spawn(&[], &sandbox.env(), 200, 50);
    let repositories = NAMES.len() + 3;
    let screen = tui.wait_until("every repository listed and counted", |s| {
        let status = Tui::status_line(s);
        status.starts_with(&format!("{repositories} repositories")) && !status.contains("counting")
    });
    for (_, shown) in NAMES {
        assert!(screen.contains(shown), "{shown:?} not on screen:\n{screen}");
    }
    assert!(
        screen.contains("evil/nnnnnnnnnnnnnnnnnnnn"),
        "the long name is listed (cut to fit):\n{screen}"
    );

    open(&mut tui, TAGS_REPO);
    let screen = tui.wait_until("the tags in the detail panel", |s| {
        s.contents().contains(&format!("tags ({})", TAGS.len() + 2))
    });
    for (_, shown) in TAGS {
        assert!(screen.contains(shown), "{shown:?} not on screen:\n{screen}");
    }
    assert!(screen.contains("zzzzzzzzzzzzzzzzzzzz"), "{screen}");
    assert!(
        Tui::status_line(&screen_copy(&tui)).starts_with("1 images"),
        "the status line is intact"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
    assert!(tui.terminal_restored());
    assert_output_is_inert(&tui.raw_output());
}

fn screen_copy(tui: &Tui) -> vt100::Screen {
    let screen = std::cell::RefCell::new(None);
    tui.wait_until("a screen", |s| {
        *screen.borrow_mut() = Some(s.clone());
        true
    });
    screen.into_inner().expect("set above")
}

#[test]
fn hostile_error_codes_and_messages_show_neutralised() {
    let sandbox = sandbox();
    // A 400 with a modeled-looking error: not retried, shown as "{code}: {message}".
    let hostile = Reply {
        status: 400,
        content_type: "application/x-amz-json-1.1".into(),
        body: json!({
            "__type": "Evil\u{1b}]0;pwned-title\u{7}Code",
            "message": "bad\u{1b}]52;c;SGVsbG8=\u{7} \u{1b}[2Jscreen\u{7}"
        })
        .to_string()
        .into_bytes(),
    };
    let config = ProxyConfig::new(&sandbox.endpoint, Duration::ZERO).with_fault(move |r| {
        if r.operation() == Some("DescribeImages") && r.body_text().contains(ERRORS_REPO) {
            Verdict::Reply(hostile.clone())
        } else {
            Verdict::Forward
        }
    });
    let proxy = Proxy::start(config).unwrap();
    let mut env = sandbox.env();
    env.push(("AWS_ENDPOINT_URL_ECR".into(), proxy.url()));
    let mut tui = Tui::spawn(&[], &env, 200, 50);
    tui.wait_for(ERRORS_REPO);
    open(&mut tui, ERRORS_REPO);
    let screen = tui.wait_for("Evil\u{fffd}Code");
    assert!(
        screen.contains(&format!(
            "ecr:DescribeImages failed for {ERRORS_REPO}: Evil\u{fffd}Code: bad\u{fffd} \u{fffd}screen\u{fffd}"
        )),
        "{screen}"
    );
    tui.send("q");
    assert_eq!(tui.wait_exit(), 0);
    assert_output_is_inert(&tui.raw_output());
}

#[test]
fn the_harness_shows_a_replacement_character_split_across_reads() {
    // vt100 0.18 would drop U+FFFD; the harness must keep its column even when the PTY
    // hands the three bytes over in separate reads.
    let text = "a\u{fffd}b\u{fffd}".as_bytes();
    for cut in 0..=text.len() {
        let mut pending = text[..cut].to_vec();
        let mut parsed = support::pty::substitute_replacement(&mut pending);
        pending.extend_from_slice(&text[cut..]);
        parsed.extend(support::pty::substitute_replacement(&mut pending));
        assert!(pending.is_empty(), "cut at {cut}: {pending:?} left over");
        assert_eq!(
            String::from_utf8(parsed).unwrap(),
            support::pty::on_screen("a\u{fffd}b\u{fffd}"),
            "cut at {cut}"
        );
    }
}

#[test]
fn the_harness_never_shows_half_a_frame() {
    // Two frames, each inside a synchronized update, read in pieces cut anywhere: what
    // the parser is given always ends between frames (or before the first one).
    let stream = b"\x1b[?1049hsetup\x1b[?2026hframe one\x1b[?2026l\x1b[?2026hframe two\x1b[?2026l";
    let ends = [
        b"setup".len() + b"\x1b[?1049h".len(),
        stream.len() - b"\x1b[?2026hframe two\x1b[?2026l".len(),
        stream.len(),
    ];
    for cut in 0..=stream.len() {
        let mut held = stream[..cut].to_vec();
        let first = support::pty::complete_frames(&mut held);
        let given = first.len();
        assert!(
            given <= ends[0] || ends.contains(&given),
            "cut at {cut}: gave {:?}",
            String::from_utf8_lossy(&first)
        );
        held.extend_from_slice(&stream[cut..]);
        let rest = support::pty::complete_frames(&mut held);
        assert!(
            held.is_empty(),
            "cut at {cut}: {held:?} held back at the end"
        );
        assert_eq!([first, rest].concat(), stream.to_vec(), "cut at {cut}");
    }
}
