// The few questions the PGDG and Debian layout searches ask of this host (files, directories,
// pg_config), behind an interface so unit tests answer them from a fake directory tree.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pgwarden::config {

class HostProbe {
  public:
    virtual ~HostProbe() = default;

    virtual bool exists(const std::string& path) const = 0;
    // A regular file this process may execute.
    virtual bool is_executable(const std::string& path) const = 0;
    // The names in directory `path` (no "." or ".."), unsorted; empty when it cannot be read.
    virtual std::vector<std::string> list_directory(const std::string& path) const = 0;
    // The start of a small text file (a few KB at most); nothing when it cannot be read.
    virtual std::optional<std::string> read_file(const std::string& path) const = 0;
    // Where symlink `path` points (e.g. /proc/PID/exe); nothing when it is not readable.
    virtual std::optional<std::string> read_link(const std::string& path) const = 0;
    // `pg_config <option>`'s one-line answer when pg_config is on PATH and answers.
    virtual std::optional<std::string> pg_config(const std::string& option) const = 0;
};

// The real file system and the pg_config found on PATH.
class SystemHostProbe final : public HostProbe {
  public:
    bool exists(const std::string& path) const override;
    bool is_executable(const std::string& path) const override;
    std::vector<std::string> list_directory(const std::string& path) const override;
    std::optional<std::string> read_file(const std::string& path) const override;
    std::optional<std::string> read_link(const std::string& path) const override;
    std::optional<std::string> pg_config(const std::string& option) const override;
};

const HostProbe& system_host();

}  // namespace pgwarden::config
