//! Imports run one way: every top-level module of `src/` sits on a layer and names only
//! modules on layers below its own (ARCHITECTURE.md, "Code map").
//!
//! The check reads the source text: every `crate::name` outside a `//` comment, and the
//! names in a `use crate::{…}` group. It is a grep, not a compiler, which is enough to
//! keep a wrong-way import from coming back unnoticed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Each top-level module of `src/` and its layer; a module may import only lower layers
/// (modules of one layer never import each other).
const LAYERS: &[(&str, u8)] = &[
    // Neutral ground: text, formats, folders, retries, the terminal itself.
    ("sanitize", 0),
    ("format", 0),
    ("paths", 0),
    ("csv", 0),
    ("retry", 0),
    ("terminal", 0),
    ("clipboard", 0),
    ("layout", 1),
    ("editor", 1),
    // The lifecycle engine (pure), the registry, the in-use lookup.
    ("lifecycle", 2),
    ("ecr", 3),
    ("usage", 4),
    // True storage: manifests read through the registry, figures from their blobs.
    ("storage", 4),
    // The write gate and its journal; the per-repository figures.
    ("journal", 4),
    ("safety", 5),
    ("figures", 5),
    // The pure core, the user's files (keys and sort names come from app), the view.
    ("app", 6),
    ("config", 7),
    ("ui", 8),
    // The command line; then the two tops, the headless commands and the TUI's runtime,
    // which share a layer so that neither imports the other.
    ("cli", 9),
    ("headless", 10),
    ("runtime", 10),
];

/// Upward imports that are allowed: `cli` names each command's arguments (`AuditArgs`,
/// `FindingsArgs`, …), which live with the command in `headless`.
const ALLOWED: &[(&str, &str)] = &[("cli", "headless")];

fn layer(module: &str) -> Option<u8> {
    LAYERS
        .iter()
        .find(|(name, _)| *name == module)
        .map(|(_, layer)| *layer)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|err| panic!("cannot read {}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`src/app/state.rs` → `app`).
fn module_of(relative: &Path) -> String {
    let first = relative.components().next().unwrap();
    let name = first.as_os_str().to_string_lossy();
    name.trim_end_matches(".rs").to_string()
}

/// The leading identifier of `text` (`ecr` of `ecr::model::Image`).
fn ident(text: &str) -> String {
    text.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

/// A `use crate::{ … }` group being read, possibly over several lines.
struct Group {
    depth: usize,
    item: String,
    line: usize,
}

/// The modules a source text names through `crate::`, with the line that names each.
fn imports(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut group: Option<Group> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let mut code = match line.find("//") {
            Some(comment) => &line[..comment],
            None => line,
        };
        loop {
            if let Some(open) = group.as_mut() {
                // Only the group's first level names modules: `{a::x, b::{y, z}}`.
                let mut consumed = code.len();
                for (at, c) in code.char_indices() {
                    match c {
                        '{' => open.depth += 1,
                        '}' => open.depth -= 1,
                        ',' if open.depth == 1 => {
                            let name = ident(&std::mem::take(&mut open.item));
                            if !name.is_empty() && name != "self" {
                                found.push((open.line, name));
                            }
                        }
                        _ if open.depth == 1 => {
                            if open.item.trim().is_empty() {
                                open.line = number;
                            }
                            open.item.push(c);
                        }
                        _ => {}
                    }
                    if open.depth == 0 {
                        consumed = at + 1;
                        break;
                    }
                }
                if open.depth == 0 {
                    let name = ident(&open.item);
                    if !name.is_empty() && name != "self" {
                        found.push((open.line, name));
                    }
                    group = None;
                    code = &code[consumed..];
                    continue;
                }
                break;
            }
            let Some(at) = code.find("crate::") else {
                break;
            };
            code = &code[at + "crate::".len()..];
            if let Some(inside) = code.strip_prefix('{') {
                group = Some(Group {
                    depth: 1,
                    item: String::new(),
                    line: number,
                });
                code = inside;
            } else {
                found.push((number, ident(code)));
            }
        }
    }
    found
}

#[test]
fn imports_run_down_the_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut wrong = Vec::new();
    let mut unplaced = BTreeSet::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let module = module_of(relative);
        if module == "lib" || module == "main" {
            continue;
        }
        let Some(own) = layer(&module) else {
            unplaced.insert(module);
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, target) in imports(&text) {
            if target == module {
                continue;
            }
            let Some(theirs) = layer(&target) else {
                unplaced.insert(target);
                continue;
            };
            let pair = (module.as_str(), target.as_str());
            let allowed = ALLOWED.contains(&pair);
            if theirs >= own && !allowed {
                wrong.push(format!(
                    "src/{}:{line}: {module} (layer {own}) imports crate::{target} (layer {theirs})",
                    relative.display()
                ));
            }
        }
    }
    assert!(
        unplaced.is_empty(),
        "modules without a layer (add them to LAYERS in tests/layers.rs): {unplaced:?}"
    );
    assert!(
        wrong.is_empty(),
        "imports that run the wrong way:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scanner_finds_paths_and_groups_and_skips_comments() {
    let text = "use crate::ecr::EcrError;\n\
                // crate::ui in a comment\n\
                /// [`crate::safety::Mutator`] in a doc comment\n\
                let x = crate::app::fixtures::reg(0); // crate::runtime\n\
                use crate::{format, layout::{Column, fit}};\n\
                use crate::{\n    journal::Journal,\n    retry::{self, Backoff},\n};\n";
    let found = imports(text);
    let names: Vec<(usize, &str)> = found.iter().map(|(l, n)| (*l, n.as_str())).collect();
    assert_eq!(
        names,
        [
            (1, "ecr"),
            (4, "app"),
            (5, "format"),
            (5, "layout"),
            (7, "journal"),
            (8, "retry"),
        ]
    );
}
