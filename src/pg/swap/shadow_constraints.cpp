#include "pg/swap/shadow_constraints.hpp"

#include <algorithm>

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

// The CHECK constraints and foreign keys of a partition [0] and of its
// shadow [1], each in name order, in one statement; the helper bound CHECK
// a shadow carries until its publication is not one of them.
std::vector<std::vector<TableConstraint>> table_constraints(Oid live, Oid shadow,
                                                            const std::string& bound_check) {
    auto per_table = query_per_relation(
        "SELECT conrelid, conname, pg_catalog.pg_get_constraintdef(oid),"
        " contype::text || ' ' || pg_catalog.pg_get_constraintdef(oid)"
        " FROM pg_catalog.pg_constraint"
        " WHERE conrelid IN ({relids}) AND contype IN ('c', 'f')"
        " AND pg_catalog.quote_ident(conname) <> $3 ORDER BY conrelid, conname",
        {live, shadow}, {bound_check});
    std::vector<std::vector<TableConstraint>> out(2);
    for (std::size_t k = 0; k < 2; k++)
        for (const auto& r : per_table[k])
            out[k].push_back(TableConstraint{*r[0], *r[1], *r[2]});
    return out;
}

// Adds a constraint of the live partition to the shadow. A foreign key
// is added NOT VALID within the job's lock_timeout (a moment's SHARE ROW
// EXCLUSIVE lock on the referenced table, catalog only), then validated,
// which scans the shadow under locks that let the referenced table's
// writers go on; a CHECK only locks the shadow.
void add_constraint(const Job& job, const std::string& table, const TableConstraint& c) {
    const std::string add =
        "ALTER TABLE " + table + " ADD CONSTRAINT " + quote_ident(c.name) + " " + c.definition;
    const bool validated_fk =
        c.identity.rfind("f ", 0) == 0 && c.definition.find(" NOT VALID") == std::string::npos;
    if (!validated_fk) {
        execute_quietly(add);
        return;
    }
    {
        GucScope gucs;
        gucs.set("lock_timeout",
                 std::to_string(std::max<std::int64_t>(1, job.options.lock_timeout_us / 1000)));
        execute_quietly(add + " NOT VALID");
    }
    execute_quietly("ALTER TABLE " + table + " VALIDATE CONSTRAINT " + quote_ident(c.name));
}

}  // namespace

void complete_shadow_constraints(const Job& job, const SwapSpec& spec, Oid live, Oid shadow) {
    OwnerBox box(job.owner, kOurSql);
    auto both = table_constraints(live, shadow, spec.bound_check);
    const auto& on_live = both[0];
    const auto& on_shadow = both[1];
    Pairing p = pair_by_identity(on_live, on_shadow);
    std::string table = spec.schema + "." + spec.shadow;
    for (std::size_t j : p.shadow_only)
        execute_quietly("ALTER TABLE " + table + " DROP CONSTRAINT " +
                        quote_ident(on_shadow[j].name));
    for (std::size_t i : p.live_only)
        add_constraint(job, table, on_live[i]);
}

std::string shadow_constraints_behind(const ChunkRow& chunk, const SwapSpec& spec, Oid live,
                                      Oid shadow) {
    auto both = table_constraints(live, shadow, spec.bound_check);
    const auto& on_live = both[0];
    const auto& on_shadow = both[1];
    Pairing p = pair_by_identity(on_live, on_shadow);
    if (!p.live_only.empty())
        return "constraint " + quote_ident(on_live[p.live_only[0]].name) + " of " +
               chunk_label(chunk) + " changed after its shadow was built";
    if (!p.shadow_only.empty())
        return "constraint " + quote_ident(on_shadow[p.shadow_only[0]].name) + " of " +
               chunk_label(chunk) + " was dropped after its shadow was built";
    return "";
}

}  // namespace backfill::pg
