#include "pg/swap/shadow_constraints.hpp"

#include "core/swap/pairing.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// A CHECK constraint or foreign key of a table: its name and what it is
// (kind and pg_get_constraintdef, which says NOT VALID when it is).
struct TableConstraint {
    std::string name, definition, identity;
};

// The CHECK constraints and foreign keys of a table, in name order; the
// helper bound CHECK a shadow carries until its publication is not one of
// them.
std::vector<TableConstraint> table_constraints(Oid relid, const std::string& bound_check) {
    std::vector<TableConstraint> out;
    for (const auto& r :
         query("SELECT conname, pg_catalog.pg_get_constraintdef(oid),"
               " contype::text || ' ' || pg_catalog.pg_get_constraintdef(oid)"
               " FROM pg_catalog.pg_constraint WHERE conrelid = $1::oid AND contype IN ('c', 'f')"
               " AND pg_catalog.quote_ident(conname) <> $2 ORDER BY conname",
               {std::to_string(relid), bound_check}))
        out.push_back(TableConstraint{*r[0], *r[1], *r[2]});
    return out;
}

// The identities of constraints, for pair_by_identity.
std::vector<std::string> identities(const std::vector<TableConstraint>& constraints) {
    std::vector<std::string> out;
    for (const auto& c : constraints)
        out.push_back(c.identity);
    return out;
}

}  // namespace

void complete_shadow_constraints(const Job& job, const SwapSpec& spec, Oid live, Oid shadow) {
    OwnerBox box(job.owner, kSafeSearchPath);
    auto on_live = table_constraints(live, spec.bound_check);
    auto on_shadow = table_constraints(shadow, spec.bound_check);
    Pairing p = pair_by_identity(identities(on_live), identities(on_shadow));
    std::string table = spec.schema + "." + spec.shadow;
    for (std::size_t j : p.shadow_only)
        execute_quietly("ALTER TABLE " + table + " DROP CONSTRAINT " +
                        quote_ident(on_shadow[j].name));
    for (std::size_t i : p.live_only)
        execute_quietly("ALTER TABLE " + table + " ADD CONSTRAINT " + quote_ident(on_live[i].name) +
                        " " + on_live[i].definition);
}

std::string shadow_constraints_behind(const ChunkRow& chunk, const SwapSpec& spec, Oid live,
                                      Oid shadow) {
    auto on_live = table_constraints(live, spec.bound_check);
    auto on_shadow = table_constraints(shadow, spec.bound_check);
    Pairing p = pair_by_identity(identities(on_live), identities(on_shadow));
    if (!p.live_only.empty())
        return "constraint " + quote_ident(on_live[p.live_only[0]].name) + " of " +
               chunk_label(chunk) + " changed after its shadow was built";
    if (!p.shadow_only.empty())
        return "constraint " + quote_ident(on_shadow[p.shadow_only[0]].name) + " of " +
               chunk_label(chunk) + " was dropped after its shadow was built";
    return "";
}

}  // namespace backfill::pg
