#include "pg/spi.hpp"

#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"
#include "pg/plan_cache.hpp"
#include "pg/scratch_memory.hpp"
#include "pg/session_context.hpp"
#include "pg/statement_settings.hpp"

namespace backfill::pg {

namespace {

// The raw result of one SPI call, in palloc'd memory, before conversion.
struct RawResult {
    uint64 processed = 0;
    int ncols = 0;
    char** cells = nullptr;  // processed * ncols, NULL for SQL NULL
};

// Whether the statement about to run is one of backfill's own (outside
// any box or in a kOurSql one: the safe search_path and canonical formats
// are in force): those with parameters have constant texts and are planned
// once per session (plan_cache). A job owner's SQL never is, whatever its
// search_path.
bool own_statement(int nparams) { return nparams > 0 && !running_owners_sql(); }

// Executes sql with text parameters; all PostgreSQL calls happen in the
// guarded lambda, which owns no C++ objects. The parameters and the copied
// result are allocated in memory, which the caller frees once it converted
// them; SPI's tuple table is freed here.
RawResult run_spi(const char* sql, int nparams, const char* const* params,
                  const ScratchMemory& memory, bool latest_snapshot = false) {
    StatementSettings scope;
    SPIPlanPtr kept = own_statement(nparams) ? own_statement_plan(sql, nparams) : nullptr;
    return pg_guard([&]() {
        MemoryContext caller = MemoryContextSwitchTo(memory.context());
        RawResult raw;
        Oid* types = nparams ? static_cast<Oid*>(palloc(sizeof(Oid) * nparams)) : nullptr;
        Datum* values = nparams ? static_cast<Datum*>(palloc(sizeof(Datum) * nparams)) : nullptr;
        char* nulls = nparams ? static_cast<char*>(palloc(nparams + 1)) : nullptr;
        for (int i = 0; i < nparams; i++) {
            types[i] = TEXTOID;
            values[i] = params[i] ? CStringGetTextDatum(params[i]) : (Datum)0;
            nulls[i] = params[i] ? ' ' : 'n';
        }
        int rc;
        if (latest_snapshot) {
            SPIPlanPtr plan = kept != nullptr ? kept : SPI_prepare(sql, nparams, types);
            if (plan == nullptr)
                elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
            rc = SPI_execute_snapshot(plan, values, nulls, GetLatestSnapshot(), InvalidSnapshot,
                                      true, false, 0);
            if (kept == nullptr)
                SPI_freeplan(plan);
        } else if (kept != nullptr) {
            rc = SPI_execute_plan(kept, values, nulls, false, 0);
        } else {
            rc = SPI_execute_with_args(sql, nparams, types, values, nulls, false, 0);
        }
        if (rc < 0)
            elog(ERROR, "SPI failed (%d) running: %s", rc, sql);
        // SPI ends every call in its procedure context
        MemoryContextSwitchTo(memory.context());
        raw.processed = SPI_processed;
        if (SPI_tuptable != nullptr && SPI_processed > 0) {
            TupleDesc desc = SPI_tuptable->tupdesc;
            raw.ncols = desc->natts;
            raw.cells = static_cast<char**>(palloc0(sizeof(char*) * raw.processed * raw.ncols));
            for (uint64 r = 0; r < raw.processed; r++)
                for (int c = 0; c < raw.ncols; c++)
                    raw.cells[r * raw.ncols + c] = SPI_getvalue(SPI_tuptable->vals[r], desc, c + 1);
        }
        SPI_freetuptable(SPI_tuptable);
        MemoryContextSwitchTo(caller);
        return raw;
    });
}

// Converts parameters to the C strings run_spi wants.
std::vector<const char*> c_params(const std::vector<Value>& params) {
    std::vector<const char*> out;
    out.reserve(params.size());
    for (const auto& p : params)
        out.push_back(p ? p->c_str() : nullptr);
    return out;
}

// Converts a raw result into rows of optional strings.
std::vector<Row> to_rows(const RawResult& raw) {
    std::vector<Row> rows;
    if (raw.cells == nullptr)
        return rows;
    rows.reserve(raw.processed);
    for (uint64 r = 0; r < raw.processed; r++) {
        Row row;
        for (int c = 0; c < raw.ncols; c++) {
            const char* cell = raw.cells[r * raw.ncols + c];
            row.push_back(cell ? Value(cell) : std::nullopt);
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace

std::vector<Row> query(const std::string& sql, const std::vector<Value>& params) {
    auto cp = c_params(params);
    ScratchMemory memory("backfill statement", ScratchMemory::Use::Aside);
    return to_rows(run_spi(sql.c_str(), static_cast<int>(cp.size()), cp.data(), memory));
}

std::vector<Row> query_latest(const std::string& sql, const std::vector<Value>& params) {
    auto cp = c_params(params);
    ScratchMemory memory("backfill statement", ScratchMemory::Use::Aside);
    return to_rows(run_spi(sql.c_str(), static_cast<int>(cp.size()), cp.data(), memory, true));
}

std::uint64_t execute(const std::string& sql, const std::vector<Value>& params) {
    auto cp = c_params(params);
    ScratchMemory memory("backfill statement", ScratchMemory::Use::Aside);
    return run_spi(sql.c_str(), static_cast<int>(cp.size()), cp.data(), memory).processed;
}

void execute_quietly(const std::string& sql) {
    GucScope quiet;
    quiet.set("client_min_messages", "warning");
    execute(sql);
}

void prepare_only(const std::string& sql) {
    StatementSettings scope;
    pg_guard([&]() {
        SPIPlanPtr plan = SPI_prepare(sql.c_str(), 0, nullptr);
        if (plan == nullptr)
            elog(ERROR, "could not prepare it: %s", SPI_result_code_string(SPI_result));
        SPI_freeplan(plan);
    });
}

std::vector<std::vector<Row>> query_per_relation(const std::string& sql,
                                                 const std::vector<unsigned int>& relids,
                                                 const std::vector<Value>& more) {
    std::string list;
    std::vector<Value> params;
    for (std::size_t i = 0; i < relids.size(); i++) {
        list += (i ? ", $" : "$") + std::to_string(i + 1) + "::oid";
        params.push_back(std::to_string(relids[i]));
    }
    params.insert(params.end(), more.begin(), more.end());
    std::string text = sql;
    const std::string token = "{relids}";
    for (auto at = text.find(token); at != std::string::npos; at = text.find(token, at))
        text.replace(at, token.size(), list);
    std::vector<std::vector<Row>> out(relids.size());
    for (auto& row : query(text, params)) {
        unsigned int relid = static_cast<unsigned int>(std::stoul(*row[0]));
        row.erase(row.begin());
        for (std::size_t i = 0; i < relids.size(); i++)
            if (relids[i] == relid)
                out[i].push_back(row);
    }
    return out;
}

Value scalar(const std::string& sql, const std::vector<Value>& params) {
    auto rows = query(sql, params);
    if (rows.empty() || rows[0].empty())
        return std::nullopt;
    return rows[0][0];
}

void spi_connect(bool nonatomic) {
    pg_guard([&]() {
        if (SPI_connect_ext(nonatomic ? SPI_OPT_NONATOMIC : 0) != SPI_OK_CONNECT)
            elog(ERROR, "SPI_connect failed");
    });
}

void spi_finish() {
    pg_guard([]() { SPI_finish(); });
}

std::string quote_ident(const std::string& name) {
    return pg_guard([&]() { return quote_identifier(name.c_str()); });
}

std::string quote_literal(const std::string& value) {
    return pg_guard([&]() { return quote_literal_cstr(value.c_str()); });
}

std::string qualified(const std::string& schema, const std::string& name) {
    return quote_ident(schema) + "." + quote_ident(name);
}

}  // namespace backfill::pg
