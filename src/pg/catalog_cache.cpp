#include "pg/catalog_cache.hpp"

#include "pg/direct_call.hpp"
#include "pg/formats.hpp"
#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"

namespace backfill::pg {

namespace {

// What a look-up found, in memory PostgreSQL owns (no C++ object inside
// pg_guard).
struct Found {
    Oid oid = InvalidOid;
    Oid owner = InvalidOid;
    bool is_partition = false;
    char relkind = 0;
};

// The relation named schema.name in the caches; oid invalid when none.
Found find(const std::string& schema, const std::string& name) {
    return pg_guard([&]() {
        Found f;
        AcceptInvalidationMessages();
        Oid ns = get_namespace_oid(schema.c_str(), true);
        if (!OidIsValid(ns))
            return f;
        Oid relid = get_relname_relid(name.c_str(), ns);
        if (!OidIsValid(relid))
            return f;
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
        if (!HeapTupleIsValid(tuple))
            return f;
        auto* rel = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple));
        f.oid = relid;
        f.owner = rel->relowner;
        f.is_partition = rel->relispartition;
        f.relkind = rel->relkind;
        ReleaseSysCache(tuple);
        return f;
    });
}

}  // namespace

std::optional<CachedRelation> relation_from_caches(const std::string& schema,
                                                   const std::string& name) {
    Found f = find(schema, name);
    if (!OidIsValid(f.oid))
        return std::nullopt;
    return CachedRelation{f.oid, f.owner, f.is_partition};
}

std::optional<CachedPartition> partition_from_caches(Oid target, const std::string& schema,
                                                     const std::string& name,
                                                     bool with_constraint) {
    Found f = find(schema, name);
    if (!OidIsValid(f.oid) || !f.is_partition || f.relkind == RELKIND_PARTITIONED_TABLE)
        return std::nullopt;
    struct Texts {
        char* bound = nullptr;
        char* parent = nullptr;
        char* constraint = nullptr;
    };
    // the bound printed as backfill's own statements print it, whatever
    // the session's search_path (types named as from there), DateStyle or
    // TimeZone
    GucScope formats;
    formats.set("search_path", kSafeSearchPath);
    set_canonical_formats(formats);
    Texts t = pg_guard([&]() {
        Texts out;
        List* ancestors = get_partition_ancestors(f.oid);
        if (!list_member_oid(ancestors, target))
            return out;
        HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(f.oid));
        if (!HeapTupleIsValid(tuple))
            return out;
        bool isnull = false;
        Datum bound = SysCacheGetAttr(RELOID, tuple, Anum_pg_class_relpartbound, &isnull);
        if (!isnull)
            out.bound = text_to_cstring(
                DatumGetTextPP(DirectFunctionCall2(pg_get_expr, bound, ObjectIdGetDatum(f.oid))));
        ReleaseSysCache(tuple);
        Oid parent = get_partition_parent(f.oid, true);
        char* parent_name = get_rel_name(parent);
        char* parent_schema = parent_name ? get_namespace_name(get_rel_namespace(parent)) : nullptr;
        out.parent =
            parent_schema ? quote_qualified_identifier(parent_schema, parent_name) : nullptr;
        if (with_constraint)
            out.constraint = text_of_oid(pg_get_partition_constraintdef, f.oid);
        return out;
    });
    if (t.bound == nullptr || t.parent == nullptr)
        return std::nullopt;
    return CachedPartition{f.oid, t.bound, t.parent, t.constraint ? t.constraint : "true"};
}

bool trigger_exists(Oid relid, const std::string& name) {
    return pg_guard([&]() {
        AcceptInvalidationMessages();
        return OidIsValid(get_trigger_oid(relid, name.c_str(), true));
    });
}

OwnDefinitions own_definitions(Oid relid) {
    OwnDefinitions d;
    List* names = pg_guard([&]() {
        List* out = NIL;
        Relation rel = relation_open(relid, NoLock);
        d.row_security = rel->rd_rel->relrowsecurity;
        TriggerDesc* triggers = rel->trigdesc;
        for (int i = 0; triggers && i < triggers->numtriggers; i++) {
            const Trigger& t = triggers->triggers[i];
            if (!t.tgisinternal && !t.tgisclone)
                out = lappend(out, pstrdup(t.tgname));
        }
        relation_close(rel, NoLock);
        return out;
    });
    ListCell* cell;
    foreach (cell, names)
        d.triggers.emplace_back(static_cast<const char*>(lfirst(cell)));
    return d;
}

std::string relation_name_of(Oid relid) {
    char* name = pg_guard([&]() {
        AcceptInvalidationMessages();
        return get_rel_name(relid);
    });
    return name ? name : "";
}

}  // namespace backfill::pg
