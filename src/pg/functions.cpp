// The SQL-callable entry points: argument handling only; the work is in
// job_planning, job_control and chunk_runner.
#include "core/progress.hpp"
#include "core/source_check.hpp"
#include "core/user_error.hpp"
#include "pg/chunk_diff.hpp"
#include "pg/chunk_lock.hpp"
#include "pg/chunk_runner.hpp"
#include "pg/job_control.hpp"
#include "pg/job_planning.hpp"
#include "pg/job_store.hpp"
#include "pg/pg_error.hpp"
#include "pg/rehearsal.hpp"
#include "pg/session_context.hpp"
#include "pg/snapshot_view.hpp"
#include "pg/spi.hpp"
#include "pg/transactions.hpp"

using namespace backfill;
using namespace backfill::pg;

namespace {

// A text argument, or nullopt for NULL.
std::optional<std::string> text_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n))
        return std::nullopt;
    return pg_guard([&]() { return text_to_cstring(PG_GETARG_TEXT_PP(n)); });
}

// A text argument that must not be NULL.
std::string required_text(FunctionCallInfo fcinfo, int n, const char* name) {
    auto v = text_arg(fcinfo, n);
    if (!v)
        throw UserError(ErrorKind::InvalidParameter, std::string(name) + " must not be NULL",
                        "See the documentation of backfill's functions in the README.");
    return *v;
}

Oid required_target(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n))
        throw UserError(ErrorKind::InvalidParameter, "target must not be NULL",
                        "Pass the partitioned table, e.g. 'public.events'.");
    return PG_GETARG_OID(n);
}

std::string options_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n))
        return "{}";
    return pg_guard([&]() {
        Jsonb* j = PG_GETARG_JSONB_P(n);
        return JsonbToCString(nullptr, &j->root, VARSIZE(j));
    });
}

// A jsonb argument as text; it must not be NULL.
std::string required_json(FunctionCallInfo fcinfo, int n, const char* name) {
    if (PG_ARGISNULL(n))
        throw UserError(ErrorKind::InvalidParameter, std::string(name) + " must not be NULL",
                        "Pass the backfill specification document as jsonb.");
    return options_arg(fcinfo, n);
}

// The caller's search_path: passed as argument n by the functions whose SET
// clause hides it, read from the session by plan(spec), which has none.
std::string search_path_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_NARGS() <= n)
        return session_search_path();
    return text_arg(fcinfo, n).value_or("\"$user\", public");
}

// Returns a planned job's chunks as the rows of plan().
Datum emit_plan(FunctionCallInfo fcinfo, const PlannedJob& plan) {
    pg_guard([&]() { InitMaterializedSRF(fcinfo, 0); });
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (const auto& c : plan.chunks) {
        // a merge chunk is a range, of no partition
        bool by_partition = plan.options.mode == "swap";
        Oid part = by_partition ? plan.target.leaf_refs[c.partition_index].oid : InvalidOid;
        // a chunk of a target without bounds (LIST, HASH...) shows none
        bool bounded = c.lower.kind == BoundKind::Finite;
        pg_guard([&]() {
            Datum values[6] = {Int32GetDatum(c.chunk_no),
                               ObjectIdGetDatum(part),
                               CStringGetTextDatum(c.lower.text.c_str()),
                               CStringGetTextDatum(c.upper.text.c_str()),
                               Int64GetDatum(c.est_rows),
                               Int64GetDatum(c.est_bytes)};
            bool nulls[6] = {false, !by_partition, !bounded, !bounded, false, false};
            tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
        });
    }
    return (Datum)0;
}

// create(spec) and start(spec): plan the document, record the job with it,
// and for start hand it to background workers.
Datum record_spec_job(FunctionCallInfo fcinfo, bool start) {
    return guarded_entry([&]() {
        std::string spec = required_json(fcinfo, 0, "spec");
        std::string path = search_path_arg(fcinfo, 1);
        spi_connect();
        SpecJob job = plan_spec_job(spec, path);
        std::int64_t id = start ? start_job(job.name, job.plan, job.source, path, spec)
                                : create_job(job.name, job.plan, job.source, path, spec);
        spi_finish();
        return Int64GetDatum(id);
    });
}

