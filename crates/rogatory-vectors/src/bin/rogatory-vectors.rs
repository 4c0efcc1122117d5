//! `rogatory-vectors`: writes, checks and turns into fuzz seeds the wire test
//! vectors of protocol v1.
//!
//! ```text
//! rogatory-vectors [write] [DIR]        write the vectors (default: spec/vectors/wire)
//! rogatory-vectors check [DIR]          exit 1 if the files differ from the generator
//! rogatory-vectors seed-corpus [DIR] CORPUS
//!                                       fill CORPUS/<fuzz target>/ from the vector files
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use rogatory_vectors::{Error, compare_dir, default_dir, generate, seed_corpus, write_dir};

const USAGE: &str = "usage: rogatory-vectors [write] [DIR]
       rogatory-vectors check [DIR]
       rogatory-vectors seed-corpus [DIR] CORPUS";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [] | ["write"] => write(default_dir()),
        ["write", dir] => write(PathBuf::from(dir)),
        ["check"] => check(default_dir()),
        ["check", dir] => check(PathBuf::from(dir)),
        ["seed-corpus", corpus] => seed(default_dir(), PathBuf::from(corpus)),
        ["seed-corpus", dir, corpus] => seed(PathBuf::from(dir), PathBuf::from(corpus)),
        ["-h" | "--help" | "help"] => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        [dir] if !dir.starts_with('-') => write(PathBuf::from(dir)),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("rogatory-vectors: {e}");
            ExitCode::FAILURE
        }
    }
}

fn write(dir: PathBuf) -> Result<bool, Error> {
    let vectors = generate()?;
    let n = write_dir(&dir, &vectors)?;
    let negative = vectors.iter().filter(|v| v.is_negative()).count();
    println!(
        "wrote {n} vectors ({} positive, {negative} negative) to {}",
        n - negative,
        dir.display()
    );
    Ok(true)
}

fn check(dir: PathBuf) -> Result<bool, Error> {
    let vectors = generate()?;
    let diffs = compare_dir(&dir, &vectors)?;
    for d in &diffs {
        eprintln!("{d}");
    }
    if diffs.is_empty() {
        println!("{} vectors in {} are current", vectors.len(), dir.display());
        Ok(true)
    } else {
        eprintln!("the vectors are not current: run `cargo run -p rogatory-vectors`");
        Ok(false)
    }
}

fn seed(dir: PathBuf, corpus: PathBuf) -> Result<bool, Error> {
    let n = seed_corpus(&dir, &corpus)?;
    println!("wrote {n} seed files under {}", corpus.display());
    Ok(true)
}
