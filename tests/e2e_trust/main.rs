//! Trust end to end: the screen always shows what the next key acts on. One module per
//! family of defects; each test drives the real binary in a terminal against the sandbox
//! and checks what it sees against an independent read (the seed, an SDK call).

mod registries;
mod safety;
mod status;
#[path = "../support/mod.rs"]
mod support;

mod headless;
mod lists;
mod polish;

/// Seed `count` tagged images into a fresh (mutable) repository through the sandbox's seed
/// route.
pub fn seed(sandbox: &support::Sandbox, name: &str, count: usize) {
    let body = serde_json::json!({
        "region": "us-east-1",
        "repositories": [{"name": name, "images": count, "tagged_fraction": 1.0, "immutable": false}]
    });
    let url = format!("{}/moto-api/berth/seed", sandbox.endpoint);
    let status = std::process::Command::new(support::python())
        .args([
            "-c",
            "import sys, urllib.request; r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={'Content-Type': 'application/json'})); sys.exit(0 if r.status == 200 else 1)",
            &url,
            &body.to_string(),
        ])
        .status()
        .expect("run the seed request");
    assert!(status.success(), "seeding {name} failed");
}
