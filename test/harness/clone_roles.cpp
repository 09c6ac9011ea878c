// The clones' non-superuser -U role (clone_roles.hpp).
#include "clone_roles.hpp"

#include <fmt/format.h>

namespace pgwarden::test {

std::string clone_user(const PgCluster& cluster, const std::string& name,
                       const std::string& attributes) {
    cluster.psql(1, fmt::format("CREATE ROLE {0} LOGIN {1}; GRANT USAGE ON SCHEMA repmgr TO {0}; "
                                "GRANT ALL ON ALL TABLES IN SCHEMA repmgr TO {0}",
                                name, attributes));
    return name;
}

}  // namespace pgwarden::test
