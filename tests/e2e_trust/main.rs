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
