#include "events.hpp"

namespace backfill {

namespace {

// The words of the log, indexed by the enum's values; users and the
// launcher's progress query read them.
const char* const kEventWords[] = {"created",
                                   "run",
                                   "chunk_built",
                                   "chunk_published",
                                   "chunk_retry",
                                   "chunk_failed",
                                   "paused",
                                   "resumed",
                                   "cancelled",
                                   "job_completed",
                                   "job_failed",
                                   "rolled_back",
                                   "purged",
                                   "launched",
                                   "relaunched",
                                   "worker_started",
                                   "worker_error",
                                   "throttle_hold",
                                   "throttle_release",
                                   "throttle_yield",
                                   "relaunch_stopped",
                                   "options_changed",
                                   "awaiting_publish",
                                   "retry",
                                   "partition_added",
                                   "build_aborted",
                                   "snapshot_wait_timeout",
                                   "skipped_above_watermark",
                                   "awaiting_approval",
                                   "approved",
                                   "hook_failed",
                                   "rehearsed"};

constexpr int kEventCount = static_cast<int>(Event::Rehearsed) + 1;
static_assert(sizeof kEventWords / sizeof kEventWords[0] == kEventCount, "one word per event");

}  // namespace

// The event column holds these words.
std::string to_string(Event event) { return kEventWords[static_cast<int>(event)]; }

// Lets a test compare the events with what the README documents.
const std::vector<Event>& all_events() {
    static const std::vector<Event> events = [] {
        std::vector<Event> out;
        for (int i = 0; i < kEventCount; ++i) {
            out.push_back(static_cast<Event>(i));
        }
        return out;
    }();
    return events;
}

}  // namespace backfill
