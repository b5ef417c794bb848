//! The one SQL lexer wrapper. Every piece of user SQL text (member expressions, where clauses,
//! qualified names) is tokenized here with sqlparser's DuckDB tokenizer; nothing else in the
//! crate looks at raw SQL characters. Output SQL is assembled from quoted identifiers, quoted
//! literals and original token text.

pub mod dialect;
pub mod scope;

use std::ops::ControlFlow;

use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer, Whitespace};

use crate::error::{Error, Result};
use dialect::DuckDb;
pub use scope::Reference;

/// `"name"` with embedded quotes doubled.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// `'text'` with embedded quotes doubled.
pub fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A token with the exact source text it came from.
#[derive(Debug, Clone)]
pub struct Tok {
    pub token: Token,
    pub text: String,
    /// Byte offset of the token in the tokenized text.
    pub offset: usize,
}

impl Tok {
    pub fn is_trivia(&self) -> bool {
        matches!(self.token, Token::Whitespace(_))
    }
}

/// Maps sqlparser's 1-based (line, column-in-characters) locations to byte offsets.
pub struct LineIndex<'a> {
    sql: &'a str,
    line_starts: Vec<usize>,
    /// Per line: whether it is ASCII, so a column is a byte count (the common case, in O(1)).
    ascii_lines: Vec<bool>,
}

impl<'a> LineIndex<'a> {
    pub fn new(sql: &'a str) -> Self {
        let mut line_starts = vec![0usize];
        line_starts.extend(sql.bytes().enumerate().filter(|(_, b)| *b == b'\n').map(|(i, _)| i + 1));
        let ascii_lines = line_starts
            .iter()
            .enumerate()
            .map(|(i, &start)| sql.as_bytes()[start..line_starts.get(i + 1).copied().unwrap_or(sql.len())].is_ascii())
            .collect();
        LineIndex { sql, line_starts, ascii_lines }
    }

    pub fn offset(&self, line: u64, column: u64) -> usize {
        let line = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(line) else {
            return self.sql.len();
        };
        let column = (column as usize).saturating_sub(1);
        let line_end = self.line_starts.get(line + 1).copied().unwrap_or(self.sql.len());
        if self.ascii_lines[line] && start + column <= line_end {
            return start + column;
        }
        self.sql[start..].char_indices().nth(column).map(|(i, _)| start + i).unwrap_or(self.sql.len())
    }
}

/// Whether SQL text holds nothing but whitespace and comments.
pub fn is_blank(sql: &str) -> bool {
    tokenize(sql).is_ok_and(|toks| toks.iter().all(Tok::is_trivia))
}

/// The index of the `)` closing the `(` at `open` (tokens counted from it), if there is one.
pub fn closing_paren<T: std::borrow::Borrow<Tok>>(toks: &[T], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.borrow().token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Tokenizes `sql`, keeping each token's source text (escapes and quoting preserved).
pub fn tokenize(sql: &str) -> Result<Vec<Tok>> {
    lex_all(sql).map(|tokens| toks_of(sql, &tokens))
}

/// sqlparser's tokens of all of `sql`, or the lexical error.
fn lex_all(sql: &str) -> Result<Vec<TokenWithSpan>> {
    match lex(sql) {
        (tokens, None) => Ok(tokens),
        (_, Some(e)) => Err(Error::parser(format!("cannot tokenize {}: {}", quote_literal(sql), e.message))),
    }
}

/// Where and why tokenizing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    /// Byte offset in the tokenized text.
    pub offset: usize,
}

/// The tokens before the first lexical error, and that error if there is one.
pub fn tokenize_prefix(sql: &str) -> (Vec<Tok>, Option<LexError>) {
    let (tokens, error) = lex(sql);
    (toks_of(sql, &tokens), error)
}

/// sqlparser's tokens of `sql` before the first lexical error, and that error if there is one.
fn lex(sql: &str) -> (Vec<TokenWithSpan>, Option<LexError>) {
    let mut tokens = Vec::new();
    let result = Tokenizer::new(&DuckDb::default(), sql).tokenize_with_location_into_buf(&mut tokens);
    let error =
        result.err().map(|e| LexError { message: e.message, offset: LineIndex::new(sql).offset(e.location.line, e.location.column) });
    (tokens, error)
}

