// What a shadow takes over from its partition besides columns and
// constraints (owner, replica identity, comment, and whether any grant or
// column statistics target exists), read through the catalog caches
// without a statement: a build asks this for every chunk, and nearly
// always finds nothing to copy but the owner.
#pragma once

#include <optional>
#include <string>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// owner: its role's OID and name (unquoted); replica_identity:
// pg_class.relreplident; comment: COMMENT ON TABLE's text, if any;
// grants_or_targets: whether the table has an access list or a live
// column has one or a statistics target of its own.
struct CatalogOwnership {
    Oid owner = InvalidOid;
    std::string owner_name;
    char replica_identity = REPLICA_IDENTITY_DEFAULT;
    std::optional<std::string> comment;
    bool grants_or_targets = false;
};
CatalogOwnership ownership_from_catalog(Oid relid);

}  // namespace backfill::pg
