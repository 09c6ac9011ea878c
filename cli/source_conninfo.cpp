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
    if (options.host)
        set_param(params, "host", *options.host);
    if (options.port)
        set_param(params, "port", *options.port);
    if (options.user)
        set_param(params, "user", *options.user);
    return params;
}

}  // namespace pgwarden::cli::standby