/// Our tokens (with their source text) of sqlparser's.
fn toks_of(sql: &str, tokens: &[TokenWithSpan]) -> Vec<Tok> {
    let lines = LineIndex::new(sql);
    let mut out = Vec::with_capacity(tokens.len());
    for t in tokens {
        if t.token == Token::EOF {
            continue;
        }
        let start = lines.offset(t.span.start.line, t.span.start.column);
        let end = lines.offset(t.span.end.line, t.span.end.column).max(start);
        out.push(Tok { text: sql[start..end].to_string(), token: t.token.clone(), offset: start });
    }
    out
}

/// Whether an expression may read a table. Only a subquery can, and a subquery that reads one
/// says `FROM` (`SELECT ... FROM t`, DuckDB's `FROM t SELECT ...`) or `TABLE t`. Cheaper than
/// parsing; text that does not tokenize may.
pub fn may_read_tables(sql: &str) -> bool {
    use sqlparser::keywords::Keyword;
    let Ok(tokens) = Tokenizer::new(&DuckDb::default(), sql).tokenize() else { return true };
    tokens.iter().any(|t| matches!(t, Token::Word(w) if w.quote_style.is_none() && matches!(w.keyword, Keyword::FROM | Keyword::TABLE)))
}

/// One identifier of a (possibly qualified) name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub value: String,
    pub quoted: bool,
}

impl Ident {
    /// Case-insensitive comparison, as DuckDB compares identifiers.
    pub fn is(&self, name: &str) -> bool {
        self.value.eq_ignore_ascii_case(name) || self.value.to_lowercase() == name.to_lowercase()
    }
}

/// ASCII letters, digits and underscores, not starting with a digit: one unquoted word token.
fn is_plain_word(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphabetic() || b == b'_') && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// Parses `a`, `a.b`, `"A b".c` into identifiers. Whitespace around the dots is allowed.
pub fn parse_qualified_name(text: &str) -> Result<Vec<Ident>> {
    if is_plain_word(text) {
        // What the tokenizer reads such a name as, without tokenizing (names resolve per query).
        return Ok(vec![Ident { value: text.to_string(), quoted: false }]);
    }
    let toks: Vec<Tok> = tokenize(text)?.into_iter().filter(|t| !t.is_trivia()).collect();
    let bad = || Error::parser(format!("invalid name {}: expected identifiers separated by '.'", quote_literal(text)));
    let mut parts = Vec::new();
    let mut expect_ident = true;
    for t in &toks {
        match (&t.token, expect_ident) {
            (Token::Word(w), true) => {
                parts.push(Ident { value: w.value.clone(), quoted: w.quote_style.is_some() });
                expect_ident = false;
            }
            (Token::Period, false) => expect_ident = true,
            _ => return Err(bad()),
        }
    }
    if parts.is_empty() || expect_ident || parts.iter().any(|p| p.value.is_empty()) {
        return Err(bad());
    }
    Ok(parts)
}

/// A piece of a scanned expression: untouched source text, or a name that refers outside the
/// expression (`x`, `t.x`, `"T"."x"`) to a column or member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Name {
        parts: Vec<Ident>,
        text: String,
        hidden_by: Vec<String>,
    },
    /// A table read by a subquery (not a CTE), as written.
    Table {
        parts: Vec<Ident>,
        text: String,
    },
}

