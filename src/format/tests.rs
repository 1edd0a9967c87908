use super::*;

fn cells_of(format: &Format, table: &str) -> usize {
    format.table(table).map_or(0, |t| t.cells.len())
}

#[test]
fn the_2021_format_has_200_cells() {
    let f = get(Version::V2021);
    assert_eq!(cells_of(f, "proactive"), 10);
    assert_eq!(cells_of(f, "requests"), 25 * 7);
    assert_eq!(cells_of(f, "appeals"), 15);
    assert_eq!(f.cells.len(), 200);
    assert_eq!(f.texts.len(), 3);
}

#[test]
fn the_2019_format_has_22_161_15_cells() {
    let f = get(Version::V2019);
    assert_eq!(cells_of(f, "proactive"), 22);
    assert_eq!(cells_of(f, "requests"), 23 * 7);
    assert_eq!(cells_of(f, "appeals"), 15);
}

#[test]
fn cell_ids_follow_the_spec() {
    let f = get(Version::V2021);
    for id in [
        "proactive.regulations.issued",
        "proactive.fees.amount",
        "requests.new.natural_person",
        "requests.partial.other_org",
        "requests.other_no_fee.total",
        "requests.results_total.total",
        "requests.carried_forward.legal_service",
        "appeals.review.upheld",
        "appeals.litigation_direct.pending",
        "appeals.litigation_after_review.total",
    ] {
        assert!(f.cell(id).is_some(), "{id} missing");
    }
    assert!(f.cell("requests.other.total").is_none());
    let old = get(Version::V2019);
    for id in [
        "proactive.fees.change",
        "proactive.procurement.amount",
        "proactive.other_services.prev_items",
        "requests.other.total",
    ] {
        assert!(old.cell(id).is_some(), "{id} missing");
    }
    assert!(old.cell("requests.other_misc.total").is_none());
    assert_eq!(
        f.cells[f.cell("proactive.fees.amount").unwrap()].kind,
        CellKind::Amount(crate::format::Unit::Wan)
    );
    assert_eq!(
        old.cells[old.cell("proactive.procurement.amount").unwrap()].kind,
        CellKind::Amount(crate::format::Unit::Yuan),
        "采购总金额 is printed in 元"
    );
    assert_eq!(
        old.cells[old.cell("proactive.fees.change").unwrap()].kind,
        CellKind::Signed
    );
}

#[test]
fn totals_sum_what_the_spec_says() {
    let f = get(Version::V2021);
    let ids = |parts: &[CellIx]| parts.iter().map(|&p| f.cells[p].id.as_str()).collect::<Vec<_>>();
    let total = |id: &str| f.cells[f.cell(id).unwrap()].total.clone().unwrap();

    let row = total("requests.new.total");
    assert_eq!(row.across.as_ref().unwrap().rule, "requests.row_total");
    assert_eq!(
        ids(&row.across.unwrap().parts),
        [
            "requests.new.natural_person",
            "requests.new.commercial",
            "requests.new.research",
            "requests.new.public_interest",
            "requests.new.legal_service",
            "requests.new.other_org"
        ]
    );
    let column = total("requests.results_total.commercial").down.unwrap();
    assert_eq!(column.rule, "requests.results_total");
    assert_eq!(column.parts.len(), 21);
    assert_eq!(ids(&column.parts)[0], "requests.granted.commercial");
    assert_eq!(ids(&column.parts)[20], "requests.other_misc.commercial");
    assert_eq!(
        get(Version::V2019).cells[get(Version::V2019).cell("requests.results_total.total").unwrap()]
            .total
            .as_ref()
            .unwrap()
            .down
            .as_ref()
            .unwrap()
            .parts
            .len(),
        19
    );

    let appeal = total("appeals.litigation_direct.total").across.unwrap();
    assert_eq!(appeal.rule, "appeals.total");
    assert_eq!(
        ids(&appeal.parts),
        [
            "appeals.litigation_direct.upheld",
            "appeals.litigation_direct.corrected",
            "appeals.litigation_direct.other",
            "appeals.litigation_direct.pending"
        ]
    );
    // 25 row totals + 6 more in the （七）总计 row + 3 in 表四.
    assert_eq!(f.computed.len(), 25 + 6 + 3);
}

