//! The review workflow: 草稿 → 已提交 → (已退回 → 已提交) → 已通过 → 已发布.
//! One exhaustive table of who may do what from where; anything not listed is refused.

use super::status::Status;

/// Who acts on a report, relative to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A clerk of the report's agency.
    Clerk,
    /// A reviewer of a government above (or of) the report's agency.
    Reviewer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Submit,
    Return,
    Approve,
    Reopen,
    Publish,
}

impl Action {
    /// Every action, in the order a page offers them.
    pub const ALL: [Action; 5] = [
        Action::Submit,
        Action::Approve,
        Action::Return,
        Action::Publish,
        Action::Reopen,
    ];

    /// The last segment of its route (`/reports/{id}/approve`).
    pub fn slug(self) -> &'static str {
        match self {
            Action::Submit => "submit",
            Action::Return => "return",
            Action::Approve => "approve",
            Action::Reopen => "reopen",
            Action::Publish => "publish",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.slug() == slug)
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::Submit => "提交审核",
            Action::Return => "退回修改",
            Action::Approve => "审核通过",
            Action::Reopen => "重新打开",
            Action::Publish => "标记为已发布",
        }
    }

    /// Whether the action needs a written reason.
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Return | Action::Reopen)
    }
}

/// The status after `action`, or `None` if `actor` may not do it from `status`.
pub fn next(status: Status, action: Action, actor: Actor) -> Option<Status> {
    use Action::*;
    use Status::*;
    match (status, action, actor) {
        (Draft | Returned, Submit, Actor::Clerk) => Some(Submitted),
        (Submitted, Return, Actor::Reviewer) => Some(Returned),
        (Submitted, Approve, Actor::Reviewer) => Some(Approved),
        (Approved | Published, Reopen, Actor::Reviewer) => Some(Returned),
        (Approved, Publish, Actor::Clerk | Actor::Reviewer) => Some(Published),
        _ => None,
    }
}

/// The actions `actor` can take on a report in `status`, in the order to offer them.
pub fn available(status: Status, actor: Actor) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|a| next(status, *a, actor).is_some())
        .collect()
}

/// The legal publication deadline of a report for `year`: 1月31日 of the next year for a
/// department, 3月31日 for a government (条例第四十九条). Returns (year, month, day).
pub fn deadline(year: i32, kind: super::Kind) -> (i32, u8, u8) {
    match kind {
        super::Kind::Department => (year + 1, 1, 31),
        super::Kind::Government => (year + 1, 3, 31),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Status::*;

    #[test]
    fn every_action_reads_back_from_its_slug() {
        for action in Action::ALL {
            assert_eq!(Action::from_slug(action.slug()), Some(action));
        }
        assert_eq!(Action::from_slug("comments"), None);
    }

    #[test]
    fn the_happy_path_goes_draft_submitted_approved_published() {
        assert_eq!(next(Draft, Submit, Actor::Clerk), Some(Submitted));
        assert_eq!(next(Submitted, Approve, Actor::Reviewer), Some(Approved));
        assert_eq!(next(Approved, Publish, Actor::Clerk), Some(Published));
    }

    #[test]
    fn a_return_goes_back_to_the_clerk_and_comes_back_by_resubmitting() {
        assert_eq!(next(Submitted, Return, Actor::Reviewer), Some(Returned));
        assert_eq!(next(Returned, Submit, Actor::Clerk), Some(Submitted));
        assert_eq!(next(Approved, Reopen, Actor::Reviewer), Some(Returned));
        assert_eq!(next(Published, Reopen, Actor::Reviewer), Some(Returned));
    }

    #[test]
    fn nobody_does_the_others_part() {
        assert_eq!(next(Draft, Submit, Actor::Reviewer), None);
        assert_eq!(next(Submitted, Approve, Actor::Clerk), None);
        assert_eq!(next(Submitted, Return, Actor::Clerk), None);
        assert_eq!(next(Approved, Reopen, Actor::Clerk), None);
        assert_eq!(
            next(Draft, Approve, Actor::Reviewer),
            None,
            "only a submitted report is approved"
        );
        assert_eq!(
            next(Draft, Publish, Actor::Clerk),
            None,
            "only an approved report is published"
        );
        assert_eq!(next(Submitted, Submit, Actor::Clerk), None);
    }

    #[test]
    fn deadlines_follow_the_regulation() {
        assert_eq!(deadline(2025, crate::report::Kind::Department), (2026, 1, 31));
        assert_eq!(deadline(2025, crate::report::Kind::Government), (2026, 3, 31));
    }

    #[test]
    fn each_actor_is_offered_what_they_can_do() {
        assert_eq!(available(Draft, Actor::Clerk), [Submit]);
        assert_eq!(available(Submitted, Actor::Reviewer), [Approve, Return]);
        assert_eq!(available(Approved, Actor::Reviewer), [Publish, Reopen]);
        assert!(available(Submitted, Actor::Clerk).is_empty());
    }
}
