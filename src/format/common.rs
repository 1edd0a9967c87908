//! The parts both format versions share word for word: 表三's columns and most of its rows,
//! 表四, the narrative sections and the rules that do not depend on the version.

use super::decl::*;
use super::{CellKind::*, Check, Rule, ValueRule};

pub const OVERVIEW: SectionDecl = SectionDecl {
    key: "overview",
    number: "一",
    heading: "一、总体情况",
    body: BodyDecl::Text {
        hint: "综述本机关贯彻落实《中华人民共和国政府信息公开条例》情况，主要包括主动公开、依申请公开、政府信息管理、政府信息公开平台建设、监督保障等方面内容；人民政府的报告还应包括工作考核、社会评议和责任追究结果情况。",
    },
};

pub const PROBLEMS: SectionDecl = SectionDecl {
    key: "problems",
    number: "五",
    heading: "五、存在的主要问题及改进情况",
    body: BodyDecl::Text {
        hint: "本机关政府信息公开工作存在的主要问题，上一年度问题的改进情况，以及下一步改进措施。",
    },
};

pub const fn other(hint: &'static str) -> SectionDecl {
    SectionDecl {
        key: "other",
        number: "六",
        heading: "六、其他需要报告的事项",
        body: BodyDecl::Text { hint },
    }
}

pub const fn proactive(width: u16, blocks: &'static [Block]) -> SectionDecl {
    SectionDecl {
        key: "proactive",
        number: "二",
        heading: "二、主动公开政府信息情况",
        body: BodyDecl::Table(TableDecl {
            key: "proactive",
            name: "表二",
            topic: "主动公开",
            print: Print {
                label_widths: &[250],
                font_pt: 10.0,
                landscape: false,
            },
            shape: Shape::Blocks {
                width,
                label: "信息内容",
                blocks,
            },
        }),
    }
}

pub const NEW: Node = leaf("new", "一、本年新收政府信息公开申请数量", "本年新收");
pub const CARRIED_OVER: Node = leaf("carried_over", "二、上年结转政府信息公开申请数量", "上年结转");
pub const CARRIED_FORWARD: Node = leaf("carried_forward", "四、结转下年度继续办理", "结转下年度");

/// 表三, given the line 「（六）其他处理」, the one line the versions differ in. A macro,
/// not a `const fn`: the row tree must be a `'static` slice holding `$other`, which only a
/// constant expression written out in place can be.
macro_rules! requests {
    ($other:expr) => {
        $crate::format::common::requests_table(&[
            $crate::format::common::NEW,
            $crate::format::common::CARRIED_OVER,
            $crate::format::decl::group(
                "三、本年度办理结果",
                &[
                    $crate::format::common::GRANTED,
                    $crate::format::common::PARTIAL,
                    $crate::format::common::DENIED,
                    $crate::format::common::UNABLE,
                    $crate::format::common::REFUSED,
                    $other,
                    $crate::format::common::RESULTS_TOTAL,
                ],
            ),
            $crate::format::common::CARRIED_FORWARD,
        ])
    };
}
pub(super) use requests;

/// 表三, given its rows (一、二 + 三、本年度办理结果 + 四); see [`requests!`].
pub const fn requests_table(rows: &'static [Node]) -> SectionDecl {
    SectionDecl {
        key: "requests",
        number: "三",
        heading: "三、收到和处理政府信息公开申请情况",
        body: BodyDecl::Table(TableDecl {
            key: "requests",
            name: "表三",
            topic: "依申请",
            // The three label columns follow published reports.
            print: Print {
                label_widths: &[60, 80, 250],
                font_pt: 9.0,
                landscape: false,
            },
            shape: Shape::Grid {
                corner: "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                columns: APPLICANTS,
                rows,
            },
        }),
    }
}

