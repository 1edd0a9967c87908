//! Nianbao: 政府信息公开工作年度报告 — filled in, validated, reviewed and published.
//!
//! The layers, each using only those before it: `format` declares the official formats;
//! `report` holds a report, its rules and its review records (pure); `import` reads a
//! published report (web page, page text, PDF) into one (pure); `account` holds
//! agencies, people and their names; `store` keeps them in SQLite or Postgres. `view` (a
//! report as a reader sees it) and `export` (the publication formats) are made from the
//! domain. `web` serves the forms and the API, `cli` is the command line, `demo` the sample
//! data. `tests/app/architecture.rs` keeps it so.

pub mod account;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod export;
pub mod format;
pub mod import;
pub mod report;
pub mod store;
pub mod view;
pub mod web;
