//! CSV output shared by the headless reports: RFC 4180 quoting, only where needed.

use std::borrow::Cow;
use std::io::{self, Write};

/// One field, quoted when it holds a comma, a quote or a line break.
pub fn field(text: &str) -> Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", text.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(text)
    }
}

/// The fields of one record joined with commas, without a line ending.
pub fn record<S: AsRef<str>>(cells: impl IntoIterator<Item = S>) -> String {
    let mut line = String::new();
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&field(cell.as_ref()));
    }
    line
}

/// Write one record ending in CRLF, as RFC 4180 asks.
pub fn write_crlf<S: AsRef<str>>(
    out: &mut (impl Write + ?Sized),
    cells: impl IntoIterator<Item = S>,
) -> io::Result<()> {
    let mut line = record(cells);
    line.push_str("\r\n");
    out.write_all(line.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(record(["a", "b,c", ""]), "a,\"b,c\",");
        let mut out = Vec::new();
        write_crlf(&mut out, ["x", "y"]).unwrap();
        assert_eq!(out, b"x,y\r\n");
    }
}
