#include "core/placeholders.hpp"

namespace backfill {

// One pass from left to right, so that a value containing a placeholder's
// text is never expanded in turn.
std::string expand_placeholders(const std::string& text,
                                const std::vector<std::pair<std::string, std::string>>& values) {
    std::string out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        bool replaced = false;
        for (const auto& [name, value] : values) {
            if (text.compare(pos, name.size(), name) == 0) {
                out += value;
                pos += name.size();
                replaced = true;
                break;
            }
        }
        if (!replaced) {
            out += text[pos++];
        }
    }
    return out;
}

}  // namespace backfill
