#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/options.hpp"
#include "core/spec_document.hpp"
#include "core/time_window.hpp"
#include "expect_error.hpp"
#include "fake_durations.hpp"

namespace backfill {
namespace {

// The example of the article the document shape comes from, as JSON and as
// written there: no source, and two fields this product has no use for.
const char* const kArticleExample = R"j({
  "backfill_id": "revenue-tax-fix-2026-06",
  "owner": "finance-data",
  "source_range": {"start": "2024-12-01", "end": "2026-05-31"},
  "target": {"table": "finance.daily_revenue", "partition_key": "revenue_date"},
  "reason": {"issue": "FIN-2841", "change": "Correct tax-inclusive revenue calculation"},
  "execution": {"partitions_per_batch": 7, "max_concurrency": 2,
                "pause_during_live_pipeline": true},
  "validation": {"row_count_tolerance": 0, "revenue_delta_expected": "-1.5% to -0.8%"},
  "rollback": {"snapshot": "finance.daily_revenue_pre_FIN_2841"}
})j";

// The same specification as this product takes it: the transformation as
// source, the live-pipeline pause as a throttle query, the expected revenue
// delta as an aggregate check, and the release metadata of the article.
const char* const kProductExample = R"j({
  "backfill_id": "revenue-tax-fix-2026-06",
  "owner": "finance-data",
  "source_range": {"start": "2024-12-01", "end": "2026-05-31"},
  "target": {"table": "finance.daily_revenue", "partition_key": "revenue_date"},
  "reason": {"issue": "FIN-2841", "change": "Correct tax-inclusive revenue calculation"},
  "source": "SELECT revenue_date, merchant_id, gross_revenue, gross_revenue - tax_amount AS net_revenue FROM staging.revenue_events",
  "execution": {"partitions_per_batch": 7, "max_concurrency": 2,
                "throttle_query": "SELECT ops.live_pipeline_running()"},
  "validation": {"row_count_tolerance": 0,
                 "aggregates": [{"expr": "sum(net_revenue)", "min_delta_pct": -1.5,
                                 "max_delta_pct": -0.8}],
                 "unique": [["merchant_id", "revenue_date"]],
                 "not_null": ["merchant_id"]},
  "rollback": {"snapshot": "finance.daily_revenue_pre_FIN_2841"},
  "code_version": "git:8f31c2a",
  "approved_by": "finance-controller"
})j";

const char* const kExecutionHint =
    "execution takes job options: mode, max_concurrency, sleep, lock_timeout, swap_retries, "
    "snapshot_wait, max_attempts, on_failure, statement_timeout, nice_ratio, max_active_backends, "
    "max_replication_lag, max_replication_lag_bytes, max_wal_rate, window, throttle_query, "
    "publish, partitions_per_batch, include_new_partitions, key, chunk_by, chunk_size, conflict, "
    "version_column, delete_missing, watermark, partitions, include_default, canary_chunks, "
    "notify, "
    "after_publish, max_rows_per_day and rehearse.";

const char* const kSourceRangeHint =
    "Known fields of source_range are start and end (the last key included), such as "
    "{\"start\": \"2024-12-01\", \"end\": \"2026-05-31\"}.";

const char* const kTargetHint =
    "Known fields of target are table and partition_key, such as {\"table\": "
    "\"finance.daily_revenue\", \"partition_key\": \"revenue_date\"}.";

const char* const kValidationHint =
    "Known fields of validation are row_count_tolerance, aggregates, unique, not_null and query.";

const char* const kRequiredHint =
    "A specification needs at least backfill_id, target.table, target.partition_key and source.";

// The smallest document, with extra top-level fields spliced in.
std::string minimal(const std::string& extra = "") {
    return R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": "k"},
               "source": "SELECT * FROM s")j" +
           (extra.empty() ? "" : ", " + extra) + "}";
}

// The error for a document that must be refused, and its message.
UserError refused(const std::string& document) {
    return expect_user_error([&] { map_spec(document, fake_interval_us); });
}
std::string message(const std::string& document) { return refused(document).what(); }

// The options echo of an options object, to compare a mapping's options
// with the options a create() call would give.
std::string echo_of(const std::string& options_json) {
    return options_to_json(parse_options(options_json, fake_interval_us));
}

