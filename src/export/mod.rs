//! The publication formats, each walking the same format definition and the same
//! [`crate::view::ReportView`].

pub mod html;
