#include "pg/merge/range_plan.hpp"

#include <string>

#include "core/user_error.hpp"
#include "pg/key_values.hpp"
#include "pg/spi.hpp"

namespace backfill::pg {

namespace {

// More chunks than this is a chunk_size that was meant to be larger.
constexpr int kMaxRangeChunks = 100000;

// SQL fragments for chunk_by's type: how a value and a step are written,
// and the type generate_series steps in.
struct KeySql {
    std::string type;    // chunk_by's type
    std::string step;    // parameter $3 as a step, "$3::interval"
    std::string series;  // the type generate_series works in
};

// The fragments for a supported chunk_by type.
KeySql key_sql(Oid key_type) {
    std::string type =
        *scalar("SELECT pg_catalog.format_type($1::oid, NULL)", {std::to_string(key_type)});
    if (key_type == DATEOID)
        return {type, "$3::interval", "timestamp"};
    if (key_type == TIMESTAMPOID || key_type == TIMESTAMPTZOID)
        return {type, "$3::interval", type};
    if (key_type == NUMERICOID)
        return {type, "$3::numeric", "numeric"};
    return {type, "$3::bigint", "bigint"};
}

// The range's open ends from the table: its min, and its max + 1 step (as
// the owner; text in the caller's settings, read back with them).
std::pair<std::string, std::string> open_ends(const TargetInfo& t, const KeySql& k,
                                              const std::string& step, const RangeLimit& from,
                                              const RangeLimit& to) {
    if (from.given && to.given)
        return {from.value.text, to.value.text};
    std::string column = quote_ident(t.key_column);
    // the step is this query's only parameter
    std::string one_step = k.step;
    one_step.replace(0, 2, "$1");
    auto r = query("SELECT min(" + column + ")::text, ((max(" + column + ")::" + k.series + " + " +
                       one_step + ")::" + k.type + ")::text FROM " + t.qualified,
                   {step});
    if (!r[0][0])
        throw UserError(ErrorKind::InvalidParameter,
                        "table " + t.qualified + " has no rows to take the range's " +
                            (from.given ? "end" : "start") + " from",
                        "Give range_from and range_to.");
    return {from.given ? from.value.text : *r[0][0], to.given ? to.value.text : *r[0][1]};
}

}  // namespace

std::vector<PlannedChunk> plan_ranges(const TargetInfo& t, const JobOptions& options,
                                      const RangeLimit& from, const RangeLimit& to) {
    KeySql k = key_sql(t.key_type);
    const std::string& step = *options.merge.chunk_size;
    auto [low_text, high_text] = open_ends(t, k, step, from, to);
    Bound low = bound_from_text("range_from", low_text, t.key_type);
    Bound high = bound_from_text("range_to", high_text, t.key_type);
    if (compare_bounds(low, high) >= 0)
        throw UserError(ErrorKind::InvalidParameter,
                        "range_from (" + low.text + ") must be below range_to (" + high.text + ")",
                        "The range is [range_from, range_to): its start included, its end not.");
    auto points =
        query("SELECT g::" + k.type + "::text FROM pg_catalog.generate_series($1::" + k.type +
                  "::" + k.series + ", $2::" + k.type + "::" + k.series + ", " + k.step +
                  ") AS g WHERE g::" + k.type + " < $2::" + k.type + " LIMIT " +
                  std::to_string(kMaxRangeChunks + 1),
              {low.text, high.text, step});
    if (points.size() > static_cast<std::size_t>(kMaxRangeChunks))
        throw UserError(ErrorKind::InvalidParameter,
                        "chunk_size " + step + " cuts the range into more than " +
                            std::to_string(kMaxRangeChunks) + " chunks",
                        "Give a larger chunk_size, or a narrower range.");
    auto size = query(
        "SELECT greatest(c.reltuples, 0)::bigint, pg_catalog.pg_total_relation_size(c.oid)"
        " FROM pg_catalog.pg_class c WHERE c.oid = $1::oid",
        {std::to_string(t.oid)});
    double rows = std::stod(*size[0][0]), bytes = std::stod(*size[0][1]);
    double width = std::stod(high.sort_key) - std::stod(low.sort_key);
    std::vector<PlannedChunk> chunks;
    for (std::size_t i = 0; i < points.size(); i++) {
        Bound lower = bound_from_text("range_from", *points[i][0], t.key_type);
        Bound upper = i + 1 < points.size()
                          ? bound_from_text("range_to", *points[i + 1][0], t.key_type)
                          : high;
        double share = (std::stod(upper.sort_key) - std::stod(lower.sort_key)) / width;
        chunks.push_back(PlannedChunk{static_cast<int>(i) + 1, 0, lower.text + " .. " + upper.text,
                                      lower, upper, static_cast<std::int64_t>(rows * share),
                                      static_cast<std::int64_t>(bytes * share)});
    }
    return chunks;
}

}  // namespace backfill::pg
