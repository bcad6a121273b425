//! Text from the registry is untrusted: strip anything a terminal would interpret.

use std::borrow::Cow;

/// Replace control characters (C0, DEL, C1) and escape sequences with visible, inert text.
///
/// An ESC starts a sequence that a terminal would act on (colours, cursor moves, OSC 52
/// clipboard writes, title changes), so the whole sequence is dropped and a `�` marks where
/// it was. Other control characters become `�` too. Tabs and newlines become spaces
/// because every place berth shows registry text is a single table cell or line.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => {
                skip_escape_sequence(&mut chars);
                out.push('\u{fffd}');
            }
            '\t' | '\n' | '\r' => out.push(' '),
            c if is_unsafe(c) => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Consume the body of an escape sequence that followed an ESC.
fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.peek().copied() {
        // CSI: parameters and intermediates up to a final byte in @..~
        Some('[') => {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        }
        // OSC, DCS, APC, PM, SOS: strings ended by BEL or ST (ESC \)
        Some(']' | 'P' | '_' | '^' | 'X') => {
            chars.next();
            while let Some(c) = chars.next() {
                if c == '\u{7}' {
                    break;
                }
                if c == '\u{1b}' {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // Two-character sequences (ESC c, ESC 7, …)
        Some(c) if !c.is_control() => {
            chars.next();
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("payments/api"),
            Cow::Borrowed("payments/api")
        ));
    }

    #[test]
    fn csi_and_osc_sequences_are_removed_whole() {
        assert_eq!(sanitize("a\u{1b}[31mred\u{1b}[0m"), "a\u{fffd}red\u{fffd}");
        let osc52 = "x\u{1b}]52;c;aGVsbG8=\u{7}y";
        assert_eq!(sanitize(osc52), "x\u{fffd}y");
        let osc_st = "x\u{1b}]0;title\u{1b}\\y";
        assert_eq!(sanitize(osc_st), "x\u{fffd}y");
    }

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(sanitize("bell\u{7}here"), "bell\u{fffd}here");
        assert_eq!(sanitize("c1\u{9b}31m"), "c1\u{fffd}31m");
        assert_eq!(sanitize("two\nlines\tx"), "two lines x");
        assert_eq!(sanitize("bidi\u{202e}txt"), "bidi\u{fffd}txt");
    }

    #[test]
    fn no_escape_survives_any_input() {
        let nasty = "\u{1b}\u{1b}[\u{1b}]\u{1b}P\u{1b}";
        assert!(!sanitize(nasty).contains('\u{1b}'));
    }
}
