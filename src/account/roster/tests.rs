use super::*;

fn planned(csv: &str, stored: &[Agency]) -> Result<Plan, Vec<Problem>> {
    plan_file(csv.as_bytes(), stored)
}

fn refused(csv: &str, stored: &[Agency]) -> Vec<String> {
    planned(csv, stored)
        .expect_err("the roster is refused")
        .iter()
        .map(ToString::to_string)
        .collect()
}

fn stored(id: AgencyId, name: &str, kind: Kind, parent_id: Option<AgencyId>) -> Agency {
    Agency {
        id,
        name: name.to_string(),
        kind,
        parent_id,
        from_year: None,
        to_year: None,
        successor_id: None,
        region_of: None,
    }
}

const CITY: &str = "名称,类型,上级\n\
    某县财政局,政府部门,某县人民政府\n\
    某市人民政府,人民政府,\n\
    某县人民政府,人民政府,某市人民政府\n\
    某市教育局,政府部门,某市人民政府\n";

#[test]
fn parents_are_created_before_their_units_whatever_the_order_of_the_rows() {
    let plan = planned(CITY, &[]).expect("a good roster");
    let order: Vec<&str> = plan.create.iter().map(|u| u.name.as_str()).collect();
    let at = |name: &str| order.iter().position(|n| *n == name).expect("created");
    assert_eq!(order.len(), 4);
    assert!(at("某市人民政府") < at("某县人民政府"));
    assert!(at("某县人民政府") < at("某县财政局"));
    assert_eq!(plan.create[at("某县财政局")].line, 2);
}

#[test]
fn a_roster_already_loaded_changes_nothing() {
    let agencies = [
        stored(1, "某市人民政府", Kind::Government, None),
        stored(2, "某县人民政府", Kind::Government, Some(1)),
        stored(3, "某县财政局", Kind::Department, Some(2)),
        stored(4, "某市教育局", Kind::Department, Some(1)),
    ];
    let plan = planned(CITY, &agencies).expect("a good roster");
    assert_eq!(plan, Plan { unchanged: 4, ..Plan::default() });
}

#[test]
fn a_unit_moved_or_given_years_is_updated_in_place() {
    let agencies = [
        stored(1, "某市人民政府", Kind::Government, None),
        stored(2, "某县人民政府", Kind::Government, Some(1)),
        stored(3, "某县财政局", Kind::Department, Some(1)),
    ];
    let csv = "名称,类型,上级,起始年度,终止年度,继任机构\n\
        某县财政局,政府部门,某县人民政府,2019,2022,某县人民政府\n";
    let plan = planned(csv, &agencies).expect("a good roster");
    assert_eq!(plan.update.len(), 1);
    let (id, unit) = &plan.update[0];
    assert_eq!(*id, 3);
    assert_eq!(unit.parent.as_deref(), Some("某县人民政府"));
    assert_eq!((unit.from_year, unit.to_year), (Some(2019), Some(2022)));
    assert_eq!(unit.successor.as_deref(), Some("某县人民政府"));
}

#[test]
fn every_bad_row_is_named_by_its_line_and_nothing_is_planned() {
    let csv = "名称,类型,上级\n\
        某市人民政府,人民政府,\n\
        ,政府部门,某市人民政府\n\
        某市教育局,局,某市人民政府\n\
        某市财政局,政府部门,某省人民政府\n\
        某市卫健委,政府部门,某市人民政府\n\
        某市卫健委,政府部门,某市人民政府\n\
        某市公安局,政府部门,某市人民政府\n\
        某市公安局,政府部门,某市卫健委\n";
    let problems = refused(csv, &[]);
    // Rows are checked alone first: the empty name and the wrong kind.
    assert_eq!(problems[..2], ["第 3 行：请填写机构名称", "第 4 行：“某市教育局”的类型“局”无法识别：应为“人民政府”或“政府部门”"]);
    assert!(problems[2].starts_with("以上各行改正后"), "{problems:?}");
    let csv = csv.replace(",政府部门,某市人民政府\n某市教育局,局", "某市环保局,政府部门,某市人民政府\n某市教育局,政府部门");
    let problems = refused(&csv, &[]);
    assert!(problems.iter().any(|p| p.starts_with("第 5 行") && p.contains("“某省人民政府”既不在名册中")), "{problems:?}");
    assert!(problems.iter().any(|p| p == "第 7 行：“某市卫健委”与第 6 行重复"), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("第 9 行") && p.contains("同一机构不能有两个上级")), "{problems:?}");
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn a_cycle_is_refused_also_through_stored_agencies() {
    let csv = "名称,类型,上级\n甲县人民政府,人民政府,乙县人民政府\n乙县人民政府,人民政府,甲县人民政府\n";
    let problems = refused(csv, &[]);
    assert!(problems.iter().any(|p| p.contains("成环")), "{problems:?}");

    // 丙 is stored under 甲; the file puts 甲 under 丙.
    let agencies = [
        stored(1, "甲县人民政府", Kind::Government, None),
        stored(2, "丙镇人民政府", Kind::Government, Some(1)),
    ];
    let problems = refused("名称,类型,上级\n甲县人民政府,人民政府,丙镇人民政府\n", &agencies);
    assert_eq!(problems, ["第 2 行：上下级关系成环：甲县人民政府 → 丙镇人民政府 → 甲县人民政府"]);
}

#[test]
fn a_department_cannot_hold_units_and_a_kind_cannot_change() {
    let agencies = [stored(1, "某市人民政府", Kind::Government, None)];
    let problems = refused(
        "名称,类型,上级\n某市教育局,政府部门,某市人民政府\n某中学,政府部门,某市教育局\n某市人民政府,政府部门,\n",
        &agencies,
    );
    assert!(problems.iter().any(|p| p.starts_with("第 3 行") && p.contains("上级机构须为人民政府")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("第 4 行") && p.contains("机构类型不能更改")), "{problems:?}");
}

#[test]
fn a_file_without_the_header_says_which_columns_it_needs() {
    let problems = refused("单位,性质\n某市人民政府,人民政府\n", &[]);
    assert_eq!(problems.len(), 1);
    assert!(problems[0].contains("“名称”“类型”"), "{problems:?}");
}

#[test]
fn years_are_checked() {
    let problems = refused("名称,类型,起始年度,终止年度\n某市人民政府,人民政府,二〇二一,\n某县人民政府,人民政府,2023,2021\n", &[]);
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(problems[0].contains("应为四位数年份"));
    assert!(problems[1].contains("晚于"));
    assert!(problems[2].starts_with("以上各行改正后"));
}
