//! A validated, compiled semantic view: tables with their columns, relationships with their
//! inferred cardinality, and members whose expressions are resolved into typed parts
//! (columns, facts, metrics, untouched text). Everything that can be checked without DuckDB
//! is checked here, at define time; the planner can then rely on it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

pub use crate::catalog::PhysicalTable;
use crate::catalog::{key_of, unpinned, Pinned, SubqueryTable};
use crate::error::{did_you_mean, name_list, Error, Result};
use crate::model::{Definition, MemberDef, MemberKind, RangeRef};
use crate::rollup::Rollup;
use crate::sql::{scan_expression, Ident, Piece};
use crate::window::{Window, WindowText};

#[derive(Debug, Clone)]
pub struct Table {
    pub alias: String,
    pub physical: PhysicalTable,
    pub columns: Vec<String>,
    pub primary_key: Vec<String>,
    pub unique: Vec<Vec<String>>,
    /// `CONSTRAINT ... DISTINCT RANGE BETWEEN start AND end EXCLUSIVE`, as column names.
    pub distinct_range: Option<(String, String)>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&str> {
        self.columns.iter().find(|c| eq_ci(c, name)).map(|c| c.as_str())
    }
    fn is_key(&self, columns: &[String]) -> bool {
        let same = |key: &Vec<String>| !key.is_empty() && same_set(key, columns);
        same(&self.primary_key) || self.unique.iter().any(same)
    }
}

#[derive(Debug, Clone)]
pub struct Relationship {
    pub name: String,
    pub from: usize,
    pub from_columns: Vec<String>,
    pub to: usize,
    pub to_columns: Vec<String>,
    pub one_to_one: bool,
    /// Whether the definition named it (role-playing paths must be named).
    pub named: bool,
    /// Index in `to_columns` of the ASOF column (see `RelationshipDef::asof`).
    pub asof: Option<usize>,
    /// A range relationship: the columns of `to` bounding `[start, end)` that the one
    /// `from_columns` value lies in (`to_columns` is empty).
    pub range: Option<(String, String)>,
}

/// One join: a relationship walked from its `from` table to its `to` table, or (one-to-one
/// only) the other way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub rel: usize,
    pub reversed: bool,
}

/// A resolved piece of a member expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Column {
        table: usize,
        column: String,
    },
    Member(MemberId),
    /// A table read by a subquery of the expression.
    Table(PhysicalTable),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId {
    pub kind: MemberKind,
    pub index: usize,
}

#[derive(Debug, Clone)]
pub struct Member {
    pub kind: MemberKind,
    pub name: String,
    /// None only for derived metrics.
    pub table: Option<usize>,
    pub parts: Vec<Part>,
    /// Whether `parts` has been resolved from the expression (see `View::resolve_members`).
    pub resolved: bool,
    pub private: bool,
    pub using: Vec<usize>,
    pub def: MemberDef,
    /// Set when the member aggregates related rows (see `rollup`); decided with `parts`.
    pub rollup: Option<Rollup>,
    /// A window metric's OVER clause (see `window`); resolved with `parts`.
    pub window: Option<Window>,
    /// A semi-additive metric's `NON ADDITIVE BY` dimensions.
    pub non_additive: Vec<NonAdditive>,
}

/// A resolved `NON ADDITIVE BY` item: the dimension and its declared order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct NonAdditive {
    pub dimension: MemberId,
    pub descending: bool,
    pub nulls_first: bool,
}

#[derive(Debug, Clone)]
pub struct View {
    pub definition: Definition,
    pub tables: Vec<Table>,
    pub relationships: Vec<Relationship>,
    pub facts: Vec<Member>,
    pub dimensions: Vec<Member>,
    pub metrics: Vec<Member>,
    /// Members by lower-cased name: name lookups stay O(1) on views with thousands of members.
    by_name: HashMap<String, Vec<MemberId>>,
    /// Tables read by subqueries in member expressions, by `key_of` their written name.
    subquery_tables: BTreeMap<String, SubqueryTable>,
    /// Dimensions and metrics a request defined by expression (see `adhoc`), by kind and text.
    pub(crate) adhoc: HashMap<(MemberKind, String), MemberId>,
}

pub fn eq_ci(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.to_lowercase() == b.to_lowercase()
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| eq_ci(x, y)))
}

impl View {
    pub fn members(&self, kind: MemberKind) -> &[Member] {
        match kind {
            MemberKind::Fact => &self.facts,
            MemberKind::Dimension => &self.dimensions,
            MemberKind::Metric => &self.metrics,
        }
    }

    pub fn member(&self, id: MemberId) -> &Member {
        &self.members(id.kind)[id.index]
    }

    pub fn table_index(&self, alias: &str) -> Option<usize> {
        self.tables.iter().position(|t| eq_ci(&t.alias, alias))
    }

