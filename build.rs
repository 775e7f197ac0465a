//! Generates the typed client from `spec/*.yaml` into `OUT_DIR`.
//!
//! On a bad spec, prints one `cargo::error=spec/<file>.yaml:LINE:COL: ...`
//! line per problem and fails without writing anything. Never touches the
//! network and never writes outside `OUT_DIR`.

fn main() {
    // Lets downstream crates that generate their own methods find the core
    // spec (shared types, common errors) as DEP_SLACK_CALLS_SPEC_DIR.
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let spec = std::path::Path::new(&dir).join("spec");
        println!("cargo::metadata=spec_dir={}", spec.display());
    }
    if slack_calls_codegen::Builder::new()
        .spec_dir("spec")
        .run()
        .is_err()
    {
        std::process::exit(1);
    }
}
