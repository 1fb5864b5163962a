#include "source_check.hpp"

#include <cctype>
#include <cstddef>
#include <string>
#include <vector>

#include "user_error.hpp"

namespace backfill {

namespace {

// "1 column", "3 columns".
std::string columns(std::size_t n) { return std::to_string(n) + (n == 1 ? " column" : " columns"); }

// The target's column names in order, for hints.
std::string column_list(const std::vector<ColumnInfo>& cols) {
    std::string out;
    for (std::size_t i = 0; i < cols.size(); ++i) {
        out += (i == 0 ? "" : ", ") + cols[i].name;
    }
    return out;
}

// First character of an identifier or dollar-quote tag, as PostgreSQL's
// lexer defines it (any byte >= 0x80 counts as a letter).
bool is_ident_start(char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}

// ASCII digits only: parameters and tags never use other digits.
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Later characters of a dollar-quote tag.
bool is_tag_char(char c) { return is_ident_start(c) || is_digit(c); }

// Later characters of an identifier, which unlike a tag may hold '$'.
bool is_ident_char(char c) { return is_tag_char(c) || c == '$'; }

// Walks SQL text the way PostgreSQL's lexer splits it, just far enough to
// tell parameters apart from the same characters inside literals, quoted
// identifiers and comments.
class ParameterScanner {
public:
    // Scans sql, which must outlive the scanner.
    explicit ParameterScanner(const std::string& sql) : sql_(sql) {}

    // Scans the whole text, recording $1 and $2.
    void run() {
        while (pos_ < sql_.size()) {
            const char c = sql_[pos_];
            if (c == '\'') {
                skip_quoted('\'', false);
            } else if (c == '"') {
                skip_quoted('"', false);
            } else if (c == '-' && peek(1) == '-') {
                skip_line_comment();
            } else if (c == '/' && peek(1) == '*') {
                skip_block_comment();
            } else if (c == '$') {
                dollar();
            } else if (is_ident_start(c)) {
                identifier();
            } else {
                ++pos_;
            }
        }
    }

    // Whether run() saw $1 and $2 outside literals and comments.
    bool uses_1() const { return uses_1_; }
    bool uses_2() const { return uses_2_; }

private:
    // The character `ahead` places on, or NUL past the end.
    char peek(std::size_t ahead) const {
        return pos_ + ahead < sql_.size() ? sql_[pos_ + ahead] : '\0';
    }

    // 'text' or "ident", a doubled quote standing for itself; in E'...'
    // strings a backslash also escapes the next character.
    void skip_quoted(char quote, bool backslash_escapes) {
        ++pos_;
        while (pos_ < sql_.size()) {
            const char c = sql_[pos_];
            if (backslash_escapes && c == '\\') {
                pos_ += 2;
            } else if (c == quote && peek(1) == quote) {
                pos_ += 2;
            } else if (c == quote) {
                ++pos_;
                return;
            } else {
                ++pos_;
            }
        }
    }

    // -- up to the end of the line.
    void skip_line_comment() {
        const std::size_t end = sql_.find('\n', pos_);
        pos_ = end == std::string::npos ? sql_.size() : end + 1;
    }

    // /* ... */, which nests in PostgreSQL.
    void skip_block_comment() {
        int depth = 0;
        while (pos_ < sql_.size()) {
            if (sql_[pos_] == '/' && peek(1) == '*') {
                ++depth;
                pos_ += 2;
            } else if (sql_[pos_] == '*' && peek(1) == '/') {
                pos_ += 2;
                if (--depth == 0) {
                    return;
                }
            } else {
                ++pos_;
            }
        }
    }

    // A '$' that starts no identifier: a parameter ($1, $12), the opening of
    // a dollar-quoted string ($$...$$, $tag$...$tag$), or a stray character.
    void dollar() {
        std::size_t end = pos_ + 1;
        if (end < sql_.size() && is_digit(sql_[end])) {
            while (end < sql_.size() && is_digit(sql_[end])) {
                ++end;
            }
            const std::string digits = sql_.substr(pos_ + 1, end - pos_ - 1);
            const std::size_t first = digits.find_first_not_of('0');
            const std::string number = first == std::string::npos ? "0" : digits.substr(first);
            uses_1_ = uses_1_ || number == "1";
            uses_2_ = uses_2_ || number == "2";
            pos_ = end;
            return;
        }
        if (end < sql_.size() && is_ident_start(sql_[end])) {
            while (end < sql_.size() && is_tag_char(sql_[end])) {
                ++end;
            }
        }
        if (end >= sql_.size() || sql_[end] != '$') {
            ++pos_;
            return;
        }
        const std::string tag = sql_.substr(pos_, end - pos_ + 1);
        const std::size_t close = sql_.find(tag, end + 1);
        pos_ = close == std::string::npos ? sql_.size() : close + tag.size();
    }

