// Jobs restored from a dump. The control tables travel with pg_dump (they
// are extension configuration tables), but the OIDs in them are those of
// the database the job was made in: restored into another database or
// cluster they name nothing, or another table. Each job row says which
// database its OIDs belong to (home, see backfill.database_identity()); a
// job from elsewhere is adopted before anything uses it: its owner looked
// up by role name, its target, partitions and own tables by schema and
// name, each checked for the kind of object it must be. A stale OID is
// never used: what cannot be found by name is forgotten (the job then
// refuses to act on it, as after a DROP). See docs/restore.md.
#pragma once

#include <cstdint>
#include <string>

namespace backfill::pg {

// Adopts every job whose OIDs belong to another database. A job whose
// owner or target cannot be found stays unadopted (its last_error says
// why) and no command acts on it; adoption is tried again next time.
void adopt_restored_jobs();

// Whether the job row's home is this database.
bool adopted(const std::string& home);

// The error for a job that could not be adopted (thrown by the job loaders).
[[noreturn]] void refuse_unadopted(std::int64_t job_id);

}  // namespace backfill::pg
