//! The pure core: state, actions, effects, keymap and `update`.

pub mod action;
pub mod archive;
pub mod command;
pub mod findings;
pub mod help;
pub mod image_detail;
pub mod info;
pub mod keymap;
pub mod layers;
pub mod lifecycle;
pub mod list;
pub mod operate;
pub mod state;
pub mod status;
pub mod storage;
pub mod tree;
pub mod update;
pub mod usage;

pub use action::{Action, Effect, RepoStats};
pub use state::{Mode, Pane, State};
pub use update::{start, update};

#[cfg(test)]
pub mod fixtures;
