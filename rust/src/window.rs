//! Window metrics, Snowflake's `f(metric, ...) OVER ([PARTITION BY dims | PARTITION BY
//! EXCLUDING dims] [ORDER BY items] [frame])`: computed after aggregation, over the request's
//! result rows (one per combination of the requested dimensions). `PARTITION BY EXCLUDING d`
//! partitions by every requested dimension except `d`, so a running total by month restarts per
//! region whatever else the request groups by.

use sqlparser::tokenizer::Token;

use crate::error::{name_list, Error, Result};
use crate::model::MemberKind;
use crate::sql::{check_single_expression, parse_qualified_name, tokenize, Tok};
use crate::view::{MemberId, Part, View};

/// A window metric's OVER clause as written, split into its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowText {
    /// The window function call before OVER: `LAG(o.revenue, 1)`.
    pub call: String,
    pub excluding: bool,
    pub partition: Vec<String>,
    /// ORDER BY items: the name, and the direction and NULLS order after it as written.
    pub order: Vec<(String, String)>,
    /// `ROWS ...`, `RANGE ...` or `GROUPS ...` as written, or empty.
    pub frame: String,
}

/// How a window metric partitions the result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Partition {
    /// No PARTITION BY: the whole result.
    Whole,
    By(Vec<MemberId>),
    /// Every requested dimension except these.
    Excluding(Vec<MemberId>),
}

/// A resolved window metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    /// The function call, with its metric references.
    pub call: Vec<Part>,
    pub partition: Partition,
    /// ORDER BY items: a dimension or metric, and its direction text.
    pub order: Vec<(MemberId, String)>,
    pub frame: String,
}

impl Window {
    /// The dimensions a request must group by for this window to be computed.
    pub fn required_dimensions(&self) -> Vec<MemberId> {
        let partition = match &self.partition {
            Partition::Whole => &[][..],
            Partition::By(ids) | Partition::Excluding(ids) => &ids[..],
        };
        let mut out: Vec<MemberId> = Vec::new();
        for id in partition.iter().chain(self.order.iter().map(|(id, _)| id)) {
            if id.kind == MemberKind::Dimension && !out.contains(id) {
                out.push(*id);
            }
        }
        out
    }
}

fn is_word(t: &Tok, kw: &str) -> bool {
    matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Whether `sql` may call a window function (has the keyword OVER, at any depth); true when it
/// does not tokenize.
pub fn may_have_window(sql: &str) -> bool {
    if !crate::sql::may_contain_word(sql, "over") {
        return false;
    }
    tokenize(sql).map_or(true, |toks| toks.iter().any(|t| is_word(t, "OVER")))
}

fn text_of(sql: &str, toks: &[&Tok]) -> String {
    match (toks.first(), toks.last()) {
        (Some(a), Some(b)) => sql[a.offset..b.offset + b.text.len()].trim().to_string(),
        _ => String::new(),
    }
}

/// Whether an expression holds a subquery (whose own window functions are its business).
fn has_subquery(sig: &[&Tok]) -> bool {
    sig.windows(2).any(|w| w[0].token == Token::LParen && is_word(w[1], "SELECT"))
}

/// `[ASC | DESC] [NULLS FIRST | NULLS LAST]`
fn is_direction(toks: &[&Tok]) -> bool {
    let mut rest = toks;
    if rest.first().is_some_and(|t| is_word(t, "ASC") || is_word(t, "DESC")) {
        rest = &rest[1..];
    }
    match rest {
        [] => true,
        [nulls, which] => is_word(nulls, "NULLS") && (is_word(which, "FIRST") || is_word(which, "LAST")),
        _ => false,
    }
}

/// Splits significant tokens at top-level commas.
fn split_commas<'a>(toks: &[&'a Tok]) -> Vec<Vec<&'a Tok>> {
    let mut out = vec![Vec::new()];
    let mut depth = 0i64;
    for t in toks {
        match t.token {
            Token::LParen | Token::LBracket => depth += 1,
            Token::RParen | Token::RBracket => depth -= 1,
            Token::Comma if depth == 0 => {
                out.push(Vec::new());
                continue;
            }
            _ => {}
        }
        out.last_mut().expect("never empty").push(*t);
    }
    out
}