// The article's example as written is refused, one clear error at a time.
TEST(MapSpec, ArticleExampleAsWritten) {
    UserError source = refused(kArticleExample);
    EXPECT_EQ(source.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(source.what(), "specification is missing \"source\"");
    EXPECT_EQ(source.hint(), kRequiredHint);

    std::string doc = kArticleExample;
    doc.insert(doc.find("\"execution\""), "\"source\": \"SELECT * FROM staging.revenue\",\n  ");
    UserError pause = refused(doc);
    EXPECT_STREQ(pause.what(),
                 "specification field \"execution.pause_during_live_pipeline\" is unknown");
    EXPECT_EQ(pause.hint(), kExecutionHint);

    doc.replace(doc.find("\"pause_during_live_pipeline\": true"), 34, "\"sleep\": \"1s\"");
    UserError delta = refused(doc);
    EXPECT_STREQ(delta.what(),
                 "specification field \"validation.revenue_delta_expected\" is unknown");
    EXPECT_EQ(delta.hint(), kValidationHint);
}

// The article's example, as this product takes it, maps onto create()'s
// terms and an options object parse_options accepts.
TEST(MapSpec, ArticleExampleMapped) {
    SpecMapping m = map_spec(kProductExample, fake_interval_us);
    EXPECT_EQ(m.name, "revenue-tax-fix-2026-06");
    EXPECT_EQ(m.target_table, "finance.daily_revenue");
    EXPECT_EQ(m.partition_key, "revenue_date");
    EXPECT_EQ(m.range_from, "2024-12-01");
    EXPECT_EQ(m.range_end_inclusive, "2026-05-31");
    EXPECT_EQ(m.source,
              "SELECT revenue_date, merchant_id, gross_revenue, gross_revenue - tax_amount AS "
              "net_revenue FROM staging.revenue_events");
    EXPECT_EQ(
        options_to_json(m.options),
        echo_of("{\"max_concurrency\": 2, \"partitions_per_batch\": 7, \"publish\": \"batch\", "
                "\"release\": {\"owner\": \"finance-data\", \"issue\": \"FIN-2841\", \"change\": "
                "\"Correct tax-inclusive revenue calculation\", \"code_version\": \"git:8f31c2a\", "
                "\"approved_by\": \"finance-controller\", \"snapshot\": "
                "\"finance.daily_revenue_pre_FIN_2841\"}, \"snapshot_view\": "
                "\"finance.daily_revenue_pre_FIN_2841\", \"throttle_query\": \"SELECT "
                "ops.live_pipeline_running()\", \"validate\": {\"row_count_tolerance\": 0, "
                "\"aggregates\": [{\"expr\": \"sum(net_revenue)\", \"min_delta_pct\": -1.5, "
                "\"max_delta_pct\": -0.8}], \"unique\": [[\"merchant_id\", \"revenue_date\"]], "
                "\"not_null\": [\"merchant_id\"]}}"));

    const JobOptions& o = m.options;
    EXPECT_EQ(o.publish, PublishMode::Batch);
    EXPECT_EQ(o.partitions_per_batch, 7);
    EXPECT_EQ(o.max_concurrency, 2);
    EXPECT_EQ(o.throttle_query, "SELECT ops.live_pipeline_running()");
    EXPECT_EQ(o.validate.row_count_tolerance, 0.0);
    ASSERT_EQ(o.validate.aggregates.size(), 1u);
    EXPECT_EQ(o.validate.aggregates[0].min_delta_pct, -1.5);
    EXPECT_EQ(o.validate.aggregates[0].max_delta_pct, -0.8);
    EXPECT_EQ(o.release.owner, "finance-data");
    EXPECT_EQ(o.release.issue, "FIN-2841");
    EXPECT_EQ(o.release.change, "Correct tax-inclusive revenue calculation");
    EXPECT_EQ(o.release.code_version, "git:8f31c2a");
    EXPECT_EQ(o.release.approved_by, "finance-controller");
    EXPECT_EQ(o.release.snapshot, "finance.daily_revenue_pre_FIN_2841");
    EXPECT_TRUE(o.retain);
}

// Only the required fields: no range, no options.
TEST(MapSpec, Minimal) {
    SpecMapping m = map_spec(minimal(), fake_interval_us);
    EXPECT_EQ(m.name, "b");
    EXPECT_EQ(m.target_table, "t");
    EXPECT_EQ(m.partition_key, "k");
    EXPECT_EQ(m.source, "SELECT * FROM s");
    EXPECT_FALSE(m.range_from.has_value());
    EXPECT_FALSE(m.range_end_inclusive.has_value());
    EXPECT_EQ(options_to_json(m.options), echo_of("{}"));
    EXPECT_EQ(map_spec(minimal(R"j("source_range": {"end": "100"})j"), fake_interval_us)
                  .range_end_inclusive,
              "100");
    EXPECT_FALSE(map_spec(minimal(R"j("source_range": {"end": "100"})j"), fake_interval_us)
                     .range_from.has_value());
    EXPECT_EQ(
        options_to_json(map_spec(minimal(R"j("execution": {}, "validation": {}, "rollback": {},
                                   "reason": {})j"),
                                 fake_interval_us)
                            .options),
        echo_of("{}"));
}

// Execution values pass through as written; the rollback section gives
// retain; an explicit publish mode is kept.
TEST(MapSpec, ExecutionAndRollback) {
    SpecMapping m = map_spec(minimal(R"j("execution": {"window": ["22:00-06:00", "12:00-13:00"],
                                         "lock_timeout": "200ms", "publish": "end",
                                         "nice_ratio": 0.50, "statement_timeout": null},
                                         "rollback": {"retain": false})j"),
                             fake_interval_us);
    EXPECT_EQ(
        options_to_json(m.options),
        echo_of("{\"lock_timeout\": \"200ms\", \"nice_ratio\": 0.50, \"publish\": \"end\", "
                "\"retain\": false, \"statement_timeout\": null, \"window\": [\"22:00-06:00\", "
                "\"12:00-13:00\"]}"));
    const JobOptions& o = m.options;
    EXPECT_EQ(o.publish, PublishMode::End);
    EXPECT_FALSE(o.retain);
    EXPECT_EQ(format_windows(o.windows), "22:00-06:00, 12:00-13:00");

    EXPECT_EQ(
        options_to_json(
            map_spec(minimal(R"j("execution": {"publish": "batch", "partitions_per_batch": 3})j"),
                     fake_interval_us)
                .options),
        echo_of("{\"partitions_per_batch\": 3, \"publish\": \"batch\"}"));
    EXPECT_EQ(
        options_to_json(map_spec(minimal(R"j("rollback": {"retain": true, "snapshot": "s.p"})j"),
                                 fake_interval_us)
                            .options),
        echo_of("{\"release\": {\"snapshot\": \"s.p\"}, \"retain\": true, \"snapshot_view\": "
                "\"s.p\"}"));
}

