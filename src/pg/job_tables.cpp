#include "pg/job_tables.hpp"

#include "core/user_error.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

std::optional<NamedRelation> relation_named(const std::string& schema, const std::string& name) {
    auto rows = query(
        "SELECT c.oid, pg_catalog.pg_get_userbyid(c.relowner), c.relispartition"
        " FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 AND c.relname = $2",
        {schema, name});
    if (rows.empty())
        return std::nullopt;
    return NamedRelation{static_cast<Oid>(std::stoul(*rows[0][0])), *rows[0][1],
                         *rows[0][2] == "t"};
}

void require_name_free(const std::string& schema, const std::string& name, Oid own,
                       const std::string& purpose) {
    auto held = relation_named(schema, name);
    if (!held || held->oid == own)
        return;
    throw UserError(ErrorKind::WrongState,
                    "relation " + qualified(schema, name) + " (owned by role " + held->owner +
                        ") already exists, and backfill needs this name for " + purpose,
                    "backfill never drops or renames a table it did not create. Rename or drop "
                    "that relation, then retry the job.");
}

bool drop_own_table(Oid own) {
    if (own == InvalidOid)
        return false;
    auto rows = query(
        "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname) FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.oid = $1::oid AND c.relkind = 'r' AND NOT c.relispartition",
        {std::to_string(own)});
    if (rows.empty())
        return false;
    execute_quietly("DROP TABLE " + *rows[0][0]);
    return true;
}

}  // namespace backfill::pg
