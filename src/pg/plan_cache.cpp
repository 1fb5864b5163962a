#include "pg/plan_cache.hpp"

#include <unordered_map>

#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

namespace {

// A session prepares a few dozen distinct statements; statements whose text
// embeds a table name could add more, so the cache starts over at this size.
constexpr std::size_t kMaxPlans = 512;

// Plans by statement text and parameter count.
std::unordered_map<std::string, SPIPlanPtr>& plans() {
    static std::unordered_map<std::string, SPIPlanPtr> cache;
    return cache;
}

// The cache key: the count first, so that one text with another count
// (never the case in backfill's code) would not share a plan.
std::string key_of(const std::string& sql, int nparams) {
    return std::to_string(nparams) + ":" + sql;
}

// Frees every kept plan: the cache is full.
void forget_all() {
    for (auto& entry : plans()) {
        SPIPlanPtr plan = entry.second;
        pg_guard([&]() { SPI_freeplan(plan); });
    }
    plans().clear();
}

}  // namespace

SPIPlanPtr own_statement_plan(const std::string& sql, int nparams) {
    std::string key = key_of(sql, nparams);
    auto found = plans().find(key);
    if (found != plans().end())
        return found->second;
    if (plans().size() >= kMaxPlans)
        forget_all();
    SPIPlanPtr plan = pg_guard([&]() {
        Oid* types = static_cast<Oid*>(palloc(sizeof(Oid) * nparams));
        for (int i = 0; i < nparams; i++)
            types[i] = TEXTOID;
        SPIPlanPtr prepared =
            SPI_prepare_cursor(sql.c_str(), nparams, types, CURSOR_OPT_GENERIC_PLAN);
        if (prepared == nullptr)
            elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
        if (SPI_keepplan(prepared) != 0)
            elog(ERROR, "SPI_keepplan failed");
        return prepared;
    });
    plans().emplace(std::move(key), plan);
    return plan;
}

}  // namespace backfill::pg
