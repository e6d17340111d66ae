//! TODO
use super::PgFunction;

pub(crate) fn functions() -> Vec<PgFunction> {
    vec![]
}
