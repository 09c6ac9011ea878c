// The fault suite's writer: inserts numbered rows through HAProxy's read-write port as fast as one
// session can, and logs every attempt, so that the suite can tell which rows a client saw
// acknowledged (and so must survive) and where each one landed.
//
//   fault_writer --conninfo CONNINFO --out FILE --seconds N
//
// One line per attempt: "<ms since start> <row id> <server address|-> ok|err|timeout <detail>".
// A row is acknowledged only when its INSERT returned success. There is no statement_timeout:
// PostgreSQL answers a cancelled wait for a synchronous standby with success although the commit
// is only local, so a stuck commit is abandoned by closing the connection instead (counted as not
// acknowledged, as a client that gave up would see it).
#include <libpq-fe.h>
#include <poll.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A commit that waits longer than this for its synchronous standby is given up.
constexpr auto kAttemptTimeout = 3s;
// Between a failed connect and the next; short, so the outage measured is HAProxy's, not ours.
constexpr auto kReconnectPause = 50ms;

struct Options {
    std::string conninfo;
    std::string out;
    int seconds = 0;
};

[[noreturn]] void usage(const char* why) {
    std::fprintf(
        stderr,
        "fault_writer: %s\nusage: fault_writer --conninfo CONNINFO --out FILE --seconds N\n", why);
    std::exit(2);
}

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (i + 1 >= argc)
            usage("every option takes a value");
        const char* value = argv[++i];
        if (arg == "--conninfo")
            options.conninfo = value;
        else if (arg == "--out")
            options.out = value;
        else if (arg == "--seconds")
            options.seconds = std::atoi(value);
        else
            usage("unknown option");
    }
    if (options.conninfo.empty() || options.out.empty() || options.seconds <= 0)
        usage("--conninfo, --out and --seconds (> 0) are required");
    return options;
}

std::string one_line(const char* text) {
    std::string s = text ? text : "";
    for (char& c : s)
        if (c == '\n' || c == '\r')
            c = ' ';
    while (!s.empty() && s.back() == ' ')
        s.pop_back();
    return s.empty() ? "-" : s;
}

// Sends `sql` and waits for its result until `deadline`; nullptr on timeout (the caller drops the
// connection: its query may still be running, or waiting for a standby, on the server).
PGresult* run_until(PGconn* conn, const std::string& sql, Clock::time_point deadline,
                    bool* timed_out) {
    *timed_out = false;
    if (!PQsendQuery(conn, sql.c_str()))
        return nullptr;
    while (true) {
        if (!PQconsumeInput(conn))
            return nullptr;
        if (!PQisBusy(conn))
            break;
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left <= 0ms) {
            *timed_out = true;
            return nullptr;
        }
        pollfd fd{PQsocket(conn), POLLIN, 0};
        ::poll(&fd, 1, static_cast<int>(left.count()));
    }
    PGresult* first = PQgetResult(conn);
    while (PGresult* more = PQgetResult(conn))
        PQclear(more);
    return first;
}

}  // namespace

int main(int argc, char** argv) {
    const Options options = parse(argc, argv);
    std::FILE* out = std::fopen(options.out.c_str(), "w");
    if (!out) {
        std::fprintf(stderr, "fault_writer: cannot write %s: %s\n", options.out.c_str(),
                     std::strerror(errno));
        return 1;
    }
    const auto start = Clock::now();
    const auto end = start + std::chrono::seconds(options.seconds);
    const auto ms = [start] {
        return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
    };
    PGconn* conn = nullptr;
    std::string server = "-";
    long long id = 0;
    while (Clock::now() < end) {
        if (!conn) {
            conn = PQconnectdb(options.conninfo.c_str());
            if (PQstatus(conn) != CONNECTION_OK) {
                std::fprintf(out, "%lld %lld - err connect: %s\n", static_cast<long long>(ms()),
                             id + 1, one_line(PQerrorMessage(conn)).c_str());
                std::fflush(out);
                PQfinish(conn);
                conn = nullptr;
                std::this_thread::sleep_for(kReconnectPause);
                continue;
            }
            bool timed_out = false;
            PGresult* where = run_until(conn, "SELECT host(inet_server_addr())",
                                        Clock::now() + kAttemptTimeout, &timed_out);
            server =
                where && PQresultStatus(where) == PGRES_TUPLES_OK ? PQgetvalue(where, 0, 0) : "-";
            PQclear(where);
        }
        ++id;
        bool timed_out = false;
        PGresult* result =
            run_until(conn, "INSERT INTO fault_rows (id) VALUES (" + std::to_string(id) + ")",
                      Clock::now() + kAttemptTimeout, &timed_out);
        const bool ok = result && PQresultStatus(result) == PGRES_COMMAND_OK;
        const std::string detail = ok          ? "-"
                                   : timed_out ? "no answer within the attempt timeout"
                                               : one_line(PQerrorMessage(conn));
        std::fprintf(out, "%lld %lld %s %s %s\n", static_cast<long long>(ms()), id, server.c_str(),
                     ok          ? "ok"
                     : timed_out ? "timeout"
                                 : "err",
                     detail.c_str());
        std::fflush(out);
        PQclear(result);
        if (!ok) {
            PQfinish(conn);
            conn = nullptr;
            server = "-";
        }
    }
    PQfinish(conn);
    std::fclose(out);
    return 0;
}
