//! Following quotes and flow brackets (`[`, `{`) through the text: which
//! one is never closed, and which ran over several lines before closing.

use super::tree::to_u32;

/// A quote or bracket still open at the end of the text.
pub(super) struct Open {
    pub(super) line: u32,
    pub(super) col: u32,
    pub(super) opener: char,
    /// What closes it and everything still open around it, innermost first.
    pub(super) closers: String,
}

impl Open {
    pub(super) fn name(&self) -> &'static str {
        if self.opener == '"' {
            "double"
        } else {
            "single"
        }
    }
}

/// A quote or bracket that opened on one line and closed on a later one.
pub(super) struct Stretch {
    pub(super) line: u32,
    pub(super) col: u32,
    pub(super) opener: char,
    pub(super) end_line: u32,
    pub(super) end_col: u32,
}

/// What [`scan_openers`] found.
pub(super) struct Scan {
    /// The innermost quote or bracket still open at the end of the text.
    pub(super) open: Option<Open>,
    /// Quotes and brackets that ran over more than one line.
    pub(super) stretches: Vec<Stretch>,
}

/// Finds the innermost quote or flow bracket (`[`, `{`) that is never
/// closed.
#[cfg(test)]
pub(super) fn unclosed(text: &str) -> Option<Open> {
    scan_openers(text).open
}

/// Follows quotes and flow brackets (`[`, `{`) through the text, skipping
/// comments and block scalars (`|`, `>`): which one is never closed, and
/// which ran over several lines before closing.
pub(super) fn scan_openers(text: &str) -> Scan {
    let mut stack: Vec<(u32, u32, char)> = Vec::new();
    let mut quote: Option<(u32, u32, char)> = None;
    let mut stretches = Vec::new();
    let mut block_scalar_indent: Option<usize> = None;
    for (index, line) in text.lines().enumerate() {
        let line_no = to_u32(index + 1);
        let indent = line.chars().take_while(|c| *c == ' ').count();
        if let Some(parent) = block_scalar_indent {
            if line.trim().is_empty() || indent > parent {
                continue;
            }
            block_scalar_indent = None;
        }
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        // The last character that is not a space, for deciding whether a
        // quote or bracket starts a value.
        let mut previous: Option<char> = None;
        while i < chars.len() {
            let c = chars[i];
            if let Some((open_line, open_col, q)) = quote {
                if c == '\\' && q == '"' {
                    i += 2;
                    continue;
                }
                if c == q {
                    if q == '\'' && chars.get(i + 1) == Some(&'\'') {
                        i += 2;
                        continue;
                    }
                    quote = None;
                    if open_line != line_no {
                        stretches.push(Stretch {
                            line: open_line,
                            col: open_col,
                            opener: q,
                            end_line: line_no,
                            end_col: to_u32(i + 1),
                        });
                    }
                    previous = Some(c);
                }
                i += 1;
                continue;
            }
            let starts_value = match previous {
                None => true,
                Some(p) => {
                    matches!(p, ':' | ',' | '[' | '{' | '-' | '?')
                        && (i == 0 || chars[i - 1] == ' ' || matches!(p, '[' | '{' | ','))
                }
            };
            match c {
                '#' if i == 0 || chars[i - 1] == ' ' => break,
                '"' | '\''
                    if starts_value
                        || !stack.is_empty() && matches!(previous, Some('[' | '{' | ',' | ':')) =>
                {
                    quote = Some((line_no, to_u32(i + 1), c));
                }
                '[' | '{' if starts_value || !stack.is_empty() => {
                    stack.push((line_no, to_u32(i + 1), c));
                }
                ']' | '}' => {
                    let opener = if c == ']' { '[' } else { '{' };
                    if stack.last().is_some_and(|(_, _, open)| *open == opener)
                        && let Some((open_line, open_col, _)) = stack.pop()
                        && open_line != line_no
                    {
                        stretches.push(Stretch {
                            line: open_line,
                            col: open_col,
                            opener,
                            end_line: line_no,
                            end_col: to_u32(i + 1),
                        });
                    }
                }
                '|' | '>' if stack.is_empty() && starts_value => {
                    let rest: String = chars[i + 1..].iter().collect();
                    let rest = rest.split(" #").next().unwrap_or("").trim();
                    if rest.chars().all(|r| matches!(r, '-' | '+' | '0'..='9')) {
                        block_scalar_indent = Some(indent);
                        break;
                    }
                }
                _ => {}
            }
            if c != ' ' {
                previous = Some(c);
            }
            i += 1;
        }
    }
    let closers_of = |stack: &[(u32, u32, char)]| -> String {
        stack
            .iter()
            .rev()
            .map(|(_, _, c)| if *c == '[' { ']' } else { '}' })
            .collect()
    };
    let open = if let Some((line, col, q)) = quote {
        Some(Open {
            line,
            col,
            opener: q,
            closers: format!("{q}{}", closers_of(&stack)),
        })
    } else {
        stack.last().map(|&(line, col, opener)| Open {
            line,
            col,
            opener,
            closers: closers_of(&stack),
        })
    };
    Scan { open, stretches }
}