const APPLICANTS: &[Node] = &[group(
    "申请人情况",
    &[
        leaf("natural_person", "自然人", "自然人"),
        group(
            "法人或其他组织",
            &[
                leaf("commercial", "商业企业", "商业企业"),
                leaf("research", "科研机构", "科研机构"),
                leaf("public_interest", "社会公益组织", "社会公益组织"),
                leaf("legal_service", "法律服务机构", "法律服务机构"),
                leaf("other_org", "其他", "其他"),
            ],
        ),
        total("total", "总计", "总计", "requests.row_total"),
    ],
)];

pub const GRANTED: Node = leaf("granted", "（一）予以公开", "（一）予以公开");
pub const PARTIAL: Node = leaf(
    "partial",
    "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "（二）部分公开",
);
pub const DENIED: Node = group(
    "（三）不予公开",
    &[
        leaf("denied_state_secret", "1.属于国家秘密", "不予公开·属于国家秘密"),
        leaf(
            "denied_prohibited_by_law",
            "2.其他法律行政法规禁止公开",
            "不予公开·其他法律行政法规禁止公开",
        ),
        leaf(
            "denied_security_stability",
            "3.危及“三安全一稳定”",
            "不予公开·危及“三安全一稳定”",
        ),
        leaf(
            "denied_third_party",
            "4.保护第三方合法权益",
            "不予公开·保护第三方合法权益",
        ),
        leaf(
            "denied_internal_affairs",
            "5.属于三类内部事务信息",
            "不予公开·属于三类内部事务信息",
        ),
        leaf(
            "denied_process_info",
            "6.属于四类过程性信息",
            "不予公开·属于四类过程性信息",
        ),
        leaf(
            "denied_enforcement_file",
            "7.属于行政执法案卷",
            "不予公开·属于行政执法案卷",
        ),
        leaf(
            "denied_admin_query",
            "8.属于行政查询事项",
            "不予公开·属于行政查询事项",
        ),
    ],
);
pub const UNABLE: Node = group(
    "（四）无法提供",
    &[
        leaf(
            "unable_not_held",
            "1.本机关不掌握相关政府信息",
            "无法提供·本机关不掌握相关政府信息",
        ),
        leaf(
            "unable_needs_creation",
            "2.没有现成信息需要另行制作",
            "无法提供·没有现成信息需要另行制作",
        ),
        leaf(
            "unable_unclear",
            "3.补正后申请内容仍不明确",
            "无法提供·补正后申请内容仍不明确",
        ),
    ],
);
pub const REFUSED: Node = group(
    "（五）不予处理",
    &[
        leaf(
            "refused_complaint",
            "1.信访举报投诉类申请",
            "不予处理·信访举报投诉类申请",
        ),
        leaf("refused_duplicate", "2.重复申请", "不予处理·重复申请"),
        leaf(
            "refused_publication",
            "3.要求提供公开出版物",
            "不予处理·要求提供公开出版物",
        ),
        leaf(
            "refused_excessive",
            "4.无正当理由大量反复申请",
            "不予处理·无正当理由大量反复申请",
        ),
        leaf(
            "refused_reconfirm",
            "5.要求行政机关确认或重新出具已获取信息",
            "不予处理·要求行政机关确认或重新出具已获取信息",
        ),
    ],
);
pub const RESULTS_TOTAL: Node = total(
    "results_total",
    "（七）总计",
    "（七）总计",
    "requests.results_total",
);

pub const APPEALS: SectionDecl = SectionDecl {
    key: "appeals",
    number: "四",
    heading: "四、政府信息公开行政复议、行政诉讼情况",
    body: BodyDecl::Table(TableDecl {
        key: "appeals",
        name: "表四",
        topic: "复议诉讼",
        print: Print {
            label_widths: &[],
            font_pt: 8.0,
            landscape: true,
        },
        shape: Shape::Strip {
            columns: &[
                keyed_group("review", "行政复议", "行政复议", OUTCOMES),
                group(
                    "行政诉讼",
                    &[
                        keyed_group(
                            "litigation_direct",
                            "未经复议直接起诉",
                            "行政诉讼·未经复议直接起诉",
                            OUTCOMES,
                        ),
                        keyed_group(
                            "litigation_after_review",
                            "复议后起诉",
                            "行政诉讼·复议后起诉",
                            OUTCOMES,
                        ),
                    ],
                ),
            ],
        },
    }),
};

