//! CSV output shared by the headless reports, written by the `csv` crate: RFC 4180
//! quoting (quotes doubled), and only where needed (a comma, a quote or a line break).

use std::io::{self, Write};

/// How each record ends: audit and findings follow RFC 4180, images has always used `\n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineEnding {
    /// `\r\n`, as RFC 4180 asks.
    Crlf,
    /// `\n`.
    Lf,
}

/// A CSV writer over `out`, one record per call. Call [`Writer::finish`] at the end:
/// records are buffered, and dropping the writer would swallow a write error.
pub struct Writer<W: Write> {
    inner: ::csv::Writer<W>,
}

impl<W: Write> Writer<W> {
    /// A writer that ends each record with `ending`.
    pub fn new(out: W, ending: LineEnding) -> Self {
        let terminator = match ending {
            LineEnding::Crlf => ::csv::Terminator::CRLF,
            LineEnding::Lf => ::csv::Terminator::Any(b'\n'),
        };
        let inner = ::csv::WriterBuilder::new()
            .terminator(terminator)
            .quote_style(::csv::QuoteStyle::Necessary)
            // The callers give every record the header's width; checking it here would
            // turn a column mistake into a failed report instead of a failing test.
            .flexible(true)
            .from_writer(out);
        Self { inner }
    }

    /// Write one record: the fields joined with commas, then the line ending.
    pub fn record<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) -> io::Result<()> {
        for cell in cells {
            self.inner.write_field(cell.as_ref()).map_err(io_error)?;
        }
        // No more fields: this only ends the record.
        self.inner.write_record(None::<&[u8]>).map_err(io_error)
    }

    /// Flush what is buffered, reporting a write error.
    pub fn finish(mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The I/O error itself when there is one, so that callers still see `BrokenPipe`.
fn io_error(err: ::csv::Error) -> io::Error {
    match err.into_kind() {
        ::csv::ErrorKind::Io(err) => err,
        other => io::Error::other(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(ending: LineEnding, records: &[&[&str]]) -> String {
        let mut out = Vec::new();
        let mut writer = Writer::new(&mut out, ending);
        for record in records {
            writer.record(record.iter()).unwrap();
        }
        writer.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn fields_are_quoted_only_when_they_must_be() {
        let text = written(
            LineEnding::Crlf,
            &[
                &["plain", "a,b", "say \"hi\"", "two\nlines", "cr\rhere"],
                &[
                    " leading space",
                    "",
                    "trailing ",
                    "naïve 日本 🚢",
                    "'single'",
                ],
                &["", ""],
            ],
        );
        assert_eq!(
            text,
            "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\rhere\"\r\n\
             \x20leading space,,trailing ,naïve 日本 🚢,'single'\r\n\
             ,\r\n"
        );
    }

    #[test]
    fn records_end_with_the_chosen_line_ending() {
        assert_eq!(written(LineEnding::Crlf, &[&["x", "y"]]), "x,y\r\n");
        assert_eq!(
            written(LineEnding::Lf, &[&["x", "y"], &["1", "a\nb"]]),
            "x,y\n1,\"a\nb\"\n"
        );
    }

    #[test]
    fn a_failed_write_keeps_its_kind() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> io::Result<()> {
                Err(io::ErrorKind::BrokenPipe.into())
            }
        }
        let mut writer = Writer::new(Closed, LineEnding::Crlf);
        writer.record(["a"]).unwrap();
        let err = writer.finish().unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
