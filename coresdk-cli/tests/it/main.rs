//! Tests of the `core` binary, which they spawn (`CARGO_BIN_EXE_core` exists
//! only in the crate that owns the binary). One test binary, a module per
//! behaviour.

mod cli;
mod common;
mod config_validate_parity;
mod foreign_listener;
