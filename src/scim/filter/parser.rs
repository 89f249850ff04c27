//! The recursive-descent parser for filters (RFC 7644 §3.4.2.2) and PATCH paths (RFC 7644
//! §3.5.2). Precedence is `not` > `and` > `or`, both binary operators left-associative;
//! keywords and operators are case-insensitive. It enforces the limits in `super` (length,
//! nesting depth, comparison count) as it goes, checking depth *before* each recursive step so
//! no input can exhaust the stack. Errors are plain detail strings; `super` wraps them in the
//! right `ScimError` variant.

use serde_json::Number;

use super::ast::{AttrPath, CompValue, CompareOp, Filter, PatchPath};
use super::lexer::{describe, shorten, tokenize, Token, TokenKind};
use super::names::{check_name, split_attr_path};
use super::{MAX_COMPARISONS, MAX_DEPTH, MAX_INPUT_CHARS};

/// Parses a whole filter expression.
pub(crate) fn parse_filter(input: &str) -> Result<Filter, String> {
    let mut parser = Parser::new(input, "filter")?;
    if parser.peek() == &TokenKind::Eof {
        return Err("the filter is empty".to_owned());
    }
    let filter = parser.or_expr(false)?;
    let token = parser.peek_token();
    if token.kind != TokenKind::Eof {
        return Err(format!(
            "unexpected {} at offset {}: expected \"and\", \"or\" or the end of the filter",
            describe(&token.kind),
            token.offset
        ));
    }
    Ok(filter)
}

/// Parses a PATCH path: `attrPath` or `valuePath ["." subAttr]`.
pub(crate) fn parse_path(input: &str) -> Result<PatchPath, String> {
    let mut parser = Parser::new(input, "path")?;
    let path = parser.attr_path(false)?;
    let token = parser.peek_token().clone();
    match token.kind {
        TokenKind::Eof => return Ok(PatchPath::Attr(path)),
        TokenKind::LBracket => {}
        other => {
            return Err(format!(
                "unexpected {} at offset {}: a PATCH path is an attribute path, optionally \
                 followed by a [filter] and a .subAttribute",
                describe(&other),
                token.offset
            ))
        }
    }
    let filter = parser.value_filter(&path, token.offset)?;
    let sub_attr = parser.dotted_sub_attr()?;
    let end = parser.peek_token();
    if end.kind != TokenKind::Eof {
        return Err(format!(
            "unexpected {} at offset {}: expected the end of the path",
            describe(&end.kind),
            end.offset
        ));
    }
    Ok(PatchPath::ValuePath {
        attr: path,
        filter,
        sub_attr,
    })
}

/// Parses a lone attribute path (`sortBy`, `attributes`).
pub(crate) fn parse_attr_path(input: &str) -> Result<AttrPath, String> {
    let mut parser = Parser::new(input, "attribute path")?;
    let path = parser.attr_path(false)?;
    let end = parser.peek_token();
    if end.kind != TokenKind::Eof {
        return Err(format!(
            "unexpected {} at offset {}: expected the end of the attribute path",
            describe(&end.kind),
            end.offset
        ));
    }
    Ok(path)
}

struct Parser {
    tokens: Vec<Token>,
    /// Returned when looking past the last token, so lookahead never indexes out of bounds.
    eof: Token,
    pos: usize,
    depth: usize,
    comparisons: usize,
}

impl Parser {
    fn new(input: &str, what: &str) -> Result<Self, String> {
        let length = input.chars().count();
        if length > MAX_INPUT_CHARS {
            let problem = if what == "filter" {
                "filter too complex"
            } else {
                "too long"
            };
            return Err(format!(
                "{problem}: the {what} is {length} characters long; the limit is \
                 {MAX_INPUT_CHARS}"
            ));
        }
        Ok(Parser {
            eof: Token {
                kind: TokenKind::Eof,
                offset: length,
            },
            tokens: tokenize(input)?,
            pos: 0,
            depth: 0,
            comparisons: 0,
        })
    }

    fn peek_token(&self) -> &Token {
        self.tokens.get(self.pos).unwrap_or(&self.eof)
    }

    fn peek(&self) -> &TokenKind {
        &self.peek_token().kind
    }

    /// The kind of the token after the next one.
    fn peek_second(&self) -> &TokenKind {
        &self.tokens.get(self.pos + 1).unwrap_or(&self.eof).kind
    }

    fn advance(&mut self) -> Token {
        let token = self.peek_token().clone();
        if self.pos + 1 < self.tokens.len() {
            self.pos += 1;
        }
        token
    }