    // A word, which may hold '$' (so "x$1" is no parameter); E'...' opens a
    // string with backslash escapes.
    void identifier() {
        const std::size_t begin = pos_;
        while (pos_ < sql_.size() && is_ident_char(sql_[pos_])) {
            ++pos_;
        }
        const bool e_prefix = pos_ - begin == 1 && (sql_[begin] == 'E' || sql_[begin] == 'e');
        if (e_prefix && pos_ < sql_.size() && sql_[pos_] == '\'') {
            skip_quoted('\'', true);
        }
    }

    const std::string& sql_;
    std::size_t pos_ = 0;
    bool uses_1_ = false;
    bool uses_2_ = false;
};

}  // namespace

// A source whose columns do not line up with the target would load wrong
// data or fail in every chunk; this says which column is wrong up front.
void check_source_columns(const std::vector<ColumnInfo>& target,
                          const std::vector<ColumnInfo>& source,
                          const std::vector<bool>& assignable) {
    if (source.size() != target.size()) {
        throw UserError(ErrorKind::DatatypeMismatch,
                        "source returns " + columns(source.size()) + " but the target has " +
                            std::to_string(target.size()),
                        "The target's columns are, in order: " + column_list(target) + ".");
    }
    if (assignable.size() != source.size()) {
        throw UserError(ErrorKind::Internal, "assignability known for " +
                                                 columns(assignable.size()) + " of " +
                                                 std::to_string(source.size()));
    }
    // Names first: a misplaced column usually also shows as a type mismatch,
    // and the order is the real mistake.
    for (std::size_t i = 0; i < source.size(); ++i) {
        if (source[i].name == target[i].name) {
            continue;
        }
        for (std::size_t j = 0; j < target.size(); ++j) {
            if (source[i].name == target[j].name) {
                throw UserError(ErrorKind::DatatypeMismatch,
                                "source column " + std::to_string(i + 1) + " is named \"" +
                                    source[i].name + "\" but the target's column " +
                                    std::to_string(i + 1) + " is \"" + target[i].name + "\"",
                                "The source must give the target's columns in the target's "
                                "order: " +
                                    column_list(target) + ".");
            }
        }
    }
    for (std::size_t i = 0; i < source.size(); ++i) {
        if (!assignable[i]) {
            const std::string n = std::to_string(i + 1);
            throw UserError(ErrorKind::DatatypeMismatch,
                            "source column " + n + " (\"" + source[i].name + "\") has type " +
                                source[i].type_name + " but target column " + n + " (\"" +
                                target[i].name + "\") has type " + target[i].type_name,
                            "Cast it to " + target[i].type_name + " in the source.");
        }
    }
}

// A source that ignores the bounds would load the whole source into every
// chunk; the mistake is cheap to catch in the text.
void check_source_parameters(const std::string& source) {
    ParameterScanner scanner(source);
    scanner.run();
    if (scanner.uses_1() && scanner.uses_2()) {
        return;
    }
    std::string missing = "$2";
    if (!scanner.uses_1()) {
        missing = scanner.uses_2() ? "$1" : "$1 or $2";
    }
    throw UserError(ErrorKind::InvalidParameter, "source does not use " + missing,
                    "The source must filter on the chunk bounds: $1 is the lower bound "
                    "(inclusive), $2 the upper bound (exclusive).");
}

bool source_uses_parameters(const std::string& source) {
    ParameterScanner scanner(source);
    scanner.run();
    return scanner.uses_1() || scanner.uses_2();
}

void check_source_without_parameters(const std::string& source, const std::string& target) {
    if (!source_uses_parameters(source)) {
        return;
    }
    throw UserError(
        ErrorKind::InvalidParameter,
        "source uses $1 or $2, but the chunks of table " + target + " have no bounds to give them",
        "Its top level is not partitioned by RANGE on one column. Remove $1 and $2: "
        "the rows of each chunk are filtered by its partition's constraint.");
}

std::string normalize_source(const std::string& source) {
    std::size_t end = source.size();
    while (end > 0 &&
           (source[end - 1] == ';' || std::isspace(static_cast<unsigned char>(source[end - 1]))))
        end--;
    return source.substr(0, end);
}

}  // namespace backfill
