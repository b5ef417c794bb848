// Semantic models in and out: read_semantic_models(), PRAGMA import_semantic_models,
// PRAGMA define_semantic_view_from_yaml. Files are read through DuckDB's file system, so
// globs, enable_external_access and allowed_directories behave as for read_csv; the Rust core
// converts the YAML, and every view goes through the same validation as CREATE SEMANTIC VIEW.

#include "view_commands.hpp"
#include "rows_function.hpp"
#include "duckdb_compat.hpp"
#include "semantic_views_functions.hpp"

#include "duckdb/common/file_system.hpp"
#include "duckdb/common/types/value.hpp"
#include "duckdb/function/pragma_function.hpp"
#include "duckdb/main/extension/extension_loader.hpp"
#include "utf8proc_wrapper.hpp"

namespace duckdb {

//! What the arguments of read_semantic_models / import_semantic_models ask for.
struct ModelSource {
	string pattern;
	string format;
	string view_name;
	string ref_schema;
};

static ModelSource SourceArguments(const vector<Value> &values, const string &function) {
	ModelSource source;
	source.pattern = StringArgument(values[0], function, "file pattern");
	string *optional[] = {&source.format, &source.view_name, &source.ref_schema};
	for (idx_t i = 1; i < values.size() && i < 4; i++) {
		if (!values[i].IsNull()) {
			*optional[i - 1] = StringValue::Get(values[i]);
		}
	}
	return source;
}

// Flags built from the raw bit: FileFlags::FILE_FLAGS_READ is emitted twice when linked into 1.5.6.
static string ReadText(FileSystem &fs, const string &path) {
	auto handle = fs.OpenFile(path, FileOpenFlags(idx_t(FileOpenFlags::FILE_FLAGS_READ)));
	auto size = handle->GetFileSize();
	string text(size, '\0');
	idx_t done = 0;
	while (done < size) {
		auto read = handle->Read((void *)(text.data() + done), size - done);
		if (read <= 0) {
			break;
		}
		done += idx_t(read);
	}
	text.resize(done);
	if (Utf8Proc::Analyze(text.c_str(), text.size()) == UnicodeType::INVALID) {
		throw InvalidInputException("%s: the file is not valid UTF-8 text", path);
	}
	return text;
}

//! Reads and converts every file the pattern matches (none: DuckDB's "No files found").
static rust::Vec<rs::ImportedModel> ReadModels(ClientContext &context, const ModelSource &source) {
	auto &fs = FileSystem::GetFileSystem(context);
	rust::Vec<rs::ModelFile> files;
	for (auto &file : fs.GlobFiles(source.pattern)) {
		files.push_back(rs::ModelFile {rust::String(file.path), rust::String(ReadText(fs, file.path))});
	}
	auto models = CallRust([&] {
		return rs::read_models(files, ToStr(source.format), ToStr(source.view_name), ToStr(source.ref_schema));
	});
	if (models.empty()) {
		throw InvalidInputException("No semantic models found in \"%s\"", source.pattern);
	}
	return models;
}

static Value StringList(const rust::Vec<rust::String> &items) {
	vector<Value> values;
	for (auto &item : items) {
		values.emplace_back(ToString(item));
	}
	return Value::LIST(LogicalType::VARCHAR, std::move(values));
}

static unique_ptr<FunctionData> ReadModelsBind(ClientContext &context, TableFunctionBindInput &input,
                                               vector<LogicalType> &return_types, compat::ColumnNames &names) {
	names = {"view_name", "format", "files", "definition", "not_imported"};
	auto list = LogicalType::LIST(LogicalType::VARCHAR);
	return_types = {LogicalType::VARCHAR, LogicalType::VARCHAR, list, LogicalType::VARCHAR, list};
	auto data = make_uniq<RowsData>();
	for (auto &model : ReadModels(context, SourceArguments(input.inputs, "read_semantic_models"))) {
		data->rows.push_back({Value(ToString(model.name)), Value(ToString(model.format)), StringList(model.files),
		                      Value(ToString(model.definition)), StringList(model.skipped)});
	}
	return std::move(data);
}

//! Validates one imported view as CREATE OR REPLACE SEMANTIC VIEW would; errors name its files.
static rs::Defined PrepareImported(ClientContext &context, const rs::ImportedModel &model, ViewTarget &target) {
	try {
		target = ResolveViewTarget(context, ToString(model.name), ViewNameUse::CREATE);
		return PrepareDefine(context, target, ToString(model.definition), true, false);
	} catch (std::exception &ex) {
		ErrorData error(ex);
		string files;
		for (auto &file : model.files) {
			files += (files.empty() ? "" : ", ") + ToString(file);
		}
		error.Throw(files + ": ");
		throw;
	}
}

//! One INSERT for every view of the import (all or nothing), then a summary of what was read.
static string ImportQuery(ClientContext &context, const FunctionParameters &parameters) {
	auto models = ReadModels(context, SourceArguments(parameters.values, "import_semantic_models"));
	string catalog;
	string create_store;
	auto layout = rs::StoreLayout::Missing;
	rust::Vec<rust::String> rows;
	for (auto &model : models) {
		ViewTarget target;
		auto defined = PrepareImported(context, model, target);
		if (!catalog.empty() && target.catalog != catalog) {
			throw InvalidInputException("import_semantic_models: all views of one import go to one database");
		}
		catalog = target.catalog;
		if (create_store.empty()) {
			create_store = ToString(defined.create_store);
		}
		layout = defined.store_layout;
		rows.push_back(defined.row);
	}
	return ToString(rs::import_sql(ToStr(catalog), layout, ToStr(create_store), rows, models));
}

static string DefineFromYaml(ClientContext &context, const FunctionParameters &parameters, bool replace) {
	auto function = replace ? "define_or_replace_semantic_view_from_yaml" : "define_semantic_view_from_yaml";
	auto name = StringArgument(parameters.values[0], function, "name");
	auto yaml = StringArgument(parameters.values[1], function, "YAML text");
	auto model = CallRust([&] { return rs::definition_from_yaml(ToStr(name), ToStr(yaml)); });
	auto target = ResolveViewTarget(context, name, ViewNameUse::CREATE);
	auto defined = PrepareDefine(context, target, ToString(model.definition), replace, false);
	return ToString(defined.create_store) + ToString(defined.write) + ";";
}

static string DefineFromYamlQuery(ClientContext &context, const FunctionParameters &parameters) {
	return DefineFromYaml(context, parameters, false);
}

static string DefineOrReplaceFromYamlQuery(ClientContext &context, const FunctionParameters &parameters) {
	return DefineFromYaml(context, parameters, true);
}

void RegisterInterchangeFunctions(ExtensionLoader &loader) {
	TableFunctionSet read("read_semantic_models");
	PragmaFunctionSet import("import_semantic_models");
	vector<LogicalType> arguments {LogicalType::VARCHAR};
	for (idx_t count = 1; count <= 4; count++) {
		read.AddFunction(TableFunction(arguments, EmitRows, ReadModelsBind, InitRows));
		import.AddFunction(PragmaFunction::PragmaCall("import_semantic_models", ImportQuery, arguments));
		arguments.push_back(LogicalType::VARCHAR);
	}
	loader.RegisterFunction(read);
	loader.RegisterFunction(import);
	auto two = vector<LogicalType> {LogicalType::VARCHAR, LogicalType::VARCHAR};
	loader.RegisterFunction(PragmaFunction::PragmaCall("define_semantic_view_from_yaml", DefineFromYamlQuery, two));
	loader.RegisterFunction(
	    PragmaFunction::PragmaCall("define_or_replace_semantic_view_from_yaml", DefineOrReplaceFromYamlQuery, two));
}

} // namespace duckdb
