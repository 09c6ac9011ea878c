#include "cluster_survey.hpp"

#include "register_support.hpp"

#include "cluster/connect.hpp"

namespace pgwarden::cli {

std::optional<ClusterSurvey> survey_cluster(const CliOptions& options, StatusCommand command) {
    const auto config = reg::load_config(options);
    auto conn = cluster::connect_local(config);
    auto registered = load_registered_nodes(conn);
    if (!registered)
        return std::nullopt;
    ClusterSurvey survey;
    survey.nodes = std::move(*registered);
    survey.observations = probe_all(survey.nodes);
    survey.report = assess_nodes(survey.nodes, survey.observations, command, options.verbose);
    return survey;
}

}  // namespace pgwarden::cli
