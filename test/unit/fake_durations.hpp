// Shared by the unit tests: a stand-in for PostgreSQL's interval input (the
// DurationReader the PostgreSQL layer gives the core), for the forms the
// tests write: "<number> <unit>" parts ("250ms", "1 min 30 s", "2 days")
// and "hh:mm:ss". It returns what interval_duration_us makes of the
// interval, so months and negative totals are refused as in the extension.
#pragma once

#include <cstdint>
#include <optional>
#include <regex>
#include <string>

#include "core/duration.hpp"

namespace backfill {

inline std::optional<std::int64_t> fake_interval_us(const std::string& text) {
    static const std::regex clock(R"(\s*(\d+):(\d\d):(\d\d)\s*)");
    static const std::regex part(R"(\s*([-+]?\d*\.?\d+)\s*([a-zA-Z]*)\s*)");
    std::smatch m;
    if (std::regex_match(text, m, clock)) {
        return interval_duration_us(
            0, 0, ((std::stoll(m[1]) * 60 + std::stoll(m[2])) * 60 + std::stoll(m[3])) * 1000000);
    }
    std::int64_t months = 0, us = 0;
    std::string rest = text;
    bool any = false;
    while (std::regex_search(rest, m, part) && m.position(0) == 0 && m.length(0) > 0) {
        const double n = std::stod(m[1]);
        const std::string u = m[2];
        const double unit = u == "us"                                       ? 1
                            : u == "ms"                                     ? 1e3
                            : u == "" || u == "s" || u.rfind("sec", 0) == 0 ? 1e6
                            : u == "min" || u.rfind("minute", 0) == 0       ? 6e7
                            : u == "h" || u.rfind("hour", 0) == 0           ? 3.6e9
                            : u == "d" || u.rfind("day", 0) == 0            ? 8.64e10
                            : u == "mon"                                    ? -1
                                                                            : 0;
        if (unit == 0) {
            return std::nullopt;
        }
        if (unit < 0) {
            months += static_cast<std::int64_t>(n);
        } else {
            us += static_cast<std::int64_t>(n * unit + (n < 0 ? -0.5 : 0.5));
        }
        rest = m.suffix();
        any = true;
    }
    if (!any || !rest.empty()) {
        return std::nullopt;
    }
    return interval_duration_us(static_cast<std::int32_t>(months), 0, us);
}

}  // namespace backfill
