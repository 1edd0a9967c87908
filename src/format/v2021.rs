//! The 2021 format (国办公开办函〔2021〕30号): report years 2021 onward.
//! Labels are verbatim from the official tables (`shared/spec/format-research.md` §4–§6).

use super::common::{self, count};
use super::decl::*;
use super::{CellKind::Amount, Check, InForceCols, Rule, Unit, Version};

pub static FORMAT: FormatDecl = FormatDecl {
    version: Version::V2021,
    notice: "国办公开办函〔2021〕30号",
    sections: &[
        common::OVERVIEW,
        common::proactive(
            3,
            &[
                Block {
                    caption: "第二十条第（一）项",
                    columns: THREE_COUNTS,
                    rows: &[
                        leaf("regulations", "规章", "规章"),
                        leaf("normative_documents", "行政规范性文件", "行政规范性文件"),
                    ],
                },
                Block {
                    caption: "第二十条第（五）项",
                    columns: DECISIONS,
                    rows: &[leaf("licensing", "行政许可", "行政许可")],
                },
                Block {
                    caption: "第二十条第（六）项",
                    columns: DECISIONS,
                    rows: &[
                        leaf("penalties", "行政处罚", "行政处罚"),
                        leaf("coercion", "行政强制", "行政强制"),
                    ],
                },
                Block {
                    caption: "第二十条第（八）项",
                    columns: &[col("amount", "本年收费金额（单位：万元）", Amount(Unit::Wan), 3)],
                    rows: &[leaf("fees", "行政事业性收费", "行政事业性收费")],
                },
            ],
        ),
        common::requests!(group(
            "（六）其他处理",
            &[
                leaf(
                    "other_no_correction",
                    "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
                    "其他处理·逾期不补正",
                ),
                leaf(
                    "other_no_fee",
                    "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                    "其他处理·逾期未缴纳费用",
                ),
                leaf("other_misc", "3.其他", "其他处理·其他"),
            ],
        )),
        common::APPEALS,
        common::PROBLEMS,
        common::other(
            "依据《政府信息公开信息处理费管理办法》收取信息处理费的情况（未收取也应说明），以及其他需要报告的事项。",
        ),
    ],
    rules: &[
        common::RULES,
        &[
            Rule::warning(
                "text.fee_statement",
                Check::TextMentions {
                    text: "other",
                    words: &["信息处理费", "处理费"],
                    missing: "未说明信息处理费的收取情况（未收取也应写明，如“本年度未收取信息处理费”）",
                },
                "第六部分应说明信息处理费的收取情况（未收取也应说明）",
            ),
            common::CARRIED_OVER_RULE,
            Rule::warning(
                "cross_year.in_force",
                Check::InForce {
                    table: "proactive",
                    rows: &["regulations", "normative_documents"],
                    cols: InForceCols {
                        issued: ISSUED.key,
                        repealed: REPEALED.key,
                        in_force: IN_FORCE.key,
                    },
                    message: "上年现行有效 {then} + 本年制发 {issued} − 本年废止 {repealed} = {sum}，但本年现行有效件数为 {now}",
                },
                "上年现行有效件数 + 本年制发件数 − 本年废止件数 = 本年现行有效件数",
            ),
        ],
        common::ASSESSED,
    ],
};

const ISSUED: Col = count("issued", "本年制发件数", 1);
const REPEALED: Col = count("repealed", "本年废止件数", 1);
const IN_FORCE: Col = count("in_force", "现行有效件数", 1);
const THREE_COUNTS: &[Col] = &[ISSUED, REPEALED, IN_FORCE];

const DECISIONS: &[Col] = &[count("decisions", "本年处理决定数量", 3)];
