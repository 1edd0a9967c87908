//! The checks assessors make beyond the tables' arithmetic (第三方评估, the 公开办's 考评):
//! text copied from last year (`similar`), years that are not the report's (`years`), and
//! numbers in the texts that disagree with the tables (`numbers`), and a text saying none
//! happened where the table counts some (`nil`). Pure, like the other
//! rules: `validate` runs them, the format declares them.

pub mod nil;
pub mod numbers;
pub mod similar;
pub mod years;
