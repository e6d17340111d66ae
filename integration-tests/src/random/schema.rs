//! What the generator knows of the dataset: each table's columns with their PostgreSQL
//! type, the bound of their numbers and the values they hold (for literals that find
//! rows), and where a layout puts each table.

use std::rc::Rc;

use super::data;
use super::rng::Rng;
use crate::quote_ident;
use crate::semantics::LogicalType;

/// The types the generator's expressions have (PostgreSQL's names in [`Ty::pg`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ty {
    Int4,
    Int8,
    Numeric,
    Float8,
    Text,
    Bool,
    Date,
    Timestamp,
}

/// Every type, for loops.
pub const TYPES: [Ty; 8] = [
    Ty::Int4,
    Ty::Int8,
    Ty::Numeric,
    Ty::Float8,
    Ty::Text,
    Ty::Bool,
    Ty::Date,
    Ty::Timestamp,
];

impl Ty {
    /// The PostgreSQL type name of a cast.
    pub fn pg(self) -> &'static str {
        match self {
            Ty::Int4 => "int4",
            Ty::Int8 => "int8",
            Ty::Numeric => "numeric",
            Ty::Float8 => "float8",
            Ty::Text => "text",
            Ty::Bool => "boolean",
            Ty::Date => "date",
            Ty::Timestamp => "timestamp",
        }
    }

    /// Whether it is a number type.
    pub fn is_number(self) -> bool {
        matches!(self, Ty::Int4 | Ty::Int8 | Ty::Numeric | Ty::Float8)
    }

    /// Whether it is an integer type.
    pub fn is_integer(self) -> bool {
        matches!(self, Ty::Int4 | Ty::Int8)
    }

    /// The largest magnitude a value may have (conservatively; the generator keeps every
    /// computed bound below it, so no arithmetic overflows on either side).
    pub fn limit(self) -> f64 {
        match self {
            Ty::Int4 => 2_147_483_647.0,
            Ty::Int8 => 9.0e18,
            // Beyond Decimal128's 38 digits DataFusion fails where PostgreSQL answers:
            // numerics stay within 26 integer digits (see `numeric_fits`).
            Ty::Numeric => 1.0e26,
            Ty::Float8 => 1.0e307,
            _ => f64::INFINITY,
        }
    }

    /// The comparison family: values of one family can be compared with each other.
    pub fn family(self) -> u8 {
        match self {
            Ty::Int4 | Ty::Int8 | Ty::Numeric | Ty::Float8 => 0,
            Ty::Text => 1,
            Ty::Bool => 2,
            Ty::Date | Ty::Timestamp => 3,
        }
    }

    fn of(logical: LogicalType) -> Option<(Ty, u32)> {
        Some(match logical {
            LogicalType::Int4 => (Ty::Int4, 0),
            LogicalType::Int8 => (Ty::Int8, 0),
            LogicalType::Numeric(_, s) => (Ty::Numeric, u32::try_from(s).ok()?),
            LogicalType::Float8 => (Ty::Float8, 0),
            LogicalType::Text => (Ty::Text, 0),
            LogicalType::Bool => (Ty::Bool, 0),
            LogicalType::Date => (Ty::Date, 0),
            LogicalType::Timestamp => (Ty::Timestamp, 0),
            _ => return None,
        })
    }
}

/// One column of a table.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: &'static str,
    pub ty: Ty,
    /// Fractional digits of a numeric column.
    pub scale: u32,
    /// The largest magnitude of its values (numbers only).
    pub bound: f64,
    /// Its distinct non-NULL values as PostgreSQL text.
    pub values: Rc<Vec<String>>,
}

/// One table: its columns, the first (`id`) its key.
#[derive(Debug, Clone)]
pub struct TableInfo {
    pub name: &'static str,
    pub columns: Vec<ColumnInfo>,
    pub rows: usize,
}

/// The tables and the values of every type (the pool literals come from).
#[derive(Debug, Clone)]
pub struct Schema {
    pub tables: Vec<TableInfo>,
    pools: Vec<(Ty, Rc<Vec<String>>)>,
}

impl Schema {
    /// The schema of [`data::tables`].
    pub fn new() -> Schema {
        let mut tables = Vec::new();
        for table in data::tables() {
            let mut columns = Vec::new();
            for (i, column) in table.columns.iter().enumerate() {
                let Some((ty, scale)) = Ty::of(column.ty) else {
                    continue;
                };
                let mut values: Vec<String> = table
                    .rows
                    .iter()
                    .filter_map(|r| r[i].map(str::to_string))
                    .collect();
                values.sort();
                values.dedup();
                let bound = values
                    .iter()
                    .filter_map(|v| v.parse::<f64>().ok())
                    .fold(0.0f64, |m, v| m.max(v.abs()));
                columns.push(ColumnInfo {
                    name: column.name,
                    ty,
                    scale,
                    bound,
                    values: Rc::new(values),
                });
            }
            tables.push(TableInfo {
                name: table.name,
                columns,
                rows: table.rows.len(),
            });
        }
        let pools = super::gen::TYPES_WITH_POOLS
            .iter()
            .map(|&ty| {
                let mut values: Vec<String> = tables
                    .iter()
                    .flat_map(|t| t.columns.iter())
                    .filter(|c| c.ty == ty)
                    .flat_map(|c| c.values.iter().cloned())
                    .collect();
                values.extend(super::gen::extra_literals(ty).iter().map(|v| v.to_string()));
                values.sort();
                values.dedup();
                (ty, Rc::new(values))
            })
            .collect();
        Schema { tables, pools }
    }