/// Every table's layout tiles its rectangle exactly: the placement the layout gives each
/// cell leaves no gaps and no overlaps, and a row lists its cells left to right.
#[test]
fn every_layout_tiles_its_grid() {
    for version in Version::ALL {
        for section in &get(version).sections {
            let Body::Table(table) = &section.body else {
                continue;
            };
            let grid = &table.grid;
            let rows: Vec<&GridRow> = grid.head.iter().chain(&grid.body).collect();
            let mut taken = vec![vec![false; grid.width as usize]; rows.len()];
            for (r, row) in rows.iter().enumerate() {
                let mut last_col = None;
                for cell in &row.cells {
                    assert_eq!(
                        cell.row as usize, r,
                        "{version} {}: a cell of row {r} placed in another",
                        table.key
                    );
                    assert!(
                        last_col < Some(cell.col),
                        "{version} {}: row {r} out of order",
                        table.key
                    );
                    last_col = Some(cell.col);
                    for dr in 0..cell.rowspan as usize {
                        for dc in 0..cell.colspan as usize {
                            let (at_r, at_c) = (r + dr, cell.col as usize + dc);
                            let spot = taken
                                .get_mut(at_r)
                                .and_then(|line| line.get_mut(at_c))
                                .unwrap_or_else(|| {
                                    panic!("{version} {}: {at_r},{at_c} is outside", table.key)
                                });
                            assert!(!*spot, "{version} {}: overlap at {at_r},{at_c}", table.key);
                            *spot = true;
                        }
                    }
                }
            }
            assert!(
                taken.iter().all(|row| row.iter().all(|t| *t)),
                "{version} {}: gap",
                table.key
            );
        }
    }
}

/// The two versions' 表三 differ in 「（六）其他处理」 only.
#[test]
fn the_versions_share_the_applications_rows_but_other() {
    let rows = |v: Version| -> Vec<&'static str> {
        let f = get(v);
        let mut rows: Vec<&str> = f
            .table("requests")
            .unwrap()
            .cells
            .iter()
            .map(|&ix| f.cells[ix].row)
            .collect();
        rows.dedup();
        rows
    };
    let (old, new) = (rows(Version::V2019), rows(Version::V2021));
    let without_other = |rows: &[&'static str]| -> Vec<&'static str> {
        rows.iter().copied().filter(|r| !r.starts_with("other")).collect()
    };
    assert_eq!(without_other(&old), without_other(&new));
    assert_eq!(old.len() + 2, new.len());
}

#[test]
fn tables_carry_their_print_metadata() {
    let f = get(Version::V2021);
    let print = |key: &str| f.table(key).unwrap().print;
    assert_eq!(f.table("requests").unwrap().topic, "依申请");
    assert_eq!(
        print("requests").label_widths.len(),
        f.table("requests").unwrap().grid.label_cols as usize
    );
    assert_eq!(print("proactive").label_widths.len(), 1);
    assert!(print("appeals").label_widths.is_empty());
    assert!(print("appeals").landscape && !print("requests").landscape);
}

#[test]
fn the_applications_table_has_the_official_merged_headers() {
    let grid = &get(Version::V2021).table("requests").unwrap().grid;
    assert_eq!(grid.width, 3 + 7);
    assert_eq!(grid.head.len(), 3);
    let corner = &grid.head[0].cells[0];
    assert!(matches!(corner.content, Content::Note(n) if n.contains("勾稽关系")));
    assert_eq!((corner.colspan, corner.rowspan), (3, 3));
    let labels: Vec<(&str, u16, u16)> = grid.head[1]
        .cells
        .iter()
        .map(|c| match c.content {
            Content::ColHeader(l) | Content::ColGroup(l) => (l, c.colspan, c.rowspan),
            _ => ("?", 0, 0),
        })
        .collect();
    assert_eq!(
        labels,
        [("自然人", 1, 2), ("法人或其他组织", 5, 1), ("总计", 1, 2)]
    );
    let results = grid.body[2].cells.first().unwrap();
    assert!(matches!(results.content, Content::RowGroup("三、本年度办理结果")));
    assert_eq!(results.rowspan, 22);
    let old = &get(Version::V2019).table("requests").unwrap().grid;
    assert_eq!(old.body[2].cells[0].rowspan, 20);
    // （二）部分公开 spans the two inner label columns; 一、 spans all three.
    assert_eq!(grid.body[0].cells[0].colspan, 3);
    assert_eq!(grid.body[3].cells[0].colspan, 2);
}

