//! People: signing in and out, one's own account, the admin pages, the first-start setup.
//! The handlers share only `form` (form helpers) and `signin` (the sign-in page); none
//! imports another.

pub mod account;
pub mod admin;
mod form;
pub mod login;
pub mod rules;
pub mod setup;
pub mod signin;
