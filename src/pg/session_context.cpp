#include "pg/session_context.hpp"

#include "pg/formats.hpp"
#include "pg/pg_error.hpp"

namespace backfill::pg {

namespace {

int guc_scopes_open = 0;
const std::string* box_path = nullptr;
bool box_owners_sql = false;

// Sets a GUC at the current nest level, as a SET would.
void set_guc(const char* name, const std::string& value, GucAction action) {
    pg_guard([&]() {
        set_config_option(name, value.c_str(), PGC_USERSET, PGC_S_SESSION, action, true, 0, false);
    });
}

}  // namespace

GucScope::GucScope() {
    level_ = pg_guard([]() { return NewGUCNestLevel(); });
    guc_scopes_open++;
}

GucScope::~GucScope() {
    guc_scopes_open--;
    AtEOXact_GUC(false, level_);
}

// A value already in force is not set again: the scope's nest level undoes
// whatever a statement inside changes all the same, and setting
// search_path, even to its own value, makes the next statement look its
// schemas up again.
void GucScope::set(const char* name, const std::string& value) {
    bool in_force = pg_guard([&]() {
        const char* now = GetConfigOption(name, true, false);
        return now != nullptr && value == now;
    });
    if (!in_force)
        set_guc(name, value, GUC_ACTION_SAVE);
}

int open_guc_scopes() { return guc_scopes_open; }

RoleSwitch::RoleSwitch(Oid role, int flags) {
    GetUserIdAndSecContext(&saved_user_, &saved_context_);
    SetUserIdAndSecContext(role, saved_context_ | flags);
}

RoleSwitch::~RoleSwitch() { SetUserIdAndSecContext(saved_user_, saved_context_); }

OwnerBox::OwnerBox(Oid owner, const std::string& search_path)
    : OwnerBox(owner, search_path, true) {}

OwnerBox::OwnerBox(Oid owner, OurSql) : OwnerBox(owner, kSafeSearchPath, false) {}

OwnerBox::OwnerBox(Oid owner, const std::string& search_path, bool owners_sql)
    : role_(owner, SECURITY_RESTRICTED_OPERATION | SECURITY_LOCAL_USERID_CHANGE),
      outer_path_(box_path),
      outer_owners_sql_(box_owners_sql),
      path_(search_path) {
    gucs_.set("search_path", path_);
    if (owners_sql)
        give_back_session_formats(gucs_);
    box_path = &path_;
    box_owners_sql = owners_sql;
}

OwnerBox::~OwnerBox() {
    box_path = outer_path_;
    box_owners_sql = outer_owners_sql_;
}

const char* statement_search_path() { return box_path ? box_path->c_str() : kSafeSearchPath; }

bool running_owners_sql() { return box_owners_sql; }

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

AsExtensionOwner::AsExtensionOwner()
    : role_(extension_owner(), SECURITY_LOCAL_USERID_CHANGE),
      outer_path_(box_path),
      outer_owners_sql_(box_owners_sql) {
    box_path = nullptr;
    box_owners_sql = false;
}

AsExtensionOwner::~AsExtensionOwner() {
    box_path = outer_path_;
    box_owners_sql = outer_owners_sql_;
}

void set_local_lock_timeout_ms(long ms) {
    set_guc("lock_timeout", std::to_string(ms), GUC_ACTION_LOCAL);
}

std::string session_search_path() {
    return pg_guard([]() { return std::string(namespace_search_path); });
}

Oid current_role() { return GetUserId(); }

bool current_role_is_superuser() { return superuser(); }

std::string role_name(Oid role) {
    return pg_guard([&]() { return GetUserNameFromId(role, false); });
}

}  // namespace backfill::pg
