#include "exec/shell_quote.hpp"

#include <algorithm>

namespace pgwarden::exec {
namespace {

bool harmless(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_-.,:/=+@%").find(c) != std::string_view::npos;
}

// '...' with every ' written as '\'' (close, an escaped quote, reopen).
std::string single_quoted_body(std::string_view value) {
    std::string out;
    out.reserve(value.size() + 8);
    for (const char c : value) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out;
}

}  // namespace

void ShellContextTracker::feed(char c) {
    const char before = previous_;
    previous_ = c;
    if (opaque_rest_)
        return;
    if (escaped_) {
        escaped_ = false;
        return;
    }
    switch (top()) {
        case Frame::single:
            if (c == '\'')
                frames_.pop_back();
            return;
        case Frame::backquote:
            if (c == '\\')
                escaped_ = true;
            else if (c == '`')
                frames_.pop_back();
            return;
        case Frame::comment:
            if (c == '\n')
                frames_.pop_back();
            return;
        case Frame::arithmetic:
            if (c == '(')
                frames_.push_back(Frame::arithmetic);
            else if (c == ')')
                frames_.pop_back();
            return;
        case Frame::dquote:
            if (c == '\\')
                escaped_ = true;
            else if (c == '"')
                frames_.pop_back();
            else if (c == '`')
                frames_.push_back(Frame::backquote);
            else if (c == '(' && before == '$')
                frames_.push_back(Frame::subshell);
            return;
        case Frame::word:
        case Frame::subshell:
            break;
    }
    switch (c) {
        case '\\':
            escaped_ = true;
            break;
        case '\'':
            frames_.push_back(Frame::single);
            break;
        case '"':
            frames_.push_back(Frame::dquote);
            break;
        case '`':
            frames_.push_back(Frame::backquote);
            break;
        case '(':
            // "$((" opens arithmetic, where a quoted word is a syntax error.
            // One frame per parenthesis, so each ')' closes one.
            if (before == '(' && top() == Frame::subshell) {
                frames_.back() = Frame::arithmetic;
                frames_.push_back(Frame::arithmetic);
            } else {
                frames_.push_back(Frame::subshell);
            }
            break;
            frames_.push_back(Frame::subshell);
            break;
        case ')':
            if (top() == Frame::subshell)
                frames_.pop_back();
            break;
        case '#':
            // A quote in a comment quotes nothing.
            if (before == '\0' ||
                std::string_view(" \t\n;&|()").find(before) != std::string_view::npos)
                frames_.push_back(Frame::comment);
            break;
        case '<':
            if (before == '<')
                opaque_rest_ = true;
            break;
        default:
            break;
    }
}

ShellContext ShellContextTracker::context() const {
    if (opaque_rest_ || escaped_ || std::any_of(frames_.begin(), frames_.end(), [](Frame f) {
            return f == Frame::backquote || f == Frame::arithmetic;
        }))
        return ShellContext::opaque;
    switch (top()) {
        case Frame::single:
            return ShellContext::single_quoted;
        case Frame::dquote:
            return ShellContext::double_quoted;
        default:
            return ShellContext::unquoted;
    }
}

std::string quote_for(ShellContext context, std::string_view value, std::string_view env_name) {
    switch (context) {
        case ShellContext::unquoted:
            if (std::all_of(value.begin(), value.end(), harmless))
                return std::string(value);
            return "'" + single_quoted_body(value) + "'";
        case ShellContext::single_quoted:
            return single_quoted_body(value);
        case ShellContext::double_quoted: {
            std::string out;
            out.reserve(value.size() + 8);
            for (const char c : value) {
                if (c == '$' || c == '`' || c == '"' || c == '\\')
                    out += '\\';
                out += c;
            }
            return out;
        }
        case ShellContext::opaque:
            break;
    }
    return "${" + std::string(env_name) + "}";
}

std::string shell_words(const std::vector<std::string>& words) {
    std::string line;
    for (const auto& word : words) {
        if (!line.empty())
            line += ' ';
        if (word.empty() || (line.empty() && word.find('=') != std::string::npos))
            line += "'" + single_quoted_body(word) + "'";
        else
            line += quote_for(ShellContext::unquoted, word, {});
    }
    return line;
}

}  // namespace pgwarden::exec
