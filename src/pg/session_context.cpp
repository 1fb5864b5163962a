#include "pg/session_context.hpp"

#include "pg/pg_error.hpp"

namespace backfill::pg {

// The owner of the backfill schema: the role the control tables belong to.
Oid extension_owner() {
    return pg_guard([]() {
        Oid nsp = get_namespace_oid("backfill", false);
        HeapTuple tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nsp));
        if (!HeapTupleIsValid(tup))
            elog(ERROR, "schema backfill not found");
        Oid owner = ((Form_pg_namespace)GETSTRUCT(tup))->nspowner;
        ReleaseSysCache(tup);
        return owner;
    });
}

AsRole::AsRole(Oid role) {
    GetUserIdAndSecContext(&saved_user_, &saved_context_);
    SetUserIdAndSecContext(role, saved_context_ | SECURITY_LOCAL_USERID_CHANGE);
}

AsRole::~AsRole() { SetUserIdAndSecContext(saved_user_, saved_context_); }

ScopedSearchPath::ScopedSearchPath(const std::string& path) {
    level_ = pg_guard([&]() {
        int level = NewGUCNestLevel();
        set_config_option("search_path", path.c_str(), PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                          true, 0, false);
        return level;
    });
}

ScopedSearchPath::~ScopedSearchPath() { AtEOXact_GUC(true, level_); }

void set_local_search_path(const std::string& path) {
    pg_guard([&]() {
        set_config_option("search_path", path.c_str(), PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL,
                          true, 0, false);
    });
}

void set_local_lock_timeout_ms(long ms) {
    std::string value = std::to_string(ms);
    pg_guard([&]() {
        set_config_option("lock_timeout", value.c_str(), PGC_USERSET, PGC_S_SESSION,
                          GUC_ACTION_LOCAL, true, 0, false);
    });
}

Oid current_role() { return GetUserId(); }

bool current_role_is_superuser() { return superuser(); }

std::string role_name(Oid role) {
    return pg_guard([&]() { return GetUserNameFromId(role, false); });
}

}  // namespace backfill::pg
