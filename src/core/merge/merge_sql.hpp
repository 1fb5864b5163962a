// The statements of one merge chunk: stage the source's rows of the range,
// then write only the rows that differ, keeping each changed row's old
// version (and each inserted row) in the job's before-image table; and the
// statements that undo a job from that image. Pure text: the PostgreSQL
// layer quotes the names and runs them with the range's bounds as $1, $2.
#pragma once

#include <string>
#include <vector>

#include "core/options.hpp"

namespace backfill {

// A column of the target that the job writes (generated columns are not).
struct MergeColumn {
    std::string name;  // quoted
    bool by_text;      // its type has no equality operator: compared as text
    bool settable;     // an UPDATE may set it (not an identity GENERATED ALWAYS)
};

// Everything the statements name.
struct MergeTable {
    std::string target;  // qualified, quoted
    std::string before;  // the before-image table, qualified, quoted
    std::string stage;   // the chunk's staging table, quoted (a temporary table)
    std::vector<MergeColumn> columns;
    std::vector<std::string> key;  // quoted
    std::string chunk_by;          // quoted
    Conflict conflict = Conflict::SourceWins;
    std::string version_column;  // quoted; with newer_wins
};

// The before-image table's own columns, ahead of the target's: which chunk
// wrote the row and what it did ('U' old version of an updated row, 'D' of
// a deleted one, 'I' a row it inserted).
inline constexpr const char* kImageChunkColumn = "backfill_chunk_no";
inline constexpr const char* kImageActionColumn = "backfill_action";

// Creates the before-image table: the image columns, then the target's
// columns (types only, no constraint), with an index by chunk.
std::vector<std::string> create_image_statements(const MergeTable& t, const std::string& index);

// Creates the job's staging table (publication units): the chunk's number,
// then the target's columns, with an index by chunk; t.stage names it.
std::vector<std::string> create_stage_table_statements(const MergeTable& t,
                                                       const std::string& index);

// Stages the source's rows of the range ($1, $2) for chunk_no in the
// job's staging table t.stage.
std::string fill_stage_table_statement(const MergeTable& t, const std::string& source,
                                       int chunk_no);

// The staged rows of chunk_no in the staging table inside the range ($1,
// $2: cut at the watermark since they were staged), as a FROM item the
// chunk's statements read in place of a temporary stage.
std::string staged_rows(const MergeTable& t, const std::string& stage_table, int chunk_no);

// Creates the (empty) staging table, then fills it with the source's rows
// of the range (those of chunk_by in [$1, $2)): two statements.
std::vector<std::string> stage_statements(const MergeTable& t, const std::string& source);

// Whether chunk_by is a column of the key: then a live row matching a
// staged row has its chunk_by, inside the range.
bool chunk_by_in_key(const MergeTable& t);

// One row of figures, read in one statement before any write: the staged
// rows, how many of them repeat a key (refused: which one would win?), the
// range's live rows, and the staged rows whose key a live row of the range
// has. A chunk skips the writes these show to have nothing to do.
std::string chunk_counts_statement(const MergeTable& t);

// The staged rows whose key a live row outside the range has (the source
// moved a row across chunks: refused); one key lookup per staged row, so a
// chunk costs the same wherever its range lies in the table. Needed only
// when chunk_by is not in the key and some staged rows matched nothing in
// the range (a key matched inside cannot match outside too).
std::string outside_count_statement(const MergeTable& t);

// Source rows that share a key; one of them, as text (to name it once the
// counts found one).
std::string duplicate_key_statement(const MergeTable& t);

// Locks the live rows of the range that the conflict rule lets the source
// replace and that differ from it, keeps their old versions, and updates
// them; processes the updated rows. Not used with live_wins.
std::string update_statement(const MergeTable& t, int chunk_no);

// Locks and deletes the live rows of the range the source no longer
// produces, keeping them; processes the deleted rows.
std::string delete_statement(const MergeTable& t, int chunk_no);

// Inserts the staged rows whose key no live row of the range has (a row
// inserted meanwhile by someone else wins), keeping them; processes the
// inserted rows. Looking only inside the range keeps the cost of a chunk
// independent of the table's size (a staged key matching a live row outside
// the range was refused before); ON CONFLICT still guards the whole table.
std::string insert_statement(const MergeTable& t, int chunk_no);

// Rollback, for the chunks in $1 (an int[]) whose writes carry the
// transaction ids in $2 (a text[] parallel to $1): how many image rows a
// later change makes unsafe to restore (a changed or vanished written row,
// a deleted key taken again).
std::string changed_since_statement(const MergeTable& t);

// After a restore from a dump, for chunk $1: the one transaction id the
// rows it wrote carry now (those of the copy), or '0' (no valid id: the
// rollback check then treats every written row as changed) when they carry
// several, because some were changed since the copy was made.
std::string restored_write_xid_statement(const MergeTable& t);

// Rollback's writes, in order: delete the inserted rows, put the updated
// rows' old versions back, insert the deleted rows again.
std::vector<std::string> restore_statements(const MergeTable& t);

}  // namespace backfill