// Every option execution is documented to take is accepted there.
TEST(MapSpec, EveryExecutionOption) {
    SpecMapping m = map_spec(minimal(R"j("execution": {
        "mode": "swap", "max_concurrency": 2, "sleep": "1s", "lock_timeout": "1s",
        "swap_retries": 3, "snapshot_wait": "1min", "max_attempts": 3, "on_failure": "continue",
        "statement_timeout": "1h", "nice_ratio": 0.5, "max_active_backends": 3,
        "max_replication_lag": "5s", "max_replication_lag_bytes": 100, "max_wal_rate": 100,
        "window": "22:00-06:00", "throttle_query": "SELECT false", "publish": "batch",
        "partitions_per_batch": 3})j"),
                             fake_interval_us);
    const JobOptions& o = m.options;
    EXPECT_EQ(o.on_failure, OnFailure::Continue);
    EXPECT_EQ(o.max_wal_rate, 100);
    EXPECT_EQ(o.snapshot_wait_us, 60000000);
    EXPECT_EQ(o.partitions_per_batch, 3);
}

// A missing required field is named by its path.
TEST(MapSpec, MissingFields) {
    UserError id = refused(R"j({"target": {"table": "t", "partition_key": "k"}, "source": "s"})j");
    EXPECT_EQ(id.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(id.what(), "specification is missing \"backfill_id\"");
    EXPECT_EQ(id.hint(), kRequiredHint);
    EXPECT_EQ(message(R"j({"backfill_id": "b", "source": "s"})j"),
              "specification is missing \"target.table\"");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"partition_key": "k"}, "source": "s"})j"),
              "specification is missing \"target.table\"");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": "t"}, "source": "s"})j"),
              "specification is missing \"target.partition_key\"");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": "k"}})j"),
              "specification is missing \"source\"");
}

