#include "pg/job_tables.hpp"

#include "core/user_error.hpp"
#include "pg/catalog_cache.hpp"
#include "pg/job_store.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

std::optional<NamedRelation> relation_named(const std::string& schema, const std::string& name) {
    auto found = relation_from_caches(schema, name);
    if (!found)
        return std::nullopt;
    return NamedRelation{found->oid, role_name(found->owner), found->is_partition};
}

namespace {

// The refusal for a name another relation holds.
[[noreturn]] void name_taken(const std::string& schema, const std::string& name,
                             const std::string& owner, const std::string& purpose) {
    throw UserError(ErrorKind::WrongState,
                    "relation " + qualified(schema, name) + " (owned by role " + owner +
                        ") already exists, and backfill needs this name for " + purpose,
                    "backfill never drops or renames a table it did not create. Rename or drop "
                    "that relation, then retry the job.");
}

}  // namespace

void require_name_free(const std::string& schema, const std::string& name, Oid own,
                       const std::string& purpose) {
    auto held = relation_named(schema, name);
    if (!held || held->oid == own)
        return;
    name_taken(schema, name, held->owner, purpose);
}

void require_names_free(const std::string& schema, const std::vector<WantedName>& wanted) {
    std::vector<std::string> names;
    for (const auto& w : wanted)
        names.push_back(w.name);
    // compared as names (truncated as PostgreSQL truncates them), the
    // first taken one by its position in wanted
    auto rows = query(
        "SELECT w.i, pg_catalog.pg_get_userbyid(c.relowner)"
        " FROM pg_catalog.unnest($2::name[]) WITH ORDINALITY AS w (name, i)"
        " JOIN pg_catalog.pg_class c ON c.relname = w.name"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE n.nspname = $1 ORDER BY w.i LIMIT 1",
        {schema, text_array(names)});
    if (!rows.empty()) {
        const WantedName& w = wanted.at(std::stoul(*rows[0][0]) - 1);
        name_taken(schema, w.name, *rows[0][1], w.purpose);
    }
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
