// Table rendering: alignment, padding, UTF-8 widths and colour that never shifts columns.
#include "cli/table.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

TEST(TableTest, AlignsColumnsWithTwoSpacesAndNoTrailingBlanks) {
  Table table({{"NAME"}, {"STATUS"}, {"READY", Align::kRight}});
  table.AddRow({"a", "RUNNING", "4/4"});
  table.AddRow({"longer-name", "PENDING", "0/12"});
  EXPECT_EQ(table.Render(false),
            "NAME         STATUS   READY\n"
            "a            RUNNING    4/4\n"
            "longer-name  PENDING   0/12\n");
}

TEST(TableTest, HeaderOnlyWhenEmptyAndShortRowsArePadded) {
  Table table({{"A"}, {"B"}, {"C"}});
  EXPECT_EQ(table.Render(false), "A  B  C\n");
  table.AddRow({"xyz"});
  EXPECT_EQ(table.rows(), 1u);
  EXPECT_EQ(table.Render(false), "A    B  C\nxyz\n");
}

TEST(TableTest, MultiByteCharactersCountAsOneColumn) {
  Table table({{"AMOUNT", Align::kRight}, {"ITEM"}});
  table.AddRow({"¥1.00", "x"});
  table.AddRow({"¥100.00", "y"});
  EXPECT_EQ(table.Render(false),
            " AMOUNT  ITEM\n"
            "  ¥1.00  x\n"
            "¥100.00  y\n");
  EXPECT_EQ(DisplayWidth("¥1.00"), 5u);
  EXPECT_EQ(DisplayWidth("×"), 1u);
}

TEST(TableTest, ColourWrapsCellsWithoutChangingAlignment) {
  Table table({{"S"}, {"N"}});
  table.AddRow({Cell("RUNNING", Style::kGood), "1"});
  table.AddRow({Cell("FAILED", Style::kBad), "2"});
  EXPECT_EQ(table.Render(true),
            "\033[1mS\033[0m        \033[1mN\033[0m\n"
            "\033[32mRUNNING\033[0m  1\n"
            "\033[31mFAILED\033[0m   2\n");
}

}  // namespace
}  // namespace berth::cli