const OUTCOMES: &[Node] = &[
    leaf("upheld", "结果维持", "结果维持"),
    leaf("corrected", "结果纠正", "结果纠正"),
    leaf("other", "其他结果", "其他结果"),
    leaf("pending", "尚未审结", "尚未审结"),
    total("total", "总计", "总计", "appeals.total"),
];

/// A 表二 column.
pub const fn count(key: &'static str, label: &'static str, span: u16) -> Col {
    col(key, label, Count, span)
}

/// Rules of both formats, in the spec's order.
pub const RULES: &[Rule] = &[
    Rule::value(ValueRule::Integer, "件数为整数（不能填写“3.5”“三”）"),
    Rule::value(
        ValueRule::Nonnegative,
        "件数和金额不能为负数（2019年格式的“本年增/减”除外）",
    ),
    Rule::value(ValueRule::Range, "件数不超过一千万；金额最多四位小数"),
    Rule::error(
        "requests.row_total",
        Check::Totals {
            table: "requests",
            down: false,
        },
        "表三每行：总计等于六类申请人之和",
    ),
    Rule::error(
        "requests.results_total",
        Check::Totals {
            table: "requests",
            down: true,
        },
        "表三每列：（七）总计等于各项办理结果之和",
    ),
    Rule::error(
        "requests.balance",
        Check::Balance {
            table: "requests",
            left: &["new", "carried_over"],
            right: &["results_total", "carried_forward"],
        },
        "表三每列：第一项加第二项之和，等于第三项加第四项之和",
    ),
    Rule::error(
        "appeals.total",
        Check::Totals {
            table: "appeals",
            down: false,
        },
        "表四：总计等于结果维持、结果纠正、其他结果、尚未审结之和",
    ),
    Rule::error(
        "text.required",
        Check::TextRequired(&["overview", "problems", "other"]),
        "第一、五、六部分不能为空",
    ),
    Rule::warning(
        "text.government_extras",
        Check::GovernmentMentions {
            texts: &["overview", "problems"],
            words: &["工作考核", "社会评议", "责任追究"],
            message: "人民政府的年度报告应写明{words}结果情况（条例第五十条第四项），尚未提及：{missing}",
        },
        "人民政府的报告应包括工作考核、社会评议和责任追究结果情况（条例第五十条第四项）",
    ),
];

