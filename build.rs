//! Build script: records the git revision (when available) for `segscope --version`.

fn main() {
    let rev = std::process::Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    println!("cargo:rustc-env=SEGSCOPE_GIT_REV={rev}");
    println!("cargo:rerun-if-changed=.git/HEAD");
}
