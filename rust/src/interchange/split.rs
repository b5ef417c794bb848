//! Splits a metric expression that combines aggregates of several datasets (OSI's
//! `SUM(orders.amount) / COUNT(DISTINCT customers.id)`) into one aggregate per dataset and the
//! expression combining them, so each aggregate is computed at its own grain (no fan-out).
//! Works on the parsed expression: aggregate calls are found by the parser, their datasets by
//! SQL's scoping rules (`sql::scope`), and the combining expression is the original text with
//! each call's byte range replaced.

use std::ops::ControlFlow;

use sqlparser::ast::{Expr, Spanned, Visit, Visitor};

use sqlparser::tokenizer::Token;

use crate::error::{Error, Result};
use crate::sql::scope::{analyze, is_aggregate_name, parse_expression, Reference};
use crate::sql::{tokenize, LineIndex, Tok};

/// One top-level aggregate call (not inside another aggregate or a window).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Aggregate {
    pub start: usize,
    pub end: usize,
    pub text: String,
    /// The qualifiers of the names the call reads (`orders` of `orders.amount`), in order,
    /// without repeats; empty for `COUNT(*)`.
    pub datasets: Vec<String>,
    /// Names the call reads without a qualifier.
    pub unqualified: Vec<String>,
}

/// The top-level aggregate calls of `expr`, in text order.
pub fn aggregates(expr: &str) -> Result<Vec<Aggregate>> {
    let parsed = parse_expression(expr)?;
    let lines = LineIndex::new(expr);
    struct Calls<'a> {
        lines: &'a LineIndex<'a>,
        depth: usize,
        starts: Vec<usize>,
    }
    impl Visitor for Calls<'_> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if is_aggregate_call(e) {
                if self.depth == 0 {
                    let span = e.span();
                    self.starts.push(self.lines.offset(span.start.line, span.start.column));
                }
                self.depth += 1;
            }
            ControlFlow::Continue(())
        }
        fn post_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if is_aggregate_call(e) {
                self.depth -= 1;
            }
            ControlFlow::Continue(())
        }
    }
    let mut calls = Calls { lines: &lines, depth: 0, starts: Vec::new() };
    let _ = parsed.visit(&mut calls);
    let toks = tokenize(expr)?;
    let mut out = Vec::new();
    for start in calls.starts {
        let end = call_end(&toks, start).ok_or_else(|| Error::parser(format!("cannot find the end of the call at {}", &expr[start..])))?;
        let text = expr[start..end].to_string();
        let refs = analyze(&text, &|_| None)?.references;
        let mut datasets: Vec<String> = Vec::new();
        let mut unqualified = Vec::new();
        for r in refs {
            match qualifier(&r) {
                Some(q) => {
                    if !datasets.iter().any(|d| d.eq_ignore_ascii_case(&q)) {
                        datasets.push(q)
                    }
                }
                None => unqualified.push(r.parts[0].value.clone()),
            }
        }
        out.push(Aggregate { start, end, text, datasets, unqualified });
    }
    Ok(out)
}

/// The byte offset after a call that starts at `start`: its argument list and, when present,
/// its `FILTER (...)` clause (the parser's spans stop before the closing parenthesis).
fn call_end(toks: &[Tok], start: usize) -> Option<usize> {
    let mut i = toks.iter().position(|t| t.offset >= start)?;
    let group_end = |i: usize| -> Option<usize> {
        let open = i + toks[i..].iter().position(|t| matches!(t.token, Token::LParen))?;
        crate::sql::closing_paren(toks, open)
    };
    i = group_end(i)?;
    let next = toks[i + 1..].iter().position(|t| !t.is_trivia()).map(|k| i + 1 + k);
    if let Some(n) = next {
        if matches!(&toks[n].token, Token::Word(w) if w.value.eq_ignore_ascii_case("filter")) {
            i = group_end(n)?;
        }
    }
    Some(toks[i].offset + toks[i].text.len())
}

fn is_aggregate_call(e: &Expr) -> bool {
    matches!(e, Expr::Function(f) if f.over.is_none() && is_aggregate_name(&f.name.to_string()))
}

fn qualifier(r: &Reference) -> Option<String> {
    (r.parts.len() >= 2).then(|| r.parts[0].value.clone())
}

/// `expr` with each aggregate's text replaced by the corresponding name.
pub fn replace(expr: &str, aggregates: &[Aggregate], names: &[String]) -> String {
    let mut out = String::new();
    let mut at = 0;
    for (a, name) in aggregates.iter().zip(names) {
        out.push_str(&expr[at..a.start]);
        out.push_str(name);
        at = a.end;
    }
    out.push_str(&expr[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_top_level_aggregates_with_their_datasets() {
        let e = "SUM(store_sales.ss_ext_sales_price) / NULLIF(COUNT(DISTINCT customer.c_customer_sk), 0)";
        let a = aggregates(e).unwrap();
        assert_eq!(a.len(), 2);
        assert_eq!(a[0].text, "SUM(store_sales.ss_ext_sales_price)");
        assert_eq!(a[0].datasets, vec!["store_sales"]);
        assert_eq!(a[1].text, "COUNT(DISTINCT customer.c_customer_sk)");
        assert_eq!(replace(e, &a, &["m1".into(), "m2".into()]), "m1 / NULLIF(m2, 0)");
    }

    #[test]
    fn nested_windows_filters_and_subqueries() {
        let e = "sum(o.x) FILTER (WHERE o.y > 1) + max(sum(o.z)) OVER () + count(*)";
        let a = aggregates(e).unwrap();
        let texts: Vec<&str> = a.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, vec!["sum(o.x) FILTER (WHERE o.y > 1)", "sum(o.z)", "count(*)"]);
        assert!(a[2].datasets.is_empty());
        let a = aggregates("SUM(a.x * b.y)").unwrap();
        assert_eq!(a[0].datasets, vec!["a", "b"]);
        let a = aggregates("sum(x)").unwrap();
        assert_eq!(a[0].unqualified, vec!["x"]);
    }
}
