#include "source_conninfo.hpp"

#include "text/conninfo.hpp"

namespace pgwarden::cli::standby {

bool is_conninfo_text(const std::string& value) {
    return value.find('=') != std::string::npos || text::is_conninfo_uri(value);
}

ConninfoParams source_params(const CliOptions& options) {
    ConninfoParams params;
    if (options.dbname) {
        if (is_conninfo_text(*options.dbname))
            params = parse_conninfo(*options.dbname);
        else
            params.emplace_back("dbname", *options.dbname);
    }
    // repmgr: "the conninfo settings take priority" over -h/-p/-U, where they are not empty.
    const auto set_unless_given = [&params](const char* key,
                                            const std::optional<std::string>& value) {
        if (value && get_param(params, key).value_or("").empty())
            set_param(params, key, *value);
    };
    set_unless_given("host", options.host);
    set_unless_given("port", options.port);
    set_unless_given("user", options.user);
    return params;
}

}  // namespace pgwarden::cli::standby
