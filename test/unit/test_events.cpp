#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/events.hpp"
#include "source_tree.hpp"

namespace backfill {
namespace {

// The words the log has always used, spot-checked.
TEST(Events, Words) {
    EXPECT_EQ(to_string(Event::Created), "created");
    EXPECT_EQ(to_string(Event::ChunkPublished), "chunk_published");
    EXPECT_EQ(to_string(Event::BuildAborted), "build_aborted");
    EXPECT_EQ(to_string(Event::SnapshotWaitTimeout), "snapshot_wait_timeout");
    EXPECT_EQ(to_string(Event::Retry), "retry");
    EXPECT_EQ(to_string(Event::SkippedAboveWatermark), "skipped_above_watermark");
    EXPECT_EQ(to_string(Event::AwaitingApproval), "awaiting_approval");
    EXPECT_EQ(to_string(Event::HookFailed), "hook_failed");
    EXPECT_EQ(to_string(Event::Rehearsed), "rehearsed");
    EXPECT_EQ(all_events().size(), 32u);
}

// No two events share a word: the launcher and users tell them apart by it.
TEST(Events, WordsAreDistinct) {
    std::set<std::string> words;
    for (Event e : all_events()) {
        EXPECT_TRUE(words.insert(to_string(e)).second) << to_string(e);
    }
}

// The backticked words of the README's backfill.log bullet after "events".
std::set<std::string> readme_events() {
    const std::string readme = read_tree_file("README.md");
    const std::size_t bullet = readme.find("- `backfill.log`:");
    if (bullet == std::string::npos) {
        return {};
    }
    const std::size_t end = readme.find("\n- ", bullet + 1);
    const std::string text = readme.substr(bullet, end - bullet);
    std::set<std::string> words;
    std::size_t at = text.find("events");
    while (at != std::string::npos) {
        const std::size_t open = text.find('`', at);
        if (open == std::string::npos) {
            break;
        }
        const std::size_t close = text.find('`', open + 1);
        words.insert(text.substr(open + 1, close - open - 1));
        at = close + 1;
    }
    return words;
}

// The README documents exactly the events the extension writes.
TEST(Events, ReadmeListsEveryEvent) {
    std::set<std::string> documented = readme_events();
    ASSERT_FALSE(documented.empty()) << "README.md has no backfill.log event list";
    std::set<std::string> written;
    for (Event e : all_events()) {
        written.insert(to_string(e));
        EXPECT_EQ(documented.count(to_string(e)), 1u)
            << "README.md does not list event " << to_string(e);
    }
    for (const std::string& word : documented) {
        EXPECT_EQ(written.count(word), 1u) << "README.md lists unknown event " << word;
    }
}

}  // namespace
}  // namespace backfill
