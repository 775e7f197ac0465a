//! The spec as written: one [`SpecFile`] per YAML file, every name and value
//! with the place it came from.
//!
//! `model` is what a spec says; `read` turns a parsed YAML tree into it,
//! with `types` reading type entries and the fields they all declare, on
//! top of `map`, which reads maps and scalars and reports what is wrong.

mod map;
mod model;
mod read;
mod types;

pub use model::{
    Auth, ErrorDef, EventDef, FieldDef, Http, ListEncoding, MethodDef, PageByDef, Req, Sp,
    SpecFile, Tier, TypeDef, TypeKind,
};
pub use read::read_file;
