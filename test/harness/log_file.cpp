// Reading and waiting on log files.
#include "log_file.hpp"

#include "wait.hpp"

#include <deque>
#include <fstream>
#include <sstream>

namespace pgwarden::test {

std::string file_contents(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string tail_file(const std::string& path, std::size_t lines) {
    std::ifstream in(path);
    if (!in)
        return "";
    std::deque<std::string> kept;
    std::string line;
    while (std::getline(in, line)) {
        kept.push_back(std::move(line));
        if (kept.size() > lines)
            kept.pop_front();
    }
    std::string out;
    for (const auto& l : kept)
        out += l + '\n';
    return out;
}

std::size_t count_occurrences(std::string_view text, std::string_view needle) {
    if (needle.empty())
        return 0;
    std::size_t count = 0;
    for (auto at = text.find(needle); at != std::string_view::npos;
         at = text.find(needle, at + needle.size()))
        ++count;
    return count;
}

bool wait_for_log(const std::function<std::string()>& read_log, std::string_view needle,
                  std::chrono::milliseconds timeout, std::size_t times) {
    return wait_until([&] { return count_occurrences(read_log(), needle) >= times; }, timeout,
                      std::chrono::milliseconds(200));
}

}  // namespace pgwarden::test
