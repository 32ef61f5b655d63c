// An aligned text table for the client commands' human output: a header row, then rows of cells,
// columns separated by two spaces, widths measured in characters (UTF-8 aware) so colour codes
// and "¥" never break alignment. Pure: Render() builds a string; call from anywhere.
#pragma once

#include <string>
#include <vector>

#include "cli/format.h"

namespace berth::cli {

enum class Align { kLeft, kRight };

struct Column {
  std::string title;
  Align align = Align::kLeft;
};

struct Cell {
  Cell(std::string text, Style style = Style::kPlain)  // NOLINT: implicit from text by design
      : text(std::move(text)), style(style) {}
  Cell(const char* text) : text(text) {}  // NOLINT
  std::string text;
  Style style = Style::kPlain;
};

class Table {
 public:
  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

  // A row with fewer cells than columns is padded with empty cells; extra cells are dropped.
  void AddRow(std::vector<Cell> cells);
  size_t rows() const { return rows_.size(); }

  // One line per row, header first, each ending in '\n', no trailing spaces. With `color`, the
  // header is bold and each cell is wrapped in its style's ANSI codes.
  std::string Render(bool color) const;

 private:
  std::vector<size_t> Widths() const;

  std::vector<Column> columns_;
  std::vector<std::vector<Cell>> rows_;
};

// The number of characters (UTF-8 code points) in `text`.
size_t DisplayWidth(const std::string& text);

}  // namespace berth::cli
