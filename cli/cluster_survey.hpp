// What `cluster show` and `service status` both start from: the registered nodes read through
// the local node, each probed at the same time, and repmgr's assessment of what was seen.
#pragma once

#include "cli_options.hpp"
#include "cluster_show_format.hpp"
#include "cluster_status.hpp"

#include <optional>
#include <vector>

namespace pgwarden::cli {

struct ClusterSurvey {
    std::vector<cluster::NodeRecord> nodes;
    std::vector<NodeObservation> observations;  // in the order of `nodes`
    StatusReport report;
};

// Nothing (after logging why) when the metadata cannot be read or holds no node: repmgr's
// ERR_BAD_CONFIG. Throws as reg::load_config and cluster::connect_local do.
std::optional<ClusterSurvey> survey_cluster(const CliOptions& options, StatusCommand command);

}  // namespace pgwarden::cli
