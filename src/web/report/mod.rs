//! A report's pages: the form and its save (`edit`), the live check (`live`), the review
//! (`review`) and the history (`history`). The pieces they share are not handlers: the
//! page model (`page`), the problem list and marks (`problems`), applying a posted form
//! (`form`).

pub mod corrections;
pub mod edit;
pub mod form;
pub mod history;
pub mod import;
pub mod live;
pub mod page;
pub mod problems;
pub mod review;
pub mod statements;
