#include "pg/interval_reader.hpp"

#include "core/duration.hpp"
#include "pg/pg_error.hpp"
#include "pg/pg_headers.hpp"

namespace backfill::pg {

// interval_in's refusal (a data exception) is an ordinary ERROR with nothing
// to clean up; it becomes "not a duration", which the core reports with the
// option's path. Any other error goes on.
std::optional<std::int64_t> read_interval_us(const std::string& text) {
    Interval interval{};
    try {
        interval = pg_guard([&]() {
            Datum d = DirectFunctionCall3(interval_in, CStringGetDatum(text.c_str()),
                                          ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
            return *DatumGetIntervalP(d);
        });
    } catch (const PgError& e) {
        if (ERRCODE_TO_CATEGORY(e.sqlerrcode) != ERRCODE_DATA_EXCEPTION)
            throw;
        return std::nullopt;
    }
    return interval_duration_us(interval.month, interval.day, interval.time);
}

}  // namespace backfill::pg
