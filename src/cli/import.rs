//! `nianbao import FILE [-o OUT.json]`: reads a published report (web page, page text or
//! PDF) into an interchange document. Exit 0 when every cell was read with certainty, 3
//! when some need a person to confirm (listed on stderr), 2 when the file is not a report
//! it can read; nothing is written then.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::import::{self, Source};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ImportFormat {
    Auto,
    Html,
    Text,
    Pdf,
}

pub fn run(file: &Path, output: Option<&PathBuf>, format: ImportFormat, report_of: Option<&str>) -> ExitCode {
    let bytes = match read_limited(file) {
        Ok(bytes) => bytes,
        Err(msg) => return refuse(file, &msg),
    };
    let source = match format {
        ImportFormat::Auto => None,
        ImportFormat::Html => Some(Source::Html),
        ImportFormat::Text => Some(Source::Text),
        ImportFormat::Pdf => Some(Source::Pdf),
    };
    let imported = match import::read(&bytes, source, report_of) {
        Ok(imported) => imported,
        Err(e) => return refuse(file, &e.to_string()),
    };
    let name = file.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut json = serde_json::to_vec_pretty(&imported.to_json(&name)).unwrap_or_default();
    json.push(b'\n');
    let written = match output {
        Some(path) => std::fs::write(path, &json).map_err(|e| format!("{}: {e}", path.display())),
        None => std::io::stdout().write_all(&json).map_err(|e| e.to_string()),
    };
    if let Err(msg) = written {
        eprintln!("无法写出：{msg}");
        return ExitCode::from(2);
    }
    let format = imported.report.format();
    for note in &imported.notes {
        eprintln!("{}: {note}", file.display());
    }
    for v in imported.contradictions() {
        eprintln!("{}: 印出的数字如此（已照录）：{}", file.display(), v.message);
    }
    let unsure: Vec<_> = imported.unsure().collect();
    for (ix, r) in &unsure {
        let at = r.at.as_ref().map(|a| format!("（{a}）")).unwrap_or_default();
        let why = match &r.certainty {
            import::Certainty::Unsure { why, .. } => why.as_str(),
            _ => "",
        };
        eprintln!(
            "{}: 请核对 {} {}：读作 {}{at}；{why}",
            file.display(),
            format.cells[*ix].id,
            format.cell_name(*ix),
            if r.raw.is_empty() { "空" } else { &r.raw },
        );
    }
    if unsure.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(3) }
}

fn refuse(file: &Path, msg: &str) -> ExitCode {
    eprintln!("{}: {msg}", file.display());
    ExitCode::from(2)
}

/// The file, refused past the import limit without reading it all.
fn read_limited(file: &Path) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(file).map_err(|e| format!("无法打开文件：{e}"))?;
    let mut bytes = Vec::new();
    f.take(import::LIMIT as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("无法读取文件：{e}"))?;
    if bytes.len() > import::LIMIT {
        let size = std::fs::metadata(file).map_or(bytes.len() as u64, |m| m.len());
        return Err(import::NotRead::TooLarge(size.div_ceil(1024 * 1024) as usize).to_string());
    }
    Ok(bytes)
}
