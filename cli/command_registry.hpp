// The table of commands: each command file registers its words, help and function here.
#pragma once

#include "cli_options.hpp"

#include <string>
#include <vector>

namespace pgwarden::cli {

using CommandFn = int (*)(const CliOptions& options);

struct Command {
    std::vector<std::string> words;  // {"cluster", "show"}; aliases are separate entries
    std::string summary;             // one line for the command list
    std::string help;                // the text `pgwarden cluster show --help` prints
    CommandFn run;
};

std::vector<Command>& command_registry();

// Place at namespace scope in a command file:
//   static const pgwarden::cli::CommandRegistration reg{{{"cluster", "show"}, "...", "...", &fn}};
struct CommandRegistration {
    explicit CommandRegistration(Command command) {
        command_registry().push_back(std::move(command));
    }
};

// The command whose words start `words`, or nullptr.
const Command* find_command(const std::vector<std::string>& words);

}  // namespace pgwarden::cli
