#include "pg/job_store.hpp"

#include "core/user_error.hpp"
#include "pg/interval_reader.hpp"
#include "pg/restored_jobs.hpp"
#include "pg/session_context.hpp"

namespace backfill::pg {

// Options are read by the core's option table; durations by interval input.
JobOptions options_from_json(const std::string& json) {
    return parse_options(json, read_interval_us);
}

std::uint64_t control_execute(const std::string& sql, const std::vector<Value>& params) {
    AsExtensionOwner owner;
    return execute(sql, params);
}

std::vector<Row> control_query(const std::string& sql, const std::vector<Value>& params) {
    AsExtensionOwner owner;
    return query(sql, params);
}

std::vector<Row> control_query_latest(const std::string& sql, const std::vector<Value>& params) {
    AsExtensionOwner owner;
    return query_latest(sql, params);
}

namespace {

const char* kJobColumns =
    "SELECT id, name, owner, target, key_column, key_type, source, search_path,"
    " options::text, state, mode, purged_at IS NOT NULL, home FROM backfill.job ";

// An oid column's value; InvalidOid for NULL.
Oid oid_of(const Value& v) { return v ? static_cast<Oid>(std::stoul(*v)) : InvalidOid; }

// The options of a stored job row. A runner reads its job again before
// every chunk (pause, cancel, set()); the text rarely changes, and parsing
// it costs about a third of a million instructions, so the last text read
// is parsed once (stored options were validated when they were written).
const JobOptions& stored_options(const std::string& json) {
    static std::string last_json;
    static JobOptions last;
    if (json != last_json || last_json.empty()) {
        last = options_from_json(json);
        last_json = json;
    }
    return last;
}

// A job row; one restored from another database that could not be
// adopted is refused (its OIDs name nothing here, or something else).
Job job_from_row(const Row& r) {
    if (!adopted(*r[12]))
        refuse_unadopted(std::stoll(*r[0]));
    Job job;
    job.id = std::stoll(*r[0]);
    job.name = *r[1];
    job.owner = static_cast<Oid>(std::stoul(*r[2]));
    job.target = static_cast<Oid>(std::stoul(*r[3]));
    job.key_column = *r[4];
    job.key_type = static_cast<Oid>(std::stoul(*r[5]));
    job.source = r[6].value_or("");
    job.search_path = *r[7];
    job.options = stored_options(*r[8]);
    job.state = parse_job_state(*r[9]);
    job.mode = *r[10];
    job.purged = *r[11] == "t";
    return job;
}

// What a superuser means by a name used by several jobs: the jobs not
// purged when there are any (purged ones gave their name up), otherwise
// each owner's newest purged one; rows come not purged first, newest first.
std::vector<Row> named_jobs_of_each_owner(const std::vector<Row>& rows) {
    bool any_live = !rows.empty() && *rows[0][11] == "f";
    std::vector<Row> out;
    for (const auto& r : rows) {
        bool purged = *r[11] == "t";
        if (any_live && purged)
            continue;
        bool owner_seen = false;
        for (const auto& o : out)
            owner_seen = owner_seen || *o[2] == *r[2];
        if (!owner_seen)
            out.push_back(r);
    }
    return out;
}

}  // namespace

Job load_job(const std::string& name, bool for_update) {
    // The caller's own job first: a superuser's own job stays reachable
    // by name even when a tenant picks the same one. Among jobs of one
    // name, the one not purged, then the newest purged one.
    adopt_restored_jobs();
    std::string role = std::to_string(current_role());
    std::string lock = for_update ? " FOR UPDATE" : "";
    const std::string order = " ORDER BY purged_at IS NOT NULL, id DESC";
    auto rows = control_query(std::string(kJobColumns) +
                                  "WHERE name = $1 AND owner = $2::oid"
                                  " AND home = backfill.database_identity()" +
                                  order + " LIMIT 1" + lock,
                              {name, role});
    if (rows.empty() && current_role_is_superuser())
        rows = named_jobs_of_each_owner(
            control_query(std::string(kJobColumns) + "WHERE name = $1" + order + lock, {name}));
    if (rows.empty()) {
        // the caller's job restored from elsewhere, which could not be adopted
        auto restored = control_query(
            "SELECT id FROM backfill.job WHERE name = $1 AND owner_name = $2"
            " AND home <> backfill.database_identity()",
            {name, role_name(current_role())});
        if (!restored.empty())
            refuse_unadopted(std::stoll(*restored[0][0]));
    }
    if (rows.empty())
        throw UserError(ErrorKind::InvalidParameter, "backfill job \"" + name + "\" does not exist",
                        "See SELECT name, state FROM backfill.jobs for your jobs.");
    if (rows.size() > 1) {
        std::string owners;
        for (const auto& r : rows)
            owners += (owners.empty() ? "" : ", ") + role_name(std::stoul(*r[2]));
        throw UserError(ErrorKind::InvalidParameter,
                        "several roles have a backfill job named \"" + name + "\": " + owners,
                        "SET ROLE to the owner of the job you mean, then call again.");
    }
    return job_from_row(rows[0]);
}

std::optional<Job> load_job_by_id(std::int64_t id) {
    std::string query_text = std::string(kJobColumns) + "WHERE id = $1::bigint";
    auto rows = control_query(query_text, {std::to_string(id)});
    if (rows.empty())
        return std::nullopt;
    if (!adopted(*rows[0][12])) {
        adopt_restored_jobs();
        rows = control_query(query_text, {std::to_string(id)});
    }
    return job_from_row(rows[0]);
}

void know_chunk_statistics(std::int64_t job_id) {
    AsExtensionOwner owner;
    auto stale = control_query(
        "SELECT c.reltuples < (SELECT count(*) FROM backfill.chunk WHERE job_id = $1::bigint)"
        " FROM pg_catalog.pg_class c WHERE c.oid = 'backfill.chunk'::pg_catalog.regclass",
        {std::to_string(job_id)});
    if (*stale[0][0] != "t")
        return;
    // The statistics serve every job and tenant, and the lock ANALYZE holds
    // on the chunk table blocks every other run's: neither may follow the
    // calling session's statistics target or cost-based delay.
    GucScope shared;
    shared.set("default_statistics_target", "100");
    shared.set("vacuum_cost_delay", "0");
    execute_quietly("ANALYZE backfill.chunk");
}

namespace {

// What every chunk look-up selects, in the order chunk_rows reads it.
constexpr const char* kChunkColumns =
    "SELECT chunk_no, part_schema, part_name, lower_bound, upper_bound, lower_key, upper_key,"
    " shadow_name, retained_name, state, attempts, retained, shadow_exists,"
    " live_oid, shadow_oid, retained_oid, part_bound, build_xid::text"
    " FROM backfill.chunk WHERE job_id = $1::bigint";

// The chunks of rows, selected with kChunkColumns.
std::vector<ChunkRow> chunk_rows(const std::vector<Row>& rows) {
    std::vector<ChunkRow> out;
    for (const auto& r : rows) {
        ChunkRow c;
        c.chunk_no = std::stoi(*r[0]);
        c.part_schema = r[1].value_or("");
        c.part_name = r[2].value_or("");
        c.lower_bound = *r[3];
        c.upper_bound = *r[4];
        c.lower_key = *r[5];
        c.upper_key = *r[6];
        c.shadow_name = r[7].value_or("");
        c.retained_name = r[8].value_or("");
        c.state = parse_chunk_state(*r[9]);
        c.attempts = std::stoi(*r[10]);
        c.retained = *r[11] == "t";
        c.shadow_exists = *r[12] == "t";
        c.live_oid = oid_of(r[13]);
        c.shadow_oid = oid_of(r[14]);
        c.retained_oid = oid_of(r[15]);
        c.part_bound = r[16].value_or("");
        if (r[17])
            c.build_xid = static_cast<TransactionId>(std::stoul(*r[17]));
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace

std::vector<ChunkRow> load_chunks(std::int64_t job_id, std::optional<std::string> chunk_nos) {
    // Two statements, not one with "$2 IS NULL OR": a cached generic plan
    // of that condition reads every chunk of the job to find a few.
    std::string columns = kChunkColumns;
    return chunk_rows(
        chunk_nos ? control_query(columns + " AND chunk_no = ANY($2::int[]) ORDER BY chunk_no",
                                  {std::to_string(job_id), chunk_nos})
                  : control_query(columns + " ORDER BY chunk_no", {std::to_string(job_id)}));
}

std::vector<ChunkRow> load_built_chunks(std::int64_t job_id) {
    return chunk_rows(
        control_query(std::string(kChunkColumns) + " AND state = 'built' ORDER BY chunk_no",
                      {std::to_string(job_id)}));
}

std::vector<ChunkState> chunk_states(std::int64_t job_id) {
    std::vector<ChunkState> out;
    for (const auto& r : control_query(
             "SELECT state FROM backfill.chunk WHERE job_id = $1::bigint ORDER BY chunk_no",
             {std::to_string(job_id)}))
        out.push_back(parse_chunk_state(*r[0]));
    return out;
}

std::string text_array(const std::vector<std::string>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); i++) {
        out += i ? ",\"" : "\"";
        for (char c : values[i])
            out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
        out += "\"";
    }
    return out + "}";
}

std::string int_array(const std::vector<int>& values) {
    std::string out = "{";
    for (std::size_t i = 0; i < values.size(); i++)
        out += (i ? "," : "") + std::to_string(values[i]);
    return out + "}";
}

}  // namespace backfill::pg
