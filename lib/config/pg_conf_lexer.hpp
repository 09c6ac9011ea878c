// Tokens of PostgreSQL's configuration-file grammar (guc-file.l), which repmgr 5.x uses for
// repmgr.conf. Same token classes and the same flex rules: longest match, ties to the earlier rule.
#pragma once

#include <string>
#include <string_view>

namespace pgwarden::config {

enum class TokenKind {
    end_of_file,
    end_of_line,
    id,               // [A-Za-z_\x80-\xff][A-Za-z_0-9\x80-\xff]*
    qualified_id,     // id.id  -- a valid name, but not a valid value (guc-file.l quirk)
    string,           // '...' with '' or backslash escapes, on one line
    unquoted_string,  // id-start followed by id chars or - . _ : /
    integer,          // [+-]? (digits | 0x hexdigits) unit-letters*
    real,             // [+-]? digits* . digits* exponent?
    equals,
    error,  // any other single character: a double quote, a lone quote, a leading '/'
};

struct Token {
    TokenKind kind = TokenKind::end_of_file;
    std::string_view text;  // points into the lexer's input
    int line = 0;
};

// Splits one file's text into tokens. Whitespace ([ \t\r]) and comments (# to end of line)
// are skipped; a newline is a token of its own because the grammar is line-based.
class PgConfLexer {
  public:
    explicit PgConfLexer(std::string_view input) : input_(input) {}

    Token next();
    int line() const { return line_; }

  private:
    // The length of the string token starting at the quote `rest` begins with, 0 for none.
    std::size_t string_length(std::string_view rest);

    std::string_view input_;
    std::size_t pos_ = 0;
    int line_ = 1;
    // A quote before this offset starts no string. A scan from a quote that finds no end has seen
    // every later quote up to where it stopped escaped by a backslash, so a scan from any of them
    // would walk the same path to the same stop: remembering that keeps a line of many escaped
    // quotes linear instead of quadratic (each quote rescanning the rest of its line).
    std::size_t no_string_before_ = 0;
};

// The value of a TokenKind::string token: quotes stripped, '' and backslash escapes
// (\b \f \n \r \t, up to three octal digits, any other \x -> x) collapsed.
std::string unquote_pg_string(std::string_view quoted);

}  // namespace pgwarden::config
