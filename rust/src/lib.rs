//! The core of the `semantic_views` DuckDB extension: definition parsing, validation, planning
//! and SQL generation. No DuckDB dependency: the C++ glue calls in through `bridge`.

pub mod adhoc;
pub mod api;
mod bridge;
pub mod cache;
pub mod catalog;
mod cte_scope;
pub mod ddl;
pub mod error;
#[cfg(any(test, fuzzing))]
pub mod fuzzing;
pub mod get_ddl;
pub mod grouping;
pub mod interchange;
pub mod model;
pub mod parse;
pub mod plain_sql;
pub mod plan;
pub mod properties;
pub mod render;
pub mod rollup;
pub mod sql;
pub mod store;
pub mod verify;
pub mod view;
pub mod window;
