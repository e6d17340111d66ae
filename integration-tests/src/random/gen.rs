//! The query generator: a typed expression grammar over the dataset's columns.
//!
//! Every expression is made for a wanted [`Ty`] and carries what the generator needs to keep
//! the statement valid PostgreSQL whose answer does not depend on the plan:
//!
//! * **types**: operands, CASE branches, set-operation arms and comparison sides have
//!   compatible types (one comparison family: numbers, text, booleans, dates/timestamps);
//! * **no runtime errors by construction**: each number carries a bound of its magnitude
//!   (from the dataset's values), and `+ - * abs`, casts to narrower types and sums are only
//!   made when the bound stays below the type's range; divisors are `NULLIF(x, 0)` or
//!   non-zero literals; substring lengths are never negative. An error that depends on which
//!   rows an expression meets first (plan-dependent) is therefore never generated;
//! * **numeric scales**: PostgreSQL's numeric carries a scale per value, DataFusion's decimal
//!   one per column, so branches of CASE/COALESCE/GREATEST and set-operation arms are padded
//!   to one scale (`x + 0.00`), and numeric division (whose PostgreSQL scale depends on the
//!   values) is not generated;
//! * **deterministic answers**: floats are never summed or averaged (summation order changes
//!   the last digits, or with the dataset's 1e300 everything), `row_number`, `lag`, `lead`,
//!   `first_value` and `string_agg` are ordered totally (every key column of the FROM
//!   clause as tie-breakers), `LIMIT` comes only with an `ORDER BY` over every output column,
//!   scalar subqueries are aggregates (one row).
//!
//! What is excluded because fedgate answers it differently today is switched off in
//! [`Features`], each switch naming its entry in `integration-tests/random/FINDINGS.md`.
//!
//! Tables are written `{{name}}` in the generated text; [`Query::oracle_sql`] and
//! [`Query::gateway_sql`] put the oracle's and the layout's names there.

use std::rc::Rc;

use super::rng::Rng;
use super::schema::{Layout, Schema, Server, Ty, TYPES};
use crate::differential::RowOrder;
use crate::quote_literal;

/// The types whose values make the literal pools.
pub const TYPES_WITH_POOLS: [Ty; 8] = TYPES;

/// Literals beyond the dataset's values, per type.
pub fn extra_literals(ty: Ty) -> &'static [&'static str] {
    match ty {
        Ty::Int4 => &[
            "0", "1", "-1", "2", "3", "5", "7", "10", "42", "100", "1000",
        ],
        Ty::Int8 => &["0", "1", "-1", "3000000000", "10000", "-250"],
        Ty::Numeric => &[
            "0",
            "0.1",
            "0.5",
            "1.50",
            "2.5",
            "-2.5",
            "99218.453125",
            "0.000001",
            "4.5",
            "70000",
        ],
        Ty::Float8 => &[
            "0", "0.1", "0.5", "2.5", "-1.5", "1e-07", "4.5", "1e+20", "0.3",
        ],
        Ty::Text => &[
            "Engineering ",
            "engineering",
            "SALES",
            "sales ",
            "e",
            "É",
            "apple",
            "Äpfel",
            "a",
            "",
            " ",
        ],
        Ty::Bool => &["t", "f"],
        Ty::Date => &["2024-02-29", "1970-01-01", "2000-01-01", "2024-03-01"],
        Ty::Timestamp => &[
            "2024-02-29 13:45:00.123456",
            "2000-01-01 00:00:00",
            "1970-01-01 00:00:00",
        ],
    }
}

/// Constructs the generator may use. Each `false` is a construct fedgate answers
/// differently today; the comment names its entry in `random/FINDINGS.md`.
#[derive(Debug, Clone)]
pub struct Features {
    pub windows: bool,
    pub set_operations: bool,
    pub intersect_except_all: bool,
    pub subqueries: bool,
    pub derived_tables: bool,
    pub full_joins: bool,
    pub string_agg: bool,
    pub aggregate_filter: bool,
    pub float_to_int: bool,
    pub float_to_numeric: bool,
    pub numeric_to_float: bool,
    pub numeric_rounding: bool,
    pub unicode_case: bool,
    pub ilike: bool,
    pub timestamp_math: bool,
    pub date_math: bool,
    pub text_functions: bool,
    pub unaliased_items: bool,
    pub float_vs_numeric: bool,
    pub simple_case: bool,
    pub mongo_dates: bool,
    pub between_symmetric: bool,
    pub every: bool,
    /// EXISTS / IN / scalar subqueries inside any expression (else: WHERE conjuncts and
    /// select-list items only).
    pub subqueries_anywhere: bool,
    /// Two ordered aggregates (`string_agg(... ORDER BY ...)`) with different orders.
    pub ordered_aggregates: bool,
    /// Correlated subqueries whose outer references are not a top-level comparison.
    pub correlated_anywhere: bool,
    /// `x NOT IN (correlated subquery)`.
    pub correlated_not_in: bool,
    /// `x NOT IN (SELECT y ...)` where `x` or `y` is an expression (else plain columns).
    pub not_in_expressions: bool,
    /// `float8::text` and `timestamp::text`.
    pub float_text: bool,
    pub timestamp_text: bool,
    /// `CAST(x AS numeric)` without a precision (else `numeric(p, s)`).
    pub bare_numeric: bool,
    /// Correlated scalar subqueries whose correlation is not an equality.
    pub scalar_subquery_non_equi: bool,
    /// `date_trunc(unit, timestamp)`.
    pub date_trunc: bool,
    /// `min`/`max` window functions with an ORDER BY (running).
    pub running_min_max: bool,
    /// Constant columns in the arms of set operations.
    pub constant_set_columns: bool,
    /// Literals of the integer types' minimums.
    pub minimum_literals: bool,
    /// Window PARTITION BY keys that are expressions (else columns).
    pub computed_partition_keys: bool,
    /// `row_number()`, `rank()`, `dense_rank()` as they are (else cast to bigint).
    pub unsigned_window_functions: bool,
    /// A global aggregate (no GROUP BY) on the NULL-filled side of an outer join.
    pub outer_joins_over_global_aggregates: bool,
    /// Derived tables that aggregate without GROUP BY.
    pub global_aggregate_derived_tables: bool,
    /// An inner `JOIN ... ON a IS NOT DISTINCT FROM b` in a FROM clause of more than two
    /// relations (DataFusion flattens the inner joins and loses the NULL equality).
    pub not_distinct_inner_joins_among_more: bool,
    /// Two aggregates (or window functions) in one SELECT whose arguments differ only by
    /// casts (`max(x::date)`, `max(x)`).
    pub aggregates_differing_by_casts: bool,
}

impl Default for Features {
    fn default() -> Self {
        Features {
            windows: true,
            set_operations: true,
            intersect_except_all: false,
            subqueries: true,
            derived_tables: true,
            full_joins: true,
            string_agg: true,
            aggregate_filter: true,
            float_to_int: true,
            float_to_numeric: false,
            numeric_to_float: true,
            numeric_rounding: true,
            unicode_case: false,
            ilike: true,
            timestamp_math: true,
            date_math: true,
            text_functions: true,
            unaliased_items: false,
            float_vs_numeric: true,
            simple_case: true,
            mongo_dates: false,
            between_symmetric: false,
            every: false,
            subqueries_anywhere: false,
            ordered_aggregates: false,
            correlated_anywhere: false,
            correlated_not_in: false,
            not_in_expressions: false,
            float_text: false,
            timestamp_text: false,
            bare_numeric: false,
            scalar_subquery_non_equi: false,
            date_trunc: false,
            outer_joins_over_global_aggregates: false,
            global_aggregate_derived_tables: false,
            unsigned_window_functions: false,
            computed_partition_keys: false,
            running_min_max: false,
            constant_set_columns: false,
            minimum_literals: false,
            not_distinct_inner_joins_among_more: false,
            aggregates_differing_by_casts: false,
        }
    }
}

/// One generated statement.
#[derive(Debug, Clone)]
pub struct Query {
    /// The seed that generates it again (`RANDOM_SEED=<seed> RANDOM_QUERIES=1`).
    pub seed: u64,
    pub layout: Layout,
    /// The SQL with `{{table}}` where a table name goes.
    pub template: String,
    /// How its rows are compared.
    pub order: RowOrder,
}

impl Query {
    /// The statement for the oracle (every table in its `public` schema).
    pub fn oracle_sql(&self) -> String {
        self.render(|t| t.to_string())
    }

    /// The statement for the gateway (each table on its layout's server).
    pub fn gateway_sql(&self) -> String {
        self.render(|t| self.layout.qualified(t))
    }

    fn render(&self, name: impl Fn(&str) -> String) -> String {
        let mut out = String::new();
        let mut rest = self.template.as_str();
        while let Some(start) = rest.find("{{") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after.find("}}").unwrap_or(after.len());
            out.push_str(&name(&after[..end]));
            rest = after.get(end + 2..).unwrap_or("");
        }
        out.push_str(rest);
        out
    }
}

/// Generates the statement of `seed`.
pub fn generate(seed: u64, schema: &Schema, features: &Features) -> Query {
    let mut rng = Rng::new(seed);
    let layout = Layout::draw(&mut rng);
    let mut generator = Gen {
        rng,
        schema,
        layout: &layout,
        f: features,
        aliases: 0,
        ordered_aggregate: false,
        aggregate_names: Vec::new(),
        typed_int4: false,
        set_arm: false,
    };
    let (template, order) = generator.statement();
    Query {
        seed,
        layout,
        template,
        order,
    }
}

/// An upper bound of the rows any (sub)query here produces, for the bounds of sums/counts.
const ROWS_BOUND: f64 = 1.0e6;

/// The most rows the relations of one FROM clause may multiply to.
const MAX_JOIN_ROWS: f64 = 20_000.0;

/// A generated expression.
#[derive(Debug, Clone)]
struct Expr {
    sql: String,
    ty: Ty,
    /// Fractional digits of a numeric.
    scale: u32,
    /// Upper bound of the magnitude of a number.
    bound: f64,
    /// The values of the column it is, for literals that meet rows.
    values: Option<Rc<Vec<String>>>,
}

impl Expr {
    fn new(sql: String, ty: Ty) -> Expr {
        Expr {
            sql,
            ty,
            scale: 0,
            bound: 0.0,
            values: None,
        }
    }

    fn num(sql: String, ty: Ty, bound: f64, scale: u32) -> Expr {
        Expr {
            sql,
            ty,
            scale: if ty == Ty::Numeric { scale } else { 0 },
            bound,
            values: None,
        }
    }
}

/// A column in scope.
#[derive(Debug, Clone)]
struct Col {
    sql: String,
    ty: Ty,
    scale: u32,
    bound: f64,
    values: Option<Rc<Vec<String>>>,
}

impl Col {
    fn expr(&self) -> Expr {
        Expr {
            sql: self.sql.clone(),
            ty: self.ty,
            scale: self.scale,
            bound: self.bound,
            values: self.values.clone(),
        }
    }
}

/// A relation of a FROM clause.
#[derive(Debug, Clone)]
struct Rel {
    cols: Vec<Col>,
    /// Columns that together identify a row (tie-breakers of a total order).
    key: Vec<String>,
    /// A derived table that aggregates without GROUP BY (one row even over no rows).
    global_aggregate: bool,
    /// An upper bound of its rows.
    rows: f64,
}

