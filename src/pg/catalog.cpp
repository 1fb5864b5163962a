#include "pg/catalog.hpp"

#include <map>

#include "core/target_checks.hpp"
#include "core/user_error.hpp"
#include "pg/catalog_cache.hpp"
#include "pg/key_values.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// A table's row estimate: reltuples, or for a table never analyzed
// (reltuples < 0) a count when small enough, else a guess from its size.
std::int64_t estimate_rows(const std::string& qname, std::int64_t reltuples, std::int64_t bytes) {
    if (reltuples >= 0)
        return reltuples;
    return bytes <= 64LL * 1024 * 1024 ? std::stoll(*scalar("SELECT count(*) FROM " + qname))
                                       : bytes / 100;
}

// Partitions of the target's top level with their bounds and size
// estimates.
void load_partitions(TargetInfo& t) {
    auto rows = query(
        "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpartbound::text,"
        " c.reltuples::bigint, pg_catalog.pg_relation_size(c.oid),"
        " pg_catalog.pg_get_expr(c.relpartbound, c.oid)"
        " FROM pg_catalog.pg_inherits i"
        " JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE i.inhparent = $1::oid ORDER BY c.oid",
        {std::to_string(t.oid)});
    for (const auto& r : rows) {
        PartitionRef ref{static_cast<Oid>(std::stoul(*r[0])), *r[1], *r[2], *r[7], ""};
        PartitionBounds b = bounds_from_node(*r[4], t.key_type);
        std::int64_t bytes = std::stoll(*r[6]);
        std::string qname = qualified(ref.schema, ref.name);
        std::int64_t est_rows = estimate_rows(qname, std::stoll(*r[5]), bytes);
        if (b.is_default) {
            t.default_partition = ref;
            t.default_rows = est_rows;
            continue;
        }
        PartitionInfo info;
        info.qualified_name = qname;
        info.lower = b.lower;
        info.upper = b.upper;
        info.is_partitioned = *r[3] == "p";
        info.est_rows = est_rows;
        info.est_bytes = bytes;
        t.partitions.push_back(info);
        t.refs.push_back(ref);
    }
}

// Every partition under the target, at any level, read from pg_inherits
// (which, unlike pg_partition_tree, locks nothing): relid and parent.
const char* const kTreeCte =
    "WITH RECURSIVE tree (relid, parent) AS ("
    " SELECT i.inhrelid, i.inhparent FROM pg_catalog.pg_inherits i WHERE i.inhparent = $1::oid"
    " UNION ALL SELECT i.inhrelid, i.inhparent FROM pg_catalog.pg_inherits i"
    " JOIN tree t ON i.inhparent = t.relid) ";

// Every leaf partition of the target, at any level, with the partitioned
// partitions above it (top level first), and which of them are default
// partitions. Foreign tables are not counted.
void load_leaves(TargetInfo& t) {
    struct Node {
        Oid parent;
        std::string qualified;
        bool is_default;
    };
    std::map<Oid, Node> nodes;
    auto rows =
        query(std::string(kTreeCte) +
                  "SELECT c.oid, t.parent, n.nspname, c.relname, c.relkind,"
                  " c.reltuples::bigint, pg_catalog.pg_get_expr(c.relpartbound, c.oid)"
                  " FROM tree t JOIN pg_catalog.pg_class c ON c.oid = t.relid"
                  " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ORDER BY c.oid",
              {std::to_string(t.oid)});
    for (const auto& r : rows)
        nodes[static_cast<Oid>(std::stoul(*r[0]))] =
            Node{static_cast<Oid>(std::stoul(*r[1])), qualified(*r[2], *r[3]), *r[6] == "DEFAULT"};
    std::map<Oid, std::size_t> top_index;
    for (std::size_t i = 0; i < t.refs.size(); i++)
        top_index[t.refs[i].oid] = i;
    for (const auto& r : rows) {
        if (*r[4] == "p")
            continue;
        Oid oid = static_cast<Oid>(std::stoul(*r[0]));
        PartitionRef ref{oid, *r[2], *r[3], *r[6], ""};
        LeafInfo leaf;
        leaf.qualified = qualified(ref.schema, ref.name);
        leaf.is_foreign = *r[4] == "f";
        if (!leaf.is_foreign) {
            leaf.est_bytes = std::stoll(
                *scalar("SELECT pg_catalog.pg_relation_size($1::oid)", {std::to_string(oid)}));
            leaf.est_rows = estimate_rows(leaf.qualified, std::stoll(*r[5]), leaf.est_bytes);
        }
        // from the leaf up to the top level's partition
        Oid at = oid;
        for (;;) {
            const Node& node = nodes[at];
            leaf.is_default = leaf.is_default || node.is_default;
            if (node.parent == t.oid)
                break;
            leaf.above.insert(leaf.above.begin(), nodes[node.parent].qualified);
            ref.above_oids += (ref.above_oids.empty() ? "" : ",") + std::to_string(node.parent);
            at = node.parent;
        }
        leaf.under_top_default = nodes[at].is_default;
        auto top = top_index.find(at);
        if (top != top_index.end())
            leaf.top_partition = top->second;
        t.leaves.push_back(leaf);
        t.leaf_refs.push_back(ref);
    }
}

