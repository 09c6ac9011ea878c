#include "register_support.hpp"
#include "global_options.hpp"

#include "config/libpq_conninfo.hpp"
#include "config/node_name.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace pgwarden::cli::reg {
namespace {

// The value of `keyword` in a conninfo (key=value or URI), as libpq parses it.
std::string conninfo_value(const std::string& conninfo, const char* keyword) {
    return config::parse_libpq_conninfo(conninfo).value_of(keyword).value_or("");
}

}  // namespace

std::optional<std::string> conninfo_with(const std::string& conninfo, const char* keyword,
                                         const std::string& value) {
    text::ParsedConninfo parsed = config::parse_libpq_conninfo(conninfo);
    if (parsed.error)
        return std::nullopt;
    std::vector<text::ConninfoParam> params;
    for (auto& param : parsed.params) {
        if (!param.value.empty())
            params.push_back(std::move(param));
    }
    params.push_back({keyword, value});
    // In libpq's keyword order, as repmgr writes it back from PQconninfoParse().
    std::string out;
    for (const auto& param : config::in_libpq_order(std::move(params)))
        out += fmt::format("{}{}={}", out.empty() ? "" : " ", param.keyword,
                           text::quote_conninfo_value(param.value));
    return out;
}

config::RepmgrConfig load_config(const CliOptions& options) {
    auto config = config::load_repmgr_conf(config::locate_repmgr_conf(options.config_file));
    apply_config_overrides(options, config);
    if (options.log_to_file)
        log_to_config_file(config);
    return config;
}

void detail(log::Level level, const std::string& text) {
    log::at(level, "DETAIL: {}", text);
}

void hint(log::Level level, const std::string& text) {
    log::at(level, "HINT: {}", text);
}

std::optional<std::string> local_conninfo(const config::RepmgrConfig& config,
                                          const std::optional<std::string>& superuser) {
    if (!superuser)
        return config.conninfo;
    const auto replaced = conninfo_with(config.conninfo, "user", *superuser);
    if (!replaced) {
        log::error("unable to parse conninfo string \"{}\" for local node",
                   text::mask_password(config.conninfo));
        return std::nullopt;
    }
    return text::with_default(text::with_default(*replaced, "options", "-csearch_path="),
                              "fallback_application_name", "repmgr");
}

bool node_name_acceptable(const config::RepmgrConfig& config) {
    const auto problem = config::node_name_problem(config.node_name);
    if (!problem)
        return true;
    log::error("node_name \"{}\" cannot be registered", config.node_name);
    detail(log::Level::error, *problem);
    return false;
}

std::string slot_name_for(int node_id) {
    return "repmgr_slot_" + std::to_string(node_id);
}

cluster::NodeRecord node_record_from_config(const config::RepmgrConfig& config,
                                            model::NodeType type,
                                            std::optional<int> upstream_node_id,
                                            const std::string& connected_user) {
    cluster::NodeRecord node;
    node.node_id = config.node_id;
    node.upstream_node_id = upstream_node_id;
    node.active = true;
    node.node_name = config.node_name;
    node.type = type;
    node.location = config.location;
    node.priority = config.priority;
    node.conninfo = config.conninfo;
    node.repluser = config.replication_user;
    if (node.repluser.empty())
        node.repluser = conninfo_value(config.conninfo, "user");
    if (node.repluser.empty())
        node.repluser = connected_user;
    if (config.use_replication_slots)
        node.slot_name = slot_name_for(config.node_id);
    node.config_file = config.config_file;
    return node;
}

}  // namespace pgwarden::cli::reg
