//! config.toml → `Config`, collecting every error and warning with its line.

use super::document::{Problem, Reader};
use super::{Config, DateFormat, SortOrder, Timezone, keys};
use crate::app::state::{IMAGE_SORTS, REPOSITORY_SORTS};
use toml::Spanned;
use toml::de::DeValue;

const TOP_LEVEL: &[&str] = &[
    "profiles",
    "regions",
    "accounts",
    "organization",
    "read_only",
    "theme",
    "date_format",
    "timezone",
    "sort",
    "concurrency",
    "timeout_seconds",
    "mouse",
    "keys",
    "cost",
];

/// The highest storage price accepted, per GiB-month: far above any real price, low
/// enough that a typo (a price per TiB, say) is caught.
const MAX_PRICE: f64 = 100.0;

/// The config the text describes (defaults where it is silent), errors, warnings.
pub(super) fn parse(text: &str) -> (Config, Vec<Problem>, Vec<Problem>) {
    let mut config = Config::default();
    let mut reader = Reader::new(text);
    let root = match reader.parse() {
        Ok(root) => root,
        Err(problem) => return (config, vec![problem], Vec::new()),
    };
    for (key, value) in root.get_ref() {
        let name: &str = key.get_ref();
        match name {
            "profiles" => {
                if let Some(list) = names(&mut reader, name, value, is_profile, "profile names") {
                    config.profiles = list;
                }
            }
            "regions" => {
                let expected = "region names like \"eu-west-1\"";
                if let Some(list) = names(&mut reader, name, value, is_region, expected) {
                    config.regions = list;
                }
            }
            "accounts" => {
                let expected = "12-digit account ids like \"111122223333\"";
                let valid = crate::ecr::organization::is_account_id;
                if let Some(list) = names(&mut reader, name, value, valid, expected) {
                    config.accounts = list;
                }
            }
            "organization" => read_organization(&mut reader, value, &mut config),
            "read_only" => {
                if let Some(b) = reader.boolean(name, value) {
                    config.read_only = b;
                }
            }
            "mouse" => {
                if let Some(b) = reader.boolean(name, value) {
                    config.mouse = b;
                }
            }
            "theme" => {
                let expected = "a theme name like \"dark\"";
                if let Some(theme) = reader.string(name, value, expected) {
                    if super::theme::is_valid_name(theme) {
                        config.theme = theme.to_string();
                    } else {
                        reader.error(
                            value.span(),
                            name,
                            format!(
                                "{name} must be {expected}, not \"{}\"",
                                theme.escape_debug()
                            ),
                        );
                    }
                }
            }
            "date_format" => {
                let choices = [
                    ("relative", DateFormat::Relative),
                    ("absolute", DateFormat::Absolute),
                ];
                if let Some(format) = choice(&mut reader, name, value, &choices) {
                    config.date_format = format;
                }
            }
            "timezone" => {
                let choices = [("utc", Timezone::Utc), ("local", Timezone::Local)];
                if let Some(zone) = choice(&mut reader, name, value, &choices) {
                    config.timezone = zone;
                }
            }
            "concurrency" => {
                if let Some(n) = reader.integer_in(name, value, 1..=64) {
                    config.concurrency = n as usize;
                }
            }
            "timeout_seconds" => {
                if let Some(n) = reader.integer_in(name, value, 1..=3600) {
                    config.timeout_seconds = n as u64;
                }
            }
            "sort" => read_sort(&mut reader, value, &mut config),
            "keys" => keys::read(&mut reader, value, &mut config.keys),
            "cost" => read_cost(&mut reader, value, &mut config),
            _ => reader.unknown_key(key.span(), name, TOP_LEVEL),
        }
    }
    let (errors, warnings) = reader.finish();
    (config, errors, warnings)
}

fn read_sort(reader: &mut Reader, value: &Spanned<DeValue>, config: &mut Config) {
    let example = "{ repositories = \"name\", images = \"-pushed\" }";
    let Some(table) = reader.table("sort", value, example) else {
        return;
    };
    for (key, value) in table {
        let name: &str = key.get_ref();
        let (columns, target) = match name {
            "repositories" => (&REPOSITORY_SORTS[..], &mut config.sort.repositories),
            "images" => (&IMAGE_SORTS[..], &mut config.sort.images),
            _ => {
                let path = format!("sort.{name}");
                reader.unknown_key(key.span(), &path, &["repositories", "images"]);
                continue;
            }
        };
        let path = format!("sort.{name}");
        if let Some(order) = sort_order(reader, &path, value, columns) {
            *target = order;
        }
    }
}