/// Splits an SQL expression into text and the names that refer outside it, found by SQL's
/// scoping rules on the parsed expression (see `scope`). `columns` gives the columns of tables
/// that subqueries read. Comments and whitespace become one space so no comment can swallow
/// generated SQL.
pub fn scan_expression(sql: &str, columns: scope::Columns) -> Result<Vec<Piece>> {
    let tokens = lex_all(sql)?;
    let toks = toks_of(sql, &tokens);
    if is_star(&toks) {
        // DuckDB would expand it to every column (or, in a list, to none).
        return Err(Error::parser(format!("{} is a star, not one expression: name the column", quote_literal(sql.trim()))));
    }
    // The parser reads the same tokens: each expression is tokenized once.
    let (references, tables) = match scope::analyze_tokens(sql, tokens, columns) {
        Ok(analysis) => (analysis.references, analysis.tables),
        // What sqlparser cannot read is taken token by token, if it is one expression.
        Err(e) => {
            check_single_expression(sql, "the expression")?;
            let references = single_scope_references(&toks)
                .ok_or_else(|| Error::parser(format!("cannot parse {}: {}", quote_literal(sql), e.message)))?;
            (references, Vec::new())
        }
    };
    let mut spans: Vec<(usize, usize, Piece)> = references
        .into_iter()
        .map(|r| {
            let text = sql[r.start..r.end].to_string();
            (r.start, r.end, Piece::Name { parts: r.parts, text, hidden_by: r.hidden_by })
        })
        .chain(tables.into_iter().map(|t| (t.start, t.end, Piece::Table { parts: t.parts, text: sql[t.start..t.end].to_string() })))
        .collect();
    spans.sort_by_key(|s| s.0);
    let mut pieces: Vec<Piece> = Vec::new();
    let push_text = |pieces: &mut Vec<Piece>, s: &str| match pieces.last_mut() {
        Some(Piece::Text(t)) => t.push_str(s),
        _ => pieces.push(Piece::Text(s.to_string())),
    };
    let mut next = spans.into_iter().peekable();
    let mut skip_until = 0;
    for t in &toks {
        if t.offset < skip_until {
            continue;
        }
        if let Some((_, end, piece)) = next.next_if(|s| s.0 <= t.offset) {
            pieces.push(piece);
            skip_until = end;
        } else if t.is_trivia() {
            if !matches!(pieces.last(), Some(Piece::Text(x)) if x.ends_with(' ')) {
                push_text(&mut pieces, " ");
            }
        } else {
            push_text(&mut pieces, &t.text);
        }
    }
    Ok(pieces)
}

/// Words that are never column references when unquoted (DuckDB's reserved keywords).
#[rustfmt::skip]
pub(crate) const RESERVED: &[&str] = &[
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast",
    "check", "collate", "column", "constraint", "create", "default", "deferrable", "desc", "distinct", "do",
    "else", "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in",
    "initially", "intersect", "into", "lateral", "leading", "limit", "not", "null", "offset", "on", "only",
    "or", "order", "placing", "primary", "references", "returning", "select", "some", "symmetric", "table",
    "then", "to", "trailing", "true", "union", "unique", "using", "variadic", "when", "where", "window", "with",
    // Not reserved in DuckDB, but operators and clause words inside expressions.
    "interval", "is", "isnull", "notnull", "like", "ilike", "similar", "between", "glob", "escape", "over",
    "filter", "exists",
];

