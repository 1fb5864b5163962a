#include "pg/state_store.hpp"

#include "core/attempts.hpp"
#include "core/user_error.hpp"
#include "pg/announcements.hpp"

namespace backfill::pg {

namespace {

std::string key(const Job& job) { return std::to_string(job.id); }

// A move the transition table does not know is a bug (or a race nobody
// foresaw): it is refused before anything is written.
[[noreturn]] void refuse_move(const std::string& what, const std::string& from,
                              const std::string& to) {
    throw UserError(ErrorKind::Internal, what + " cannot go from " + from + " to " + to,
                    "This is a bug in backfill: nothing was changed.");
}

void require_job_move(const Job& job, JobState from, JobState to) {
    if (!job_transition_allowed(from, to))
        refuse_move("backfill job \"" + job.name + "\"", to_string(from), to_string(to));
}

void require_chunk_move(const Job& job, int chunk_no, ChunkState from, ChunkState to) {
    if (!chunk_transition_allowed(from, to))
        refuse_move("chunk " + std::to_string(chunk_no) + " of backfill job \"" + job.name + "\"",
                    to_string(from), to_string(to));
}

// A chunk as the change finds it, its row locked.
struct ChunkNow {
    ChunkState state;
    int attempts;
};

ChunkNow lock_chunk(const Job& job, int chunk_no) {
    auto rows = control_query(
        "SELECT state, attempts FROM backfill.chunk WHERE job_id = $1::bigint"
        " AND chunk_no = $2::int FOR NO KEY UPDATE",
        {key(job), std::to_string(chunk_no)});
    if (rows.empty())
        throw UserError(ErrorKind::Internal, "chunk " + std::to_string(chunk_no) +
                                                 " of backfill job \"" + job.name +
                                                 "\" does not exist");
    return ChunkNow{parse_chunk_state(*rows[0][0]), std::stoi(*rows[0][1])};
}

// Locks every chunk of the job in state from, checks the move to `to`
// once for them all, and runs the update (which must keep to the same
// chunks); returns how many rows it changed.
std::uint64_t move_chunks(const Job& job, ChunkState from, ChunkState to,
                          const std::string& update) {
    auto locked = control_query(
        "SELECT chunk_no FROM backfill.chunk WHERE job_id = $1::bigint AND state = $2"
        " FOR NO KEY UPDATE",
        {key(job), to_string(from)});
    if (locked.empty())
        return 0;
    require_chunk_move(job, std::stoi(*locked[0][0]), from, to);
    return control_execute(update, {key(job), to_string(from), to_string(to)});
}

// Moves one chunk to `to` in one statement, with the SET assignments
// (their parameters from $8 on, in extra) and the chunk's event, if any,
// written by the same statement. The UPDATE keeps to a row in a state the
// move is allowed from: its row lock re-reads a row another transaction
// changed, as a locking read would, so the move needs no read before it. A
// refused move (no row changed) reads the state to say which it was.
void move_chunk(const Job& job, int chunk_no, ChunkState to, const std::string& assignments,
                const std::vector<Value>& extra, const std::optional<EventNote>& note) {
    std::vector<Value> params = {
        key(job),
        std::to_string(chunk_no),
        to_string(to),
        chunk_sources_literal(to),
        job.name,
        note ? Value(to_string(note->event)) : std::nullopt,
        note && !note->detail.empty() ? Value(note->detail) : std::nullopt};
    params.insert(params.end(), extra.begin(), extra.end());
    auto moved = control_query(
        "WITH moved AS (UPDATE backfill.chunk SET state = $3" +
            (assignments.empty() ? std::string() : ", " + assignments) +
            " WHERE job_id = $1::bigint AND chunk_no = $2::int AND state = ANY ($4::text[])"
            " RETURNING job_id, chunk_no),"
            " logged AS (INSERT INTO backfill.event (job_id, job_name, chunk_no, event, detail)"
            "  SELECT job_id, $5, chunk_no, $6, $7 FROM moved WHERE $6 IS NOT NULL)"
            " SELECT count(*) FROM moved",
        params);
    if (*moved[0][0] == "1")
        return;
    require_chunk_move(job, chunk_no, lock_chunk(job, chunk_no).state, to);
    throw UserError(ErrorKind::Internal, "chunk " + std::to_string(chunk_no) +
                                             " of backfill job \"" + job.name +
                                             "\" changed while it moved to " + to_string(to));
}

}  // namespace

void log_event(const Job& job, std::optional<int> chunk_no, Event event,
               const std::string& detail) {
    control_execute(
        "INSERT INTO backfill.event (job_id, job_name, chunk_no, event, detail)"
        " VALUES ($1::bigint, $2, $3::int, $4, $5)",
        {key(job), job.name, chunk_no ? Value(std::to_string(*chunk_no)) : std::nullopt,
         to_string(event), detail.empty() ? std::nullopt : Value(detail)});
}

JobState lock_job_state(const Job& job) {
    auto rows = control_query("SELECT state FROM backfill.job WHERE id = $1::bigint FOR UPDATE",
                              {key(job)});
    if (rows.empty())
        throw UserError(ErrorKind::Internal, "backfill job \"" + job.name + "\" does not exist");
    return parse_job_state(*rows[0][0]);
}

void change_job_state(const Job& job, JobState next, const std::optional<EventNote>& note) {
    require_job_move(job, lock_job_state(job), next);
    control_execute(
        "UPDATE backfill.job SET state = $2,"
        " started_at = CASE WHEN $2 = 'running' THEN coalesce(started_at, now()) ELSE started_at "
        "END,"
        " finished_at = CASE WHEN $2 IN ('completed', 'failed', 'cancelled', 'rolled_back')"
        "  THEN now() WHEN $2 = 'running' THEN NULL ELSE finished_at END"
        " WHERE id = $1::bigint",
        {key(job), to_string(next)});
    if (note)
        log_event(job, note->chunk_no, note->event, note->detail);
    announce_job_state(job, next);
}

PublishGate lock_publication_gate(const Job& job, bool manual) {
    auto rows = control_query("SELECT state FROM backfill.job WHERE id = $1::bigint FOR KEY SHARE",
                              {key(job)});
    if (rows.empty())
        return PublishGate::Refuse;
    return publish_gate(parse_job_state(*rows[0][0]), manual);
}

void start_chunk_attempt(const Job& job, int chunk_no) {
    move_chunk(job, chunk_no, ChunkState::Running,
               "attempts = attempts + 1, error = NULL, started_at = coalesce(started_at, now()),"
               " shadow_exists = false",
               {}, std::nullopt);
}

void record_chunk_build(const Job& job, int chunk_no, const BuildRecord& build,
                        const std::string& detail) {
    ChunkState next = build.passed ? ChunkState::Built : ChunkState::Failed;
    move_chunk(job, chunk_no, next,
               "rows_before = $8::bigint, rows_after = $9::bigint, build_ms = $10::numeric,"
               " shadow_exists = true, build_xid = $11::xid, shadow_oid = $12::oid,"
               " index_names = $13::name[], validation = $14::jsonb,"
               " error = CASE WHEN $3 = 'failed' THEN 'validation failed: ' || $15 END,"
               " finished_at = CASE WHEN $3 = 'failed' THEN now() END",
               {build.rows_before, build.rows_after, build.build_ms, build.build_xid,
                build.shadow_oid, build.index_names, build.validation, build.failures},
               EventNote{build.passed ? Event::ChunkBuilt : Event::ChunkFailed, detail});
}

ChunkState record_failed_try(const Job& job, int chunk_no, const std::string& message,
                             bool permanent) {
    ChunkNow now = lock_chunk(job, chunk_no);
    ChunkState next = state_after_failure(now.attempts, job.options.max_attempts, permanent);
    require_chunk_move(job, chunk_no, now.state, next);
    control_execute(
        "UPDATE backfill.chunk SET state = $3, error = $4, shadow_exists = false,"
        " finished_at = CASE WHEN $3 = 'failed' THEN now() END"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {key(job), std::to_string(chunk_no), to_string(next), message});
    log_event(job, chunk_no, failure_event(next),
              message + " (attempt " + std::to_string(now.attempts) + " of " +
                  std::to_string(job.options.max_attempts) + ")");
    return next;
}

bool discard_chunk_build(const Job& job, int chunk_no) {
    ChunkState now = lock_chunk(job, chunk_no).state;
    if (!build_discardable(now))
        return false;
    require_chunk_move(job, chunk_no, now, ChunkState::Pending);
    control_execute(
        "UPDATE backfill.chunk SET state = 'pending', shadow_exists = false, shadow_oid = NULL"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {key(job), std::to_string(chunk_no)});
    return true;
}

void give_back_attempt(const Job& job, int chunk_no, const std::string& detail) {
    ChunkNow now = lock_chunk(job, chunk_no);
    if (now.state == ChunkState::Running) {
        require_chunk_move(job, chunk_no, now.state, ChunkState::Pending);
        control_execute(
            "UPDATE backfill.chunk SET state = 'pending', attempts = $3::int"
            " WHERE job_id = $1::bigint AND chunk_no = $2::int",
            {key(job), std::to_string(chunk_no),
             std::to_string(attempts_after_pause(now.attempts))});
    }
    log_event(job, chunk_no, Event::BuildAborted, detail);
}

int reset_failed_chunks(const Job& job) {
    return static_cast<int>(move_chunks(
        job, ChunkState::Failed, ChunkState::Pending,
        "UPDATE backfill.chunk SET state = $3, attempts = 0, error = NULL, finished_at = NULL"
        " WHERE job_id = $1::bigint AND state = $2"));
}

void record_chunk_published(const Job& job, int chunk_no, const PublishRecord& record,
                            const std::string& detail) {
    move_chunk(job, chunk_no, ChunkState::Published,
               "retained = $8::boolean, shadow_exists = false, finished_at = now(), error = NULL,"
               " live_oid = shadow_oid, shadow_oid = NULL,"
               " retained_oid = CASE WHEN $8::boolean THEN $9::oid END,"
               " index_names = $10::name[], statistics_names = $11::name[],"
               " swap_ms = round($12::numeric, 3)",
               {record.retained ? "t" : "f", std::to_string(record.taken_out), record.index_names,
                record.statistics_names, std::to_string(record.swap_ms)},
               EventNote{Event::ChunkPublished, detail});
}

void record_chunk_merged(const Job& job, int chunk_no, const MergeRecord& r) {
    require_chunk_move(job, chunk_no, lock_chunk(job, chunk_no).state, ChunkState::Published);
    std::int64_t rows_after = r.rows_before + r.rows_inserted - r.rows_deleted;
    control_execute(
        "UPDATE backfill.chunk SET state = 'published', finished_at = now(), error = NULL,"
        " rows_before = $3::bigint, rows_after = $4::bigint, rows_inserted = $5::bigint,"
        " rows_updated = $6::bigint, rows_deleted = $7::bigint, rows_unchanged = $8::bigint,"
        " build_ms = $9::numeric, build_xid = $10::xid,"
        " upper_bound = coalesce($11, upper_bound), upper_key = coalesce($12, upper_key),"
        " validation = $13::jsonb"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {key(job), std::to_string(chunk_no), std::to_string(r.rows_before),
         std::to_string(rows_after), std::to_string(r.rows_inserted),
         std::to_string(r.rows_updated), std::to_string(r.rows_deleted),
         std::to_string(r.rows_unchanged), r.build_ms, r.write_xid,
         r.clamped_upper ? Value(r.clamped_upper->text) : std::nullopt,
         r.clamped_upper ? Value(r.clamped_upper->sort_key) : std::nullopt, r.validation});
    log_event(job, chunk_no, Event::ChunkPublished,
              std::to_string(r.rows_inserted) + " inserted, " + std::to_string(r.rows_updated) +
                  " updated, " + std::to_string(r.rows_deleted) + " deleted, " +
                  std::to_string(r.rows_unchanged) + " unchanged" +
                  (r.clamped_upper ? " (below the watermark " + r.clamped_upper->text + ")" : ""));
}

void record_chunk_staged(const Job& job, int chunk_no, std::int64_t rows_staged) {
    require_chunk_move(job, chunk_no, lock_chunk(job, chunk_no).state, ChunkState::Built);
    control_execute(
        "UPDATE backfill.chunk SET state = 'built' WHERE job_id = $1::bigint"
        " AND chunk_no = $2::int",
        {key(job), std::to_string(chunk_no)});
    log_event(job, chunk_no, Event::ChunkBuilt,
              std::to_string(rows_staged) + " source rows staged for the unit");
}

void record_chunk_skipped(const Job& job, int chunk_no, const std::string& detail) {
    require_chunk_move(job, chunk_no, lock_chunk(job, chunk_no).state, ChunkState::Skipped);
    control_execute(
        "UPDATE backfill.chunk SET state = 'skipped', finished_at = now(), error = NULL"
        " WHERE job_id = $1::bigint AND chunk_no = $2::int",
        {key(job), std::to_string(chunk_no)});
    log_event(job, chunk_no, Event::SkippedAboveWatermark, detail);
}

void record_chunks_rolled_back(const Job& job) {
    move_chunks(job, ChunkState::Published, ChunkState::RolledBack,
                "UPDATE backfill.chunk SET state = $3, retained = false, shadow_exists = true,"
                " shadow_oid = live_oid, live_oid = retained_oid, retained_oid = NULL,"
                " finished_at = now() WHERE job_id = $1::bigint AND state = $2");
}

void record_merge_chunks_rolled_back(const Job& job) {
    move_chunks(job, ChunkState::Published, ChunkState::RolledBack,
                "UPDATE backfill.chunk SET state = $3, finished_at = now()"
                " WHERE job_id = $1::bigint AND state = $2");
}

}  // namespace backfill::pg
