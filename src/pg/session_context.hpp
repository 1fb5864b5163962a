// Who and where the extension's SQL runs as: the extension owner for the
// control tables, a fixed search_path for our own statements, the job's
// search_path for the user's source.
#pragma once

#include <string>

#include "pg/pg_headers.hpp"

namespace backfill::pg {

// While alive, SQL runs as the given role (SET ROLE is refused meanwhile).
// Restores the previous user on exit.
class AsRole {
public:
    explicit AsRole(Oid role);
    ~AsRole();
    AsRole(const AsRole&) = delete;
    AsRole& operator=(const AsRole&) = delete;

private:
    Oid saved_user_;
    int saved_context_;
};

// The owner of the backfill schema, who owns the control tables.
Oid extension_owner();

// While alive, SQL runs as the extension owner, so the control tables need
// no grants to ordinary roles.
class AsExtensionOwner : public AsRole {
public:
    AsExtensionOwner() : AsRole(extension_owner()) {}
};

// While alive, search_path is the given value (a new GUC nest level);
// restored on exit.
class ScopedSearchPath {
public:
    explicit ScopedSearchPath(const std::string& path);
    ~ScopedSearchPath();
    ScopedSearchPath(const ScopedSearchPath&) = delete;
    ScopedSearchPath& operator=(const ScopedSearchPath&) = delete;

private:
    int level_;
};

inline constexpr const char* kSafeSearchPath = "pg_catalog, pg_temp";

// Sets search_path for the rest of the current transaction (SET LOCAL).
void set_local_search_path(const std::string& path);

// Sets lock_timeout for the rest of the current (sub)transaction.
void set_local_lock_timeout_ms(long ms);

Oid current_role();
bool current_role_is_superuser();
std::string role_name(Oid role);

}  // namespace backfill::pg
