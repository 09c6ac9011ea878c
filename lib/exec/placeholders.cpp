#include "exec/placeholders.hpp"

namespace pgwarden::exec {

std::string escape_double_quotes(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '"' && (i == 0 || text[i - 1] != '\\'))
            out += '\\';
        out += text[i];
    }
    return out;
}

std::string expand_event_command(std::string_view command, const EventPlaceholders& values) {
    std::string out;
    out.reserve(command.size() + values.details.size());
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (command[i] != '%' || i + 1 == command.size()) {
            out += command[i];
            continue;
        }
        switch (command[i + 1]) {
            case '%':
                out += '%';
                break;
            case 'n':
                out += std::to_string(values.node_id);
                break;
            case 'e':
                out += values.event;
                break;
            case 's':
                out += values.successful ? "1" : "0";
                break;
            case 't':
                out += values.timestamp;
                break;
            case 'd':
                out += escape_double_quotes(values.details);
                break;
            case 'p':
                if (values.other_node_id)
                    out += std::to_string(*values.other_node_id);
                break;
            case 'c':
                if (values.other_conninfo)
                    out += *values.other_conninfo;
                break;
            case 'a':
                if (values.other_node_name)
                    out += *values.other_node_name;
                break;
            default:
                // Not a placeholder: the '%' is kept and the next character copied as it comes.
                out += '%';
                continue;
        }
        ++i;
    }
    return out;
}

std::string expand_placeholders(std::string_view command,
                                const std::map<char, std::string>& values) {
    std::string out;
    out.reserve(command.size() + 16);
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (command[i] != '%' || i + 1 >= command.size()) {
            out += command[i];
            continue;
        }
        const char key = command[i + 1];
        if (key == '%') {
            out += '%';
            ++i;
        } else if (const auto value = values.find(key); value != values.end()) {
            out += value->second;
            ++i;
        } else {
            out += '%';
        }
    }
    return out;
}

std::string expand_follow_command(std::string_view command, int upstream_node_id) {
    return expand_placeholders(command, {{'n', std::to_string(upstream_node_id)}});
}

std::string expand_validation_command(std::string_view command,
                                      const ValidationPlaceholders& values) {
    return expand_placeholders(command, {{'n', std::to_string(values.node_id)},
                                         {'a', values.node_name},
                                         {'v', std::to_string(values.visible_nodes)},
                                         {'u', std::to_string(values.sharing_upstream)},
                                         {'t', std::to_string(values.total_nodes)}});
}

}  // namespace pgwarden::exec
