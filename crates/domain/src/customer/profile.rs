//! The vocabularies of the customer record.

crate::text_enum! {
    /// Individuals and businesses share one customer list, filterable by kind.
    pub enum CustomerKind {
        Individual = "individual",
        Business = "business",
    }
}

crate::text_enum! {
    /// Where a customer first came from. The first nine names are the original list and stay
    /// valid for stored rows and integrators.
    pub enum SourceChannel {
        WalkIn = "walk_in",
        Phone = "phone",
        Website = "website",
        Wechat = "wechat",
        /// 汽车之家.
        Autohome = "autohome",
        /// 懂车帝.
        Dongchedi = "dongchedi",
        /// Recommended by an existing customer, who is recorded as the referrer.
        Referral = "referral",
        Event = "event",
        Other = "other",
        /// A WeChat mini-program (小程序).
        MiniProgram = "mini_program",
        /// 易车.
        Yiche = "yiche",
        /// A motor show (车展).
        CarShow = "car_show",
        /// Douyin, Xiaohongshu, Kuaishou and the like.
        SocialMedia = "social_media",
        /// Imported from the dealer's ERP or DMS.
        ErpImport = "erp_import",
    }
}

crate::text_enum! {
    /// Whether a customer is in daily work or archived (kept for history); merged into
    /// another record (the merge source, which answers 410 with the survivor), or erased
    /// (anonymised for good on the person's request; the row stays so that references hold).
    pub enum CustomerStatus {
        Active = "active",
        Archived = "archived",
        Merged = "merged",
        Erased = "erased",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_original_source_channels_stay_valid() {
        for name in [
            "walk_in",
            "phone",
            "website",
            "wechat",
            "autohome",
            "dongchedi",
            "referral",
            "event",
            "other",
        ] {
            assert!(name.parse::<SourceChannel>().is_ok(), "{name}");
        }
        assert_eq!(SourceChannel::ALL.len(), 14);
        assert_eq!("erp_import".parse(), Ok(SourceChannel::ErpImport));
        assert_eq!(CustomerKind::NAMES, ["individual", "business"]);
    }
}
