//! berth: a terminal console for Amazon ECR.

pub mod app;
pub mod cli;
pub mod ecr;
pub mod lifecycle;
pub mod paths;
pub mod runtime;
pub mod sanitize;
pub mod terminal;
pub mod ui;
