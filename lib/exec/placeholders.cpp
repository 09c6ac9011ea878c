#include "exec/placeholders.hpp"

#include "exec/shell_quote.hpp"

#include <algorithm>

namespace pgwarden::exec {

ExpandedCommand expand_placeholders(std::string_view command,
                                    const std::vector<Placeholder>& placeholders) {
    ExpandedCommand out;
    out.command.reserve(command.size() + 16);
    ShellContextTracker tracker;
    // What we paste leaves the quoting as it was, so the tracker reads only the command's own
    // characters.
    auto copy = [&](char c) {
        out.command += c;
        tracker.feed(c);
    };
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (command[i] != '%' || i + 1 >= command.size()) {
            copy(command[i]);
            continue;
        }
        const char key = command[i + 1];
        const auto placeholder = std::find_if(placeholders.begin(), placeholders.end(),
                                              [key](const Placeholder& p) { return p.key == key; });
        if (key == '%') {
            copy('%');
            ++i;
        } else if (placeholder != placeholders.end()) {
            out.command += quote_for(tracker.context(), placeholder->value.value_or(""),
                                     placeholder->env_name);
            ++i;
        } else {
            copy('%');
        }
    }
    for (const auto& p : placeholders) {
        if (p.value)
            out.environment.emplace_back(p.env_name, *p.value);
    }
    return out;
}

namespace {

std::optional<std::string> number(std::optional<int> value) {
    if (!value)
        return std::nullopt;
    return std::to_string(*value);
}

}  // namespace

ExpandedCommand expand_event_command(std::string_view command, const EventPlaceholders& values) {
    return expand_placeholders(command,
                               {{'n', "PGWARDEN_NODE_ID", std::to_string(values.node_id)},
                                {'e', "PGWARDEN_EVENT", values.event},
                                {'s', "PGWARDEN_SUCCESSFUL", values.successful ? "1" : "0"},
                                {'t', "PGWARDEN_TIMESTAMP", values.timestamp},
                                {'d', "PGWARDEN_DETAILS", values.details},
                                {'p', "PGWARDEN_OTHER_NODE_ID", number(values.other_node_id)},
                                {'c', "PGWARDEN_OTHER_CONNINFO", values.other_conninfo},
                                {'a', "PGWARDEN_OTHER_NODE_NAME", values.other_node_name}});
}

ExpandedCommand expand_follow_command(std::string_view command, int upstream_node_id) {
    return expand_placeholders(
        command, {{'n', "PGWARDEN_UPSTREAM_NODE_ID", std::to_string(upstream_node_id)}});
}

ExpandedCommand expand_validation_command(std::string_view command,
                                          const ValidationPlaceholders& values) {
    return expand_placeholders(
        command, {{'n', "PGWARDEN_NODE_ID", std::to_string(values.node_id)},
                  {'a', "PGWARDEN_NODE_NAME", values.node_name},
                  {'v', "PGWARDEN_VISIBLE_NODES", std::to_string(values.visible_nodes)},
                  {'u', "PGWARDEN_SHARING_UPSTREAM", std::to_string(values.sharing_upstream)},
                  {'t', "PGWARDEN_TOTAL_NODES", std::to_string(values.total_nodes)}});
}

ExpandedCommand expand_child_disconnect_command(std::string_view command, int node_id) {
    return expand_placeholders(command, {{'p', "PGWARDEN_NODE_ID", std::to_string(node_id)}});
}

}  // namespace pgwarden::exec
