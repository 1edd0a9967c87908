//! Where a report stands in its life: 草稿 → 已提交 → (已退回 → 已提交) → 已通过 → 已发布.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Draft,
    Submitted,
    Returned,
    Approved,
    Published,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::Submitted,
        Status::Returned,
        Status::Approved,
        Status::Published,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Submitted => "submitted",
            Status::Returned => "returned",
            Status::Approved => "approved",
            Status::Published => "published",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "草稿",
            Status::Submitted => "已提交",
            Status::Returned => "已退回",
            Status::Approved => "已通过",
            Status::Published => "已发布",
        }
    }

    /// Whether the clerk may change the content (approval locks it).
    pub fn editable(self) -> bool {
        matches!(self, Status::Draft | Status::Returned)
    }
}
