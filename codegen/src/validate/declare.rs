//! The first step of the types pass: every declared type by name, extern
//! ones too, with where it was declared; a type defined twice and a type
//! name that cannot be used are reported here.

use std::collections::BTreeMap;

use super::names::check_type_name;
use crate::diag::{Diagnostic, Diagnostics};
use crate::spec::{SpecFile, TypeDef};

/// Where a named type was declared.
pub(super) struct Declared<'a> {
    pub(super) file: &'a str,
    pub(super) def: &'a TypeDef,
    pub(super) external: bool,
}

/// Collects every declared type by name (extern ones too), reporting types
/// defined twice and type names that cannot be used.
pub(super) fn declare<'a>(
    files: &'a [SpecFile],
    extern_files: &'a [SpecFile],
    diags: &mut Diagnostics,
) -> BTreeMap<&'a str, Declared<'a>> {
    let mut types: BTreeMap<&str, Declared<'_>> = BTreeMap::new();
    for (external, set) in [(true, extern_files), (false, files)] {
        for file in set {
            for def in &file.types {
                let name = def.name.value.as_str();
                if let Some(first) = types.get(name) {
                    if !(external && first.external) {
                        diags.push(
                            Diagnostic::error(
                                &file.path,
                                def.name.span,
                                format!("type `{name}` is defined twice"),
                            )
                            .with_hint("rename or remove one of them")
                            .with_related(
                                first.file,
                                first.def.name.span,
                                "first defined",
                            ),
                        );
                    }
                    continue;
                }
                if !external {
                    check_type_name(&file.path, def, extern_files.is_empty(), diags);
                }
                types.insert(
                    name,
                    Declared {
                        file: &file.path,
                        def,
                        external,
                    },
                );
            }
        }
    }
    types
}
