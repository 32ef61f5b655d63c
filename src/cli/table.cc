#include "cli/table.h"

#include <algorithm>

namespace berth::cli {
namespace {

std::string Styled(const std::string& text, Style style, bool color) {
  if (!color || style == Style::kPlain || text.empty()) return text;
  return std::string(AnsiStart(style)) + text + std::string(kAnsiReset);
}

}  // namespace

size_t DisplayWidth(const std::string& text) {
  size_t n = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++n;  // count every byte but UTF-8 continuation bytes
  }
  return n;
}

void Table::AddRow(std::vector<Cell> cells) {
  cells.resize(columns_.size(), Cell(""));
  rows_.push_back(std::move(cells));
}

std::vector<size_t> Table::Widths() const {
  std::vector<size_t> widths;
  for (const Column& column : columns_) widths.push_back(DisplayWidth(column.title));
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i].text));
    }
  }
  return widths;
}

std::string Table::Render(bool color) const {
  std::vector<size_t> widths = Widths();
  auto line = [&](const std::vector<Cell>& cells) {
    std::string out;
    for (size_t i = 0; i < cells.size(); ++i) {
      std::string pad(widths[i] - DisplayWidth(cells[i].text), ' ');
      bool last = i + 1 == cells.size();
      std::string text = Styled(cells[i].text, cells[i].style, color);
      if (columns_[i].align == Align::kRight) {
        out += pad + text;
      } else {
        out += text + (last ? "" : pad);
      }
      if (!last) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::vector<Cell> header;
  for (const Column& column : columns_) header.emplace_back(column.title, Style::kHeader);
  std::string out = line(header);
  for (const auto& row : rows_) out += line(row);
  return out;
}

}  // namespace berth::cli