// An unknown field at any level is named by its path, with the known ones.
TEST(MapSpec, UnknownFields) {
    UserError top = refused(minimal(R"j("targte": {})j"));
    EXPECT_STREQ(top.what(), "specification field \"targte\" is unknown");
    EXPECT_EQ(top.hint(),
              "A specification has the fields backfill_id, owner, source_range, target, reason, "
              "source, sources, execution, validation, rollback, code_version and approved_by.");
    // Unknown fields are reported before missing ones.
    EXPECT_EQ(message(R"j({"id": "b"})j"), "specification field \"id\" is unknown");

    UserError range = refused(minimal(R"j("source_range": {"start": "1", "stop": "2"})j"));
    EXPECT_STREQ(range.what(), "specification field \"source_range.stop\" is unknown");
    EXPECT_EQ(range.hint(), kSourceRangeHint);
    UserError target =
        refused(R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": "k",
                    "schema": "s"}, "source": "s"})j");
    EXPECT_STREQ(target.what(), "specification field \"target.schema\" is unknown");
    EXPECT_EQ(target.hint(), kTargetHint);
    UserError reason = refused(minimal(R"j("reason": {"ticket": "FIN-1"})j"));
    EXPECT_STREQ(reason.what(), "specification field \"reason.ticket\" is unknown");
    EXPECT_EQ(reason.hint(), "Known fields of reason are issue and change.");
    UserError rollback = refused(minimal(R"j("rollback": {"drop_after": "7d"})j"));
    EXPECT_STREQ(rollback.what(), "specification field \"rollback.drop_after\" is unknown");
    EXPECT_EQ(rollback.hint(), "Known fields of rollback are retain and snapshot.");

    UserError execution = refused(minimal(R"j("execution": {"foo": 1})j"));
    EXPECT_STREQ(execution.what(), "specification field \"execution.foo\" is unknown");
    EXPECT_EQ(execution.hint(), kExecutionHint);
    UserError validation = refused(minimal(R"j("validation": {"foo": 1})j"));
    EXPECT_STREQ(validation.what(), "specification field \"validation.foo\" is unknown");
    EXPECT_EQ(validation.hint(), kValidationHint);
    UserError aggregate =
        refused(minimal(R"j("validation": {"aggregates": [{"expr": "sum(x)", "pct": 1}]})j"));
    EXPECT_STREQ(aggregate.what(),
                 "specification field \"validation.aggregates[0].pct\" is unknown");
    EXPECT_EQ(aggregate.hint(),
              "Each aggregate takes expr and, optionally, min_delta_pct and max_delta_pct, such "
              "as {\"expr\": \"sum(net_revenue)\", \"min_delta_pct\": -1.5, \"max_delta_pct\": "
              "-0.8}.");
}

// Options with their own section are refused in execution.
TEST(MapSpec, ExecutionReservedKeys) {
    UserError validate = refused(minimal(R"j("execution": {"validate": {}})j"));
    EXPECT_STREQ(validate.what(), "specification field \"execution.validate\" is unknown");
    EXPECT_EQ(validate.hint(), "Give the validation rules in the validation section.");
    UserError retain = refused(minimal(R"j("execution": {"retain": false})j"));
    EXPECT_STREQ(retain.what(), "specification field \"execution.retain\" is unknown");
    EXPECT_EQ(retain.hint(), "Give it as rollback.retain.");
    UserError sources = refused(minimal(R"j("execution": {"sources": []})j"));
    EXPECT_STREQ(sources.what(), "specification field \"execution.sources\" is unknown");
    EXPECT_EQ(sources.hint(), "Give it as the top-level field sources.");
    UserError release = refused(minimal(R"j("execution": {"release": {}})j"));
    EXPECT_STREQ(release.what(), "specification field \"execution.release\" is unknown");
    EXPECT_EQ(release.hint(),
              "The release record is made of owner, reason, code_version, approved_by and "
              "rollback.snapshot.");
}

