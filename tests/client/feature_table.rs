//! One table of the crate's features: `docs/features.md` is the crate's
//! documentation (`src/lib.rs` includes it) and the README's table, and it
//! lists every feature `Cargo.toml` declares.

const TABLE: &str = include_str!("../../docs/features.md");
const README: &str = include_str!("../../README.md");
const MANIFEST: &str = include_str!("../../Cargo.toml");

#[test]
fn the_readme_and_the_crate_docs_show_one_table_of_every_feature() {
    assert!(
        README.contains(TABLE.trim_end()),
        "the README's feature table differs from docs/features.md"
    );
    let features = MANIFEST
        .split("\n[features]\n")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .expect("a [features] section");
    let names: Vec<&str> = features
        .lines()
        .filter(|line| !line.starts_with('#') && !line.starts_with(' ') && line.contains(" = "))
        .filter_map(|line| line.split(" = ").next())
        .filter(|name| *name != "default")
        .collect();
    assert!(names.len() >= 10, "{names:?}");
    for name in names {
        assert!(
            TABLE.contains(&format!("| `{name}`")),
            "feature `{name}` is not in docs/features.md"
        );
    }
}
