//! Turns a request (dimensions, metrics, facts, where clause) into a typed plan: which members,
//! which grains, which joins. All semantic decisions — fan traps, join paths, role-playing,
//! per-grain aggregation — are made here; `render` only prints.

use std::collections::BTreeSet;

use crate::error::{did_you_mean, name_list, Error, Result};
use crate::model::MemberKind;
use crate::sql::{check_single_expression, is_blank};
use crate::view::{eq_ci, MemberId, NonAdditive, Part, Step, View};

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Request {
    pub dimensions: Vec<String>,
    pub metrics: Vec<String>,
    pub facts: Vec<String>,
    pub where_clause: Option<String>,
    /// Check, inside the query, that every key its joins rely on is unique in the data
    /// (`SET semantic_views_verify = 'error'`, see `verify::guarded`).
    pub verify_keys: bool,
}

impl Request {
    /// `where_clause := ''` (or only whitespace and comments) means no where clause.
    pub fn without_blank_where(mut self) -> Self {
        if self.where_clause.as_deref().is_some_and(is_blank) {
            self.where_clause = None;
        }
        self
    }
}

/// Moves the joins a where clause filters (`filtered`) ahead of the others, each group in its
/// order: a step's parent is still joined before it (a filtered step's path from the anchor is
/// filtered too), and in a tree of many-to-one LEFT JOINs the order does not change the rows.
/// DuckDB does not reorder LEFT JOINs; a filtered one becomes an inner join once its filter is
/// pushed down, so joining it first shrinks what every later join reads.
fn filtered_joins_first(joins: &mut [Step], filtered: &[Step]) {
    joins.sort_by_key(|step| !filtered.contains(step));
}

/// One SELECT over base tables: an anchor table and the many-to-one joins from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub anchor: usize,
    /// Joins in order, each adding one table.
    pub joins: Vec<Step>,
}

/// Table-level metrics aggregated together at one grain over one join tree.
#[derive(Debug, Clone)]
pub struct Grain {
    pub source: Source,
    pub metrics: Vec<usize>,
    /// Semi-additive metrics: the `NON ADDITIVE BY` dimensions the request does not group by.
    /// The grain then aggregates only the rows at their last value (in the declared order)
    /// within each group of the requested dimensions.
    pub snapshot: Vec<NonAdditive>,
}

#[derive(Debug, Clone)]
pub enum Plan {
    /// Row-level facts (and dimensions), no aggregation.
    Rows { columns: Vec<MemberId>, source: Source, filter: Option<Vec<Part>> },
    /// Distinct dimension combinations of the dimensions' own tables.
    Distinct { dimensions: Vec<MemberId>, source: Source, filter: Option<Vec<Part>> },
    /// Metrics, each aggregated at its own grain, combined on the dimensions.
    Aggregate { dimensions: Vec<MemberId>, metrics: Vec<usize>, grains: Vec<Grain>, filter: Option<Vec<Part>> },
    /// Metrics computed over the aggregated result (window metrics and what builds on them):
    /// `inner` aggregates `aggregated` (the metrics they read) at the request's dimensions.
    Window { inner: Box<Plan>, dimensions: Vec<MemberId>, metrics: Vec<usize>, aggregated: Vec<usize> },
}

impl View {
    pub fn plan(&self, request: &Request) -> Result<Plan> {
        let dimensions = self.request_members(&request.dimensions, MemberKind::Dimension)?;
        let metrics: Vec<usize> = self.request_members(&request.metrics, MemberKind::Metric)?.into_iter().map(|id| id.index).collect();
        let facts = self.request_members(&request.facts, MemberKind::Fact)?;
        let filter = match &request.where_clause {
            Some(w) => Some(self.where_parts(w)?),
            None => None,
        };
        self.plan_members(dimensions, metrics, facts, filter)
    }

