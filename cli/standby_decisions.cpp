// Pure helpers for standby clone / promote / follow (see the header).
#include "standby_decisions.hpp"

#include "config/libpq_conninfo.hpp"
#include "text/conninfo.hpp"

#include <fmt/format.h>

#include <charconv>
#include <set>
#include <sstream>
#include <stdexcept>

namespace pgwarden::cli::standby {
namespace {

// Keywords that describe a session, not where the server is: primary_conninfo must not carry them.
const std::set<std::string, std::less<>> kDroppedKeywords = {
    "dbname", "replication", "application_name", "fallback_application_name"};

bool needs_quotes(std::string_view value) {
    if (value.empty())
        return true;
    for (char c : value) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\'' || c == '\\')
            return true;
    }
    return false;
}

std::string trim(std::string_view s) {
    const auto begin = s.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos)
        return {};
    const auto end = s.find_last_not_of(" \t\r");
    return std::string(s.substr(begin, end - begin + 1));
}

// The key a postgresql.conf line sets ("key = value", "key value", "key=value"), or "".
std::string key_of_conf_line(std::string_view line) {
    const std::string t = trim(line);
    if (t.empty() || t.front() == '#')
        return {};
    std::size_t end = 0;
    while (end < t.size() && t[end] != '=' && t[end] != ' ' && t[end] != '\t')
        ++end;
    return t.substr(0, end);
}

}  // namespace

ConninfoParams parse_conninfo(const std::string& conninfo) {
    const text::ParsedConninfo parsed = config::parse_libpq_conninfo(conninfo);
    if (parsed.error)
        throw std::invalid_argument(*parsed.error);
    ConninfoParams params;
    for (const auto& [keyword, value] : parsed.params)
        params.emplace_back(keyword, value);
    return params;
}

std::string format_conninfo(const ConninfoParams& params) {
    std::string out;
    for (const auto& [key, value] : params) {
        if (!out.empty())
            out += ' ';
        out += key;
        out += '=';
        out += needs_quotes(value) ? text::quote_conninfo_value(value) : value;
    }
    return out;
}

void set_param(ConninfoParams& params, const std::string& key, const std::string& value) {
    for (auto& [k, v] : params) {
        if (k == key) {
            v = value;
            return;
        }
    }
    params.emplace_back(key, value);
}

std::optional<std::string> get_param(const ConninfoParams& params, std::string_view key) {
    for (const auto& [k, v] : params) {
        if (k == key)
            return v;
    }
    return std::nullopt;
}

std::string build_primary_conninfo(const std::string& upstream_conninfo,
                                   const PrimaryConninfoOptions& options) {
    ConninfoParams kept;
    for (auto& [key, value] : parse_conninfo(upstream_conninfo)) {
        if (kDroppedKeywords.count(key) != 0 || (key == "password" && !options.keep_password))
            continue;
        kept.emplace_back(key, value);
    }
    if (!options.repl_user.empty())
        set_param(kept, "user", options.repl_user);
    if (!options.passfile.empty())
        set_param(kept, "passfile", options.passfile);
    set_param(kept, "application_name", options.node_name);
    return format_conninfo(kept);
}

std::string quote_conf_value(std::string_view value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\'')
            out += "''";
        else if (c == '\\')
            out += "\\\\";
        else
            out += c;
    }
    out += '\'';
    return out;
}

std::string rewrite_auto_conf(std::string_view old_text, const ConninfoParams& settings) {
    std::set<std::string, std::less<>> keys;
    for (const auto& [key, value] : settings)
        keys.insert(key);
    std::string out;
    std::istringstream in{std::string(old_text)};
    std::string line;
    while (std::getline(in, line)) {
        if (keys.count(key_of_conf_line(line)) != 0)
            continue;
        out += line;
        out += '\n';
    }
    for (const auto& [key, value] : settings)
        out += fmt::format("{} = {}\n", key, quote_conf_value(value));
    return out;
}

ConninfoParams replication_settings_lines(const ReplicationSettings& settings) {
    ConninfoParams lines = {{"primary_conninfo", settings.primary_conninfo}};
    if (settings.primary_slot_name)
        lines.emplace_back("primary_slot_name", *settings.primary_slot_name);
    if (!settings.restore_command.empty())
        lines.emplace_back("restore_command", settings.restore_command);
    if (!settings.archive_cleanup_command.empty())
        lines.emplace_back("archive_cleanup_command", settings.archive_cleanup_command);
    if (!settings.recovery_min_apply_delay.empty())
        lines.emplace_back("recovery_min_apply_delay", settings.recovery_min_apply_delay);
    return lines;
}

std::vector<std::string> basebackup_argv(const BasebackupPlan& plan) {
    std::vector<std::string> argv = {plan.pg_basebackup, "-l", "repmgr base backup", "-D",
                                     plan.data_directory};
    // A source named by hostaddr alone (-d 'hostaddr=10.0.0.5 ...') is cloned from that address:
    // without a -h, pg_basebackup would take this machine's socket, after -F emptied the
    // directory.
    auto host = get_param(plan.source, "host");
    if (!host)
        host = get_param(plan.source, "hostaddr");
    if (host) {
        argv.emplace_back("-h");
        argv.push_back(*host);
    }
    const std::pair<const char*, const char*> flags[] = {{"port", "-p"}, {"user", "-U"}};
    for (const auto& [key, flag] : flags) {
        if (auto value = get_param(plan.source, key)) {
            argv.emplace_back(flag);
            argv.push_back(*value);
        }
    }
    if (plan.fast_checkpoint) {
        argv.emplace_back("-c");
        argv.emplace_back("fast");
    }
    for (const auto& mapping : plan.tablespace_mapping) {
        argv.emplace_back("-T");
        argv.push_back(tablespace_mapping_arg(mapping));
    }
    argv.emplace_back("-X");
    argv.emplace_back("stream");
    if (plan.slot_name) {
        argv.emplace_back("-S");
        argv.push_back(*plan.slot_name);
    }
    for (auto& word : split_words(plan.extra_options))
        argv.push_back(std::move(word));
    return argv;
}

std::string tablespace_mapping_arg(const config::TablespaceMapping& mapping) {
    auto escaped = [](const std::string& dir) {
        std::string out;
        for (const char c : dir) {
            if (c == '=')
                out += '\\';
            out += c;
        }
        return out;
    };
    return escaped(mapping.old_dir) + "=" + escaped(mapping.new_dir);
}

std::vector<std::string> split_words(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    char quote = 0;
    for (char c : text) {
        if (quote != 0) {
            if (c == quote)
                quote = 0;
            else
                word += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            in_word = true;
        } else if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word)
                words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word)
        words.push_back(std::move(word));
    return words;
}

bool poll_until(std::chrono::milliseconds timeout, std::chrono::milliseconds interval,
                const std::function<bool()>& done,
                const std::function<void(std::chrono::milliseconds)>& sleep) {
    if (interval < kQuickPoll)
        interval = kQuickPoll;
    for (std::chrono::milliseconds spent{0}; spent < timeout; spent += interval) {
        if (done())
            return true;
        sleep(interval);
    }
    return done();
}

}  // namespace pgwarden::cli::standby
