#include "client/cli/table.h"

#include <algorithm>
#include <vector>

namespace awsfacade::client::cli {
namespace {

std::string Cell(const nlohmann::ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  return value.dump();
}

void PrintGrid(const std::string& title, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  size_t columns = header.size();
  for (const auto& row : rows) columns = std::max(columns, row.size());
  std::vector<size_t> widths(columns, 0);
  for (size_t c = 0; c < header.size(); ++c) widths[c] = header[c].size();
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string rule = "+";
  for (size_t w : widths) rule += std::string(w + 2, '-') + "+";
  auto print_row = [&](const std::vector<std::string>& row) {
    out << "|";
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string& cell = c < row.size() ? row[c] : "";
      out << " " << cell << std::string(widths[c] - cell.size(), ' ') << " |";
    }
    out << "\n";
  };
  out << title << "\n" << rule << "\n";
  if (!header.empty()) {
    print_row(header);
    out << rule << "\n";
  }
  for (const auto& row : rows) print_row(row);
  out << rule << "\n";
}

}  // namespace

void RenderTable(const nlohmann::ordered_json& value, const std::string& title, std::ostream& out) {
  if (value.is_object()) {
    std::vector<std::vector<std::string>> scalars;
    for (const auto& [key, member] : value.items()) {
      if (!member.is_object() && !member.is_array()) scalars.push_back({key, Cell(member)});
    }
    if (!scalars.empty()) PrintGrid(title, {}, scalars, out);
    for (const auto& [key, member] : value.items()) {
      if (member.is_object() || member.is_array()) RenderTable(member, title.empty() ? key : title + "." + key, out);
    }
    return;
  }
  if (value.is_array()) {
    std::vector<std::string> columns;
    bool all_objects = !value.empty();
    for (const auto& element : value) {
      if (!element.is_object()) {
        all_objects = false;
        break;
      }
      for (const auto& [key, member] : element.items()) {
        if (std::find(columns.begin(), columns.end(), key) == columns.end()) columns.push_back(key);
      }
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& element : value) {
      std::vector<std::string> row;
      if (all_objects) {
        for (const auto& column : columns) row.push_back(element.contains(column) ? Cell(element[column]) : "");
      } else {
        row.push_back(Cell(element));
      }
      rows.push_back(std::move(row));
    }
    PrintGrid(title, all_objects ? columns : std::vector<std::string>{}, rows, out);
    return;
  }
  PrintGrid(title, {}, {{Cell(value)}}, out);
}

}  // namespace awsfacade::client::cli
