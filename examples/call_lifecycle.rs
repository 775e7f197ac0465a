//! The main job (placeholder until the generator lands).
fn main() {}
