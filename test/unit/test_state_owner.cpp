#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/events.hpp"
#include "source_tree.hpp"

namespace backfill {
namespace {

// The files of src/pg and its mode folders (src/pg/swap/...), as paths
// below src/pg, whose text contains needle.
std::vector<std::string> pg_files_containing(const std::string& needle) {
    std::vector<std::string> found;
    const std::filesystem::path dir = std::filesystem::path(BACKFILL_SOURCE_DIR) / "src" / "pg";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        const std::string name = entry.path().lexically_relative(dir).generic_string();
        const std::string ext = entry.path().extension().string();
        if ((ext == ".cpp" || ext == ".hpp") &&
            read_tree_file("src/pg/" + name).find(needle) != std::string::npos) {
            found.push_back(name);
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

// Only the state store writes a job's or a chunk's state: every other file
// of the PostgreSQL layer goes through it, so every change is checked
// against the core's transition table.
TEST(StateOwner, OnlyTheStateStoreSetsStates) {
    EXPECT_EQ(pg_files_containing("SET state"), std::vector<std::string>{"state_store.cpp"});
    // ... nor after another column of the same UPDATE.
    EXPECT_EQ(pg_files_containing(", state ="), std::vector<std::string>{});
}

// Only the state store writes events, so every event is a typed one.
TEST(StateOwner, OnlyTheStateStoreWritesEvents) {
    EXPECT_EQ(pg_files_containing("INTO backfill.event"),
              std::vector<std::string>{"state_store.cpp"});
}

// The event names the SQL of src/pg (and its mode folders) reads (e.event = '...', e.event IN
// (...), across the C++ string literals a statement is split into).
std::set<std::string> events_read_in_sql() {
    const std::regex equals("event = (?:\"\\s*\")?'([a-z_]+)'");
    const std::regex in_list("event IN \\(([^)]*)\\)");
    const std::regex word("'([a-z_]+)'");
    std::set<std::string> names;
    const std::filesystem::path dir = std::filesystem::path(BACKFILL_SOURCE_DIR) / "src" / "pg";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
        if (entry.path().extension() != ".cpp") {
            continue;
        }
        const std::string text =
            read_tree_file("src/pg/" + entry.path().lexically_relative(dir).generic_string());
        for (std::sregex_iterator m(text.begin(), text.end(), equals), end; m != end; ++m) {
            names.insert((*m)[1]);
        }
        for (std::sregex_iterator m(text.begin(), text.end(), in_list), end; m != end; ++m) {
            const std::string list = (*m)[1];
            for (std::sregex_iterator w(list.begin(), list.end(), word); w != end; ++w) {
                names.insert((*w)[1]);
            }
        }
    }
    return names;
}

// Queries that look events up by name (the launcher's progress, overlap
// checks) name only events the extension writes.
TEST(StateOwner, EventsReadAreEventsWritten) {
    std::set<std::string> written;
    for (Event e : all_events()) {
        written.insert(to_string(e));
    }
    const std::set<std::string> read = events_read_in_sql();
    EXPECT_GE(read.size(), 12u);  // relaunched, purged and the launcher's ten progress events
    for (const std::string& name : read) {
        EXPECT_EQ(written.count(name), 1u) << "src/pg reads unknown event " << name;
    }
}

}  // namespace
}  // namespace backfill
