// Who and where SQL runs. Three boxes, and nothing runs outside them:
//  - the extension's own statements (control tables, catalog reads): every
//    SPI statement runs in a GUC nest level of its own with the search_path
//    of the innermost box, pg_catalog, pg_temp by default (see spi.cpp);
//  - the control tables are written as the extension owner (ExtensionOwner);
//  - everything a job owner wrote (source, throttle_query, validate rules)
//    and every DDL on the owner's tables runs in an OwnerBox: as the job's
//    owner, SECURITY_RESTRICTED_OPERATION, in a GUC nest level that is
//    discarded afterwards, so nothing it sets survives it.
#pragma once

#include <string>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

inline constexpr const char* kSafeSearchPath = "pg_catalog, pg_temp";

// While alive, every GUC change (SET or SET LOCAL, by us or by code we
// call) is undone when it ends. Must not span a commit (commit_step checks).
class GucScope {
public:
    GucScope();
    ~GucScope();
    GucScope(const GucScope&) = delete;
    GucScope& operator=(const GucScope&) = delete;

    // Sets a GUC inside this scope only.
    void set(const char* name, const std::string& value);

private:
    int level_;
};

// How many GucScopes are open: commit_step refuses to commit inside one.
int open_guc_scopes();

// While alive, the current user is role with extra security flags; the
// previous user and flags come back on exit.
class RoleSwitch {
public:
    RoleSwitch(Oid role, int flags);
    ~RoleSwitch();
    RoleSwitch(const RoleSwitch&) = delete;
    RoleSwitch& operator=(const RoleSwitch&) = delete;

private:
    Oid saved_user_;
    int saved_context_;
};

// Marks an OwnerBox that runs backfill's own SQL (DDL, checks, diffs) on
// the owner's tables, with the safe search_path: its statements get the
// canonical formats and kept plans, as outside any box.
struct OurSql {};
inline constexpr OurSql kOurSql{};

// The box for a job owner's SQL and for DDL on the owner's tables: runs as
// owner, restricted (no SET ROLE, no temporary objects, no cursors left
// behind), with search_path, all GUC changes discarded at the end. Built
// with a search_path, it runs the owner's SQL (whatever that path is: one
// equal to the safe path is still the owner's); built with kOurSql, ours.
class OwnerBox {
public:
    OwnerBox(Oid owner, const std::string& search_path);
    OwnerBox(Oid owner, OurSql);
    ~OwnerBox();
    OwnerBox(const OwnerBox&) = delete;
    OwnerBox& operator=(const OwnerBox&) = delete;

private:
    OwnerBox(Oid owner, const std::string& search_path, bool owners_sql);

    RoleSwitch role_;
    GucScope gucs_;
    const std::string* outer_path_;
    bool outer_owners_sql_;
    std::string path_;
};

// The search_path SPI statements run with now: the innermost OwnerBox's,
// or pg_catalog, pg_temp outside any.
const char* statement_search_path();

// Whether the innermost box runs a job owner's SQL (the statements then
// keep the session's formats and are never kept planned).
bool running_owners_sql();

// The owner of the backfill schema, who owns the control tables.
Oid extension_owner();

// While alive, SQL runs as the extension owner, so the control tables need
// no grants to ordinary roles. Runs only our own statements: even inside an
// OwnerBox, they get pg_catalog, pg_temp, never the box's search_path.
class AsExtensionOwner {
public:
    AsExtensionOwner();
    ~AsExtensionOwner();
    AsExtensionOwner(const AsExtensionOwner&) = delete;
    AsExtensionOwner& operator=(const AsExtensionOwner&) = delete;

private:
    RoleSwitch role_;
    const std::string* outer_path_;
    bool outer_owners_sql_;
};

// Sets lock_timeout for the rest of the current (sub)transaction.
void set_local_lock_timeout_ms(long ms);

// The caller's search_path as the session has it now.
std::string session_search_path();

Oid current_role();
bool current_role_is_superuser();
std::string role_name(Oid role);

}  // namespace backfill::pg