    /// The table named `name`.
    pub fn table(&self, name: &str) -> &TableInfo {
        self.tables
            .iter()
            .find(|t| t.name == name)
            .unwrap_or_else(|| panic!("no table {name}"))
    }

    /// Every value of type `ty` in the dataset and the extra literals.
    pub fn pool(&self, ty: Ty) -> Rc<Vec<String>> {
        self.pools
            .iter()
            .find(|(t, _)| *t == ty)
            .map(|(_, p)| p.clone())
            .unwrap_or_default()
    }
}

impl Default for Schema {
    fn default() -> Self {
        Schema::new()
    }
}

/// A backend of the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Server {
    Pg,
    My,
    Mongo,
}

impl Server {
    /// The gateway's server name and the schema holding the tables.
    fn qualifier(self) -> (&'static str, &'static str) {
        match self {
            Server::Pg => (data::PG_SERVER, "public"),
            Server::My => (data::MY_SERVER, data::MY_DATABASE),
            Server::Mongo => (data::MONGO_SERVER, data::MONGO_DATABASE),
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            Server::Pg => "pg",
            Server::My => "my",
            Server::Mongo => "mongo",
        }
    }
}

/// Where each table of a query lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// `all-pg`, `all-mysql`, `all-mongodb` or `split`.
    pub name: &'static str,
    /// The server of each table, by table name.
    pub servers: Vec<(&'static str, Server)>,
}

/// The table names, in [`data::tables`] order.
fn table_names() -> Vec<&'static str> {
    data::tables().iter().map(|t| t.name).collect()
}

impl Layout {
    /// Every table on one server.
    pub fn single(name: &'static str, server: Server) -> Layout {
        Layout {
            name,
            servers: table_names().into_iter().map(|t| (t, server)).collect(),
        }
    }

    /// A layout drawn from `rng`: most often each table on a server of its own choice
    /// (a split: most joins are cross-server), sometimes every table on one server.
    pub fn draw(rng: &mut Rng) -> Layout {
        match rng.weighted(&[12, 10, 8, 70]) {
            0 => Layout::single("all-pg", Server::Pg),
            1 => Layout::single("all-mysql", Server::My),
            2 => Layout::single("all-mongodb", Server::Mongo),
            _ => Layout {
                name: "split",
                servers: table_names()
                    .into_iter()
                    .map(|t| (t, *rng.pick(&[Server::Pg, Server::My, Server::Mongo])))
                    .collect(),
            },
        }
    }

    /// The server holding `table`.
    pub fn server(&self, table: &str) -> Server {
        self.servers
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, s)| *s)
            .unwrap_or(Server::Pg)
    }

    /// Whether every table is on the PostgreSQL server (then the statement passes through
    /// unless the session turns pass-through off).
    pub fn all_postgres(&self) -> bool {
        self.servers.iter().all(|(_, s)| *s == Server::Pg)
    }

    /// The name the gateway knows `table` by: `"server"."schema"."table"`.
    pub fn qualified(&self, table: &str) -> String {
        let (server, schema) = self.server(table).qualifier();
        format!(
            "{}.{}.{}",
            quote_ident(server),
            quote_ident(schema),
            quote_ident(table)
        )
    }

    /// `emp@my dept@pg ...`, for the log.
    pub fn describe(&self) -> String {
        let places: Vec<String> = self
            .servers
            .iter()
            .map(|(t, s)| format!("{t}@{}", s.short()))
            .collect();
        format!("{} ({})", self.name, places.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_knows_bounds_and_values() {
        let schema = Schema::new();
        let nums = schema.table("nums");
        let i8 = nums.columns.iter().find(|c| c.name == "i8").unwrap();
        assert_eq!(i8.ty, Ty::Int8);
        assert!(i8.bound >= 9.2e18);
        let salary = schema
            .table("emp")
            .columns
            .iter()
            .find(|c| c.name == "salary")
            .unwrap();
        assert_eq!((salary.ty, salary.scale), (Ty::Numeric, 2));
        assert!(salary.values.contains(&"55000.25".to_string()));
        assert!(schema.pool(Ty::Text).contains(&"apple ".to_string()));
        assert_eq!(schema.table("slots").rows, 8);
    }

    #[test]
    fn layouts_name_tables_by_server() {
        let all = Layout::single("all-mysql", Server::My);
        assert_eq!(all.qualified("emp"), "\"mysql\".\"fedgate_random\".\"emp\"");
        assert!(!all.all_postgres());
        assert!(Layout::single("all-pg", Server::Pg).all_postgres());
        let mut rng = Rng::new(1);
        let drawn: Vec<Layout> = (0..50).map(|_| Layout::draw(&mut rng)).collect();
        assert!(drawn.iter().any(|l| l.name == "split"));
        assert!(drawn.iter().any(|l| l.name == "all-pg"));
    }
}