/// `[organization]`: `role = "OrganizationAccountAccessRole"`, the role berth assumes in
/// every member account, and `account_concurrency = 4`, the calls in flight into one.
fn read_organization(reader: &mut Reader, value: &Spanned<DeValue>, config: &mut Config) {
    let example = "{ role = \"OrganizationAccountAccessRole\" }";
    let Some(table) = reader.table("organization", value, example) else {
        return;
    };
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "role" => {
                let path = "organization.role";
                let expected = "an IAM role name like \"OrganizationAccountAccessRole\"";
                if let Some(role) = reader.string(path, value, expected) {
                    if is_role_name(role) {
                        config.organization_role = Some(role.to_string());
                    } else {
                        let message =
                            format!("{path} must be {expected}, not \"{}\"", role.escape_debug());
                        reader.error(value.span(), path, message);
                    }
                }
            }
            "account_concurrency" => {
                if let Some(n) =
                    reader.integer_in("organization.account_concurrency", value, 1..=64)
                {
                    config.account_concurrency = Some(n as usize);
                }
            }
            other => {
                let path = format!("organization.{other}");
                reader.unknown_key(key.span(), &path, &["role", "account_concurrency"]);
            }
        }
    }
}

/// An IAM role name: 1–64 of `[A-Za-z0-9+=,.@_-]`.
pub fn is_role_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// `[cost]`: `storage_usd_per_gib_month = 0.10` and `[cost.regions]` overrides.
fn read_cost(reader: &mut Reader, value: &Spanned<DeValue>, config: &mut Config) {
    let example = "{ storage_usd_per_gib_month = 0.10 }";
    let Some(table) = reader.table("cost", value, example) else {
        return;
    };
    for (key, value) in table {
        match key.get_ref().as_ref() {
            "storage_usd_per_gib_month" => {
                let path = "cost.storage_usd_per_gib_month";
                if let Some(price) = reader.number_in(path, value, 0.0..=MAX_PRICE) {
                    config.cost.storage_usd_per_gib_month = price;
                }
            }
            "regions" => {
                let example = "{ \"eu-central-1\" = 0.11 }";
                let Some(regions) = reader.table("cost.regions", value, example) else {
                    continue;
                };
                for (region, price) in regions {
                    let name: &str = region.get_ref();
                    let path = format!("cost.regions.{name}");
                    if !is_region(name) {
                        let message = format!(
                            "{path}: \"{}\" is not a region name like \"eu-west-1\"",
                            name.escape_debug()
                        );
                        reader.error(region.span(), &path, message);
                    } else if let Some(price) = reader.number_in(&path, price, 0.0..=MAX_PRICE) {
                        config.cost.regions.insert(name.to_string(), price);
                    }
                }
            }
            other => {
                let path = format!("cost.{other}");
                reader.unknown_key(key.span(), &path, &["storage_usd_per_gib_month", "regions"]);
            }
        }
    }
}

/// `"size"` sorts ascending, `"-size"` descending (`"+size"` says ascending explicitly).
fn sort_order(
    reader: &mut Reader,
    key: &str,
    value: &Spanned<DeValue>,
    columns: &[&str],
) -> Option<SortOrder> {
    let expected = format!(
        "one of {} (with \"-\" in front for descending)",
        columns.join(", ")
    );
    let text = reader.string(key, value, &expected)?;
    let (descending, column) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    match columns.iter().position(|c| *c == column) {
        Some(column) => Some(SortOrder { column, descending }),
        None => {
            reader.error(
                value.span(),
                key,
                format!("{key} must be {expected}, not \"{}\"", text.escape_debug()),
            );
            None
        }
    }
}

/// One of a few fixed words.
fn choice<T: Copy>(
    reader: &mut Reader,
    key: &str,
    value: &Spanned<DeValue>,
    choices: &[(&str, T)],
) -> Option<T> {
    let words: Vec<String> = choices.iter().map(|(w, _)| format!("\"{w}\"")).collect();
    let expected = words.join(" or ");
    let text = reader.string(key, value, &expected)?;
    match choices.iter().find(|(word, _)| *word == text) {
        Some((_, choice)) => Some(*choice),
        None => {
            reader.error(
                value.span(),
                key,
                format!("{key} must be {expected}, not \"{}\"", text.escape_debug()),
            );
            None
        }
    }
}

/// A list of names each accepted by `valid` (a single string is a list of one).
fn names(
    reader: &mut Reader,
    key: &str,
    value: &Spanned<DeValue>,
    valid: fn(&str) -> bool,
    expected: &str,
) -> Option<Vec<String>> {
    let items = reader.strings(key, value, &format!("a list of {expected}"))?;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (item, span) in items {
        if !valid(item) {
            reader.error(
                span,
                key,
                format!(
                    "{key} must hold {expected}, not \"{}\"",
                    item.escape_debug()
                ),
            );
            return None;
        }
        if !out.iter().any(|n| n == item) {
            out.push(item.to_string());
        }
    }
    Some(out)
}

fn is_profile(name: &str) -> bool {
    // AWS allows almost anything in a profile name; spaces and control characters are
    // always a mistake in a config line, and an empty name means nothing.
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn is_region(name: &str) -> bool {
    // Loose on purpose: new partitions and local endpoints bring names no list knows yet.
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}