    /// `alias.name` for table members, `name` for derived metrics.
    pub fn qualified_name(&self, id: MemberId) -> String {
        let m = self.member(id);
        match m.table {
            Some(t) => format!("{}.{}", self.tables[t].alias, m.name),
            None => m.name.clone(),
        }
    }

    /// Compiles a definition. `columns` gives the column names of each table by alias
    /// (looked up in DuckDB's catalog by the caller).
    pub fn compile(definition: Definition, home_schema: &str, columns: &BTreeMap<String, Vec<String>>, pinned: &Pinned) -> Result<View> {
        let mut view = Self::declare(definition, home_schema, columns, pinned)?;
        view.check_graph()?;
        view.resolve_expressions()?;
        view.check_member_cycles()?;
        Ok(view)
    }

    /// Tables, relationships and member names only; member expressions are resolved later and
    /// only where a request needs them (`resolve_members`). For stored views, which were
    /// fully validated when they were defined: bind time then costs what the request touches.
    pub fn declare(definition: Definition, home_schema: &str, columns: &BTreeMap<String, Vec<String>>, pinned: &Pinned) -> Result<View> {
        let mut view = View {
            subquery_tables: pinned.subquery_tables.clone(),
            adhoc: HashMap::new(),
            tables: Vec::new(),
            relationships: Vec::new(),
            facts: Vec::new(),
            dimensions: Vec::new(),
            metrics: Vec::new(),
            definition: Definition::default(),
            by_name: HashMap::new(),
        };
        view.compile_tables(&definition, home_schema, columns, pinned)?;
        view.compile_relationships(&definition)?;
        view.declare_members(&definition)?;
        view.definition = definition;
        Ok(view)
    }

    /// Resolves the expressions of `roots` and of every member they reference.
    pub fn resolve_members(&mut self, roots: impl IntoIterator<Item = MemberId>) -> Result<()> {
        let mut todo: Vec<MemberId> = roots.into_iter().collect();
        let mut resolved = Vec::new();
        while let Some(id) = todo.pop() {
            if self.member(id).resolved {
                continue;
            }
            let (parts, window) = self.resolve_member(id)?;
            todo.extend(parts.iter().filter_map(|p| match p {
                Part::Member(dep) => Some(*dep),
                _ => None,
            }));
            todo.extend(self.member(id).non_additive.iter().map(|n| n.dimension));
            let m = self.member_mut(id);
            m.parts = parts;
            m.window = window;
            m.resolved = true;
            resolved.push(id);
        }
        // Dependencies first: whether a member aggregates related rows depends on what the
        // members it reads do. (Cycles are reported by `check_member_cycles`.)
        let mut decided = BTreeSet::new();
        for id in resolved {
            self.decide_rollup(id, &mut decided, &mut BTreeSet::new())?;
        }
        Ok(())
    }

    fn decide_rollup(&mut self, id: MemberId, decided: &mut BTreeSet<MemberId>, visiting: &mut BTreeSet<MemberId>) -> Result<()> {
        if decided.contains(&id) || !visiting.insert(id) || !self.member(id).resolved {
            return Ok(());
        }
        let deps: Vec<MemberId> = self
            .member(id)
            .parts
            .iter()
            .filter_map(|p| match p {
                Part::Member(dep) => Some(*dep),
                _ => None,
            })
            .collect();
        for dep in deps {
            self.decide_rollup(dep, decided, visiting)?;
        }
        let rollup = self.find_rollup(id)?;
        self.member_mut(id).rollup = rollup;
        decided.insert(id);
        Ok(())
    }

    fn member_mut(&mut self, id: MemberId) -> &mut Member {
        match id.kind {
            MemberKind::Fact => &mut self.facts[id.index],
            MemberKind::Dimension => &mut self.dimensions[id.index],
            MemberKind::Metric => &mut self.metrics[id.index],
        }
    }

    fn resolve_member(&self, id: MemberId) -> Result<(Vec<Part>, Option<Window>)> {
        let m = self.member(id);
        let what = format!("{} '{}'", id.kind.noun(), self.qualified_name(id));
        if id.kind == MemberKind::Metric {
            if let Some(text) = WindowText::parse(&m.def.expr).map_err(|e| e.context(&what))? {
                let (window, parts) = self.resolve_window(id, &text)?;
                return Ok((parts, Some(window)));
            }
        }
        Ok((self.resolve(&m.def.expr, m.table, Some(id)).map_err(|e| e.context(&what))?, None))
    }

