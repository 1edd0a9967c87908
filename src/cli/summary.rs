//! `nianbao summary --government NAME --year Y [--scope region|office] [--json]`: the
//! government's report for the year as the desk compiles it, so it can be checked outside
//! the app. `region` (本行政区域, the default) sums the approved reports of every unit of
//! the roster under the government; `office` (本机关) is the government's own report.
//! The units not summed are listed on stderr. Exit 0 when every unit is summed, 3 when the
//! compile is partial, 1 when it cannot be made.

use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::report::compile::{Scope, regional};
use crate::report::{Kind, interchange};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryScope {
    /// 本行政区域: the whole jurisdiction.
    Region,
    /// 本机关: the government office's own report.
    Office,
}

/// The units the text lists by name before it says "等".
const LISTED: i64 = 1000;

pub async fn run(database_url: &str, government: &str, year: i32, scope: SummaryScope, json: bool) -> ExitCode {
    let store = match Store::connect(database_url).await {
        Ok(store) => store,
        Err(err) => {
            eprintln!("nianbao: 无法打开数据库 {database_url}：{err:#}");
            return ExitCode::FAILURE;
        }
    };
    let done = summary(&store, government, year, scope, json).await;
    store.close().await;
    match done {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(3),
        Err(err) => {
            eprintln!("nianbao: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints the report; `Ok(false)` when units are missing from it.
async fn summary(store: &Store, name: &str, year: i32, scope: SummaryScope, json: bool) -> anyhow::Result<bool> {
    let government = store
        .agency_by_name(name)
        .await?
        .with_context(|| format!("找不到机构“{name}”"))?;
    if government.kind != Kind::Government {
        bail!("“{name}”是{}：只有人民政府有本行政区域的报告", government.kind.label());
    }
    // Last year's figures of the same scope, for the year-over-year column.
    let last = match scope {
        SummaryScope::Region => store.region_sums(government.id, year - 1, &[]).await?.0,
        SummaryScope::Office => match store.report_id_of(government.id, year - 1).await? {
            Some(id) => {
                let report = store.report(id).await?.report;
                let values = crate::report::validate::Values::of(&report);
                let format = report.format();
                (0..format.cells.len())
                    .filter_map(|ix| Some((format.cells[ix].id.clone(), values.get(ix)?)))
                    .collect()
            }
            None => std::collections::HashMap::new(),
        },
    };
    let (report, complete) = match scope {
        SummaryScope::Office => {
            let id = store
                .report_id_of(government.id, year)
                .await?
                .with_context(|| format!("“{name}”还没有 {year} 年度的本机关报告"))?;
            let stored = store.report(id).await?;
            eprintln!("{name} {year} 年度本机关报告：{}", stored.status.label());
            (stored.report, true)
        }
        SummaryScope::Region => {
            let (sums, included) = store.region_sums(government.id, year, &[]).await?;
            let (missing, total) = store.region_missing(government.id, year, LISTED).await?;
            let left_out: Vec<(String, String)> = missing
                .iter()
                .map(|m| (m.name.clone(), m.status.map_or("未创建", |s| s.label()).to_string()))
                .collect();
            eprintln!("{name} {year} 年度本行政区域汇总：{included} 个单位已审核通过并计入，{total} 个单位未计入");
            for (unit, why) in &left_out {
                eprintln!("  未计入：{unit}（{why}）");
            }
            if (left_out.len() as i64) < total {
                eprintln!("  ……共 {total} 个");
            }
            let scope = Scope {
                included,
                left_out,
                left_out_total: total,
                reason: String::new(),
            };
            let report = regional(&government.name, year, &sums, &scope)
                .with_context(|| format!("{year} 年：只支持 2019 年及以后的年度报告"))?;
            (report, scope.is_complete())
        }
    };
    if json {
        println!("{}", serde_json::to_string_pretty(&interchange::to_json(&report))?);
    } else {
        let values = crate::report::validate::Values::of(&report);
        let format = report.format();
        println!("{}", crate::view::title(&report));
        println!("  项目\t{year} 年\t{} 年", year - 1);
        for (ix, def) in format.cells.iter().enumerate() {
            let then = last.get(&def.id).copied().unwrap_or(0);
            if def.total.is_some() || then != 0 || values.get(ix).is_some_and(|v| v != 0) {
                println!(
                    "  {}\t{}\t{}",
                    format.cell_name(ix),
                    crate::view::display(&report, &values, ix),
                    crate::report::value::canonical(def.kind, then)
                );
            }
        }
    }
    Ok(complete)
}
