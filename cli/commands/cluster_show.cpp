// `pgwarden cluster show`: every registered node, asked in parallel, shown as repmgr 5.3 shows it
// (table, --compact, --csv) or as JSON (--json, ours).
#include "../cluster_show_format.hpp"
#include "../cluster_status.hpp"
#include "../cluster_survey.hpp"
#include "../command_registry.hpp"
#include "../register_support.hpp"
#include "model/exit_codes.hpp"

#include "cluster/connect.hpp"

#include <cstdio>

namespace pgwarden::cli {
namespace {

int cluster_show(const CliOptions& options) {
    const auto survey = survey_cluster(options, StatusCommand::cluster_show);
    if (!survey)
        return model::kErrBadConfig;
    const auto& [nodes, observations, report] = *survey;

    std::string out;
    if (options.json)
        out = format_cluster_json(nodes, observations, report);
    else if (options.csv)
        out = format_cluster_csv(nodes, observations);
    else
        out = format_cluster_table(nodes, report, options.compact);
    std::fputs(out.c_str(), stdout);
    // --csv hides the warnings but still exits 25; JSON keeps stdout parseable.
    if (!options.terse && !options.csv)
        emit_status_warnings(report, options.verbose, !options.json);
    return has_issues(report) ? model::kErrNodeStatus : model::kSuccess;
}

const CommandRegistration reg_cluster_show{
    {{"cluster", "show"},
     "show the status of every registered node",
     "pgwarden cluster show: the status of every node in the replication cluster\n\n"
     "Usage:\n"
     "    pgwarden [OPTIONS] cluster show\n\n"
     "Every registered node is asked at the same time for its state.\n\n"
     "Options:\n"
     "    --csv        emit output as CSV (id,availability,recovery); warnings not shown\n"
     "    --compact    shorter column headers, no connection string\n"
     "    --json       one JSON object per node (pgwarden only)\n"
     "    --verbose    show the text of connection errors\n"
     "    --terse      do not show warnings\n\n"
     "Exit codes: 0 all well; 25 an issue was detected (also with --csv); 1 no node records;\n"
     "6 the local database cannot be reached.\n",
     &cluster_show}};

}  // namespace
}  // namespace pgwarden::cli
