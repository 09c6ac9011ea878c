// The daemon's and the CLI's whole-file writes (lib/lease/small_file): the mode asked for whatever
// the umask, nothing left beside the file after a success or a failure, and reads with a limit.
#include "lease/small_file.hpp"

#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using pgwarden::lease::read_small_file;
using pgwarden::lease::write_file_atomically;
using pgwarden::test::read_file;
using pgwarden::test::TempDir;

namespace {

// The names in `dir`, sorted.
std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir))
        names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

// Sets the process umask for one test and puts the old one back.
struct ScopedUmask {
    mode_t old;
    explicit ScopedUmask(mode_t mask) : old(::umask(mask)) {}
    ~ScopedUmask() { ::umask(old); }
};

fs::perms perms_of(const std::string& path) {
    return fs::status(path).permissions() & fs::perms::mask;
}

}  // namespace

TEST_CASE("a file written whole gets the mode asked for, whatever the umask, and nothing beside") {
    TempDir dir("small-file");
    const ScopedUmask strict(077);
    const auto path = dir.path("state/lease");
    REQUIRE_FALSE(write_file_atomically(path, "term=1\n"));
    CHECK(read_file(path) == "term=1\n");
    CHECK(perms_of(path) == static_cast<fs::perms>(0644));
    CHECK(names_in(dir.path("state")) == std::vector<std::string>{"lease"});

    // Replaced, with another mode.
    REQUIRE_FALSE(write_file_atomically(path, "term=2\n", 0640));
    CHECK(read_file(path) == "term=2\n");
    CHECK(perms_of(path) == static_cast<fs::perms>(0640));

    // An empty text makes an empty file.
    REQUIRE_FALSE(write_file_atomically(path, "", 0600));
    CHECK(read_file(path).empty());
    CHECK(perms_of(path) == static_cast<fs::perms>(0600));
    CHECK(names_in(dir.path("state")) == std::vector<std::string>{"lease"});
}

TEST_CASE("a file that cannot be replaced is reported by its path and leaves no temporary file") {
    TempDir dir("small-file");
    // A directory with something in it cannot be renamed over.
    dir.write("taken/inside", "x");
    const auto failure = write_file_atomically(dir.path("taken"), "text");
    REQUIRE(failure);
    CHECK(failure->rfind("cannot replace " + dir.path("taken") + ": ", 0) == 0);
    CHECK(names_in(dir.path()) == std::vector<std::string>{"taken"});

    // A parent that is a file: the temporary file cannot be made.
    const auto file = dir.write("plain", "x");
    const auto blocked = write_file_atomically(file + "/lease", "text");
    REQUIRE(blocked);
    CHECK(blocked->rfind("cannot write " + file + "/lease.", 0) == 0);
    CHECK(blocked->find(": Not a directory") != std::string::npos);
}

TEST_CASE("a small file is read whole up to its limit, and a missing one is no error") {
    TempDir dir("small-file");
    std::string text;
    bool exists = true;
    CHECK_FALSE(read_small_file(dir.path("missing"), 16, text, exists));
    CHECK_FALSE(exists);

    const auto path = dir.write("record", "0123456789");
    CHECK_FALSE(read_small_file(path, 10, text, exists));
    CHECK(exists);
    CHECK(text == "0123456789");

    const auto larger = read_small_file(path, 9, text, exists);
    REQUIRE(larger);
    CHECK(*larger == "larger than 9 bytes");
}