/// The checks assessors make beyond the arithmetic (both formats: their tables share the
/// cells the texts quote, save 表二's, which the 2021 format's own list adds).
pub const ASSESSED: &[Rule] = &[
    Rule::warning(
        "text.similar_last_year",
        Check::SimilarLastYear {
            texts: &["overview", "problems", "other"],
            share: 50,
            min_chars: 100,
        },
        "各部分文字不应大段照搬上年报告（重复超过一半即提醒）",
    ),
    Rule::warning(
        "text.similar_peer",
        Check::SimilarPeer {
            texts: &["overview", "problems"],
            passage: 60,
        },
        "各部分文字不应与其他单位的报告大段相同",
    ),
    Rule::warning(
        "text.year",
        Check::StrayYear {
            texts: &["overview", "problems", "other"],
        },
        "文字中的年份应为本报告年度（上年、计划年份、文号除外）",
    ),
    Rule::warning(
        "text.numbers",
        Check::Narrative {
            texts: &["overview", "problems", "other"],
            claims: CLAIMS,
        },
        "文字中引用的数字应与表格一致",
    ),
    Rule::warning(
        "text.overview_topics",
        Check::Covers {
            text: "overview",
            topics: &[
                ("主动公开", &["主动公开"]),
                ("依申请公开", &["依申请", "申请公开", "公开申请"]),
                ("政府信息管理", &["信息管理"]),
                ("平台建设", &["平台"]),
                ("监督保障", &["监督", "保障"]),
            ],
            message: "第一部分应综述主动公开、依申请公开、政府信息管理、平台建设、监督保障五个方面，尚未写到：{missing}",
        },
        "总体情况包括主动公开、依申请公开、政府信息管理、平台建设、监督保障等方面",
    ),
    Rule::warning(
        "text.problems_topics",
        Check::Covers {
            text: "problems",
            topics: &[
                ("本年存在的主要问题", &["问题", "不足", "短板", "差距"]),
                (
                    "上一年度问题的改进情况",
                    &["上年", "上一年", "去年", "改进情况", "整改情况", "落实情况", "{上年}度存在的问题", "{上年}存在的问题"],
                ),
                ("下一步改进措施", &["下一步", "改进措施", "将"]),
            ],
            message: "第五部分应写明本年存在的主要问题、上一年度问题的改进情况和下一步改进措施，尚未写到：{missing}",
        },
        "第五部分包括存在的主要问题、上一年度问题的改进情况和改进措施",
    ),
    Rule::warning(
        "value.plausible",
        Check::Plausible { factor: 10, floor: 1000 },
        "与上年相比异常大的数值须核对并说明",
    ),
    Rule::warning(
        "requests.nil",
        Check::NilStated {
            texts: &["overview", "problems", "other"],
            words: &["申请"],
            unless: &["复议", "诉讼"],
            cells: &["requests.new.total"],
            what: "本年新收政府信息公开申请",
        },
        "文字说未收到申请时，表三不应有新收申请（反之亦然）",
    ),
    Rule::warning(
        "appeals.nil",
        Check::NilStated {
            texts: &["overview", "problems", "other"],
            words: &["复议", "诉讼"],
            unless: &[],
            cells: &[
                "appeals.review.total",
                "appeals.litigation_direct.total",
                "appeals.litigation_after_review.total",
            ],
            what: "行政复议和行政诉讼",
        },
        "文字说未发生行政复议、行政诉讼时，表四不应有案件",
    ),
];

const NEW_OR_HANDLED: &[&[&str]] = &[
    &["requests.new.total"],
    &["requests.new.total", "requests.carried_over.total"],
    &["requests.results_total.total"],
];

/// What the texts quote of 表三 and 表四.
pub const CLAIMS: &[Claim] = &[
    Claim {
        what: "政府信息公开申请",
        words: &["政府信息公开申请", "依申请公开"],
        means: NEW_OR_HANDLED,
    },
    Claim {
        what: "行政复议",
        words: &["行政复议"],
        means: &[&["appeals.review.total"]],
    },
    Claim {
        what: "行政诉讼",
        words: &["行政诉讼"],
        means: &[&["appeals.litigation_direct.total", "appeals.litigation_after_review.total"]],
    },
    Claim {
        what: "现行有效规范性文件",
        words: &["现行有效行政规范性文件", "现行有效规范性文件", "现行有效的规范性文件", "现行有效的行政规范性文件"],
        means: &[&["proactive.normative_documents.in_force"]],
    },
    Claim {
        what: "本年制发的规范性文件",
        words: &["制发的规范性文件", "制发规范性文件", "制发行政规范性文件", "制发的行政规范性文件"],
        means: &[&["proactive.normative_documents.issued"]],
    },
];

pub const CARRIED_OVER_RULE: Rule = Rule::warning(
    "cross_year.carried_over",
    Check::CarriedOver {
        table: "requests",
        this_row: &CARRIED_OVER,
        last_row: &CARRIED_FORWARD,
    },
    "本年“上年结转”等于上年报告的“结转下年度继续办理”",
);
