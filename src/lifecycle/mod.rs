//! Lifecycle policy parsing, validation and offline evaluation (pure, no I/O).
