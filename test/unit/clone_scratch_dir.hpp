// A fresh directory under the system's temporary directory for the clone unit tests that need
// real files, removed with its contents at the end of the test.
#pragma once

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace pgwarden::test {

struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "pgwarden-unit-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~ScratchDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    // Writes `text` to `name` in the directory, with `perms`; returns its path.
    std::string write(const std::string& name, const std::string& text,
                      std::filesystem::perms perms = std::filesystem::perms::owner_read |
                                                     std::filesystem::perms::owner_write) const {
        const auto file = (path / name).string();
        std::ofstream(file) << text;
        std::filesystem::permissions(file, perms);
        return file;
    }
};

}  // namespace pgwarden::test
