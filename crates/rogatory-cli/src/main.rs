//! The `rogatory` command.
#![forbid(unsafe_code)]

fn main() {
    println!("rogatory {}", env!("CARGO_PKG_VERSION"));
}
