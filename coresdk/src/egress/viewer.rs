//! The listening side of the local socket, used by the `core` CLI.
