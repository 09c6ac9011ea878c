#include "cluster/bare_query.hpp"

namespace pgwarden::cluster {

pg::Result try_exec(PGconn* conn, const char* sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& param : params)
        values.push_back(param.c_str());
    pg::Result result(PQexecParams(conn, sql, static_cast<int>(values.size()), nullptr,
                                   values.data(), nullptr, nullptr, 0));
    if (!result.ok())
        return pg::Result();
    return result;
}

}  // namespace pgwarden::cluster
