//! Reading berth's detail views (repository and image) back from the screen.

/// The lines under `heading` up to the next blank line, without their indent.
pub fn section(screen: &str, heading: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_end() == heading)
        .unwrap_or_else(|| panic!("no {heading:?} section on screen:\n{screen}"));
    lines[start + 1..]
        .iter()
        .take_while(|l| !l.trim().is_empty())
        .map(|l| l.trim_end().strip_prefix("  ").unwrap_or(l).to_string())
        .collect()
}

/// A field line as the views lay it out: the label padded to its column, then the value
/// (a line with an empty value ends at its label, as the screen shows it).
pub fn field(label: &str, value: &str) -> String {
    format!("{label:<16}{value}").trim_end().to_string()
}