    /// Plans already-resolved members (also used for define-time probes of private members).
    pub fn plan_members(
        &self,
        dimensions: Vec<MemberId>,
        metrics: Vec<usize>,
        facts: Vec<MemberId>,
        filter: Option<Vec<Part>>,
    ) -> Result<Plan> {
        if dimensions.is_empty() && metrics.is_empty() && facts.is_empty() {
            return Err(Error::binder("empty request: name at least one dimension, metric or fact"));
        }
        if !facts.is_empty() && !metrics.is_empty() {
            return Err(Error::binder("facts and metrics cannot be requested together: facts are row-level, metrics aggregate"));
        }
        let mut filter_tables = BTreeSet::new();
        if let Some(f) = &filter {
            self.tables_of_parts(f, &mut filter_tables);
        }

        if !facts.is_empty() || metrics.is_empty() {
            let columns: Vec<MemberId> = dimensions.iter().chain(facts.iter()).copied().collect();
            let mut needed = filter_tables.clone();
            for id in &columns {
                needed.extend(self.tables_of(*id));
            }
            let source = self.row_source(&columns, &needed)?;
            return Ok(if facts.is_empty() {
                Plan::Distinct { dimensions, source, filter }
            } else {
                Plan::Rows { columns, source, filter }
            });
        }

        if metrics.iter().any(|&m| self.is_windowed(m)) {
            return self.plan_windowed(dimensions, metrics, filter);
        }
        let mut base = Vec::new();
        for &m in &metrics {
            self.base_metrics(m, &mut base);
        }
        let mut grains: Vec<Grain> = Vec::new();
        for m in base {
            let snapshot: Vec<NonAdditive> =
                self.metrics[m].non_additive.iter().filter(|n| !dimensions.contains(&n.dimension)).copied().collect();
            let source = self.metric_source(m, &dimensions, &snapshot, &filter_tables, filter.as_deref())?;
            match grains.iter_mut().find(|g| g.source == source && g.snapshot == snapshot) {
                Some(g) => g.metrics.push(m),
                None => grains.push(Grain { source, metrics: vec![m], snapshot }),
            }
        }
        Ok(Plan::Aggregate { dimensions, metrics, grains, filter })
    }

    /// Window metrics run over the result at the requested dimensions, so the request must
    /// group by the dimensions they partition and order by.
    fn plan_windowed(&self, dimensions: Vec<MemberId>, metrics: Vec<usize>, filter: Option<Vec<Part>>) -> Result<Plan> {
        for &m in &metrics {
            let missing: Vec<String> =
                self.required_dimensions(m).into_iter().filter(|d| !dimensions.contains(d)).map(|d| self.qualified_name(d)).collect();
            if !missing.is_empty() {
                let id = MemberId { kind: MemberKind::Metric, index: m };
                return Err(Error::binder(format!(
                    "metric '{}' is computed by a window over the requested dimensions and needs {} {}: add {} to the request's dimensions",
                    self.qualified_name(id),
                    if missing.len() == 1 { "dimension" } else { "dimensions" },
                    name_list(&missing),
                    if missing.len() == 1 { "it" } else { "them" },
                )));
            }
        }
        let mut aggregated = Vec::new();
        for &m in &metrics {
            self.aggregated_metrics(m, &mut aggregated);
        }
        let inner = self.plan_members(dimensions.clone(), aggregated.clone(), vec![], filter)?;
        Ok(Plan::Window { inner: Box::new(inner), dimensions, metrics, aggregated })
    }

    /// The metrics aggregated before windows run: those a windowed metric reads (itself if it
    /// is not windowed).
    fn aggregated_metrics(&self, index: usize, out: &mut Vec<usize>) {
        if !self.is_windowed(index) {
            if !out.contains(&index) {
                out.push(index);
            }
            return;
        }
        for p in &self.metrics[index].parts {
            if let Part::Member(id) = p {
                if id.kind == MemberKind::Metric {
                    self.aggregated_metrics(id.index, out);
                }
            }
        }
    }

    /// The index of a public metric named in a request (`name` or `alias.name`).
    pub fn metric_index(&self, name: &str) -> Result<usize> {
        let ids = self.request_member(name, MemberKind::Metric)?;
        ids.first().map(|id| id.index).ok_or_else(|| Error::binder(format!("metric '{name}' not found")))
    }

    /// Resolves the expressions of the members a request names (and what they reference).
    /// Creates the request's dimensions given by expression (before planning it).
    pub fn add_adhoc_dimensions(&mut self, request: &Request) -> Result<()> {
        for raw in &request.dimensions {
            if self.is_expression(raw.trim()) {
                self.adhoc_dimension(raw.trim())?;
            }
        }
        for raw in &request.metrics {
            if self.is_expression(raw.trim()) {
                self.adhoc_metric(raw.trim())?;
            }
        }
        Ok(())
    }

