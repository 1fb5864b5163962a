// throttle.hpp is included before anything else on purpose: it must work
// on its own (it includes options.hpp, which no longer includes it back).
#include "core/throttle.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/time_window.hpp"
#include "expect_error.hpp"
#include "fake_durations.hpp"

namespace backfill {
namespace {

const char* const kWindowHint =
    "Give windows as \"HH:MM-HH:MM\", several separated by commas, e.g. \"22:00-06:00\".";

// Minutes since midnight from a clock time, to keep the tests readable.
constexpr int at(int hour, int minute) { return hour * 60 + minute; }

// The options with only the window option set.
JobOptions with_window(const std::string& text) {
    JobOptions o;
    o.windows = parse_windows(text);
    return o;
}

// Signals of a quiet server at noon: nothing holds a job on them.
ServerSignals quiet() {
    ServerSignals s;
    s.minute_of_day = at(12, 0);
    return s;
}

// The reason decide() gives, or "" when it lets the job go on.
std::string held_by(const JobOptions& o, const ServerSignals& s) {
    ThrottleDecision d = decide(o, s);
    EXPECT_EQ(d.hold, !d.reason.empty());
    return d.reason;
}

// The message of a window that parse_windows must refuse.
std::string window_error(const std::string& text) {
    UserError e = expect_user_error([&] { parse_windows(text); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    return e.what();
}

// One window, with spaces, hours of one digit and an end at midnight.
TEST(ParseWindows, Forms) {
    std::vector<TimeWindow> w = parse_windows("22:00-06:00");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].start_minute, at(22, 0));
    EXPECT_EQ(w[0].end_minute, at(6, 0));

    w = parse_windows("  22:00-06:00 , 12:00 - 13:30,9:05-9:06");
    ASSERT_EQ(w.size(), 3u);
    EXPECT_EQ(w[1].start_minute, at(12, 0));
    EXPECT_EQ(w[1].end_minute, at(13, 30));
    EXPECT_EQ(w[2].start_minute, at(9, 5));
    EXPECT_EQ(w[2].end_minute, at(9, 6));

    w = parse_windows("00:00-24:00");
    ASSERT_EQ(w.size(), 1u);
    EXPECT_EQ(w[0].start_minute, 0);
    EXPECT_EQ(w[0].end_minute, 1440);
    EXPECT_EQ(format_window(w[0]), "00:00-24:00");

    w = parse_windows("23:59-00:00");
    EXPECT_EQ(w[0].start_minute, at(23, 59));
    EXPECT_EQ(w[0].end_minute, 0);
}

// Bad windows name the part at fault, with the same hint.
TEST(ParseWindows, Errors) {
    UserError e = expect_user_error([] { parse_windows("25:00-06:00"); });
    EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(e.what(), "option \"window\" has an invalid window \"25:00-06:00\"");
    EXPECT_EQ(e.hint(), kWindowHint);

    EXPECT_EQ(window_error("22:00-06:60"),
              "option \"window\" has an invalid window \"22:00-06:60\"");
    EXPECT_EQ(window_error("24:00-06:00"),
              "option \"window\" has an invalid window \"24:00-06:00\"");
    EXPECT_EQ(window_error("22:00-24:01"),
              "option \"window\" has an invalid window \"22:00-24:01\"");
    EXPECT_EQ(window_error("22:00-6"), "option \"window\" has an invalid window \"22:00-6\"");
    EXPECT_EQ(window_error("22:0-06:00"), "option \"window\" has an invalid window \"22:0-06:00\"");
    EXPECT_EQ(window_error("022:00-06:00"),
              "option \"window\" has an invalid window \"022:00-06:00\"");
    EXPECT_EQ(window_error("22:00"), "option \"window\" has an invalid window \"22:00\"");
    EXPECT_EQ(window_error("-1:00-06:00"),
              "option \"window\" has an invalid window \"-1:00-06:00\"");
    EXPECT_EQ(window_error("22:00-06:00-07:00"),
              "option \"window\" has an invalid window \"22:00-06:00-07:00\"");
    EXPECT_EQ(window_error("a2:00-06:00"),
              "option \"window\" has an invalid window \"a2:00-06:00\"");
    EXPECT_EQ(window_error(""), "option \"window\" has an invalid window \"\"");
    EXPECT_EQ(window_error("22:00-06:00,"), "option \"window\" has an invalid window \"\"");
    EXPECT_EQ(window_error("22:00-06:00,, 01:00-02:00"),
              "option \"window\" has an invalid window \"\"");
    EXPECT_EQ(window_error("12:00-13:00, 25:00-06:00"),
              "option \"window\" has an invalid window \"25:00-06:00\"");

    UserError same = expect_user_error([] { parse_windows("06:00-06:00"); });
    EXPECT_STREQ(same.what(), "option \"window\" has an invalid window \"06:00-06:00\"");
    EXPECT_EQ(same.hint(),
              "A window must not start and end at the same time; for any time of day use null "
              "or \"00:00-24:00\".");
}

// A window across midnight: in from its start to just before its end.
TEST(InWindow, AcrossMidnight) {
    const std::vector<TimeWindow> w = parse_windows("22:00-06:00");
    EXPECT_FALSE(in_window(w, at(21, 59)));
    EXPECT_TRUE(in_window(w, at(22, 0)));
    EXPECT_TRUE(in_window(w, at(23, 59)));
    EXPECT_TRUE(in_window(w, at(0, 0)));
    EXPECT_TRUE(in_window(w, at(5, 59)));
    EXPECT_FALSE(in_window(w, at(6, 0)));
    EXPECT_FALSE(in_window(w, at(14, 5)));
}

// A window within the day, and one that ends at midnight.
TEST(InWindow, WithinDayAndMidnightEnd) {
    const std::vector<TimeWindow> day = parse_windows("09:00-17:00");
    EXPECT_FALSE(in_window(day, at(8, 59)));
    EXPECT_TRUE(in_window(day, at(9, 0)));
    EXPECT_TRUE(in_window(day, at(16, 59)));
    EXPECT_FALSE(in_window(day, at(17, 0)));

    const std::vector<TimeWindow> late = parse_windows("22:00-24:00");
    EXPECT_FALSE(in_window(late, at(21, 59)));
    EXPECT_TRUE(in_window(late, at(22, 0)));
    EXPECT_TRUE(in_window(late, at(23, 59)));
    EXPECT_FALSE(in_window(late, at(0, 0)));

    const std::vector<TimeWindow> all = parse_windows("00:00-24:00");
    EXPECT_TRUE(in_window(all, at(0, 0)));
    EXPECT_TRUE(in_window(all, at(23, 59)));

    const std::vector<TimeWindow> to_midnight = parse_windows("23:59-00:00");
    EXPECT_TRUE(in_window(to_midnight, at(23, 59)));
    EXPECT_FALSE(in_window(to_midnight, at(0, 0)));
    EXPECT_FALSE(in_window(to_midnight, at(23, 58)));
}

// Several windows: in any one of them is enough; no windows is in none.
TEST(InWindow, Several) {
    const std::vector<TimeWindow> w = parse_windows("22:00-06:00, 12:00-13:30");
    EXPECT_TRUE(in_window(w, at(23, 0)));
    EXPECT_TRUE(in_window(w, at(12, 0)));
    EXPECT_TRUE(in_window(w, at(13, 29)));
    EXPECT_FALSE(in_window(w, at(13, 30)));
    EXPECT_FALSE(in_window(w, at(6, 0)));
    EXPECT_FALSE(in_window({}, at(12, 0)));
}

// No throttle options: nothing holds, however busy the server.
TEST(Decide, NoOptionsNeverHolds) {
    ServerSignals s;
    s.active_backends = 1000;
    s.replication_lag_s = 1e6;
    s.replication_lag_bytes = std::numeric_limits<std::int64_t>::max();
    s.job_wal_rate = 1e12;
    s.throttle_query = true;
    s.throttle_query_error = "boom";
    s.minute_of_day = at(3, 0);
    ThrottleDecision d = decide(JobOptions{}, s);
    EXPECT_FALSE(d.hold);
    EXPECT_EQ(d.reason, "");
}

// The window holds outside and releases inside, naming every window.
TEST(Decide, Window) {
    JobOptions o = with_window("22:00-06:00");
    ServerSignals s = quiet();
    s.minute_of_day = at(14, 5);
    EXPECT_EQ(held_by(o, s), "outside window 22:00-06:00 (now 14:05)");
    s.minute_of_day = at(6, 0);
    EXPECT_EQ(held_by(o, s), "outside window 22:00-06:00 (now 06:00)");
    s.minute_of_day = at(5, 59);
    EXPECT_EQ(held_by(o, s), "");
    s.minute_of_day = at(23, 59);
    EXPECT_EQ(held_by(o, s), "");
    s.minute_of_day = at(0, 0);
    EXPECT_EQ(held_by(o, s), "");

    JobOptions several = with_window("22:00-06:00,12:00-13:30, 18:00-24:00");
    s.minute_of_day = at(9, 0);
    EXPECT_EQ(held_by(several, s),
              "outside window 22:00-06:00, 12:00-13:30, 18:00-24:00 (now 09:00)");
    s.minute_of_day = at(12, 30);
    EXPECT_EQ(held_by(several, s), "");
}

// active_backends holds only above the limit; 0 allows no other backend.
TEST(Decide, ActiveBackends) {
    JobOptions o;
    o.max_active_backends = 8;
    ServerSignals s = quiet();
    s.active_backends = 14;
    EXPECT_EQ(held_by(o, s), "active_backends 14 > 8");
    s.active_backends = 8;
    EXPECT_EQ(held_by(o, s), "");

    o.max_active_backends = 0;
    s.active_backends = 1;
    EXPECT_EQ(held_by(o, s), "active_backends 1 > 0");
    s.active_backends = 0;
    EXPECT_EQ(held_by(o, s), "");
}

// replication_lag: seconds shown with one decimal at most; an unknown
// (NULL) lag never holds.
TEST(Decide, ReplicationLag) {
    JobOptions o;
    o.max_replication_lag_us = 5000000;
    ServerSignals s = quiet();
    s.replication_lag_s = 12.5;
    EXPECT_EQ(held_by(o, s), "replication_lag 12.5s > 5s");
    s.replication_lag_s = 6.0;
    EXPECT_EQ(held_by(o, s), "replication_lag 6s > 5s");
    s.replication_lag_s = 5.04;
    EXPECT_EQ(held_by(o, s), "replication_lag 5s > 5s");
    s.replication_lag_s = 5.0;
    EXPECT_EQ(held_by(o, s), "");
    s.replication_lag_s = 0.0;
    EXPECT_EQ(held_by(o, s), "");
    s.replication_lag_s.reset();
    EXPECT_EQ(held_by(o, s), "");

    o.max_replication_lag_us = 1500000;
    s.replication_lag_s = 90.26;
    EXPECT_EQ(held_by(o, s), "replication_lag 90.3s > 1s 500ms");
}

// replication_lag_bytes holds above its limit; unknown never holds.
TEST(Decide, ReplicationLagBytes) {
    JobOptions o;
    o.max_replication_lag_bytes = 1000000;
    ServerSignals s = quiet();
    s.replication_lag_bytes = 2000000;
    EXPECT_EQ(held_by(o, s), "replication_lag_bytes 2000000 > 1000000");
    s.replication_lag_bytes = 1000000;
    EXPECT_EQ(held_by(o, s), "");
    s.replication_lag_bytes.reset();
    EXPECT_EQ(held_by(o, s), "");
}

// wal_rate holds above its limit, the rate shown as a whole number.
TEST(Decide, WalRate) {
    JobOptions o;
    o.max_wal_rate = 5000000;
    ServerSignals s = quiet();
    s.job_wal_rate = 9000000.0;
    EXPECT_EQ(held_by(o, s), "wal_rate 9000000 B/s > 5000000 B/s");
    s.job_wal_rate = 5000123.6;
    EXPECT_EQ(held_by(o, s), "wal_rate 5000124 B/s > 5000000 B/s");
    s.job_wal_rate = 5000000.0;
    EXPECT_EQ(held_by(o, s), "");
    s.job_wal_rate.reset();
    EXPECT_EQ(held_by(o, s), "");
}

// throttle_query holds while it returns true, and while it fails.
TEST(Decide, ThrottleQuery) {
    JobOptions o;
    o.throttle_query = "SELECT busy()";
    ServerSignals s = quiet();
    s.throttle_query = true;
    EXPECT_EQ(held_by(o, s), "throttle_query returned true");
    s.throttle_query = false;
    EXPECT_EQ(held_by(o, s), "");
    s.throttle_query.reset();
    EXPECT_EQ(held_by(o, s), "");
    s.throttle_query_error = "function busy() does not exist";
    EXPECT_EQ(held_by(o, s), "throttle_query failed: function busy() does not exist");
    s.throttle_query = false;
    EXPECT_EQ(held_by(o, s), "throttle_query failed: function busy() does not exist");
    s.throttle_query_error.clear();
    EXPECT_EQ(held_by(o, s), "");
}

// With every signal holding, the first in order is named; as each is
// released, the next one is.
TEST(Decide, FirstHoldingSignalIsNamed) {
    JobOptions o = with_window("22:00-06:00");
    o.max_active_backends = 8;
    o.max_replication_lag_us = 5000000;
    o.max_replication_lag_bytes = 1000000;
    o.max_wal_rate = 5000000;
    o.throttle_query = "SELECT true";

    ServerSignals s;
    s.minute_of_day = at(14, 5);
    s.active_backends = 14;
    s.replication_lag_s = 12.5;
    s.replication_lag_bytes = 2000000;
    s.job_wal_rate = 9000000.0;
    s.throttle_query = true;

    EXPECT_EQ(held_by(o, s), "outside window 22:00-06:00 (now 14:05)");
    s.minute_of_day = at(23, 0);
    EXPECT_EQ(held_by(o, s), "active_backends 14 > 8");
    s.active_backends = 2;
    EXPECT_EQ(held_by(o, s), "replication_lag 12.5s > 5s");
    s.replication_lag_s.reset();
    EXPECT_EQ(held_by(o, s), "replication_lag_bytes 2000000 > 1000000");
    s.replication_lag_bytes = 10;
    EXPECT_EQ(held_by(o, s), "wal_rate 9000000 B/s > 5000000 B/s");
    s.job_wal_rate = 100.0;
    EXPECT_EQ(held_by(o, s), "throttle_query returned true");
    s.throttle_query = false;
    EXPECT_EQ(held_by(o, s), "");
}

// Two signals holding at once, in pairs out of the middle of the order.
TEST(Decide, PairsNameTheEarlier) {
    JobOptions o;
    o.max_replication_lag_bytes = 100;
    o.max_wal_rate = 100;
    o.throttle_query = "SELECT 1 = 1";
    ServerSignals s = quiet();
    s.replication_lag_bytes = 101;
    s.job_wal_rate = 101.0;
    s.throttle_query_error = "boom";
    EXPECT_EQ(held_by(o, s), "replication_lag_bytes 101 > 100");
    s.replication_lag_bytes = 100;
    EXPECT_EQ(held_by(o, s), "wal_rate 101 B/s > 100 B/s");
    s.job_wal_rate = 99.0;
    EXPECT_EQ(held_by(o, s), "throttle_query failed: boom");
}

// The options parser and decide() agree on windows.
TEST(Decide, FromParsedOptions) {
    JobOptions o =
        parse_options(R"j({"window": ["22:00-06:00", "12:00-13:30"], "max_active_backends": 0})j",
                      fake_interval_us);
    ServerSignals s = quiet();
    s.minute_of_day = at(14, 5);
    EXPECT_EQ(held_by(o, s), "outside window 22:00-06:00, 12:00-13:30 (now 14:05)");
    s.minute_of_day = at(12, 0);
    s.active_backends = 3;
    EXPECT_EQ(held_by(o, s), "active_backends 3 > 0");
}

// nice_ratio scales the chunk's own time; sleep is a floor under it.
TEST(PauseAfterChunk, NiceRatioAndSleep) {
    JobOptions o;
    EXPECT_EQ(pause_after_chunk_us(o, 2000000), 0);

    o.nice_ratio = 0.5;
    EXPECT_EQ(pause_after_chunk_us(o, 2000000), 1000000);
    o.nice_ratio = 2;
    EXPECT_EQ(pause_after_chunk_us(o, 1500000), 3000000);
    o.nice_ratio = 0.1;
    EXPECT_EQ(pause_after_chunk_us(o, 3), 0);
    EXPECT_EQ(pause_after_chunk_us(o, 5), 1);  // rounded to the nearest microsecond

    o.nice_ratio = 0.5;
    o.sleep_us = 3000000;
    EXPECT_EQ(pause_after_chunk_us(o, 2000000), 3000000);  // sleep is longer
    o.sleep_us = 500000;
    EXPECT_EQ(pause_after_chunk_us(o, 2000000), 1000000);  // nice_ratio is longer

    o.nice_ratio = 0;
    EXPECT_EQ(pause_after_chunk_us(o, 2000000), 500000);
}

// A chunk time that went backwards or a huge product stays sane.
TEST(PauseAfterChunk, Limits) {
    JobOptions o;
    o.nice_ratio = 1;
    o.sleep_us = 7;
    EXPECT_EQ(pause_after_chunk_us(o, -5000), 7);
    o.nice_ratio = 100;
    EXPECT_EQ(pause_after_chunk_us(o, std::numeric_limits<std::int64_t>::max()),
              std::numeric_limits<std::int64_t>::max());
}

}  // namespace
}  // namespace backfill
