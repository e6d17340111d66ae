//! The `pg_catalog` schema of datafusion-pg-catalog in a session: its tables over the
//! session's catalog list, and its functions.

use std::sync::Arc;

use datafusion::prelude::SessionContext;
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_pg_catalog::pg_catalog::{self as pgcat, PgCatalogStaticTables};

use super::system_tables::PG_CATALOG;

/// The static `pg_catalog` tables (pg_type, pg_proc, ...), decoded once per process: they
/// are a few megabytes, and decoding them took most of a new session's set-up time.
fn static_pg_catalog_tables() -> datafusion::error::Result<Arc<PgCatalogStaticTables>> {
    static TABLES: std::sync::OnceLock<Arc<PgCatalogStaticTables>> = std::sync::OnceLock::new();
    if let Some(tables) = TABLES.get() {
        return Ok(tables.clone());
    }
    let tables = Arc::new(PgCatalogStaticTables::try_new()?);
    Ok(TABLES.get_or_init(|| tables).clone())
}

/// What datafusion-pg-catalog's `setup_pg_catalog` does, with the static tables shared by
/// every session: the `pg_catalog` schema in `database` and its functions.
pub(crate) fn install_pg_catalog(
    ctx: &SessionContext,
    database: &str,
) -> datafusion::error::Result<()> {
    use datafusion::execution::session_state::SessionStateBuilder as Builder;
    use datafusion_pg_catalog::pg_catalog::{
        array_bounds_udf, format_type, generate_series_arg_coercion, has_privilege_udf,
        oid_type_planner, pg_get_expr_udf, quote_ident_udf,
    };
    let static_tables = static_pg_catalog_tables()?;
    let provider = pgcat::PgCatalogSchemaProvider::try_new(
        ctx.state().catalog_list().clone(),
        static_tables.clone(),
        EmptyContextProvider,
    )?;
    ctx.catalog(database)
        .ok_or_else(|| {
            datafusion::error::DataFusionError::Configuration(format!(
                "database \"{database}\" not found when registering pg_catalog"
            ))
        })?
        .register_schema(PG_CATALOG, Arc::new(provider))?;
    let udfs = [
        pgcat::create_current_database_udf(database),
        pgcat::create_current_schema_udf(),
        pgcat::create_current_schemas_udf(),
        pgcat::create_pg_get_userbyid_udf(),
        has_privilege_udf::create_has_privilege_udf("has_table_privilege"),
        has_privilege_udf::create_has_privilege_udf("has_schema_privilege"),
        has_privilege_udf::create_has_privilege_udf("has_database_privilege"),
        has_privilege_udf::create_has_privilege_udf("has_any_column_privilege"),
        pgcat::create_pg_table_is_visible(),
        format_type::create_format_type_udf(),
        pgcat::create_session_user_udf(),
        pg_get_expr_udf::create_pg_get_expr_udf(),
        pgcat::create_pg_get_partkeydef_udf(),
        pgcat::create_pg_relation_is_publishable_udf(),
        pgcat::create_pg_get_statisticsobjdef_columns_udf(),
        pgcat::create_pg_encoding_to_char_udf(),
        pgcat::create_pg_backend_pid_udf(),
        pgcat::create_pg_relation_size_udf(),
        pgcat::create_pg_total_relation_size_udf(),
        pgcat::create_pg_stat_get_numscans(),
        pgcat::create_pg_get_constraintdef(),
        pgcat::create_pg_get_partition_ancestors_udf(),
        quote_ident_udf::create_quote_ident_udf(),
        quote_ident_udf::create_parse_ident_udf(),
        array_bounds_udf::create_array_upper_udf(),
        array_bounds_udf::create_array_lower_udf(),
    ];
    for udf in udfs {
        ctx.register_udf(udf);
    }
    ctx.register_udtf("pg_get_keywords", static_tables.pg_get_keywords.clone());
    let state = ctx.state_ref();
    let existing = state.read().clone();
    *state.write() = Builder::new_from_existing(existing)
        .with_type_planner(Arc::new(oid_type_planner::PgOidTypePlanner))
        .build();
    generate_series_arg_coercion::CoerceIntArgsToBigInt::widen(ctx);
    Ok(())
}
