//! `nianbao check [--json] FILE…`: validates interchange files. Files of the same agency
//! for consecutive years are checked against each other (the cross-year rules), and files
//! of other agencies of the same year are each one's peers (雷同 between units).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::format::Severity;
use crate::report::validate::Violations;
use crate::report::validate::validate_among;
use crate::report::{Report, interchange};

pub fn run(json: bool, files: &[PathBuf]) -> ExitCode {
    let mut reports: Vec<(&Path, Report)> = Vec::new();
    let mut refused = false;
    for file in files {
        match read(file) {
            Ok(report) => reports.push((file, report)),
            Err(msg) => {
                eprintln!("{}: {msg}", file.display());
                refused = true;
            }
        }
    }
    let mut errors = false;
    for (file, report) in &reports {
        let last = reports
            .iter()
            .map(|(_, r)| r)
            .find(|r| r.agency == report.agency && r.year == report.year - 1);
        // The other units' files of the same year are its peers (雷同 between units).
        let peers: Vec<(&str, &Report)> = reports
            .iter()
            .map(|(_, r)| r)
            .filter(|r| r.agency != report.agency && r.year == report.year)
            .map(|r| (r.agency.as_str(), r))
            .collect();
        let violations = validate_among(report, last, &peers);
        errors |= violations.iter().any(|v| v.severity == Severity::Error);
        if json {
            let object = Violations::new(report.format(), &violations);
            println!("{}", serde_json::to_string(&object).unwrap_or_default());
        } else {
            print_text(file, report, &violations);
        }
    }
    if refused {
        ExitCode::from(2)
    } else if errors {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn read(file: &Path) -> Result<Report, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("无法读取文件：{e}"))?;
    interchange::from_json(&bytes).map_err(|e| e.to_string())
}

fn print_text(file: &Path, report: &Report, violations: &[crate::report::Violation]) {
    let errors = violations
        .iter()
        .filter(|v| v.severity == Severity::Error)
        .count();
    let warnings = violations.len() - errors;
    println!(
        "{}: {}{}年度（{}年格式）：{errors} 个错误，{warnings} 个提醒",
        file.display(),
        report.agency,
        report.year,
        report.version
    );
    for v in violations {
        let level = match v.severity {
            Severity::Error => "错误",
            Severity::Warning => "提醒",
        };
        println!("  [{level}] {} {}", v.rule, v.message);
    }
}
