#include "log/log.hpp"

#include "text/conninfo.hpp"

#include <fmt/chrono.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <mutex>

#include <syslog.h>

namespace pgwarden::log {
namespace {

struct Sink {
    std::mutex mutex;
    Level level = Level::info;
    Style style = Style::daemon;
    std::FILE* file = nullptr;  // nullptr: stderr
    bool syslog = false;
};

Sink& sink() {
    static Sink instance;
    return instance;
}

constexpr std::string_view kLevelNames[] = {"DEBUG", "INFO",  "NOTICE", "WARNING",
                                            "ERROR", "ALERT", "CRIT",   "EMERG"};

}  // namespace

std::optional<Level> parse_level(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kLevelNames); ++i) {
        const auto& candidate = kLevelNames[i];
        if (candidate.size() == name.size() &&
            std::equal(name.begin(), name.end(), candidate.begin(), [](char a, char b) {
                return std::toupper(static_cast<unsigned char>(a)) == b;
            })) {
            return static_cast<Level>(i);
        }
    }
    return std::nullopt;
}

std::string_view level_name(Level level) {
    return kLevelNames[static_cast<std::size_t>(level)];
}

std::optional<int> syslog_facility(std::string_view name) {
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    static constexpr std::pair<std::string_view, int> kFacilities[] = {
        {"USER", LOG_USER},     {"LOCAL0", LOG_LOCAL0}, {"LOCAL1", LOG_LOCAL1},
        {"LOCAL2", LOG_LOCAL2}, {"LOCAL3", LOG_LOCAL3}, {"LOCAL4", LOG_LOCAL4},
        {"LOCAL5", LOG_LOCAL5}, {"LOCAL6", LOG_LOCAL6}, {"LOCAL7", LOG_LOCAL7}};
    for (const auto& [facility_name, facility] : kFacilities)
        if (upper == facility_name)
            return facility;
    return std::nullopt;
}

void use_syslog(int facility) {
    ::openlog("pgwardend", LOG_PID | LOG_NDELAY, facility);
    std::lock_guard lock(sink().mutex);
    sink().syslog = true;
}

void set_style(Style style) {
    std::lock_guard lock(sink().mutex);
    sink().style = style;
}

void set_level(Level level) {
    std::lock_guard lock(sink().mutex);
    sink().level = level;
}

Level level() {
    std::lock_guard lock(sink().mutex);
    return sink().level;
}

bool enabled(Level lvl) {
    return lvl >= level();
}

std::optional<std::string> open_file(const std::string& path) {
    std::FILE* opened = nullptr;
    if (!path.empty()) {
        // "e": O_CLOEXEC, or every command the daemon runs would hold the log file open.
        opened = std::fopen(path.c_str(), "ae");
        if (opened == nullptr) {
            return fmt::format("cannot open log file \"{}\": {}", path, std::strerror(errno));
        }
        std::setvbuf(opened, nullptr, _IOLBF, 0);
    }
    std::lock_guard lock(sink().mutex);
    if (sink().file != nullptr)
        std::fclose(sink().file);
    sink().file = opened;
    return std::nullopt;
}

void write(Level lvl, std::string_view message) {
    // "...\nDETAIL: ..." becomes two lines, each with its own label, as repmgr prints them.
    for (std::string_view sub_line : {"\nDETAIL: ", "\nHINT: "}) {
        if (const auto at = message.find(sub_line); at != std::string_view::npos) {
            write(lvl, message.substr(0, at));
            write(lvl, message.substr(at + 1));
            return;
        }
    }
    std::string_view label = level_name(lvl);
    for (std::string_view sub_label : {"DETAIL", "HINT"}) {
        if (message.size() > sub_label.size() + 1 && message.starts_with(sub_label) &&
            message.substr(sub_label.size(), 2) == ": ") {
            label = sub_label;
            message.remove_prefix(sub_label.size() + 2);
        }
    }
    const std::string masked = text::mask_password(message);
    std::lock_guard lock(sink().mutex);
    if (sink().syslog) {
        static constexpr int kPriorities[] = {LOG_DEBUG, LOG_INFO,  LOG_NOTICE, LOG_WARNING,
                                              LOG_ERR,   LOG_ALERT, LOG_CRIT,   LOG_EMERG};
        const std::string line = fmt::format("[{}] {}", label, masked);
        ::syslog(kPriorities[static_cast<std::size_t>(lvl)], "%s", line.c_str());
        return;
    }
    std::string line;
    if (sink().style == Style::cli && sink().file == nullptr) {
        line = fmt::format("{}: {}\n", label, masked);
    } else {
        const std::time_t now = std::time(nullptr);
        std::tm local{};
        localtime_r(&now, &local);
        line = fmt::format("[{:%Y-%m-%d %H:%M:%S}] [{}] {}\n", local, label, masked);
    }
    std::FILE* out = sink().file != nullptr ? sink().file : stderr;
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
}

}  // namespace pgwarden::log
