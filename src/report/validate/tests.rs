//! Every rule, broken and kept, on the real example report (平顶山市科学技术局 2023).

use super::*;
use crate::format::Version;
use crate::report::testing::example;

fn set(report: &mut Report, id: &str, raw: &str) {
    let ix = report.format().cell(id).unwrap_or_else(|| panic!("no cell {id}"));
    report.cells[ix] = raw.to_string();
}

/// Sets cells as a clerk types them: the totals follow.
fn typed(report: &mut Report, cells: &[(&str, &str)]) {
    for (id, raw) in cells {
        set(report, id, raw);
    }
    report.recompute_totals(None);
}

/// The violations of the official format's rules, without the assessors' checks (the
/// reports made up here are not meant to pass those).
fn official(violations: Vec<Violation>) -> Vec<Violation> {
    let assessed: Vec<&str> = crate::format::assessed().iter().map(|r| r.id).collect();
    violations.into_iter().filter(|v| !assessed.contains(&v.rule)).collect()
}

fn rules(violations: &[Violation]) -> Vec<&'static str> {
    violations.iter().map(|v| v.rule).collect()
}

fn only(violations: Vec<Violation>, rule: &str) -> Violation {
    let found: Vec<Violation> = violations.into_iter().filter(|v| v.rule == rule).collect();
    assert_eq!(found.len(), 1, "expected one {rule}, got {found:?}");
    found.into_iter().next().unwrap()
}

fn keys(report: &Report, v: &Violation) -> Vec<String> {
    v.fields
        .iter()
        .map(|f| report.format().key(*f).to_string())
        .collect()
}

#[test]
fn the_example_report_keeps_every_rule() {
    assert_eq!(validate(&example(), None), vec![]);
}

#[test]
fn a_word_in_a_count_cell_breaks_value_integer() {
    let mut r = example();
    set(&mut r, "requests.new.natural_person", "十二");
    let v = only(validate(&r, None), "value.integer");
    assert_eq!(v.severity, Severity::Error);
    assert_eq!(keys(&r, &v), ["requests.new.natural_person"]);
    assert_eq!(v.hint, Some("请填写非负整数"));
    assert_eq!(
        v.message,
        "第三部分“本年新收”行“自然人”列：填写了“十二”，请填写非负整数"
    );
    set(&mut r, "requests.new.natural_person", "3.5");
    assert_eq!(rules(&validate(&r, None)), ["value.integer"]);
}

#[test]
fn a_negative_count_breaks_value_nonnegative_but_a_2019_change_may_be_negative() {
    let mut r = example();
    set(&mut r, "appeals.review.upheld", "-1");
    assert_eq!(rules(&validate(&r, None)), ["value.nonnegative"]);

    let mut old = Report::blank(Version::V2019, 2020, "某局", Kind::Department);
    old.texts = r.texts.clone();
    set(&mut old, "proactive.licensing.change", "-8");
    assert_eq!(official(validate(&old, None)), vec![]);
    set(&mut old, "proactive.licensing.prev_items", "-8");
    assert_eq!(rules(&official(validate(&old, None))), ["value.nonnegative"]);
}

#[test]
fn huge_counts_and_over_precise_amounts_break_value_range() {
    let mut r = example();
    set(&mut r, "proactive.licensing.decisions", "1000000000000");
    set(&mut r, "proactive.fees.amount", "0.0000001");
    let v = validate(&r, None);
    assert_eq!(rules(&v), ["value.range", "value.range"]);
    set(&mut r, "proactive.licensing.decisions", "10000000");
    set(&mut r, "proactive.fees.amount", "4068.208");
    assert_eq!(official(validate(&r, None)), vec![]);
}

#[test]
fn a_printed_row_total_that_is_not_the_sum_breaks_row_total() {
    let mut r = example();
    set(&mut r, "requests.new.natural_person", "5");
    set(&mut r, "requests.granted.natural_person", "5");
    set(&mut r, "requests.results_total.natural_person", "5");
    set(&mut r, "requests.results_total.total", "5");
    set(&mut r, "requests.granted.total", "5");
    set(&mut r, "requests.new.total", "4");
    let v = only(validate(&r, None), "requests.row_total");
    assert_eq!(
        v.message,
        "第三部分“本年新收”行：自然人 5 + 商业企业 0 + 科研机构 0 + 社会公益组织 0 + 法律服务机构 0 + 其他 0 = 5，但总计为 4"
    );
    assert_eq!(keys(&r, &v)[0], "requests.new.total");
    set(&mut r, "requests.new.total", "5");
    assert_eq!(official(validate(&r, None)), vec![]);
}