impl WindowText {
    /// The window of a metric expression whose top level is `call OVER (...)`; None for any
    /// other expression.
    pub fn parse(sql: &str) -> Result<Option<WindowText>> {
        if !crate::sql::may_contain_word(sql, "over") {
            return Ok(None);
        }
        let toks = tokenize(sql)?;
        let sig: Vec<&Tok> = toks.iter().filter(|t| !t.is_trivia()).collect();
        let mut depth = 0i64;
        let mut over = None;
        let mut nested = false;
        for (i, t) in sig.iter().enumerate() {
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ if is_word(t, "OVER") && sig.get(i + 1).is_some_and(|n| n.token == Token::LParen) => {
                    if depth > 0 {
                        nested = true;
                    } else if over.is_none() {
                        over = Some(i);
                    }
                }
                _ => {}
            }
        }
        // A window inside another call would run per grain, before the result exists.
        if nested && over.is_none() && !has_subquery(&sig) {
            return Err(Error::invalid(format!(
                "metric '{sql}': a window function (OVER) must be the whole metric expression; apply other \
                 functions in a metric built on it (e.g. m_rounded AS round(m, 2))"
            )));
        }
        let Some(over) = over else { return Ok(None) };
        let shape = || {
            Error::invalid(format!(
                "window metric '{sql}' must be one window function call: <function>(<metric>, ...) OVER (...); \
                 combine it with other metrics in a metric of its own"
            ))
        };
        // The closing parenthesis of OVER ( ... ) must end the expression.
        let mut depth = 0i64;
        let mut close = None;
        for (i, t) in sig.iter().enumerate().skip(over + 1) {
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let close = close.ok_or_else(shape)?;
        if close + 1 != sig.len() || over == 0 {
            return Err(shape());
        }
        let call = text_of(sql, &sig[..over]);
        let spec = &sig[over + 2..close];
        let mut w = WindowText { call, excluding: false, partition: vec![], order: vec![], frame: String::new() };
        // Sections at the spec's top level: PARTITION BY, ORDER BY, then the frame.
        let mut depth = 0i64;
        let mut marks: Vec<(usize, &str)> = Vec::new();
        for (i, t) in spec.iter().enumerate() {
            match t.token {
                Token::LParen | Token::LBracket => depth += 1,
                Token::RParen | Token::RBracket => depth -= 1,
                _ if depth != 0 => {}
                _ if is_word(t, "PARTITION") && spec.get(i + 1).is_some_and(|n| is_word(n, "BY")) => marks.push((i, "PARTITION")),
                _ if is_word(t, "ORDER") && spec.get(i + 1).is_some_and(|n| is_word(n, "BY")) => marks.push((i, "ORDER")),
                _ if ["ROWS", "RANGE", "GROUPS"].iter().any(|k| is_word(t, k)) && !marks.iter().any(|m| m.1 == "FRAME") => {
                    marks.push((i, "FRAME"))
                }
                _ => {}
            }
        }
        if marks.first().is_some_and(|m| m.0 != 0) || (marks.is_empty() && !spec.is_empty()) {
            return Err(Error::invalid(format!(
                "window metric '{sql}': OVER (...) takes PARTITION BY [EXCLUDING] <dimensions>, ORDER BY <dimensions or metrics> and a frame"
            )));
        }
        let order_of = ["PARTITION", "ORDER", "FRAME"];
        for (k, (start, kind)) in marks.iter().enumerate() {
            if k > 0 && order_of.iter().position(|o| o == kind) <= order_of.iter().position(|o| *o == marks[k - 1].1) {
                return Err(Error::invalid(format!("window metric '{sql}': {kind} is out of place in OVER (...)")));
            }
            let end = marks.get(k + 1).map(|m| m.0).unwrap_or(spec.len());
            match *kind {
                "FRAME" => w.frame = text_of(sql, &spec[*start..end]),
                _ => {
                    let mut body = &spec[start + 2..end];
                    if *kind == "PARTITION" && body.first().is_some_and(|t| is_word(t, "EXCLUDING")) {
                        w.excluding = true;
                        body = &body[1..];
                    }
                    let items = split_commas(body);
                    if items.iter().any(|i| i.is_empty()) {
                        return Err(Error::invalid(format!("window metric '{sql}': {kind} BY has an empty item")));
                    }
                    for item in items {
                        if *kind == "PARTITION" {
                            w.partition.push(text_of(sql, &item));
                        } else {
                            // The name, then ASC/DESC and NULLS FIRST/LAST.
                            let name_len =
                                item.iter().position(|t| ["ASC", "DESC", "NULLS"].iter().any(|k| is_word(t, k))).unwrap_or(item.len());
                            let direction = &item[name_len..];
                            if !is_direction(direction) {
                                return Err(Error::invalid(format!(
                                    "window metric '{sql}': ORDER BY {} takes [ASC | DESC] [NULLS FIRST | NULLS LAST]",
                                    text_of(sql, &item[..name_len])
                                )));
                            }
                            w.order.push((text_of(sql, &item[..name_len]), text_of(sql, direction)));
                        }
                    }
                }
            }
        }
        Ok(Some(w))
    }
}

