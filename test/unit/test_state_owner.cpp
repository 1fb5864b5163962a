#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "source_tree.hpp"

namespace backfill {
namespace {

// The files of src/pg whose text contains needle.
std::vector<std::string> pg_files_containing(const std::string& needle) {
    std::vector<std::string> found;
    const std::filesystem::path dir = std::filesystem::path(BACKFILL_SOURCE_DIR) / "src" / "pg";
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
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

}  // namespace
}  // namespace backfill
