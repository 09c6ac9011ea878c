// The one shape both failover machines share: a table of rows "in state S, on event E, when G
// holds, do A (leading to T), because W". A step runs, in table order, every row of the current
// state and event whose guard holds, until one changes the state (later rows were written for
// the old one). Each row that runs leaves its why in the step's notes, for the debug log, and an
// event that no row takes is noted too, never dropped silently. The exception is the routine
// event (the timer's tick): a tick that only starts a due check says nothing, as it comes every
// few hundred milliseconds; a tick that changes the state is noted like any event.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

namespace pgwarden::failover {

// `Step` is the machine's working context for one step: it exposes `state()` and `notes`.
template <typename Step, typename State, typename Event>
struct Row {
    State from;
    Event on;
    const char* when;            // the guard's name in the printed policy; nullptr: always
    bool (*guard)(const Step&);  // nullptr: always
    void (*then)(Step&);
    const char* to;   // where it leads, in the printed policy ("=": stays)
    const char* why;  // one sentence, for the debug log and the printed policy
};

// Names of states and events: function pointers, so that an overloaded name (one per machine)
// resolves by the table's types.
template <typename T>
using NameOf = std::string_view (*)(T);

// Runs one step over `table`. `state_name` and `event_name` name states and events for the notes.
template <typename Step, typename State, typename Event>
void run_rows(const std::vector<Row<Step, State, Event>>& table, Step& step, Event on,
              Event routine, NameOf<State> state_name, NameOf<Event> event_name) {
    const State from = step.state();
    bool matched = false;
    for (const auto& row : table) {
        if (row.from != from || row.on != on || (row.guard != nullptr && !row.guard(step)))
            continue;
        matched = true;
        row.then(step);
        if (on != routine || step.state() != from)
            step.notes.push_back(
                fmt::format("{} on {}: {}", state_name(from), event_name(on), row.why));
        if (step.state() != from)
            break;
    }
    if (!matched && on != routine)
        step.notes.push_back(
            fmt::format("no transition from {} on {}", state_name(from), event_name(on)));
}

// The table as text, one row a line: state, event, guard, target, why.
template <typename Step, typename State, typename Event>
std::string print_rows(std::string_view title, const std::vector<Row<Step, State, Event>>& table,
                       NameOf<State> state_name, NameOf<Event> event_name) {
    std::string out = fmt::format("{}\n", title);
    out +=
        fmt::format("  {:<28} {:<23} {:<36} {:<28} {}\n", "STATE", "EVENT", "WHEN", "NEXT", "WHY");
    for (const auto& row : table) {
        const std::string to = std::string_view(row.to) == "=" ? std::string(state_name(row.from))
                                                               : std::string(row.to);
        out +=
            fmt::format("  {:<28} {:<23} {:<36} {:<28} {}\n", state_name(row.from),
                        event_name(row.on), row.when != nullptr ? row.when : "always", to, row.why);
    }
    return out;
}

}  // namespace pgwarden::failover