#[test]
fn a_printed_results_total_that_is_not_the_sum_breaks_results_total() {
    let mut r = example();
    typed(
        &mut r,
        &[
            ("requests.new.research", "3"),
            ("requests.granted.research", "2"),
            ("requests.denied_third_party.research", "1"),
        ],
    );
    assert_eq!(official(validate(&r, None)), vec![]);
    set(&mut r, "requests.results_total.research", "2");
    let found = validate(&r, None);
    let v = only(found.clone(), "requests.results_total");
    assert_eq!(
        v.message,
        "第三部分“科研机构”列：各项之和 （一）予以公开 2 + 不予公开·保护第三方合法权益 1 = 3，但（七）总计为 2"
    );
    // The printed total also breaks its row and the balance, as printed.
    assert!(rules(&found).contains(&"requests.row_total"));
    assert!(rules(&found).contains(&"requests.balance"));
}

#[test]
fn the_balance_message_shows_the_arithmetic() {
    let mut r = example();
    typed(
        &mut r,
        &[
            ("requests.new.commercial", "5"),
            ("requests.granted.commercial", "4"),
        ],
    );
    let v = only(validate(&r, None), "requests.balance");
    assert_eq!(
        v.message,
        "第三部分“商业企业”列：本年新收 5 + 上年结转 0 = 5，但（七）总计 4 + 结转下年度 0 = 4"
    );
    assert_eq!(
        keys(&r, &v),
        [
            "requests.new.commercial",
            "requests.carried_over.commercial",
            "requests.results_total.commercial",
            "requests.carried_forward.commercial"
        ]
    );
    // The 总计 column is out of balance too, but that only repeats the column at fault.
    assert!(!validate(&r, None).iter().any(|v| v.message.contains("“总计”列")));
    typed(&mut r, &[("requests.carried_forward.commercial", "1")]);
    assert_eq!(official(validate(&r, None)), vec![]);
}

#[test]
fn an_appeals_total_that_is_not_the_sum_breaks_appeals_total() {
    let mut r = example();
    set(&mut r, "appeals.review.upheld", "1");
    set(&mut r, "appeals.review.total", "2");
    let v = only(validate(&r, None), "appeals.total");
    assert_eq!(
        v.message,
        "第四部分“行政复议”：结果维持 1 + 结果纠正 0 + 其他结果 0 + 尚未审结 0 = 1，但总计为 2"
    );
    typed(&mut r, &[]);
    assert_eq!(official(validate(&r, None)), vec![]);
}

#[test]
fn an_empty_narrative_breaks_text_required() {
    let mut r = example();
    let ix = r.format().text("problems").unwrap();
    r.texts[ix] = "  \n".into();
    let v = only(validate(&r, None), "text.required");
    assert_eq!(keys(&r, &v), ["text.problems"]);
    assert!(v.message.contains("五、存在的主要问题及改进情况"));
}

#[test]
fn a_government_report_must_mention_assessment_evaluation_and_accountability() {
    let mut r = example();
    r.kind = Kind::Government;
    let v = only(validate(&r, None), "text.government_extras");
    assert_eq!(v.severity, Severity::Warning);
    // The example mentions 责任追究 but neither 工作考核 nor 社会评议.
    assert!(
        v.message.ends_with("尚未提及：工作考核、社会评议"),
        "{}",
        v.message
    );
    let ix = r.format().text("problems").unwrap();
    r.texts[ix].push_str("本年度开展工作考核和社会评议，未发生责任追究情形。");
    assert_eq!(official(validate(&r, None)), vec![]);
    // A department has no such duty.
    r.kind = Kind::Department;
    r.texts[ix] = "无".into();
    assert_eq!(official(validate(&r, None)), vec![]);
}

#[test]
fn section_six_must_state_the_information_processing_fee() {
    let mut r = example();
    let ix = r.format().text("other").unwrap();
    r.texts[ix] = "无。".into();
    let v = only(validate(&r, None), "text.fee_statement");
    assert_eq!(v.severity, Severity::Warning);
    r.texts[ix] = "本年度未收取信息处理费。".into();
    assert_eq!(official(validate(&r, None)), vec![]);
    // The 2019 format predates the fee.
    let mut old = Report::blank(Version::V2019, 2020, "某局", Kind::Department);
    old.texts = vec!["有".into(), "有".into(), "无。".into()];
    assert_eq!(official(validate(&old, None)), vec![]);
}

fn last_year_of(r: &Report) -> Report {
    let mut last = r.clone();
    last.year = r.year - 1;
    last
}

#[test]
fn this_years_carried_over_must_be_last_years_carried_forward() {
    let mut r = example();
    let mut last = last_year_of(&r);
    typed(
        &mut last,
        &[
            ("requests.new.natural_person", "2"),
            ("requests.carried_forward.natural_person", "2"),
        ],
    );
    let v = only(validate(&r, Some(&last)), "cross_year.carried_over");
    assert_eq!(v.severity, Severity::Warning);
    assert_eq!(
        v.message,
        "第三部分“自然人”列：本年“上年结转”为 0，但2022年报告“结转下年度继续办理”为 2"
    );
    typed(
        &mut r,
        &[
            ("requests.carried_over.natural_person", "2"),
            ("requests.granted.natural_person", "2"),
        ],
    );
    assert_eq!(official(validate(&r, Some(&last))), vec![]);
    // Only last year counts.
    last.year -= 1;
    r.cells = example().cells;
    assert_eq!(official(validate(&r, Some(&last))), vec![]);
}