// Plans a job from the arguments shared by plan, create and start. The
// last of them is the caller's search_path (its default is evaluated by the
// caller), with which the source is resolved; our own SQL runs under the
// function's fixed one.
PlannedJob plan_from_args(FunctionCallInfo fcinfo, int first, std::optional<std::string>& source,
                          std::string& search_path) {
    Oid target = required_target(fcinfo, first);
    // NULL when the option sources gives a source per era
    if (auto text = text_arg(fcinfo, first + 1))
        source = normalize_source(*text);
    auto from = text_arg(fcinfo, first + 2);
    auto to = text_arg(fcinfo, first + 3);
    JobOptions options = options_from_json(options_arg(fcinfo, first + 4));
    search_path = search_path_arg(fcinfo, first + 5);
    return plan_job(target, source, from, to, options, search_path);
}

// The simple commands share one shape: connect, act, disconnect.
template <typename F>
Datum simple_command(FunctionCallInfo fcinfo, F&& act) {
    return guarded_entry([&]() {
        std::string name = required_text(fcinfo, 0, "name");
        spi_connect();
        Datum result = act(name);
        spi_finish();
        return result;
    });
}

// An int argument, or nullopt for NULL.
std::optional<int> int_arg(FunctionCallInfo fcinfo, int n) {
    if (PG_ARGISNULL(n))
        return std::nullopt;
    return PG_GETARG_INT32(n);
}

// Returns rows of text values (nullopt: NULL) as the rows of a set-returning
// function whose columns take text input (text, boolean, jsonb, numeric).
Datum emit_text_rows(FunctionCallInfo fcinfo, const std::vector<Row>& rows) {
    pg_guard([&]() { InitMaterializedSRF(fcinfo, 0); });
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (const auto& row : rows) {
        pg_guard([&]() {
            AttInMetadata* meta = TupleDescGetAttInMetadata(rsinfo->setDesc);
            char** values = static_cast<char**>(palloc(sizeof(char*) * row.size()));
            for (std::size_t i = 0; i < row.size(); i++)
                values[i] = row[i] ? pstrdup(row[i]->c_str()) : nullptr;
            HeapTuple tuple = BuildTupleFromCStrings(meta, values);
            tuplestore_puttuple(rsinfo->setResult, tuple);
        });
    }
    return (Datum)0;
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(backfill_plan);
PG_FUNCTION_INFO_V1(backfill_plan_spec);
PG_FUNCTION_INFO_V1(backfill_create_spec);
PG_FUNCTION_INFO_V1(backfill_start_spec);
PG_FUNCTION_INFO_V1(backfill_publish);
PG_FUNCTION_INFO_V1(backfill_create);
PG_FUNCTION_INFO_V1(backfill_start);
PG_FUNCTION_INFO_V1(backfill_run);
PG_FUNCTION_INFO_V1(backfill_resume);
PG_FUNCTION_INFO_V1(backfill_retry);
PG_FUNCTION_INFO_V1(backfill_wait);
PG_FUNCTION_INFO_V1(backfill_pause);
PG_FUNCTION_INFO_V1(backfill_set);
PG_FUNCTION_INFO_V1(backfill_cancel);
PG_FUNCTION_INFO_V1(backfill_rollback);
PG_FUNCTION_INFO_V1(backfill_purge);
PG_FUNCTION_INFO_V1(backfill_approve);
PG_FUNCTION_INFO_V1(backfill_bar);
PG_FUNCTION_INFO_V1(backfill_eta);
PG_FUNCTION_INFO_V1(backfill_rehearse);
PG_FUNCTION_INFO_V1(backfill_diff);

// backfill.plan(): the chunk list with estimates, after every check.
Datum backfill_plan(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        spi_connect();
        std::optional<std::string> source;
        std::string search_path;
        PlannedJob plan = plan_from_args(fcinfo, 0, source, search_path);
        // create checks it after the job's name (src/pg/job_control.cpp)
        check_snapshot_view(plan);
        spi_finish();
        return emit_plan(fcinfo, plan);
    });
}

