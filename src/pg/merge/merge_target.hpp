// What mode merge reads of its target: the options it completes from the
// catalog (key, chunk_by, chunk_size) and refuses when they do not fit, and
// the names its statements use.
#pragma once

#include "core/merge/merge_sql.hpp"
#include "core/options.hpp"
#include "pg/catalog.hpp"
#include "pg/job_store.hpp"

namespace backfill::pg {

// Reads the target for mode merge (any table the caller owns), completes
// options.merge (key: the primary key; chunk_by: the range partition key;
// chunk_size: "1 day" or 100000) and refuses, with what to do, a key
// without a unique index on exactly its columns, a chunk_by of another
// type, a version_column that is not orderable, options merge does not
// take yet. The chunk_by column becomes the target's key column.
TargetInfo load_merge_target(Oid relid, JobOptions& options);

// The columns a job writes (all but generated ones), in order.
std::vector<MergeColumn> merge_columns(Oid relid);

// Creates a table of the job's beside the target (before-image, staging):
// the name checked free, the statements run as the target's owner; returns
// the new table's OID.
Oid create_beside_target(const TargetInfo& target, const std::string& name,
                         const std::string& purpose, const std::vector<std::string>& statements);

// The names a job's statements use: its target as it is named now, its
// before-image table (by the OID recorded at create), its columns.
MergeTable merge_table(const Job& job);

}  // namespace backfill::pg
