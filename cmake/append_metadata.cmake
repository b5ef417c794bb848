# Stand-in for DuckDB's scripts/append_metadata.cmake, which the PyPI source distribution
# lacks. build_loadable_extension() calls it after linking; it delegates to our footer writer,
# which scripts/fetch_duckdb.sh installs beside it.
# Arguments (-D): ABI_TYPE, EXTENSION, PLATFORM_FILE, VERSION_FIELD, EXTENSION_VERSION.
file(READ "${PLATFORM_FILE}" PLATFORM)
string(STRIP "${PLATFORM}" PLATFORM)
execute_process(
  COMMAND python3 "${CMAKE_CURRENT_LIST_DIR}/extension_footer.py" "${EXTENSION}"
          --abi "${ABI_TYPE}" --extension-version "${EXTENSION_VERSION}"
          --duckdb-version "${VERSION_FIELD}" --platform "${PLATFORM}"
  RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "appending the extension footer to ${EXTENSION} failed")
endif()
