// The one exception type of the configuration layer: every problem says file:line and why.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::config {

// One problem found in a configuration file. line 0 means "the file as a whole" (a missing
// required key, an unreadable file), and is left out of the text.
struct ConfigProblem {
    std::string file;
    int line = 0;
    std::string reason;

    // "file:line: reason", or "file: reason" when line is 0.
    std::string to_string() const;
};

// Thrown at start-up (and on reload) when a configuration file cannot be used. what() holds
// every problem found, one per line, so an operator fixes them all in one edit.
// `text` in double quotes, with quotes, backslashes and control bytes escaped, so a message
// stays on one line whatever a file holds: foo"bar -> "foo\"bar".
std::string quote_for_message(std::string_view text);

class ConfigError : public std::runtime_error {
  public:
    ConfigError(std::string file, int line, const std::string& reason);
    explicit ConfigError(std::vector<ConfigProblem> problems);  // empty: a placeholder problem

    const std::string& file() const { return problems_.front().file; }  // of the first problem
    int line() const { return problems_.front().line; }
    const std::vector<ConfigProblem>& problems() const { return problems_; }

  private:
    std::vector<ConfigProblem> problems_;
};

}  // namespace pgwarden::config
