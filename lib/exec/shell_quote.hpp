// Quoting a value for the spot of a shell command line it is pasted into, so /bin/sh reads it as
// data whatever it holds: the shell-facing half of placeholder expansion, pure and unit-tested.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::exec {

// Where in a /bin/sh command line a character sits, as far as quoting a pasted value goes.
enum class ShellContext {
    unquoted,       // a plain word, also inside $( ) or a ( ) subshell
    single_quoted,  // inside '...'
    double_quoted,  // inside "..."
    // Inside backquotes, $(( )), a here-document, or right after an escaping backslash: places
    // where no quoting of ours is sure to hold, so only a variable reference goes there.
    opaque,
};

// Follows a command line character by character and says which context the next one is in.
// Only what changes the quoting is tracked; the shell still parses everything else.
class ShellContextTracker {
  public:
    void feed(char c);
    ShellContext context() const;

  private:
    enum class Frame { word, subshell, single, dquote, backquote, arithmetic, comment };
    Frame top() const { return frames_.empty() ? Frame::word : frames_.back(); }

    std::vector<Frame> frames_;
    bool escaped_ = false;      // the previous character was an escaping backslash
    bool opaque_rest_ = false;  // a here-document began: nothing after it is ours to judge
    char previous_ = '\0';
};

// `value` written so that, pasted at a spot in `context`, the shell reads exactly `value` and the
// quoting around the spot is as before. Unquoted, a value of only harmless characters stays bare
// (repmgr's command lines log as before), an empty one stays empty (an absent %p adds no word),
// anything else is one single-quoted word. In an opaque context the value is not written at
// all: ${env_name} is (a reference the shell never parses further), and the caller exports the
// value under that name.
std::string quote_for(ShellContext context, std::string_view value, std::string_view env_name);

// A command line of `words` for /bin/sh (a remote one, run by ssh through the far side's shell):
// /bin/sh splits it into exactly these words, whatever they hold. A word of only harmless
// characters stays bare, so the line logs readably; an empty word is ''; a first word with '='
// is quoted, as bare it could read as a variable assignment.
std::string shell_words(const std::vector<std::string>& words);

}  // namespace pgwarden::exec