    fn compile_tables(
        &mut self,
        def: &Definition,
        home_schema: &str,
        columns: &BTreeMap<String, Vec<String>>,
        pinned: &Pinned,
    ) -> Result<()> {
        if def.tables.is_empty() {
            return Err(Error::invalid("a semantic view needs at least one table in \"tables\""));
        }
        for t in &def.tables {
            let alias = parse_single_ident(&t.alias, "table alias")?;
            if self.table_index(&alias).is_some() {
                return Err(Error::invalid(format!("duplicate table alias '{alias}'")));
            }
            let physical = match pinned.tables.iter().find(|(k, _)| eq_ci(k, &alias)) {
                Some((_, found)) => found.clone(),
                None => unpinned(&t.table, home_schema).map_err(|e| e.context(format!("table '{alias}'")))?,
            };
            let cols = columns
                .iter()
                .find(|(k, _)| eq_ci(k, &alias))
                .map(|(_, v)| v.clone())
                .ok_or_else(|| Error::catalog(format!("table '{alias}' ({}) has no known columns", t.table)))?;
            let table =
                Table { alias: alias.clone(), physical, columns: cols, primary_key: Vec::new(), unique: Vec::new(), distinct_range: None };
            let check = |key: &[String], what: &str| -> Result<Vec<String>> {
                if key.is_empty() {
                    return Err(Error::invalid(format!("table '{alias}': {what} is empty")));
                }
                key.iter().map(|c| table.column(c).map(str::to_string).ok_or_else(|| unknown_column(&table, c, what))).collect()
            };
            let primary_key = if t.primary_key.is_empty() { Vec::new() } else { check(&t.primary_key, "primary_key")? };
            let unique = t.unique.iter().map(|u| check(u, "unique key")).collect::<Result<Vec<_>>>()?;
            let distinct_range = match &t.distinct_range {
                Some(r) => {
                    let bounds = check(&[r.start.clone(), r.end.clone()], "DISTINCT RANGE constraint")?;
                    Some((bounds[0].clone(), bounds[1].clone()))
                }
                None => None,
            };
            self.tables.push(Table { primary_key, unique, distinct_range, ..table });
        }
        Ok(())
    }

    /// The `[start, end)` columns of a range relationship's target, which must declare them a
    /// DISTINCT RANGE (else one row could match several ranges and fan out).
    fn range_target(&self, to: usize, b: &RangeRef, from_columns: &[String]) -> std::result::Result<(String, String), String> {
        if from_columns.len() != 1 {
            return Err(format!("a range relationship matches one column, found {} ({})", from_columns.len(), from_columns.join(", ")));
        }
        let target = &self.tables[to];
        let column = |c: &str| target.column(c).map(str::to_string).ok_or_else(|| unknown_column(target, c, "BETWEEN").message);
        let (start, end) = (column(&b.start)?, column(&b.end)?);
        match &target.distinct_range {
            Some((s, e)) if eq_ci(s, &start) && eq_ci(e, &end) => Ok((start, end)),
            _ => Err(format!(
                "table '{}' must declare CONSTRAINT DISTINCT RANGE BETWEEN {start} AND {end} EXCLUSIVE for a range relationship to match at most one of its rows",
                target.alias
            )),
        }
    }

