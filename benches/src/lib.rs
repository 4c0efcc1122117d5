//! Shared helpers of the Rogatory benchmarks.
