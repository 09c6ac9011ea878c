#include "cluster_matrix.hpp"

#include "cluster_show_format.hpp"
#include "model/exit_codes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace pgwarden::cli {
namespace {

// sscanf("%d,%d[,%d]"): `count` integers separated by commas, blanks before each skipped, the
// rest of the line ignored.
std::optional<std::vector<int>> leading_ints(std::string_view line, std::size_t count) {
    std::vector<int> values;
    std::size_t at = 0;
    while (values.size() < count) {
        if (!values.empty()) {
            if (at >= line.size() || line[at] != ',')
                return std::nullopt;
            ++at;
        }
        while (at < line.size() && (line[at] == ' ' || line[at] == '\t'))
            ++at;
        if (at < line.size() && line[at] == '+')
            ++at;
        int value = 0;
        const auto [ptr, ec] = std::from_chars(line.data() + at, line.data() + line.size(), value);
        if (ec != std::errc())
            return std::nullopt;
        at = static_cast<std::size_t>(ptr - line.data());
        values.push_back(value);
    }
    return values;
}

// Splits off the line `rest` starts with, as repmgr walks its output buffer.
std::string_view take_line(std::string_view& rest) {
    const auto eol = rest.find('\n');
    const auto line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view{} : rest.substr(eol + 1);
    return line;
}

std::optional<std::size_t> index_of(const Matrix& matrix, int id) {
    const auto it = std::find(matrix.ids.begin(), matrix.ids.end(), id);
    if (it == matrix.ids.end())
        return std::nullopt;
    return static_cast<std::size_t>(it - matrix.ids.begin());
}

Matrix* matrix_of(Cube& cube, int executor) {
    const auto at = cube.empty() ? std::nullopt : index_of(cube.front(), executor);
    return !at || *at >= cube.size() ? nullptr : &cube[*at];
}

char cell_mark(int status) {
    return status == kSeenUp ? '*' : status == kSeenDown ? 'x' : '?';
}

}  // namespace

Matrix empty_matrix(const std::vector<int>& ids, const std::vector<std::string>& names) {
    Matrix matrix{ids, names, {}};
    matrix.status.assign(ids.size(), std::vector<int>(ids.size(), kSeenUnknown));
    return matrix;
}

void set_seen(Matrix& matrix, int viewer, int seen, int status) {
    const auto row = index_of(matrix, viewer);
    const auto column = index_of(matrix, seen);
    if (row && column)
        matrix.status[*row][*column] = status;
}

void set_row(Matrix& matrix, const cluster::ViewRow& row) {
    for (const auto& [seen, status] : row.seen)
        set_seen(matrix, row.viewer, seen, status);
}

std::optional<cluster::ViewRow> published_row(const Published& published, int viewer) {
    if (const auto own = published.find(viewer); own != published.end())
        if (auto row = cluster::newest_row_of(own->second, viewer))
            return row;
    std::vector<cluster::ViewRow> relayed;
    for (const auto& [node, rows] : published)
        relayed.insert(relayed.end(), rows.begin(), rows.end());
    return cluster::newest_row_of(relayed, viewer);
}

std::optional<std::vector<cluster::ViewRow>> published_matrix(const Published& published,
                                                              int executor) {
    const auto rows = published.find(executor);
    if (rows == published.end() || !cluster::newest_row_of(rows->second, executor))
        return std::nullopt;
    std::vector<cluster::ViewRow> matrix;
    for (const auto& row : rows->second)
        matrix.push_back(row.viewer == executor ? row : *published_row(published, row.viewer));
    return matrix;
}

bool read_show_csv(Matrix& matrix, int viewer, std::string_view output,
                   std::vector<std::string>& problems) {
    bool parsed = true;
    std::optional<int> last_id;  // repmgr marks the node of the line before a bad one unknown
    std::string_view rest = output;
    for (std::size_t i = 0; i < matrix.ids.size(); ++i) {
        const std::string_view from_here = rest;
        const auto values = leading_ints(take_line(rest), 2);
        if (!values) {
            if (last_id)
                set_seen(matrix, viewer, *last_id, kSeenUnknown);
            problems.push_back(fmt::format(
                "unable to parse --csv output for node {}; output returned was:\n\"{}\"", viewer,
                from_here));
            parsed = false;
            continue;
        }
        last_id = (*values)[0];
        set_seen(matrix, viewer, (*values)[0], (*values)[1] == -1 ? kSeenDown : kSeenUp);
    }
    return parsed;
}

void read_published_matrix(Cube& cube, int executor, const std::vector<cluster::ViewRow>& rows) {
    if (Matrix* matrix = matrix_of(cube, executor))
        for (const auto& row : rows)
            set_row(*matrix, row);
}

bool read_matrix_csv(Cube& cube, int executor, std::string_view output) {
    Matrix* matrix = matrix_of(cube, executor);
    if (!matrix)
        return true;
    bool parsed = true;
    std::optional<std::pair<int, int>> last;
    std::string_view rest = output;
    const std::size_t cells = matrix->ids.size() * matrix->ids.size();
    for (std::size_t i = 0; i < cells; ++i) {
        const auto values = leading_ints(take_line(rest), 3);
        if (!values) {
            if (last)
                set_seen(*matrix, last->first, last->second, kSeenUnknown);
            parsed = false;
            continue;
        }
        last = std::make_pair((*values)[0], (*values)[1]);
        set_seen(*matrix, (*values)[0], (*values)[1], (*values)[2]);
    }
    return parsed;
}

Matrix cross_check(const Cube& cube) {
    if (cube.empty())
        return {};
    Matrix result = empty_matrix(cube.front().ids, cube.front().names);
    for (const auto& matrix : cube)
        for (std::size_t i = 0; i < result.ids.size(); ++i)
            for (std::size_t j = 0; j < result.ids.size(); ++j)
                result.status[i][j] = std::max(result.status[i][j], matrix.status[i][j]);
    return result;
}

std::string format_matrix_table(const Matrix& matrix) {
    std::vector<std::string> headers = {"Name", "ID"};
    for (const int id : matrix.ids)
        headers.push_back(std::to_string(id));
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 0; i < matrix.ids.size(); ++i) {
        std::vector<std::string> row = {matrix.names[i], std::to_string(matrix.ids[i])};
        for (const int status : matrix.status[i])
            row.emplace_back(1, cell_mark(status));
        rows.push_back(std::move(row));
    }
    return format_table(headers, rows);
}

std::string format_matrix_csv(const Matrix& matrix) {
    std::string out;
    for (std::size_t i = 0; i < matrix.ids.size(); ++i)
        for (std::size_t j = 0; j < matrix.ids.size(); ++j)
            out += fmt::format("{},{},{}\n", matrix.ids[i], matrix.ids[j], matrix.status[i][j]);
    return out;
}

int matrix_exit_code(const Matrix& matrix, bool count_unknown, int other_error) {
    for (const auto& row : matrix.status)
        for (const int status : row)
            if (status == kSeenDown || (count_unknown && status == kSeenUnknown))
                return model::kErrNodeStatus;
    return other_error;
}

}  // namespace pgwarden::cli
