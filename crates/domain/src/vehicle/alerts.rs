//! Inventory alerts (库存预警 / 库龄预警): what a rule watches and when it fires.

use chrono::NaiveDate;

crate::text_enum! {
    /// What an alert rule watches.
    pub enum AlertKind {
        /// 库存预警: fewer than N cars in stock matching the rule's brand, model, body or store.
        LowStock = "low_stock",
        /// 库龄预警: a car over N days in stock (optionally only of a store or brand).
        Aging = "aging",
    }
}

crate::text_enum! {
    /// An alert is open while its condition holds, and resolved once it clears.
    pub enum AlertStatus {
        Open = "open",
        Resolved = "resolved",
    }
}

/// Largest threshold a rule may set (cars for low stock, days for aging).
pub const MAX_THRESHOLD: i64 = 10_000;

/// Days a car has been in stock on `today` (0 on the day it arrived; never negative).
pub fn days_in_stock(today: NaiveDate, in_stock_since: NaiveDate) -> i64 {
    (today - in_stock_since).num_days().max(0)
}

/// Whether a low-stock rule fires: fewer than `threshold` cars in stock.
pub fn low_stock_fires(in_stock: i64, threshold: i64) -> bool {
    in_stock < threshold
}

/// Whether an aging rule fires for a car: more than `threshold` days in stock.
pub fn aging_fires(days: i64, threshold: i64) -> bool {
    days > threshold
}

/// What a low-stock rule watches, as people read it (`比亚迪 汉 sedan`), or 全部库存.
pub fn scope_label(parts: &[Option<&str>]) -> String {
    let named: Vec<&str> = parts
        .iter()
        .flatten()
        .copied()
        .filter(|p| !p.trim().is_empty())
        .collect();
    if named.is_empty() {
        "全部库存".into()
    } else {
        named.join(" ")
    }
}

/// The alert's message for a low-stock rule.
pub fn low_stock_message(scope: &str, in_stock: i64, threshold: i64) -> String {
    format!("库存预警：{scope}在库{in_stock}台，低于{threshold}台")
}

/// The alert's message for an aging car.
pub fn aging_message(car: &str, days: i64, threshold: i64) -> String {
    format!("库龄预警：{car}已在库{days}天，超过{threshold}天")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn days_in_stock_count_from_arrival() {
        assert_eq!(days_in_stock(day("2026-12-07"), day("2026-12-07")), 0);
        assert_eq!(days_in_stock(day("2026-12-07"), day("2026-10-08")), 60);
        assert_eq!(days_in_stock(day("2026-12-07"), day("2026-12-09")), 0);
    }

    #[test]
    fn rules_fire_past_their_threshold() {
        assert!(low_stock_fires(2, 3));
        assert!(!low_stock_fires(3, 3));
        assert!(aging_fires(61, 60));
        assert!(!aging_fires(60, 60));
    }

    #[test]
    fn messages_name_the_scope() {
        assert_eq!(
            scope_label(&[Some("比亚迪"), None, Some("汉")]),
            "比亚迪 汉"
        );
        assert_eq!(scope_label(&[None, Some(" ")]), "全部库存");
        assert_eq!(
            low_stock_message("比亚迪 汉", 1, 3),
            "库存预警：比亚迪 汉在库1台，低于3台"
        );
        assert_eq!(
            aging_message("比亚迪 汉 SZ-0412", 91, 90),
            "库龄预警：比亚迪 汉 SZ-0412已在库91天，超过90天"
        );
    }
}
