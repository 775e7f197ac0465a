//! Checks across the whole spec, and resolution into the IR, in passes:
//!
//! 0. `events`: each event becomes an object type, and the `Event` union
//!    of them all is added, so that the passes below treat them as types;
//! 1. types: every declared type by name (`declare`), then the local ones
//!    resolved (`resolve`: type expressions and fields; `named_types`: ids,
//!    objects, enums and unions);
//! 2. `cycles`: types that contain themselves;
//! 3. `methods`: the common errors, then every method resolved;
//! 4. `names`: clashes between the Rust items of one module (the checks on
//!    single names run where those names are read);
//! 5. `examples`: every example, checked against the resolved types.
//!
//! Works on what `spec` could read, so problems are found even in files
//! that had other problems. Every check records a diagnostic and carries on;
//! the IR is only used when there are no errors.

mod cycles;
mod declare;
mod events;
mod examples;
mod methods;
mod named_types;
mod names;
mod resolve;
mod wire;

use std::cell::RefCell;

use crate::diag::Diagnostics;
use crate::ir;
use crate::spec::SpecFile;
use resolve::Resolver;

/// Checks `files` (with `extern_files` supplying types and common errors
/// that live in another crate) and resolves them.
///
/// `incomplete` says that some spec file could not be read at all: a type
/// it may declare is then not reported as unknown where it is used, so
/// that one syntax error does not bury itself under follow-on errors.
pub fn resolve(
    files: &[SpecFile],
    extern_files: &[SpecFile],
    incomplete: bool,
    diags: &mut Diagnostics,
) -> ir::Api {
    let (files, extern_files, event_examples) =
        events::with_event_types(files, extern_files, diags);
    let (files, extern_files) = (files.as_slice(), extern_files.as_slice());
    let types = declare::declare(files, extern_files, diags);
    let unreadable: Vec<&str> = extern_files
        .iter()
        .chain(files)
        .flat_map(|f| f.unreadable_types.iter().map(|t| t.value.as_str()))
        .collect();
    let resolver = Resolver {
        types: &types,
        unreadable: &unreadable,
        incomplete,
        examples: RefCell::new(Vec::new()),
    };

    let mut api = ir::Api::default();
    for file in files {
        for def in &file.types {
            if types
                .get(def.name.value.as_str())
                .is_some_and(|d| std::ptr::eq(d.def, def))
                && let Some(resolved) = resolver.type_def(&file.path, def, diags)
            {
                api.types.push(resolved);
            }
        }
    }
    api.event_types = files
        .iter()
        .flat_map(|f| f.events.iter().map(|e| events::struct_name(&e.name.value)))
        .chain([events::EVENT_ENUM.to_owned()])
        .filter(|name| api.types.iter().any(|t| t.name() == name))
        .collect();
    let file_order: Vec<&str> = extern_files
        .iter()
        .chain(files)
        .map(|f| f.path.as_str())
        .collect();
    cycles::check_recursion(&types, &file_order, diags);

    let common = methods::common_errors(files, extern_files, &mut api, diags);
    methods::resolve_methods(&resolver, files, &common, &mut api, diags);
    names::check_namespace_collisions(files, &api, diags);

    let shapes = resolver.example_shapes();
    let sites = resolver.examples.take();
    examples::check(&types, &shapes, &sites, &event_examples, diags);
    api
}
