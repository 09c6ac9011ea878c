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

std::string expand_follow_command(std::string_view command, int upstream_node_id) {
    std::string out;
    out.reserve(command.size() + 8);
    for (std::size_t i = 0; i < command.size(); ++i) {
        if (command[i] == '%' && i + 1 < command.size() && command[i + 1] == '%') {
            out += '%';
            ++i;
        } else if (command[i] == '%' && i + 1 < command.size() && command[i + 1] == 'n') {
            out += std::to_string(upstream_node_id);
            ++i;
        } else {
            out += command[i];
        }
    }
    return out;
}

}  // namespace pgwarden::exec