/// Where an expression is generated.
#[derive(Debug, Clone, Default)]
struct Env {
    rels: Vec<Rel>,
    /// The relations of enclosing queries (correlation).
    outer: Vec<Rel>,
    /// Whether outer columns may be referenced (WHERE of a subquery).
    outer_ok: bool,
    /// In a grouped query's select list or HAVING: the grouping keys.
    keys: Option<Vec<Expr>>,
    /// Whether window functions may appear (select list of an ungrouped query).
    windows: bool,
    /// How deep in subqueries.
    depth: u32,
}

impl Env {
    fn cols(&self) -> impl Iterator<Item = &Col> {
        self.rels.iter().flat_map(|r| r.cols.iter())
    }

    /// The same scope, row by row (aggregate arguments).
    fn row(&self) -> Env {
        Env {
            keys: None,
            windows: false,
            ..self.clone()
        }
    }

    /// The same scope for a WHERE, ON or HAVING condition (no window functions).
    fn condition(&self) -> Env {
        Env {
            windows: false,
            ..self.clone()
        }
    }

    /// Every key column of the FROM clause: tie-breakers making an order total.
    fn tie_breakers(&self) -> Vec<String> {
        self.rels
            .iter()
            .flat_map(|r| r.key.iter().cloned())
            .collect()
    }
}

/// A SELECT without ORDER BY: its items and the rest of its text.
#[derive(Debug, Clone)]
struct Select {
    distinct: bool,
    items: Vec<Expr>,
    /// Whether the items are aliased `c1`, `c2`, ...
    aliased: bool,
    /// ` FROM ... WHERE ... GROUP BY ... HAVING ...`
    tail: String,
    /// Aggregates without GROUP BY.
    global_aggregate: bool,
    /// An upper bound of its rows (the product of its FROM clause's).
    rows: f64,
}

impl Select {
    fn sql(&self) -> String {
        let items: Vec<String> = self
            .items
            .iter()
            .enumerate()
            .map(|(i, e)| {
                if self.aliased {
                    format!("{} AS c{}", e.sql, i + 1)
                } else {
                    e.sql.clone()
                }
            })
            .collect();
        format!(
            "SELECT {}{}{}",
            if self.distinct { "DISTINCT " } else { "" },
            items.join(", "),
            self.tail
        )
    }

    fn types(&self) -> Vec<Ty> {
        self.items.iter().map(|e| e.ty).collect()
    }
}

struct Gen<'a> {
    rng: Rng,
    schema: &'a Schema,
    layout: &'a Layout,
    f: &'a Features,
    aliases: usize,
    /// Whether the statement has an ordered aggregate already (see
    /// [`Features::ordered_aggregates`]).
    ordered_aggregate: bool,
    /// The names DataFusion gives the aggregates and window functions of the SELECT being
    /// made (see [`datafusion_name`]), with their SQL.
    aggregate_names: Vec<(String, String)>,
    /// Whether int4 literals are written `n::int4` (inside the argument of a sum, and in
    /// derived tables, whose columns may be summed).
    typed_int4: bool,
    /// Whether the SELECT being made is an arm of a set operation.
    set_arm: bool,
}

/// `(x)` unless `x` is a name or a literal already.
fn paren(sql: &str) -> String {
    let simple = sql
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || c == '.');
    if simple && !sql.starts_with('-') {
        sql.to_string()
    } else {
        format!("({sql})")
    }
}

fn digits_before_point(bound: f64) -> u32 {
    if bound < 1.0 {
        1
    } else {
        bound.log10().floor() as u32 + 1
    }
}

