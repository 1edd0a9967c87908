//! What an admin types to name an agency or a person, and a new password: each parsed once,
//! where it enters (the admin pages, the setup page, `nianbao admin`), into a type that the
//! store's `create_*` methods require. So the web and the command line keep one set of rules.

use std::fmt;

use crate::report::clean::clean;

/// The longest agency or display name, in characters.
pub const MAX_NAME_CHARS: usize = 100;
/// The longest username, in characters.
pub const MAX_USERNAME_CHARS: usize = 64;

/// Why a typed name was refused. Its `Display` is the message shown beside the field, and
/// printed by `nianbao admin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NameProblem {
    #[error("请填写机构名称")]
    AgencyMissing,
    #[error("机构名称最多 100 个字符")]
    AgencyTooLong,
    #[error("机构名称不能包含换行或制表符")]
    AgencyBreak,
    #[error("请填写姓名")]
    DisplayMissing,
    #[error("姓名最多 100 个字符")]
    DisplayTooLong,
    #[error("姓名不能包含换行或制表符")]
    DisplayBreak,
    #[error("请填写用户名")]
    UsernameMissing,
    #[error("用户名不能包含空格")]
    UsernameSpace,
    #[error("用户名最多 64 个字符")]
    UsernameTooLong,
}

/// What a name keeps of what was typed: without the characters no field keeps
/// (`report::clean`) and without spaces at either end.
fn typed(raw: &str) -> String {
    clean(raw).trim().to_string()
}

/// A line of text between 1 and [`MAX_NAME_CHARS`] characters. `clean` leaves tabs and line
/// breaks in, as texts keep them; a name is one line, in a table cell or a file name.
fn one_line(
    raw: &str,
    missing: NameProblem,
    too_long: NameProblem,
    broken: NameProblem,
) -> Result<String, NameProblem> {
    let name = typed(raw);
    if name.is_empty() {
        Err(missing)
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err(too_long)
    } else if name.chars().any(char::is_control) {
        Err(broken)
    } else {
        Ok(name)
    }
}

/// The name of a new agency: 平顶山市科学技术局.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyName(String);

impl AgencyName {
    pub fn parse(raw: &str) -> Result<AgencyName, NameProblem> {
        use NameProblem::*;
        one_line(raw, AgencyMissing, AgencyTooLong, AgencyBreak).map(AgencyName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name a new user is shown by: 李填报（市科技局）.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<DisplayName, NameProblem> {
        use NameProblem::*;
        one_line(raw, DisplayMissing, DisplayTooLong, DisplayBreak).map(DisplayName)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The name a new user signs in with: one word, up to [`MAX_USERNAME_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Username, NameProblem> {
        let name = typed(raw);
        if name.is_empty() {
            Err(NameProblem::UsernameMissing)
        } else if name.chars().any(char::is_whitespace) {
            Err(NameProblem::UsernameSpace)
        } else if name.chars().count() > MAX_USERNAME_CHARS {
            Err(NameProblem::UsernameTooLong)
        } else {
            Ok(Username(name))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! shown_as_text {
    ($($name:ident),*) => {$(
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )*};
}
shown_as_text!(AgencyName, DisplayName, Username);

/// Why a new password was refused, in the words shown beside the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordProblem {
    #[error("密码至少 8 个字符")]
    TooShort,
    #[error("密码最多 128 个字符")]
    TooLong,
}

/// A new password, 8 to 128 characters, taken as typed: spaces may be part of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: String) -> Result<Password, PasswordProblem> {
        match raw.chars().count() {
            ..8 => Err(PasswordProblem::TooShort),
            129.. => Err(PasswordProblem::TooLong),
            _ => Ok(Password(raw)),
        }
    }

    /// A password for people to type (see [`super::random_password`]).
    pub fn generate() -> Password {
        Password(super::random_password())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Never printed: a password in a log line or a panic message is a leaked password.
impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agency_and_display_names_are_one_line_of_at_most_100_characters() {
        let name = AgencyName::parse("  平顶山市科学技术局\u{0} ").unwrap();
        assert_eq!(
            name.as_str(),
            "平顶山市科学技术局",
            "trimmed, invisible characters gone"
        );
        assert_eq!(AgencyName::parse(" \u{7} "), Err(NameProblem::AgencyMissing));
        assert!(AgencyName::parse(&"局".repeat(100)).is_ok());
        assert_eq!(
            AgencyName::parse(&"局".repeat(101)),
            Err(NameProblem::AgencyTooLong)
        );
        assert_eq!(AgencyName::parse("某\n局"), Err(NameProblem::AgencyBreak));
        assert_eq!(AgencyName::parse("某\t局"), Err(NameProblem::AgencyBreak));
        assert_eq!(
            AgencyName::parse("某\r局"),
            Err(NameProblem::AgencyBreak),
            "a lone CR is a line break too"
        );

        assert_eq!(DisplayName::parse(" 李 填报 ").unwrap().as_str(), "李 填报");
        assert_eq!(DisplayName::parse(""), Err(NameProblem::DisplayMissing));
        assert!(DisplayName::parse(&"名".repeat(100)).is_ok());
        assert_eq!(
            DisplayName::parse(&"名".repeat(101)),
            Err(NameProblem::DisplayTooLong)
        );
        assert_eq!(DisplayName::parse("李\n王"), Err(NameProblem::DisplayBreak));
        assert_eq!(NameProblem::AgencyTooLong.to_string(), "机构名称最多 100 个字符");
        assert_eq!(NameProblem::DisplayTooLong.to_string(), "姓名最多 100 个字符");
    }

    #[test]
    fn a_username_is_one_word_of_at_most_64_characters() {
        assert_eq!(Username::parse(" tongji ").unwrap().as_str(), "tongji");
        assert_eq!(Username::parse("   "), Err(NameProblem::UsernameMissing));
        assert_eq!(Username::parse("tong ji"), Err(NameProblem::UsernameSpace));
        assert_eq!(Username::parse("tong\u{3000}ji"), Err(NameProblem::UsernameSpace));
        assert!(Username::parse(&"u".repeat(64)).is_ok());
        assert_eq!(
            Username::parse(&"u".repeat(65)),
            Err(NameProblem::UsernameTooLong)
        );
        assert_eq!(Username::parse("tong\u{0}ji").unwrap().as_str(), "tongji");
    }

    #[test]
    fn a_password_is_8_to_128_characters_as_typed() {
        assert_eq!(Password::parse("short".into()), Err(PasswordProblem::TooShort));
        assert_eq!(
            Password::parse(" 8 chars".into()).map(Password::into_string),
            Ok(" 8 chars".to_string()),
            "spaces are kept"
        );
        assert!(Password::parse("密".repeat(128)).is_ok());
        assert_eq!(Password::parse("密".repeat(129)), Err(PasswordProblem::TooLong));
        assert_eq!(PasswordProblem::TooShort.to_string(), "密码至少 8 个字符");
        assert_eq!(format!("{:?}", Password::generate()), "Password(…)");
        assert_eq!(Password::generate().as_str().len(), 12);
    }
}