// sources sits at the top level and stands for source; a bad era is named
// by its path there.
TEST(MapSpec, SourcesAtTheTopLevel) {
    SpecMapping m = map_spec(
        R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": "k"},
             "sources": [{"from": "1", "to": "5", "source": "SELECT 1;"},
                         {"from": "5", "to": "9", "source": "SELECT 2"}]})j",
        fake_interval_us);
    EXPECT_FALSE(m.source.has_value());
    ASSERT_EQ(m.options.sources.size(), 2u);
    EXPECT_EQ(m.options.sources[0].from, "1");
    EXPECT_EQ(m.options.sources[0].to, "5");
    EXPECT_EQ(m.options.sources[0].source, "SELECT 1");
    EXPECT_EQ(m.options.sources[1].source, "SELECT 2");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": "k"},
                          "sources": [{"from": "1", "source": "SELECT 1"}]})j"),
              "specification field \"sources[0].to\" must be a non-empty string, not null");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": "k"},
                          "sources": [{"from": "1", "to": "2", "source": "x", "at": 1}]})j"),
              "specification field \"sources[0].at\" is unknown");
}

// Each field of the wrong type is named by its path.
TEST(MapSpec, WrongTypes) {
    UserError start = refused(minimal(R"j("source_range": {"start": 20241201})j"));
    EXPECT_EQ(start.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(start.what(), "specification field \"source_range.start\" must be a string");
    EXPECT_EQ(start.hint(), "Write it as a JSON string in double quotes.");
    EXPECT_EQ(message(minimal(R"j("source_range": {"end": null})j")),
              "specification field \"source_range.end\" must be a string");
    EXPECT_EQ(message(R"j({"backfill_id": 7, "target": {"table": "t", "partition_key": "k"},
                          "source": "s"})j"),
              "specification field \"backfill_id\" must be a string");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": ["t"], "partition_key": "k"},
                          "source": "s"})j"),
              "specification field \"target.table\" must be a string");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": 1},
                          "source": "s"})j"),
              "specification field \"target.partition_key\" must be a string");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": "k"},
                          "source": {"sql": "s"}})j"),
              "specification field \"source\" must be a string");
    EXPECT_EQ(message(minimal(R"j("owner": 1)j")),
              "specification field \"owner\" must be a string");
    EXPECT_EQ(message(minimal(R"j("code_version": 8)j")),
              "specification field \"code_version\" must be a string");
    EXPECT_EQ(message(minimal(R"j("approved_by": ["a"])j")),
              "specification field \"approved_by\" must be a string");
    EXPECT_EQ(message(minimal(R"j("reason": {"issue": 2841})j")),
              "specification field \"reason.issue\" must be a string");
    EXPECT_EQ(message(minimal(R"j("reason": {"change": true})j")),
              "specification field \"reason.change\" must be a string");
    EXPECT_EQ(message(minimal(R"j("rollback": {"snapshot": false})j")),
              "specification field \"rollback.snapshot\" must be a string");

    UserError section = refused(R"j({"backfill_id": "b", "target": "t.k", "source": "s"})j");
    EXPECT_STREQ(section.what(), "specification field \"target\" must be an object");
    EXPECT_EQ(section.hint(), kTargetHint);
    EXPECT_EQ(refused(minimal(R"j("source_range": "2024-12-01..2026-05-31")j")).hint(),
              kSourceRangeHint);
    EXPECT_EQ(refused(minimal(R"j("execution": null)j")).hint(), kExecutionHint);
    EXPECT_EQ(refused(minimal(R"j("validation": "-1.5% to -0.8%")j")).hint(), kValidationHint);
    EXPECT_EQ(refused(minimal(R"j("reason": "FIN-2841")j")).hint(),
              "Known fields of reason are issue and change.");
    EXPECT_EQ(refused(minimal(R"j("rollback": true)j")).hint(),
              "Known fields of rollback are retain and snapshot.");
    for (const char* name : {"source_range", "reason", "execution", "validation", "rollback"}) {
        EXPECT_EQ(message(minimal(std::string("\"") + name + "\": []")),
                  std::string("specification field \"") + name + "\" must be an object");
    }

    UserError empty = refused(R"j({"backfill_id": " ", "target": {"table": "t",
                                   "partition_key": "k"}, "source": "s"})j");
    EXPECT_STREQ(empty.what(), "specification field \"backfill_id\" must not be empty");
    EXPECT_EQ(message(R"j({"backfill_id": "b", "target": {"table": "t", "partition_key": ""},
                          "source": "s"})j"),
              "specification field \"target.partition_key\" must not be empty");
    EXPECT_EQ(message(minimal(R"j("source_range": {"start": ""})j")),
              "specification field \"source_range.start\" must not be empty");
}

