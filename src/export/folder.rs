//! Outputs that are folders of files named from the data (each series' points
//! CSV, each pool's `.dat`): unique, visible file names, all checked against
//! the inputs before any of them is written.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::atomic::{WriteError, ensure_not_input};

/// `name` as a visible file name: a leading `.` (a hidden file, or `.`/`..`)
/// becomes `_`.
pub fn visible_name(name: &str) -> String {
    match name.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None => name.to_string(),
    }
}

/// One file name per base name, in order: the second file of a name gets
/// `-2` before its extension, the third `-3`, and so on.
pub fn unique_names(bases: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut taken = HashSet::new();
    let mut out = Vec::new();
    for base in bases {
        let (stem, ext) = match base.rfind('.') {
            Some(i) if i > 0 => base.split_at(i),
            _ => (base.as_str(), ""),
        };
        let mut name = base.clone();
        let mut k = 1;
        while !taken.insert(name.clone()) {
            k += 1;
            name = format!("{stem}-{k}{ext}");
        }
        out.push(name);
    }
    out
}

/// The files `names` in `dir`, refused as a whole when any of them is one of
/// `inputs` (nothing has been written then).
pub fn planned_targets(
    dir: &Path,
    names: &[String],
    inputs: &[&Path],
) -> Result<Vec<PathBuf>, WriteError> {
    let targets: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    for t in &targets {
        ensure_not_input(inputs, t)?;
    }
    Ok(targets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_visible() {
        let names = unique_names(["a.csv", "a.csv", "b.dat", "a.csv", "x"].map(String::from));
        assert_eq!(names, ["a.csv", "a-2.csv", "b.dat", "a-3.csv", "x"]);
        assert_eq!(visible_name(".csv"), "_csv");
        assert_eq!(visible_name("..csv"), "_.csv");
        assert_eq!(visible_name("a.csv"), "a.csv");
    }

    #[test]
    fn a_name_that_is_an_input_refuses_the_whole_folder() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("spike.csv");
        std::fs::write(&input, b"x").unwrap();
        let names = vec!["other.csv".to_string(), "spike.csv".to_string()];
        assert!(planned_targets(dir.path(), &names, &[&input]).is_err());
        assert_eq!(
            planned_targets(dir.path(), &names[..1], &[&input]).unwrap(),
            [dir.path().join("other.csv")]
        );
    }
}
