//! The folder of deliberately broken policies: each `invalid/NAME.json` is a policy
//! text ECR would refuse, and `NAME.err` holds a substring its error must contain.

use std::fs;
use std::path::Path;

use berth::lifecycle::parse_policy;

#[test]
fn every_broken_policy_fails_with_its_message() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/lifecycle/invalid");
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut entries: Vec<_> = fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    entries.sort();
    for path in entries {
        let sidecar = path.with_extension("err");
        let expected =
            fs::read_to_string(&sidecar).unwrap_or_else(|e| panic!("{}: {e}", sidecar.display()));
        let expected = expected.trim_end_matches('\n');
        assert!(!expected.is_empty(), "{} is empty", sidecar.display());
        let policy = fs::read_to_string(&path).unwrap();
        match parse_policy(&policy) {
            Ok(_) => failures.push(format!("{}: accepted", path.display())),
            Err(err) if err.to_string().contains(expected) => {}
            Err(err) => failures.push(format!(
                "{}:\n  expected: {expected}\n  got:      {err}",
                path.display()
            )),
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    assert!(checked >= 15, "only {checked} broken policies found");
    // A sidecar without its policy would be a test that silently stopped running.
    for entry in fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "err") {
            assert!(
                path.with_extension("json").exists(),
                "{} has no policy",
                path.display()
            );
        }
    }
}