// The columns an INSERT fills: all but dropped and generated ones.
void load_columns(TargetInfo& t) {
    auto rows = query(
        "SELECT a.attname, a.atttypid, pg_catalog.format_type(a.atttypid, a.atttypmod)"
        " FROM pg_catalog.pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0"
        " AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
        {std::to_string(t.oid)});
    for (const auto& r : rows) {
        t.columns.push_back(ColumnInfo{*r[0], *r[2]});
        t.column_types.push_back(static_cast<Oid>(std::stoul(*r[1])));
    }
}

// How the catalog's partition strategy letter reads (relkind 'p' only).
PartitionStrategy strategy_of(const Row& r) {
    if (*r[2] != "p")
        return PartitionStrategy::None;
    if (*r[3] == "r")
        return PartitionStrategy::Range;
    return *r[3] == "l" ? PartitionStrategy::List : PartitionStrategy::Hash;
}

// The first object a catalog query lists, as (object, table), or none.
std::optional<TableObject> first_object(const std::vector<Row>& rows) {
    if (rows.empty())
        return std::nullopt;
    return TableObject{*rows[0][0], *rows[0][1]};
}

// The first value a catalog query lists, or none.
std::optional<std::string> first_value(const std::vector<Row>& rows) {
    if (rows.empty())
        return std::nullopt;
    return *rows[0][0];
}

// What lies around the target and the partitions: see NeighbourFacts.
NeighbourFacts read_neighbours(const TargetInfo& t, const std::string& oids) {
    NeighbourFacts n;
    std::string target = std::to_string(t.oid);
    n.referencing_foreign_key = first_object(
        query("SELECT c.conname, c.conrelid::regclass::text FROM pg_catalog.pg_constraint c"
              " WHERE c.contype = 'f' AND c.confrelid = ANY($1::oid[]) AND c.conparentid = 0"
              " ORDER BY 1 LIMIT 1",
              {oids}));
    n.publication = first_object(
        query("SELECT p.pubname, c.oid::regclass::text FROM pg_catalog.pg_publication_tables p"
              " JOIN pg_catalog.pg_namespace n ON n.nspname = p.schemaname"
              " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename"
              " WHERE c.oid = ANY($1::oid[]) ORDER BY 1, 2 LIMIT 1",
              {oids}));
    auto schema = first_value(
        query("SELECT DISTINCT n.nspname FROM pg_catalog.pg_class c"
              " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
              " WHERE c.oid = ANY($1::oid[]) AND c.oid <> $2::oid"
              " AND NOT pg_catalog.has_schema_privilege(n.oid, 'CREATE') ORDER BY 1 LIMIT 1",
              {oids, target}));
    if (schema)
        n.schema_without_create = quote_ident(*schema);
    n.partition_trigger = first_object(query(
        "SELECT t.tgname, t.tgrelid::regclass::text FROM pg_catalog.pg_trigger t"
        " WHERE t.tgrelid = ANY($1::oid[]) AND t.tgrelid <> $2::oid AND NOT t.tgisinternal"
        " AND t.tgparentid = 0 AND t.tgname NOT LIKE 'backfill\\_guard\\_%' ORDER BY 1 LIMIT 1",
        {oids, target}));
    n.partition_with_row_security = first_value(
        query("SELECT c.oid::regclass::text FROM pg_catalog.pg_class c"
              " WHERE c.oid = ANY($1::oid[]) AND c.oid <> $2::oid AND (c.relrowsecurity"
              "  OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid))"
              " ORDER BY 1 LIMIT 1",
              {oids, target}));
    n.dependent_view = first_object(
        query("SELECT DISTINCT v.oid::regclass::text, d.refobjid::regclass::text"
              " FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid"
              " JOIN pg_catalog.pg_class v ON v.oid = w.ev_class"
              " WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
              " AND d.refobjid = ANY($1::oid[]) AND d.refobjid <> $2::oid AND v.oid <> d.refobjid"
              " ORDER BY 1 LIMIT 1",
              {oids, target}));
    n.owned_sequence = first_object(query(
        "SELECT s.oid::regclass::text, d.refobjid::regclass::text"
        " FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid"
        " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND s.relkind = 'S'"
        " AND d.deptype IN ('a', 'i') AND d.refobjid = ANY($1::oid[]) AND d.refobjid <> $2::oid"
        " ORDER BY 1 LIMIT 1",
        {oids, target}));
    return n;
}

}  // namespace

