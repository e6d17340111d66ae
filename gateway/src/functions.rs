//! SQL functions fedgate answers itself, as PostgreSQL would.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};

/// `version()`: PostgreSQL's format, naming fedgate (clients parse the leading version).
pub fn version_udf() -> ScalarUDF {
    let text = format!(
        "PostgreSQL {} on {}-{}, fedgate federation gateway",
        crate::SERVER_VERSION,
        std::env::consts::ARCH,
        std::env::consts::OS
    );
    create_udf(
        "version",
        vec![],
        DataType::Utf8,
        Volatility::Immutable,
        Arc::new(move |_| Ok(ColumnarValue::Scalar(ScalarValue::Utf8(Some(text.clone()))))),
    )
}
