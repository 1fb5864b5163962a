#include "pg/catalog.hpp"

#include "core/user_error.hpp"
#include "pg/key_values.hpp"
#include "pg/pg_error.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// Shorthand for the usual refusal.
[[noreturn]] void refuse(ErrorKind kind, const std::string& message, const std::string& hint) {
    throw UserError(kind, message, hint);
}

// Partitions of the target with their bounds and size estimates. Tables
// never analyzed (reltuples < 0) and small enough are counted exactly.
void load_partitions(TargetInfo& t) {
    auto rows = query(
        "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpartbound::text,"
        " c.reltuples::bigint, pg_catalog.pg_relation_size(c.oid),"
        " pg_catalog.pg_has_role(c.relowner, 'USAGE')"
        " FROM pg_catalog.pg_inherits i"
        " JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE i.inhparent = $1::oid ORDER BY c.oid",
        {std::to_string(t.oid)});
    for (const auto& r : rows) {
        PartitionRef ref{static_cast<Oid>(std::stoul(*r[0])), *r[1], *r[2]};
        PartitionBounds b = bounds_from_node(*r[4], t.key_type);
        std::int64_t est_rows = std::stoll(*r[5]);
        std::int64_t bytes = std::stoll(*r[6]);
        std::string qname = qualified(ref.schema, ref.name);
        if (est_rows < 0)
            est_rows = bytes <= 64LL * 1024 * 1024
                           ? std::stoll(*scalar("SELECT count(*) FROM " + qname))
                           : bytes / 100;
        if (b.is_default) {
            t.default_partition = ref;
            t.default_rows = est_rows;
            continue;
        }
        if (*r[7] != "t")
            refuse(ErrorKind::InvalidParameter, "must be owner of partition " + qname,
                   "Only the owner of the target and all its partitions can backfill it.");
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

}  // namespace

TargetInfo load_target(Oid relid) {
    auto rows = query(
        "SELECT n.nspname, c.relname, c.relkind, p.partstrat, p.partnatts,"
        " a.attname, a.atttypid, pg_catalog.pg_has_role(c.relowner, 'USAGE'),"
        " c.relispartition, pg_catalog.format_type(a.atttypid, NULL)"
        " FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " LEFT JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = c.oid"
        " LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid"
        "  AND a.attnum = p.partattrs[0]"
        " WHERE c.oid = $1::oid",
        {std::to_string(relid)});
    if (rows.empty())
        refuse(ErrorKind::InvalidParameter,
               "relation with OID " + std::to_string(relid) + " does not exist",
               "Pass the target table's name, e.g. 'public.events'.");
    const Row& r = rows[0];
    TargetInfo t;
    t.oid = relid;
    t.schema = *r[0];
    t.name = *r[1];
    t.qualified = qualified(t.schema, t.name);
    const std::string hint_range =
        "backfill rebuilds the partitions of a table declared PARTITION BY RANGE (column).";
    if (*r[2] != "p")
        refuse(ErrorKind::FeatureNotSupported, "table " + t.qualified + " is not partitioned",
               hint_range);
    if (*r[8] == "t")
        refuse(ErrorKind::FeatureNotSupported,
               "table " + t.qualified +
                   " is itself a partition; sub-partitioned targets are not supported",
               "Give the top-level partitioned table.");
    if (*r[3] != "r")
        refuse(ErrorKind::FeatureNotSupported,
               "table " + t.qualified + " is partitioned by " +
                   (*r[3] == "l" ? std::string("LIST") : std::string("HASH")) + ", not by RANGE",
               hint_range);
    if (*r[4] != "1")
        refuse(ErrorKind::FeatureNotSupported,
               "table " + t.qualified + " has a partition key of " + *r[4] + " columns",
               "Only a single-column RANGE partition key is supported.");
    if (!r[5])
        refuse(ErrorKind::FeatureNotSupported,
               "the partition key of table " + t.qualified + " is an expression",
               "Only a plain column can be the partition key.");
    t.key_column = *r[5];
    t.key_type = static_cast<Oid>(std::stoul(*r[6]));
    if (!supported_key_type(t.key_type))
        refuse(ErrorKind::FeatureNotSupported,
               "partition key column \"" + t.key_column + "\" of table " + t.qualified +
                   " has type " + *r[9],
               "Supported key types: date, timestamp, timestamptz, smallint, integer, bigint, "
               "numeric.");
    if (*r[7] != "t")
        refuse(ErrorKind::InvalidParameter, "must be owner of table " + t.qualified,
               "Only the owner of the target (or a member of its owning role) can backfill it.");
    load_partitions(t);
    load_columns(t);
    return t;
}

void preflight_neighbours(const TargetInfo& t, const std::vector<std::size_t>& chunk_parts) {
    std::string oids = "{" + std::to_string(t.oid);
    for (std::size_t i : chunk_parts)
        oids += "," + std::to_string(t.refs[i].oid);
    oids += "}";
    auto fk = query(
        "SELECT c.conname, c.conrelid::regclass::text FROM pg_catalog.pg_constraint c"
        " WHERE c.contype = 'f' AND c.confrelid = ANY($1::oid[]) AND c.conparentid = 0"
        " ORDER BY 1 LIMIT 1",
        {oids});
    if (!fk.empty())
        refuse(
            ErrorKind::FeatureNotSupported,
            "table " + t.qualified + " is referenced by foreign key \"" + *fk[0][0] +
                "\" of table " + *fk[0][1],
            "A partition cannot be detached while rows reference it. Drop the foreign key for the "
            "backfill (and re-add it NOT VALID, then VALIDATE, afterwards).");
    auto pubs = query(
        "SELECT p.pubname, c.oid::regclass::text FROM pg_catalog.pg_publication_tables p"
        " JOIN pg_catalog.pg_namespace n ON n.nspname = p.schemaname"
        " JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = p.tablename"
        " WHERE c.oid = ANY($1::oid[]) ORDER BY 1, 2 LIMIT 1",
        {oids});
    if (!pubs.empty())
        refuse(ErrorKind::FeatureNotSupported,
               "table " + *pubs[0][1] + " is in publication \"" + *pubs[0][0] + "\"",
               "Rows loaded into a shadow partition are not sent to subscribers, so they would "
               "diverge. Remove the table from the publication for the backfill and resynchronise "
               "the subscribers afterwards, or run the backfill on each subscriber.");
    auto noschema = query(
        "SELECT DISTINCT n.nspname FROM pg_catalog.pg_class c"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE c.oid = ANY($1::oid[]) AND c.oid <> $2::oid"
        " AND NOT pg_catalog.has_schema_privilege(n.oid, 'CREATE') ORDER BY 1 LIMIT 1",
        {oids, std::to_string(t.oid)});
    if (!noschema.empty())
        refuse(ErrorKind::InvalidParameter,
               "permission denied to create tables in schema " + quote_ident(*noschema[0][0]),
               "backfill builds each shadow partition beside the partition it replaces; the job's "
               "owner needs CREATE on that schema.");
    auto trg = query(
        "SELECT t.tgname, t.tgrelid::regclass::text FROM pg_catalog.pg_trigger t"
        " WHERE t.tgrelid = ANY($1::oid[]) AND t.tgrelid <> $2::oid AND NOT t.tgisinternal"
        " AND t.tgparentid = 0 AND t.tgname NOT LIKE 'backfill\\_guard\\_%' ORDER BY 1 LIMIT 1",
        {oids, std::to_string(t.oid)});
    if (!trg.empty())
        refuse(ErrorKind::FeatureNotSupported,
               "partition " + *trg[0][1] + " has its own trigger \"" + *trg[0][0] + "\"",
               "Triggers defined on a single partition are not carried over to its rebuilt table. "
               "Define the trigger on the partitioned table instead (it is cloned to every "
               "partition), or drop it for the backfill.");
    auto rls = query(
        "SELECT c.oid::regclass::text FROM pg_catalog.pg_class c"
        " WHERE c.oid = ANY($1::oid[]) AND c.oid <> $2::oid AND (c.relrowsecurity"
        "  OR EXISTS (SELECT 1 FROM pg_catalog.pg_policy p WHERE p.polrelid = c.oid))"
        " ORDER BY 1 LIMIT 1",
        {oids, std::to_string(t.oid)});
    if (!rls.empty())
        refuse(ErrorKind::FeatureNotSupported,
               "partition " + *rls[0][0] + " has row-level security of its own",
               "Policies and ENABLE ROW LEVEL SECURITY on a single partition are not carried over "
               "to its rebuilt table. Define them on the partitioned table, or remove them for "
               "the backfill.");
    auto views = query(
        "SELECT DISTINCT v.oid::regclass::text, d.refobjid::regclass::text"
        " FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_rewrite w ON w.oid = d.objid"
        " JOIN pg_catalog.pg_class v ON v.oid = w.ev_class"
        " WHERE d.classid = 'pg_catalog.pg_rewrite'::pg_catalog.regclass"
        " AND d.refobjid = ANY($1::oid[]) AND d.refobjid <> $2::oid AND v.oid <> d.refobjid"
        " ORDER BY 1 LIMIT 1",
        {oids, std::to_string(t.oid)});
    if (!views.empty())
        refuse(ErrorKind::FeatureNotSupported,
               "view " + *views[0][0] + " depends on partition " + *views[0][1],
               "It would keep reading the retained original after the swap. Define the view on "
               "the partitioned table, or drop it for the backfill.");
    auto seqs = query(
        "SELECT s.oid::regclass::text, d.refobjid::regclass::text"
        " FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_class s ON s.oid = d.objid"
        " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND s.relkind = 'S'"
        " AND d.deptype IN ('a', 'i') AND d.refobjid = ANY($1::oid[]) AND d.refobjid <> $2::oid"
        " ORDER BY 1 LIMIT 1",
        {oids, std::to_string(t.oid)});
    if (!seqs.empty())
        refuse(ErrorKind::FeatureNotSupported,
               "partition " + *seqs[0][1] + " owns sequence " + *seqs[0][0],
               "A serial or identity column declared on a single partition cannot move to its "
               "rebuilt table. Declare the default on the partitioned table instead.");
    if (t.default_partition && t.default_rows > 10000) {
        std::string qdef = qualified(t.default_partition->schema, t.default_partition->name);
        std::string msg = "default partition " + qdef + " holds about " +
                          std::to_string(t.default_rows) +
                          " rows; every swap scans it under an ACCESS EXCLUSIVE lock";
        std::string hint =
            "Move its rows into proper partitions, or add a validated CHECK constraint to it that "
            "excludes the backfilled range, e.g. ALTER TABLE " +
            qdef + " ADD CHECK (NOT (" + quote_ident(t.key_column) + " >= <range_from> AND " +
            quote_ident(t.key_column) + " < <range_to>)); ATTACH then skips the scan.";
        pg_guard(
            [&]() { ereport(WARNING, (errmsg("%s", msg.c_str()), errhint("%s", hint.c_str()))); });
    }
}

std::optional<LivePartition> live_partition(Oid target, const std::string& schema,
                                            const std::string& name) {
    auto rows = query(
        "SELECT c.oid, c.relpartbound::text, pg_catalog.pg_get_expr(c.relpartbound, c.oid)"
        " FROM pg_catalog.pg_inherits i JOIN pg_catalog.pg_class c ON c.oid = i.inhrelid"
        " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
        " WHERE i.inhparent = $1::oid AND n.nspname = $2 AND c.relname = $3",
        {std::to_string(target), schema, name});
    if (rows.empty())
        return std::nullopt;
    return LivePartition{static_cast<Oid>(std::stoul(*rows[0][0])), *rows[0][1], *rows[0][2]};
}

bool relation_exists(const std::string& schema, const std::string& name) {
    return !query(
                "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
                " ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2",
                {schema, name})
                .empty();
}

}  // namespace backfill::pg
