#include "core/swap/swap_ddl.hpp"

#include <string>
#include <utility>
#include <vector>

#include "core/names.hpp"
#include "core/user_error.hpp"

namespace backfill {

namespace {

// "<schema>.<name>": every object of a chunk lives in the partition's schema.
std::string qualified(const SwapSpec& s, const std::string& name) { return s.schema + "." + name; }

// The partition constraint of the chunk written as a CHECK; with it in
// place, ATTACH PARTITION proves the bound instead of scanning the table.
std::string bound_check_clause(const SwapSpec& s) {
    return "ADD CONSTRAINT " + s.bound_check + " CHECK (" + s.partition_constraint + ")";
}

// "ALTER INDEX <schema>.<from> RENAME TO <to>" for each index, old name and
// new name picked from the IndexSpec by the two members given.
std::vector<std::string> rename_indexes(const SwapSpec& s, std::string IndexSpec::*from,
                                        std::string IndexSpec::*to) {
    std::vector<std::string> out;
    for (const IndexSpec& idx : s.indexes) {
        out.push_back("ALTER INDEX " + qualified(s, idx.*from) + " RENAME TO " + idx.*to);
    }
    return out;
}

// "ALTER STATISTICS <schema>.<from> RENAME TO <to>" for each statistics
// object, like rename_indexes.
std::vector<std::string> rename_statistics(const SwapSpec& s, std::string StatisticsSpec::*from,
                                           std::string StatisticsSpec::*to) {
    std::vector<std::string> out;
    for (const StatisticsSpec& st : s.statistics) {
        out.push_back("ALTER STATISTICS " + qualified(s, st.*from) + " RENAME TO " + st.*to);
    }
    return out;
}

// The parts of a pg_get_indexdef text around the names: "CREATE [UNIQUE]
// INDEX " and what follows "ON [ONLY] <schema>.<table> ". Throws
// UserError (Internal) if the text does not start as expected.
std::pair<std::string, std::string> split_index_definition(const std::string& indexdef,
                                                           const std::string& schema,
                                                           const std::string& index,
                                                           const std::string& table) {
    for (const char* create : {"CREATE INDEX ", "CREATE UNIQUE INDEX "}) {
        for (const char* only : {"", "ONLY "}) {
            const std::string prefix =
                std::string(create) + index + " ON " + only + schema + "." + table + " ";
            if (indexdef.compare(0, prefix.size(), prefix) == 0) {
                return {create, indexdef.substr(prefix.size())};
            }
        }
    }
    throw UserError(ErrorKind::Internal, "unexpected definition of index " + schema + "." + index +
                                             " on " + schema + "." + table + ": " + indexdef);
}

// Appends statements to a list.
void append(std::vector<std::string>& out, const std::vector<std::string>& more) {
    out.insert(out.end(), more.begin(), more.end());
}

// The rename-attach half of a swap, shared by publish and restore: the live
// table and its indexes move to names out of the way, the incoming table and
// its indexes take the live names, and the incoming one is attached.
// Extended statistics objects are renamed the same way.
std::vector<std::string> exchange(const SwapSpec& s, const std::string& bound_spec,
                                  const std::string& outgoing_table,
                                  std::string IndexSpec::*outgoing_index,
                                  std::string StatisticsSpec::*outgoing_statistics,
                                  const std::string& incoming_table,
                                  std::string IndexSpec::*incoming_index,
                                  std::string StatisticsSpec::*incoming_statistics) {
    std::vector<std::string> out = rename_indexes(s, &IndexSpec::original, outgoing_index);
    append(out, rename_statistics(s, &StatisticsSpec::original, outgoing_statistics));
    out.push_back("ALTER TABLE " + qualified(s, s.partition) + " RENAME TO " + outgoing_table);
    out.push_back("ALTER TABLE " + qualified(s, incoming_table) + " RENAME TO " + s.partition);
    append(out, rename_indexes(s, incoming_index, &IndexSpec::original));
    append(out, rename_statistics(s, incoming_statistics, &StatisticsSpec::original));
    out.push_back("ALTER TABLE " + s.parent + " ATTACH PARTITION " + qualified(s, s.partition) +
                  " " + bound_spec);
    out.push_back("ALTER TABLE " + qualified(s, s.partition) + " DROP CONSTRAINT " + s.bound_check);
    return out;
}

}  // namespace

// The TRUNCATE trigger's name: the guard trigger's with "_t" appended,
// inside the quotes if it is quoted.
std::string truncate_trigger_name(const std::string& guard_trigger) {
    if (guard_trigger.size() >= 2 && guard_trigger.back() == '"') {
        return guard_trigger.substr(0, guard_trigger.size() - 1) + "_t\"";
    }
    return guard_trigger + "_t";
}

// Plain indexes are copied from pg_get_indexdef, which names the original
// index and table; this points the copy at the shadow instead.
std::string rewrite_index_definition(const std::string& indexdef, const std::string& schema,
                                     const std::string& original_index,
                                     const std::string& original_table,
                                     const std::string& new_index, const std::string& new_table) {
    const auto parts = split_index_definition(indexdef, schema, original_index, original_table);
    // The shadow is a plain table, so ONLY has nothing to say.
    return parts.first + new_index + " ON " + schema + "." + new_table + " " + parts.second;
}

// Indexes are paired by what they are, never by name or position: names
// change under a job (DROP/CREATE INDEX on the parent), definitions do not.
std::string index_identity(const std::string& indexdef, const std::string& schema,
                           const std::string& index, const std::string& table,
                           const std::string& constraintdef) {
    const auto parts = split_index_definition(indexdef, schema, index, table);
    const std::string unique = parts.first == "CREATE UNIQUE INDEX " ? "UNIQUE " : "";
    const std::string constraint = constraintdef.empty() ? "" : "CONSTRAINT " + constraintdef + " ";
    return constraint + unique + parts.second;
}

// Writes to a table while its chunk is being built or after it is published
// must not be lost silently; these triggers record them.
std::vector<GuardTrigger> guard_triggers(const SwapSpec& s, const std::string& phase) {
    const std::string name = guard_trigger_name(std::stoll(s.job_id));
    const std::vector<std::string> args = {s.job_id, s.chunk_no, phase};
    return {GuardTrigger{name, true, args}, GuardTrigger{truncate_trigger_name(name), false, args}};
}

// A table that stops being watched (an original restored by rollback, a
// live partition at purge) loses both guard triggers; IF EXISTS makes a
// rerun harmless.
std::vector<std::string> drop_guard_statements(const SwapSpec& s,
                                               const std::string& qualified_table) {
    return {"DROP TRIGGER IF EXISTS " + s.guard_trigger + " ON " + qualified_table,
            "DROP TRIGGER IF EXISTS " + truncate_trigger_name(s.guard_trigger) + " ON " +
                qualified_table};
}

// The shadow starts as an empty copy of the partition's columns, defaults
// and constraints, without indexes (they are built after the load, which is
// faster), plus the bound CHECK that makes the later ATTACH scan-free.
std::vector<std::string> create_shadow_statements(const SwapSpec& s) {
    return {std::string("CREATE ") + (s.unlogged ? "UNLOGGED " : "") + "TABLE " +
                qualified(s, s.shadow) + " (LIKE " + qualified(s, s.partition) +
                " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS"
                " INCLUDING COMPRESSION INCLUDING STATISTICS INCLUDING GENERATED)" +
                s.create_options,
            "ALTER TABLE " + qualified(s, s.shadow) + " " + bound_check_clause(s)};
}

// One INSERT ... SELECT loads the chunk. The source sits on lines of its own
// so that a trailing "-- comment" in it cannot swallow the closing
// parenthesis. Its columns take the target's names, so that the partition
// constraint reads them; PostgreSQL pushes that filter down into the
// source's scans (an index, partition pruning), so a source never has to
// know which rows a partition holds.
std::string load_shadow_statement(const SwapSpec& s, const std::string& source) {
    return "INSERT INTO " + qualified(s, s.shadow) + " (" + s.columns + ") SELECT * FROM (\n" +
           source + "\n) AS backfill_source (" + s.columns + ") WHERE " + s.partition_constraint;
}

// One index of the live partition, built after the load (faster than
// loading an indexed table): a constraint-backed one through ADD
// CONSTRAINT, so that the constraint exists too.
std::string index_build_statement(const SwapSpec& s, const IndexSpec& idx,
                                  const std::string& table) {
    if (idx.is_constraint) {
        return "ALTER TABLE " + qualified(s, table) + " ADD CONSTRAINT " + idx.shadow + " " +
               idx.definition;
    }
    return rewrite_index_definition(idx.definition, s.schema, idx.original, s.partition, idx.shadow,
                                    table);
}

// After the indexes: the live partition's foreign keys, and fresh
// statistics so the first queries after the swap plan well. (The guard that watches the shadow once
// it is live is attached separately, by the extension owner: guard_trigger_statements.)
std::vector<std::string> finish_shadow_statements(const SwapSpec& s) {
    std::vector<std::string> out;
    for (const std::string& fk : s.foreign_keys) {
        out.push_back("ALTER TABLE " + qualified(s, s.shadow) + " " + fk);
    }
    out.push_back("ANALYZE " + qualified(s, s.shadow));
    return out;
}

// ONLY: the swap needs the top-level table alone (every reader of it locks
// it first); locking every partition would make the publishing transaction
// wait on unrelated readers and writers.
std::string lock_parent_statement(const SwapSpec& s) {
    return "LOCK TABLE ONLY " + s.top + " IN ACCESS EXCLUSIVE MODE";
}

// Takes the live partition out of the parent, first step of publishing.
std::string detach_statement(const SwapSpec& s) {
    return "ALTER TABLE " + s.parent + " DETACH PARTITION " + qualified(s, s.partition);
}

// Publishing, after the detach: the original steps aside under its retained
// names, keeping its guard (which then records writes to the retained
// original, see write_guard.cpp), and the shadow takes its place.
std::vector<std::string> swap_in_statements(const SwapSpec& s, const std::string& bound_spec) {
    return exchange(s, bound_spec, s.retained, &IndexSpec::retained, &StatisticsSpec::retained,
                    s.shadow, &IndexSpec::shadow, &StatisticsSpec::shadow);
}

// Rollback, outside the parent's lock: the retained original gets the bound
// CHECK so that its ATTACH under the lock does not scan it.
std::vector<std::string> prepare_restore_statements(const SwapSpec& s) {
    return {"ALTER TABLE " + qualified(s, s.retained) + " " + bound_check_clause(s)};
}

// Rollback, under the parent's lock: the published table goes back to its
// shadow names, detached, and the retained original returns in its place.
// The table set aside keeps its guard (purge refuses to drop it once it was
// written to, see write_guard.cpp); the one coming back is live again and
// needs none.
std::vector<std::string> restore_statements(const SwapSpec& s, const std::string& bound_spec) {
    std::vector<std::string> out = {detach_statement(s)};
    append(out, exchange(s, bound_spec, s.shadow, &IndexSpec::shadow, &StatisticsSpec::shadow,
                         s.retained, &IndexSpec::retained, &StatisticsSpec::retained));
    append(out, drop_guard_statements(s, qualified(s, s.partition)));
    return out;
}

}  // namespace backfill
