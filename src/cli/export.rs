//! `nianbao export --format F FILE.json -o OUT`: the same files the app serves, without it.

use std::path::Path;
use std::process::ExitCode;

use super::ExportFormat;
use crate::report::interchange;

pub fn run(format: ExportFormat, file: &Path, output: &Path) -> ExitCode {
    match export(format, file, output) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{}: {err:#}", file.display());
            ExitCode::from(2)
        }
    }
}

fn export(format: ExportFormat, file: &Path, output: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file)?;
    let report = interchange::from_json(&bytes)?;
    let out: Vec<u8> = match format {
        // A file on disk carries no approval: it is exported as a draft.
        ExportFormat::Html => crate::export::html::render(&report, true)?.into_bytes(),
        ExportFormat::Json => serde_json::to_vec_pretty(&interchange::to_json(&report))?,
    };
    std::fs::write(output, out)?;
    Ok(())
}