    fn compile_relationships(&mut self, def: &Definition) -> Result<()> {
        for (i, r) in def.relationships.iter().enumerate() {
            let label = r.name.clone().unwrap_or_else(|| format!("#{}", i + 1));
            let err = |m: String| Error::invalid(format!("relationship '{label}': {m}"));
            let table = |alias: &str| {
                self.table_index(alias).ok_or_else(|| {
                    let aliases: Vec<&str> = self.tables.iter().map(|t| t.alias.as_str()).collect();
                    err(format!("unknown table alias '{alias}' (tables: {})", name_list(&aliases)))
                })
            };
            let from = table(&r.from)?;
            let to = table(&r.to)?;
            if from == to {
                return Err(err(format!("table '{}' references itself; self-references are not supported", r.from)));
            }
            let cols = |t: usize, list: &[String], what: &str| -> Result<Vec<String>> {
                list.iter()
                    .map(|c| {
                        self.tables[t]
                            .column(c)
                            .map(str::to_string)
                            .ok_or_else(|| unknown_column(&self.tables[t], c, what).context(format!("relationship '{label}'")))
                    })
                    .collect()
            };
            if r.from_columns.is_empty() {
                return Err(err("from_columns is empty".into()));
            }
            let from_columns = cols(from, &r.from_columns, "from_columns")?;
            if let Some(b) = &r.between {
                let range = self.range_target(to, b, &from_columns).map_err(err)?;
                let name = match &r.name {
                    Some(n) => parse_single_ident(n, "relationship name")?,
                    None => format!("{}_to_{}", self.tables[from].alias, self.tables[to].alias),
                };
                if self.relationships.iter().any(|x| eq_ci(&x.name, &name)) {
                    return Err(Error::invalid(format!("duplicate relationship name '{name}'")));
                }
                let named = r.name.is_some();
                let to_columns = vec![];
                self.relationships.push(Relationship {
                    name,
                    from,
                    from_columns,
                    to,
                    to_columns,
                    one_to_one: false,
                    named,
                    asof: None,
                    range: Some(range),
                });
                continue;
            }
            // Snowflake's default target: the primary key, else the table's only unique key.
            let to_columns = if r.to_columns.is_empty() {
                let target = &self.tables[to];
                match (target.primary_key.is_empty(), target.unique.as_slice()) {
                    (false, _) => target.primary_key.clone(),
                    (true, [only]) => only.clone(),
                    (true, []) => return Err(err(format!("to_columns is omitted and table '{}' has no primary_key", target.alias))),
                    (true, _) => {
                        return Err(err(format!(
                            "to_columns is omitted and table '{}' has no primary key but several unique keys; name the referenced columns",
                            target.alias
                        )))
                    }
                }
            } else {
                cols(to, &r.to_columns, "to_columns")?
            };
            if from_columns.len() != to_columns.len() {
                return Err(err(format!("{} from_columns but {} to_columns", from_columns.len(), to_columns.len())));
            }
            let asof = match &r.asof {
                Some(a) => Some(
                    to_columns
                        .iter()
                        .position(|c| eq_ci(c, a))
                        .ok_or_else(|| err(format!("the ASOF column '{a}' must be one of the referenced columns")))?,
                ),
                None => None,
            };
            // An ASOF match picks one row by construction; otherwise the target must be a key.
            if asof.is_none() && !self.tables[to].is_key(&to_columns) {
                return Err(err(format!(
                    "to_columns ({}) must be the primary key or a unique key of table '{}'",
                    to_columns.join(", "),
                    self.tables[to].alias
                )));
            }
            let name = match &r.name {
                Some(n) => parse_single_ident(n, "relationship name")?,
                None => format!("{}_to_{}", self.tables[from].alias, self.tables[to].alias),
            };
            if self.relationships.iter().any(|x| eq_ci(&x.name, &name)) {
                return Err(Error::invalid(format!("duplicate relationship name '{name}'")));
            }
            let one_to_one = asof.is_none() && self.tables[from].is_key(&from_columns);
            let named = r.name.is_some();
            self.relationships.push(Relationship { name, from, from_columns, to, to_columns, one_to_one, named, asof, range: None });
        }
        Ok(())
    }

