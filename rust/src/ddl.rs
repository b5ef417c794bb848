//! Snowflake-compatible SQL for semantic views: `CREATE / DROP / ALTER / SHOW / DESCRIBE
//! SEMANTIC VIEW` and the `SEMANTIC_VIEW(...)` query clause, parsed from tokens into the same
//! `model::Definition` the JSON path produces; and `GET_DDL` rendering back to DDL.
//!
//! Statements DuckDB cannot parse are offered here (DuckDB's parser-extension fallback).
//! Anything else is `Parsed::NotOurs`, so ordinary SQL is untouched.

use sqlparser::tokenizer::Token;

use crate::error::did_you_mean;
use crate::model::{Clause, Definition, DistinctRange, MemberDef, NonAdditiveDim, RangeRef, RelationshipDef, TableDef};
use crate::sql::{quote_ident, quote_literal, tokenize_prefix, Tok};

/// A statement of ours, ready for the glue to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Define {
        name: String,
        definition: Definition,
        replace: bool,
        if_not_exists: bool,
    },
    Drop {
        name: String,
        if_exists: bool,
    },
    Rename {
        name: String,
        if_exists: bool,
        new_name: String,
    },
    SetComment {
        name: String,
        if_exists: bool,
        comment: Option<String>,
    },
    /// A statement rewritten into plain DuckDB SQL (query clause, SHOW, DESCRIBE).
    Query {
        sql: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    NotOurs,
    Ours(Command),
}

/// A syntax error at a byte offset of the statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub position: usize,
}

type PResult<T> = Result<T, SyntaxError>;

const CLAUSES: &[&str] = &["TABLES", "RELATIONSHIPS", "FACTS", "DIMENSIONS", "METRICS", "COMMENT"];

/// An output column of a SEMANTIC_VIEW clause: its name (empty for `alias.*`) and its alias.
type ClauseColumn = (String, Option<String>);

const QUERY_CLAUSES: &[&str] = &["DIMENSIONS", "METRICS", "FACTS", "WHERE"];

/// Which of our statements the leading tokens start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Create,
    Drop,
    Alter,
    CommentOn,
    Show,
    Describe,
    QueryClause,
}

/// Snowflake's clauses after METRICS that we keep but that have no effect here.
const KEPT_CLAUSES: &[&str] = &["MAX_STALENESS", "AI_SQL_GENERATION", "AI_QUESTION_CATEGORIZATION", "AI_VERIFIED_QUERIES", "TAG", "COPY"];

fn statement_kind(p: &P) -> Option<Kind> {
    let words: Vec<String> = (0..4).map(|i| p.word_at(i).unwrap_or_default()).collect();
    let w = |i: usize| words[i].as_str();
    if w(0) == "CREATE" && (w(1) == "SEMANTIC" || (w(1) == "OR" && (w(2) == "REPLACE" || w(2) == "ALTER") && w(3) == "SEMANTIC")) {
        Some(Kind::Create)
    } else if w(0) == "COMMENT" && w(1) == "ON" && w(2) == "SEMANTIC" {
        Some(Kind::CommentOn)
    } else if w(0) == "DROP" && w(1) == "SEMANTIC" {
        Some(Kind::Drop)
    } else if w(0) == "ALTER" && w(1) == "SEMANTIC" {
        Some(Kind::Alter)
    } else if let Some(kind) = p.catalog_command_at(0) {
        Some(kind)
    } else if p.toks.iter().any(|t| is_word(t, "SEMANTIC_VIEW")) || p.nested_catalog_command() {
        Some(Kind::QueryClause)
    } else {
        None
    }
}

/// `CRETAE SEMANTIC VIEW`, `CREATE SEMANTC VIEW`: a statement meant to be ours with one
/// misspelled leading keyword (DuckDB would only say "syntax error at or near").
fn misspelled_statement(p: &P) -> Option<SyntaxError> {
    const VERBS: &[&str] = &["CREATE", "DROP", "ALTER", "SHOW", "DESCRIBE"];
    let word = |i: usize| p.word_at(i).unwrap_or_default();
    let at = |i: usize| p.toks.get(i).map(|t| t.offset).unwrap_or(0);
    let suggest = |i: usize, found: &str, right: &str| SyntaxError {
        message: format!("found '{}'; did you mean {right}?", p.toks.get(i).map_or(found, |t| t.text.as_str())),
        position: at(i),
    };
    let (verb, semantic, view) = (word(0), word(1), word(2));
    if semantic == "SEMANTIC" && view == "VIEW" && !VERBS.contains(&verb.as_str()) {
        return did_you_mean(&verb, VERBS.iter().copied()).map(|right| suggest(0, &verb, right));
    }
    let near_semantic = semantic != "SEMANTIC" && strsim::jaro_winkler(&semantic, "SEMANTIC") >= 0.85;
    if VERBS.contains(&verb.as_str()) && near_semantic && (view == "VIEW" || view == "VIEWS") {
        return Some(suggest(1, &semantic, "SEMANTIC"));
    }
    None
}

pub fn parse_statement(text: &str) -> PResult<Parsed> {
    let (toks, lex_error) = tokenize_prefix(text);
    let sig: Vec<Tok> = toks.into_iter().filter(|t| !t.is_trivia()).collect();
    let mut p = P { text, toks: sig, pos: 0 };
    let Some(kind) = statement_kind(&p) else {
        return match misspelled_statement(&p) {
            Some(e) => Err(e),
            None => Ok(Parsed::NotOurs),
        };
    };
    if let Some(e) = lex_error {
        // Ours, but not lexable: say why here rather than leave DuckDB's generic syntax error.
        return Err(SyntaxError { message: format!("cannot read the statement: {}", e.message), position: e.offset });
    }
    let command = match kind {
        Kind::Create => p.create()?,
        Kind::Drop => p.drop()?,
        Kind::Alter => p.alter()?,
        Kind::CommentOn => p.comment_on()?,
        Kind::Show => p.show()?,
        Kind::Describe => p.describe()?,
        Kind::QueryClause => match p.query_clause()? {
            Some(sql) => Command::Query { sql },
            None => return Ok(Parsed::NotOurs),
        },
    };
    Ok(Parsed::Ours(command))
}

fn is_word(t: &Tok, kw: &str) -> bool {
    matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

struct P<'a> {
    text: &'a str,
    toks: Vec<Tok>,
    pos: usize,
}

impl<'a> P<'a> {
    /// SHOW SEMANTIC ..., SHOW COLUMNS IN SEMANTIC VIEW, DESCRIBE SEMANTIC VIEW at token `i`
    /// (an absolute index).
    fn catalog_command_at(&self, i: usize) -> Option<Kind> {
        let w = |k: usize| match self.toks.get(i + k).map(|t| &t.token) {
            Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_uppercase(),
            _ => String::new(),
        };
        if w(0) == "SHOW"
            && (w(1) == "SEMANTIC" || (w(1) == "TERSE" && w(2) == "SEMANTIC") || (w(1) == "COLUMNS" && w(2) == "IN" && w(3) == "SEMANTIC"))
        {
            Some(Kind::Show)
        } else if (w(0) == "DESCRIBE" || w(0) == "DESC") && w(1) == "SEMANTIC" {
            Some(Kind::Describe)
        } else {
            None
        }
    }

    /// `(SHOW SEMANTIC ...)` or `(DESCRIBE SEMANTIC VIEW ...)` inside a statement, as DuckDB
    /// allows `FROM (SHOW tables)`.
    fn nested_catalog_command(&self) -> bool {
        (0..self.toks.len()).any(|i| self.toks[i].token == Token::LParen && self.catalog_command_at(i + 1).is_some())
    }

    /// The index of the `)` closing the `(` at `open`.
    fn closing_paren(&self, open: usize) -> PResult<usize> {
        crate::sql::closing_paren(&self.toks, open)
            .ok_or_else(|| SyntaxError { message: "missing ')'".into(), position: self.toks[open].offset })
    }

