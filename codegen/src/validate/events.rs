//! The events pass, run first: every event under `events:` becomes an
//! ordinary object type (`link_shared` → `LinkSharedEvent`), and the spec
//! being generated gets the `Event` union of all events, the extern spec's
//! included, told apart by `type`. Everything after this pass (resolution,
//! cycles, names, examples, emission) then treats them as any other type,
//! so the union's pass-through of unknown tags is the `Event::Other` that
//! keeps unknown event types whole.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::names;
use crate::spec::{EventDef, Sp, SpecFile, TypeDef, TypeKind};
use crate::yaml::Node;

/// The name of the generated enum of every event.
pub(super) const EVENT_ENUM: &str = "Event";

/// An event's example, to check once types are resolved.
pub(super) struct EventExample {
    /// The spec file.
    pub(super) file: String,
    /// The example as written.
    pub(super) node: Node,
    /// The `example` key.
    pub(super) owner: Span,
    /// The event's `type`.
    pub(super) wire: String,
    /// Its struct's name.
    pub(super) ty: String,
}

/// The struct an event becomes (`link_shared` → `LinkSharedEvent`).
pub(super) fn struct_name(event: &str) -> String {
    format!("{}Event", names::bare(&names::type_ident(event)))
}

/// Copies of `files` and `extern_files` with each event added as an object
/// type, and the `Event` union added to the first local file with events;
/// plus the events' examples. Reports bad and repeated event names.
pub(super) fn with_event_types(
    files: &[SpecFile],
    extern_files: &[SpecFile],
    diags: &mut Diagnostics,
) -> (Vec<SpecFile>, Vec<SpecFile>, Vec<EventExample>) {
    let mut seen: BTreeMap<String, (String, Span)> = BTreeMap::new();
    let mut examples = Vec::new();
    // Tag value → struct name, extern events first.
    let mut variants: Vec<(Sp<String>, Sp<String>)> = Vec::new();
    let mut add = |set: &[SpecFile],
                   external: bool,
                   variants: &mut Vec<(Sp<String>, Sp<String>)>,
                   diags: &mut Diagnostics|
     -> Vec<SpecFile> {
        set.iter()
            .map(|file| {
                let mut file = file.clone();
                for event in std::mem::take(&mut file.events) {
                    let name = &event.name.value;
                    if !external && !is_event_name(name) {
                        diags.push(
                            Diagnostic::error(
                                &file.path,
                                event.name.span,
                                format!("event type `{name}` is not snake_case"),
                            )
                            .with_hint(format!(
                                "Slack's event types are snake_case, such as `{}`",
                                heck::ToSnakeCase::to_snake_case(name.as_str())
                            )),
                        );
                        continue;
                    }
                    if let Some((first_file, first_span)) = seen.get(name) {
                        diags.push(
                            Diagnostic::error(
                                &file.path,
                                event.name.span,
                                format!("event `{name}` is defined twice"),
                            )
                            .with_hint("each event is defined in exactly one spec file")
                            .with_related(
                                first_file,
                                *first_span,
                                "first defined",
                            ),
                        );
                        continue;
                    }
                    seen.insert(name.clone(), (file.path.clone(), event.name.span));
                    let ty = struct_name(name);
                    if let (false, Some(node)) = (external, &event.example) {
                        examples.push(EventExample {
                            file: file.path.clone(),
                            node: node.clone(),
                            owner: event.example_key.unwrap_or(event.name.span),
                            wire: name.clone(),
                            ty: ty.clone(),
                        });
                    }
                    variants.push((event.name.clone(), Sp::new(ty.clone(), event.name.span)));
                    file.types.push(event_type(&event, ty));
                    file.events.push(event);
                }
                file
            })
            .collect()
    };
    let extern_out = add(extern_files, true, &mut variants, diags);
    let extern_count = variants.len();
    let mut out = add(files, false, &mut variants, diags);
    if variants.len() == extern_count {
        return (out, extern_out, examples);
    }
    let taken = extern_out.iter().chain(&out).find_map(|f| {
        f.types
            .iter()
            .find(|t| t.name.value == EVENT_ENUM)
            .map(|t| (f.path.clone(), t.name.span))
    });
    if let Some((file, span)) = taken {
        diags.push(
            Diagnostic::error(
                &file,
                span,
                format!("type name `{EVENT_ENUM}` is taken: it is the enum the generator makes from `events:`"),
            )
            .with_hint("choose another name"),
        );
        return (out, extern_out, examples);
    }
    let Some(home) = out.iter_mut().find(|f| !f.events.is_empty()) else {
        return (out, extern_out, examples);
    };
    let first = home.events[0].name.span;
    home.types.push(TypeDef {
        name: Sp::new(EVENT_ENUM.to_owned(), first),
        kind: Sp::new(TypeKind::Union, first),
        description: Some(
            "An event Slack sends the app: the `event` of an `event_callback` delivery, told apart by its `type`.\n\nEvery event type this version does not know arrives as `Other`, whole, so a receiver acknowledges it instead of refusing it (Slack would retry a refusal and count it as a failed delivery).".to_owned(),
        ),
        example: None,
        fields: Vec::new(),
        one_of: Vec::new(),
        values: Vec::new(),
        tag: Some(Sp::new("type".to_owned(), first)),
        variants,
    });
    (out, extern_out, examples)
}

/// `link_shared`: lowercase words joined by `_`.
fn is_event_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.contains("__")
        && !name.ends_with('_')
}

/// The object type an event becomes, with its documentation.
fn event_type(event: &EventDef, name: String) -> TypeDef {
    let wire = &event.name.value;
    let mut doc = event.summary.clone();
    if let Some(description) = &event.description {
        doc.push(' ');
        doc.push_str(description);
    }
    doc.push_str(&format!(
        "\n\nSlack sends it as the `event` of an `event_callback`, with `type: {wire}`; it decodes as `Event::{}`. Fields Slack adds later are ignored.",
        names::bare(&names::type_ident(wire))
    ));
    doc.push_str(&match &event.scope {
        Some(scope) => format!(
            "\n\n- **Scope:** `{}` (the app subscribes to `{wire}`)",
            scope.value
        ),
        None => "\n\n- **Scope:** none".to_owned(),
    });
    if let Some(url) = &event.docs_url {
        doc.push_str(&format!("\n- **Slack's page:** {url}"));
    }
    TypeDef {
        name: Sp::new(name, event.name.span),
        kind: Sp::new(TypeKind::Object, event.name.span),
        description: Some(doc),
        example: None,
        fields: event.fields.clone(),
        one_of: Vec::new(),
        values: Vec::new(),
        tag: None,
        variants: Vec::new(),
    }
}