#[test]
fn documents_in_force_must_carry_over_from_last_year() {
    let mut r = example();
    let mut last = last_year_of(&r);
    typed(&mut last, &[("proactive.normative_documents.in_force", "10")]);
    typed(
        &mut r,
        &[
            ("proactive.normative_documents.issued", "2"),
            ("proactive.normative_documents.repealed", "1"),
            ("proactive.normative_documents.in_force", "12"),
        ],
    );
    let v = only(validate(&r, Some(&last)), "cross_year.in_force");
    assert_eq!(
        v.message,
        "第二部分“行政规范性文件”：上年现行有效 10 + 本年制发 2 − 本年废止 1 = 11，但本年现行有效件数为 12"
    );
    typed(&mut r, &[("proactive.normative_documents.in_force", "11")]);
    assert_eq!(official(validate(&r, Some(&last))), vec![]);
}

#[test]
fn a_2020_report_has_no_in_force_to_carry_but_its_carried_forward_counts() {
    let r = example();
    let mut last = Report::blank(Version::V2019, 2022, "平顶山市科学技术局", Kind::Department);
    typed(
        &mut last,
        &[
            ("proactive.normative_documents.total_public", "10"),
            ("requests.carried_forward.research", "1"),
        ],
    );
    assert_eq!(rules(&validate(&r, Some(&last))), ["cross_year.carried_over"]);
}

#[test]
fn a_printed_total_column_out_of_balance_is_reported_on_its_own() {
    let mut r = example();
    set(&mut r, "requests.new.total", "2");
    let found = validate(&r, None);
    let v = only(found.clone(), "requests.balance");
    assert_eq!(
        v.message,
        "第三部分“总计”列：本年新收 2 + 上年结转 0 = 2，但（七）总计 0 + 结转下年度 0 = 0"
    );
    assert_eq!(rules(&found), ["requests.row_total", "requests.balance"]);
}

#[test]
fn a_2019_format_report_balances_with_its_single_other_row() {
    let mut old = Report::blank(Version::V2019, 2020, "某局", Kind::Department);
    old.texts = vec!["有".into(), "有".into(), "无".into()];
    typed(
        &mut old,
        &[
            ("requests.new.natural_person", "3"),
            ("requests.other.natural_person", "3"),
        ],
    );
    assert_eq!(official(validate(&old, None)), vec![]);
    typed(&mut old, &[("requests.other.natural_person", "2")]);
    assert_eq!(rules(&official(validate(&old, None))), ["requests.balance"]);
}

#[test]
fn an_unparseable_cell_does_not_add_arithmetic_noise() {
    let mut r = example();
    typed(&mut r, &[("requests.new.commercial", "abc")]);
    // The total cannot be computed: only the value error is reported.
    assert_eq!(rules(&validate(&r, None)), ["value.integer"]);
    let total = r.format().cell("requests.new.total").unwrap();
    assert_eq!(r.cells[total], "");
}

#[test]
fn the_violations_object_is_the_spec_shape() {
    let mut r = example();
    typed(
        &mut r,
        &[
            ("requests.new.commercial", "5"),
            ("requests.granted.commercial", "4"),
        ],
    );
    let json = serde_json::to_value(Violations::new(r.format(), &validate(&r, None))).unwrap();
    let first = &json["violations"][0];
    assert_eq!(first["rule"], "requests.balance");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["cells"][0], "requests.new.commercial");
    assert!(first["message"].as_str().unwrap().contains("本年新收 5"));
}

#[test]
fn each_part_is_checked_by_itself_with_the_same_result() {
    // Broken in both parts: a word and an imbalance in the tables; a blank text and a
    // government report's missing words in the texts; last year's carried-over count.
    let mut r = example();
    r.kind = Kind::Government;
    r.texts[1].clear();
    typed(
        &mut r,
        &[
            ("requests.new.natural_person", "十二"),
            ("requests.granted.commercial", "7"),
        ],
    );
    let mut last = example();
    last.year -= 1;
    set(&mut last, "requests.carried_forward.natural_person", "9");
    let values = Values::of(&r);
    let all = validate(&r, Some(&last));
    let tables = validate_part(&r, &values, Some(&last), Some(Part::Tables));
    let texts = validate_part(&r, &values, Some(&last), Some(Part::Texts));
    for (part, found) in [(Part::Tables, &tables), (Part::Texts, &texts)] {
        assert!(!found.is_empty(), "{part:?} has problems");
        for v in found {
            assert!(v.fields.iter().all(|f| f.part() == part), "{part:?}: {v:?}");
        }
    }
    assert!(rules(&tables).contains(&"cross_year.carried_over"), "{tables:?}");
    assert!(rules(&texts).contains(&"text.government_extras"), "{texts:?}");
    let mut both = [tables, texts].concat();
    let mut all = all;
    both.sort_by_key(|v| format!("{v:?}"));
    all.sort_by_key(|v| format!("{v:?}"));
    assert_eq!(both, all);
}
