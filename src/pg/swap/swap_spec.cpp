#include "pg/swap/swap_spec.hpp"

#include "core/names.hpp"
#include "pg/constraint_catalog.hpp"
#include "pg/index_catalog.hpp"
#include "pg/ownership_catalog.hpp"
#include "pg/session_context.hpp"

namespace backfill::pg {

SwapSpec swap_spec(const Job& job, const ChunkRow& chunk, const std::string& top,
                   const LivePartition& live, const std::vector<std::string>& index_names,
                   const std::vector<std::string>& statistics_names) {
    SwapSpec s;
    s.schema = quote_ident(chunk.part_schema);
    s.top = top;
    s.parent = live.parent;
    s.partition = quote_ident(chunk.part_name);
    s.shadow = quote_ident(chunk.shadow_name);
    s.retained = quote_ident(chunk.retained_name);
    s.partition_constraint = live.constraint;
    s.bound_check = quote_ident(bound_check_name(job.id, chunk.chunk_no));
    s.guard_trigger = quote_ident(guard_trigger_name(job.id));
    s.job_id = std::to_string(job.id);
    s.chunk_no = std::to_string(chunk.chunk_no);
    int k = 0;
    for (const auto& name : index_names) {
        k++;
        IndexSpec idx;
        idx.original = quote_ident(name);
        idx.shadow = quote_ident(shadow_index_name(chunk.part_name, job.id, chunk.chunk_no, k));
        idx.retained = quote_ident(retained_index_name(name, job.id, chunk.chunk_no, k));
        s.indexes.push_back(idx);
    }
    // Statistics objects live apart from relations (pg_statistic_ext), so
    // the index name patterns serve them without clashing.
    k = 0;
    for (const auto& name : statistics_names) {
        k++;
        s.statistics.push_back(StatisticsSpec{
            quote_ident(name),
            quote_ident(shadow_index_name(chunk.part_name, job.id, chunk.chunk_no, k)),
            quote_ident(retained_index_name(name, job.id, chunk.chunk_no, k))});
    }
    return s;
}

std::vector<std::vector<LiveIndex>> live_indexes_of(const std::vector<Oid>& relids) {
    std::vector<std::vector<LiveIndex>> out;
    for (Oid relid : relids) {
        CatalogIndexes found = indexes_from_catalog(relid);
        std::vector<LiveIndex> indexes;
        for (const auto& i : found.indexes) {
            std::string identity =
                index_identity(i.definition, quote_ident(found.schema), quote_ident(i.name),
                               quote_ident(found.table), i.constraint_definition);
            indexes.push_back(LiveIndex{i.name,
                                        i.is_constraint ? i.constraint_definition : i.definition,
                                        i.is_constraint, identity, i.tablespace, i.oid});
        }
        out.push_back(std::move(indexes));
    }
    return out;
}
std::vector<LiveIndex> live_indexes(Oid relid) { return live_indexes_of({relid}).front(); }

void describe_live_partition(Oid relid, const std::vector<LiveIndex>& indexes, const Job& job,
                             const ChunkRow& chunk, SwapSpec& spec) {
    std::vector<std::string> names;
    for (const auto& i : indexes)
        names.push_back(i.name);
    SwapSpec named = swap_spec(job, chunk, spec.top, LivePartition{}, names);
    spec.indexes = named.indexes;
    for (std::size_t k = 0; k < indexes.size(); k++) {
        spec.indexes[k].definition = indexes[k].definition;
        spec.indexes[k].is_constraint = indexes[k].is_constraint;
        spec.indexes[k].tablespace = indexes[k].tablespace;
    }
    for (const auto& fk : constraints_from_catalog(relid, CONSTRAINT_FOREIGN, false))
        spec.foreign_keys.push_back("ADD CONSTRAINT " + fk.name + " " + fk.definition);
    CatalogStorage storage = storage_from_catalog(relid);
    spec.unlogged = storage.unlogged;
    spec.create_options.clear();
    std::string options;
    for (const auto& o : storage.options) {
        // "name=value", as reloptions stores them
        std::size_t eq = o.find('=');
        std::string name = eq == std::string::npos ? o : o.substr(0, eq);
        std::string value = eq == std::string::npos ? o : o.substr(eq + 1);
        options += (options.empty() ? "" : ", ") + quote_ident(name) + " = " + quote_literal(value);
    }
    if (!options.empty())
        spec.create_options += " WITH (" + options + ")";
    if (!storage.tablespace.empty())
        spec.create_options += " TABLESPACE " + quote_ident(storage.tablespace);
}

std::vector<NotValidCheck> not_valid_checks(Oid relid) {
    std::vector<NotValidCheck> out;
    for (const auto& c : constraints_from_catalog(relid, CONSTRAINT_CHECK, true))
        out.push_back(NotValidCheck{c.name, c.definition});
    return out;
}

std::vector<std::string> copy_ownership_statements(Oid relid, const std::string& shadow) {
    std::vector<std::string> out;
    std::string oid = std::to_string(relid);
    CatalogOwnership owner = ownership_from_catalog(relid);
    if (owner.owner != current_role())
        out.push_back("ALTER TABLE " + shadow + " OWNER TO " + quote_ident(owner.owner_name));
    // only when the catalog shows any (rarely): one statement for the
    // table's grants (1), its columns' grants (2) and
    // statistics targets (3), each by column number
    for (const auto& r :
         !owner.grants_or_targets
             ? std::vector<Row>{}
             : query("SELECT 1, a.privilege_type, NULL::text,"
                     " CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
                     "  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,"
                     " a.is_grantable, 0::int2"
                     " FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a"
                     " WHERE c.oid = $1::oid AND a.grantee <> c.relowner"
                     " UNION ALL SELECT 2, a.privilege_type, pg_catalog.quote_ident(att.attname),"
                     " CASE WHEN a.grantee = 0 THEN 'PUBLIC'"
                     "  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,"
                     " a.is_grantable, att.attnum"
                     " FROM pg_catalog.pg_attribute att, pg_catalog.aclexplode(att.attacl) a"
                     " WHERE att.attrelid = $1::oid AND att.attnum > 0 AND NOT att.attisdropped"
                     " UNION ALL SELECT 3, att.attstattarget::text, "
                     "pg_catalog.quote_ident(att.attname),"
                     " NULL, NULL, att.attnum FROM pg_catalog.pg_attribute att"
                     " WHERE att.attrelid = $1::oid AND att.attnum > 0 AND NOT att.attisdropped"
                     " AND att.attstattarget >= 0"
                     " ORDER BY 1, 6",
                     {oid})) {
        if (*r[0] == "1")
            out.push_back("GRANT " + *r[1] + " ON TABLE " + shadow + " TO " + *r[3] +
                          (*r[4] == "t" ? " WITH GRANT OPTION" : ""));
        else if (*r[0] == "2")
            out.push_back("GRANT " + *r[1] + " (" + *r[2] + ") ON TABLE " + shadow + " TO " +
                          *r[3] + (*r[4] == "t" ? " WITH GRANT OPTION" : ""));
        else
            out.push_back("ALTER TABLE " + shadow + " ALTER COLUMN " + *r[2] + " SET STATISTICS " +
                          *r[1]);
    }
    if (owner.replica_identity == REPLICA_IDENTITY_FULL)
        out.push_back("ALTER TABLE " + shadow + " REPLICA IDENTITY FULL");
    if (owner.replica_identity == REPLICA_IDENTITY_NOTHING)
        out.push_back("ALTER TABLE " + shadow + " REPLICA IDENTITY NOTHING");
    if (owner.comment)
        out.push_back("COMMENT ON TABLE " + shadow + " IS " + quote_literal(*owner.comment));
    return out;
}

}  // namespace backfill::pg