    pub fn resolve_request(&mut self, request: &Request) -> Result<()> {
        let mut roots = self.request_members(&request.dimensions, MemberKind::Dimension)?;
        roots.extend(self.request_members(&request.metrics, MemberKind::Metric)?);
        roots.extend(self.request_members(&request.facts, MemberKind::Fact)?);
        if let Some(w) = &request.where_clause {
            roots.extend(self.where_parts(w)?.into_iter().filter_map(|p| match p {
                Part::Member(id) => Some(id),
                _ => None,
            }));
        }
        self.resolve_members(roots)
    }

    /// Resolves requested names of one kind: `name`, `alias.name` or `alias.*`.
    fn request_members(&self, names: &[String], kind: MemberKind) -> Result<Vec<MemberId>> {
        // A member named twice is an error; one a wildcard also covers is kept once, in its
        // first position.
        let mut out: Vec<MemberId> = Vec::new();
        let mut by_wildcard: Vec<bool> = Vec::new();
        for raw in names {
            let raw = raw.trim();
            let wildcard = raw.ends_with('*');
            for id in self.request_member(raw, kind)? {
                match out.iter().position(|x| *x == id) {
                    Some(i) if wildcard || by_wildcard[i] => {}
                    Some(_) => return Err(Error::binder(format!("{} '{}' is requested twice", kind.noun(), self.qualified_name(id)))),
                    None => {
                        out.push(id);
                        by_wildcard.push(wildcard);
                    }
                }
            }
        }
        Ok(out)
    }

    /// Whether a request names dimensions or metrics by expression (which `add_adhoc_dimensions`
    /// adds to the view for that request).
    pub fn has_adhoc_members(&self, request: &Request) -> bool {
        request.dimensions.iter().chain(&request.metrics).any(|raw| self.is_expression(raw.trim()))
    }

    /// A requested dimension that is neither a member's name nor `alias.name` nor `alias.*`.
    fn is_expression(&self, raw: &str) -> bool {
        !raw.ends_with('*')
            && self.named(raw).next().is_none()
            && !matches!(crate::sql::parse_qualified_name(raw).as_deref(), Ok([_]) | Ok([_, _]))
    }

    fn request_member(&self, raw: &str, kind: MemberKind) -> Result<Vec<MemberId>> {
        if let Some(id) = self.adhoc.get(&(kind, raw.to_string())) {
            return Ok(vec![*id]);
        }
        let ids = |pred: &dyn Fn(&crate::view::Member) -> bool| -> Vec<MemberId> {
            self.members(kind).iter().enumerate().filter(|(_, m)| pred(m)).map(|(index, _)| MemberId { kind, index }).collect()
        };
        let named = |name: &str, table: Option<usize>| -> Vec<MemberId> {
            self.named(name).filter(|id| id.kind == kind && (table.is_none() || self.member(*id).table == table)).collect()
        };
        if let Some(alias) = raw.strip_suffix(".*") {
            let alias = match crate::sql::parse_qualified_name(alias).ok().as_deref() {
                Some([one]) => one.value.clone(),
                _ => alias.to_string(),
            };
            let t = self.table_index(&alias).ok_or_else(|| Error::binder(format!("unknown table alias '{alias}' in '{raw}'")))?;
            let found = ids(&|m| m.table == Some(t) && !m.private);
            if found.is_empty() {
                return Err(Error::binder(format!("table '{alias}' has no public {}", kind.plural())));
            }
            return Ok(found);
        }
        // A member's literal name first (names may contain dots or spaces), then `alias.name`.
        let literal = named(raw, None);
        let parts = crate::sql::parse_qualified_name(raw).unwrap_or_default();
        let found = if !literal.is_empty() {
            literal
        } else {
            match parts.as_slice() {
                [name] => named(&name.value, None),
                [alias, name] => match self.table_index(&alias.value) {
                    Some(t) => named(&name.value, Some(t)),
                    None => Vec::new(),
                },
                _ => Vec::new(),
            }
        };
        match found.as_slice() {
            [id] => {
                if self.member(*id).private {
                    return Err(Error::binder(format!(
                        "{} '{}' is private and cannot be requested",
                        kind.noun(),
                        self.qualified_name(*id)
                    )));
                }
                Ok(vec![*id])
            }
            [] => Err(self.unknown_member(raw, kind)),
            many => Err(Error::binder(format!(
                "{} '{raw}' is ambiguous: {}; qualify it with its table alias",
                kind.noun(),
                name_list(&many.iter().map(|id| self.qualified_name(*id)).collect::<Vec<_>>())
            ))),
        }
    }

