# Read by DuckDB's CMake (DUCKDB_EXTENSION_CONFIGS): builds this repository as extension `semantic_views`.
duckdb_extension_load(semantic_views
    SOURCE_DIR ${CMAKE_CURRENT_LIST_DIR}
    INCLUDE_DIR ${CMAKE_CURRENT_LIST_DIR}/cpp/include
    LOAD_TESTS
    EXTENSION_VERSION v0.1.0
)
