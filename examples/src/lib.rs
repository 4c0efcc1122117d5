//! Examples of using the rogatory crate; see the `examples/` targets.
