//! Execution tests.
