//! The `[keys]` table: `command = "key"` or `command = ["key", …]` replaces a command's
//! default keys; `[keys.prepend]` and `[keys.append]` add keys and keep the defaults.

use super::document::{Reader, closest};
use crate::app::keymap::{BindMode, Command, Key, KeyOverride, command_name};
use serde::Deserialize;
use serde::de::value::{Error as ValueError, StrDeserializer};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One `[keys]` entry and the line it is on, so conflicts can point back at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEntry {
    pub line: usize,
    pub change: KeyOverride,
}

const EXPECTED: &str = "a key like \"j\", \"ctrl-d\" or \"pgdn\", or a list of them";

pub(super) fn read(reader: &mut Reader, value: &Spanned<DeValue>, out: &mut Vec<KeyEntry>) {
    let example = "{ move_down = [\"j\", \"down\"] }";
    let Some(table) = reader.table("keys", value, example) else {
        return;
    };
    for (key, value) in table {
        let name: &str = key.get_ref();
        let mode = match name {
            "prepend" => Some(BindMode::Prepend),
            "append" => Some(BindMode::Append),
            _ => None,
        };
        match (mode, value.get_ref()) {
            (Some(mode), DeValue::Table(inner)) => {
                read_section(reader, &format!("keys.{name}"), inner, mode, out);
            }
            (Some(_), _) => {
                reader.table(&format!("keys.{name}"), value, example);
            }
            (None, _) => entry(reader, "keys", key, value, BindMode::Replace, out),
        }
    }
    out.sort_by_key(|e| e.line);
}

fn read_section(
    reader: &mut Reader,
    section: &str,
    table: &DeTable,
    mode: BindMode,
    out: &mut Vec<KeyEntry>,
) {
    for (key, value) in table {
        entry(reader, section, key, value, mode, out);
    }
}

fn entry(
    reader: &mut Reader,
    section: &str,
    key: &Spanned<std::borrow::Cow<str>>,
    value: &Spanned<DeValue>,
    mode: BindMode,
    out: &mut Vec<KeyEntry>,
) {
    let name: &str = key.get_ref();
    let path = format!("{section}.{name}");
    // Whatever `Command` deserialises is a valid name, so commands added later need no
    // change here.
    let Ok(command) = Command::deserialize(StrDeserializer::<ValueError>::new(name)) else {
        let known: Vec<String> = Command::ALL.iter().map(|c| command_name(*c)).collect();
        let shown = path.escape_debug();
        let message = match closest(name, known.iter().map(String::as_str)) {
            Some(near) => format!("unknown command \"{shown}\" ignored (did you mean \"{near}\"?)"),
            None => format!("unknown command \"{shown}\" ignored"),
        };
        reader.warn(key.span(), &path, message);
        return;
    };
    let Some(texts) = reader.strings(&path, value, EXPECTED) else {
        return;
    };
    let mut keys: Vec<Key> = Vec::with_capacity(texts.len());
    for (text, span) in texts {
        match Key::parse(text) {
            Some(key) if !keys.contains(&key) => keys.push(key),
            Some(_) => {}
            None => {
                let message = format!("{path} must be {EXPECTED}, not \"{}\"", text.escape_debug());
                reader.error(span, &path, message);
                return;
            }
        }
    }
    out.push(KeyEntry {
        line: reader.line(value.span()),
        change: KeyOverride {
            command,
            keys,
            mode,
        },
    });
}
