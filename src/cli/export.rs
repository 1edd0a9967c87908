//! `nianbao export --format F FILE.json -o OUT` (or `--report ID` for a stored report): the
//! same files the app serves, without the app.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::export::{self, Kind, Snapshot};
use crate::report::interchange;
use crate::store::Store;

pub async fn run(
    kind: Kind,
    file: Option<&Path>,
    report: Option<i64>,
    database_url: &str,
    output: &Path,
) -> ExitCode {
    let what = file.map_or_else(
        || format!("report {}", report.unwrap_or_default()),
        |f| f.display().to_string(),
    );
    match export(kind, file, report, database_url, output).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{what}: {err:#}");
            ExitCode::from(2)
        }
    }
}

async fn export(
    kind: Kind,
    file: Option<&Path>,
    report: Option<i64>,
    database_url: &str,
    output: &Path,
) -> anyhow::Result<()> {
    let snapshot = match (file, report) {
        (Some(file), _) => {
            let bytes = std::fs::read(file)?;
            // A file on disk carries no approval: it is exported as a draft.
            Snapshot::draft(interchange::from_json(&bytes)?)
        }
        (None, Some(id)) => {
            let store = Store::connect(database_url).await?;
            let stored = store
                .report(id)
                .await
                .map_err(|_| anyhow::anyhow!("没有编号为 {id} 的报告"))?;
            let notes = store.correction_notes(&stored).await?;
            store.close().await;
            let mut snapshot = Snapshot::of(&stored.report, stored.approval.as_ref());
            crate::report::carry::print_corrections(&mut snapshot.report, &notes);
            snapshot
        }
        (None, None) => anyhow::bail!("请给出报告文件（FILE.json）或 --report 编号"),
    };
    for (place, chars) in export::glyphs::missing(&snapshot.report) {
        let what = match place {
            crate::report::Place::Agency => "机关名称".to_string(),
            crate::report::Place::Field(f) => snapshot.report.format().key(f).to_string(),
        };
        let list: String = chars.iter().collect();
        eprintln!("提醒：{what} 中有字库无法显示的字符「{list}」，导出时以 〓 标出");
    }
    std::fs::write(output, export::render(kind, &snapshot)?)?;
    Ok(())
}

/// Where the output goes when `-o` is not given: the report's title and the format.
pub fn default_output(kind: Kind) -> PathBuf {
    PathBuf::from(format!("report.{}", kind.extension()))
}
