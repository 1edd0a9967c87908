//! The checks assessors make beyond the tables' arithmetic (第三方评估, the 公开办's 考评):
//! text copied from last year (`similar`), years that are not the report's (`years`), and
//! numbers in the texts that disagree with the tables (`numbers`). Pure, like the other
//! rules: `validate` runs them, the format declares them.

pub mod numbers;
pub mod similar;
pub mod years;
