//! berth: a terminal console for Amazon ECR.

pub mod app;
pub mod cli;
pub mod clipboard;
pub mod config;
pub mod csv;
pub mod ecr;
pub mod editor;
pub mod figures;
pub mod format;
pub mod headless;
pub mod journal;
pub mod layout;
pub mod lifecycle;
pub mod paths;
pub mod retry;
pub mod runtime;
pub mod safety;
pub mod sanitize;
pub mod storage;
pub mod terminal;
pub mod ui;
pub mod usage;
