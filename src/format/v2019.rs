//! The 2019 trial format (国办公开办函〔2019〕60号): report years 2019 and 2020.
//! 表二's grid has four value columns; spans follow the published Shanghai 2019 report.

use super::common::{self, count};
use super::decl::*;
use super::{CellKind::*, Unit, Version};

pub static FORMAT: FormatDecl = FormatDecl {
    version: Version::V2019,
    notice: "国办公开办函〔2019〕60号",
    sections: &[
        common::OVERVIEW,
        common::proactive(
            4,
            &[
                Block {
                    caption: "第二十条第（一）项",
                    columns: &[
                        count("made", "本年新制作数量", 1),
                        count("published", "本年新公开数量", 2),
                        count("total_public", "对外公开总数量", 1),
                    ],
                    rows: &[
                        leaf("regulations", "规章", "规章"),
                        leaf("normative_documents", "规范性文件", "规范性文件"),
                    ],
                },
                Block {
                    caption: "第二十条第（五）项",
                    columns: ITEMS_CHANGE_DECISIONS,
                    rows: &[
                        leaf("licensing", "行政许可", "行政许可"),
                        leaf("other_services", "其他对外管理服务事项", "其他对外管理服务事项"),
                    ],
                },
                Block {
                    caption: "第二十条第（六）项",
                    columns: ITEMS_CHANGE_DECISIONS,
                    rows: &[
                        leaf("penalties", "行政处罚", "行政处罚"),
                        leaf("coercion", "行政强制", "行政强制"),
                    ],
                },
                Block {
                    caption: "第二十条第（八）项",
                    columns: &[
                        count("prev_items", "上一年项目数量", 2),
                        col("change", "本年增/减", Signed, 2),
                    ],
                    rows: &[leaf("fees", "行政事业性收费", "行政事业性收费")],
                },
                Block {
                    caption: "第二十条第（九）项",
                    columns: &[
                        count("items", "采购项目数量", 2),
                        col("amount", "采购总金额", Amount(Unit::Yuan), 2),
                    ],
                    rows: &[leaf("procurement", "政府集中采购", "政府集中采购")],
                },
            ],
        ),
        common::requests!(leaf("other", "（六）其他处理", "（六）其他处理")),
        common::APPEALS,
        common::PROBLEMS,
        common::other("其他需要报告的事项。"),
    ],
    rules: &[common::RULES, &[common::CARRIED_OVER_RULE], common::ASSESSED],
};

const ITEMS_CHANGE_DECISIONS: &[Col] = &[
    count("prev_items", "上一年项目数量", 1),
    col("change", "本年增/减", Signed, 2),
    count("decisions", "处理决定数量", 1),
];