    fn unknown_member(&self, raw: &str, kind: MemberKind) -> Error {
        let public: Vec<String> = self
            .members(kind)
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.private)
            .map(|(index, _)| self.qualified_name(MemberId { kind, index }))
            .collect();
        let bare = raw.rsplit('.').next().unwrap_or(raw);
        let mut msg = format!("{} '{raw}' not found.", kind.noun());
        let other = self.all_members().find(|(id, m)| id.kind != kind && (eq_ci(&m.name, bare) || eq_ci(&self.qualified_name(*id), raw)));
        if let Some((id, _)) = other {
            msg.push_str(&format!(" '{}' is a {}.", self.qualified_name(id), id.kind.noun()));
        } else if let Some(s) = did_you_mean(raw, public.iter().map(|s| s.as_str())) {
            msg.push_str(&format!(" Did you mean '{s}'?"));
        }
        msg.push_str(&format!(" Available {}: {}", kind.plural(), name_list(&public)));
        Error::binder(msg)
    }

    fn where_parts(&self, text: &str) -> Result<Vec<Part>> {
        check_single_expression(text, "where_clause")?;
        // Metrics are refused by name resolution: they do not exist before aggregation.
        self.resolve(text, None, None).map_err(|e| e.context("where_clause"))
    }

    /// The source for row-level and distinct requests: anchored at the finest needed table.
    fn row_source(&self, columns: &[MemberId], needed: &BTreeSet<usize>) -> Result<Source> {
        let anchors: Vec<usize> =
            needed.iter().copied().filter(|&a| needed.iter().all(|&t| t == a || !self.paths(a, t, true).is_empty())).collect();
        let Some(&anchor) = anchors.first() else {
            let names: Vec<String> = columns.iter().map(|id| self.qualified_name(*id)).collect();
            let tables: Vec<&str> = needed.iter().map(|&t| self.tables[t].alias.as_str()).collect();
            return Err(Error::binder(format!(
                "{} come from tables {} that no single table among them reaches through many-to-one \
                 relationships; request a metric to combine them",
                name_list(&names),
                name_list(&tables)
            )));
        };
        let using: Vec<usize> = columns.iter().flat_map(|id| self.member(*id).using.iter().copied()).collect();
        self.join_tree(anchor, needed, &using).map_err(|e| e.into_error(self, anchor))
    }

    /// The source of a table-level metric for the request's dimensions and filter, with
    /// fan-trap checks naming the offending dimension.
    fn metric_source(
        &self,
        metric: usize,
        dimensions: &[MemberId],
        snapshot: &[NonAdditive],
        filter_tables: &BTreeSet<usize>,
        filter: Option<&[Part]>,
    ) -> Result<Source> {
        let m = &self.metrics[metric];
        let grain = m.table.expect("base metrics are table-level");
        let id = MemberId { kind: MemberKind::Metric, index: metric };
        let context = || format!("metric '{}'", self.qualified_name(id));
        let mut source = self.join_tree(grain, &self.tables_of(id), &m.using).map_err(|e| e.into_error(self, grain).context(context()))?;
        let own = source.joins.len();
        // Each dimension joins along its own role (its USING, else the metric's).
        let mut using = m.using.clone();
        for d in dimensions {
            let own: Vec<usize> = m.using.iter().chain(&self.member(*d).using).copied().collect();
            let joins = self
                .join_tree(grain, &self.tables_of(*d), &own)
                .map_err(|e| self.grain_error(id, &format!("dimension '{}'", self.qualified_name(*d)), e))?;
            self.merge_joins(&mut source, joins).map_err(|e| e.into_error(self, grain).context(context()))?;
            using.extend(&self.member(*d).using);
        }
        for n in snapshot {
            let d = n.dimension;
            let own: Vec<usize> = m.using.iter().chain(&self.member(d).using).copied().collect();
            let joins = self
                .join_tree(grain, &self.tables_of(d), &own)
                .map_err(|e| self.grain_error(id, &format!("its NON ADDITIVE BY dimension '{}'", self.qualified_name(d)), e))?;
            self.merge_joins(&mut source, joins).map_err(|e| e.into_error(self, grain).context(context()))?;
        }
        let joins = self.join_tree(grain, filter_tables, &using).map_err(|e| {
            let what = match &e {
                RouteError::Unreachable(t) => self.filter_reader(filter.unwrap_or_default(), *t),
                _ => None,
            };
            let what = what.map(|w| format!("the where_clause ({w})")).unwrap_or_else(|| "the where_clause".to_string());
            self.grain_error(id, &what, e)
        })?;
        let filtered = joins.joins.clone();
        self.merge_joins(&mut source, joins).map_err(|e| e.into_error(self, grain).context(context()))?;
        filtered_joins_first(&mut source.joins[own..], &filtered);
        Ok(source)
    }

    /// The first member or column of a where clause that reads `table`, for messages.
    fn filter_reader(&self, filter: &[Part], table: usize) -> Option<String> {
        filter.iter().find_map(|p| match p {
            Part::Member(id) if self.tables_of(*id).contains(&table) => Some(format!("{} '{}'", id.kind.noun(), self.qualified_name(*id))),
            Part::Column { table: t, column } if *t == table => Some(format!("column '{}.{column}'", self.tables[*t].alias)),
            _ => None,
        })
    }

    /// Adds the joins of `other` (same anchor) that `source` lacks; a table reached by a
    /// different relationship is a conflict (one alias cannot play two roles in one query).
    fn merge_joins(&self, source: &mut Source, other: Source) -> std::result::Result<(), RouteError> {
        for step in other.joins {
            let to = self.step_target(step);
            match source.joins.iter().find(|s| self.step_target(**s) == to) {
                Some(existing) if *existing != step => return Err(RouteError::Conflict(to, vec![existing.rel, step.rel])),
                Some(_) => {}
                None => source.joins.push(step),
            }
        }
        Ok(())
    }

    fn grain_error(&self, metric: MemberId, what: &str, e: RouteError) -> Error {
        let grain = self.member(metric).table.expect("table-level metric");
        match e {
            RouteError::Unreachable(target) => {
                let fan = self
                    .fan_out_relationship(grain, target)
                    .map(|r| {
                        let rel = &self.relationships[r];
                        format!(
                            " relationship '{}' ({} -> {}) would fan out: one row of '{}' matches many rows of '{}' (fan trap).",
                            rel.name,
                            self.tables[rel.from].alias,
                            self.tables[rel.to].alias,
                            self.tables[rel.to].alias,
                            self.tables[rel.from].alias
                        )
                    })
                    .unwrap_or_default();
                let valid = self.dimensions_for_metric(metric.index);
                Error::binder(format!(
                    "metric '{}' (grain: table '{}') cannot be grouped or filtered by {what} of table '{}':{fan} \
                     Dimensions valid for '{}': {}",
                    self.qualified_name(metric),
                    self.tables[grain].alias,
                    self.tables[target].alias,
                    self.qualified_name(metric),
                    name_list(&valid)
                ))
            }
            other => other.into_error(self, grain).context(format!("metric '{}' with {what}", self.qualified_name(metric))),
        }
    }

    /// Public dimensions whose tables a metric reaches without fanning out.
    pub fn dimensions_for_metric(&self, metric: usize) -> Vec<String> {
        let mut bases = Vec::new();
        self.base_metrics(metric, &mut bases);
        self.dimensions
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.private)
            .filter(|(index, _)| {
                let tables = self.tables_of(MemberId { kind: MemberKind::Dimension, index: *index });
                bases.iter().all(|&b| {
                    let m = &self.metrics[b];
                    self.join_tree(m.table.unwrap_or(0), &tables, &m.using).is_ok()
                })
            })
            .map(|(index, _)| self.qualified_name(MemberId { kind: MemberKind::Dimension, index }))
            .collect()
    }

    /// Joins from `anchor` that reach every table in `needed` along many-to-one paths. Where
    /// several paths exist (role-playing), `using` picks one.
    pub fn join_tree(&self, anchor: usize, needed: &BTreeSet<usize>, using: &[usize]) -> std::result::Result<Source, RouteError> {
        let mut joins: Vec<Step> = Vec::new();
        let mut joined_by: Vec<Option<Step>> = vec![None; self.tables.len()];
        for &target in needed {
            if target == anchor {
                continue;
            }
            let path = self.route(anchor, target, using)?;
            for r in path {
                let to = self.step_target(r);
                match joined_by[to] {
                    Some(existing) if existing != r => return Err(RouteError::Conflict(to, vec![existing.rel, r.rel])),
                    Some(_) => {}
                    None => {
                        joined_by[to] = Some(r);
                        joins.push(r);
                    }
                }
            }
        }
        Ok(Source { anchor, joins })
    }

    pub(crate) fn route(&self, from: usize, to: usize, using: &[usize]) -> std::result::Result<Vec<Step>, RouteError> {
        // Many-to-one paths first: walking one-to-one relationships backwards only adds
        // routes where the forward direction offers none.
        let mut paths = self.paths(from, to, false);
        if paths.is_empty() {
            paths = self.paths(from, to, true);
        }
        if paths.len() <= 1 {
            return paths.into_iter().next().ok_or(RouteError::Unreachable(to));
        }
        let chosen: Vec<&Vec<Step>> = paths.iter().filter(|p| p.iter().any(|s| using.contains(&s.rel))).collect();
        if chosen.len() == 1 {
            return Ok(chosen[0].clone());
        }
        // Name the relationships that distinguish the candidate paths.
        let mut distinct: Vec<usize> = Vec::new();
        for p in &paths {
            for s in p {
                if !paths.iter().all(|q| q.iter().any(|x| x.rel == s.rel)) && !distinct.contains(&s.rel) {
                    distinct.push(s.rel);
                }
            }
        }
        Err(RouteError::Ambiguous(to, distinct))
    }

    /// The relationship that, walked from its `to` side, would multiply rows of `from`'s grain
    /// on the way to `target`.
    fn fan_out_relationship(&self, from: usize, target: usize) -> Option<usize> {
        // Breadth-first over the undirected graph, remembering the first reversed edge.
        let mut seen = vec![false; self.tables.len()];
        let mut queue = std::collections::VecDeque::from([(from, None::<usize>)]);
        seen[from] = true;
        while let Some((v, fan)) = queue.pop_front() {
            if v == target {
                return fan;
            }
            for (i, r) in self.relationships.iter().enumerate() {
                if r.from == v && !seen[r.to] {
                    seen[r.to] = true;
                    queue.push_back((r.to, fan));
                } else if r.to == v && !seen[r.from] {
                    seen[r.from] = true;
                    let reversed = if r.one_to_one { fan } else { fan.or(Some(i)) };
                    queue.push_back((r.from, reversed));
                }
            }
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteError {
    Unreachable(usize),
    Ambiguous(usize, Vec<usize>),
    Conflict(usize, Vec<usize>),
}

impl RouteError {
    pub fn into_error(self, view: &View, anchor: usize) -> Error {
        let rels = |rs: &[usize]| name_list(&rs.iter().map(|&r| view.relationships[r].name.clone()).collect::<Vec<_>>());
        let alias = |t: usize| view.tables[t].alias.clone();
        match self {
            RouteError::Unreachable(t) => Error::binder(format!(
                "table '{}' is not reachable from table '{}' through many-to-one relationships",
                alias(t),
                alias(anchor)
            )),
            RouteError::Ambiguous(t, rs) => Error::binder(format!(
                "ambiguous join path from table '{}' to table '{}': candidate relationships {}; \
                 pick one with USING (<relationship>) on the member, or give each role its own table alias",
                alias(anchor),
                alias(t),
                rels(&rs)
            )),
            RouteError::Conflict(t, rs) => {
                Error::binder(format!("table '{}' would be joined through two relationships ({}) in one query", alias(t), rels(&rs)))
            }
        }
    }
}