// backfill.plan(spec): the same, for a specification document.
Datum backfill_plan_spec(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        std::string spec = required_json(fcinfo, 0, "spec");
        spi_connect();
        SpecJob job = plan_spec_job(spec, search_path_arg(fcinfo, 1));
        check_snapshot_view(job.plan);
        spi_finish();
        return emit_plan(fcinfo, job.plan);
    });
}

// backfill.create(spec) and backfill.start(spec).
Datum backfill_create_spec(PG_FUNCTION_ARGS) { return record_spec_job(fcinfo, false); }

Datum backfill_start_spec(PG_FUNCTION_ARGS) { return record_spec_job(fcinfo, true); }

Datum backfill_publish(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo,
                          [](const std::string& n) { return Int32GetDatum(publish_job(n)); });
}

// backfill.create(): records the job and its chunks; starts nothing.
Datum backfill_create(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        std::string name = required_text(fcinfo, 0, "name");
        spi_connect();
        std::optional<std::string> source;
        std::string search_path;
        PlannedJob plan = plan_from_args(fcinfo, 1, source, search_path);
        std::int64_t id = create_job(name, plan, source, search_path);
        spi_finish();
        return Int64GetDatum(id);
    });
}

// backfill.start(): create, then hand the job to background workers.
Datum backfill_start(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        std::string name = required_text(fcinfo, 0, "name");
        spi_connect();
        std::optional<std::string> source;
        std::string search_path;
        PlannedJob plan = plan_from_args(fcinfo, 1, source, search_path);
        std::int64_t id = start_job(name, plan, source, search_path);
        spi_finish();
        return Int64GetDatum(id);
    });
}

// CALL backfill.run(): works the job in this session, committing per step.
Datum backfill_run(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        bool nonatomic = fcinfo->context && IsA(fcinfo->context, CallContext) &&
                         !castNode(CallContext, fcinfo->context)->atomic;
        if (!nonatomic)
            throw UserError(
                ErrorKind::WrongState, "backfill.run cannot run inside a transaction block",
                "It commits after every step; CALL it on its own, outside BEGIN ... COMMIT.");
        std::string name = required_text(fcinfo, 0, "name");
        std::optional<int> max_chunks;
        if (!PG_ARGISNULL(1)) {
            max_chunks = PG_GETARG_INT32(1);
            if (*max_chunks < 1)
                throw UserError(ErrorKind::InvalidParameter, "max_chunks must be at least 1",
                                "Pass NULL to process every remaining chunk.");
        }
        spi_connect(true);
        ChunkLock claimed;  // an error gives its chunk back
        run_job(name, max_chunks, claimed);
        hand_back_transaction();
        spi_finish();
        return (Datum)0;
    });
}

Datum backfill_pause(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo, [](const std::string& n) {
        pause_job(n);
        return (Datum)0;
    });
}

// backfill.set(): change the options of a job before its next chunk.
Datum backfill_set(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo, [&](const std::string& n) {
        if (PG_ARGISNULL(1))
            throw UserError(ErrorKind::InvalidParameter, "options must not be NULL",
                            "Pass the options to change, e.g. '{\"sleep\": \"5s\"}'.");
        set_job_options(n, options_arg(fcinfo, 1));
        return (Datum)0;
    });
}

Datum backfill_approve(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo, [](const std::string& n) {
        approve_job(n);
        return (Datum)0;
    });
}

Datum backfill_resume(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo, [](const std::string& n) {
        resume_job(n);
        return (Datum)0;
    });
}

Datum backfill_retry(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo, [](const std::string& n) { return Int32GetDatum(retry_job(n)); });
}

