//! The integration tests: one binary, a module per area (the binary links typst once).
//! Storage and HTTP tests run on SQLite and on Postgres (`on_both_backends!` in `common`).
#![allow(clippy::unwrap_used)] // tests may panic on what they set up themselves

#[macro_use]
mod common;

mod admin;
mod api;
mod architecture;
mod authz;
mod browser;
mod bulk;
mod characters;
mod cli;
mod desk;
mod export;
mod history;
mod import;
mod integrity;
mod migrations;
mod office;
mod published;
mod pdf;
mod pdf_limit;
mod report_form;
mod review;
mod rules;
mod security;
mod stamp;
mod store;
