#include "pg/time_dependence.hpp"

#include "pg/pg_error.hpp"
#include "pg/session_context.hpp"
#include "pg/transactions.hpp"

extern "C" {
#include "nodes/nodeFuncs.h"
#include "utils/fmgroids.h"
}

namespace backfill::pg {

namespace {

// The calls looked for, one bit each.
enum TimeCall : unsigned {
    kNow = 1u << 0,
    kTransactionTimestamp = 1u << 1,
    kStatementTimestamp = 1u << 2,
    kCurrentDate = 1u << 3,
    kCurrentTime = 1u << 4,
    kCurrentTimestamp = 1u << 5,
    kLocalTime = 1u << 6,
    kLocalTimestamp = 1u << 7,
};

const struct {
    unsigned bit;
    const char* name;
} kCallNames[] = {{kNow, "now()"},
                  {kTransactionTimestamp, "transaction_timestamp()"},
                  {kStatementTimestamp, "statement_timestamp()"},
                  {kCurrentDate, "CURRENT_DATE"},
                  {kCurrentTime, "CURRENT_TIME"},
                  {kCurrentTimestamp, "CURRENT_TIMESTAMP"},
                  {kLocalTime, "LOCALTIME"},
                  {kLocalTimestamp, "LOCALTIMESTAMP"}};

// The bit of an SQL value function that reads the transaction's time.
unsigned sql_value_bit(SQLValueFunctionOp op) {
    switch (op) {
        case SVFOP_CURRENT_DATE:
            return kCurrentDate;
        case SVFOP_CURRENT_TIME:
        case SVFOP_CURRENT_TIME_N:
            return kCurrentTime;
        case SVFOP_CURRENT_TIMESTAMP:
        case SVFOP_CURRENT_TIMESTAMP_N:
            return kCurrentTimestamp;
        case SVFOP_LOCALTIME:
        case SVFOP_LOCALTIME_N:
            return kLocalTime;
        case SVFOP_LOCALTIMESTAMP:
        case SVFOP_LOCALTIMESTAMP_N:
            return kLocalTimestamp;
        default:
            return 0;
    }
}

bool find_time_calls(Node* node, void* context);

// find_time_calls as PostgreSQL 15's walkers take it (a function of
// unspecified arguments), through void (*)() as GCC asks for such casts.
bool (*walker())() {
    return reinterpret_cast<bool (*)()>(reinterpret_cast<void (*)()>(find_time_calls));
}

// Walks expressions and (sub)queries, setting the bits of what it meets.
bool find_time_calls(Node* node, void* context) {
    if (node == nullptr)
        return false;
    auto* found = static_cast<unsigned*>(context);
    if (IsA(node, FuncExpr)) {
        Oid f = castNode(FuncExpr, node)->funcid;
        *found |= f == F_NOW                     ? kNow
                  : f == F_TRANSACTION_TIMESTAMP ? kTransactionTimestamp
                  : f == F_STATEMENT_TIMESTAMP   ? kStatementTimestamp
                                                 : 0u;
    } else if (IsA(node, SQLValueFunction)) {
        *found |= sql_value_bit(castNode(SQLValueFunction, node)->op);
    } else if (IsA(node, Query)) {
        return query_tree_walker(castNode(Query, node), walker(), context, 0);
    }
    return expression_tree_walker(node, walker(), context);
}

}  // namespace

std::vector<std::string> transaction_time_calls(const Job& job) {
    unsigned found = 0;
    try {
        // rolled back: the locks the parser took on the tables go too
        in_rolled_back_subtransaction([&]() {
            OwnerBox box(job.owner, job.search_path);
            pg_guard([&]() {
                Oid types[2] = {job.key_type, job.key_type};
                SPIPlanPtr plan = SPI_prepare(job.source.c_str(), 2, types);
                if (plan == nullptr)
                    return;
                ListCell* lc;
                foreach (lc, SPI_plan_get_plan_sources(plan)) {
                    auto* source = static_cast<CachedPlanSource*>(lfirst(lc));
                    ListCell* q;
                    foreach (q, source->query_list)
                        find_time_calls(static_cast<Node*>(lfirst(q)), &found);
                }
                SPI_freeplan(plan);
            });
        });
    } catch (const PgError& e) {
        if (is_user_cancel(e))
            throw;
    }
    std::vector<std::string> names;
    for (const auto& c : kCallNames)
        if (found & c.bit)
            names.push_back(c.name);
    return names;
}

}  // namespace backfill::pg
