//! Copy text to the user's clipboard with OSC 52, which travels through SSH to the
//! terminal the user actually sits at.
//!
//! A terminal multiplexer between berth and that terminal needs the sequence wrapped:
//! - tmux takes a plain OSC 52 itself when `set-clipboard` is on, and forwards a
//!   `ESC P tmux; …` passthrough (with every ESC inside doubled) when `allow-passthrough`
//!   is on. Which one a user has enabled is unknowable from inside, so both are sent.
//! - GNU screen forwards the body of a DCS string (`ESC P … ESC \`) to the outer terminal.
//!   It collects a string sequence in a fixed buffer of `MAXSTR` bytes (768 in screen 4.2
//!   and later, 256 before) and, once the buffer is full, gives up on the sequence and
//!   prints the rest as text. So the OSC is split across several DCS strings, each body at
//!   most [`SCREEN_CHUNK`] bytes, which fits both buffer sizes; the outer terminal sees
//!   the bodies joined, i.e. one intact OSC 52.

use base64::Engine;
use std::io::Write;

/// The most bytes berth puts in the body of one DCS string for GNU screen.
pub const SCREEN_CHUNK: usize = 240;

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

/// The terminal multiplexer berth runs under, which decides the framing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Multiplexer {
    None,
    Tmux,
    Screen,
}

impl Multiplexer {
    /// Decide from `TMUX`, `STY` and `TERM`. tmux sets `TERM=screen…` by default, so a set
    /// `TMUX` wins over a screen-like `TERM`.
    pub fn detect(tmux: Option<&str>, sty: Option<&str>, term: Option<&str>) -> Self {
        let set = |v: Option<&str>| v.is_some_and(|v| !v.is_empty());
        if set(tmux) {
            Multiplexer::Tmux
        } else if set(sty) || term.is_some_and(|t| t.starts_with("screen")) {
            Multiplexer::Screen
        } else {
            Multiplexer::None
        }
    }

    /// Detect from this process's environment.
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok();
        Multiplexer::detect(
            var("TMUX").as_deref(),
            var("STY").as_deref(),
            var("TERM").as_deref(),
        )
    }
}

/// `ESC ] 52 ; c ; BASE64 BEL`: set the clipboard selection to `text`.
pub fn osc52(text: &str) -> Vec<u8> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = Vec::with_capacity(encoded.len() + 8);
    out.extend_from_slice(b"\x1b]52;c;");
    out.extend_from_slice(encoded.as_bytes());
    out.push(BEL);
    out
}

/// The bytes that copy `text` under `multiplexer`.
pub fn sequence(text: &str, multiplexer: Multiplexer) -> Vec<u8> {
    let plain = osc52(text);
    match multiplexer {
        Multiplexer::None => plain,
        Multiplexer::Tmux => {
            let mut out = plain.clone();
            out.extend_from_slice(b"\x1bPtmux;");
            for &byte in &plain {
                if byte == ESC {
                    out.push(ESC);
                }
                out.push(byte);
            }
            out.extend_from_slice(b"\x1b\\");
            out
        }
        Multiplexer::Screen => {
            let mut out = Vec::with_capacity(plain.len() + plain.len() / SCREEN_CHUNK * 4 + 4);
            for chunk in plain.chunks(SCREEN_CHUNK) {
                out.extend_from_slice(b"\x1bP");
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\x1b\\");
            }
            out
        }
    }
}

/// Write the copy sequence for `text` to `out` (the terminal) and flush it.
pub fn copy(out: &mut impl Write, text: &str, multiplexer: Multiplexer) -> std::io::Result<()> {
    out.write_all(&sequence(text, multiplexer))?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web/api@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// The text inside a plain OSC 52, decoded.
    fn decode_osc52(bytes: &[u8]) -> String {
        let body = bytes
            .strip_prefix(b"\x1b]52;c;")
            .and_then(|b| b.strip_suffix(&[BEL]))
            .expect("an OSC 52 framed with ESC ] 52 ; c ; … BEL");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(body)
            .expect("valid base64");
        String::from_utf8(raw).unwrap()
    }

    #[test]
    fn detection_prefers_tmux_then_screen() {
        let detect = Multiplexer::detect;
        let xterm = Some("xterm-256color");
        assert_eq!(detect(None, None, xterm), Multiplexer::None);
        assert_eq!(
            detect(Some("/tmp/tmux-0/default,1,0"), None, Some("screen")),
            Multiplexer::Tmux
        );
        assert_eq!(
            detect(None, Some("1234.pts-0.host"), xterm),
            Multiplexer::Screen
        );
        assert_eq!(
            detect(None, None, Some("screen.xterm-256color")),
            Multiplexer::Screen
        );
        assert_eq!(detect(Some(""), None, xterm), Multiplexer::None);
    }

    #[test]
    fn plain_framing_round_trips() {
        let bytes = sequence(URI, Multiplexer::None);
        assert_eq!(decode_osc52(&bytes), URI);
        assert_eq!(
            decode_osc52(&sequence("ünïcode\nline two", Multiplexer::None)),
            "ünïcode\nline two"
        );
    }

    #[test]
    fn tmux_gets_the_plain_sequence_and_the_passthrough() {
        let bytes = sequence(URI, Multiplexer::Tmux);
        let plain = osc52(URI);
        assert!(bytes.starts_with(&plain));
        let wrapped = &bytes[plain.len()..];
        let inner = wrapped
            .strip_prefix(b"\x1bPtmux;")
            .and_then(|w| w.strip_suffix(b"\x1b\\"))
            .expect("ESC P tmux; … ESC \\");
        assert!(
            inner.starts_with(b"\x1b\x1b]52;c;"),
            "the inner ESC is doubled"
        );
        let undoubled: Vec<u8> = {
            let mut out = Vec::new();
            let mut bytes = inner.iter().copied().peekable();
            while let Some(b) = bytes.next() {
                if b == ESC {
                    assert_eq!(bytes.next(), Some(ESC), "every ESC inside is doubled");
                }
                out.push(b);
            }
            out
        };
        assert_eq!(decode_osc52(&undoubled), URI);
    }

    #[test]
    fn screen_gets_dcs_strings_small_enough_for_its_buffer() {
        // Several URIs, one per line, as a bulk `y` copies them: far past one chunk.
        let text = [URI; 12].join("\n");
        let bytes = sequence(&text, Multiplexer::Screen);
        let mut joined = Vec::new();
        let mut rest = bytes.as_slice();
        let mut strings = 0;
        while !rest.is_empty() {
            let body_and_more = rest
                .strip_prefix(b"\x1bP")
                .expect("each string starts ESC P");
            let end = body_and_more
                .windows(2)
                .position(|w| w == b"\x1b\\")
                .expect("each string ends ESC \\");
            let body = &body_and_more[..end];
            assert!(body.len() <= SCREEN_CHUNK, "a body of {} bytes", body.len());
            joined.extend_from_slice(body);
            rest = &body_and_more[end + 2..];
            strings += 1;
        }
        assert!(strings > 1, "long text is split");
        assert_eq!(decode_osc52(&joined), text);
        let short = sequence("x", Multiplexer::Screen);
        assert_eq!(
            short,
            [b"\x1bP".as_slice(), &osc52("x"), b"\x1b\\"].concat()
        );
    }

    #[test]
    fn copy_writes_the_sequence() {
        let mut out = Vec::new();
        copy(&mut out, URI, Multiplexer::None).unwrap();
        assert_eq!(out, osc52(URI));
    }
}
