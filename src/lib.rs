//! `handoff`: an auditor of the marketing-to-sales lead handoff.
//!
//! The crate reads the CSV exports of a marketing-automation platform and a CRM (`load`),
//! applies the sales-ready definition both teams agreed in writing (`rules`), computes the
//! figures of the SPEC (`audit`) and renders them (`report`). `app` wires the commands.

#![warn(missing_docs)]

pub mod app;
pub mod audit;
pub mod cli;
pub mod compare;
pub mod config;
pub mod explain;
pub mod init;
pub mod load;
pub mod report;
pub mod rules;
