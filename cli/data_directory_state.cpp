#include "data_directory_state.hpp"

#include <signal.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace pgwarden::cli {

namespace fs = std::filesystem;

DirState dir_state(const std::string& path) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        return DirState::missing;
    if (fs::is_empty(path, ec))
        return DirState::empty;
    if (fs::exists(fs::path(path) / "PG_VERSION", ec))
        return DirState::data_directory;
    return DirState::other;
}

bool server_running(const std::string& data_dir) {
    std::ifstream in(data_dir + "/postmaster.pid");
    long pid = 0;
    if (!(in >> pid) || pid <= 0)
        return false;
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace pgwarden::cli
