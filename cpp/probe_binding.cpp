// Binding member probes. Members over one join tree bind together in batches (thousands of
// members in a few binds); what a batch leaves unbound binds one by one, which names the member.

#include "probe_binding.hpp"
#include "duckdb_compat.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "duckdb/parallel/task_executor.hpp"
#include "duckdb/parallel/task_scheduler.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/planner/binder.hpp"

namespace duckdb {

//! A member's type; facts and dimensions are probed in a one-element list.
static string TypeName(const LogicalType &type, bool listed) {
	return (listed && type.id() == LogicalTypeId::LIST ? ListType::GetChildType(type) : type).ToString();
}

//! Binds (does not run) a probe query; a failure names the member it checks. Returns the
//! member's DuckDB type (a fact or dimension probe selects it in a one-element list), or ""
//! for a relationship.
static string BindProbe(ClientContext &context, const string &view, const rs::Probe &probe) {
	BoundStatement bound;
	try {
		auto statements = compat::ParseStatements(context, ToString(probe.sql));
		auto binder = Binder::CreateBinder(context);
		bound = binder->Bind(*statements[0]);
	} catch (std::exception &ex) {
		ErrorData error(ex);
		throw BinderException("semantic view '%s': %s does not bind: %s", view, ToString(probe.subject),
		                      error.RawMessage());
	}
	if (probe.member.empty() || bound.types.empty()) {
		return "";
	}
	if (!probe.column.empty()) {
		auto column = ToString(probe.column);
		auto columns = std::count(bound.names.begin(), bound.names.end(), column);
		if (columns != 1 || bound.names.back() != column) {
			throw BinderException("semantic view '%s': %s does not bind: it gives %d columns where a member gives one",
			                      view, ToString(probe.subject), bound.names.size());
		}
	}
	return TypeName(bound.types.back(), probe.listed);
}

//! Binds a batch of member probes (one column each, then any columns that only check); false
//! when it does not bind.
static bool BindBatch(ClientContext &context, SQLStatement &statement, const rs::ProbeBatch &batch,
                      rust::Vec<rust::String> &types) {
	BoundStatement bound;
	try {
		auto binder = Binder::CreateBinder(context);
		bound = binder->Bind(statement);
	} catch (std::exception &) {
		return false;
	}
	if (bound.names.size() < batch.names.size()) {
		return false;
	}
	for (idx_t i = 0; i < batch.names.size(); i++) {
		if (bound.names[i] != ToString(batch.names[i])) {
			return false;
		}
	}
	for (idx_t i = 0; i < batch.probes.size(); i++) {
		types[batch.probes[i]] = TypeName(bound.types[i], false);
	}
	return true;
}

//! The batches' parsed statements. Parsing needs no transaction, unlike binding, and DuckDB
//! 2.0's parser takes more of a define than its binder, so DuckDB's worker threads parse
//! batches while this one binds: each batch is parsed once, by the first thread to claim it.
class BatchParses {
public:
	BatchParses(ClientContext &context, const rust::Vec<rs::ProbeBatch> &batches)
	    : batches(batches), states(batches.size(), State::UNCLAIMED), statements(batches.size()) {
		for (idx_t i = 0; i < batches.size(); i++) {
			parsers.push_back(compat::ClientParser(context));
		}
	}

	//! Parses batch `i` unless a thread has claimed it.
	void ParseUnclaimed(idx_t i) {
		if (Claim(i)) {
			Parse(i);
		}
	}

	//! Batch `i`'s statement (null when it does not parse), parsed here unless a thread has
	//! claimed it. While another thread parses it, this one parses the last unclaimed batch
	//! rather than wait (the other threads take them in order).
	unique_ptr<SQLStatement> Take(idx_t i) {
		std::unique_lock<std::mutex> guard(lock);
		while (states[i] != State::PARSED) {
			auto next = states[i] == State::UNCLAIMED ? i : LastUnclaimed();
			if (next == DConstants::INVALID_INDEX) {
				parsed.wait(guard);
				continue;
			}
			states[next] = State::PARSING;
			guard.unlock();
			Parse(next);
			guard.lock();
		}
		return std::move(statements[i]);
	}

private:
	enum class State : uint8_t { UNCLAIMED, PARSING, PARSED };

