#include "lease/replication_file.hpp"

#include "lease/small_file.hpp"

#include <fmt/format.h>

namespace pgwarden::lease {
namespace {

// A few hundred bytes per standby and one refusal line; more is not a record.
constexpr std::size_t kMaxRecordBytes = 64 * 1024;

}  // namespace

std::string replication_record_path(const std::string& directory, int node_id) {
    return fmt::format("{}/replication-{}", directory, node_id);
}

std::optional<std::string> write_replication_record(const std::string& path,
                                                    const failover::ReplicationRecord& record) {
    return write_file_atomically(path, failover::format_replication_record(record));
}

ReplicationLook look_at_replication_record(const std::string& path) {
    ReplicationLook look;
    std::string text;
    if (const auto error = read_small_file(path, kMaxRecordBytes, text, look.file_exists)) {
        look.read_error = *error;
        return look;
    }
    if (look.file_exists)
        look.record = failover::parse_replication_record(text, &look.read_error);
    return look;
}

}  // namespace pgwarden::lease
