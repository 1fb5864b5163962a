// Shared by the unit tests that read the source tree itself (the README,
// src/pg): its files' text, by path relative to the tree's root.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace backfill {

// The whole text of a file of the tree; empty when it cannot be read.
inline std::string read_tree_file(const std::string& relative) {
    std::ifstream in(std::string(BACKFILL_SOURCE_DIR) + "/" + relative);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace backfill
