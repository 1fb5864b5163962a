// The events of backfill.event (the backfill.log view): every name the
// extension writes, typed, so that no caller spells one by hand.
#pragma once

#include <string>
#include <vector>

namespace backfill {

enum class Event {
    Created,
    Run,
    ChunkBuilt,
    ChunkPublished,
    ChunkRetry,
    ChunkFailed,
    Paused,
    Resumed,
    Cancelled,
    JobCompleted,
    JobFailed,
    RolledBack,
    Purged,
    Launched,
    Relaunched,
    WorkerStarted,
    WorkerError,
    ThrottleHold,
    ThrottleRelease,
    ThrottleYield,
    RelaunchStopped,
    OptionsChanged,
    AwaitingPublish,
    Retry,
    PartitionAdded,
    BuildAborted,
    SnapshotWaitTimeout,
    SkippedAboveWatermark,
    AwaitingApproval,
    Approved,
    HookFailed,
    Rehearsed,
};

// The word stored in backfill.event.event ("chunk_built", ...).
std::string to_string(Event event);

// Every event, in declaration order.
const std::vector<Event>& all_events();

}  // namespace backfill