/// For the DuckDB syntax sqlparser cannot parse (e.g. `sum(x) FILTER (x > 0)`): when the
/// expression has no subquery and no lambda it has a single scope, and its references can be
/// read off the tokens. A name is a reference unless its position shows it is something else:
/// a function name, a type after `::` or `AS`, a typed literal's type (`DATE '...'`), a named
/// argument, a field after `.`, a unit after a number or string, an `EXTRACT(part FROM ...)`
/// part, or an unquoted reserved word. None when the expression has more than one scope.
fn single_scope_references(toks: &[Tok]) -> Option<Vec<Reference>> {
    let sig: Vec<&Tok> = toks.iter().filter(|t| !t.is_trivia()).collect();
    let word = |t: &Tok, w: &str| matches!(&t.token, Token::Word(x) if x.quote_style.is_none() && x.value.eq_ignore_ascii_case(w));
    for (k, t) in sig.iter().enumerate() {
        let opens_query = t.token == Token::LParen && sig.get(k + 1).is_some_and(|n| word(n, "from") || word(n, "with"));
        if word(t, "select") || word(t, "lambda") || opens_query || matches!(t.token, Token::Arrow | Token::RArrow) {
            return None;
        }
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < sig.len() {
        let Token::Word(first) = &sig[k].token else {
            k += 1;
            continue;
        };
        // A dotted chain w (. w)* written without spaces.
        let mut parts = vec![Ident { value: first.value.clone(), quoted: first.quote_style.is_some() }];
        let mut end_k = k;
        while end_k + 2 < sig.len()
            && sig[end_k + 1].token == Token::Period
            && sig[end_k + 1].offset == sig[end_k].offset + sig[end_k].text.len()
            && sig[end_k + 2].offset == sig[end_k + 1].offset + 1
        {
            let Token::Word(w) = &sig[end_k + 2].token else { break };
            parts.push(Ident { value: w.value.clone(), quoted: w.quote_style.is_some() });
            end_k += 2;
        }
        let prev = k.checked_sub(1).map(|p| &sig[p].token);
        let next = sig.get(end_k + 1).map(|t| &t.token);
        let reserved = parts.len() == 1 && first.quote_style.is_none() && RESERVED.contains(&first.value.to_lowercase().as_str());
        let not_a_reference = reserved
            || matches!(next, Some(Token::LParen | Token::Assignment | Token::SingleQuotedString(_)))
            || sig.get(end_k + 1).is_some_and(|n| word(n, "from"))
            || matches!(prev, Some(Token::DoubleColon | Token::Period | Token::Number(..) | Token::SingleQuotedString(_)))
            || k.checked_sub(1).is_some_and(|p| word(sig[p], "as"));
        if !not_a_reference {
            let end = sig[end_k].offset + sig[end_k].text.len();
            out.push(Reference { parts, start: sig[k].offset, end, hidden_by: Vec::new() });
        }
        k = end_k + 1;
    }
    Some(out)
}

/// Makes sqlparser print `node` as DuckDB must read it. sqlparser's printer takes a quote that
/// is doubled or follows a backslash in a name or string for one already escaped, and prints
/// `a""b` as `"a""b"` (which reads back as `a"b`); such names and strings are printed here.
pub fn display_safe<T: sqlparser::ast::VisitMut>(node: &mut T) {
    struct Safe;
    impl sqlparser::ast::VisitorMut for Safe {
        type Break = ();
        fn pre_visit_ident(&mut self, ident: &mut sqlparser::ast::Ident) -> ControlFlow<()> {
            if ident.quote_style == Some('"') && misprinted(&ident.value, '"') {
                ident.value = quote_ident(&ident.value);
                ident.quote_style = None;
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_value(&mut self, value: &mut sqlparser::ast::ValueWithSpan) -> ControlFlow<()> {
            if let sqlparser::ast::Value::SingleQuotedString(text) = &value.value {
                if misprinted(text, '\'') {
                    value.value = sqlparser::ast::Value::Placeholder(quote_literal(text));
                }
            }
            ControlFlow::Continue(())
        }
    }
    fn misprinted(text: &str, quote: char) -> bool {
        text.contains(&format!("{quote}{quote}")) || text.contains(&format!("\\{quote}"))
    }
    let _ = node.visit(&mut Safe);
}

/// Whether `sql` may hold the word `word` (ASCII, any case): a cheap test that lets callers skip
/// tokenizing text that cannot contain a keyword. False only when the word is surely absent.
pub fn may_contain_word(sql: &str, word: &str) -> bool {
    sql.as_bytes().windows(word.len()).any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// `*` or `alias.*` alone.
fn is_star(toks: &[Tok]) -> bool {
    let sig: Vec<&Token> = toks.iter().map(|t| &t.token).filter(|t| !matches!(t, Token::Whitespace(_))).collect();
    match sig.as_slice() {
        [Token::Mul] => true,
        [.., Token::Period, Token::Mul] => {
            sig[..sig.len() - 2].iter().enumerate().all(
                |(i, t)| {
                    if i % 2 == 0 {
                        matches!(t, Token::Word(_))
                    } else {
                        matches!(t, Token::Period)
                    }
                },
            )
        }
        _ => false,
    }
}

/// Checks that `sql` is one self-contained expression fragment: no statement terminator and
/// balanced parentheses/brackets, so that it cannot close the surrounding query or open another.
pub fn check_single_expression(sql: &str, what: &str) -> Result<()> {
    let toks = tokenize(sql)?;
    let mut depth: i64 = 0;
    let mut significant = 0;
    for t in &toks {
        match t.token {
            Token::Whitespace(Whitespace::Space | Whitespace::Newline | Whitespace::Tab) => continue,
            Token::Whitespace(_) => continue,
            Token::SemiColon => {
                return Err(Error::parser(format!("{what} must be a single expression, found ';'")));
            }
            Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
            Token::RParen | Token::RBracket | Token::RBrace => {
                depth -= 1;
                if depth < 0 {
                    return Err(Error::parser(format!("{what} has an unmatched '{}'", t.text)));
                }
            }
            _ => {}
        }
        significant += 1;
    }
    if depth != 0 {
        return Err(Error::parser(format!("{what} has an unclosed parenthesis")));
    }
    if significant == 0 {
        return Err(Error::parser(format!("{what} is empty")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_star_is_not_an_expression() {
        for sql in ["*", " t.* ", r#""s"."t".*"#] {
            let e = scan_expression(sql, &|_: &[Ident]| None).unwrap_err();
            assert!(e.message.contains("is a star, not one expression"), "{sql}: {}", e.message);
        }
        for sql in ["a * b", "count(*)", "COLUMNS(*)", "2 * 3"] {
            assert!(!is_star(&tokenize(sql).unwrap()), "{sql}");
        }
    }

    #[test]
    fn names_and_strings_with_doubled_quotes_print_as_duckdb_reads_them() {
        let sql = r#"SELECT "a""""b", "c\""d", 'it''''s', 'x\''y', "plain", 'O''Brien'"#;
        let mut statement = sqlparser::parser::Parser::parse_sql(&DuckDb::default(), sql).unwrap().remove(0);
        display_safe(&mut statement);
        assert_eq!(statement.to_string(), sql);
    }

    #[test]
    fn line_index_counts_columns_in_characters() {
        let sql = "SELECT 'ä' AS x,\n  b\r\nFROM t\n";
        let lines = LineIndex::new(sql);
        for (line, text) in sql.split('\n').enumerate() {
            let start = sql.len() - sql[sql.find(text).unwrap()..].len();
            for (column, (i, _)) in text.char_indices().enumerate() {
                assert_eq!(lines.offset(line as u64 + 1, column as u64 + 1), start + i, "{line}:{column}");
            }
        }
        assert_eq!(lines.offset(9, 1), sql.len());
        assert_eq!(lines.offset(2, 99), sql.len());
    }

    fn names(sql: &str) -> Vec<String> {
        scan_expression(sql, &|_| None)
            .unwrap()
            .into_iter()
            .filter_map(|p| match p {
                Piece::Name { text, .. } => Some(text),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn scanned_expressions_are_single_expressions() {
        for (sql, why) in [("a = 1; DROP TABLE t", "found ';'"), ("a) OR (1=1", "unmatched ')'"), ("(a", "unclosed")] {
            let err = scan_expression(sql, &|_| None).unwrap_err();
            assert!(err.message.contains(why), "{sql}: {}", err.message);
        }
        assert!(may_contain_word("x Over (y)", "over") && !may_contain_word("overall", "overs"));
        assert!(!may_contain_word("sum(v) + 1", "over"));
    }

    fn roundtrip(sql: &str) -> String {
        scan_expression(sql, &|_| None)
            .unwrap()
            .into_iter()
            .map(|p| match p {
                Piece::Text(t) => t,
                Piece::Name { text, .. } | Piece::Table { text, .. } => text,
            })
            .collect()
    }

    #[test]
    fn blank_text() {
        assert!(is_blank(""));
        assert!(is_blank("  \n -- nothing\n /* at all */ "));
        assert!(!is_blank("x"));
        assert!(!is_blank("'unterminated"));
    }

    #[test]
    fn duckdb_literals_are_single_tokens() {
        // E'' strings with backslash escapes: the escaped quote does not end the literal.
        assert_eq!(names(r"v = E'it\'s' AND w = 1"), vec!["v".to_string(), "w".to_string()]);
        assert_eq!(roundtrip(r"count_if(v = E'it\'s')"), r"count_if(v = E'it\'s')");
        // `//` stays DuckDB's integer division (one operator token).
        let toks = tokenize("a // b").unwrap();
        assert!(toks.iter().any(|t| t.token == Token::DuckIntDiv), "{toks:?}");
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_literal("it's"), "'it''s'");
    }

    #[test]
    fn finds_references_not_functions_or_types() {
        assert_eq!(names("sum(o.amount) FILTER (WHERE status = 'x')"), vec!["o.amount", "status"]);
        assert_eq!(names("x::DATE + CAST(y AS integer)"), vec!["x", "y"]);
        assert_eq!(names("date_trunc('month', o.\"Ordered At\")"), vec!["o.\"Ordered At\""]);
        assert_eq!(names("extract(year FROM d) + INTERVAL 1 day"), vec!["d"]);
        assert_eq!(names("list_transform(l, x -> x + 1)"), vec!["l"]);
        assert_eq!(names("CASE WHEN a IS NULL THEN 0 ELSE b END"), vec!["a", "b"]);
    }

    #[test]
    fn strings_and_comments_are_not_scanned() {
        assert_eq!(names("'a.b' || $$c.d$$ || e"), vec!["e"]);
        assert_eq!(roundtrip("a -- comment\n+ b"), "a + b");
        assert_eq!(roundtrip("'it''s' || x"), "'it''s' || x");
        assert_eq!(roundtrip("a/*x*/+b"), "a +b");
    }

    #[test]
    fn qualified_names() {
        let p = parse_qualified_name("db . \"My Schema\".v").unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!(p[1].value, "My Schema");
        assert!(p[1].quoted);
        assert!(parse_qualified_name("a..b").is_err());
        assert!(parse_qualified_name("a; drop").is_err());
        assert!(parse_qualified_name("").is_err());
    }

    #[test]
    fn single_expression_rejects_injection() {
        assert!(check_single_expression("a = 1", "where_clause").is_ok());
        assert!(check_single_expression("a = 1; DROP TABLE t", "w").is_err());
        assert!(check_single_expression("a = 1) OR (1=1", "w").is_err());
        assert!(check_single_expression("(a = 1", "w").is_err());
        assert!(check_single_expression("  ", "w").is_err());
        assert!(check_single_expression("a = ';'", "w").is_ok());
    }

    #[test]
    fn tables_are_read_only_after_from_or_table() {
        assert!(!may_read_tables("upper(c0) || 'from'"));
        assert!(!may_read_tables("\"from\" + 1"));
        assert!(!may_read_tables("(SELECT 1)"));
        // Conservative: EXTRACT's FROM is not a subquery's, and only costs a parse.
        assert!(may_read_tables("extract(year from d)"));
        assert!(may_read_tables("(SELECT max(x) FROM t)"));
        assert!(may_read_tables("(FROM t SELECT max(x))"));
        assert!(may_read_tables("x IN (TABLE t)"));
        assert!(may_read_tables("'unterminated"));
    }

    #[test]
    fn plain_words_read_as_the_tokenizer_reads_them() {
        let tokenized = |text: &str| -> Vec<Ident> {
            tokenize(text)
                .unwrap()
                .into_iter()
                .filter_map(|t| match t.token {
                    Token::Word(w) => Some(Ident { value: w.value, quoted: w.quote_style.is_some() }),
                    _ => None,
                })
                .collect()
        };
        for name in ["sales", "Sales_2", "_x", "select", "from", "x1"] {
            assert!(is_plain_word(name), "{name}");
            assert_eq!(parse_qualified_name(name).unwrap(), tokenized(name), "{name}");
        }
        for name in ["1x", "a.b", "\"A\"", "a b", "", "é", "a-b", "a$"] {
            assert!(!is_plain_word(name), "{name}");
        }
    }
}
