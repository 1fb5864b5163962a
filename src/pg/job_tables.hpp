// The tables a job creates (shadows) and keeps (retained originals), known
// by the OID recorded when it made them: a name can be squatted by another
// role or reused by other DDL, an OID cannot be mistaken.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// The relation that holds schema.name now: its OID, owner and whether it
// is attached as a partition.
struct NamedRelation {
    Oid oid = InvalidOid;
    std::string owner;
    bool is_partition = false;
};
std::optional<NamedRelation> relation_named(const std::string& schema, const std::string& name);

// Throws (naming the squatter and its owner) unless schema.name is free or
// held by the relation own. purpose says what backfill needs the name for.
void require_name_free(const std::string& schema, const std::string& name, Oid own,
                       const std::string& purpose);

// A name backfill needs in a schema, and what for.
struct WantedName {
    std::string name, purpose;
};

// require_name_free for several names of one schema at once (one catalog
// query): throws for the first, in the order given, that a relation holds.
void require_names_free(const std::string& schema, const std::vector<WantedName>& wanted);

// Drops the table with OID own when it still exists and is not attached as
// a partition; returns whether it dropped one. Never acts on a name.
bool drop_own_table(Oid own);

}  // namespace backfill::pg
