// A fresh directory under the system temp dir for file-reading unit tests, removed with
// everything in it at scope exit; and a scoped change of working directory.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace pgwarden::test {

// The whole content of the file at `path`; empty if it cannot be read.
inline std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

class TempDir {
  public:
    explicit TempDir(const std::string& purpose = "unit") {
        std::random_device seed;
        path_ = std::filesystem::temp_directory_path() /
                ("pgwarden-" + purpose + "-" + std::to_string(::getpid()) + "-" +
                 std::to_string(seed()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    // Writes `text` to `name` (subdirectories created) and returns the file's path.
    std::string write(const std::string& name, const std::string& text) const {
        const std::filesystem::path file = path_ / name;
        std::filesystem::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << text;
        return file.string();
    }
    std::string path(const std::string& name = "") const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

// Restores the working directory (and $PWD) when the test leaves, even on failure.
class ChangeDirectory {
  public:
    explicit ChangeDirectory(const std::string& dir) : old_(std::filesystem::current_path()) {
        const char* pwd = std::getenv("PWD");
        old_pwd_ = pwd != nullptr ? pwd : "";
        std::filesystem::current_path(dir);
        ::setenv("PWD", dir.c_str(), 1);
    }
    ~ChangeDirectory() {
        std::error_code ec;
        std::filesystem::current_path(old_, ec);
        ::setenv("PWD", old_pwd_.c_str(), 1);
    }
    ChangeDirectory(const ChangeDirectory&) = delete;
    ChangeDirectory& operator=(const ChangeDirectory&) = delete;

  private:
    std::filesystem::path old_;
    std::string old_pwd_;
};

}  // namespace pgwarden::test