// Bad option values are named by their path in the document.
TEST(MapSpec, OptionErrorsNameTheField) {
    UserError concurrency = refused(minimal(R"j("execution": {"max_concurrency": 0})j"));
    EXPECT_EQ(concurrency.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(concurrency.what(),
                 "specification field \"execution.max_concurrency\" must be an integer from 1 to "
                 "64, not 0");
    EXPECT_EQ(concurrency.hint(),
              "It is the number of chunks built at the same time, each by its own worker.");
    EXPECT_EQ(message(minimal(R"j("execution": {"window": ["25:00-06:00"]})j")),
              "specification field \"execution.window\" has an invalid window \"25:00-06:00\"");
    EXPECT_EQ(message(minimal(R"j("execution": {"window": ["22:00-06:00", 1]})j")),
              "specification field \"execution.window[1]\" must be a string such as "
              "\"22:00-06:00\", not 1");
    EXPECT_EQ(message(minimal(R"j("execution": {"partitions_per_batch": 0})j")),
              "specification field \"execution.partitions_per_batch\" must be an integer from 1 "
              "to 10000, not 0");
    EXPECT_EQ(message(minimal(R"j("execution": {"publish": "batch"})j")),
              "specification field \"execution.partitions_per_batch\" must be given with "
              "\"publish\": \"batch\"");
    EXPECT_EQ(message(minimal(R"j("execution": {"publish": "each", "partitions_per_batch": 7})j")),
              "specification field \"execution.partitions_per_batch\" cannot be combined with "
              "\"publish\": \"each\"");
    EXPECT_EQ(message(minimal(R"j("validation": {"row_count_tolerance": "0"})j")),
              "specification field \"validation.row_count_tolerance\" must be a number of at "
              "least 0, not \"0\"");
    EXPECT_EQ(message(minimal(R"j("validation": {"aggregates": [{"min_delta_pct": 1}]})j")),
              "specification field \"validation.aggregates[0].expr\" is missing");
    EXPECT_EQ(message(minimal(R"j("rollback": {"retain": "yes"})j")),
              "specification field \"rollback.retain\" must be true or false, not \"yes\"");
}

// A document that cannot be read, or is not an object, is refused as such.
TEST(MapSpec, NotAnObject) {
    UserError huge = refused(minimal(R"j("execution": {"max_concurrency": 1e999})j"));
    EXPECT_EQ(huge.kind(), ErrorKind::InvalidParameter);
    EXPECT_STREQ(huge.what(), "specification could not be read: number overflow parsing '1e999'");
    UserError array = refused("[]");
    EXPECT_STREQ(array.what(), "specification must be a JSON object, not an array");
    EXPECT_EQ(array.hint(),
              "A specification has the fields backfill_id, owner, source_range, target, reason, "
              "source, sources, execution, validation, rollback, code_version and approved_by.");
    EXPECT_EQ(message("\"spec\""), "specification must be a JSON object, not a string");
    EXPECT_EQ(message("5"), "specification must be a JSON object, not a number");
    EXPECT_EQ(message("null"), "specification must be a JSON object, not null");
}

// Strings that need escapes stay intact through the options object.
TEST(MapSpec, EscapesSurvive) {
    SpecMapping m =
        map_spec(minimal(R"j("owner": "a \"b\" \\ c\n", "validation": {"query": "SELECT '\t'"})j"),
                 fake_interval_us);
    EXPECT_EQ(
        options_to_json(m.options),
        echo_of("{\"release\": {\"owner\": \"a \\\"b\\\" \\\\ c\\n\"}, \"validate\": {\"query\": "
                "\"SELECT '\\t'\"}}"));
    const JobOptions& o = m.options;
    EXPECT_EQ(o.release.owner, "a \"b\" \\ c\n");
    EXPECT_EQ(o.validate.query, "SELECT '\t'");
}

}  // namespace
}  // namespace backfill
