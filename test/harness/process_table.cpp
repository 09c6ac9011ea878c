// /proc and waitpid() for processes the harness did not spawn itself.
#include "process_table.hpp"

#include <fmt/format.h>

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace pgwarden::test {

bool process_gone(pid_t pid) {
    if (pid <= 0)
        return true;
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid)
        return true;
    if (r == 0)
        return false;
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return true;
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string line;
    if (!std::getline(stat, line))
        return true;
    auto close_paren = line.rfind(')');
    if (close_paren == std::string::npos || close_paren + 2 >= line.size())
        return false;
    char state = line[close_paren + 2];
    return state == 'Z' || state == 'X';
}

std::vector<pid_t> children_of(pid_t pid) {
    std::vector<pid_t> children;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
        const auto name = entry.path().filename().string();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        std::ifstream stat(entry.path() / "stat");
        std::string line;
        if (!std::getline(stat, line))
            continue;
        auto close_paren = line.rfind(')');
        if (close_paren == std::string::npos)
            continue;
        std::istringstream rest(line.substr(close_paren + 1));
        char state;
        long ppid = 0;
        if (rest >> state >> ppid && ppid == pid)
            children.push_back(std::stoi(name));
    }
    return children;
}

void become_subreaper() {
    static const bool done = [] {
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        return true;
    }();
    (void)done;
}

}  // namespace pgwarden::test
