#include "register_support.hpp"

#include <libpq-fe.h>

#include <fmt/format.h>

#include <memory>

namespace pgwarden::cli::reg {
namespace {

using ConninfoOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

// libpq's reading of a conninfo (key=value or URI); empty when it does not parse.
ConninfoOptions parse_conninfo(const std::string& conninfo) {
    char* error = nullptr;
    ConninfoOptions options(PQconninfoParse(conninfo.c_str(), &error), &PQconninfoFree);
    if (error != nullptr)
        PQfreemem(error);
    return options;
}

// The value of `keyword` in a conninfo (key=value or URI), as libpq parses it.
std::string conninfo_value(const std::string& conninfo, const char* keyword) {
    const auto options = parse_conninfo(conninfo);
    if (!options)
        return {};
    for (auto* option = options.get(); option->keyword != nullptr; ++option) {
        if (std::string_view(option->keyword) == keyword && option->val != nullptr)
            return option->val;
    }
    return {};
}

// A value quoted as libpq's key=value syntax wants it: 'it\'s'.
std::string quote_conninfo_value(std::string_view value) {
    std::string out = "'";
    for (const char c : value) {
        if (c == '\'' || c == '\\')
            out += '\\';
        out += c;
    }
    return out + "'";
}

}  // namespace

std::optional<std::string> conninfo_with(const std::string& conninfo, const char* keyword,
                                         const std::string& value) {
    const auto options = parse_conninfo(conninfo);
    if (!options)
        return std::nullopt;
    std::string out;
    bool replaced = false;
    for (auto* option = options.get(); option->keyword != nullptr; ++option) {
        const bool target = std::string_view(option->keyword) == keyword;
        if (!target && (option->val == nullptr || option->val[0] == '\0'))
            continue;
        replaced = replaced || target;
        out += fmt::format("{}{}={}", out.empty() ? "" : " ", option->keyword,
                           quote_conninfo_value(target ? value : option->val));
    }
    if (!replaced)
        out += fmt::format("{}{}={}", out.empty() ? "" : " ", keyword, quote_conninfo_value(value));
    return out;
}

config::RepmgrConfig load_config(const CliOptions& options) {
    return config::load_repmgr_conf(config::locate_repmgr_conf(options.config_file));
}

void detail(log::Level level, const std::string& text) {
    log::at(level, "DETAIL: {}", text);
}

void hint(log::Level level, const std::string& text) {
    log::at(level, "HINT: {}", text);
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
