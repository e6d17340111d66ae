//! TODO
use datafusion::logical_expr::AggregateUDF;

pub(crate) fn functions() -> Vec<AggregateUDF> {
    vec![]
}
