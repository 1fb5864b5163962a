// Catalog facts a chunk looks up several times, read through PostgreSQL's
// catalog caches instead of a statement each (a statement costs 30-80 us
// in executor start-up, plan checks and settings; a cache look-up a few).
// Pending invalidations are taken in first, so that what another session
// committed is seen, as a statement would see it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// schema.name now: OID, owner's OID, whether attached as a partition.
struct CachedRelation {
    Oid oid = InvalidOid;
    Oid owner = InvalidOid;
    bool is_partition = false;
};
std::optional<CachedRelation> relation_from_caches(const std::string& schema,
                                                   const std::string& name);

// schema.name when it is a leaf partition under target (at any depth): its
// OID, its bound as pg_get_expr prints it, its parent, quoted schema.name,
// and, when asked, its partition constraint as
// pg_get_partition_constraintdef prints it ("true" for a lone default
// partition, which has none).
struct CachedPartition {
    Oid oid = InvalidOid;
    std::string bound_spec, parent, constraint;
};
std::optional<CachedPartition> partition_from_caches(Oid target, const std::string& schema,
                                                     const std::string& name, bool with_constraint);

// The name (unquoted) of relation relid now; empty when it is gone.
std::string relation_name_of(Oid relid);

// Whether table relid has a trigger named name (unquoted), read from
// pg_trigger's index without locking the table.
bool trigger_exists(Oid relid, const std::string& name);

// What partition relid, locked by the caller, defines on itself alone: the
// names of its own triggers (neither internal nor cloned from a parent) and
// whether row-level security is enabled on it, from its relcache entry.
struct OwnDefinitions {
    std::vector<std::string> triggers;
    bool row_security = false;
};
OwnDefinitions own_definitions(Oid relid);

}  // namespace backfill::pg