impl Gen<'_> {
    fn alias(&mut self, prefix: &str) -> String {
        self.aliases += 1;
        format!("{prefix}{}", self.aliases)
    }

    // ----- statements -----------------------------------------------------------------

    /// A top-level statement and how its rows compare.
    fn statement(&mut self) -> (String, RowOrder) {
        let set_op = self.f.set_operations && self.rng.chance(15);
        let (body, width) = if set_op {
            let (sql, types) = self.set_operation(&Env::default());
            (sql, types.len())
        } else {
            let select = self.select(&Env::default(), None);
            (select.sql(), select.items.len())
        };
        // Ordering: none (multiset), total (every output column, maybe LIMIT), or partial.
        match self.rng.weighted(&[45, 40, 15]) {
            0 => (body, RowOrder::Unordered),
            1 => {
                let mut positions: Vec<usize> = (1..=width).collect();
                self.shuffle(&mut positions);
                let mut sql = format!("{body} ORDER BY {}", self.order_list(&positions));
                if self.rng.chance(40) {
                    sql.push_str(&format!(" LIMIT {}", self.rng.range(0, 8)));
                    if self.rng.chance(30) {
                        sql.push_str(&format!(" OFFSET {}", self.rng.range(0, 4)));
                    }
                }
                (sql, RowOrder::Ordered(None))
            }
            _ => {
                let mut positions: Vec<usize> = (1..=width).collect();
                self.shuffle(&mut positions);
                positions.truncate(self.rng.range(1, width as i64) as usize);
                let keys = positions.iter().map(|p| p - 1).collect();
                let sql = format!("{body} ORDER BY {}", self.order_list(&positions));
                (sql, RowOrder::Ordered(Some(keys)))
            }
        }
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.rng.below(i + 1);
            items.swap(i, j);
        }
    }

    fn order_list(&mut self, positions: &[usize]) -> String {
        positions
            .iter()
            .map(|p| {
                let mut s = p.to_string();
                if self.rng.chance(35) {
                    s.push_str(" DESC");
                }
                match self.rng.weighted(&[70, 15, 15]) {
                    1 => s.push_str(" NULLS FIRST"),
                    2 => s.push_str(" NULLS LAST"),
                    _ => {}
                }
                s
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// `a UNION b` (or INTERSECT, EXCEPT, with or without ALL); the arms' types agree.
    fn set_operation(&mut self, outer: &Env) -> (String, Vec<Ty>) {
        // Arms without constant columns: DataFusion 55 misplans an ORDER BY over a UNION
        // whose arms have constant columns (FINDINGS.md).
        self.set_arm = !self.f.constant_set_columns;
        let mut first = self.select(outer, None);
        let types = first.types();
        let mut second = self.select(outer, Some(&types));
        self.set_arm = false;
        // One numeric scale per column: PostgreSQL prints each value with its own.
        for (i, ty) in types.iter().enumerate() {
            if *ty == Ty::Numeric {
                let scale = first.items[i].scale.max(second.items[i].scale);
                first.items[i] = pad(first.items[i].clone(), scale);
                second.items[i] = pad(second.items[i].clone(), scale);
            }
        }
        let mut ops = vec!["UNION", "UNION ALL", "INTERSECT", "EXCEPT"];
        if self.f.intersect_except_all {
            ops.extend(["INTERSECT ALL", "EXCEPT ALL"]);
        }
        let op = *self.rng.pick(&ops);
        (format!("{} {op} {}", first.sql(), second.sql()), types)
    }

    /// A SELECT over a new FROM clause; `want` fixes the item types.
    fn select(&mut self, outer: &Env, want: Option<&[Ty]>) -> Select {
        let saved = std::mem::take(&mut self.aggregate_names);
        let select = self.select_in_scope(outer, want);
        self.aggregate_names = saved;
        select
    }

    fn select_in_scope(&mut self, outer: &Env, want: Option<&[Ty]>) -> Select {
        let mut env = Env {
            rels: Vec::new(),
            outer: outer
                .rels
                .iter()
                .chain(outer.outer.iter())
                .cloned()
                .collect(),
            outer_ok: false,
            keys: None,
            windows: false,
            depth: outer.depth,
        };
        let (from, rows) = self.gen_from_clause(&mut env);
        let mut tail = format!(" FROM {from}");
        if self.rng.chance(60) {
            let cond = self.where_clause(&env);
            tail.push_str(&format!(" WHERE {cond}"));
        }
        // A derived table (depth > 0) that aggregates without GROUP BY: DataFusion 55 pushes
        // filters over its constant columns below the aggregate (FINDINGS.md).
        let derived = outer.depth > 0;
        let global = if derived && !self.f.global_aggregate_derived_tables {
            0
        } else {
            10
        };
        let grouped = self.rng.weighted(&[62, 28, global]);
        let mut item_env = env.clone();
        if grouped > 0 {
            let mut keys = Vec::new();
            if grouped == 1 {
                let n = self.rng.range(1, 3);
                for _ in 0..n {
                    let key = self.group_key(&env);
                    let name = datafusion_name(&key.sql);
                    if !keys.iter().any(|k: &Expr| datafusion_name(&k.sql) == name) {
                        keys.push(key);
                    }
                }
                let list: Vec<&str> = keys.iter().map(|k| k.sql.as_str()).collect();
                tail.push_str(&format!(" GROUP BY {}", list.join(", ")));
            }
            item_env.keys = Some(keys);
            if self.rng.chance(30) {
                let depth = self.depth();
                let cond = self.expr(Ty::Bool, &item_env.condition(), depth);
                tail.push_str(&format!(" HAVING {}", cond.sql));
            }
        } else {
            item_env.windows = self.f.windows && self.rng.chance(30);
        }
        let types: Vec<Ty> = match want {
            Some(types) => types.to_vec(),
            None => {
                let n = self.rng.weighted(&[30, 35, 25, 10]) + 1;
                (0..n).map(|_| self.item_type()).collect()
            }
        };
        let items = types.iter().map(|&ty| self.item(ty, &item_env)).collect();
        Select {
            distinct: self.rng.chance(12),
            global_aggregate: grouped == 2,
            rows,
            items,
            aliased: !(self.f.unaliased_items && outer.rels.is_empty() && self.rng.chance(10)),
            tail,
        }
    }

    /// An expression depth: mostly small statements, sometimes deeper ones.
    fn depth(&mut self) -> u32 {
        self.rng.weighted(&[40, 42, 18]) as u32 + 1
    }

    /// A select-list item: sometimes a scalar subquery (correlated when the query is not
    /// grouped), else an expression.
    fn item(&mut self, ty: Ty, env: &Env) -> Expr {
        if self.f.subqueries && env.depth < 2 && self.rng.chance(8) && !self.set_arm {
            let correlate = env.keys.is_none();
            return self.scalar_subquery(ty, env, correlate);
        }
        let depth = self.depth();
        if self.set_arm {
            self.subject(ty, env, depth)
        } else {
            self.expr(ty, env, depth)
        }
    }

    /// A WHERE condition: one to three conjuncts, each an expression or (sometimes) a
    /// subquery predicate.
    fn where_clause(&mut self, env: &Env) -> String {
        let mut scope = env.condition();
        scope.outer_ok = !env.outer.is_empty();
        let n = self.rng.weighted(&[60, 30, 10]) + 1;
        let mut conjuncts = Vec::new();
        for _ in 0..n {
            if self.f.subqueries && env.depth < 2 && self.rng.chance(22) {
                conjuncts.push(self.subquery_predicate(&scope).sql);
            } else {
                let depth = self.depth();
                conjuncts.push(paren(&self.expr(Ty::Bool, &scope, depth).sql));
            }
        }
        conjuncts.join(" AND ")
    }

    /// `[NOT] EXISTS (...)`, `x [NOT] IN (SELECT ...)` or `x op (SELECT agg ...)`.
    fn subquery_predicate(&mut self, env: &Env) -> Expr {
        let b = Ty::Bool;
        let plain = Env {
            outer_ok: false,
            ..env.clone()
        };
        match self.rng.below(3) {
            0 => {
                let negated = self.rng.chance(30);
                let inner = self.subquery_select(env, None, negated);
                let not = if negated { "NOT " } else { "" };
                Expr::new(format!("{not}EXISTS ({inner})"), b)
            }
            1 => {
                let ty = *self
                    .rng
                    .pick(&[Ty::Int4, Ty::Text, Ty::Int8, Ty::Date, Ty::Numeric]);
                let negated = self.rng.chance(35);
                let columns: Vec<Col> = env.cols().filter(|c| c.ty == ty).cloned().collect();
                let a = if negated && !self.f.not_in_expressions {
                    if columns.is_empty() {
                        return self.subquery_predicate(env);
                    }
                    self.rng.pick(&columns).expr()
                } else {
                    self.expr(ty, &plain, 1)
                };
                let inner = self.subquery_select(env, Some(ty), negated);
                let not = if negated { " NOT" } else { "" };
                Expr::new(format!("{}{not} IN ({inner})", paren(&a.sql)), b)
            }
            _ => {
                let ty = *self.rng.pick(&[
                    Ty::Int4,
                    Ty::Text,
                    Ty::Int8,
                    Ty::Date,
                    Ty::Numeric,
                    Ty::Float8,
                ]);
                let a = self.expr(ty, &plain, 1);
                let sub = self.scalar_subquery(ty, env, true);
                let op = *self.rng.pick(&["=", "<>", "<", ">=", ">"]);
                Expr::new(format!("{} {op} {}", paren(&a.sql), sub.sql), b)
            }
        }
    }

    fn item_type(&mut self) -> Ty {
        TYPES[self.rng.weighted(&[16, 10, 14, 10, 20, 10, 10, 10])]
    }

    /// A grouping key: a column, sometimes an expression over one.
    fn group_key(&mut self, env: &Env) -> Expr {
        let cols: Vec<Col> = env.cols().cloned().collect();
        let col = self.rng.pick(&cols).clone();
        if self.rng.chance(75) {
            return col.expr();
        }
        if col.ty == Ty::Bool {
            // PostgreSQL flattens `(a AND b) AND c`, so a boolean expression key does not
            // match its use in HAVING: boolean keys are columns.
            return col.expr();
        }
        // PostgreSQL reads a constant key as a position (or rejects it): keep a column in it.
        let key = self.expr(col.ty, &env.row(), 1);
        if env.cols().any(|c| key.sql.contains(&c.sql)) {
            key
        } else {
            col.expr()
        }
    }

    // ----- FROM -----------------------------------------------------------------------

    /// The FROM clause (and an upper bound of its rows): relations are added while the
    /// product of their rows stays below [`MAX_JOIN_ROWS`] (a debug build of fedgate takes
    /// seconds over a million rows).
    fn gen_from_clause(&mut self, env: &mut Env) -> (String, f64) {
        let n = self.rng.weighted(&[30, 42, 22, 6]) + 1;
        let (mut sql, rel) = self.relation(env);
        let mut rows = rel.rows;
        env.rels.push(rel);
        // After a comma, ON conditions see only the relations after it (PostgreSQL's JOIN
        // binds tighter than the comma).
        let mut visible = 0;
        for _ in 1..n {
            let (right_sql, right) = self.relation(env);
            if rows * right.rows > MAX_JOIN_ROWS {
                break;
            }
            rows *= right.rows;
            let mut kinds = vec![
                ("JOIN", 40),
                ("LEFT JOIN", 25),
                ("RIGHT JOIN", 8),
                (",", 7),
                ("CROSS JOIN", 5),
            ];
            if self.f.full_joins {
                kinds.push(("FULL JOIN", 8));
            }
            let weights: Vec<u32> = kinds.iter().map(|k| k.1).collect();
            let mut kind = kinds[self.rng.weighted(&weights)].0;
            // A global aggregate on the side an outer join fills with NULLs: DataFusion 55
            // pushes a constant ON condition below it (FINDINGS.md).
            let left_global = env.rels[visible..].iter().any(|r| r.global_aggregate);
            let nullable_global = match kind {
                "LEFT JOIN" => right.global_aggregate,
                "RIGHT JOIN" => left_global,
                "FULL JOIN" => right.global_aggregate || left_global,
                _ => false,
            };
            if nullable_global && !self.f.outer_joins_over_global_aggregates {
                kind = "JOIN";
            }
            match kind {
                "," | "CROSS JOIN" => {
                    if kind == "," {
                        visible = env.rels.len();
                    }
                    sql = if kind == "," {
                        format!("{sql}, {right_sql}")
                    } else {
                        format!("{sql} CROSS JOIN {right_sql}")
                    };
                    env.rels.push(right);
                }
                _ => {
                    let scope = Env {
                        rels: env.rels[visible..].to_vec(),
                        ..env.clone()
                    };
                    // PostgreSQL runs a FULL JOIN only on merge- or hash-joinable
                    // conditions: an equality of one type.
                    // An inner join among more than two relations: DataFusion 55 flattens
                    // them and keeps one NULL equality for all (FINDINGS.md).
                    let flattened = kind == "JOIN" && n > 2;
                    let on = if kind == "FULL JOIN" {
                        self.equi_condition(&scope, &right)
                    } else {
                        Some(self.join_condition(&scope, &right, flattened))
                    };
                    let (kind, on) = match on {
                        Some(on) => (kind, on),
                        None => ("JOIN", self.join_condition(&scope, &right, true)),
                    };
                    let mut right = right;
                    merge_join_key_bounds(&on, &mut env.rels, &mut right);
                    env.rels.push(right);
                    sql = format!("{sql} {kind} {right_sql} ON {on}");
                }
            }
        }
        (sql, rows)
    }

    /// A table of the dataset (its usable columns), sometimes a derived table.
    fn relation(&mut self, env: &Env) -> (String, Rel) {
        if self.f.derived_tables && env.depth < 2 && self.rng.chance(12) {
            let inner_env = Env {
                depth: env.depth + 1,
                ..Env::default()
            };
            let (typed, arm) = (self.typed_int4, self.set_arm);
            self.typed_int4 = true;
            self.set_arm = false;
            let select = self.select(&inner_env, None);
            self.typed_int4 = typed;
            self.set_arm = arm;
            let alias = self.alias("d");
            let cols: Vec<Col> = select
                .items
                .iter()
                .enumerate()
                .map(|(i, e)| Col {
                    sql: format!("{alias}.c{}", i + 1),
                    ty: e.ty,
                    scale: e.scale,
                    bound: e.bound,
                    values: e.values.clone(),
                })
                .collect();
            let key = cols.iter().map(|c| c.sql.clone()).collect();
            let mut select = select;
            select.aliased = true;
            let global_aggregate = select.global_aggregate;
            let rows = select.rows;
            return (
                format!("({}) AS {alias}", select.sql()),
                Rel {
                    cols,
                    key,
                    global_aggregate,
                    rows,
                },
            );
        }
        let table = self.rng.pick(&self.schema.tables).clone();
        let alias = self.alias("t");
        let server = self.layout.server(table.name);
        let cols: Vec<Col> = table
            .columns
            .iter()
            .filter(|c| self.usable(server, c.ty))
            .map(|c| Col {
                sql: format!("{alias}.{}", c.name),
                ty: c.ty,
                scale: c.scale,
                bound: c.bound,
                values: Some(c.values.clone()),
            })
            .collect();
        let key = vec![format!("{alias}.id")];
        (
            format!("{{{{{}}}}} AS {alias}", table.name),
            Rel {
                cols,
                key,
                global_aggregate: false,
                rows: table.rows as f64,
            },
        )
    }

    /// Whether a column of type `ty` on `server` can take part (see FINDINGS.md).
    fn usable(&self, server: Server, ty: Ty) -> bool {
        !(server == Server::Mongo && matches!(ty, Ty::Date | Ty::Timestamp) && !self.f.mongo_dates)
    }

    /// An ON condition joining `right` to the relations in `env`.
    /// `flattened`: an inner join DataFusion may flatten with others (see
    /// [`Features::not_distinct_inner_joins_among_more`]).
    fn join_condition(&mut self, env: &Env, right: &Rel, flattened: bool) -> String {
        let mut scope = env.clone();
        scope.rels.push(right.clone());
        let pairs: Vec<(Col, Col)> = env
            .cols()
            .flat_map(|l| {
                right
                    .cols
                    .iter()
                    .filter(|r| r.ty.family() == l.ty.family())
                    .map(move |r| (l.clone(), r.clone()))
            })
            .collect();
        let mut cond = if !pairs.is_empty() && self.rng.chance(85) {
            let same: Vec<&(Col, Col)> = pairs.iter().filter(|(l, r)| l.ty == r.ty).collect();
            let (l, r) = if !same.is_empty() && self.rng.chance(80) {
                (*self.rng.pick(&same)).clone()
            } else {
                self.rng.pick(&pairs).clone()
            };
            let ops: &[&str] = if flattened && !self.f.not_distinct_inner_joins_among_more {
                &["<>", "<", ">="]
            } else {
                &["<>", "<", ">=", "IS NOT DISTINCT FROM"]
            };
            let op = if self.rng.chance(85) {
                "="
            } else {
                *self.rng.pick(ops)
            };
            if l.ty.family() == 0 && l.ty != r.ty && !self.numbers_compare(l.ty, r.ty) {
                "TRUE".to_string()
            } else {
                format!("{} {op} {}", l.sql, r.sql)
            }
        } else {
            self.expr(Ty::Bool, &scope.row().condition(), 2).sql
        };
        if self.rng.chance(25) {
            let extra = self.expr(Ty::Bool, &scope.row().condition(), 2);
            cond = format!("{cond} AND {}", paren(&extra.sql));
        }
        cond
    }

    /// `l = r` over a pair of columns of one type, if there is one.
    fn equi_condition(&mut self, env: &Env, right: &Rel) -> Option<String> {
        let pairs: Vec<(String, String)> = env
            .cols()
            .flat_map(|l| {
                right
                    .cols
                    .iter()
                    .filter(|r| r.ty == l.ty)
                    .map(move |r| (l.sql.clone(), r.sql.clone()))
            })
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let (l, r) = self.rng.pick(&pairs).clone();
        Some(format!("{l} = {r}"))
    }

    /// Whether numbers of types `a` and `b` may be compared (a float with a numeric is
    /// excluded while FINDINGS.md says so).
    fn numbers_compare(&self, a: Ty, b: Ty) -> bool {
        let float_numeric =
            (a == Ty::Float8 && b == Ty::Numeric) || (a == Ty::Numeric && b == Ty::Float8);
        !float_numeric || self.f.float_vs_numeric
    }

    // ----- expressions ----------------------------------------------------------------

    fn expr(&mut self, ty: Ty, env: &Env, depth: u32) -> Expr {
        if depth == 0 || self.rng.chance(30) {
            return self.leaf(ty, env);
        }
        let made = match ty {
            Ty::Int4 | Ty::Int8 | Ty::Numeric | Ty::Float8 => self.number(ty, env, depth),
            Ty::Text => self.text(env, depth),
            Ty::Bool => self.boolean(env, depth),
            Ty::Date => self.date(env, depth),
            Ty::Timestamp => self.timestamp(env, depth),
        };
        made.unwrap_or_else(|| self.leaf(ty, env))
    }

    /// A column, key, aggregate, window function or literal of type `ty`.
    fn leaf(&mut self, ty: Ty, env: &Env) -> Expr {
        if let Some(keys) = &env.keys {
            let matching: Vec<Expr> = keys.iter().filter(|k| k.ty == ty).cloned().collect();
            // A constant HAVING fails in DataFusion (FINDINGS.md).
            let literal = if ty == Ty::Bool { 0 } else { 15 };
            let choice =
                self.rng
                    .weighted(&[if matching.is_empty() { 0 } else { 45 }, 40, literal]);
            return match choice {
                0 => self.rng.pick(&matching).clone(),
                1 => self.aggregate(ty, env),
                _ => self.literal(ty),
            };
        }
        let cols: Vec<Col> = env.cols().filter(|c| c.ty == ty).cloned().collect();
        let outer: Vec<Col> = if env.outer_ok {
            env.outer
                .iter()
                .flat_map(|r| r.cols.iter())
                .filter(|c| c.ty == ty)
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        if ty == Ty::Bool && cols.is_empty() && outer.is_empty() {
            // No boolean column: a predicate over some column, not a constant.
            let all: Vec<Col> = env.cols().cloned().collect();
            if !all.is_empty() {
                let c = self.rng.pick(&all).sql.clone();
                let not = if self.rng.chance(50) { " NOT" } else { "" };
                return Expr::new(format!("{c} IS{not} NULL"), ty);
            }
        }
        // No boolean constants: DataFusion folds them, and its bugs of FINDINGS.md are
        // reached through folded constants.
        let constants = if ty == Ty::Bool { 0 } else { 1 };
        let choice = self.rng.weighted(&[
            if cols.is_empty() { 0 } else { 62 },
            if outer.is_empty() { 0 } else { 12 },
            if env.windows { 12 } else { 0 },
            22 * constants,
            3 * constants,
        ]);
        match choice {
            0 => self.rng.pick(&cols).expr(),
            1 => self.rng.pick(&outer).expr(),
            2 => self.window(ty, env),
            3 => self.literal(ty),
            _ if ty == Ty::Numeric => {
                // A bare numeric has DataFusion's scale 10 (FINDINGS.md): give it one.
                let scale = self.rng.range(0, 3) as u32;
                Expr::num(
                    format!("CAST(NULL AS numeric(20, {scale}))"),
                    ty,
                    0.0,
                    scale,
                )
            }
            _ => Expr::num(format!("NULL::{}", ty.pg()), ty, 0.0, 0),
        }
    }

    /// A literal of type `ty`, from the dataset's values or the extra ones.
    fn literal(&mut self, ty: Ty) -> Expr {
        let pool = self.schema.pool(ty);
        let value = self.rng.pick(&pool).clone();
        self.literal_of(ty, &value)
    }

    fn literal_of(&mut self, ty: Ty, value: &str) -> Expr {
        // The types' minimums stay in the data, not in literals: DataFusion 55 negates a
        // literal compared with a negation (`-x = -2147483648` becomes `x = 2147483648`,
        // which overflows), and reads -9223372036854775808 as a decimal (FINDINGS.md).
        let value = match value {
            "-2147483648" if !self.f.minimum_literals => "-2147483647",
            "-9223372036854775808" if !self.f.minimum_literals => "-9223372036854775807",
            other => other,
        };
        match ty {
            Ty::Int4 | Ty::Int8 | Ty::Numeric => {
                let bound = value.parse::<f64>().map(f64::abs).unwrap_or(0.0);
                let scale = value.split_once('.').map_or(0, |(_, f)| f.len() as u32);
                let fits_int4 = value.parse::<i32>().is_ok();
                // A cast binds tighter than a minus: `(-1)::int8`.
                let v = if value.starts_with('-') {
                    format!("({value})")
                } else {
                    value.to_string()
                };
                let sql = match ty {
                    // A literal that fits int4 is int4 in PostgreSQL: cast it for int8.
                    Ty::Int8 if fits_int4 => format!("{v}::int8"),
                    // fedgate types integer literals int8 (FINDINGS.md), so a sum over them
                    // is numeric, not PostgreSQL's int8: typed where a sum is made.
                    Ty::Int4 if self.typed_int4 && fits_int4 => format!("{v}::int4"),
                    // An integer is int4 in PostgreSQL: cast to numeric (scale 0).
                    Ty::Numeric if !value.contains('.') => {
                        format!("CAST({value} AS numeric(20, 0))")
                    }
                    _ => value.to_string(),
                };
                let sql = if sql.starts_with('-') {
                    format!("({sql})")
                } else {
                    sql
                };
                Expr::num(sql, ty, bound, scale)
            }
            Ty::Float8 => {
                let bound = value.parse::<f64>().map(f64::abs).unwrap_or(0.0);
                let sql = match self.rng.below(3) {
                    0 => format!("{}::float8", quote_literal(value)),
                    1 => format!("CAST({} AS double precision)", quote_literal(value)),
                    _ => format!("float8 {}", quote_literal(value)),
                };
                Expr::num(sql, ty, bound, 0)
            }
            Ty::Text => Expr::new(quote_literal(&self.mutate_text(value)), ty),
            Ty::Bool => Expr::new(if value == "t" { "TRUE" } else { "FALSE" }.to_string(), ty),
            Ty::Date => Expr::new(format!("DATE {}", quote_literal(value)), ty),
            Ty::Timestamp => Expr::new(format!("TIMESTAMP {}", quote_literal(value)), ty),
        }
    }

    /// Sometimes a variant of `value` that differs in case, accents or spaces.
    fn mutate_text(&mut self, value: &str) -> String {
        match self.rng.weighted(&[60, 8, 8, 8, 6, 6, 4]) {
            1 => value.to_uppercase(),
            2 => value.to_lowercase(),
            3 => format!("{value} "),
            4 => value.trim_end().to_string(),
            5 => value
                .chars()
                .map(|c| match c {
                    'é' | 'É' => 'e',
                    'ä' => 'a',
                    'Ä' => 'A',
                    'ö' | 'ë' => 'o',
                    'e' => 'é',
                    _ => c,
                })
                .collect(),
            6 => format!(" {value}"),
            _ => value.to_string(),
        }
    }

    /// A literal from the values of `e`'s column when it has some, else any literal.
    fn literal_like(&mut self, e: &Expr, ty: Ty) -> Expr {
        match &e.values {
            Some(values) if !values.is_empty() && e.ty == ty && self.rng.chance(70) => {
                let value = self.rng.pick(values).clone();
                self.literal_of(ty, &value)
            }
            _ => self.literal(ty),
        }
    }

    // ----- numbers --------------------------------------------------------------------

    fn fits(ty: Ty, bound: f64, scale: u32) -> bool {
        if ty == Ty::Numeric {
            scale <= 12 && digits_before_point(bound) + scale <= 30
        } else {
            bound <= ty.limit()
        }
    }

    fn number(&mut self, ty: Ty, env: &Env, depth: u32) -> Option<Expr> {
        let d = depth - 1;
        let weights = [
            20,                                    // + -
            8,                                     // *
            if ty == Ty::Numeric { 0 } else { 6 }, // /
            if ty.is_integer() { 4 } else { 0 },   // %
            3,                                     // unary minus
            4,                                     // abs
            10,                                    // CASE
            6,                                     // COALESCE
            3,                                     // NULLIF
            4,                                     // GREATEST / LEAST
            10,                                    // cast
            if ty == Ty::Int4 { 6 } else { 0 },    // length / strpos / date - date
            if ty == Ty::Numeric && self.f.numeric_rounding {
                5
            } else {
                0
            }, // round/trunc/ceil/floor
            self.anywhere(env),                    // scalar subquery
        ];
        match self.rng.weighted(&weights) {
            0 => {
                let a = self.operand(ty, env, d);
                let b = self.expr(ty, env, d);
                let op = if self.rng.chance(50) { "+" } else { "-" };
                let bound = a.bound + b.bound;
                let scale = a.scale.max(b.scale);
                Self::fits(ty, bound, scale).then(|| {
                    Expr::num(
                        format!("{} {op} {}", paren(&a.sql), paren(&b.sql)),
                        ty,
                        bound,
                        scale,
                    )
                })
            }
            1 => {
                let a = self.operand(ty, env, d);
                let small = ty == Ty::Float8 || self.rng.chance(50);
                let b = if small {
                    self.small_literal(ty)
                } else {
                    self.expr(ty, env, d)
                };
                // DataFusion 55 folds a numeric `x * 0` to the zero literal, with its scale
                // (FINDINGS.md): numeric factors are columns or non-zero literals.
                if ty == Ty::Numeric
                    && (!mentions_column(&a.sql) || !(small || mentions_column(&b.sql)))
                {
                    return None;
                }
                let bound = a.bound * b.bound;
                let scale = a.scale + b.scale;
                Self::fits(ty, bound, scale).then(|| {
                    Expr::num(
                        format!("{} * {}", paren(&a.sql), paren(&b.sql)),
                        ty,
                        bound,
                        scale,
                    )
                })
            }
            2 => {
                let a = self.operand(ty, env, d);
                if ty == Ty::Float8 {
                    let b = self.small_literal(ty);
                    let bound = a.bound * 2.0;
                    Self::fits(ty, bound, 0)
                        .then(|| Expr::num(format!("{} / {}", paren(&a.sql), b.sql), ty, bound, 0))
                } else {
                    let b = self.expr(ty, env, d);
                    // MIN / -1 overflows: the bound excludes the type's minimum.
                    Self::fits(ty, a.bound, 0).then(|| {
                        Expr::num(
                            format!("{} / NULLIF({}, {})", paren(&a.sql), b.sql, self.zero(ty)),
                            ty,
                            a.bound,
                            0,
                        )
                    })
                }
            }
            3 => {
                let a = self.operand(ty, env, d);
                let b = if self.rng.chance(50) {
                    self.small_literal(ty)
                } else {
                    self.expr(ty, env, d)
                };
                let bound = a.bound.min(b.bound);
                Some(Expr::num(
                    format!("{} % NULLIF({}, {})", paren(&a.sql), b.sql, self.zero(ty)),
                    ty,
                    bound,
                    0,
                ))
            }
            4 => {
                let a = self.expr(ty, env, d);
                Self::fits(ty, a.bound, a.scale)
                    .then(|| Expr::num(format!("-{}", paren(&a.sql)), ty, a.bound, a.scale))
            }
            5 => {
                let a = self.expr(ty, env, d);
                Self::fits(ty, a.bound, a.scale)
                    .then(|| Expr::num(format!("abs({})", a.sql), ty, a.bound, a.scale))
            }
            6 => Some(self.case(ty, env, d)),
            7 => {
                let n = self.rng.range(2, 3) as usize;
                let args: Vec<Expr> = (0..n).map(|_| self.expr(ty, env, d)).collect();
                Some(combine("COALESCE", args, ty))
            }
            8 => {
                let a = self.expr(ty, env, d);
                let b = self.literal_like(&a, ty);
                let scale = a.scale.max(b.scale);
                if !self.numbers_compare(a.ty, b.ty) {
                    return None;
                }
                Some(Expr::num(
                    format!("NULLIF({}, {})", pad(a.clone(), scale).sql, b.sql),
                    ty,
                    a.bound,
                    scale,
                ))
            }
            9 => {
                let name = if self.rng.chance(50) {
                    "GREATEST"
                } else {
                    "LEAST"
                };
                let args = vec![self.expr(ty, env, d), self.expr(ty, env, d)];
                Some(combine(name, args, ty))
            }
            10 => self.cast_to_number(ty, env, d),
            11 => Some(match self.rng.below(3) {
                0 => {
                    let a = self.expr(Ty::Text, env, d);
                    let f = *self.rng.pick(&["length", "char_length", "octet_length"]);
                    Expr::num(format!("{f}({})", a.sql), Ty::Int4, 1000.0, 0)
                }
                1 => {
                    let a = self.expr(Ty::Text, env, d);
                    let b = self.literal(Ty::Text);
                    Expr::num(format!("strpos({}, {})", a.sql, b.sql), Ty::Int4, 1000.0, 0)
                }
                _ => {
                    // date - date is int8 in fedgate (FINDINGS.md): not inside a sum.
                    if !self.f.date_math || self.typed_int4 {
                        return None;
                    }
                    let a = self.expr(Ty::Date, env, d);
                    let b = self.expr(Ty::Date, env, d);
                    Expr::num(
                        format!("{} - {}", paren(&a.sql), paren(&b.sql)),
                        Ty::Int4,
                        4.0e6,
                        0,
                    )
                }
            }),
            12 => {
                // A true numeric: floor(int8) would be floor(double precision).
                let a = self.expr(Ty::Numeric, env, d);
                Some(match self.rng.below(4) {
                    0 => {
                        let k = self.rng.range(0, 3) as u32;
                        Expr::num(format!("round({}, {k})", a.sql), ty, a.bound + 1.0, k)
                    }
                    1 => {
                        let k = self.rng.range(0, 3) as u32;
                        Expr::num(format!("trunc({}, {k})", a.sql), ty, a.bound, k)
                    }
                    2 => Expr::num(format!("ceil({})", a.sql), ty, a.bound + 1.0, 0),
                    _ => Expr::num(format!("floor({})", a.sql), ty, a.bound + 1.0, 0),
                })
            }
            _ => Some(self.scalar_subquery(ty, env, env.keys.is_none())),
        }
    }

    /// A zero of type `ty` for `NULLIF(x, 0)` (typed inside a sum, see `typed_int4`).
    fn zero(&self, ty: Ty) -> &'static str {
        if self.typed_int4 && ty == Ty::Int4 {
            "0::int4"
        } else {
            "0"
        }
    }

    /// A type of a column in scope (of a key in a grouped query), mostly, so that a
    /// predicate over it can have a column for subject.
    fn column_type(&mut self, env: &Env) -> Ty {
        let types: Vec<Ty> = match &env.keys {
            Some(keys) => keys.iter().map(|k| k.ty).collect(),
            None => env.cols().map(|c| c.ty).collect(),
        };
        if types.is_empty() || self.rng.chance(15) {
            self.any_type()
        } else {
            *self.rng.pick(&types)
        }
    }

    /// The first operand of arithmetic of type `ty`: sometimes of a narrower type (PostgreSQL
    /// widens it to the type of the second operand, which is always `ty`), mostly of `ty`.
    fn operand(&mut self, ty: Ty, env: &Env, depth: u32) -> Expr {
        let narrower: &[Ty] = match ty {
            Ty::Int8 => &[Ty::Int4],
            Ty::Numeric => &[Ty::Int4, Ty::Int8],
            Ty::Float8 => &[Ty::Int4],
            _ => &[],
        };
        if !narrower.is_empty() && self.rng.chance(20) {
            let t = *self.rng.pick(narrower);
            let mut e = self.expr(t, env, depth);
            e.ty = ty;
            e.scale = 0;
            e.values = None;
            e
        } else {
            self.expr(ty, env, depth)
        }
    }

    /// A small non-zero literal (a multiplier or divisor).
    fn small_literal(&mut self, ty: Ty) -> Expr {
        match ty {
            Ty::Int4 | Ty::Int8 => {
                let v = *self.rng.pick(&[2i64, 3, 7, -1, -2, 10]);
                self.literal_of(ty, &v.to_string())
            }
            Ty::Numeric => {
                let v = *self.rng.pick(&["2.0", "0.5", "1.25", "3.0", "10.0"]);
                self.literal_of(Ty::Numeric, v)
            }
            _ => {
                let v = *self.rng.pick(&["2", "0.5", "4", "10", "0.25"]);
                Expr::num(
                    format!("{}::float8", quote_literal(v)),
                    ty,
                    v.parse().unwrap_or(10.0),
                    0,
                )
            }
        }
    }

    fn cast_to_number(&mut self, ty: Ty, env: &Env, d: u32) -> Option<Expr> {
        let mut from: Vec<Ty> = match ty {
            Ty::Int4 => vec![Ty::Int8, Ty::Numeric, Ty::Float8, Ty::Bool],
            Ty::Int8 => vec![Ty::Int4, Ty::Numeric, Ty::Float8],
            Ty::Numeric => vec![Ty::Int4, Ty::Int8, Ty::Float8],
            _ => vec![Ty::Int4, Ty::Int8, Ty::Numeric],
        };
        from.retain(|&s| {
            !(s == Ty::Float8
                && (ty.is_integer() && !self.f.float_to_int
                    || ty == Ty::Numeric && !self.f.float_to_numeric))
                && !(s == Ty::Numeric && ty == Ty::Float8 && !self.f.numeric_to_float)
        });
        let source = *self.rng.pick(&from);
        let a = self.expr(source, env, d);
        let bound = if source == Ty::Bool {
            1.0
        } else {
            a.bound + 1.0
        };
        let scale = if ty == Ty::Numeric { a.scale } else { 0 };
        if !Self::fits(ty, bound, scale) {
            return None;
        }
        if ty == Ty::Numeric && !self.f.bare_numeric {
            // numeric(p, s): one scale on both sides (a bare numeric keeps each value's).
            let scale = if source == Ty::Float8 {
                self.rng.range(0, 4) as u32
            } else {
                scale
            };
            // A wide precision: DataFusion may evaluate a cast on other rows than PostgreSQL
            // does (a predicate inferred across a join key, FINDINGS.md), so it must not
            // fail on any value of the other side.
            let precision = (digits_before_point(bound) + scale + 2).clamp(30, 38);
            let sql = format!("CAST({} AS numeric({precision}, {scale}))", a.sql);
            return Some(Expr::num(sql, ty, bound, scale));
        }
        Some(Expr::num(self.cast_sql(&a.sql, ty), ty, bound, scale))
    }

    fn cast_sql(&mut self, sql: &str, ty: Ty) -> String {
        if self.rng.chance(50) {
            format!("{}::{}", paren(sql), ty.pg())
        } else {
            let name = match ty {
                Ty::Int4 => "integer",
                Ty::Int8 => "bigint",
                Ty::Float8 => "double precision",
                _ => ty.pg(),
            };
            format!("CAST({sql} AS {name})")
        }
    }

    // ----- CASE and friends -----------------------------------------------------------

    fn case(&mut self, ty: Ty, env: &Env, d: u32) -> Expr {
        let n = self.rng.range(1, 3) as usize;
        let simple = self.f.simple_case && self.rng.chance(35);
        let subject = if simple {
            let family = *self
                .rng
                .pick(&[Ty::Int4, Ty::Text, Ty::Text, Ty::Date, Ty::Numeric]);
            Some(self.subject(family, env, d))
        } else {
            None
        };
        let mut whens = Vec::new();
        let mut results = Vec::new();
        for _ in 0..n {
            let when = match &subject {
                Some(s) => self.literal_like(s, s.ty).sql,
                None => self.expr(Ty::Bool, env, d).sql,
            };
            whens.push(when);
            results.push(self.expr(ty, env, d));
        }
        let has_else = self.rng.chance(70);
        if has_else {
            results.push(self.expr(ty, env, d));
        }
        let scale = results.iter().map(|r| r.scale).max().unwrap_or(0);
        let bound = results.iter().map(|r| r.bound).fold(0.0, f64::max);
        let results: Vec<Expr> = results.into_iter().map(|r| pad(r, scale)).collect();
        let mut sql = String::from("CASE");
        if let Some(s) = &subject {
            sql.push_str(&format!(" {}", s.sql));
        }
        for (w, r) in whens.iter().zip(&results) {
            sql.push_str(&format!(" WHEN {w} THEN {}", r.sql));
        }
        if has_else {
            sql.push_str(&format!(" ELSE {}", results[n].sql));
        }
        sql.push_str(" END");
        Expr::num(sql, ty, bound, scale)
    }

    // ----- text -----------------------------------------------------------------------

    fn text(&mut self, env: &Env, depth: u32) -> Option<Expr> {
        let d = depth - 1;
        let funcs = if self.f.text_functions { 4 } else { 0 };
        let weights = [
            if self.f.unicode_case { 8 } else { 0 }, // lower / upper
            10,                                      // ||
            5,                                       // concat
            8,                                       // trims
            8,                                       // substr
            funcs,                                   // left / right
            funcs,                                   // replace
            funcs,                                   // lpad / rpad
            funcs,                                   // reverse / repeat / split_part
            10,                                      // CASE
            6,                                       // COALESCE
            3,                                       // NULLIF
            12,                                      // cast to text
            self.anywhere(env),
        ];
        let t = Ty::Text;
        Some(match self.rng.weighted(&weights) {
            0 => {
                let a = self.expr(t, env, d);
                let f = if self.rng.chance(50) {
                    "lower"
                } else {
                    "upper"
                };
                Expr::new(format!("{f}({})", a.sql), t)
            }
            1 => {
                let a = self.expr(t, env, d);
                let b = self.expr(t, env, d);
                Expr::new(format!("{} || {}", paren(&a.sql), paren(&b.sql)), t)
            }
            2 => {
                let n = self.rng.range(2, 3) as usize;
                let args: Vec<String> = (0..n).map(|_| self.expr(t, env, d).sql).collect();
                Expr::new(format!("concat({})", args.join(", ")), t)
            }
            3 => {
                let a = self.expr(t, env, d);
                Expr::new(
                    match self.rng.below(5) {
                        0 => format!("trim({})", a.sql),
                        1 => format!("btrim({})", a.sql),
                        2 => format!("ltrim({})", a.sql),
                        3 => format!("rtrim({})", a.sql),
                        _ => format!("trim(both ' ' from {})", a.sql),
                    },
                    t,
                )
            }
            4 => {
                let a = self.expr(t, env, d);
                let start = self.rng.range(1, 4);
                let len = self.rng.range(0, 4);
                Expr::new(
                    if self.rng.chance(50) {
                        format!("substr({}, {start}, {len})", a.sql)
                    } else {
                        format!("substring({} from {start} for {len})", a.sql)
                    },
                    t,
                )
            }
            5 => {
                let a = self.expr(t, env, d);
                let n = self.rng.range(-2, 4);
                let f = if self.rng.chance(50) { "left" } else { "right" };
                Expr::new(format!("{f}({}, {n})", a.sql), t)
            }
            6 => {
                let a = self.expr(t, env, d);
                let from = *self.rng.pick(&["a", "e", "É", " ", "p"]);
                let to = *self.rng.pick(&["", "_", "XY", "é"]);
                Expr::new(
                    format!(
                        "replace({}, {}, {})",
                        a.sql,
                        quote_literal(from),
                        quote_literal(to)
                    ),
                    t,
                )
            }
            7 => {
                let a = self.expr(t, env, d);
                let n = self.rng.range(0, 8);
                let f = if self.rng.chance(50) { "lpad" } else { "rpad" };
                let fill = *self.rng.pick(&["*", "ab", "é"]);
                Expr::new(format!("{f}({}, {n}, {})", a.sql, quote_literal(fill)), t)
            }
            8 => {
                let a = self.expr(t, env, d);
                Expr::new(
                    match self.rng.below(3) {
                        0 => format!("reverse({})", a.sql),
                        1 => format!("repeat({}, {})", a.sql, self.rng.range(0, 3)),
                        _ => format!("split_part({}, ' ', {})", a.sql, self.rng.range(1, 2)),
                    },
                    t,
                )
            }
            9 => self.case(t, env, d),
            10 => {
                let n = self.rng.range(2, 3) as usize;
                let args: Vec<Expr> = (0..n).map(|_| self.expr(t, env, d)).collect();
                combine("COALESCE", args, t)
            }
            11 => {
                let a = self.expr(t, env, d);
                let b = self.literal_like(&a, t);
                Expr::new(format!("NULLIF({}, {})", a.sql, b.sql), t)
            }
            12 => {
                let mut sources = vec![Ty::Int4, Ty::Int8, Ty::Numeric, Ty::Bool, Ty::Date];
                if self.f.float_text {
                    sources.push(Ty::Float8);
                }
                if self.f.timestamp_text {
                    sources.push(Ty::Timestamp);
                }
                let source = *self.rng.pick(&sources);
                let a = self.expr(source, env, d);
                Expr::new(self.cast_sql(&a.sql, t), t)
            }
            _ => self.scalar_subquery(t, env, env.keys.is_none()),
        })
    }

    // ----- booleans -------------------------------------------------------------------

    fn boolean(&mut self, env: &Env, depth: u32) -> Option<Expr> {
        let d = depth - 1;
        let sub = self.anywhere(env) + self.anywhere(env);
        let weights = [
            30,  // comparison
            14,  // AND / OR
            5,   // NOT
            8,   // IS [NOT] NULL
            5,   // BETWEEN
            6,   // IN (list)
            7,   // LIKE
            4,   // IS [NOT] DISTINCT FROM
            3,   // IS [NOT] TRUE / FALSE / UNKNOWN
            sub, // EXISTS
            sub, // IN (subquery)
        ];
        let b = Ty::Bool;
        Some(match self.rng.weighted(&weights) {
            0 => self.comparison(env, d)?,
            1 => {
                let a = self.expr(b, env, d);
                let c = self.expr(b, env, d);
                let op = if self.rng.chance(50) { "AND" } else { "OR" };
                Expr::new(format!("{} {op} {}", paren(&a.sql), paren(&c.sql)), b)
            }
            2 => {
                let a = self.expr(b, env, d);
                Expr::new(format!("NOT {}", paren(&a.sql)), b)
            }
            3 => {
                let ty = self.column_type(env);
                let a = self.subject(ty, env, d);
                let not = if self.rng.chance(40) { " NOT" } else { "" };
                Expr::new(format!("{} IS{not} NULL", paren(&a.sql)), b)
            }
            4 => {
                let ty = *self
                    .rng
                    .pick(&[Ty::Int4, Ty::Numeric, Ty::Text, Ty::Date, Ty::Int8]);
                let a = self.subject(ty, env, d);
                let lo = self.literal_like(&a, ty);
                let hi = self.literal_like(&a, ty);
                let not = if self.rng.chance(25) { "NOT " } else { "" };
                let symmetric = if self.f.between_symmetric && self.rng.chance(20) {
                    "SYMMETRIC "
                } else {
                    ""
                };
                Expr::new(
                    format!(
                        "{} {not}BETWEEN {symmetric}{} AND {}",
                        paren(&a.sql),
                        lo.sql,
                        hi.sql
                    ),
                    b,
                )
            }
            5 => {
                let ty = *self.rng.pick(&[
                    Ty::Int4,
                    Ty::Int8,
                    Ty::Numeric,
                    Ty::Text,
                    Ty::Date,
                    Ty::Text,
                ]);
                let a = self.subject(ty, env, d);
                let n = self.rng.range(1, 4) as usize;
                let mut list: Vec<String> = (0..n).map(|_| self.literal_like(&a, ty).sql).collect();
                if self.rng.chance(15) {
                    list.push("NULL".to_string());
                }
                let not = if self.rng.chance(30) { " NOT" } else { "" };
                Expr::new(
                    format!("{}{not} IN ({})", paren(&a.sql), list.join(", ")),
                    b,
                )
            }
            6 => {
                let a = self.subject(Ty::Text, env, d);
                let pattern = self.like_pattern(&a);
                let op = match self
                    .rng
                    .weighted(&[60, 20, if self.f.ilike { 20 } else { 0 }])
                {
                    0 => "LIKE",
                    1 => "NOT LIKE",
                    _ => "ILIKE",
                };
                Expr::new(
                    format!("{} {op} {}", paren(&a.sql), quote_literal(&pattern)),
                    b,
                )
            }
            7 => {
                let ty = self.column_type(env);
                let a = self.subject(ty, env, d);
                let c = self.literal_like(&a, ty);
                let c = if self.rng.chance(20) {
                    Expr::new(format!("NULL::{}", ty.pg()), ty)
                } else {
                    c
                };
                let not = if self.rng.chance(40) { " NOT" } else { "" };
                Expr::new(
                    format!("{} IS{not} DISTINCT FROM {}", paren(&a.sql), c.sql),
                    b,
                )
            }
            8 => {
                let a = self.subject(b, env, d);
                let not = if self.rng.chance(40) { " NOT" } else { "" };
                let what = *self.rng.pick(&["TRUE", "FALSE", "UNKNOWN"]);
                Expr::new(format!("{} IS{not} {what}", paren(&a.sql)), b)
            }
            9 => {
                let negated = self.rng.chance(30);
                let inner = self.subquery_select(env, None, negated);
                let not = if negated { "NOT " } else { "" };
                Expr::new(format!("{not}EXISTS ({inner})"), b)
            }
            _ => {
                let ty = *self
                    .rng
                    .pick(&[Ty::Int4, Ty::Text, Ty::Int8, Ty::Date, Ty::Numeric]);
                let a = self.expr(
                    ty,
                    &Env {
                        windows: false,
                        ..env.clone()
                    },
                    d,
                );
                let negated = self.rng.chance(35);
                let inner = self.subquery_select(env, Some(ty), negated);
                let not = if negated { " NOT" } else { "" };
                Expr::new(format!("{}{not} IN ({inner})", paren(&a.sql)), b)
            }
        })
    }

    /// The subject of a predicate (or the argument of a window function or a sum, the
    /// subject of a simple CASE): an expression that mentions a column. An expression over
    /// constants is folded by DataFusion, and its bugs listed in FINDINGS.md (constant
    /// conditions pushed below a global aggregate, field metadata lost by a folded
    /// expression, window functions made equal by folding) are reached through folding.
    fn subject(&mut self, ty: Ty, env: &Env, d: u32) -> Expr {
        let mut e = self.expr(ty, env, d);
        for _ in 0..4 {
            if mentions_column(&e.sql) {
                return e;
            }
            e = self.expr(ty, env, d);
        }
        if env.keys.is_some() {
            // A grouped query's columns are its keys and aggregates.
            return self.aggregate(ty, env);
        }
        let cols: Vec<Col> = env.cols().filter(|c| c.ty == ty).cloned().collect();
        if cols.is_empty() {
            e
        } else {
            self.rng.pick(&cols).expr()
        }
    }

    /// The weight of a subquery inside an expression (0 unless
    /// [`Features::subqueries_anywhere`]).
    fn anywhere(&self, env: &Env) -> u32 {
        if self.f.subqueries && self.f.subqueries_anywhere && env.depth < 2 {
            3
        } else {
            0
        }
    }

    fn any_type(&mut self) -> Ty {
        self.item_type()
    }

    fn comparison(&mut self, env: &Env, d: u32) -> Option<Expr> {
        let left_ty = self.column_type(env);
        let left = self.subject(left_ty, env, d);
        let right_ty = if self.rng.chance(75) {
            left_ty
        } else {
            let family: Vec<Ty> = TYPES
                .iter()
                .copied()
                .filter(|t| t.family() == left_ty.family())
                .collect();
            *self.rng.pick(&family)
        };
        if left_ty.is_number() && right_ty.is_number() && !self.numbers_compare(left_ty, right_ty) {
            return None;
        }
        let right = if self.rng.chance(50) {
            self.literal_like(&left, right_ty)
        } else {
            self.expr(right_ty, env, d)
        };
        let ops: &[&str] = if left_ty == Ty::Bool {
            &["=", "<>"]
        } else {
            &["=", "<>", "<", "<=", ">", ">=", "!="]
        };
        let op = *self.rng.pick(ops);
        Some(Expr::new(
            format!("{} {op} {}", paren(&left.sql), paren(&right.sql)),
            Ty::Bool,
        ))
    }

    fn like_pattern(&mut self, a: &Expr) -> String {
        let values = a
            .values
            .clone()
            .unwrap_or_else(|| self.schema.pool(Ty::Text));
        let value: Vec<char> = self.rng.pick(&values).chars().collect();
        let n = value.len();
        let cut =
            |from: usize, to: usize| -> String { value[from.min(n)..to.min(n)].iter().collect() };
        let k = self.rng.range(0, 3) as usize;
        let mut pattern = match self.rng.below(5) {
            0 => format!("{}%", cut(0, k)),
            1 => format!("%{}", cut(n.saturating_sub(k), n)),
            2 => format!("%{}%", cut(1, 1 + k)),
            3 => {
                let mut chars = value.clone();
                if !chars.is_empty() {
                    let i = self.rng.below(chars.len());
                    chars[i] = '_';
                }
                chars.into_iter().collect()
            }
            _ => self.mutate_text(&cut(0, n)),
        };
        // A pattern must not end with the escape character.
        let trailing = pattern.chars().rev().take_while(|&c| c == '\\').count();
        if trailing % 2 == 1 {
            pattern.push('\\');
        }
        pattern
    }

    // ----- dates and timestamps -------------------------------------------------------

    fn date(&mut self, env: &Env, depth: u32) -> Option<Expr> {
        let d = depth - 1;
        let t = Ty::Date;
        let math = if self.f.date_math { 10 } else { 0 };
        Some(match self.rng.weighted(&[math, 8, 10, 6, 4, 4]) {
            0 => {
                let a = self.expr(t, env, d);
                let n = self.rng.range(0, 400);
                let op = if self.rng.chance(50) { "+" } else { "-" };
                Expr::new(format!("{} {op} {n}", paren(&a.sql)), t)
            }
            1 => {
                let a = self.expr(Ty::Timestamp, env, d);
                Expr::new(self.cast_sql(&a.sql, t), t)
            }
            2 => self.case(t, env, d),
            3 => {
                let args = vec![self.expr(t, env, d), self.expr(t, env, d)];
                combine("COALESCE", args, t)
            }
            4 => {
                let name = if self.rng.chance(50) {
                    "GREATEST"
                } else {
                    "LEAST"
                };
                let args = vec![self.expr(t, env, d), self.expr(t, env, d)];
                combine(name, args, t)
            }
            _ => {
                if self.anywhere(env) == 0 {
                    return None;
                }
                self.scalar_subquery(t, env, env.keys.is_none())
            }
        })
    }

    fn timestamp(&mut self, env: &Env, depth: u32) -> Option<Expr> {
        let d = depth - 1;
        let t = Ty::Timestamp;
        let math = if self.f.timestamp_math { 8 } else { 0 };
        let trunc = if self.f.date_trunc { 8 } else { 0 };
        Some(match self.rng.weighted(&[8, math, trunc, 10, 6, 4]) {
            0 => {
                let a = self.expr(Ty::Date, env, d);
                Expr::new(self.cast_sql(&a.sql, t), t)
            }
            1 => {
                let a = self.expr(t, env, d);
                let interval = *self.rng.pick(&[
                    "1 day",
                    "2 hours",
                    "1 month",
                    "30 minutes",
                    "1 year",
                    "1.5 seconds",
                ]);
                let op = if self.rng.chance(50) { "+" } else { "-" };
                Expr::new(
                    format!(
                        "{} {op} INTERVAL {}",
                        paren(&a.sql),
                        quote_literal(interval)
                    ),
                    t,
                )
            }
            2 => {
                let a = self.expr(t, env, d);
                let unit = *self.rng.pick(&["year", "month", "day", "hour", "minute"]);
                Expr::new(format!("date_trunc({}, {})", quote_literal(unit), a.sql), t)
            }
            3 => self.case(t, env, d),
            4 => {
                let args = vec![self.expr(t, env, d), self.expr(t, env, d)];
                combine("COALESCE", args, t)
            }
            _ => {
                let name = if self.rng.chance(50) {
                    "GREATEST"
                } else {
                    "LEAST"
                };
                let args = vec![self.expr(t, env, d), self.expr(t, env, d)];
                combine(name, args, t)
            }
        })
    }

    // ----- aggregates and windows -----------------------------------------------------

    /// An aggregate of type `ty` over the rows of `env` whose DataFusion name no other
    /// aggregate of the SELECT has (unless [`Features::aggregates_differing_by_casts`]).
    fn aggregate(&mut self, ty: Ty, env: &Env) -> Expr {
        for _ in 0..8 {
            let e = self.aggregate_once(ty, env);
            if self.unique_name(&e.sql) {
                return e;
            }
        }
        self.literal(ty)
    }

    /// Whether an aggregate or window call's DataFusion name is new in the SELECT (then it
    /// is recorded); a call seen before with the same SQL is the same column.
    fn unique_name(&mut self, sql: &str) -> bool {
        if self.f.aggregates_differing_by_casts {
            return true;
        }
        let name = datafusion_name(sql);
        match self.aggregate_names.iter().find(|(n, _)| *n == name) {
            Some((_, seen)) => seen == sql,
            None => {
                self.aggregate_names.push((name, sql.to_string()));
                true
            }
        }
    }

    /// An int4 expression to sum, its integer literals typed (see `typed_int4`).
    fn int4_summand(&mut self, env: &Env, depth: u32) -> Expr {
        let saved = self.typed_int4;
        self.typed_int4 = true;
        let e = self.subject(Ty::Int4, env, depth);
        self.typed_int4 = saved;
        e
    }

    fn aggregate_once(&mut self, ty: Ty, env: &Env) -> Expr {
        let row = env.row();
        let filter = |g: &mut Gen, sql: String| -> String {
            if g.f.aggregate_filter && g.rng.chance(10) {
                let cond = g.expr(Ty::Bool, &row, 1);
                format!("{sql} FILTER (WHERE {})", cond.sql)
            } else {
                sql
            }
        };
        match ty {
            Ty::Int8 => {
                let sql = match self.rng.below(4) {
                    0 => "count(*)".to_string(),
                    1 => {
                        let t = self.any_type();
                        format!("count({})", self.expr(t, &row, 2).sql)
                    }
                    2 => {
                        let t = self.any_type();
                        format!("count(DISTINCT {})", self.expr(t, &row, 2).sql)
                    }
                    _ => {
                        let a = self.int4_summand(&row, 2);
                        let sql = filter(self, format!("sum({})", a.sql));
                        return Expr::num(sql, ty, a.bound * ROWS_BOUND, 0);
                    }
                };
                Expr::num(filter(self, sql), ty, ROWS_BOUND, 0)
            }
            Ty::Numeric if self.rng.chance(50) => {
                let source = *self.rng.pick(&[Ty::Int8, Ty::Numeric]);
                let a = self.expr(source, &row, 2);
                let bound = a.bound * ROWS_BOUND;
                if !Self::fits(Ty::Numeric, bound, a.scale) {
                    let value = self.literal(ty);
                    return Expr::num(format!("max({})", value.sql), ty, value.bound, value.scale);
                }
                let distinct = if self.rng.chance(15) { "DISTINCT " } else { "" };
                let sql = filter(self, format!("sum({distinct}{})", a.sql));
                Expr::num(sql, ty, bound, a.scale)
            }
            Ty::Bool => {
                let a = self.expr(Ty::Bool, &row, 2);
                let names: &[&str] = if self.f.every {
                    &["bool_and", "bool_or", "every"]
                } else {
                    &["bool_and", "bool_or"]
                };
                let f = *self.rng.pick(names);
                Expr::new(filter(self, format!("{f}({})", a.sql)), ty)
            }
            Ty::Text
                if self.f.string_agg
                    && (self.f.ordered_aggregates || !self.ordered_aggregate)
                    && self.rng.chance(30) =>
            {
                self.ordered_aggregate = true;
                let a = self.expr(Ty::Text, &row, 2);
                let sep = *self.rng.pick(&[",", "", " | "]);
                let desc = if self.rng.chance(30) { " DESC" } else { "" };
                Expr::new(
                    filter(
                        self,
                        format!(
                            "string_agg({}, {} ORDER BY {}{desc})",
                            a.sql,
                            quote_literal(sep),
                            a.sql
                        ),
                    ),
                    ty,
                )
            }
            _ => {
                let a = self.expr(ty, &row, 2);
                let f = if self.rng.chance(50) { "min" } else { "max" };
                let mut e = a.clone();
                e.sql = filter(self, format!("{f}({})", a.sql));
                e.values = a.values;
                e
            }
        }
    }

    /// A window function of type `ty` (select list of an ungrouped query) whose DataFusion
    /// name is new in the SELECT.
    fn window(&mut self, ty: Ty, env: &Env) -> Expr {
        for _ in 0..8 {
            let e = self.window_once(ty, env);
            if self.unique_name(&e.sql) {
                return e;
            }
        }
        self.literal(ty)
    }

    fn window_once(&mut self, ty: Ty, env: &Env) -> Expr {
        let row = env.row();
        let partition = {
            let n = self.rng.weighted(&[40, 45, 15]);
            let parts: Vec<String> = (0..n)
                .map(|_| {
                    let columns: Vec<Col> = row.cols().cloned().collect();
                    if self.f.computed_partition_keys || columns.is_empty() {
                        let t = self.column_type(&row);
                        self.subject(t, &row, 1).sql
                    } else {
                        // DataFusion 55 fails on an expression key over a join key
                        // (FINDINGS.md): columns.
                        self.rng.pick(&columns).sql.clone()
                    }
                })
                .collect();
            if parts.is_empty() {
                String::new()
            } else {
                format!("PARTITION BY {}", parts.join(", "))
            }
        };
        let order_keys = |g: &mut Gen| -> Vec<String> {
            let n = g.rng.range(0, 2);
            (0..n)
                .map(|_| {
                    let t = g.column_type(&row);
                    let e = g.subject(t, &row, 1);
                    let dir = if g.rng.chance(30) { " DESC" } else { "" };
                    format!("{}{dir}", e.sql)
                })
                .collect()
        };
        let total = |g: &mut Gen| -> String {
            let mut keys = order_keys(g);
            keys.extend(row.tie_breakers());
            format!("ORDER BY {}", keys.join(", "))
        };
        let spec = |partition: &str, order: &str| -> String {
            format!(
                "OVER ({})",
                [partition, order]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(" ")
            )
        };
        match ty {
            Ty::Int8 => {
                let choice = self.rng.below(5);
                let (f, order) = match choice {
                    0 => ("row_number()".to_string(), total(self)),
                    1 | 2 => {
                        let mut keys = order_keys(self);
                        if keys.is_empty() {
                            keys.push(row.tie_breakers()[0].clone());
                        }
                        let f = if choice == 1 {
                            "rank()"
                        } else {
                            "dense_rank()"
                        };
                        (f.to_string(), format!("ORDER BY {}", keys.join(", ")))
                    }
                    3 => ("count(*)".to_string(), String::new()),
                    _ => {
                        let a = self.int4_summand(&row, 1);
                        let keys = order_keys(self);
                        let order = if keys.is_empty() {
                            String::new()
                        } else {
                            format!("ORDER BY {}", keys.join(", "))
                        };
                        let sql = format!("sum({}) {}", a.sql, spec(&partition, &order));
                        return Expr::num(sql, ty, a.bound * ROWS_BOUND, 0);
                    }
                };
                let call = format!("{f} {}", spec(&partition, &order));
                // row_number(), rank() and dense_rank() are unsigned in DataFusion: in
                // arithmetic they become decimals (FINDINGS.md): typed as PostgreSQL's int8.
                let sql = if choice < 3 && !self.f.unsigned_window_functions {
                    format!("CAST({call} AS bigint)")
                } else {
                    call
                };
                Expr::num(sql, ty, ROWS_BOUND, 0)
            }
            Ty::Bool => {
                let a = self.subject(Ty::Bool, &row, 1);
                Expr::new(format!("bool_or({}) {}", a.sql, spec(&partition, "")), ty)
            }
            _ => {
                let mut a = self.subject(ty, &row, 1);
                if ty == Ty::Text && a.sql.starts_with('\'') && a.sql.ends_with('\'') {
                    // An untyped literal has no type for a polymorphic function.
                    a.sql = format!("CAST({} AS text)", a.sql);
                }
                let mut e = a.clone();
                e.values = a.values.clone();
                e.sql = match self.rng.below(4) {
                    0 => {
                        let order = total(self);
                        let f = if self.rng.chance(50) { "lag" } else { "lead" };
                        let k = self.rng.range(1, 2);
                        format!("{f}({}, {k}) {}", a.sql, spec(&partition, &order))
                    }
                    1 => {
                        let order = total(self);
                        format!("first_value({}) {}", a.sql, spec(&partition, &order))
                    }
                    _ => {
                        let f = if self.rng.chance(50) { "min" } else { "max" };
                        // A running min/max (with ORDER BY): DataFusion 55 takes it for
                        // sorted, NULLs included, and drops an outer ORDER BY (FINDINGS.md).
                        let keys = if self.f.running_min_max {
                            order_keys(self)
                        } else {
                            Vec::new()
                        };
                        let order = if keys.is_empty() {
                            String::new()
                        } else {
                            format!("ORDER BY {}", keys.join(", "))
                        };
                        format!("{f}({}) {}", a.sql, spec(&partition, &order))
                    }
                };
                e
            }
        }
    }

    // ----- subqueries -----------------------------------------------------------------

    /// The SELECT of an EXISTS (`want` None) or IN (one column of type `want`) subquery,
    /// often correlated with `env`.
    fn subquery_select(&mut self, env: &Env, want: Option<Ty>, negated: bool) -> String {
        let mut inner = Env {
            rels: Vec::new(),
            outer: env.rels.iter().chain(env.outer.iter()).cloned().collect(),
            outer_ok: true,
            keys: None,
            windows: false,
            depth: env.depth + 1,
        };
        let n = self.rng.weighted(&[70, 30]) + 1;
        let mut from = Vec::new();
        for _ in 0..n {
            let (sql, rel) = self.relation(&Env {
                depth: 2,
                ..Env::default()
            });
            from.push(sql);
            inner.rels.push(rel);
        }
        let mut conds = Vec::new();
        let not_in = want.is_some() && negated;
        if self.rng.chance(65) && (self.f.correlated_not_in || !not_in) {
            if let Some(c) = self.correlation(&inner, false) {
                conds.push(c);
            }
        }
        if conds.is_empty() || self.rng.chance(50) {
            let scope = Env {
                outer_ok: self.f.correlated_anywhere && !not_in,
                ..inner.condition()
            };
            conds.push(paren(&self.expr(Ty::Bool, &scope, 2).sql));
        }
        let item = match want {
            None => {
                if self.rng.chance(50) {
                    "1".to_string()
                } else {
                    let t = self.any_type();
                    self.expr(
                        t,
                        &Env {
                            outer_ok: false,
                            ..inner.clone()
                        },
                        1,
                    )
                    .sql
                }
            }
            Some(ty) if not_in && !self.f.not_in_expressions => {
                let columns: Vec<Col> = inner.cols().filter(|c| c.ty == ty).cloned().collect();
                if columns.is_empty() {
                    format!("NULL::{}", ty.pg())
                } else {
                    self.rng.pick(&columns).sql.clone()
                }
            }
            Some(ty) => {
                self.expr(
                    ty,
                    &Env {
                        outer_ok: false,
                        ..inner.clone()
                    },
                    2,
                )
                .sql
            }
        };
        // DataFusion names a cast after its operand: an item that is a cast of the inner
        // column of the correlation collides with it when the subquery is decorrelated
        // ("Projections require unique expression names", FINDINGS.md).
        if !self.f.aggregates_differing_by_casts {
            let name = datafusion_name(&item);
            conds.retain(|c| {
                let inner_column = c.split(' ').next().unwrap_or_default();
                !(c.contains('.') && datafusion_name(inner_column) == name)
            });
            if conds.is_empty() {
                conds.push("TRUE".to_string());
            }
        }
        format!(
            "SELECT {item} FROM {} WHERE {}",
            from.join(", "),
            conds.join(" AND ")
        )
    }

    /// `inner_col = outer_col` for a pair of one family, if there is one.
    fn correlation(&mut self, inner: &Env, equality: bool) -> Option<String> {
        let pairs: Vec<(String, String)> = inner
            .cols()
            .flat_map(|i| {
                inner
                    .outer
                    .iter()
                    .flat_map(|r| r.cols.iter())
                    .filter(move |o| o.ty == i.ty)
                    .map(move |o| (i.sql.clone(), o.sql.clone()))
            })
            .collect();
        if pairs.is_empty() {
            return None;
        }
        let (i, o) = self.rng.pick(&pairs).clone();
        let op = if equality || self.rng.chance(80) {
            "="
        } else {
            *self.rng.pick(&["<>", "<", ">"])
        };
        Some(format!("{i} {op} {o}"))
    }

    /// `(SELECT agg(...) FROM ... WHERE ...)`: one row, one column of type `ty`; correlated
    /// with `env` only when `correlate` (a grouped query's rows are groups).
    fn scalar_subquery(&mut self, ty: Ty, env: &Env, correlate: bool) -> Expr {
        let outer = if correlate {
            env.rels.iter().chain(env.outer.iter()).cloned().collect()
        } else {
            Vec::new()
        };
        let mut inner = Env {
            rels: Vec::new(),
            outer,
            outer_ok: true,
            keys: None,
            windows: false,
            depth: env.depth + 1,
        };
        let (from, rel) = self.relation(&Env {
            depth: 2,
            ..Env::default()
        });
        inner.rels.push(rel);
        let mut conds = Vec::new();
        if self.rng.chance(60) {
            let equality = !self.f.scalar_subquery_non_equi;
            if let Some(c) = self.correlation(&inner, equality) {
                conds.push(c);
            }
        }
        if self.rng.chance(50) {
            let scope = Env {
                outer_ok: self.f.correlated_anywhere,
                ..inner.condition()
            };
            conds.push(paren(&self.expr(Ty::Bool, &scope, 1).sql));
        }
        let grouped = Env {
            keys: Some(Vec::new()),
            outer_ok: false,
            ..inner.clone()
        };
        let saved = std::mem::take(&mut self.aggregate_names);
        let agg = self.aggregate(ty, &grouped);
        self.aggregate_names = saved;
        let where_sql = if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        };
        let mut e = agg.clone();
        e.sql = format!("(SELECT {} FROM {from}{where_sql})", agg.sql);
        e.values = None;
        e
    }
}

/// Gives both columns of each equality `l = r` of an ON condition the larger of their
/// bounds: DataFusion may evaluate an expression over one join key on the other key's
/// values (a predicate inferred across the join), so a bound that keeps `abs(x)` or a cast
/// from failing must hold for both (FINDINGS.md).
fn merge_join_key_bounds(on: &str, left: &mut [Rel], right: &mut Rel) {
    let right_cols: Vec<(String, f64)> = right
        .cols
        .iter()
        .map(|c| (c.sql.clone(), c.bound))
        .collect();
    for rel in left.iter_mut() {
        for l in rel.cols.iter_mut() {
            for (r_sql, r_bound) in &right_cols {
                let equal = [
                    format!("{} = {r_sql}", l.sql),
                    format!("{} IS NOT DISTINCT FROM {r_sql}", l.sql),
                ];
                if equal.iter().any(|e| on.contains(e.as_str())) {
                    let bound = l.bound.max(*r_bound);
                    l.bound = bound;
                    if let Some(r) = right.cols.iter_mut().find(|c| c.sql == *r_sql) {
                        r.bound = r.bound.max(bound);
                    }
                }
            }
        }
    }
}

/// Whether `sql` mentions a column of a FROM clause (`t3.x`, `d5.c1`: the aliases the
/// generator gives).
fn mentions_column(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    (0..bytes.len()).any(|i| {
        let start = matches!(bytes[i], b't' | b'd')
            && (i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_'));
        if !start {
            return false;
        }
        let digits = bytes[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        digits > 0 && bytes.get(i + 1 + digits) == Some(&b'.')
    })
}

/// An approximation of the name DataFusion gives an expression, in which casts do not show
/// (`max(CAST(x AS date))` and `max(x)` are both `max(x)`): the SQL without casts,
/// parentheses and blanks. Two aggregates with one name make DataFusion fail ("duplicate
/// unqualified field name"); a coarser key only makes the generator choose again.
fn datafusion_name(sql: &str) -> String {
    let mut text = sql.replace("CAST(", "(");
    for ty in [
        "int4",
        "int8",
        "float8",
        "text",
        "boolean",
        "date",
        "timestamp",
        "numeric",
    ] {
        text = text.replace(&format!("::{ty}"), "");
    }
    for name in [
        "integer",
        "bigint",
        "double precision",
        "text",
        "boolean",
        "date",
        "timestamp",
        "numeric",
        "int4",
        "int8",
        "float8",
    ] {
        text = text.replace(&format!(" AS {name})"), ")");
    }
    // ` AS numeric(p, s))`
    while let Some(start) = text.find(" AS numeric(") {
        let end = text[start..]
            .find("))")
            .map_or(text.len(), |e| start + e + 1);
        text.replace_range(start..end, "");
    }
    text.chars()
        .filter(|c| !matches!(c, '(' | ')' | ' '))
        .collect::<String>()
        .to_lowercase()
}

/// `x` padded to `scale` fractional digits when it is a numeric with fewer.
fn pad(e: Expr, scale: u32) -> Expr {
    if e.ty != Ty::Numeric || e.scale >= scale {
        return e;
    }
    let zeros = "0".repeat(scale as usize);
    Expr {
        sql: format!("({} + 0.{zeros})", e.sql),
        scale,
        ..e
    }
}

/// `name(a, b, ...)` with numeric arguments padded to one scale.
fn combine(name: &str, args: Vec<Expr>, ty: Ty) -> Expr {
    let scale = args.iter().map(|a| a.scale).max().unwrap_or(0);
    let bound = args.iter().map(|a| a.bound).fold(0.0, f64::max);
    let sqls: Vec<String> = args.into_iter().map(|a| pad(a, scale).sql).collect();
    Expr::num(format!("{name}({})", sqls.join(", ")), ty, bound, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_query() {
        let schema = Schema::new();
        let features = Features::default();
        for seed in 0..50 {
            let a = generate(seed, &schema, &features);
            let b = generate(seed, &schema, &features);
            assert_eq!(a.template, b.template);
            assert_eq!(a.order, b.order);
            assert!(a.oracle_sql().starts_with("SELECT"), "{}", a.oracle_sql());
            assert!(!a.oracle_sql().contains("{{"));
        }
    }

    #[test]
    fn names_follow_the_layout() {
        let schema = Schema::new();
        let query = (0..100)
            .map(|s| generate(s, &schema, &Features::default()))
            .find(|q| q.layout.name == "all-mysql")
            .unwrap();
        let sql = query.gateway_sql();
        assert!(sql.contains("\"mysql\".\"fedgate_random\"."), "{sql}");
        assert!(!query.oracle_sql().contains("fedgate_random"));
    }

    #[test]
    fn column_mentions() {
        assert!(mentions_column("(t12.id + 1) = 3"));
        assert!(mentions_column("d3.c1 IS NULL"));
        assert!(!mentions_column("(2 = 3) AND TRUE"));
        assert!(!mentions_column("DATE '2024-01-01' < DATE '2024-02-01'"));
    }

    #[test]
    fn names_without_casts() {
        assert_eq!(
            datafusion_name("max(CAST(t1.ts AS date))"),
            datafusion_name("max(t1.ts)")
        );
        assert_eq!(
            datafusion_name("sum((t1.id)::int8)"),
            datafusion_name("sum(t1.id)")
        );
        assert_eq!(
            datafusion_name("min(CAST(t1.id AS numeric(5, 0)))"),
            datafusion_name("min(t1.id)")
        );
        assert_ne!(datafusion_name("max(abs(x))"), datafusion_name("max(x)"));
    }

    #[test]
    fn padding_keeps_one_scale() {
        let a = Expr::num("x".into(), Ty::Numeric, 1.0, 0);
        assert_eq!(pad(a, 2).sql, "(x + 0.00)");
        let c = combine(
            "COALESCE",
            vec![
                Expr::num("a".into(), Ty::Numeric, 1.0, 1),
                Expr::num("b".into(), Ty::Numeric, 1.0, 3),
            ],
            Ty::Numeric,
        );
        assert_eq!(c.sql, "COALESCE((a + 0.000), b)");
        assert_eq!(c.scale, 3);
    }
}
