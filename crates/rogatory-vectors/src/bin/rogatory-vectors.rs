//! `rogatory-vectors`: writes, checks and turns into fuzz seeds the wire test
//! vectors of protocol v1.
//!
//! ```text
//! rogatory-vectors [write]              write the wire and the package vectors
//!                                       (spec/vectors/wire, spec/vectors/package)
//! rogatory-vectors check                exit 1 if the files differ from the generator
//! rogatory-vectors [write] DIR          write the wire vectors to DIR
//! rogatory-vectors check DIR            check the wire vectors in DIR
//! rogatory-vectors write-packages DIR   write the package vectors to DIR
//! rogatory-vectors check-packages DIR   check the package vectors in DIR
//! rogatory-vectors write-redaction DIR  write the redaction vectors to DIR
//! rogatory-vectors check-redaction DIR  check the redaction vectors in DIR
//!                                       (`write` and `check` without DIR also do
//!                                       spec/vectors/redaction)
//! rogatory-vectors seed-corpus [SPEC] CORPUS
//!                                       fill CORPUS/<fuzz target>/ from the vector files under
//!                                       SPEC (default spec/vectors)
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use rogatory_vectors::redaction::redaction_dir;
use rogatory_vectors::{
    Error, compare_dir, compare_package_dir, default_dir, generate, generate_packages, package_dir,
    write_dir, write_package_dir,
};

const USAGE: &str = "usage: rogatory-vectors [write] [DIR]
       rogatory-vectors check [DIR]
       rogatory-vectors write-packages DIR
       rogatory-vectors check-packages DIR
       rogatory-vectors write-redaction DIR
       rogatory-vectors check-redaction DIR
       rogatory-vectors seed-corpus [SPEC] CORPUS";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        [] | ["write"] => write(default_dir())
            .and_then(|_| write_packages(package_dir()))
            .and_then(|_| write_redaction(redaction_dir()))
            .and_then(|_| write_custody())
            .and_then(|_| write_keys()),
        ["write", dir] => write(PathBuf::from(dir)),
        ["write-packages", dir] => write_packages(PathBuf::from(dir)),
        ["check"] => {
            let wire = check(default_dir());
            let packages = check_packages(package_dir());
            let redaction = check_redaction(redaction_dir());
            let custody = check_custody();
            let keys = check_keys();
            wire.and_then(|a| packages.map(|b| a && b))
                .and_then(|ab| redaction.map(|c| ab && c))
                .and_then(|abc| custody.map(|d| abc && d))
                .and_then(|abcd| keys.map(|e| abcd && e))
        }
        ["write-redaction", dir] => write_redaction(PathBuf::from(dir)),
        ["check-redaction", dir] => check_redaction(PathBuf::from(dir)),
        ["check", dir] => check(PathBuf::from(dir)),
        ["check-packages", dir] => check_packages(PathBuf::from(dir)),
        ["seed-corpus", corpus] => seed(spec_dir(), PathBuf::from(corpus)),
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

fn write_packages(dir: PathBuf) -> Result<bool, Error> {
    let vectors = generate_packages()?;
    let n = write_package_dir(&dir, &vectors)?;
    let negative = vectors.iter().filter(|v| v.negative).count();
    println!(
        "wrote {n} package vectors ({} positive, {negative} negative) to {}",
        n - negative,
        dir.display()
    );
    Ok(true)
}

fn check_packages(dir: PathBuf) -> Result<bool, Error> {
    let vectors = generate_packages()?;
    let diffs = compare_package_dir(&dir, &vectors)?;
    for d in &diffs {
        eprintln!("{d}");
    }
    if diffs.is_empty() {
        println!(
            "{} package vectors in {} are current",
            vectors.len(),
            dir.display()
        );
        Ok(true)
    } else {
        eprintln!("the package vectors are not current: run `cargo run -p rogatory-vectors`");
        Ok(false)
    }
}

fn write_redaction(dir: PathBuf) -> Result<bool, Error> {
    let vectors = rogatory_vectors::generate_redaction()?;
    let n = rogatory_vectors::write_redaction_dir(&dir, &vectors)?;
    let negative = vectors.iter().filter(|v| v.negative).count();
    println!(
        "wrote {n} redaction vectors ({} positive, {negative} negative) to {}",
        n - negative,
        dir.display()
    );
    Ok(true)
}

fn check_redaction(dir: PathBuf) -> Result<bool, Error> {
    let vectors = rogatory_vectors::generate_redaction()?;
    let diffs = rogatory_vectors::compare_redaction_dir(&dir, &vectors)?;
    for d in &diffs {
        eprintln!("{d}");
    }
    if diffs.is_empty() {
        println!(
            "{} redaction vectors in {} are current",
            vectors.len(),
            dir.display()
        );
        Ok(true)
    } else {
        eprintln!("the redaction vectors are not current: run `cargo run -p rogatory-vectors`");
        Ok(false)
    }
}

fn seed(dir: PathBuf, corpus: PathBuf) -> Result<bool, Error> {
    let n = rogatory_vectors::fuzz::seed_corpus(&dir, &corpus)?;
    println!("wrote {n} seed files under {}", corpus.display());
    Ok(true)
}

fn write_custody() -> Result<bool, Error> {
    let vectors = rogatory_vectors::generate_custody()?;
    let dir = rogatory_vectors::custody_dir();
    let n = rogatory_vectors::write_custody_dir(&dir, &vectors)?;
    let negative = vectors.iter().filter(|v| v.negative).count();
    println!(
        "wrote {n} custody vectors ({} positive, {negative} negative) to {}",
        n - negative,
        dir.display()
    );
    Ok(true)
}

fn check_custody() -> Result<bool, Error> {
    let vectors = rogatory_vectors::generate_custody()?;
    let dir = rogatory_vectors::custody_dir();
    let diffs = rogatory_vectors::compare_custody_dir(&dir, &vectors)?;
    for d in &diffs {
        eprintln!("{d}");
    }
    if diffs.is_empty() {
        println!(
            "{} custody vectors in {} are current",
            vectors.len(),
            dir.display()
        );
        Ok(true)
    } else {
        eprintln!("the custody vectors are not current: run `cargo run -p rogatory-vectors`");
        Ok(false)
    }
}

/// `spec/vectors` in this source tree.
fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../spec/vectors")
}

fn write_keys() -> Result<bool, Error> {
    use rogatory_vectors::keys::{generate_keys, keys_dir, write_keys_dir};
    let files = generate_keys()?;
    let n = write_keys_dir(&keys_dir(), &files)?;
    println!("wrote {n} key file vectors to {}", keys_dir().display());
    Ok(true)
}

fn check_keys() -> Result<bool, Error> {
    use rogatory_vectors::keys::{compare_keys_dir, generate_keys, keys_dir};
    let files = generate_keys()?;
    let diffs = compare_keys_dir(&keys_dir(), &files)?;
    for d in &diffs {
        eprintln!("{d}");
    }
    Ok(diffs.is_empty())
}