impl View {
    /// Resolves a window metric's call and items. Returns the window and the parts the member
    /// depends on (for resolution order and cycle checks).
    pub(crate) fn resolve_window(&self, id: MemberId, text: &WindowText) -> Result<(Window, Vec<Part>)> {
        let what = format!("window metric '{}'", self.qualified_name(id));
        check_single_expression(&text.call, &what)?;
        // The call reads metrics, as a derived metric does (`table` None: any table's metrics).
        let call = self.resolve(&text.call, None, Some(id)).map_err(|e| e.context(&what))?;
        let mut metric_args = 0;
        for p in &call {
            match p {
                Part::Member(m) if m.kind == MemberKind::Metric => metric_args += 1,
                Part::Member(m) => {
                    return Err(Error::invalid(format!(
                        "{what}: {} '{}' is not a metric; a window function's arguments are metrics, computed at the requested dimensions",
                        m.kind.noun(),
                        self.qualified_name(*m)
                    )))
                }
                Part::Column { table, column } => {
                    return Err(Error::invalid(format!(
                        "{what}: column '{}.{column}' is not a metric; a window function's arguments are metrics, computed at the requested dimensions",
                        self.tables[*table].alias
                    )))
                }
                _ => {}
            }
        }
        if metric_args == 0 && text.order.is_empty() {
            return Err(Error::invalid(format!("{what}: the window function reads no metric")));
        }
        let item = |raw: &str, clause: &str, dimensions_only: bool| -> Result<MemberId> {
            self.named_item(raw, dimensions_only).map_err(|e| e.context(format!("{what}: {clause}")))
        };
        let partition_ids = text
            .partition
            .iter()
            .map(|p| item(p, if text.excluding { "PARTITION BY EXCLUDING" } else { "PARTITION BY" }, text.excluding))
            .collect::<Result<Vec<_>>>()?;
        let partition = match (text.excluding, partition_ids.is_empty()) {
            (_, true) => Partition::Whole,
            (true, false) => Partition::Excluding(partition_ids),
            (false, false) => Partition::By(partition_ids),
        };
        let order = text
            .order
            .iter()
            .map(|(name, direction)| Ok((item(name, "ORDER BY", false)?, direction.clone())))
            .collect::<Result<Vec<_>>>()?;
        let window = Window { call: call.clone(), partition, order, frame: text.frame.clone() };
        let mut parts = call;
        let items = match &window.partition {
            Partition::Whole => vec![],
            Partition::By(ids) | Partition::Excluding(ids) => ids.clone(),
        };
        for dep in items.into_iter().chain(window.order.iter().map(|(id, _)| *id)) {
            parts.push(Part::Text(" ".into()));
            parts.push(Part::Member(dep));
        }
        Ok((window, parts))
    }

