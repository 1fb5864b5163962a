// The statements that build a shadow partition, publish it in place of the
// live one, and put the original back. Every name passed in is already
// quoted (and schema-qualified where the parameter says "qualified"); every
// value is already a quoted SQL literal. The order of the statements is the
// design: see docs/design.md.
#pragma once

#include <string>
#include <vector>

namespace backfill {

// One index of the live partition and its counterparts.
struct IndexSpec {
    std::string original;  // quoted index name (same schema as the table)
    std::string shadow;    // quoted name it has on the shadow while building
    std::string retained;  // quoted name it gets on the retained original
    // Either a plain index: the original's pg_get_indexdef() text, or a
    // constraint-backed one (primary key, unique, exclusion): the
    // pg_get_constraintdef() text, e.g. "PRIMARY KEY (id, day)".
    std::string definition;
    bool is_constraint = false;
    // The index's own tablespace, unquoted, as default_tablespace takes it
    // while the index is built ("" for the database's default).
    std::string tablespace;
};

// An extended statistics object of the live partition and its counterparts
// (names quoted, in the partition's schema): the shadow's copy comes from
// LIKE ... INCLUDING STATISTICS and takes the original name at publication.
struct StatisticsSpec {
    std::string original;
    std::string shadow;
    std::string retained;
};

// What the build and publish steps need to know about one chunk.
struct SwapSpec {
    std::string schema;     // quoted schema of the partition
    std::string top;        // qualified top-level table (the target)
    std::string parent;     // qualified parent of the partition (the target, or a
                            // partitioned partition of it)
    std::string partition;  // quoted partition name (unqualified)
    std::string shadow;     // quoted shadow name (unqualified)
    std::string retained;   // quoted retained name (unqualified)
    // The partition's whole partition constraint, its ancestors' included
    // (pg_get_partition_constraintdef), e.g. "((day IS NOT NULL) AND ...)"
    std::string partition_constraint;
    std::string bound_check;     // quoted name of the helper CHECK
    std::string guard_trigger;   // quoted trigger name
    std::string job_id;          // decimal
    std::string chunk_no;        // decimal
    std::string columns;         // quoted, comma-separated insert columns
    std::string create_options;  // " WITH (...)" / " TABLESPACE x" or ""
    bool unlogged = false;
    std::vector<IndexSpec> indexes;
    std::vector<std::string> foreign_keys;  // "ADD CONSTRAINT ..." clauses
    std::vector<StatisticsSpec> statistics;
};

// Rewrites "CREATE [UNIQUE] INDEX <orig> ON [ONLY] <schema>.<table> USING ..."
// to build the same index under another name on another table of the same
// schema. Throws UserError (Internal) if the text does not start as expected.
std::string rewrite_index_definition(const std::string& indexdef, const std::string& schema,
                                     const std::string& original_index,
                                     const std::string& original_table,
                                     const std::string& new_index, const std::string& new_table);

// What an index IS, independent of its name and its table's: the
// constraint definition (pg_get_constraintdef, "" for a plain index) and
// the pg_get_indexdef text without "CREATE [UNIQUE] INDEX <name> ON
// [ONLY] <schema>.<table>". Two indexes with the same identity are the same
// index for ATTACH and for the swap's renames. Throws like
// rewrite_index_definition.
std::string index_identity(const std::string& indexdef, const std::string& schema,
                           const std::string& index, const std::string& table,
                           const std::string& constraintdef);

// The TRUNCATE guard trigger's name: the guard trigger's (quoted or not)
// with "_t" appended, inside the quotes if it is quoted.
std::string truncate_trigger_name(const std::string& guard_trigger);

// One trigger of a table's write guard, for the PostgreSQL layer to create
// (no statement: a CREATE TRIGGER and an ALTER TABLE ... ENABLE ALWAYS per
// trigger cost a chunk 1.7 M instructions): AFTER, calling
// backfill._guard(job, chunk, phase), fired ALWAYS, so that rows a
// logical-replication apply worker writes (session_replication_role =
// replica) are recorded too. The row trigger covers INSERT, UPDATE and
// DELETE; its twin, named with "_t", TRUNCATE, per statement.
struct GuardTrigger {
    std::string name;  // unquoted
    bool for_each_row = false;
    std::vector<std::string> args;  // job, chunk, phase
};
std::vector<GuardTrigger> guard_triggers(const SwapSpec& s, const std::string& phase);

// The drop removes both guard triggers, if present.
std::vector<std::string> drop_guard_statements(const SwapSpec& s,
                                               const std::string& qualified_table);

// Build, step 1: the empty shadow, like the partition, with the bound CHECK.
std::vector<std::string> create_shadow_statements(const SwapSpec& s);
// Build, step 2: load it ($1 and $2 are the chunk's bounds, where it has
// any), keeping only the source's rows inside the partition constraint.
std::string load_shadow_statement(const SwapSpec& s, const std::string& source);
// Build, step 3: each index after the load (also used to add an index the
// partition gained after the build), built on table under the name
// idx.shadow (run with default_tablespace = idx.tablespace)...
std::string index_build_statement(const SwapSpec& s, const IndexSpec& idx,
                                  const std::string& table);
// ...then foreign keys and ANALYZE.
std::vector<std::string> finish_shadow_statements(const SwapSpec& s);

// Publish: after LOCK of the top-level table (readers of it wait for the
// whole unit, whatever level its partitions sit at) and the bound capture,
// detach from the partition's own parent first...
std::string lock_parent_statement(const SwapSpec& s);
std::string detach_statement(const SwapSpec& s);
// ...then (once no write was seen) rename, attach and drop the helper CHECK.
// The original keeps its guard trigger.
// bound_spec is pg_get_expr(relpartbound) of the live partition.
std::vector<std::string> swap_in_statements(const SwapSpec& s, const std::string& bound_spec);

// Rollback of a published chunk: the retained original gets its bound CHECK
// (checked outside the parent lock), then the swap runs the other way: the
// published table goes back to its shadow names and stays detached (keeping
// its guard), and the restored original loses its guard.
std::vector<std::string> prepare_restore_statements(const SwapSpec& s);
std::vector<std::string> restore_statements(const SwapSpec& s, const std::string& bound_spec);

}  // namespace backfill