	bool Claim(idx_t i) {
		std::lock_guard<std::mutex> guard(lock);
		if (states[i] != State::UNCLAIMED) {
			return false;
		}
		states[i] = State::PARSING;
		return true;
	}

	//! Under the lock.
	idx_t LastUnclaimed() const {
		for (idx_t j = states.size(); j-- > 0;) {
			if (states[j] == State::UNCLAIMED) {
				return j;
			}
		}
		return DConstants::INVALID_INDEX;
	}

	void Parse(idx_t i) {
		unique_ptr<SQLStatement> statement;
		try {
			auto &parser = *parsers[i];
			parser.ParseQuery(ToString(batches[i].sql));
			if (parser.statements.size() == 1) {
				statement = std::move(parser.statements[0]);
			}
		} catch (std::exception &) {
			// Left null: the batch's members bind one by one, which reports the error.
		}
		{
			std::lock_guard<std::mutex> guard(lock);
			statements[i] = std::move(statement);
			states[i] = State::PARSED;
		}
		parsed.notify_all();
	}

	//! One per batch, made on the binding thread (the client's settings are read there).
	vector<unique_ptr<Parser>> parsers;
	const rust::Vec<rs::ProbeBatch> &batches;
	std::mutex lock;
	std::condition_variable parsed;
	vector<State> states;
	vector<unique_ptr<SQLStatement>> statements;
};

class ParseBatchTask : public BaseExecutorTask {
public:
	ParseBatchTask(TaskExecutor &executor, BatchParses &parses, idx_t batch)
	    : BaseExecutorTask(executor), parses(parses), batch(batch) {
	}

	void ExecuteTask() override {
		parses.ParseUnclaimed(batch);
	}

private:
	BatchParses &parses;
	idx_t batch;
};

//! Waits for an executor's tasks on leaving a scope, by an exception too: they read the
//! scope's state (DuckDB 1.5's executor does not wait when destroyed).
class TaskJoin {
public:
	explicit TaskJoin(TaskExecutor &executor) : executor(executor) {
	}
	~TaskJoin() {
		try {
			executor.WorkOnTasks();
		} catch (...) { // NOLINT: the tasks report nothing; a destructor must not throw
		}
	}

private:
	TaskExecutor &executor;
};

rust::Vec<rust::String> BindProbes(ClientContext &context, const string &view, const rs::PendingDefine &pending) {
	auto probes = pending.probe_count();
	auto batches = pending.batches();
	rust::Vec<rust::String> types;
	for (idx_t i = 0; i < probes; i++) {
		types.push_back(rust::String());
	}
	vector<bool> typed(probes, false);
	{
		BatchParses parses(context, batches);
		TaskExecutor executor(context);
		TaskJoin join(executor);
		if (batches.size() > 1 && TaskScheduler::GetScheduler(context).NumberOfThreads() > 1) {
			// Other threads parse ahead of this one, in order; it parses the first batch, any they
			// have not started when it gets there, and the last ones while it would wait.
			for (idx_t i = 1; i < batches.size(); i++) {
				executor.ScheduleTask(make_uniq<ParseBatchTask>(executor, parses, i));
			}
		}
		for (idx_t i = 0; i < batches.size(); i++) {
			auto statement = parses.Take(i);
			if (statement && BindBatch(context, *statement, batches[i], types)) {
				for (auto probe : batches[i].probes) {
					typed[probe] = true;
				}
			}
		}
	}
	for (idx_t i = 0; i < probes; i++) {
		if (!typed[i]) {
			types[i] = BindProbe(context, view, pending.probe(i));
		}
	}
	return types;
}

} // namespace duckdb
