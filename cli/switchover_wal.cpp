#include "switchover_wal.hpp"

#include "config/pg_programs.hpp"
#include "exec/shell.hpp"
#include "text/shell_quote.hpp"

#include <fmt/format.h>

namespace pgwarden::cli::switchover {
namespace {

constexpr std::chrono::seconds kWaldumpTimeout{60};

// The LSN that follows `marker` in `line` ("lsn: 0/01500790," or "at 0/15261F0:").
std::optional<model::Lsn> lsn_after(std::string_view line, std::string_view marker) {
    const auto at = line.find(marker);
    if (at == std::string_view::npos)
        return std::nullopt;
    auto rest = line.substr(at + marker.size());
    const auto end = rest.find_first_of(",: ;");
    return model::parse_lsn(rest.substr(0, end));
}

}  // namespace

WalTail parse_waldump(std::string_view output) {
    WalTail tail;
    while (!output.empty()) {
        const auto newline = output.find('\n');
        const auto line = output.substr(0, newline);
        output =
            newline == std::string_view::npos ? std::string_view{} : output.substr(newline + 1);
        if (line.find("desc: CHECKPOINT_SHUTDOWN") != std::string_view::npos)
            tail.shutdown_checkpoint = lsn_after(line, "lsn: ");
        if (line.find("error in WAL record at ") != std::string_view::npos)
            tail.last_record = lsn_after(line, "error in WAL record at ");
    }
    return tail;
}

WalTail read_wal_tail(const config::RepmgrConfig& config, model::Lsn from, std::uint32_t timeline) {
    const std::string command = fmt::format(
        "{} -p {} -t {} -s {} --rmgr=XLOG 2>&1", config::pg_program(config, "pg_waldump"),
        text::shell_quote(config.data_directory + "/pg_wal"), timeline, model::format_lsn(from));
    return parse_waldump(exec::run_shell(command, kWaldumpTimeout, log::Level::debug).output);
}

}  // namespace pgwarden::cli::switchover
