//! Nianbao: 政府信息公开工作年度报告 — filled in, validated, reviewed and published.
//!
//! `format` declares the official formats; `report` holds a report and its rules (pure);
//! `view` is a report as a reader sees it; `store` keeps reports in SQLite or Postgres;
//! `web` serves the forms and the API; `export` writes the publication formats; `cli` is
//! the command line and `demo` the sample data.

pub mod account;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod export;
pub mod format;
pub mod report;
pub mod store;
pub mod view;
pub mod web;