    /// Rejects cycles, disconnected tables and unnamed parallel paths.
    fn check_graph(&self) -> Result<()> {
        let n = self.tables.len();
        // Cycles: depth-first search with colours.
        fn visit(v: usize, view: &View, colour: &mut [u8], stack: &mut Vec<usize>) -> Result<()> {
            colour[v] = 1;
            stack.push(v);
            for r in view.relationships.iter().filter(|r| r.from == v) {
                if colour[r.to] == 1 {
                    let start = stack.iter().position(|&x| x == r.to).unwrap_or(0);
                    let mut cycle: Vec<&str> = stack[start..].iter().map(|&t| view.tables[t].alias.as_str()).collect();
                    cycle.push(&view.tables[r.to].alias);
                    return Err(Error::invalid(format!("relationships form a cycle: {}", cycle.join(" -> "))));
                }
                if colour[r.to] == 0 {
                    visit(r.to, view, colour, stack)?;
                }
            }
            stack.pop();
            colour[v] = 2;
            Ok(())
        }
        let mut colour = vec![0u8; n];
        for v in 0..n {
            if colour[v] == 0 {
                visit(v, self, &mut colour, &mut Vec::new())?;
            }
        }
        // Connectivity (undirected).
        let mut seen = vec![false; n];
        let mut todo = vec![0usize];
        seen[0] = true;
        while let Some(v) = todo.pop() {
            for r in &self.relationships {
                for (a, b) in [(r.from, r.to), (r.to, r.from)] {
                    if a == v && !seen[b] {
                        seen[b] = true;
                        todo.push(b);
                    }
                }
            }
        }
        if let Some(lonely) = seen.iter().position(|s| !s) {
            return Err(Error::invalid(format!(
                "table '{}' cannot be reached from table '{}' through any relationship",
                self.tables[lonely].alias, self.tables[0].alias
            )));
        }
        // Parallel paths must consist of explicitly named relationships (role-playing).
        for a in 0..n {
            for b in 0..n {
                let paths = self.paths(a, b, false);
                if paths.len() > 1 {
                    for p in &paths {
                        for step in p {
                            if !self.relationships[step.rel].named {
                                return Err(Error::invalid(format!(
                                    "tables '{}' and '{}' are connected by {} paths; name every relationship on them \
                                     (role-playing) and pick one per metric with \"using\"",
                                    self.tables[a].alias,
                                    self.tables[b].alias,
                                    paths.len()
                                )));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    /// Every path from `a` to `b` that never multiplies rows of `a`: many-to-one relationships
    /// walked forward, and with `reverse`, one-to-one relationships walked either way. Empty
    /// when `a == b`.
    pub fn paths(&self, a: usize, b: usize, reverse: bool) -> Vec<Vec<Step>> {
        let mut out = Vec::new();
        if a == b {
            return out;
        }
        let mut visited = vec![false; self.tables.len()];
        visited[a] = true;
        self.walk(a, b, reverse, &mut visited, &mut Vec::new(), &mut out);
        out
    }

    fn walk(&self, v: usize, target: usize, reverse: bool, visited: &mut [bool], path: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        if out.len() >= 64 {
            return; // enough to report ambiguity
        }
        for (i, r) in self.relationships.iter().enumerate() {
            let step = if r.from == v {
                Step { rel: i, reversed: false }
            } else if reverse && r.one_to_one && r.to == v {
                Step { rel: i, reversed: true }
            } else {
                continue;
            };
            let next = self.step_target(step);
            if visited[next] {
                continue;
            }
            path.push(step);
            if next == target {
                out.push(path.clone());
            } else {
                visited[next] = true;
                self.walk(next, target, reverse, visited, path, out);
                visited[next] = false;
            }
            path.pop();
        }
    }

    /// The table a join step adds.
    pub fn step_target(&self, step: Step) -> usize {
        let r = &self.relationships[step.rel];
        if step.reversed {
            r.from
        } else {
            r.to
        }
    }

    fn declare_members(&mut self, def: &Definition) -> Result<()> {
        for (kind, list) in [(MemberKind::Fact, &def.facts), (MemberKind::Dimension, &def.dimensions), (MemberKind::Metric, &def.metrics)] {
            for m in list {
                let name = parse_single_ident(&m.name, &format!("{} name", kind.noun()))?;
                let what = format!("{} '{}'", kind.noun(), name);
                let table = match &m.table {
                    Some(alias) => Some(self.table_index(alias).ok_or_else(|| {
                        let aliases: Vec<&str> = self.tables.iter().map(|t| t.alias.as_str()).collect();
                        Error::invalid(format!("{what}: unknown table alias '{alias}' (tables: {})", name_list(&aliases)))
                    })?),
                    None if kind == MemberKind::Metric => None,
                    None => return Err(Error::invalid(format!("{what}: \"table\" is required for {}", kind.plural()))),
                };
                let using = m
                    .using
                    .iter()
                    .map(|u| {
                        self.relationships.iter().position(|r| eq_ci(&r.name, u)).ok_or_else(|| {
                            let names: Vec<&str> = self.relationships.iter().map(|r| r.name.as_str()).collect();
                            Error::invalid(format!(
                                "{what}: unknown relationship '{u}' in \"using\" (relationships: {})",
                                name_list(&names)
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let non_additive = self.non_additive(&what, table, m)?;
                let clash = self.named(&name).find(|id| self.member(*id).table == table);
                if let Some(other) = clash.map(|id| self.member(id)) {
                    let scope = table.map(|t| format!(" in table '{}'", self.tables[t].alias)).unwrap_or_default();
                    return Err(Error::invalid(format!(
                        "duplicate member name '{name}'{scope}: already defined as a {}",
                        other.kind.noun()
                    )));
                }
                let index = self.members(kind).len();
                self.by_name.entry(name.to_lowercase()).or_default().push(MemberId { kind, index });
                let member = Member {
                    kind,
                    name,
                    table,
                    parts: Vec::new(),
                    resolved: false,
                    private: m.private,
                    using,
                    def: m.clone(),
                    rollup: None,
                    window: None,
                    non_additive,
                };
                match kind {
                    MemberKind::Fact => self.facts.push(member),
                    MemberKind::Dimension => self.dimensions.push(member),
                    MemberKind::Metric => self.metrics.push(member),
                }
            }
        }
        // Derived metric names must not collide with any table-level member name.
        for d in self.metrics.iter().filter(|m| m.table.is_none()) {
            if let Some(other) = self.named(&d.name).map(|id| self.member(id)).find(|o| o.table.is_some()) {
                return Err(Error::invalid(format!(
                    "duplicate member name '{}': derived metric clashes with {} '{}'",
                    d.name,
                    other.kind.noun(),
                    other.name
                )));
            }
        }
        Ok(())
    }

    /// A metric's `NON ADDITIVE BY` dimensions (declared before metrics).
    fn non_additive(&self, what: &str, table: Option<usize>, m: &MemberDef) -> Result<Vec<NonAdditive>> {
        if m.non_additive_by.is_empty() {
            return Ok(Vec::new());
        }
        if table.is_none() {
            return Err(Error::invalid(format!(
                "{what}: NON ADDITIVE BY applies to metrics of a table (it chooses which of the table's rows to aggregate)"
            )));
        }
        let mut out: Vec<NonAdditive> = Vec::new();
        for d in &m.non_additive_by {
            let dimension = self.named_item(&d.dimension, true).map_err(|e| e.context(format!("{what}: NON ADDITIVE BY")))?;
            if out.iter().any(|o| o.dimension == dimension) {
                return Err(Error::invalid(format!("{what}: NON ADDITIVE BY names '{}' twice", d.dimension)));
            }
            out.push(NonAdditive { dimension, descending: d.descending, nulls_first: d.nulls_sort_first() });
        }
        Ok(out)
    }

    /// Members with this name (case-insensitive), any table and kind.
    pub fn named<'a>(&'a self, name: &str) -> impl Iterator<Item = MemberId> + 'a {
        self.by_name.get(&name.to_lowercase()).into_iter().flatten().copied()
    }

    pub fn all_members(&self) -> impl Iterator<Item = (MemberId, &Member)> {
        [MemberKind::Fact, MemberKind::Dimension, MemberKind::Metric]
            .into_iter()
            .flat_map(move |kind| self.members(kind).iter().enumerate().map(move |(index, m)| (MemberId { kind, index }, m)))
    }

    /// Resolves every member (define time, and error paths that report on all members).
    pub fn resolve_all(&mut self) -> Result<()> {
        let ids: Vec<MemberId> = self.all_members().map(|(id, _)| id).collect();
        self.resolve_members(ids)
    }

    /// A derived metric combines aggregated metrics: every name in it is a metric, and it does
    /// not aggregate again.
    fn check_derived_metric(&self, id: MemberId) -> Result<()> {
        let m = self.member(id);
        let what = format!("derived metric '{}'", m.name);
        if let Some(call) = crate::sql::scope::aggregate_calls(&m.def.expr).first() {
            return Err(Error::invalid(format!(
                "{what}: applies the aggregate {call}() to metrics, which are aggregated already; combine them \
                 without aggregating (e.g. revenue / orders), or define the metric on a table"
            )));
        }
        let columns = |_: &[Ident]| None;
        for piece in scan_expression(&m.def.expr, &columns)? {
            if let Piece::Name { parts, text, hidden_by } = piece {
                if hidden_by.is_empty() && self.resolve_name(&parts, None, Some(id))?.is_none() {
                    let metrics = self.metrics.iter().filter(|x| x.name != m.name).map(|x| x.name.as_str());
                    let hint = did_you_mean(&text, metrics).map(|c| format!(" Did you mean '{c}'?")).unwrap_or_default();
                    return Err(Error::invalid(format!("{what}: unknown metric '{text}'.{hint}")));
                }
            }
        }
        Ok(())
    }

    fn resolve_expressions(&mut self) -> Result<()> {
        // In definition order, so the first invalid member is the one reported.
        let ids: Vec<MemberId> = self.all_members().map(|(id, _)| id).collect();
        for id in ids {
            self.resolve_members([id])?;
            let m = self.member(id);
            let windowed = id.kind == MemberKind::Metric && self.is_windowed(id.index);
            if windowed {
                self.check_windowed(id.index)?;
            } else if m.table.is_none() {
                self.check_derived_metric(id)?;
            }
            if !windowed && m.table.is_some() {
                self.check_reads_no_snapshot(id)?;
            }
            if windowed && !m.non_additive.is_empty() {
                return Err(Error::invalid(format!(
                    "metric '{}' builds on a window metric; NON ADDITIVE BY applies to metrics that aggregate rows",
                    self.qualified_name(id)
                )));
            }
            if m.table.is_none() && !m.parts.iter().any(|p| matches!(p, Part::Member(_))) {
                return Err(Error::invalid(format!(
                    "{} '{}': a derived metric (without \"table\") must reference other metrics",
                    id.kind.noun(),
                    self.qualified_name(id)
                )));
            }
        }
        Ok(())
    }

    /// A table-level metric inlines the metrics it reads into its own aggregate, which would
    /// drop their NON ADDITIVE BY: combining a semi-additive metric is a derived metric's job.
    fn check_reads_no_snapshot(&self, id: MemberId) -> Result<()> {
        let mut todo: Vec<MemberId> = vec![id];
        let mut seen: Vec<MemberId> = Vec::new();
        while let Some(m) = todo.pop() {
            if seen.contains(&m) {
                continue;
            }
            seen.push(m);
            for p in &self.member(m).parts {
                let Part::Member(dep) = p else { continue };
                if dep.kind != MemberKind::Metric {
                    continue;
                }
                if !self.member(*dep).non_additive.is_empty() {
                    return Err(Error::invalid(format!(
                        "metric '{}' reads semi-additive metric '{}' inside its own aggregate, which would ignore its \
                         NON ADDITIVE BY; combine them in a derived metric (without a table), e.g. {} AS {} * 2",
                        self.qualified_name(id),
                        self.qualified_name(*dep),
                        self.member(id).name,
                        self.member(*dep).name
                    )));
                }
                todo.push(*dep);
            }
        }
        Ok(())
    }

    /// Resolves the names in an expression. `owner` is the member whose expression this is
    /// (None for a request's where clause), `table` its table. A member never resolves to
    /// itself: in `revenue AS sum(revenue)` the inner name is the column.
    pub fn resolve(&self, expr: &str, table: Option<usize>, owner: Option<MemberId>) -> Result<Vec<Part>> {
        let columns = |parts: &[Ident]| self.subquery_tables.get(&key_of(parts)).map(|t| t.columns.clone());
        let mut parts = Vec::new();
        for piece in scan_expression(expr, &columns)? {
            match piece {
                Piece::Text(t) => parts.push(Part::Text(t)),
                Piece::Table { parts: names, text } => match self.subquery_tables.get(&key_of(&names)) {
                    Some(found) => parts.push(Part::Table(found.table.clone())),
                    None => parts.push(Part::Text(text)),
                },
                Piece::Name { parts: names, text, hidden_by } => match self.resolve_name(&names, table, owner)? {
                    Some((part, rest)) => {
                        self.check_not_hidden(&part, &text, &hidden_by)?;
                        parts.push(part);
                        for r in &names[names.len() - rest..] {
                            parts.push(Part::Text(format!(".{}", crate::sql::quote_ident(&r.value))));
                        }
                    }
                    None => parts.push(Part::Text(text)),
                },
            }
        }
        Ok(parts)
    }

    /// A reference inside a subquery is printed qualified by view table aliases; a subquery
    /// table with the same alias would capture it.
    fn check_not_hidden(&self, part: &Part, text: &str, hidden_by: &[String]) -> Result<()> {
        if hidden_by.is_empty() {
            return Ok(());
        }
        let mut tables = BTreeSet::new();
        match part {
            Part::Column { table, .. } => {
                tables.insert(*table);
            }
            Part::Member(id) => tables = self.tables_of(*id),
            _ => {}
        }
        for t in tables {
            let alias = &self.tables[t].alias;
            if let Some(h) = hidden_by.iter().find(|h| eq_ci(h, alias)) {
                return Err(Error::invalid(format!(
                    "'{text}' refers to table '{alias}' of the semantic view from inside a subquery whose table '{h}' \
                     has the same name; give the subquery's table another alias"
                )));
            }
        }
        Ok(())
    }

    /// Returns the resolved reference and how many trailing identifiers remain (field access).
    fn resolve_name(&self, names: &[Ident], table: Option<usize>, owner: Option<MemberId>) -> Result<Option<(Part, usize)>> {
        let owner_kind = owner.map(|o| o.kind);
        let check_use = |id: MemberId| -> Result<Part> {
            let target = self.member(id);
            let allowed = match (owner_kind, target.kind) {
                (_, MemberKind::Fact) => true,
                // Table-level metrics may build on metrics of their own table (same grain).
                (Some(MemberKind::Metric), MemberKind::Metric) => table.is_none() || target.table == table,
                (None, MemberKind::Dimension) => true,
                _ => false,
            };
            if !allowed {
                let by = match owner_kind {
                    Some(k) => format!("a {}", k.noun()),
                    None => "the where_clause".to_string(),
                };
                return Err(Error::invalid(format!("{} '{}' cannot be referenced by {by}", target.kind.noun(), self.qualified_name(id))));
            }
            Ok(Part::Member(id))
        };
        if names.len() >= 2 {
            if let Some(t) = self.table_index(&names[0].value) {
                let name = &names[1].value;
                if let Some(id) = self.find_member(Some(t), name, owner) {
                    return Ok(Some((check_use(id)?, names.len() - 2)));
                }
                if let Some(col) = self.tables[t].column(name) {
                    return Ok(Some((Part::Column { table: t, column: col.to_string() }, names.len() - 2)));
                }
                return Err(unknown_column(&self.tables[t], name, "expression"));
            }
            // `col.field` on the own table's struct column.
            if let Some(t) = table {
                if let Some(col) = self.tables[t].column(&names[0].value) {
                    return Ok(Some((Part::Column { table: t, column: col.to_string() }, names.len() - 1)));
                }
            }
            return Ok(None);
        }
        let name = &names[0].value;
        // Own table's members first, then a unique member anywhere.
        if let Some(id) = self.find_member(table, name, owner) {
            return Ok(Some((check_use(id)?, 0)));
        }
        if let Some(t) = table {
            if let Some(col) = self.tables[t].column(name) {
                return Ok(Some((Part::Column { table: t, column: col.to_string() }, 0)));
            }
        }
        let candidates: Vec<MemberId> = self.named(name).filter(|id| Some(*id) != owner && referenceable(id.kind, owner_kind)).collect();
        match candidates.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some((check_use(*one)?, 0))),
            many => Err(Error::invalid(format!(
                "'{name}' is ambiguous: {}; qualify it with its table alias",
                name_list(&many.iter().map(|id| self.qualified_name(*id)).collect::<Vec<_>>())
            ))),
        }
    }

    /// A member named `name` of table `table` (derived metrics when `table` is None) that an
    /// expression of kind `owner` may reference by that name.
    fn find_member(&self, table: Option<usize>, name: &str, owner: Option<MemberId>) -> Option<MemberId> {
        self.named(name).find(|id| Some(*id) != owner && self.member(*id).table == table && referenceable(id.kind, owner.map(|o| o.kind)))
    }

    fn check_member_cycles(&self) -> Result<()> {
        fn visit(view: &View, id: MemberId, state: &mut BTreeMap<MemberId, u8>, stack: &mut Vec<MemberId>) -> Result<()> {
            match state.get(&id) {
                Some(2) => return Ok(()),
                Some(1) => {
                    let start = stack.iter().position(|&x| x == id).unwrap_or(0);
                    let mut names: Vec<String> = stack[start..].iter().map(|&x| view.qualified_name(x)).collect();
                    names.push(view.qualified_name(id));
                    return Err(Error::invalid(format!("members reference each other in a cycle: {}", names.join(" -> "))));
                }
                _ => {}
            }
            state.insert(id, 1);
            stack.push(id);
            for p in &view.member(id).parts {
                if let Part::Member(dep) = p {
                    visit(view, *dep, state, stack)?;
                }
            }
            stack.pop();
            state.insert(id, 2);
            Ok(())
        }
        let mut state = BTreeMap::new();
        for (id, _) in self.all_members() {
            visit(self, id, &mut state, &mut Vec::new())?;
        }
        Ok(())
    }

    /// Tables whose rows an expression reads, through referenced members at any depth.
    pub fn tables_of_parts(&self, parts: &[Part], out: &mut BTreeSet<usize>) {
        self.tables_of_parts_seen(parts, out, &mut BTreeSet::new());
    }

    /// `seen` stops at members already visited (cyclic definitions are reported elsewhere).
    fn tables_of_parts_seen(&self, parts: &[Part], out: &mut BTreeSet<usize>, seen: &mut BTreeSet<MemberId>) {
        for p in parts {
            match p {
                Part::Column { table, .. } => {
                    out.insert(*table);
                }
                Part::Member(id) if seen.insert(*id) => {
                    let m = self.member(*id);
                    if let Some(t) = m.table {
                        out.insert(t);
                    }
                    match &m.rollup {
                        // Its related rows are read inside its own subquery.
                        Some(r) => out.extend(r.outer.iter().copied()),
                        None => self.tables_of_parts_seen(&m.parts, out, seen),
                    }
                }
                _ => {}
            }
        }
    }

    /// The tables a fact, dimension or table-level metric needs joined.
    pub fn tables_of(&self, id: MemberId) -> BTreeSet<usize> {
        let m = self.member(id);
        let mut out = BTreeSet::new();
        if let Some(t) = m.table {
            out.insert(t);
        }
        match &m.rollup {
            Some(r) => out.extend(r.outer.iter().copied()),
            None => self.tables_of_parts(&m.parts, &mut out),
        }
        out
    }

    /// Table-level metrics a metric depends on (itself when table-level), in first-use order.
    pub fn base_metrics(&self, index: usize, out: &mut Vec<usize>) {
        let m = &self.metrics[index];
        if m.table.is_some() && !self.is_windowed(index) {
            if !out.contains(&index) {
                out.push(index);
            }
            return;
        }
        for p in &m.parts {
            if let Part::Member(id) = p {
                if id.kind == MemberKind::Metric {
                    self.base_metrics(id.index, out);
                }
            }
        }
    }
}

/// Which member kinds an expression of kind `owner` resolves bare names to.
fn referenceable(target: MemberKind, owner: Option<MemberKind>) -> bool {
    match owner {
        // Dimension names often equal column names; members only reach dimensions from the
        // where clause. Metrics are found so that misuse gets a precise error.
        Some(_) => target != MemberKind::Dimension,
        None => true,
    }
}

fn unknown_column(table: &Table, column: &str, what: &str) -> Error {
    let hint = did_you_mean(column, table.columns.iter().map(|c| c.as_str())).map(|c| format!(" Did you mean '{c}'?")).unwrap_or_default();
    Error::binder(format!("{what}: table '{}' has no column '{column}'.{hint}", table.alias))
}

/// A name given literally in the definition JSON (an alias or member name): any non-empty
/// text without control characters. In SQL expressions such names are written quoted.
pub fn parse_single_ident(text: &str, what: &str) -> Result<String> {
    if text.trim().is_empty() || text.chars().any(|c| c.is_control()) {
        return Err(Error::invalid(format!("invalid {what} '{text}': must be non-empty without control characters")));
    }
    Ok(text.to_string())
}
