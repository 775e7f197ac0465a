//! Type expressions as the spec writes them: `string`, `CallUser`,
//! `list<CallUser>`, `list<list<string>>`, `map<Unfurl>` (a JSON object
//! with string keys).
//!
//! Parsing is separate from resolving names so that a malformed expression
//! is reported at the exact character that is wrong (a missing `>`, a
//! stray `>`, `List` for `list`), and an unknown name inside a list at the
//! name itself.

use crate::diag::{Span, did_you_mean};

/// A parsed type expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeExpr {
    /// A type name, and its character offset in the text.
    Name(String, usize),
    /// `list<T>`.
    List(Box<TypeExpr>),
    /// `map<T>`: a JSON object with string keys and values of `T`.
    Map(Box<TypeExpr>),
}

impl TypeExpr {
    /// The named type a value of this type holds directly (not through a
    /// list), if any.
    pub fn direct_name(&self) -> Option<&str> {
        match self {
            TypeExpr::Name(name, _) => Some(name),
            TypeExpr::List(_) | TypeExpr::Map(_) => None,
        }
    }
}

/// Why a type expression does not parse: where (character offset and
/// length in the text), what, and what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeExprError {
    /// Character offset of the problem in the text.
    pub offset: usize,
    /// Length in characters.
    pub len: usize,
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub hint: String,
}

/// Parses a type expression.
pub fn parse(text: &str) -> Result<TypeExpr, TypeExprError> {
    let chars: Vec<char> = text.chars().collect();
    let mut parser = Parser {
        text,
        chars: &chars,
        at: 0,
    };
    parser.skip_spaces();
    let expr = parser.expr(0)?;
    parser.skip_spaces();
    if let Some(&c) = chars.get(parser.at) {
        return Err(TypeExprError {
            offset: parser.at,
            len: chars.len() - parser.at,
            message: format!(
                "unexpected `{}` after the type in `{text}`",
                tail(&chars[parser.at..])
            ),
            hint: match c {
                '>' => {
                    "remove the extra `>`: each `list<` or `map<` takes exactly one `>`".to_owned()
                }
                _ => "a type is one name, or `list<...>` around one type".to_owned(),
            },
        });
    }
    Ok(expr)
}

/// The deepest `list<list<...>>` accepted.
const MAX_LIST_DEPTH: usize = 8;

struct Parser<'a> {
    text: &'a str,
    chars: &'a [char],
    at: usize,
}

