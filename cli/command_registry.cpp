#include "command_registry.hpp"

#include <algorithm>

namespace pgwarden::cli {

std::vector<Command>& command_registry() {
    static std::vector<Command> commands;
    return commands;
}

const Command* find_command(const std::vector<std::string>& words) {
    for (const auto& command : command_registry()) {
        if (words.size() >= command.words.size() &&
            std::equal(command.words.begin(), command.words.end(), words.begin())) {
            return &command;
        }
    }
    return nullptr;
}

}  // namespace pgwarden::cli
