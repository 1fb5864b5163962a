#include "pg/formats.hpp"

#include <array>
#include <string>

#include "pg/pg_error.hpp"

namespace backfill::pg {

namespace {

struct Format {
    const char* name;
    const char* canonical;
};

constexpr std::array<Format, 4> kFormats = {{{"DateStyle", "ISO, YMD"},
                                             {"TimeZone", "UTC"},
                                             {"IntervalStyle", "postgres"},
                                             {"extra_float_digits", "3"}}};

// The session's formats, as they were when the transaction numbered
// transaction (MyProc's local id) took the canonical ones; no transaction
// has them once that one ended (a new local id).
struct SessionFormats {
    LocalTransactionId transaction = InvalidLocalTransactionId;
    std::array<std::string, kFormats.size()> values;
};

SessionFormats session_formats;

// A GUC's value as SHOW prints it (copied: GetConfigOption may return a
// static buffer).
std::string value_of(const char* name) {
    return pg_guard([&]() {
        const char* v = GetConfigOption(name, false, false);
        return std::string(v ? v : "");
    });
}

}  // namespace

bool transaction_has_canonical_formats() {
    return session_formats.transaction != InvalidLocalTransactionId &&
           session_formats.transaction == pg_guard([]() { return MyProc->lxid; });
}

void set_canonical_formats(GucScope& scope) {
    for (const auto& f : kFormats)
        scope.set(f.name, f.canonical);
}

void use_canonical_formats_until_commit() {
    SessionFormats now;
    for (std::size_t i = 0; i < kFormats.size(); i++)
        now.values[i] = value_of(kFormats[i].name);
    pg_guard([&]() {
        for (std::size_t i = 0; i < kFormats.size(); i++)
            if (now.values[i] != kFormats[i].canonical)
                set_config_option(kFormats[i].name, kFormats[i].canonical, PGC_USERSET,
                                  PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0, false);
        now.transaction = MyProc->lxid;
    });
    session_formats = now;
}

void give_back_session_formats(GucScope& scope) {
    if (!transaction_has_canonical_formats())
        return;
    for (std::size_t i = 0; i < kFormats.size(); i++)
        scope.set(kFormats[i].name, session_formats.values[i]);
}

}  // namespace backfill::pg
