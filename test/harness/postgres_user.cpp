// The postgres OS user: looked up once, for children that drop root and for chown.
#include "postgres_user.hpp"

#include <fmt/format.h>

#include <grp.h>
#include <linux/magic.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string_view>

extern char** environ;

namespace pgwarden::test {
namespace {

const Identity& postgres_identity() {
    static const Identity identity = [] {
        Identity id;
        passwd pw{};
        passwd* found = nullptr;
        std::vector<char> buf(16384);
        if (getpwnam_r("postgres", &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr)
            throw std::runtime_error(
                "the test runs as root but there is no `postgres` OS user to run PostgreSQL as; "
                "install the postgresql package or run the tests as a non-root user");
        id.uid = pw.pw_uid;
        id.gid = pw.pw_gid;
        id.name = pw.pw_name;
        id.home = pw.pw_dir;
        int count = 64;
        id.groups.resize(static_cast<std::size_t>(count));
        if (getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &count) < 0) {
            id.groups.resize(static_cast<std::size_t>(count));
            getgrouplist(pw.pw_name, pw.pw_gid, id.groups.data(), &count);
        }
        id.groups.resize(static_cast<std::size_t>(count));
        return id;
    }();
    return identity;
}

}  // namespace

const Identity* identity_for(bool as_postgres) {
    return (as_postgres && geteuid() == 0) ? &postgres_identity() : nullptr;
}

std::vector<std::string> environment_for(const Identity* identity) {
    std::vector<std::string> env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string_view entry(*e);
        if (identity != nullptr && (entry.starts_with("HOME=") || entry.starts_with("USER=") ||
                                    entry.starts_with("LOGNAME=")))
            continue;
        env.emplace_back(entry);
    }
    if (identity != nullptr) {
        env.push_back("HOME=" + identity->home);
        env.push_back("USER=" + identity->name);
        env.push_back("LOGNAME=" + identity->name);
    }
    return env;
}

void give_to_postgres(const std::string& path) {
    const Identity* id = identity_for(true);
    if (id == nullptr)
        return;
    if (chown(path.c_str(), id->uid, id->gid) != 0)
        throw std::runtime_error(
            fmt::format("could not chown \"{}\" to postgres: {}", path, std::strerror(errno)));
}

const char* scratch_base() {
    // A test's clusters create and delete thousands of files: on ext4 (/tmp here) most of a
    // test's system time went to finding a new inode among recently deleted ones; tmpfs has no
    // such search. /tmp where there is no writable tmpfs at /dev/shm.
    static const char* const base = [] {
        struct statfs fs {};
        if (::statfs("/dev/shm", &fs) == 0 && fs.f_type == TMPFS_MAGIC &&
            ::access("/dev/shm", W_OK | X_OK) == 0)
            return "/dev/shm";
        return "/tmp";
    }();
    return base;
}

std::string make_postgres_dir(const std::string& prefix) {
    std::string path = fmt::format("{}/{}-XXXXXX", scratch_base(), prefix);
    if (mkdtemp(path.data()) == nullptr)
        throw std::runtime_error(
            fmt::format("mkdtemp in {} failed: {}", scratch_base(), std::strerror(errno)));
    try {
        chmod(path.c_str(), 0700);
        give_to_postgres(path);
    } catch (...) {
        rmdir(path.c_str());
        throw;
    }
    return path;
}

}  // namespace pgwarden::test
