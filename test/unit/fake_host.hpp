// A HostProbe over an in-memory directory tree: the PGDG and Debian layout searches run against
// hosts that this machine is not (CentOS with /usr/pgsql-12, several versions, a running server).
#pragma once

#include "config/host_probe.hpp"

#include <map>
#include <set>
#include <string>

namespace pgwarden::test {

class FakeHost final : public config::HostProbe {
  public:
    // A file with its content; its parent directories exist from then on.
    FakeHost& file(const std::string& path, const std::string& content = "") {
        files_[path] = content;
        return *this;
    }
    FakeHost& program(const std::string& path) {
        executables_.insert(path);
        return file(path);
    }
    FakeHost& link(const std::string& path, const std::string& target) {
        links_[path] = target;
        return *this;
    }
    FakeHost& pg_config_answer(const std::string& option, const std::string& answer) {
        pg_config_[option] = answer;
        return *this;
    }

    bool exists(const std::string& path) const override {
        if (files_.count(path) != 0)
            return true;
        const std::string prefix = path + "/";
        for (const auto& [file, content] : files_) {
            if (file.compare(0, prefix.size(), prefix) == 0)
                return true;
        }
        return false;
    }
    bool is_executable(const std::string& path) const override {
        return executables_.count(path) != 0;
    }
    std::vector<std::string> list_directory(const std::string& path) const override {
        std::set<std::string> names;
        const std::string prefix = path + "/";
        for (const auto& [file, content] : files_) {
            if (file.compare(0, prefix.size(), prefix) == 0)
                names.insert(
                    file.substr(prefix.size(), file.find('/', prefix.size()) - prefix.size()));
        }
        return {names.begin(), names.end()};
    }
    std::optional<std::string> read_file(const std::string& path) const override {
        const auto it = files_.find(path);
        if (it == files_.end())
            return std::nullopt;
        return it->second;
    }
    std::optional<std::string> read_link(const std::string& path) const override {
        const auto it = links_.find(path);
        if (it == links_.end())
            return std::nullopt;
        return it->second;
    }
    std::optional<std::string> pg_config(const std::string& option) const override {
        const auto it = pg_config_.find(option);
        if (it == pg_config_.end())
            return std::nullopt;
        return it->second;
    }

  private:
    std::map<std::string, std::string> files_;
    std::set<std::string> executables_;
    std::map<std::string, std::string> links_;
    std::map<std::string, std::string> pg_config_;
};

}  // namespace pgwarden::test
