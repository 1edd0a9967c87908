//! Who is who: agencies, roles, what each may see, names, passwords and tokens. Pure;
//! storage is in `store`, which maps its rows into these types.

mod agency;
mod names;
pub mod roster;

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};
use sha2::{Digest, Sha256};

pub use agency::{Agency, AgencyId, ReportId, membership_problem, parent_kind_problem, parent_problem};
pub use names::{
    AgencyName, DisplayName, MAX_NAME_CHARS, MAX_USERNAME_CHARS, NameProblem, Password, PasswordProblem,
    Username,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// 填报人: fills in and submits their own agency's reports.
    Clerk,
    /// 审核人: reviews every report of the agencies under their government, nested levels included.
    Reviewer,
    /// 管理员: manages agencies and users.
    Admin,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Clerk, Role::Reviewer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Clerk => "填报人",
            Role::Reviewer => "审核人",
            Role::Admin => "管理员",
        }
    }
}

impl TryFrom<String> for Role {
    type Error = crate::report::Unknown;
    fn try_from(s: String) -> Result<Role, Self::Error> {
        Role::parse(&s).ok_or(crate::report::Unknown(s))
    }
}

/// A signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub agency_id: Option<AgencyId>,
}

impl User {
    /// Whether this user may read the reports of `agency` (whose ancestors are `ancestors`).
    /// A clerk sees their own agency; a reviewer sees their government and everything under it.
    pub fn sees(&self, agency: AgencyId, ancestors: &[AgencyId]) -> bool {
        match (self.role, self.agency_id) {
            (Role::Clerk, Some(own)) => own == agency,
            (Role::Reviewer, Some(own)) => own == agency || ancestors.contains(&own),
            _ => false,
        }
    }

    /// Whether this user fills in the reports of `agency`.
    pub fn fills_in(&self, agency: AgencyId) -> bool {
        self.role == Role::Clerk && self.agency_id == Some(agency)
    }

    /// Whether this user reviews the reports of `agency`.
    pub fn reviews(&self, agency: AgencyId, ancestors: &[AgencyId]) -> bool {
        self.role == Role::Reviewer && self.sees(agency, ancestors)
    }
}

/// An argon2id hash in PHC form.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
}

/// Checks a password against a stored hash; a malformed hash never verifies.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

/// A hash to verify against when the user does not exist, so that an unknown name takes as
/// long as a wrong password.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password("decoy password").unwrap_or_default())
}

/// A random token: 32 bytes as 64 hex digits.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    // The OS random source failing is not something to recover from.
    getrandom::fill(&mut bytes).expect("the OS random source works");
    hex(&bytes)
}

/// A password for people to type: 12 characters without look-alikes (0/O, 1/l/I).
pub fn random_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Failed sign-ins of an account from one client address that are answered at once.
pub const FREE_ATTEMPTS: i64 = 5;

/// Seconds left to wait before the next try of an account from one client address, after
/// `failures` recent failures from there, the last at `last`: none for the first
/// [`FREE_ATTEMPTS`], then 5 s, doubling up to 5 minutes. A wait, never a lock: the right
/// password after it works. Counted per address, so that an attacker slows only themself,
/// not the account's owner signing in from elsewhere.
pub fn sign_in_wait(failures: i64, last: Option<i64>, now: i64) -> Option<i64> {
    if failures < FREE_ATTEMPTS {
        return None;
    }
    let doublings = (failures - FREE_ATTEMPTS).min(6);
    let delay = (5_i64 << doublings).min(300);
    let left = last? + delay - now;
    (left > 0).then_some(left)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, agency: i64) -> User {
        User {
            id: 1,
            username: "u".into(),
            display_name: "U".into(),
            role,
            agency_id: Some(agency),
        }
    }

    #[test]
    fn a_clerk_sees_only_their_agency() {
        let clerk = user(Role::Clerk, 5);
        assert!(clerk.sees(5, &[1]));
        assert!(!clerk.sees(6, &[5]), "not even an agency under theirs");
        assert!(clerk.fills_in(5) && !clerk.fills_in(6));
    }

    #[test]
    fn a_reviewer_sees_their_government_and_everything_under_it() {
        let reviewer = user(Role::Reviewer, 1);
        assert!(reviewer.sees(1, &[]));
        assert!(reviewer.sees(5, &[1]));
        assert!(reviewer.sees(9, &[7, 1]), "nested levels included");
        assert!(!reviewer.sees(8, &[7]));
        assert!(!reviewer.fills_in(1));
    }

    #[test]
    fn an_admin_reads_no_reports() {
        assert!(!user(Role::Admin, 1).sees(1, &[]));
    }

    #[test]
    fn failed_sign_ins_slow_down_and_never_lock() {
        assert_eq!(sign_in_wait(4, Some(100), 100), None, "the first ones are free");
        assert_eq!(sign_in_wait(5, Some(100), 100), Some(5));
        assert_eq!(sign_in_wait(5, Some(100), 105), None, "after the wait, a try");
        assert_eq!(sign_in_wait(6, Some(100), 101), Some(9));
        assert_eq!(
            sign_in_wait(50, Some(100), 100),
            Some(300),
            "at most five minutes"
        );
        assert_eq!(sign_in_wait(50, Some(100), 400), None);
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
        assert_eq!(random_token().len(), 64);
        assert_ne!(random_token(), random_token());
        assert_eq!(random_password().len(), 12);
    }
}