    fn word_at(&self, i: usize) -> Option<String> {
        match &self.toks.get(self.pos + i)?.token {
            Token::Word(w) if w.quote_style.is_none() => Some(w.value.to_uppercase()),
            _ => None,
        }
    }
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn offset(&self) -> usize {
        self.peek().map(|t| t.offset).unwrap_or(self.text.len())
    }
    fn err<T>(&self, message: impl Into<String>) -> PResult<T> {
        Err(SyntaxError { message: message.into(), position: self.offset() })
    }
    fn found(&self) -> String {
        match self.peek() {
            Some(t) => format!("'{}'", t.text),
            None => "end of statement".to_string(),
        }
    }
    fn at_kw(&self, kw: &str) -> bool {
        self.peek().is_some_and(|t| is_word(t, kw))
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.at_kw(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect_kw(&mut self, kw: &str) -> PResult<()> {
        if self.eat_kw(kw) {
            Ok(())
        } else {
            self.err(format!("expected {kw}, found {}", self.found()))
        }
    }
    fn at(&self, token: &Token) -> bool {
        self.peek().is_some_and(|t| &t.token == token)
    }
    fn eat(&mut self, token: &Token) -> bool {
        if self.at(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, token: &Token, what: &str) -> PResult<()> {
        if self.eat(token) {
            Ok(())
        } else {
            self.err(format!("expected {what}, found {}", self.found()))
        }
    }
    fn ident(&mut self, what: &str) -> PResult<String> {
        match self.peek().map(|t| t.token.clone()) {
            Some(Token::Word(w)) => {
                self.pos += 1;
                Ok(w.value)
            }
            _ => self.err(format!("expected {what}, found {}", self.found())),
        }
    }
    /// `a`, `a.b`, `a.b.c` as SQL text with each part quoted when needed.
    fn qualified(&mut self, what: &str) -> PResult<Vec<String>> {
        let mut parts = vec![self.ident(what)?];
        while self.eat(&Token::Period) {
            parts.push(self.ident(what)?);
        }
        Ok(parts)
    }
    fn string(&mut self, what: &str) -> PResult<String> {
        match self.peek().map(|t| t.token.clone()) {
            Some(Token::SingleQuotedString(s)) => {
                self.pos += 1;
                Ok(s)
            }
            _ => self.err(format!("expected {what} (a quoted string), found {}", self.found())),
        }
    }
    fn end(&mut self) -> PResult<()> {
        self.eat(&Token::SemiColon);
        if self.peek().is_some() {
            return self.err(format!("unexpected {} after the end of the statement", self.found()));
        }
        Ok(())
    }
    fn ident_list(&mut self, what: &str) -> PResult<Vec<String>> {
        self.expect(&Token::LParen, "'('")?;
        let mut out = vec![self.ident(what)?];
        while self.eat(&Token::Comma) {
            out.push(self.ident(what)?);
        }
        self.expect(&Token::RParen, "')'")?;
        Ok(out)
    }
    fn comment(&mut self) -> PResult<String> {
        self.expect_kw("COMMENT")?;
        self.expect(&Token::Eq, "'='")?;
        self.string("comment")
    }
    fn synonyms(&mut self) -> PResult<Vec<String>> {
        self.expect_kw("WITH")?;
        self.expect_kw("SYNONYMS")?;
        self.eat(&Token::Eq);
        self.expect(&Token::LParen, "'('")?;
        let mut out = vec![self.string("synonym")?];
        while self.eat(&Token::Comma) {
            out.push(self.string("synonym")?);
        }
        self.expect(&Token::RParen, "')'")?;
        Ok(out)
    }
    fn if_exists(&mut self) -> PResult<bool> {
        if self.eat_kw("IF") {
            self.expect_kw("EXISTS")?;
            return Ok(true);
        }
        Ok(false)
    }
    fn view_name(&mut self) -> PResult<String> {
        Ok(join_name(&self.qualified("semantic view name")?))
    }

    fn create(&mut self) -> PResult<Command> {
        self.expect_kw("CREATE")?;
        // CREATE OR ALTER keeps grants in Snowflake; with none here it is CREATE OR REPLACE.
        let replace = if self.eat_kw("OR") {
            if !self.eat_kw("ALTER") {
                self.expect_kw("REPLACE")?;
            }
            true
        } else {
            false
        };
        self.expect_kw("SEMANTIC")?;
        self.expect_kw("VIEW")?;
        let if_not_exists = if self.eat_kw("IF") {
            self.expect_kw("NOT")?;
            self.expect_kw("EXISTS")?;
            true
        } else {
            false
        };
        if replace && if_not_exists {
            return self.err("OR REPLACE and IF NOT EXISTS cannot be combined");
        }
        let name = self.view_name()?;
        let mut def = Definition::default();
        if self.at_kw("COMMENT") {
            def.comment = Some(self.comment()?);
        }
        self.eat_kw("AS");
        let mut seen = 0usize; // index into CLAUSES: clause order is fixed
        while let Some(tok) = self.peek() {
            if matches!(tok.token, Token::SemiColon) {
                break;
            }
            let word = self.word_at(0).unwrap_or_default();
            let next = self.word_at(1).unwrap_or_default();
            if KEPT_CLAUSES.contains(&word.as_str()) || (word == "WITH" && (next == "TAG" || next == "EXTENSION")) {
                let clause = self.kept_clause()?;
                if def.clauses.iter().any(|c| c.keyword == clause.keyword) {
                    return self.err(format!("{} is given twice", clause.keyword));
                }
                def.clauses.push(clause);
                continue;
            }
            let Some(index) = CLAUSES.iter().position(|c| *c == word) else {
                let hint = did_you_mean(&word, CLAUSES.iter().chain(KEPT_CLAUSES).copied())
                    .map(|c| format!("; did you mean {c}?"))
                    .unwrap_or_default();
                return self.err(format!(
                    "expected one of TABLES, RELATIONSHIPS, FACTS, DIMENSIONS, METRICS, COMMENT, found {}{hint}",
                    self.found()
                ));
            };
            if index < seen {
                return self.err(format!(
                    "{word} is out of place: clauses come in the order TABLES, RELATIONSHIPS, FACTS, DIMENSIONS, METRICS, COMMENT"
                ));
            }
            seen = index + 1;
            match word.as_str() {
                "TABLES" => {
                    self.pos += 1;
                    def.tables = self.list(|p| p.table())?;
                }
                "RELATIONSHIPS" => {
                    self.pos += 1;
                    def.relationships = self.list(|p| p.relationship())?;
                }
                "FACTS" | "DIMENSIONS" | "METRICS" => {
                    self.pos += 1;
                    let derived_ok = word == "METRICS";
                    let members = self.list(|p| p.member(derived_ok))?;
                    match word.as_str() {
                        "FACTS" => def.facts = members,
                        "DIMENSIONS" => def.dimensions = members,
                        _ => def.metrics = members,
                    }
                }
                _ => self.once(&mut def.comment, "the view's COMMENT", |p| p.comment())?,
            }
        }
        if def.tables.is_empty() {
            return self.err("expected TABLES (...)");
        }
        self.end()?;
        Ok(Command::Define { name, definition: def, replace, if_not_exists })
    }

    /// Parses an annotation that may be given at most once (a second one is an error, as a
    /// repeated clause is, rather than silently winning).
    fn once<T>(&mut self, slot: &mut Option<T>, what: &str, parse: impl FnOnce(&mut Self) -> PResult<T>) -> PResult<()> {
        if slot.is_some() {
            return self.err(format!("{what} is given twice"));
        }
        *slot = Some(parse(self)?);
        Ok(())
    }

    fn once_list<T>(&mut self, slot: &mut Vec<T>, what: &str, parse: impl FnOnce(&mut Self) -> PResult<Vec<T>>) -> PResult<()> {
        if !slot.is_empty() {
            return self.err(format!("{what} is given twice"));
        }
        *slot = parse(self)?;
        Ok(())
    }

    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> PResult<T>) -> PResult<Vec<T>> {
        self.expect(&Token::LParen, "'('")?;
        let mut out = vec![item(self)?];
        while self.eat(&Token::Comma) {
            out.push(item(self)?);
        }
        self.expect(&Token::RParen, "',' or ')'")?;
        Ok(out)
    }

    fn table(&mut self) -> PResult<TableDef> {
        let first = self.qualified("table alias or name")?;
        let (alias, table) = if self.eat_kw("AS") {
            if first.len() != 1 {
                return self.err("a table alias is a single identifier");
            }
            (first[0].clone(), self.qualified("table name")?)
        } else {
            (first.last().cloned().unwrap_or_default(), first)
        };
        let mut t = TableDef {
            alias,
            table: join_name(&table),
            primary_key: vec![],
            unique: vec![],
            distinct_range: None,
            comment: None,
            synonyms: vec![],
        };
        loop {
            if self.eat_kw("PRIMARY") {
                self.expect_kw("KEY")?;
                t.primary_key = self.ident_list("column")?;
            } else if self.eat_kw("UNIQUE") {
                t.unique.push(self.ident_list("column")?);
            } else if self.at_kw("CONSTRAINT") {
                let what = format!("table '{}': CONSTRAINT ... DISTINCT RANGE", t.alias);
                self.once(&mut t.distinct_range, &what, |p| p.distinct_range())?;
            } else if self.at_kw("WITH") {
                let what = format!("table '{}': WITH SYNONYMS", t.alias);
                self.once_list(&mut t.synonyms, &what, |p| p.synonyms())?;
            } else if self.at_kw("COMMENT") {
                let what = format!("table '{}': COMMENT", t.alias);
                self.once(&mut t.comment, &what, |p| p.comment())?;
            } else {
                return Ok(t);
            }
        }
    }

    fn relationship(&mut self) -> PResult<RelationshipDef> {
        let first = self.ident("relationship name or table alias")?;
        let (name, from) = if self.eat_kw("AS") { (Some(first), self.ident("table alias")?) } else { (None, first) };
        let from_columns = self.ident_list("column")?;
        self.expect_kw("REFERENCES")?;
        let to = self.ident("table alias")?;
        let mut to_columns = vec![];
        let mut asof = None;
        if self.eat(&Token::LParen) {
            if self.at_kw("BETWEEN") {
                let between = Some(self.range_bounds()?);
                self.expect(&Token::RParen, "')'")?;
                return Ok(RelationshipDef { name, from, from_columns, to, to_columns, asof, between });
            }
            loop {
                if self.eat_kw("ASOF") {
                    if asof.is_some() {
                        return self.err("a relationship has at most one ASOF column");
                    }
                    asof = Some(self.ident("column")?);
                    to_columns.push(asof.clone().unwrap_or_default());
                } else {
                    to_columns.push(self.ident("column")?);
                }
                if !self.eat(&Token::Comma) {
                    break;
                }
            }
            self.expect(&Token::RParen, "')'")?;
        }
        Ok(RelationshipDef { name, from, from_columns, to, to_columns, asof, between: None })
    }

    /// `CONSTRAINT [name] DISTINCT RANGE BETWEEN start AND end EXCLUSIVE` on a table.
    fn distinct_range(&mut self) -> PResult<DistinctRange> {
        self.expect_kw("CONSTRAINT")?;
        let name = if self.at_kw("DISTINCT") { None } else { Some(self.ident("constraint name")?) };
        self.expect_kw("DISTINCT")?;
        self.expect_kw("RANGE")?;
        let RangeRef { start, end } = self.range_bounds()?;
        Ok(DistinctRange { name, start, end })
    }

    /// `BETWEEN start AND end EXCLUSIVE` (Snowflake's only form: half-open ranges).
    fn range_bounds(&mut self) -> PResult<RangeRef> {
        self.expect_kw("BETWEEN")?;
        let start = self.ident("range start column")?;
        self.expect_kw("AND")?;
        let end = self.ident("range end column")?;
        if !self.eat_kw("EXCLUSIVE") {
            return self.err(format!("expected EXCLUSIVE after the range end column (ranges are half-open), found {}", self.found()));
        }
        Ok(RangeRef { start, end })
    }

    /// `WITH CORTEX SEARCH SERVICE name [USING column]` on a dimension (kept, no effect).
    fn cortex_search_service(&mut self) -> PResult<Clause> {
        for kw in ["WITH", "CORTEX", "SEARCH", "SERVICE"] {
            self.expect_kw(kw)?;
        }
        let start = self.offset();
        self.qualified("search service name")?;
        if self.eat_kw("USING") {
            self.ident("search service column")?;
        }
        let end = self.toks.get(self.pos.saturating_sub(1)).map(|t| t.offset + t.text.len()).unwrap_or(start);
        Ok(Clause { keyword: "WITH CORTEX SEARCH SERVICE".into(), text: self.text[start..end].trim().to_string() })
    }

    fn member(&mut self, derived_ok: bool) -> PResult<MemberDef> {
        let private = if self.eat_kw("PRIVATE") {
            true
        } else {
            self.eat_kw("PUBLIC");
            false
        };
        let start = self.offset();
        let first = self.ident("member name")?;
        let (table, name) = if self.eat(&Token::Period) {
            (Some(first), self.ident("member name")?)
        } else if derived_ok {
            (None, first)
        } else {
            return Err(SyntaxError {
                message: format!("expected <table alias>.{first}: facts and dimensions belong to a table"),
                position: start,
            });
        };
        let mut using = vec![];
        let mut non_additive_by = vec![];
        // Snowflake writes USING and NON ADDITIVE BY between the name and AS, in either order.
        loop {
            if self.at_kw("USING") {
                self.once_list(&mut using, &format!("'{name}': USING"), |p| {
                    p.expect_kw("USING")?;
                    p.ident_list("relationship")
                })?;
            } else if derived_ok && self.at_kw("NON") {
                self.once_list(&mut non_additive_by, &format!("'{name}': NON ADDITIVE BY"), |p| p.non_additive_by())?;
            } else {
                break;
            }
        }
        self.expect_kw("AS")?;
        let expr = self.expression()?;
        let mut m = MemberDef { table, name, expr, comment: None, synonyms: vec![], private, using, clauses: vec![], non_additive_by };
        loop {
            if self.at_kw("WITH") && self.word_at(1).as_deref() == Some("CORTEX") {
                let clause = self.cortex_search_service()?;
                if !m.clauses.is_empty() {
                    return self.err(format!("'{}': WITH CORTEX SEARCH SERVICE is given twice", m.name));
                }
                m.clauses.push(clause);
            } else if self.at_kw("WITH") {
                let what = format!("'{}': WITH SYNONYMS", m.name);
                self.once_list(&mut m.synonyms, &what, |p| p.synonyms())?;
            } else if self.at_kw("COMMENT") {
                let what = format!("'{}': COMMENT", m.name);
                self.once(&mut m.comment, &what, |p| p.comment())?;
            } else {
                return Ok(m);
            }
        }
    }

    /// `NON ADDITIVE BY (dimension [ASC | DESC] [NULLS FIRST | LAST], ...)`
    fn non_additive_by(&mut self) -> PResult<Vec<NonAdditiveDim>> {
        self.expect_kw("NON")?;
        self.expect_kw("ADDITIVE")?;
        self.expect_kw("BY")?;
        self.list(|p| {
            let dimension = join_name(&p.qualified("dimension")?);
            let descending = if p.eat_kw("DESC") {
                true
            } else {
                p.eat_kw("ASC");
                false
            };
            let nulls_first = if p.eat_kw("NULLS") {
                if p.eat_kw("FIRST") {
                    Some(true)
                } else {
                    p.expect_kw("LAST")?;
                    Some(false)
                }
            } else {
                None
            };
            Ok(NonAdditiveDim { dimension, descending, nulls_first })
        })
    }

    /// SQL text up to a top-level `,` or `)`, `WITH SYNONYMS` or `COMMENT =`.
    fn expression(&mut self) -> PResult<String> {
        let start = self.offset();
        let mut depth = 0i64;
        let mut end = start;
        // A word after a dot is part of a qualified name (`n.comment`), never a keyword.
        let mut after_dot = false;
        while let Some(t) = self.peek() {
            let annotation = depth == 0 && !after_dot && {
                let next = self.toks.get(self.pos + 1);
                (is_word(t, "WITH") && next.is_some_and(|n| is_word(n, "SYNONYMS") || is_word(n, "CORTEX")))
                    || (is_word(t, "COMMENT") && next.is_some_and(|n| n.token == Token::Eq))
            };
            // `AS expr USING (rel)`: USING belongs before AS (it never ends an expression).
            if depth == 0 && !after_dot && is_word(t, "USING") && self.toks.get(self.pos + 1).is_some_and(|n| n.token == Token::LParen) {
                return self.err(
                    "USING (<relationship>, ...) goes before AS: write <table>.<name> USING (<relationship>) AS <expression>".to_string(),
                );
            }
            match t.token {
                _ if annotation => break,
                Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
                Token::RParen | Token::RBracket | Token::RBrace if depth == 0 => break,
                Token::RParen | Token::RBracket | Token::RBrace => depth -= 1,
                Token::Comma | Token::SemiColon if depth == 0 => break,
                _ => {}
            }
            after_dot = t.token == Token::Period;
            end = t.offset + t.text.len();
            self.pos += 1;
        }
        if end == start {
            return self.err(format!("expected an expression, found {}", self.found()));
        }
        Ok(self.text[start..end].trim().to_string())
    }

    /// A kept Snowflake clause: its keyword(s), then everything up to the next clause.
    fn kept_clause(&mut self) -> PResult<Clause> {
        let keyword = if self.eat_kw("WITH") {
            self.word_at(0).unwrap_or_default()
        } else if self.at_kw("COPY") {
            self.pos += 1;
            self.expect_kw("GRANTS")?;
            return Ok(Clause { keyword: "COPY GRANTS".into(), text: String::new() });
        } else {
            self.word_at(0).unwrap_or_default()
        };
        self.pos += 1;
        let start = self.offset();
        let mut end = start;
        let mut depth = 0i64;
        while let Some(t) = self.peek() {
            let word = self.word_at(0).unwrap_or_default();
            let next = self.word_at(1).unwrap_or_default();
            let clause_starts =
                KEPT_CLAUSES.contains(&word.as_str()) || word == "COMMENT" || (word == "WITH" && (next == "TAG" || next == "EXTENSION"));
            match t.token {
                Token::SemiColon if depth == 0 => break,
                _ if depth == 0 && clause_starts => break,
                Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
                Token::RParen | Token::RBracket | Token::RBrace => depth -= 1,
                _ => {}
            }
            end = t.offset + t.text.len();
            self.pos += 1;
        }
        let text = self.text[start..end].trim().to_string();
        if text.is_empty() {
            return self.err(format!("{keyword} needs a value"));
        }
        Ok(Clause { keyword, text })
    }

    /// Snowflake's `COMMENT ON SEMANTIC VIEW v IS '...'` (`IS NULL` removes it).
    fn comment_on(&mut self) -> PResult<Command> {
        self.expect_kw("COMMENT")?;
        self.expect_kw("ON")?;
        self.expect_kw("SEMANTIC")?;
        self.expect_kw("VIEW")?;
        let if_exists = self.if_exists()?;
        let name = self.view_name()?;
        self.expect_kw("IS")?;
        let comment = if self.eat_kw("NULL") { None } else { Some(self.string("comment")?) };
        self.end()?;
        Ok(Command::SetComment { name, if_exists, comment })
    }

    fn drop(&mut self) -> PResult<Command> {
        self.expect_kw("DROP")?;
        self.expect_kw("SEMANTIC")?;
        self.expect_kw("VIEW")?;
        let if_exists = self.if_exists()?;
        let name = self.view_name()?;
        self.end()?;
        Ok(Command::Drop { name, if_exists })
    }

    fn alter(&mut self) -> PResult<Command> {
        self.expect_kw("ALTER")?;
        self.expect_kw("SEMANTIC")?;
        self.expect_kw("VIEW")?;
        let if_exists = self.if_exists()?;
        let name = self.view_name()?;
        let command = if self.eat_kw("RENAME") {
            self.expect_kw("TO")?;
            let at = self.offset();
            let new_name = self.qualified("new name")?;
            if new_name.len() > 1 {
                // As DuckDB's ALTER VIEW: a rename never moves the view to another schema.
                return Err(SyntaxError {
                    message: format!(
                        "RENAME TO takes an unqualified name ('{}'): a semantic view is renamed within its schema",
                        join_name(&new_name)
                    ),
                    position: at,
                });
            }
            Command::Rename { name, if_exists, new_name: new_name.last().cloned().unwrap_or_default() }
        } else if self.eat_kw("SET") {
            Command::SetComment { name, if_exists, comment: Some(self.comment()?) }
        } else if self.eat_kw("UNSET") {
            self.expect_kw("COMMENT")?;
            Command::SetComment { name, if_exists, comment: None }
        } else {
            return self.err(format!("expected RENAME TO, SET COMMENT or UNSET COMMENT, found {}", self.found()));
        };
        self.end()?;
        Ok(command)
    }

    fn like(&mut self) -> PResult<Option<String>> {
        if self.eat_kw("LIKE") {
            return Ok(Some(self.string("pattern")?));
        }
        Ok(None)
    }

    fn show(&mut self) -> PResult<Command> {
        self.expect_kw("SHOW")?;
        if self.eat_kw("COLUMNS") {
            return self.show_columns();
        }
        let terse = self.eat_kw("TERSE");
        self.expect_kw("SEMANTIC")?;
        let what = self.word_at(0).unwrap_or_default();
        self.pos += 1;
        let sql = match what.as_str() {
            "VIEWS" => {
                let mut filters = vec![];
                if let Some(l) = self.like()? {
                    filters.push(format!("view_name ILIKE {}", quote_literal(&l)));
                }
                filters.extend(self.scope(false)?.location_filters());
                let (starts, limit) = self.starts_with_and_limit("view_name")?;
                filters.extend(starts);
                let columns = if terse {
                    "created AS created_on, view_name AS name, 'SEMANTIC_VIEW' AS kind, database_name, schema_name"
                } else {
                    "created AS created_on, view_name AS name, 'SEMANTIC_VIEW' AS kind, database_name, schema_name, comment"
                };
                format!(
                    "SELECT {columns} FROM list_semantic_views(){} ORDER BY database_name, schema_name, view_name{limit}",
                    where_sql(&filters)
                )
            }
            "DIMENSIONS" | "METRICS" | "FACTS" => {
                let mut filters = vec![format!("object_kind IN ({})", member_kinds(&what)), "NOT private".to_string()];
                if let Some(l) = self.like()? {
                    filters.push(format!("object_name ILIKE {}", quote_literal(&l)));
                }
                let scope = self.scope(true)?;
                let mut source = match &scope {
                    Scope::View(v) => format!("semantic_view_members({})", quote_literal(v)),
                    _ => "semantic_view_members()".to_string(),
                };
                filters.extend(scope.location_filters());
                if let Scope::Default = scope {
                    // Without IN: the semantic views of the current schema.
                    filters.extend(["database_name = current_database()".to_string(), "schema_name = current_schema()".to_string()]);
                }
                let mut columns = "database_name, schema_name, view_name AS semantic_view_name, table_alias AS table_name, \
                                   object_name AS name, data_type, synonyms, comment";
                if self.eat_kw("FOR") {
                    let Scope::View(view) = &scope else {
                        return self.err("FOR METRIC needs IN <semantic view>");
                    };
                    if what != "DIMENSIONS" {
                        return self.err("FOR METRIC applies to SHOW SEMANTIC DIMENSIONS");
                    }
                    self.expect_kw("METRIC")?;
                    let metric = join_name(&self.qualified("metric")?);
                    // `required`: the dimensions a window metric partitions or orders by.
                    source = format!(
                        "{source} JOIN semantic_view_dimensions_for_metric({}, {}) AS for_metric \
                         ON for_metric.dimension = table_alias || '.' || object_name",
                        quote_literal(view),
                        quote_literal(&metric)
                    );
                    columns = "table_alias AS table_name, object_name AS name, data_type, for_metric.required, synonyms, comment";
                }
                let (starts, limit) = self.starts_with_and_limit("object_name")?;
                filters.extend(starts);
                format!(
                    "SELECT {columns} FROM {source}{} ORDER BY database_name, schema_name, view_name, table_alias, object_name{limit}",
                    where_sql(&filters)
                )
            }
            _ => {
                self.pos -= 1;
                return self.err(format!("expected VIEWS, DIMENSIONS, METRICS or FACTS, found {}", self.found()));
            }
        };
        self.end()?;
        Ok(Command::Query { sql })
    }

    /// `SHOW COLUMNS IN SEMANTIC VIEW v`: one row per public member, in Snowflake's columns.
    fn show_columns(&mut self) -> PResult<Command> {
        self.expect_kw("IN")?;
        self.expect_kw("SEMANTIC")?;
        self.expect_kw("VIEW")?;
        let view = quote_literal(&self.view_name()?);
        self.end()?;
        let sql = format!(
            "SELECT view_name AS table_name, schema_name, object_name AS column_name, data_type, 'true' AS \"null?\", \
             '' AS \"default\", CASE object_kind WHEN 'derived_metric' THEN 'METRIC' ELSE upper(object_kind) END AS kind, \
             expression, comment, database_name, '' AS autoincrement \
             FROM semantic_view_members({view}) WHERE object_kind IN ('dimension', 'fact', 'metric', 'derived_metric') AND NOT private"
        );
        Ok(Command::Query { sql })
    }

    /// `IN ACCOUNT | IN DATABASE d | IN SCHEMA [d.]s | IN [SEMANTIC VIEW] v` (a view only where
    /// `view_allowed`).
    fn scope(&mut self, view_allowed: bool) -> PResult<Scope> {
        if !self.eat_kw("IN") {
            return Ok(Scope::Default);
        }
        if self.eat_kw("ACCOUNT") {
            return Ok(Scope::Account);
        }
        if self.eat_kw("DATABASE") {
            return Ok(Scope::Database(self.ident("database")?));
        }
        if self.eat_kw("SCHEMA") {
            let mut s = self.qualified("schema")?;
            if s.len() > 2 {
                return self.err("a schema name has at most two parts: [database.]schema");
            }
            let schema = s.pop().expect("one part");
            return Ok(Scope::Schema(s.pop(), schema));
        }
        if !view_allowed {
            return self.err(format!("expected ACCOUNT, DATABASE or SCHEMA after IN, found {}", self.found()));
        }
        if self.at_kw("SEMANTIC") {
            self.pos += 1;
            self.expect_kw("VIEW")?;
        }
        Ok(Scope::View(self.view_name()?))
    }

    /// `[STARTS WITH 'x'] [LIMIT n [FROM 'y']]` on the `name` column: filters and a LIMIT clause.
    fn starts_with_and_limit(&mut self, name: &str) -> PResult<(Vec<String>, String)> {
        let mut filters = vec![];
        if self.eat_kw("STARTS") {
            self.expect_kw("WITH")?;
            filters.push(format!("starts_with({name}, {})", quote_literal(&self.string("prefix")?)));
        }
        if !self.eat_kw("LIMIT") {
            return Ok((filters, String::new()));
        }
        let n = match self.peek().map(|t| t.token.clone()) {
            Some(Token::Number(n, _)) => {
                self.pos += 1;
                n.parse::<u64>().map_err(|_| SyntaxError { message: "LIMIT must be a whole number".into(), position: self.offset() })?
            }
            _ => return self.err(format!("expected a number after LIMIT, found {}", self.found())),
        };
        if self.eat_kw("FROM") {
            // Snowflake: start at the first name at or after the string.
            filters.push(format!("{name} >= {}", quote_literal(&self.string("name to start from")?)));
        }
        Ok((filters, format!(" LIMIT {n}")))
    }

    fn describe(&mut self) -> PResult<Command> {
        self.pos += 1; // DESCRIBE | DESC
        self.expect_kw("SEMANTIC")?;
        self.expect_kw("VIEW")?;
        let view = quote_literal(&self.view_name()?);
        self.end()?;
        Ok(Command::Query { sql: format!("SELECT * FROM semantic_view_properties({view})") })
    }

    /// Rewrites every `SEMANTIC_VIEW(name [DIMENSIONS ...] [METRICS ...] [FACTS ...] [WHERE ...])`
    /// in a statement into a `semantic_view(...)` table function call; None if there is none.
    fn query_clause(&mut self) -> PResult<Option<String>> {
        let mut out = String::new();
        let mut copied = 0usize;
        let mut found = false;
        self.pos = 0;
        while self.pos < self.toks.len() {
            let t = &self.toks[self.pos];
            if t.token == Token::LParen {
                if let Some(kind) = self.catalog_command_at(self.pos + 1) {
                    let close = self.closing_paren(self.pos)?;
                    let mut inner = P { text: self.text, toks: self.toks[self.pos + 1..close].to_vec(), pos: 0 };
                    let command = if kind == Kind::Show { inner.show()? } else { inner.describe()? };
                    let Command::Query { sql } = command else {
                        return Err(SyntaxError { message: "not a query".into(), position: t.offset });
                    };
                    out.push_str(&self.text[copied..t.offset]);
                    out.push_str(&format!("({sql})"));
                    copied = self.toks[close].offset + 1;
                    self.pos = close + 1;
                    found = true;
                    continue;
                }
            }
            let is_call = is_word(t, "SEMANTIC_VIEW") && self.toks.get(self.pos + 1).is_some_and(|n| n.token == Token::LParen);
            if !is_call {
                self.pos += 1;
                continue;
            }
            let start = t.offset;
            self.pos += 2;
            // semantic_view('name', dimensions := [...]) is already the table function.
            if matches!(self.peek().map(|t| &t.token), Some(Token::SingleQuotedString(_))) {
                continue;
            }
            found = true;
            let name = self.view_name()?;
            let mut args = vec![quote_literal(&name)];
            let mut seen: Vec<String> = vec![];
            // Output column names per clause, for Snowflake's "columns in clause order".
            let mut columns: Vec<(String, Vec<ClauseColumn>)> = vec![];
            loop {
                if self.eat(&Token::RParen) {
                    break;
                }
                let word = self.word_at(0).unwrap_or_default();
                if !QUERY_CLAUSES.contains(&word.as_str()) {
                    let hint =
                        did_you_mean(&word, QUERY_CLAUSES.iter().copied()).map(|c| format!("; did you mean {c}?")).unwrap_or_default();
                    return self.err(format!("expected DIMENSIONS, METRICS, FACTS, WHERE or ')', found {}{hint}", self.found()));
                }
                if seen.contains(&word) {
                    return self.err(format!("{word} appears twice"));
                }
                if (word == "METRICS" && seen.iter().any(|s| s == "FACTS")) || (word == "FACTS" && seen.iter().any(|s| s == "METRICS")) {
                    return self.err("METRICS and FACTS cannot be combined in one SEMANTIC_VIEW clause");
                }
                self.pos += 1;
                if word == "WHERE" {
                    let predicate = self.expression()?;
                    args.push(format!("where_clause := {}", quote_literal(&predicate)));
                } else {
                    // Each item, optionally aliased (`c.region AS area`, `o.revenue rev`).
                    let item = |p: &mut Self| -> PResult<(String, String, Option<String>)> {
                        let (request, column) = if word == "FACTS" { p.member_ref()? } else { p.dimension_item()? };
                        let alias = if p.eat_kw("AS") || p.at_bare_alias() { Some(p.ident("column alias")?) } else { None };
                        if alias.is_some() && column.is_empty() {
                            return p.err("a wildcard (alias.*) cannot be aliased");
                        }
                        Ok((request, column, alias))
                    };
                    let mut names = vec![item(self)?];
                    while self.eat(&Token::Comma) {
                        names.push(item(self)?);
                    }
                    let list: Vec<String> = names.iter().map(|n| quote_literal(&n.0)).collect();
                    args.push(format!("{} := [{}]", word.to_lowercase(), list.join(", ")));
                    columns.push((word.clone(), names.into_iter().map(|n| (n.1, n.2)).collect()));
                }
                seen.push(word);
            }
            let end = self.toks[self.pos - 1].offset + 1;
            out.push_str(&self.text[copied..start]);
            let call = format!("semantic_view({})", args.join(", "));
            // semantic_view() returns dimensions first; when they follow another clause, select
            // the columns in clause order (not possible through a wildcard, which keeps its order).
            // Otherwise the call is the result as it is: a wrapping SELECT is one more projection.
            let dims_first = columns.iter().position(|(w, _)| w == "DIMENSIONS").is_none_or(|i| i == 0);
            let wildcard = columns.iter().any(|(_, c)| c.iter().any(|(n, _)| n.is_empty()));
            let aliased = columns.iter().any(|(_, c)| c.iter().any(|(_, a)| a.is_some()));
            if (dims_first && !aliased) || wildcard {
                out.push_str(&call);
            } else {
                let names: Vec<String> = columns
                    .iter()
                    .flat_map(|(_, c)| {
                        c.iter().map(|(n, a)| match a {
                            Some(a) => format!("{} AS {}", quote_ident(n), quote_ident(a)),
                            None => quote_ident(n),
                        })
                    })
                    .collect();
                out.push_str(&format!("(SELECT {} FROM {call})", names.join(", ")));
            }
            copied = end;
        }
        if !found {
            return Ok(None);
        }
        out.push_str(&self.text[copied..]);
        Ok(Some(out))
    }

    /// `name`, `alias.name` or `alias.*` in a SEMANTIC_VIEW clause: the request name and the
    /// output column name (empty for a wildcard).
    /// A dimension or metric name, or (as Snowflake allows) an expression, which becomes a
    /// member of the request named by its text.
    fn dimension_item(&mut self) -> PResult<(String, String)> {
        let start = self.pos;
        let ends_item = |p: &Self| match p.peek() {
            None => true,
            Some(t) => matches!(t.token, Token::Comma | Token::RParen) || QUERY_CLAUSES.iter().any(|c| is_word(t, c)) || is_word(t, "AS"),
        };
        if let Ok(name) = self.member_ref() {
            if ends_item(self) || self.at_bare_alias() {
                return Ok(name);
            }
        }
        self.pos = start;
        let from = self.offset();
        let mut end = from;
        let mut depth = 0i64;
        let mut after_dot = false;
        let reserved = |t: &Tok| matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && crate::sql::RESERVED.contains(&w.value.to_lowercase().as_str()));
        while let Some(t) = self.peek() {
            if depth == 0 && !after_dot && ends_item(self) {
                break;
            }
            // `expr alias`: a word right after a complete operand, then the end of the item.
            let after_operand = self.pos > start
                && self.toks.get(self.pos - 1).is_some_and(|p| {
                    matches!(p.token, Token::RParen | Token::Number(..) | Token::SingleQuotedString(_))
                        || (matches!(p.token, Token::Word(_)) && !reserved(p))
                });
            if depth == 0 && !after_dot && after_operand && !reserved(t) && self.at_bare_alias() {
                break;
            }
            match t.token {
                Token::LParen | Token::LBracket | Token::LBrace => depth += 1,
                Token::RParen | Token::RBracket | Token::RBrace => depth -= 1,
                _ => {}
            }
            after_dot = t.token == Token::Period;
            end = t.offset + t.text.len();
            self.pos += 1;
        }
        let text = self.text[from..end].trim().to_string();
        if text.is_empty() {
            return self.err(format!("expected a dimension, found {}", self.found()));
        }
        Ok((text.clone(), text))
    }

    /// A bare column alias after an item: one word, then the end of the item.
    fn at_bare_alias(&self) -> bool {
        let Some(Token::Word(w)) = self.peek().map(|t| &t.token) else { return false };
        if w.quote_style.is_none() && (QUERY_CLAUSES.iter().any(|c| w.value.eq_ignore_ascii_case(c)) || w.value.eq_ignore_ascii_case("AS"))
        {
            return false;
        }
        match self.toks.get(self.pos + 1) {
            None => true,
            Some(n) => matches!(n.token, Token::Comma | Token::RParen) || QUERY_CLAUSES.iter().any(|c| is_word(n, c)),
        }
    }

    fn member_ref(&mut self) -> PResult<(String, String)> {
        let first = self.ident("member name")?;
        if self.eat(&Token::Period) {
            if self.eat(&Token::Mul) {
                return Ok((format!("{}.*", quote_ident(&first)), String::new()));
            }
            let second = self.ident("member name")?;
            return Ok((format!("{}.{}", quote_ident(&first), quote_ident(&second)), second));
        }
        Ok((first.clone(), first))
    }
}

/// Where SHOW looks.
enum Scope {
    /// No IN: the current schema.
    Default,
    Account,
    Database(String),
    Schema(Option<String>, String),
    View(String),
}

impl Scope {
    /// The `database_name` / `schema_name` filters of `IN DATABASE` and `IN SCHEMA`.
    fn location_filters(&self) -> Vec<String> {
        match self {
            Scope::Database(d) => vec![name_eq("database_name", d)],
            Scope::Schema(Some(d), s) => vec![name_eq("database_name", d), name_eq("schema_name", s)],
            Scope::Schema(None, s) => vec![name_eq("schema_name", s)],
            Scope::Default | Scope::Account | Scope::View(_) => vec![],
        }
    }
}

fn where_sql(filters: &[String]) -> String {
    if filters.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", filters.join(" AND "))
    }
}