// backfill.wait(): blocks (sleeping on the latch) until a terminal state.
// The session is marked as a waiter meanwhile, so that publishing does not
// wait for its snapshot (see snapshot_wait.cpp) — when that snapshot dies
// with the statement: READ COMMITTED, or a single-statement transaction
// (autocommit, even under default_transaction_isolation = 'repeatable
// read'). An explicit REPEATABLE READ or SERIALIZABLE transaction block
// keeps its snapshot after wait() returns; it is not marked, and the job
// waits for it like for any other reader.
Datum backfill_wait(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        std::string name = required_text(fcinfo, 0, "name");
        if (PG_ARGISNULL(1))
            throw UserError(ErrorKind::InvalidParameter, "timeout must not be NULL",
                            "Give how long to wait at most, e.g. '10 minutes'.");
        Interval* timeout = PG_GETARG_INTERVAL_P(1);
        double ms = timeout->time / 1e3 + (timeout->day + timeout->month * 30.0) * 86400e3;
        spi_connect();
        std::string state;
        {
            std::optional<WaiterMark> mark;
            if (!IsolationUsesXactSnapshot() || !IsTransactionBlock())
                mark.emplace();
            state = wait_job(name, static_cast<std::int64_t>(std::max(0.0, ms)));
        }
        spi_finish();
        return pg_guard([&]() { return PointerGetDatum(cstring_to_text(state.c_str())); });
    });
}

Datum backfill_cancel(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo, [](const std::string& n) {
        cancel_job(n);
        return (Datum)0;
    });
}

Datum backfill_rollback(PG_FUNCTION_ARGS) {
    bool force = !PG_ARGISNULL(1) && PG_GETARG_BOOL(1);
    return simple_command(
        fcinfo, [&](const std::string& n) { return Int32GetDatum(rollback_job(n, force)); });
}

Datum backfill_purge(PG_FUNCTION_ARGS) {
    return simple_command(fcinfo, [](const std::string& n) { return Int32GetDatum(purge_job(n)); });
}

// backfill.rehearse(): one chunk built twice and rolled back, the checks.
Datum backfill_rehearse(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        std::string name = required_text(fcinfo, 0, "name");
        spi_connect();
        std::vector<Row> rows;
        for (const auto& c : rehearse_job(name, int_arg(fcinfo, 1)))
            rows.push_back({c.name, std::string(c.passed ? "t" : "f"), c.detail});
        spi_finish();
        return emit_text_rows(fcinfo, rows);
    });
}

// backfill.diff(): a built or published chunk's changed rows and columns.
Datum backfill_diff(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        std::string name = required_text(fcinfo, 0, "name");
        spi_connect();
        std::vector<Row> rows = diff_chunk(name, int_arg(fcinfo, 1), int_arg(fcinfo, 2));
        spi_finish();
        return emit_text_rows(fcinfo, rows);
    });
}

// backfill._bar(pct) and backfill._eta(...): what the 0.1.0 progress view
// called. 0.2.0 computes both in the view, but a 0.1.0 schema still
// references these symbols until ALTER EXTENSION backfill UPDATE.
Datum backfill_bar(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        double pct = pg_guard([&]() {
            return DatumGetFloat8(DirectFunctionCall1(numeric_float8, PG_GETARG_DATUM(0)));
        });
        std::string bar = progress_bar(pct);
        return pg_guard([&]() { return PointerGetDatum(cstring_to_text(bar.c_str())); });
    });
}

// backfill._eta(done, total, elapsed): time left at the pace so far.
Datum backfill_eta(PG_FUNCTION_ARGS) {
    return guarded_entry([&]() {
        Interval* elapsed = PG_GETARG_INTERVAL_P(2);
        double seconds =
            elapsed->time / 1e6 + elapsed->day * 86400.0 + elapsed->month * 30 * 86400.0;
        auto eta = eta_seconds(PG_GETARG_INT32(0), PG_GETARG_INT32(1), seconds);
        if (!eta) {
            fcinfo->isnull = true;
            return (Datum)0;
        }
        return pg_guard([&]() {
            Interval* out = static_cast<Interval*>(palloc0(sizeof(Interval)));
            out->time = static_cast<TimeOffset>(*eta * 1e6);
            return IntervalPGetDatum(out);
        });
    });
}

}  // extern "C"
