//! The tokenizer shared by the filter (RFC 7644 §3.4.2.2) and PATCH path (RFC 7644 §3.5.2)
//! grammars. It splits the input into brackets, parentheses, JSON string literals and "words"
//! (runs of anything else that is not whitespace). A word is an attribute path, a keyword, an
//! operator, a number or an unquoted value; the parser decides which from where it stands, so
//! the lexer needs no context. Offsets are in characters, for error messages people read.

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    LParen,
    RParen,
    LBracket,
    RBracket,
    /// A run of characters other than whitespace, `()[]` and `"`.
    Word(String),
    /// A JSON string literal, with its escapes already decoded.
    Str(String),
    /// The end of the input; always the last token.
    Eof,
}

/// A token and the character offset where it starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub offset: usize,
}

/// Splits `input` into tokens, ending with `Eof`. The caller has already capped the length.
pub(crate) fn tokenize(input: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let single = match c {
            '(' => Some(TokenKind::LParen),
            ')' => Some(TokenKind::RParen),
            '[' => Some(TokenKind::LBracket),
            ']' => Some(TokenKind::RBracket),
            _ => None,
        };
        if let Some(kind) = single {
            tokens.push(Token { kind, offset: i });
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '"' {
            let (text, end) = string_literal(&chars, i)?;
            tokens.push(Token {
                kind: TokenKind::Str(text),
                offset: i,
            });
            i = end;
        } else {
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            tokens.push(Token {
                kind: TokenKind::Word(chars[start..i].iter().collect()),
                offset: start,
            });
        }
    }
    tokens.push(Token {
        kind: TokenKind::Eof,
        offset: chars.len(),
    });
    Ok(tokens)
}

fn is_word_char(c: char) -> bool {
    !(c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"'))
}

/// Reads the JSON string literal that opens at `start` (RFC 7644 §3.4.2.2 takes string values
/// as JSON strings, RFC 8259 §7). Returns the decoded text and the offset just past the closing
/// quote. Decoding is left to serde_json so `\uXXXX` surrogate pairs are handled exactly as in
/// request bodies.
fn string_literal(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let mut i = start + 1;
    while i < chars.len() {
        match chars[i] {
            '\\' => i += 2,
            '"' => {
                let raw: String = chars[start..=i].iter().collect();
                return match serde_json::from_str::<String>(&raw) {
                    Ok(text) => Ok((text, i + 1)),
                    Err(err) => Err(format!(
                        "invalid string literal at offset {start}: {}",
                        json_error_reason(&err)
                    )),
                };
            }
            _ => i += 1,
        }
    }
    Err(format!(
        "unterminated string literal starting at offset {start}: a closing \" is missing"
    ))
}

/// serde_json's message without its "at line 1 column N", which would point into the literal
/// rather than the filter.
fn json_error_reason(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.find(" at line ") {
        Some(cut) => text[..cut].to_owned(),
        None => text,
    }
}

/// How a token reads in an error message; long words are shortened so an error never echoes a
/// whole hostile input back.
pub(crate) fn describe(kind: &TokenKind) -> String {
    match kind {
        TokenKind::LParen => "\"(\"".to_owned(),
        TokenKind::RParen => "\")\"".to_owned(),
        TokenKind::LBracket => "\"[\"".to_owned(),
        TokenKind::RBracket => "\"]\"".to_owned(),
        TokenKind::Word(w) => format!("\"{}\"", shorten(w)),
        TokenKind::Str(s) => format!("the string \"{}\"", shorten(s)),
        TokenKind::Eof => "the end of the input".to_owned(),
    }
}

/// At most 40 characters of `text`, with an ellipsis when cut.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 40;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}