/// `column` equals a catalog name, case-insensitively as DuckDB compares them.
fn name_eq(column: &str, name: &str) -> String {
    format!("lower({column}) = lower({})", quote_literal(name))
}

/// The `object_kind`s SHOW SEMANTIC DIMENSIONS | METRICS | FACTS lists, as SQL literals.
fn member_kinds(what: &str) -> &'static str {
    match what {
        "DIMENSIONS" => "'dimension'",
        "METRICS" => "'metric', 'derived_metric'",
        _ => "'fact'",
    }
}

/// An identifier as SQL: bare when it is a plain lower/upper-case word, else quoted.
pub fn ident_sql(name: &str) -> String {
    let plain = !name.is_empty()
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED_FOR_DDL.contains(&name.to_uppercase().as_str());
    if plain {
        name.to_string()
    } else {
        quote_ident(name)
    }
}

/// Words that must be quoted to be read back as identifiers in our DDL.
const RESERVED_FOR_DDL: &[&str] = &[
    "AS",
    "PRIMARY",
    "KEY",
    "UNIQUE",
    "WITH",
    "SYNONYMS",
    "COMMENT",
    "REFERENCES",
    "USING",
    "PRIVATE",
    "PUBLIC",
    "TABLES",
    "RELATIONSHIPS",
    "FACTS",
    "DIMENSIONS",
    "METRICS",
    "SELECT",
    "FROM",
    "WHERE",
    "TABLE",
    "ORDER",
    "GROUP",
    "CASE",
    "END",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "TRUE",
    "FALSE",
    "ASOF",
    "BETWEEN",
    "CONSTRAINT",
    "DISTINCT",
    "RANGE",
    "EXCLUSIVE",
];

