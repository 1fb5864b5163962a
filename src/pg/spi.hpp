// Running SQL through SPI from C++: text parameters in, text rows out, every
// PostgreSQL error turned into PgError.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace backfill::pg {

using Value = std::optional<std::string>;  // nullopt = SQL NULL
using Row = std::vector<Value>;

// Runs sql; $n parameters are passed as text (cast them in the SQL).
std::vector<Row> query(const std::string& sql, const std::vector<Value>& params = {});

// Runs sql with a snapshot taken now, whatever the transaction's isolation
// level: for checks that must see every write committed before them (a
// REPEATABLE READ caller's transaction snapshot may predate them).
std::vector<Row> query_latest(const std::string& sql, const std::vector<Value>& params = {});

// Runs sql and returns the number of rows it processed.
std::uint64_t execute(const std::string& sql, const std::vector<Value>& params = {});

// Runs one of the extension's own DDL statements with client_min_messages
// raised to WARNING, so "does not exist, skipping" NOTICEs stay out of the
// user's way.
void execute_quietly(const std::string& sql);

// Prepares sql (no parameters) and throws it away: checks that it parses
// and that its names resolve, without running it.
void prepare_only(const std::string& sql);

// Runs sql, in which "{relids}" stands for the relids as parameters
// ($1::oid, $2::oid...) and whose rows each start with the relid they are
// about, and returns each relid's rows (without that column) in the order
// of relids: one statement reads what the catalog says about several
// tables. Parameters as a list keep the catalog's indexes usable in a
// generic plan (an oid[] parameter made it read every row). more are the
// parameters after them.
std::vector<std::vector<Row>> query_per_relation(const std::string& sql,
                                                 const std::vector<unsigned int>& relids,
                                                 const std::vector<Value>& more = {});

// The first column of the first row, or nullopt when there is no row.
Value scalar(const std::string& sql, const std::vector<Value>& params = {});

// Connects to SPI (nonatomic when the caller may commit), and disconnects.
void spi_connect(bool nonatomic = false);
void spi_finish();

// Quoting with PostgreSQL's own rules.
std::string quote_ident(const std::string& name);
std::string quote_literal(const std::string& value);
std::string qualified(const std::string& schema, const std::string& name);

}  // namespace backfill::pg