    /// Whether the next token is the keyword `word` (any case).
    fn at_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), TokenKind::Word(w) if w.eq_ignore_ascii_case(word))
    }

    /// Enters one level of nesting at `offset`, refusing to go past `MAX_DEPTH`.
    fn enter(&mut self, offset: usize) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "filter too complex: nesting deeper than {MAX_DEPTH} levels at offset {offset}"
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Counts one comparison, refusing more than `MAX_COMPARISONS`.
    fn count_comparison(&mut self) -> Result<(), String> {
        self.comparisons += 1;
        if self.comparisons > MAX_COMPARISONS {
            return Err(format!(
                "filter too complex: more than {MAX_COMPARISONS} comparisons"
            ));
        }
        Ok(())
    }

    /// `or_expr := and_expr ("or" and_expr)*`. `relative` is true inside `[...]`, where paths
    /// name sub-attributes.
    fn or_expr(&mut self, relative: bool) -> Result<Filter, String> {
        let mut left = self.and_expr(relative)?;
        while self.at_keyword("or") {
            self.advance();
            let right = self.and_expr(relative)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `and_expr := unary ("and" unary)*`.
    fn and_expr(&mut self, relative: bool) -> Result<Filter, String> {
        let mut left = self.unary(relative)?;
        while self.at_keyword("and") {
            self.advance();
            let right = self.unary(relative)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `unary := "not" "(" or_expr ")" | "(" or_expr ")" | attr_expr`. The RFC 7644 ABNF only
    /// allows `not` before a parenthesised filter.
    fn unary(&mut self, relative: bool) -> Result<Filter, String> {
        let token = self.peek_token().clone();
        match &token.kind {
            TokenKind::LParen => self.group(relative),
            TokenKind::Word(w) if w.eq_ignore_ascii_case("not") => {
                if self.peek_second() != &TokenKind::LParen {
                    return Err(format!(
                        "\"not\" at offset {} must be followed by a filter in parentheses, \
                         e.g. not (title pr)",
                        token.offset
                    ));
                }
                self.advance();
                Ok(Filter::Not(Box::new(self.group(relative)?)))
            }
            TokenKind::Word(_) => self.attr_expr(relative),
            other => Err(format!(
                "expected an attribute name, \"not\" or \"(\" at offset {} but found {}",
                token.offset,
                describe(other)
            )),
        }
    }

    /// `"(" or_expr ")"`, the next token being the `(`.
    fn group(&mut self, relative: bool) -> Result<Filter, String> {
        let open = self.advance();
        self.enter(open.offset)?;
        let inner = self.or_expr(relative)?;
        let close = self.advance();
        if close.kind != TokenKind::RParen {
            return Err(format!(
                "expected \")\" at offset {} to close the \"(\" at offset {}, but found {}",
                close.offset,
                open.offset,
                describe(&close.kind)
            ));
        }
        self.leave();
        Ok(inner)
    }

    /// `attrPath ("pr" | compareOp compValue)` or `attrPath "[" valFilter "]"`, plus the form
    /// `attrPath "[" valFilter "]" "." subAttr (pr | compareOp compValue)` that Microsoft Entra
    /// sends, read as the value path `attrPath[valFilter and subAttr op value]`.
    fn attr_expr(&mut self, relative: bool) -> Result<Filter, String> {
        let path = self.attr_path(relative)?;
        let token = self.peek_token().clone();
        if token.kind != TokenKind::LBracket {
            return self.comparison(path);
        }
        if relative {
            return Err(format!(
                "unexpected \"[\" at offset {}: value filters cannot be nested",
                token.offset
            ));
        }
        let filter = self.value_filter(&path, token.offset)?;
        let filter = match self.dotted_sub_attr()? {
            None => filter,
            Some(sub) => {
                let sub_path = AttrPath {
                    schema: None,
                    name: sub,
                    sub_attr: None,
                };
                Filter::And(Box::new(filter), Box::new(self.comparison(sub_path)?))
            }
        };
        Ok(Filter::ValuePath {
            attr: path,
            filter: Box::new(filter),
        })
    }

    /// `"[" valFilter "]"` after `attr`, the next token being the `[` at `offset`.
    fn value_filter(&mut self, attr: &AttrPath, offset: usize) -> Result<Filter, String> {
        if attr.sub_attr.is_some() {
            return Err(format!(
                "unexpected \"[\" at offset {offset}: a [filter] must follow a multi-valued \
                 attribute, not a sub-attribute"
            ));
        }
        self.advance();
        self.enter(offset)?;
        if self.peek() == &TokenKind::RBracket {
            return Err(format!(
                "empty value filter \"[]\" at offset {offset}: put a filter inside the brackets"
            ));
        }
        let filter = self.or_expr(true)?;
        let close = self.advance();
        if close.kind != TokenKind::RBracket {
            return Err(format!(
                "expected \"]\" at offset {} to close the \"[\" at offset {offset}, but found {}",
                close.offset,
                describe(&close.kind)
            ));
        }
        self.leave();
        Ok(filter)
    }

    /// An optional `.subAttr` right after a `]`; the lexer reads it as a word starting `.`.
    fn dotted_sub_attr(&mut self) -> Result<Option<String>, String> {
        let token = self.peek_token().clone();
        let TokenKind::Word(word) = &token.kind else {
            return Ok(None);
        };
        let Some(name) = word.strip_prefix('.') else {
            return Ok(None);
        };
        self.advance();
        check_name(name, token.offset + 1)?;
        Ok(Some(name.to_owned()))
    }

    /// `"pr"` or `compareOp compValue` after `path`.
    fn comparison(&mut self, path: AttrPath) -> Result<Filter, String> {
        let token = self.advance();
        let op = match &token.kind {
            TokenKind::Word(w) if w.eq_ignore_ascii_case("pr") => None,
            TokenKind::Word(w) => Some(compare_op(w).ok_or_else(|| expected_op(&path, &token))?),
            _ => return Err(expected_op(&path, &token)),
        };
        self.count_comparison()?;
        let Some(op) = op else {
            return Ok(Filter::Present(path));
        };
        let value = self.comp_value(&token)?;
        Ok(Filter::Compare { path, op, value })
    }

    /// `compValue := false / null / true / number / string`, after the operator `op_token`.
    /// A bare word that is none of these is taken as a string: Microsoft Entra sends
    /// `externalId eq jyoung` unquoted.
    fn comp_value(&mut self, op_token: &Token) -> Result<CompValue, String> {
        let token = self.advance();
        match token.kind {
            TokenKind::Str(text) => Ok(CompValue::String(text)),
            TokenKind::Word(word) => Ok(bare_value(word)),
            other => Err(format!(
                "expected a value after {} at offset {} but found {}",
                describe(&op_token.kind),
                token.offset,
                describe(&other)
            )),
        }
    }

    /// An attribute path word; `relative` (inside `[...]`) allows only a sub-attribute name.
    fn attr_path(&mut self, relative: bool) -> Result<AttrPath, String> {
        let token = self.advance();
        let TokenKind::Word(word) = &token.kind else {
            return Err(format!(
                "expected an attribute name at offset {} but found {}",
                token.offset,
                describe(&token.kind)
            ));
        };
        let path = split_attr_path(word, token.offset)?;
        if relative && (path.schema.is_some() || path.sub_attr.is_some()) {
            return Err(format!(
                "\"{}\" at offset {} is not a sub-attribute name: inside \"[...]\" name a \
                 sub-attribute of the multi-valued attribute, e.g. type or value",
                shorten(word),
                token.offset
            ));
        }
        Ok(path)
    }
}

fn expected_op(path: &AttrPath, found: &Token) -> String {
    format!(
        "expected a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le) or pr after \"{}\" \
         at offset {} but found {}",
        shorten(&path.to_string()),
        found.offset,
        describe(&found.kind)
    )
}

/// RFC 7644 §3.4.2.2 table 3, case-insensitively.
fn compare_op(word: &str) -> Option<CompareOp> {
    const OPS: [(&str, CompareOp); 9] = [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("co", CompareOp::Co),
        ("sw", CompareOp::Sw),
        ("ew", CompareOp::Ew),
        ("gt", CompareOp::Gt),
        ("ge", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ];
    OPS.iter()
        .find(|(name, _)| word.eq_ignore_ascii_case(name))
        .map(|(_, op)| *op)
}

/// Reads an unquoted value: `true`/`false`/`null` (any case), a JSON number, else a string.
fn bare_value(word: String) -> CompValue {
    if word.eq_ignore_ascii_case("true") {
        CompValue::Bool(true)
    } else if word.eq_ignore_ascii_case("false") {
        CompValue::Bool(false)
    } else if word.eq_ignore_ascii_case("null") {
        CompValue::Null
    } else if let Ok(number) = serde_json::from_str::<Number>(&word) {
        CompValue::Number(exact_float(&word).unwrap_or(number))
    } else {
        CompValue::String(word)
    }
}

/// serde_json (without its `float_roundtrip` feature) may round a decimal literal one ulp off;
/// the standard library's parser is exact, so a number renders and reparses to itself. The
/// grammar was already checked by serde_json; this only re-reads non-integers.
fn exact_float(word: &str) -> Option<Number> {
    if word.parse::<i64>().is_ok() || word.parse::<u64>().is_ok() {
        return None;
    }
    Number::from_f64(word.parse::<f64>().ok()?)
}