fn join_name(parts: &[String]) -> String {
    parts.iter().map(|p| ident_sql(p)).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(sql: &str) -> Command {
        match parse_statement(sql).unwrap() {
            Parsed::Ours(c) => c,
            Parsed::NotOurs => panic!("not ours: {sql}"),
        }
    }

    #[test]
    fn a_word_after_a_dot_is_a_name_not_an_annotation() {
        let sql = "CREATE SEMANTIC VIEW v TABLES (n AS notes) DIMENSIONS (n.kept AS n.comment = 'keep' COMMENT = 'c', n.s AS n.with)";
        let Command::Define { definition: d, .. } = ours(sql) else { panic!() };
        assert_eq!(d.dimensions[0].expr, "n.comment = 'keep'");
        assert_eq!(d.dimensions[0].comment.as_deref(), Some("c"));
        assert_eq!(d.dimensions[1].expr, "n.with");
        let Command::Query { sql } = ours("SELECT * FROM SEMANTIC_VIEW(v DIMENSIONS kept WHERE n.comment = 'keep')") else { panic!() };
        assert!(sql.contains("where_clause := 'n.comment = ''keep'''"), "{sql}");
    }

    #[test]
    fn lexical_errors_in_our_statements_are_ours() {
        let sql = "CREATE SEMANTIC VIEW v TABLES (o AS orders) METRICS (o.n AS count_if(x = 'open))";
        let e = parse_statement(sql).unwrap_err();
        assert!(e.message.starts_with("cannot read the statement: Unterminated string literal"), "{}", e.message);
        assert_eq!(e.position, sql.find("'open").unwrap());
        // Not ours: DuckDB keeps its own error.
        assert_eq!(parse_statement("SELECT 'open").unwrap(), Parsed::NotOurs);
    }

    #[test]
    fn annotations_given_twice_are_errors() {
        let cases = [
            ("CREATE SEMANTIC VIEW v COMMENT = 'a' AS TABLES (o AS orders) COMMENT = 'b'", "the view's COMMENT is given twice"),
            ("CREATE SEMANTIC VIEW v TABLES (o AS orders COMMENT = 'a' COMMENT = 'b')", "table 'o': COMMENT is given twice"),
            (
                "CREATE SEMANTIC VIEW v TABLES (o AS orders WITH SYNONYMS ('a') WITH SYNONYMS ('b'))",
                "table 'o': WITH SYNONYMS is given twice",
            ),
            (
                "CREATE SEMANTIC VIEW v TABLES (o AS orders) METRICS (o.n AS count(*) COMMENT = 'a' COMMENT = 'b')",
                "'n': COMMENT is given twice",
            ),
            (
                "CREATE SEMANTIC VIEW v TABLES (o AS orders) DIMENSIONS (o.d AS x WITH SYNONYMS ('a') WITH SYNONYMS ('b'))",
                "'d': WITH SYNONYMS is given twice",
            ),
        ];
        for (sql, expected) in cases {
            let e = parse_statement(sql).unwrap_err();
            assert_eq!(e.message, expected, "{sql}");
        }
    }

    #[test]
    fn ordinary_sql_is_not_ours() {
        assert_eq!(parse_statement("SELECT 1").unwrap(), Parsed::NotOurs);
        assert_eq!(parse_statement("CREATE VIEW v AS SELECT 1").unwrap(), Parsed::NotOurs);
        assert_eq!(parse_statement("SELECT * FROM semantic_view('v', metrics := ['m'])").unwrap(), Parsed::NotOurs);
    }

    #[test]
    fn create_snowflake_style() {
        let sql = "-- dbt adds comments\nCREATE OR REPLACE SEMANTIC VIEW analytics.sales COMMENT = 'top' AS
          TABLES (o AS orders PRIMARY KEY (id) WITH SYNONYMS ('sales orders') COMMENT = 'all orders',
                  customers PRIMARY KEY (id) UNIQUE (email))
          RELATIONSHIPS (orders_customers AS o (customer_id) REFERENCES customers)
          FACTS (PRIVATE o.net AS amount - discount)
          DIMENSIONS (customers.region AS upper(region) WITH SYNONYMS = ('area'), o.month AS date_trunc('month', ordered_at))
          METRICS (o.revenue USING (orders_customers) AS sum(net) FILTER (WHERE status = 'F, x'), avg_rev AS revenue / count_x COMMENT = 'ratio');";
        let Command::Define { name, definition: d, replace, .. } = ours(sql) else { panic!() };
        assert_eq!(name, "analytics.sales");
        assert!(replace);
        assert_eq!(d.comment.as_deref(), Some("top"));
        assert_eq!(d.tables[1].alias, "customers");
        assert_eq!(d.tables[1].unique, vec![vec!["email".to_string()]]);
        assert_eq!(d.relationships[0].name.as_deref(), Some("orders_customers"));
        assert!(d.facts[0].private);
        assert_eq!(d.dimensions[0].synonyms, vec!["area".to_string()]);
        assert_eq!(d.metrics[0].expr, "sum(net) FILTER (WHERE status = 'F, x')");
        assert_eq!(d.metrics[0].using, vec!["orders_customers".to_string()]);
        assert_eq!(d.metrics[1].table, None);
        assert_eq!(d.metrics[1].comment.as_deref(), Some("ratio"));
    }

    #[test]
    fn errors_point_at_the_token_and_suggest() {
        let sql = "CREATE SEMANTIC VIEW v TABLES (o AS orders) DIMENSIOS (o.x AS x)";
        let e = parse_statement(sql).unwrap_err();
        assert_eq!(e.position, sql.find("DIMENSIOS").unwrap());
        assert!(e.message.contains("did you mean DIMENSIONS?"), "{}", e.message);
        let e = parse_statement("CREATE SEMANTIC VIEW v TABLES (o AS orders) DIMENSIONS (x AS 1)").unwrap_err();
        assert!(e.message.contains("belong to a table"), "{}", e.message);
        let e = parse_statement("CREATE SEMANTIC VIEW v METRICS (m AS 1) TABLES (o AS orders)").unwrap_err();
        assert!(e.message.contains("out of place"), "{}", e.message);
    }

    #[test]
    fn misspelled_leading_keywords_are_ours_with_a_suggestion() {
        let e = parse_statement("CRETAE SEMANTIC VIEW v TABLES (o AS orders)").unwrap_err();
        assert_eq!((e.message.as_str(), e.position), ("found 'CRETAE'; did you mean CREATE?", 0));
        let e = parse_statement("drop semantc view v").unwrap_err();
        assert_eq!((e.message.as_str(), e.position), ("found 'semantc'; did you mean SEMANTIC?", 5));
        let e = parse_statement("SHOW SEMANTICS VIEWS").unwrap_err();
        assert!(e.message.contains("did you mean SEMANTIC?"), "{}", e.message);
        // Not ours: other statements stay DuckDB's.
        assert_eq!(parse_statement("CREATE VIEW v AS SELECT 1").unwrap(), Parsed::NotOurs);
        assert_eq!(parse_statement("SELECT semantic FROM view").unwrap(), Parsed::NotOurs);
        assert_eq!(parse_statement("CREATE TABLE semantic(view INT)").unwrap(), Parsed::NotOurs);
    }

    #[test]
    fn snowflake_clauses_are_kept_as_written() {
        let sql = "CREATE OR ALTER SEMANTIC VIEW v TABLES (o AS orders PRIMARY KEY (id))
          DIMENSIONS (o.name AS name WITH CORTEX SEARCH SERVICE db.s.names USING name WITH SYNONYMS = ('n'))
          METRICS (o.n AS count(*))
          COMMENT = 'c' MAX_STALENESS = 10 AI_SQL_GENERATION 'Use ''fiscal'' years' AI_QUESTION_CATEGORIZATION 'x'
          AI_VERIFIED_QUERIES (q AS (QUESTION 'how many?' SQL 'SELECT n FROM SEMANTIC_VIEW(v METRICS n)'))
          WITH TAG (a.b.cost = 'x') WITH EXTENSION (CA = '{}') COPY GRANTS;";
        let Command::Define { definition: d, replace, .. } = ours(sql) else { panic!() };
        assert!(replace);
        let kept: Vec<(&str, &str)> = d.clauses.iter().map(|c| (c.keyword.as_str(), c.text.as_str())).collect();
        assert_eq!(
            kept,
            [
                ("MAX_STALENESS", "= 10"),
                ("AI_SQL_GENERATION", "'Use ''fiscal'' years'"),
                ("AI_QUESTION_CATEGORIZATION", "'x'"),
                ("AI_VERIFIED_QUERIES", "(q AS (QUESTION 'how many?' SQL 'SELECT n FROM SEMANTIC_VIEW(v METRICS n)'))"),
                ("TAG", "(a.b.cost = 'x')"),
                ("EXTENSION", "(CA = '{}')"),
                ("COPY GRANTS", ""),
            ]
        );
        assert_eq!(d.dimensions[0].expr, "name");
        assert_eq!(d.dimensions[0].clauses[0].text, "db.s.names USING name");
        assert_eq!(d.dimensions[0].synonyms, ["n"]);
        let e = parse_statement("CREATE SEMANTIC VIEW v TABLES (o AS t) COPY GRANTS COPY GRANTS").unwrap_err();
        assert!(e.message.contains("COPY GRANTS is given twice"), "{}", e.message);
        assert!(matches!(
            ours("COMMENT ON SEMANTIC VIEW s.v IS 'it''s'"),
            Command::SetComment { comment: Some(c), .. } if c == "it's"
        ));
        assert!(matches!(ours("COMMENT ON SEMANTIC VIEW v IS NULL"), Command::SetComment { comment: None, .. }));
    }

    #[test]
    fn using_after_as_says_where_it_goes() {
        let sql = "CREATE SEMANTIC VIEW v TABLES (f AS flights) METRICS (f.m AS count(*) USING (departure))";
        let e = parse_statement(sql).unwrap_err();
        assert!(e.message.starts_with("USING (<relationship>, ...) goes before AS"), "{}", e.message);
        assert_eq!(e.position, sql.find("USING").unwrap());
        // Inside a subquery USING is the join's.
        let sql = "CREATE SEMANTIC VIEW v TABLES (f AS flights) METRICS (f.m AS count(*) FILTER (WHERE id IN (SELECT id FROM a JOIN b USING (id))))";
        assert!(parse_statement(sql).is_ok());
    }

    #[test]
    fn query_clause_rewrites_in_place() {
        let Command::Query { sql } = ours(
            "WITH x AS (SELECT * FROM SEMANTIC_VIEW(db.s.v DIMENSIONS o.region, c.* METRICS revenue WHERE region <> 'EU')) SELECT * FROM x",
        ) else {
            panic!()
        };
        assert_eq!(
            sql,
            "WITH x AS (SELECT * FROM semantic_view('db.s.v', dimensions := ['\"o\".\"region\"', '\"c\".*'], metrics := ['revenue'], where_clause := 'region <> ''EU''')) SELECT * FROM x"
        );
        let Command::Query { sql } = ours("SELECT * FROM SEMANTIC_VIEW(v DIMENSIONS c.region AS area, year(o.d) y METRICS o.revenue rev)")
        else {
            panic!()
        };
        assert_eq!(sql, "SELECT * FROM (SELECT \"region\" AS \"area\", \"year(o.d)\" AS \"y\", \"revenue\" AS \"rev\" FROM semantic_view('v', dimensions := ['\"c\".\"region\"', 'year(o.d)'], metrics := ['\"o\".\"revenue\"']))");
        let Command::Query { sql } = ours("SELECT * FROM SEMANTIC_VIEW(v METRICS m DIMENSIONS d)") else { panic!() };
        assert_eq!(sql, "SELECT * FROM (SELECT \"m\", \"d\" FROM semantic_view('v', metrics := ['m'], dimensions := ['d']))");
        // Without dimensions the call's columns are already in clause order.
        let Command::Query { sql } = ours("SELECT * FROM SEMANTIC_VIEW(v METRICS m, n)") else { panic!() };
        assert_eq!(sql, "SELECT * FROM semantic_view('v', metrics := ['m', 'n'])");
        let Command::Query { sql } = ours("SELECT * FROM SEMANTIC_VIEW(v FACTS f WHERE f > 1)") else { panic!() };
        assert_eq!(sql, "SELECT * FROM semantic_view('v', facts := ['f'], where_clause := 'f > 1')");
        let e = parse_statement("SELECT * FROM SEMANTIC_VIEW(v METRICS a FACTS b)").unwrap_err();
        assert!(e.message.contains("cannot be combined"));
        let e = parse_statement("SELECT * FROM SEMANTIC_VIEW(v METRIC a)").unwrap_err();
        assert!(e.message.contains("did you mean METRICS?"), "{}", e.message);
    }

    #[test]
    fn drop_alter_show_describe() {
        assert_eq!(ours("DROP SEMANTIC VIEW IF EXISTS s.v"), Command::Drop { name: "s.v".into(), if_exists: true });
        assert_eq!(ours("ALTER SEMANTIC VIEW v RENAME TO w"), Command::Rename { name: "v".into(), if_exists: false, new_name: "w".into() });
        assert_eq!(ours("ALTER SEMANTIC VIEW v UNSET COMMENT"), Command::SetComment { name: "v".into(), if_exists: false, comment: None });
        let e = parse_statement("ALTER SEMANTIC VIEW s1.v RENAME TO s2.w").unwrap_err();
        assert!(e.message.contains("RENAME TO takes an unqualified name ('s2.w')"), "{}", e.message);
        assert_eq!(e.position, "ALTER SEMANTIC VIEW s1.v RENAME TO ".len());
        assert!(matches!(ours("SHOW TERSE SEMANTIC VIEWS LIKE 'a%' IN SCHEMA main STARTS WITH 'a' LIMIT 3"), Command::Query { .. }));
        assert!(matches!(ours("SHOW SEMANTIC DIMENSIONS IN v FOR METRIC m"), Command::Query { .. }));
        assert!(matches!(ours("DESCRIBE SEMANTIC VIEW v"), Command::Query { .. }));
        let Command::Query { sql } = ours("SELECT name FROM (SHOW SEMANTIC METRICS IN v) WHERE data_type = 'BIGINT'") else { panic!() };
        assert!(sql.starts_with("SELECT name FROM (SELECT database_name"), "{sql}");
        assert!(sql.ends_with(") WHERE data_type = 'BIGINT'"), "{sql}");
        let Command::Query { sql } = ours("SELECT * FROM (DESC SEMANTIC VIEW v), (SHOW SEMANTIC VIEWS)") else { panic!() };
        assert!(sql.contains("semantic_view_properties('v')") && sql.contains("list_semantic_views()"), "{sql}");
        assert!(parse_statement("SELECT * FROM (SHOW SEMANTIC METRICS IN v extra)").is_err());
        assert!(matches!(ours("SHOW SEMANTIC DIMENSIONS LIKE 'r%'"), Command::Query { .. }));
        assert!(parse_statement("SHOW SEMANTIC DIMENSIONS FOR METRIC m").is_err());
    }

    mod roundtrip {
        use super::super::*;
        use proptest::prelude::*;

        fn ident() -> impl Strategy<Value = String> {
            prop::sample::select(vec!["o", "Orders", "my alias", "select", "Ünï", "we\"ird", "x_1", "comment", "t"])
                .prop_map(str::to_string)
        }
        fn text() -> impl Strategy<Value = String> {
            prop::sample::select(vec!["plain", "it's", "a, b", "", "ü \"q\"", "--x"]).prop_map(str::to_string)
        }
        fn expr() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "sum(x)",
                "count(*)",
                "a || ', ' || b",
                "CASE WHEN a THEN 1 ELSE 2 END",
                "list(x ORDER BY y)",
                "sum(x) FILTER (WHERE y = 'a)')",
                "\"my col\" + 1",
                "date_trunc('month', d)",
                "[1, 2][1]",
            ])
            .prop_map(str::to_string)
        }
        /// Snowflake's kept view-level clauses, as Snowflake prints them; each at most once.
        fn view_clauses() -> impl Strategy<Value = Vec<Clause>> {
            let all = vec![
                ("AI_SQL_GENERATION", "'Round to 2 decimals; it''s fiscal'"),
                ("AI_QUESTION_CATEGORIZATION", "'Reject questions about users'"),
                ("AI_VERIFIED_QUERIES", "(q1 AS (QUESTION 'top?' SQL 'SELECT 1' VERIFIED_BY 'me'))"),
                ("MAX_STALENESS", "= 5"),
                ("TAG", "(cost_center = 'sales', \"pii\" = 'no')"),
                ("EXTENSION", "(CA = '{\"tables\":[]}')"),
                ("COPY GRANTS", ""),
            ];
            prop::sample::subsequence(all, 0..4)
                .prop_map(|cs| cs.into_iter().map(|(k, t)| Clause { keyword: k.into(), text: t.into() }).collect())
        }
        fn member(aliases: Vec<String>, derived: bool) -> impl Strategy<Value = MemberDef> {
            let table = if derived {
                prop::option::of(prop::sample::select(aliases)).boxed()
            } else {
                prop::sample::select(aliases).prop_map(Some).boxed()
            };
            let search = prop::option::of(prop::sample::select(vec!["svc", "db.s.\"My svc\" USING name"]));
            let non_additive = prop::collection::vec((ident(), any::<bool>(), prop::option::of(any::<bool>())), 0..3);
            (
                table,
                ident(),
                expr(),
                prop::option::of(text()),
                prop::collection::vec(text(), 0..2),
                any::<bool>(),
                prop::collection::vec(ident(), 0..2),
                (search, non_additive),
            )
                .prop_map(move |(table, name, expr, comment, synonyms, private, using, (search, non_additive))| {
                    let clauses = search
                        .filter(|_| !derived)
                        .map(|t| Clause { keyword: "WITH CORTEX SEARCH SERVICE".into(), text: t.into() })
                        .into_iter()
                        .collect();
                    let non_additive_by = non_additive
                        .into_iter()
                        .filter(|_| derived)
                        .map(|(d, descending, nulls_first)| NonAdditiveDim { dimension: ident_sql(&d), descending, nulls_first })
                        .collect();
                    MemberDef { table, name, expr, comment, synonyms, private, using, clauses, non_additive_by }
                })
        }
        fn definition() -> impl Strategy<Value = Definition> {
            prop::collection::btree_set(ident(), 1..4).prop_flat_map(|aliases| {
                let aliases: Vec<String> = aliases.into_iter().collect();
                let tables = aliases
                    .iter()
                    .map(|a| {
                        let a = a.clone();
                        let range = prop::option::of((prop::option::of(ident()), ident(), ident()))
                            .prop_map(|r| r.map(|(name, start, end)| DistinctRange { name, start, end }));
                        (
                            prop::collection::vec(ident(), 1..4),
                            prop::collection::vec(ident(), 0..2),
                            prop::collection::vec(prop::collection::vec(ident(), 1..3), 0..2),
                            range,
                            prop::option::of(text()),
                            prop::collection::vec(text(), 0..2),
                        )
                            .prop_map(move |(parts, pk, unique, distinct_range, comment, synonyms)| TableDef {
                                alias: a.clone(),
                                table: join_name(&parts),
                                primary_key: pk,
                                unique,
                                distinct_range,
                                comment,
                                synonyms,
                            })
                    })
                    .collect::<Vec<_>>();
                let between = prop::option::of((ident(), ident())).prop_map(|b| b.map(|(start, end)| RangeRef { start, end }));
                let rel = (
                    prop::option::of(ident()),
                    prop::sample::select(aliases.clone()),
                    prop::collection::vec(ident(), 1..3),
                    prop::sample::select(aliases.clone()),
                    prop::collection::vec(ident(), 0..3),
                    between,
                )
                    .prop_map(|(name, from, from_columns, to, to_columns, between)| {
                        if between.is_some() {
                            return RelationshipDef { name, from, from_columns, to, to_columns: vec![], asof: None, between };
                        }
                        let last = to_columns.last().cloned().unwrap_or_default();
                        let unique = to_columns.iter().filter(|c| **c == last).count() == 1;
                        let asof = (to_columns.len() > 1 && unique).then_some(last);
                        RelationshipDef { name, from, from_columns, to, to_columns, asof, between: None }
                    });
                (
                    tables,
                    prop::collection::vec(rel, 0..3),
                    prop::collection::vec(member(aliases.clone(), false), 0..3),
                    prop::collection::vec(member(aliases.clone(), false), 0..3),
                    prop::collection::vec(member(aliases.clone(), true), 0..4),
                    prop::option::of(text()),
                    view_clauses(),
                )
                    .prop_map(|(tables, relationships, facts, dimensions, metrics, comment, clauses)| Definition {
                        comment,
                        tables,
                        relationships,
                        facts,
                        dimensions,
                        metrics,
                        clauses,
                    })
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]
            #[test]
            fn get_ddl_round_trips(def in definition()) {
                let ddl = crate::get_ddl::render("\"My Schema\".v", &def);
                match parse_statement(&ddl) {
                    Ok(Parsed::Ours(Command::Define { name, definition, replace, .. })) => {
                        prop_assert_eq!(name, "\"My Schema\".v");
                        prop_assert!(replace);
                        prop_assert_eq!(definition, def);
                    }
                    other => prop_assert!(false, "{:?}\n{}", other, ddl),
                }
            }

            #[test]
            fn statements_never_panic(text in "\\PC{0,120}") {
                let _ = parse_statement(&text);
                let _ = parse_statement(&format!("CREATE SEMANTIC VIEW v TABLES (o AS t) {text}"));
                let _ = parse_statement(&format!("SELECT * FROM SEMANTIC_VIEW(v {text}"));
            }
        }
    }
}