    /// A dimension (or, unless `dimensions_only`, a metric) named `name` or `alias.name`: a
    /// window's PARTITION BY or ORDER BY item, a NON ADDITIVE BY dimension.
    pub(crate) fn named_item(&self, raw: &str, dimensions_only: bool) -> Result<MemberId> {
        let expected = if dimensions_only { "a dimension name" } else { "a dimension or metric name" };
        let parts = parse_qualified_name(raw)
            .map_err(|_| Error::invalid(format!("'{raw}' is not {expected}; define the expression as a dimension and name it")))?;
        let (table, name) = match parts.as_slice() {
            [name] => (None, name),
            [alias, name] => match self.table_index(&alias.value) {
                Some(t) => (Some(t), name),
                None => return Err(Error::invalid(format!("'{raw}': unknown table alias '{}'", alias.value))),
            },
            _ => return Err(Error::invalid(format!("'{raw}' is not {expected}"))),
        };
        let found: Vec<MemberId> = self
            .named(&name.value)
            .filter(|id| match id.kind {
                MemberKind::Dimension => true,
                MemberKind::Metric => !dimensions_only,
                MemberKind::Fact => false,
            })
            .filter(|id| table.is_none() || self.member(*id).table == table)
            .collect();
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(Error::invalid(format!("'{raw}' is not {expected}"))),
            many => Err(Error::invalid(format!(
                "'{raw}' is ambiguous: {}; qualify it with its table alias",
                name_list(&many.iter().map(|id| self.qualified_name(*id)).collect::<Vec<_>>())
            ))),
        }
    }

    /// Whether a metric is a window metric or builds on one (computed after aggregation).
    pub fn is_windowed(&self, index: usize) -> bool {
        let mut seen = Vec::new();
        self.windowed_seen(index, &mut seen)
    }

    fn windowed_seen(&self, index: usize, seen: &mut Vec<usize>) -> bool {
        if seen.contains(&index) {
            return false;
        }
        seen.push(index);
        let m = &self.metrics[index];
        m.window.is_some()
            || m.parts.iter().any(|p| matches!(p, Part::Member(id) if id.kind == MemberKind::Metric && self.windowed_seen(id.index, seen)))
    }

    /// The window metrics a metric builds on (itself if it is one).
    pub fn windows_of(&self, index: usize, out: &mut Vec<usize>) {
        if out.contains(&index) {
            return;
        }
        let m = &self.metrics[index];
        if m.window.is_some() {
            out.push(index);
            return;
        }
        for p in &m.parts {
            if let Part::Member(id) = p {
                if id.kind == MemberKind::Metric && self.is_windowed(id.index) {
                    self.windows_of(id.index, out);
                }
            }
        }
    }

    /// The dimensions a request for this metric must include (its windows' PARTITION BY and
    /// ORDER BY dimensions), in first-use order.
    pub fn required_dimensions(&self, index: usize) -> Vec<MemberId> {
        let mut windows = Vec::new();
        self.windows_of(index, &mut windows);
        let mut out: Vec<MemberId> = Vec::new();
        for w in windows {
            for d in self.metrics[w].window.as_ref().map(Window::required_dimensions).unwrap_or_default() {
                if !out.contains(&d) {
                    out.push(d);
                }
            }
        }
        out
    }

    /// Whether `from`'s expression reads `to`, at any depth.
    fn depends_on(&self, from: MemberId, to: MemberId, seen: &mut Vec<MemberId>) -> bool {
        if seen.contains(&from) {
            return false;
        }
        seen.push(from);
        self.member(from).parts.iter().any(|p| matches!(p, Part::Member(d) if *d == to || self.depends_on(*d, to, seen)))
    }

    /// Define-time checks of a metric that is computed after aggregation.
    pub(crate) fn check_windowed(&self, index: usize) -> Result<()> {
        let id = MemberId { kind: MemberKind::Metric, index };
        let m = &self.metrics[index];
        let what = format!("metric '{}'", self.qualified_name(id));
        if let Some(w) = &m.window {
            // DuckDB cannot nest window functions; the arguments and ORDER BY are aggregates.
            let windowed = |d: &MemberId| d.kind == MemberKind::Metric && self.is_windowed(d.index);
            let in_call = w.call.iter().find_map(|p| match p {
                Part::Member(dep) if windowed(dep) => Some(*dep),
                _ => None,
            });
            let nested = in_call.or_else(|| w.order.iter().map(|(d, _)| *d).find(windowed));
            // A window reading itself through other metrics is reported as a cycle.
            if let Some(dep) = nested.filter(|dep| !self.depends_on(*dep, id, &mut Vec::new())) {
                return Err(Error::invalid(format!(
                    "window {what} reads window metric '{}'; a window metric's arguments and ORDER BY are \
                     aggregated metrics, not other window metrics",
                    self.qualified_name(dep)
                )));
            }
            if !m.def.non_additive_by.is_empty() {
                return Err(Error::invalid(format!("window {what}: NON ADDITIVE BY applies to metrics that aggregate rows")));
            }
            return Ok(());
        }
        // Built on a window metric: only combines metrics, as a derived metric does.
        let own = m.parts.iter().find_map(|p| match p {
            Part::Column { table, column } => Some(format!("column '{}.{column}'", self.tables[*table].alias)),
            Part::Member(dep) if dep.kind != MemberKind::Metric => Some(format!("{} '{}'", dep.kind.noun(), self.qualified_name(*dep))),
            _ => None,
        });
        let aggregate = crate::sql::scope::aggregate_calls(&m.def.expr).into_iter().next().map(|c| format!("the aggregate {c}()"));
        if let Some(reads) = own.or(aggregate) {
            return Err(Error::invalid(format!(
                "{what} builds on a window metric, which is computed after aggregation, so it can only combine \
                 metrics; it also reads {reads}: define that part as a metric of its own"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_the_over_clause() {
        let w = WindowText::parse(
            "AVG(o.revenue) OVER (PARTITION BY EXCLUDING o.order_date, c.region ORDER BY o.order_date DESC NULLS LAST \
             RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW)",
        )
        .unwrap()
        .unwrap();
        assert_eq!(w.call, "AVG(o.revenue)");
        assert!(w.excluding);
        assert_eq!(w.partition, vec!["o.order_date", "c.region"]);
        assert_eq!(w.order, vec![("o.order_date".to_string(), "DESC NULLS LAST".to_string())]);
        assert_eq!(w.frame, "RANGE BETWEEN INTERVAL 6 DAYS PRECEDING AND CURRENT ROW");

        let w = WindowText::parse("lag(revenue, 1) over (order by \"month\")").unwrap().unwrap();
        assert_eq!((w.call.as_str(), w.excluding, w.partition.len()), ("lag(revenue, 1)", false, 0));
        assert_eq!(w.order, vec![("\"month\"".to_string(), String::new())]);
        let w = WindowText::parse("RANK() OVER ()").unwrap().unwrap();
        assert!(w.order.is_empty() && w.frame.is_empty());
    }

    #[test]
    fn other_expressions_are_not_windows() {
        for sql in [
            "SUM(x)",
            "sum(x) FILTER (WHERE over > 1)",
            "(SELECT max(a) OVER () FROM t)",
            "o.over",
            "count(*) FILTER (WHERE a IN (SELECT rank() OVER (ORDER BY b) FROM t))",
        ] {
            assert_eq!(WindowText::parse(sql).unwrap(), None, "{sql}");
        }
    }

    #[test]
    fn malformed_windows_are_errors() {
        for sql in [
            "SUM(x) OVER (ORDER BY d) / 2",
            "OVER (ORDER BY d)",
            "SUM(x) OVER (ORDER BY d PARTITION BY e)",
            "SUM(x) OVER (d)",
            "SUM(x) OVER (PARTITION BY a,, b)",
            "SUM(x) OVER (ORDER BY d DESC; DROP TABLE t)",
            "SUM(x) OVER (ORDER BY d NULLS)",
            "round(SUM(x) OVER (ORDER BY d), 2)",
        ] {
            assert!(WindowText::parse(sql).is_err(), "{sql}");
        }
    }
}