TargetInfo load_target(Oid relid, const TargetRequirements& requirements) {
    auto rows = query(
        std::string(kTreeCte) +
            "SELECT n.nspname, c.relname, c.relkind, p.partstrat, p.partnatts,"
            " a.attname, a.atttypid, pg_catalog.pg_has_role(c.relowner, 'USAGE'),"
            " c.relispartition, pg_catalog.format_type(a.atttypid, NULL),"
            // the first partition (at any level) but a default that the caller does not own
            " (SELECT pg_catalog.format('%I.%I', pn.nspname, pc.relname)"
            "  FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class pc ON pc.oid = i.inhrelid"
            "  JOIN pg_catalog.pg_namespace pn ON pn.oid = pc.relnamespace"
            "  WHERE i.inhrelid IN (SELECT relid FROM tree)"
            "  AND NOT pg_catalog.pg_has_role(pc.relowner, 'USAGE')"
            "  AND pg_catalog.pg_get_expr(pc.relpartbound, pc.oid) <> 'DEFAULT'"
            "  ORDER BY pc.oid LIMIT 1)"
            " FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " LEFT JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = c.oid"
            " LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid"
            "  AND a.attnum = p.partattrs[0]"
            " WHERE c.oid = $1::oid",
        {std::to_string(relid)});
    if (rows.empty())
        throw UserError(ErrorKind::InvalidParameter,
                        "relation with OID " + std::to_string(relid) + " does not exist",
                        "Pass the target table's name, e.g. 'public.events'.");
    const Row& r = rows[0];
    TargetInfo t;
    t.oid = relid;
    t.schema = *r[0];
    t.name = *r[1];
    t.qualified = qualified(t.schema, t.name);
    TargetFacts facts;
    facts.qualified = t.qualified;
    facts.strategy = strategy_of(r);
    facts.is_partition = *r[8] == "t";
    facts.key_columns = r[4] ? std::stoi(*r[4]) : 0;
    facts.key_column = r[5];
    if (r[6]) {
        t.key_type = static_cast<Oid>(std::stoul(*r[6]));
        facts.key_type = *r[9];
        facts.key_type_supported = supported_key_type(t.key_type);
    }
    facts.owned = *r[7] == "t";
    facts.unowned_partition = r[10];
    if (auto refusal = target_refusal(facts, requirements))
        throw *refusal;
    // a mode that works on ranges of a column of its own choosing (merge)
    // reads no partitions; swap reads the top level's bounds where it has
    // them, and the leaves
    if (requirements.partitioned) {
        t.key_column = r[5].value_or("");
        t.range_keyed = range_keyed(facts);
        if (t.range_keyed)
            load_partitions(t);
        else
            t.key_type = InvalidOid;  // its chunks have no bounds on a key
        load_leaves(t);
    }
    load_columns(t);
    return t;
}

void preflight_neighbours(const TargetInfo& t, const std::vector<std::size_t>& chunk_leaves,
                          const TargetRequirements& requirements) {
    std::string oids = "{" + std::to_string(t.oid);
    for (std::size_t i : chunk_leaves) {
        oids += "," + std::to_string(t.leaf_refs[i].oid);
        if (!t.leaf_refs[i].above_oids.empty())
            oids += "," + t.leaf_refs[i].above_oids;
    }
    oids += "}";
    if (auto refusal = neighbour_refusal(t.qualified, read_neighbours(t, oids), requirements))
        throw *refusal;
}

std::vector<std::string> qualified_relation_names(const std::vector<std::string>& names,
                                                  const std::string& search_path) {
    std::vector<std::string> out;
    if (names.empty())
        return out;
    OwnerBox box(current_role(), search_path);
    for (const auto& name : names)
        out.push_back(scalar("SELECT pg_catalog.format('%I.%I', n.nspname, c.relname)"
                             " FROM pg_catalog.pg_class c"
                             " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                             " WHERE c.oid = pg_catalog.to_regclass($1)",
                             {name})
                          .value_or(name));
    return out;
}

std::optional<LivePartition> live_partition(Oid target, const std::string& schema,
                                            const std::string& name, bool with_constraint) {
    auto cached = partition_from_caches(target, schema, name, with_constraint);
    if (!cached)
        return std::nullopt;
    return LivePartition{cached->oid, cached->bound_spec, with_constraint ? cached->constraint : "",
                         cached->parent};
}

std::vector<std::string> primary_key_columns(Oid relid) {
    std::vector<std::string> key;
    for (const auto& r :
         query("SELECT a.attname FROM pg_catalog.pg_index i"
               " CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k (attnum, n)"
               " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = "
               "k.attnum"
               " WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.n",
               {std::to_string(relid)}))
        key.push_back(*r[0]);
    return key;
}

}  // namespace backfill::pg
