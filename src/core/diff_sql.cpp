#include "diff_sql.hpp"

#include "core/sql_literal.hpp"

namespace backfill {

namespace {

// The marker column that tells a paired side from a missing one.
constexpr const char* kPresent = "backfill_present";

// "o.x" compared with "n.x": by value, or by text when the type has no
// equality.
std::string differs(const DiffColumn& c) {
    if (c.by_text)
        return "o." + c.name + "::text IS DISTINCT FROM n." + c.name + "::text";
    return "o." + c.name + " IS DISTINCT FROM n." + c.name;
}

// One side's rows with the marker and the columns in order.
std::string side(const std::string& from, const std::vector<DiffColumn>& key,
                 const std::vector<DiffColumn>& columns) {
    std::string list = std::string("true AS ") + kPresent;
    for (const auto* group : {&key, &columns})
        for (const auto& c : *group)
            list += ", s." + c.name;
    return "(SELECT " + list + " FROM " + from + " AS s)";
}

// A side's row as JSON text, without the marker.
std::string row_json(const char* alias) {
    return std::string("(pg_catalog.to_jsonb(") + alias + ") OPERATOR(pg_catalog.-) " +
           sql_literal(kPresent) + ")::text";
}

}  // namespace

std::string diff_statement(const DiffSpec& spec) {
    std::string join, key_json;
    for (const auto& k : spec.key) {
        join += std::string(join.empty() ? "" : " AND ") + "o." + k.name +
                " OPERATOR(pg_catalog.=) n." + k.name;
        key_json += std::string(key_json.empty() ? "" : ", ") + sql_literal(k.label) +
                    ", COALESCE(n." + k.name + ", o." + k.name + ")";
    }
    const std::string both = std::string("o.") + kPresent + " AND n." + kPresent;
    std::string changes = "SELECT NULL::text, NULL::text, " + row_json("n") +
                          ", NULL::numeric WHERE o." + kPresent + " IS NULL";
    if (spec.report_deleted)
        changes += " UNION ALL SELECT NULL, " + row_json("o") + ", NULL, NULL WHERE n." + kPresent +
                   " IS NULL";
    const std::string filter =
        spec.change_filter.empty() ? "" : " AND (" + spec.change_filter + ")";
    for (const auto& c : spec.columns) {
        std::string delta =
            c.numeric ? "n." + c.name + "::numeric OPERATOR(pg_catalog.-) o." + c.name + "::numeric"
                      : "NULL";
        changes += " UNION ALL SELECT " + sql_literal(c.label) + ", o." + c.name + "::text, n." +
                   c.name + "::text, " + delta + " WHERE " + both + " AND " + differs(c) + filter;
    }
    return "SELECT pg_catalog.jsonb_build_object(" + key_json +
           ") AS key, c.column_name, c.old_value, c.new_value, c.delta FROM " +
           side(spec.old_rows, spec.key, spec.columns) + " o FULL JOIN " +
           side(spec.new_rows, spec.key, spec.columns) + " n ON " + join + " CROSS JOIN LATERAL (" +
           changes +
           ") AS c (column_name, old_value, new_value, delta)"
           " ORDER BY pg_catalog.abs(c.delta) DESC NULLS LAST, 1, 2 NULLS FIRST LIMIT $1::bigint";
}

}  // namespace backfill