#[test]
fn the_appeals_table_has_two_header_levels_over_fifteen_columns() {
    let grid = &get(Version::V2021).table("appeals").unwrap().grid;
    assert_eq!(grid.width, 15);
    assert_eq!(grid.label_cols, 0);
    let top: Vec<(u16, u16)> = grid.head[0]
        .cells
        .iter()
        .map(|c| (c.colspan, c.rowspan))
        .collect();
    assert_eq!(top, [(5, 1), (10, 1)]);
    // 行政复议's outcomes reach down two rows, beside 行政诉讼's two sub-groups.
    assert_eq!(grid.head[1].cells.len(), 5 + 2);
    assert_eq!(grid.head[1].cells[0].rowspan, 2);
    assert_eq!(grid.head[2].cells.len(), 10);
    assert_eq!(grid.body.len(), 1);
}

#[test]
fn the_proactive_table_draws_blocks_with_captions() {
    let grid = &get(Version::V2021).table("proactive").unwrap().grid;
    assert_eq!(grid.width, 4);
    assert!(matches!(
        grid.body[0].cells[0].content,
        Content::Caption("第二十条第（一）项")
    ));
    assert!(matches!(
        grid.body[1].cells[0].content,
        Content::ColHeader("信息内容")
    ));
    let fee_row = grid.body.last().unwrap();
    assert_eq!(fee_row.cells[1].colspan, 3);
}

#[test]
fn versions_follow_report_years() {
    assert_eq!(Version::for_year(2018), None);
    assert_eq!(Version::for_year(2019), Some(Version::V2019));
    assert_eq!(Version::for_year(2020), Some(Version::V2019));
    assert_eq!(Version::for_year(2021), Some(Version::V2021));
    assert_eq!(Version::for_year(2026), Some(Version::V2021));
}

#[test]
fn rule_ids_are_the_spec_rule_table() {
    let ids: Vec<&str> = get(Version::V2021).rules.iter().map(|r| r.id).collect();
    assert_eq!(
        ids,
        [
            "value.integer",
            "value.nonnegative",
            "value.range",
            "requests.row_total",
            "requests.results_total",
            "requests.balance",
            "appeals.total",
            "text.required",
            "text.government_extras",
            "text.fee_statement",
            "cross_year.carried_over",
            "cross_year.in_force",
            // The assessors' checks (issue 14), after the spec's table.
            "text.similar_last_year",
            "text.similar_peer",
            "text.year",
            "text.numbers",
            "text.overview_topics",
            "text.problems_topics",
            "value.plausible",
            "requests.nil",
            "appeals.nil"
        ]
    );
    let old: Vec<&str> = get(Version::V2019).rules.iter().map(|r| r.id).collect();
    assert!(!old.contains(&"text.fee_statement") && !old.contains(&"cross_year.in_force"));
}

#[test]
fn messages_name_cells_as_a_clerk_reads_them() {
    let f = get(Version::V2021);
    assert_eq!(
        f.cell_name(f.cell("requests.new.commercial").unwrap()),
        "第三部分“本年新收”行“商业企业”列"
    );
    assert_eq!(
        f.cell_name(f.cell("appeals.review.upheld").unwrap()),
        "第四部分“行政复议”“结果维持”"
    );
}

#[test]
fn balance_rules_resolve_every_column_of_their_table() {
    for version in [Version::V2019, Version::V2021] {
        let format = get(version);
        for rule in &format.rules {
            let Check::Balance { table, left, right } = rule.check else {
                continue;
            };
            let columns = format.balance(rule.id);
            let first_row = format.cells[format.table(table).expect("table").cells[0]].row;
            let expected = format
                .cells
                .iter()
                .filter(|c| c.table == table && c.row == first_row)
                .count();
            assert_eq!(columns.len(), expected, "{} {version:?}", rule.id);
            for (l, r) in columns {
                assert_eq!((l.len(), r.len()), (left.len(), right.len()), "{}", rule.id);
                assert!(l.iter().chain(r).all(|&ix| format.cells[ix].table == table));
            }
        }
    }
}
