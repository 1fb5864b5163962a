#include "pg/swap/shadow_indexes.hpp"

#include "core/names.hpp"
#include "core/swap/pairing.hpp"
#include "pg/catalog_cache.hpp"
#include "pg/job_tables.hpp"
#include "pg/pg_error.hpp"
#include "pg/runner_common.hpp"
#include "pg/session_context.hpp"
#include "pg/swap/chunk_plan.hpp"
#include "pg/swap/swap_spec.hpp"

namespace backfill::pg {

namespace {

// A shadow index name (…_bf<job>_<chunk>_n<k>) that no relation uses yet,
// for an index the shadow gains after its build.
std::string free_shadow_index_name(const Job& job, const ChunkRow& chunk) {
    for (int k = 1;; k++) {
        std::string name = shadow_index_name(chunk.part_name, job.id, chunk.chunk_no, k);
        if (!relation_named(chunk.part_schema, name))
            return name;
    }
}

// Removes an index from the shadow: through its constraint when one stands
// behind it.
void drop_shadow_index(const SwapSpec& spec, const LiveIndex& idx) {
    if (idx.is_constraint)
        execute_quietly("ALTER TABLE " + spec.schema + "." + spec.shadow + " DROP CONSTRAINT " +
                        quote_ident(idx.name));
    else
        execute_quietly("DROP INDEX " + spec.schema + "." + quote_ident(idx.name));
}

// The extended statistics objects of a table: name, identity (kinds and
// columns/expressions, independent of the names) and the kinds as CREATE
// STATISTICS lists them.
struct LiveStatistics {
    std::string name, identity, kinds, columns;
};

// Those of a partition [0] and of its shadow [1], in one statement.
std::vector<std::vector<LiveStatistics>> live_statistics_of(Oid live, Oid shadow) {
    auto per_table = query_per_relation(
        "SELECT s.stxrelid, s.stxname, s.stxkind::text || ' ON ' ||"
        " pg_catalog.pg_get_statisticsobjdef_columns(s.oid),"
        " (SELECT pg_catalog.string_agg(CASE k WHEN 'd' THEN 'ndistinct'"
        "   WHEN 'f' THEN 'dependencies' WHEN 'm' THEN 'mcv' END, ', ')"
        "  FROM pg_catalog.unnest(s.stxkind) k WHERE k <> 'e'),"
        " pg_catalog.pg_get_statisticsobjdef_columns(s.oid)"
        " FROM pg_catalog.pg_statistic_ext s"
        " WHERE s.stxrelid IN ({relids}) ORDER BY s.stxrelid, s.stxname",
        {live, shadow});
    std::vector<std::vector<LiveStatistics>> out(2);
    for (std::size_t k = 0; k < 2; k++)
        for (const auto& r : per_table[k])
            out[k].push_back(LiveStatistics{*r[0], *r[1], r[2].value_or(""), *r[3]});
    return out;
}

// "{a,"b c"}": names as a name[] literal.
std::string name_array(const std::vector<std::string>& names) {
    std::string out = "{";
    for (const auto& n : names) {
        out += out.size() > 1 ? "," : "";
        out += '"';
        for (char c : n) {
            if (c == '"' || c == '\\')
                out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

// Statistics objects paired like indexes; one the partition gained is
// created on the shadow (catalog-only: its data comes with the next
// ANALYZE), one it lost is dropped. Fills spec.statistics.
std::vector<std::string> pair_statistics(const Job& job, const ChunkRow& chunk, SwapSpec& spec,
                                         Oid live, Oid shadow) {
    auto both = live_statistics_of(live, shadow);
    const auto& on_live = both[0];
    const auto& on_shadow = both[1];
    std::vector<std::string> names;
    Pairing p = pair_by_identity(on_live, on_shadow);
    for (std::size_t j : p.shadow_only)
        execute_quietly("DROP STATISTICS " + spec.schema + "." + quote_ident(on_shadow[j].name));
    std::vector<std::pair<std::string, std::string>> live_to_shadow;
    for (const auto& [i, j] : p.pairs)
        live_to_shadow.emplace_back(on_live[i].name, on_shadow[j].name);
    for (std::size_t i : p.live_only) {
        std::string name = "bf" + std::to_string(job.id) + "_" + std::to_string(chunk.chunk_no) +
                           "_s" + std::to_string(i + 1);
        execute_quietly("CREATE STATISTICS " + spec.schema + "." + quote_ident(name) +
                        (on_live[i].kinds.empty() ? "" : " (" + on_live[i].kinds + ")") + " ON " +
                        on_live[i].columns + " FROM " + spec.schema + "." + spec.shadow);
        live_to_shadow.emplace_back(on_live[i].name, name);
    }
    spec.statistics.clear();
    int k = 0;
    for (const auto& [original, on] : live_to_shadow) {
        k++;
        spec.statistics.push_back(
            StatisticsSpec{quote_ident(original), quote_ident(on),
                           quote_ident(retained_index_name(original, job.id, chunk.chunk_no, k))});
        names.push_back(original);
    }
    return names;
}

// Appends to spec.indexes the pair of the partition's index original and
// the shadow's index shadow (names unquoted), the k-th, with its retained
// name, and original to names.
void add_pair(const Job& job, const ChunkRow& chunk, SwapSpec& spec,
              std::vector<std::string>& names, const std::string& original,
              const std::string& shadow) {
    int k = static_cast<int>(spec.indexes.size()) + 1;
    IndexSpec idx;
    idx.original = quote_ident(original);
    idx.shadow = quote_ident(shadow);
    idx.retained = quote_ident(retained_index_name(original, job.id, chunk.chunk_no, k));
    spec.indexes.push_back(idx);
    names.push_back(original);
}

// The spec seen from a table coming in (the retained original at rollback):
// the shadow-side members name it, so the publication's pairing serves.
SwapSpec incoming_view(const SwapSpec& spec, const std::string& incoming_table) {
    SwapSpec view = spec;
    view.shadow = incoming_table;
    return view;
}

// Whether an extended statistics object of that name is in the schema.
bool statistics_named(const std::string& schema, const std::string& name) {
    return scalar(
               "SELECT 1 FROM pg_catalog.pg_statistic_ext s"
               " JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace"
               " WHERE n.nspname = $1 AND s.stxname = $2",
               {schema, name})
        .has_value();
}

// Quoted names, one per object, that nothing in the schema uses and that
// differ from each other, for the objects of the table a rollback takes
// out: "…_bf<job>_<chunk>_n<k>" for indexes, "bf<job>_<chunk>_x<k>" for
// statistics.
std::vector<std::string> free_outgoing_names(const Job& job, const ChunkRow& chunk,
                                             std::size_t count, bool statistics) {
    std::vector<std::string> out;
    for (int k = 1; out.size() < count; k++) {
        std::string name = statistics
                               ? "bf" + std::to_string(job.id) + "_" +
                                     std::to_string(chunk.chunk_no) + "_x" + std::to_string(k)
                               : shadow_index_name(chunk.part_name, job.id, chunk.chunk_no, k);
        bool taken = statistics ? statistics_named(chunk.part_schema, name)
                                : relation_named(chunk.part_schema, name).has_value();
        if (!taken)
            out.push_back(quote_ident(name));
    }
    return out;
}

}  // namespace

void build_index(const SwapSpec& spec, const IndexSpec& idx, const std::string& table) {
    GucScope gucs;
    if (!idx.tablespace.empty())
        gucs.set("default_tablespace", idx.tablespace);
    execute_quietly(index_build_statement(spec, idx, table));
}

void complete_shadow_indexes(const Job& job, const ChunkRow& chunk, const SwapSpec& spec, Oid live,
                             Oid shadow) {
    OwnerBox box(job.owner, kOurSql);
    auto both = live_indexes_of({live, shadow});
    const auto& on_live = both[0];
    const auto& on_shadow = both[1];
    Pairing p = pair_by_identity(on_live, on_shadow);
    for (std::size_t j : p.shadow_only)
        drop_shadow_index(spec, on_shadow[j]);
    for (std::size_t i : p.live_only) {
        IndexSpec idx{quote_ident(on_live[i].name),
                      quote_ident(free_shadow_index_name(job, chunk)),
                      "",
                      on_live[i].definition,
                      on_live[i].is_constraint,
                      on_live[i].tablespace};
        build_index(spec, idx, spec.shadow);
    }
}

PairedNames pair_for_publication(const Job& job, const ChunkRow& chunk, SwapSpec& spec, Oid live,
                                 Oid shadow) {
    auto both = live_indexes_of({live, shadow});
    const auto& on_live = both[0];
    const auto& on_shadow = both[1];
    Pairing p = pair_by_identity(on_live, on_shadow);
    if (!p.live_only.empty())
        throw ShadowBehind{chunk.chunk_no,
                           "index " + qualified(chunk.part_schema, on_live[p.live_only[0]].name) +
                               " was created after the shadow of " + chunk_label(chunk) +
                               " was built"};
    for (std::size_t j : p.shadow_only)
        drop_shadow_index(spec, on_shadow[j]);
    spec.indexes.clear();
    std::vector<std::string> names;
    for (const auto& [i, j] : p.pairs)
        add_pair(job, chunk, spec, names, on_live[i].name, on_shadow[j].name);
    return PairedNames{name_array(names),
                       name_array(pair_statistics(job, chunk, spec, live, shadow))};
}

std::optional<std::vector<std::pair<Oid, Oid>>> built_index_pairs(
    const Job& job, const ChunkRow& chunk, const std::vector<LiveIndex>& indexes, Oid shadow) {
    std::vector<std::pair<Oid, Oid>> out;
    Oid schema = pg_guard([&]() { return get_rel_namespace(shadow); });
    int k = 0;
    for (const auto& index : indexes) {
        k++;
        std::string name = shadow_index_name(chunk.part_name, job.id, chunk.chunk_no, k);
        Oid built = pg_guard([&]() { return get_relname_relid(name.c_str(), schema); });
        if (!OidIsValid(built))
            return std::nullopt;
        out.emplace_back(index.oid, built);
    }
    return out;
}

PairedNames pair_as_built(const Job& job, const ChunkRow& chunk, SwapSpec& spec,
                          const std::vector<std::pair<Oid, Oid>>& indexes, Oid live, Oid shadow) {
    spec.indexes.clear();
    std::vector<std::string> names;
    for (const auto& [on_live, on_shadow] : indexes)
        add_pair(job, chunk, spec, names, relation_name_of(on_live), relation_name_of(on_shadow));
    return PairedNames{name_array(names),
                       name_array(pair_statistics(job, chunk, spec, live, shadow))};
}

}  // namespace backfill::pg

namespace backfill::pg {

void complete_retained_indexes(const Job& job, const ChunkRow& chunk, const SwapSpec& spec,
                               Oid live, Oid retained) {
    complete_shadow_indexes(job, chunk, incoming_view(spec, spec.retained), live, retained);
}

void pair_for_restore(const Job& job, const ChunkRow& chunk, SwapSpec& spec, Oid live,
                      Oid retained) {
    SwapSpec view = incoming_view(spec, spec.retained);
    pair_for_publication(job, chunk, view, live, retained);
    auto index_names = free_outgoing_names(job, chunk, view.indexes.size(), false);
    auto statistics_names = free_outgoing_names(job, chunk, view.statistics.size(), true);
    spec.indexes.clear();
    for (std::size_t k = 0; k < view.indexes.size(); k++) {
        IndexSpec idx = view.indexes[k];
        idx.retained = idx.shadow;
        idx.shadow = index_names[k];
        spec.indexes.push_back(idx);
    }
    spec.statistics.clear();
    for (std::size_t k = 0; k < view.statistics.size(); k++)
        spec.statistics.push_back(StatisticsSpec{view.statistics[k].original, statistics_names[k],
                                                 view.statistics[k].shadow});
}

}  // namespace backfill::pg
