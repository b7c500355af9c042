#include "client/cli/table.h"

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"

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

bool IsScalar(const nlohmann::ordered_json& value) {
  return !value.is_object() && !value.is_array();
}

// A scalar as the AWS CLI's text output prints it (Python's str()).
std::string TextCell(const nlohmann::ordered_json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "True" : "False";
  if (value.is_null()) return "None";
  return Cell(value);
}

void Text(const nlohmann::ordered_json& value, const std::optional<std::string>& name,
          const std::vector<std::string>* columns, std::ostream& out);

void TextObject(const nlohmann::ordered_json& object, const std::optional<std::string>& name,
                const std::vector<std::string>* columns, std::ostream& out) {
  std::vector<std::string> cells;
  std::vector<std::string> nested;  // member names, sorted
  std::vector<std::string> keys;
  for (const auto& [key, member] : object.items()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  if (columns == nullptr) {
    for (const auto& key : keys) {
      if (IsScalar(object[key])) {
        cells.push_back(TextCell(object[key]));
      } else {
        nested.push_back(key);
      }
    }
  } else {  // a row of a list: the list's columns, then the rest as nested
    for (const auto& column : *columns)
      cells.push_back(object.contains(column) ? TextCell(object[column]) : "");
    for (const auto& key : keys) {
      if (std::find(columns->begin(), columns->end(), key) == columns->end()) nested.push_back(key);
    }
  }
  if (!cells.empty()) {
    if (name) cells.insert(cells.begin(), absl::AsciiStrToUpper(*name));
    out << absl::StrJoin(cells, "\t") << "\n";
  }
  for (const auto& key : nested) Text(object[key], key, nullptr, out);
}

void Text(const nlohmann::ordered_json& value, const std::optional<std::string>& name,
          const std::vector<std::string>* columns, std::ostream& out) {
  if (value.is_object()) {
    TextObject(value, name, columns, out);
    return;
  }
  if (!value.is_array()) {
    out << TextCell(value) << "\n";
    return;
  }
  if (value.empty()) return;
  const bool has_objects =
      std::any_of(value.begin(), value.end(), [](const auto& e) { return e.is_object(); });
  if (has_objects) {
    std::set<std::string> scalar_keys;
    for (const auto& element : value) {
      if (!element.is_object()) continue;
      for (const auto& [key, member] : element.items()) {
        if (IsScalar(member)) scalar_keys.insert(key);
      }
    }
    const std::vector<std::string> row_columns(scalar_keys.begin(), scalar_keys.end());
    for (const auto& element : value) Text(element, name, &row_columns, out);
    return;
  }
  std::vector<std::string> scalars;
  for (const auto& element : value) {
    if (IsScalar(element)) scalars.push_back(TextCell(element));
  }
  if (!scalars.empty()) {
    if (name) {
      for (const auto& scalar : scalars)
        out << absl::AsciiStrToUpper(*name) << "\t" << scalar << "\n";
    } else {
      out << absl::StrJoin(scalars, "\t") << "\n";
    }
  }
  for (const auto& element : value) {
    if (!IsScalar(element)) Text(element, name, nullptr, out);
  }
}

}  // namespace

void RenderText(const nlohmann::ordered_json& value, std::ostream& out) {
  Text(value, std::nullopt, nullptr, out);
}

void RenderTable(const nlohmann::ordered_json& value, const std::string& title, std::ostream& out) {
  if (value.is_object()) {
    std::vector<std::vector<std::string>> scalars;
    for (const auto& [key, member] : value.items()) {
      if (!member.is_object() && !member.is_array()) scalars.push_back({key, Cell(member)});
    }
    if (!scalars.empty()) PrintGrid(title, {}, scalars, out);
    for (const auto& [key, member] : value.items()) {
      if (member.is_object() || member.is_array())
        RenderTable(member, title.empty() ? key : title + "." + key, out);
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
        for (const auto& column : columns)
          row.push_back(element.contains(column) ? Cell(element[column]) : "");
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
