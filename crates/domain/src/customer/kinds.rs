//! The vocabularies of a customer record.

crate::text_enum! {
    pub enum CustomerKind {
        Individual = "individual",
        Business = "business",
    }
}

crate::text_enum! {
    /// Where a customer came from.
    pub enum SourceChannel {
        WalkIn = "walk_in",
        Phone = "phone",
        Website = "website",
        Wechat = "wechat",
        Autohome = "autohome",
        Dongchedi = "dongchedi",
        Referral = "referral",
        Event = "event",
        Other = "other",
    }
}

crate::text_enum! {
    /// Whether a customer is in daily work or archived (kept for history).
    pub enum CustomerStatus {
        Active = "active",
        Archived = "archived",
    }
}