impl Parser<'_> {
    fn skip_spaces(&mut self) {
        while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn expr(&mut self, depth: usize) -> Result<TypeExpr, TypeExprError> {
        let start = self.at;
        while self
            .chars
            .get(self.at)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_')
        {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        if name.is_empty() {
            return Err(match self.chars.get(self.at) {
                None if depth == 0 => TypeExprError {
                    offset: 0,
                    len: 1,
                    message: "the type is empty".to_owned(),
                    hint: "write a type, such as `string` or `list<CallUser>`".to_owned(),
                },
                None | Some('>') => TypeExprError {
                    offset: self.at.min(self.chars.len().saturating_sub(1)),
                    len: 1,
                    message: format!("`{}` has no item type", self.text.trim()),
                    hint: "write the item type between `<` and `>`, such as `list<CallUser>`"
                        .to_owned(),
                },
                Some(c) => TypeExprError {
                    offset: self.at,
                    len: 1,
                    message: format!("unexpected `{c}` in type `{}`", self.text.trim()),
                    hint: "a type is a name such as `string`, or `list<...>` around a type"
                        .to_owned(),
                },
            });
        }
        let after_name = self.at;
        self.skip_spaces();
        let opens = self.chars.get(self.at) == Some(&'<');
        if name != "list" && name != "map" {
            if opens {
                let hint = if name.eq_ignore_ascii_case("list") {
                    "lists are written in lowercase: `list<...>`".to_owned()
                } else if name.eq_ignore_ascii_case("map") {
                    "maps are written in lowercase: `map<...>`".to_owned()
                } else if let Some(best) = did_you_mean(&name, ["list", "map"]) {
                    format!("did you mean `{best}<...>`?")
                } else {
                    "only `list` and `map` take an item type, as in `list<CallUser>` or `map<Unfurl>`".to_owned()
                };
                return Err(TypeExprError {
                    offset: start,
                    len: name.chars().count(),
                    message: format!("`{name}<...>` is not a type"),
                    hint,
                });
            }
            self.at = after_name;
            return Ok(TypeExpr::Name(name, start));
        }
        let is_map = name == "map";
        if !opens {
            return Err(TypeExprError {
                offset: start,
                len: name.chars().count(),
                message: format!("`{name}` needs an item type"),
                hint: if is_map {
                    "write `map<string>` or `map<Unfurl>` (the keys are always text)".to_owned()
                } else {
                    "write `list<string>` or `list<CallUser>`".to_owned()
                },
            });
        }
        if depth >= MAX_LIST_DEPTH {
            return Err(TypeExprError {
                offset: start,
                len: name.chars().count(),
                message: format!("lists and maps nest more than {MAX_LIST_DEPTH} deep"),
                hint: "Slack has no such shape; check the type".to_owned(),
            });
        }
        self.at += 1;
        self.skip_spaces();
        let item = self.expr(depth + 1)?;
        self.skip_spaces();
        match self.chars.get(self.at) {
            Some('>') => {
                self.at += 1;
                Ok(if is_map {
                    TypeExpr::Map(Box::new(item))
                } else {
                    TypeExpr::List(Box::new(item))
                })
            }
            None => Err(TypeExprError {
                offset: self.chars.len().saturating_sub(1),
                len: 1,
                message: format!("`{}` is missing its closing `>`", self.text.trim()),
                hint: format!("write `{}>`", self.text.trim()),
            }),
            Some(c) => Err(TypeExprError {
                offset: self.at,
                len: 1,
                message: format!(
                    "unexpected `{c}` in type `{}`; expected `>`",
                    self.text.trim()
                ),
                hint: if is_map {
                    "a map names only its value type (the keys are always text), as in `map<Unfurl>`".to_owned()
                } else {
                    "a list holds one item type, as in `list<CallUser>`".to_owned()
                },
            }),
        }
    }
}

fn tail(chars: &[char]) -> String {
    chars.iter().take(20).collect()
}

/// The span of `len` characters at character `offset` of a scalar's text,
/// when the text stands on one line as written (plain, or quoted without
/// escapes); otherwise the whole scalar.
pub fn sub_span(span: Span, text: &str, offset: usize, len: usize) -> Span {
    let count = text.chars().count();
    let quote = if span.len as usize == count {
        0
    } else if span.len as usize == count + 2 {
        1
    } else {
        return span;
    };
    if text.contains('\n') || offset > count {
        return span;
    }
    let col = u32::try_from(offset + quote).map_or(span.col, |o| span.col.saturating_add(o));
    Span::new(span.line, col, u32::try_from(len).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str, at: usize) -> TypeExpr {
        TypeExpr::Name(n.to_owned(), at)
    }

    #[test]
    fn parses_names_and_lists() {
        assert_eq!(parse("string"), Ok(name("string", 0)));
        assert_eq!(
            parse("list<CallUser>"),
            Ok(TypeExpr::List(Box::new(name("CallUser", 5))))
        );
        assert_eq!(
            parse(" list < list<string> > "),
            Ok(TypeExpr::List(Box::new(TypeExpr::List(Box::new(name(
                "string", 13
            ))))))
        );
    }

    #[test]
    fn points_at_what_is_wrong() {
        let at = |text: &str| parse(text).map_err(|e| (e.offset, e.message));
        assert_eq!(
            at("list<string"),
            Err((10, "`list<string` is missing its closing `>`".to_owned()))
        );
        assert_eq!(
            at("list<string>>"),
            Err((
                12,
                "unexpected `>` after the type in `list<string>>`".to_owned()
            ))
        );
        assert_eq!(
            at("list<>"),
            Err((5, "`list<>` has no item type".to_owned()))
        );
        assert_eq!(at("list"), Err((0, "`list` needs an item type".to_owned())));
        assert_eq!(
            at("List<string>"),
            Err((0, "`List<...>` is not a type".to_owned()))
        );
        assert_eq!(at(""), Err((0, "the type is empty".to_owned())));
        assert_eq!(
            at("list<a b>"),
            Err((
                7,
                "unexpected `b` in type `list<a b>`; expected `>`".to_owned()
            ))
        );
        assert_eq!(
            parse("map<Unfurl>"),
            Ok(TypeExpr::Map(Box::new(name("Unfurl", 4))))
        );
        assert_eq!(
            at("map<string, Unfurl>"),
            Err((
                10,
                "unexpected `,` in type `map<string, Unfurl>`; expected `>`".to_owned()
            ))
        );
        assert_eq!(at("map"), Err((0, "`map` needs an item type".to_owned())));
        assert_eq!(
            at("Map<x>"),
            Err((0, "`Map<...>` is not a type".to_owned()))
        );
        let deep = format!("{}string{}", "list<".repeat(20), ">".repeat(20));
        assert!(at(&deep).is_err());
    }

    #[test]
    fn sub_spans_follow_quotes() {
        let plain = Span::new(3, 10, 9);
        assert_eq!(sub_span(plain, "list<Foo>", 5, 3), Span::new(3, 15, 3));
        let quoted = Span::new(3, 10, 11);
        assert_eq!(sub_span(quoted, "list<Foo>", 5, 3), Span::new(3, 16, 3));
        let escaped = Span::new(3, 10, 14);
        assert_eq!(sub_span(escaped, "list<Foo>", 5, 3), escaped);
    }
}
