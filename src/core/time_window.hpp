// Windows of the day a job may work in (the "window" option): reading them,
// writing them back, and whether a minute lies inside.
#pragma once

#include <string>
#include <vector>

namespace backfill {

// A window of the day in minutes since midnight, [start, end); end < start
// crosses midnight ("22:00-06:00"); start == end is refused by the parser.
struct TimeWindow {
    int start_minute;
    int end_minute;
};

// How windows are written: the hint of every window error.
extern const char* const kWindowHint;

// Parses "HH:MM-HH:MM" windows separated by commas (spaces allowed), e.g.
// "22:00-06:00, 12:00-13:30". Throws OptionError naming option "window" and
// the bad part.
std::vector<TimeWindow> parse_windows(const std::string& text);

// One window as "HH:MM-HH:MM" (an end at midnight is "24:00").
std::string format_window(const TimeWindow& window);

// The windows as "22:00-06:00, 12:00-13:30".
std::string format_windows(const std::vector<TimeWindow>& windows);

// A minute of the day (0..1439) as "HH:MM".
std::string format_minute(int minute);

// Whether minute_of_day (0..1439) lies in any of the windows.
bool in_window(const std::vector<TimeWindow>& windows, int minute_of_day);

}  // namespace backfill
