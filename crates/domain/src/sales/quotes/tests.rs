use chrono::TimeZone;

use super::*;
use crate::vehicle::{Condition, EnergyType};

fn line(kind: QuoteLineKind, yuan: i64) -> QuoteLineInput {
    QuoteLineInput {
        kind,
        label: None,
        amount_cents: yuan * 100,
    }
}

fn input(lines: Vec<QuoteLineInput>, energy: EnergyType, date: NaiveDate) -> QuoteInput {
    QuoteInput {
        lines,
        vehicle: TaxedVehicle {
            condition: Condition::New,
            energy,
            in_relief_catalogue: true,
        },
        purchase_date: date,
        financing: None,
    }
}

fn on(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn fields(invalid: Invalid) -> Vec<(String, IssueCode)> {
    invalid
        .issues
        .into_iter()
        .map(|i| (i.field, i.code))
        .collect()
}

#[test]
fn an_on_the_road_quote_adds_up() {
    use QuoteLineKind::*;
    let quote = price_quote(
        &input(
            vec![
                line(VehiclePrice, 226_000),
                line(Discount, 6_000),
                line(Accessory, 1_500),
                line(Insurance, 5_200),
                line(ExtendedWarranty, 3_000),
                line(RegistrationFee, 500),
                line(TradeInAllowance, 40_000),
            ],
            EnergyType::Gasoline,
            on(2025, 6, 20),
        ),
        &PurchaseTaxRules::default(),
    )
    .unwrap();
    // Tax on 220,000: 220,000 / 1.13 × 10 % = 19,469.026… → 19,469.03.
    assert_eq!(quote.totals.vehicle_net_cents, 22_000_000);
    assert_eq!(quote.purchase_tax.payable_cents, 1_946_903);
    let last = quote.lines.last().unwrap();
    assert_eq!((last.kind, last.amount_cents), (PurchaseTax, 1_946_903));
    assert_eq!(
        quote.lines[1].amount_cents, -600_000,
        "discounts are negative"
    );
    assert_eq!(quote.totals.by_kind[&TradeInAllowance], -4_000_000);
    assert_eq!(
        quote.totals.total_cents,
        22_600_000 - 600_000 + 150_000 + 520_000 + 300_000 + 50_000 - 4_000_000 + 1_946_903
    );
}

#[test]
fn new_energy_quotes_carry_the_relief() {
    use QuoteLineKind::*;
    let lines = vec![line(VehiclePrice, 250_000), line(Discount, 10_000)];
    let rules = PurchaseTaxRules::default();
    let in_2025 = price_quote(
        &input(lines.clone(), EnergyType::Bev, on(2025, 12, 31)),
        &rules,
    )
    .unwrap();
    assert_eq!(in_2025.purchase_tax.payable_cents, 0);
    assert_eq!(in_2025.totals.total_cents, 24_000_000);
    let in_2026 = price_quote(&input(lines, EnergyType::Bev, on(2026, 1, 1)), &rules).unwrap();
    // 240,000 / 1.13 × 10 % = 21,238.938…; halved: 10,619.469… → 10,619.47.
    assert_eq!(in_2026.purchase_tax.payable_cents, 1_061_947);
}

#[test]
fn bad_lines_are_all_reported() {
    use QuoteLineKind::*;
    let mut long = line(Accessory, 1);
    long.label = Some("长".repeat(QUOTE_LABEL_MAX + 1));
    let invalid = price_quote(
        &input(
            vec![
                line(VehiclePrice, 0),
                line(VehiclePrice, 100),
                line(PurchaseTax, 10),
                line(Insurance, -5),
                long,
            ],
            EnergyType::Gasoline,
            on(2025, 1, 1),
        ),
        &PurchaseTaxRules::default(),
    )
    .unwrap_err();
    assert_eq!(
        fields(invalid),
        [
            ("lines[0].amount_cents".to_owned(), IssueCode::OutOfRange),
            ("lines[1].kind".to_owned(), IssueCode::Duplicate),
            ("lines[2].kind".to_owned(), IssueCode::NotAllowed),
            ("lines[3].amount_cents".to_owned(), IssueCode::OutOfRange),
            ("lines[4].label".to_owned(), IssueCode::TooLong),
        ]
    );
    let no_car = price_quote(
        &input(
            vec![line(Insurance, 5)],
            EnergyType::Gasoline,
            on(2025, 1, 1),
        ),
        &PurchaseTaxRules::default(),
    )
    .unwrap_err();
    assert_eq!(fields(no_car), [("lines".to_owned(), IssueCode::Required)]);
}

#[test]
fn discounts_and_trade_ins_cannot_make_totals_negative() {
    use QuoteLineKind::*;
    let rules = PurchaseTaxRules::default();
    let too_much_off = input(
        vec![line(VehiclePrice, 100), line(Discount, 101)],
        EnergyType::Gasoline,
        on(2025, 1, 1),
    );
    assert!(price_quote(&too_much_off, &rules).is_err());
    let big_trade_in = input(
        vec![line(VehiclePrice, 50_000), line(TradeInAllowance, 80_000)],
        EnergyType::Gasoline,
        on(2025, 1, 1),
    );
    let err = price_quote(&big_trade_in, &rules).unwrap_err();
    assert_eq!(
        err.issues[0].message,
        "the trade-in allowance exceeds what the customer pays"
    );
}

#[test]
fn quotes_serialise_with_wire_names() {
    let quote = price_quote(
        &input(
            vec![line(QuoteLineKind::VehiclePrice, 100_000)],
            EnergyType::Gasoline,
            on(2025, 1, 1),
        ),
        &PurchaseTaxRules::default(),
    )
    .unwrap();
    let json = serde_json::to_value(&quote).unwrap();
    assert_eq!(json["lines"][1]["kind"], "purchase_tax");
    assert_eq!(json["totals"]["by_kind"]["vehicle_price"], 10_000_000);
    assert_eq!(json["purchase_tax"]["basis"]["kind"], "standard");
    assert_eq!(serde_json::from_value::<PricedQuote>(json).unwrap(), quote);
}

#[test]
fn a_sent_quote_is_accepted_before_it_expires() {
    use QuoteStatus::*;
    let sent_at = Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap();
    let config = QuoteConfig::default();
    config.validate().unwrap();
    let expiry = expires_at(sent_at, &config);
    assert_eq!(expiry, sent_at + TimeDelta::days(7));
    let before = expiry - TimeDelta::seconds(1);
    assert_eq!(Draft.transition(Sent, None, sent_at), Ok(Sent));
    assert_eq!(
        Sent.transition(Accepted, Some(expiry), before),
        Ok(Accepted)
    );
    assert_eq!(
        Sent.transition(Accepted, Some(expiry), expiry),
        Err(QuoteStatusError::Expired { expires_at: expiry })
    );
    assert_eq!(
        Sent.transition(Declined, Some(expiry), before),
        Ok(Declined)
    );
    assert_eq!(
        Sent.transition(Declined, Some(expiry), expiry),
        Err(QuoteStatusError::Expired { expires_at: expiry })
    );
    assert_eq!(Sent.transition(Expired, Some(expiry), expiry), Ok(Expired));
    assert_eq!(
        Sent.transition(Expired, Some(expiry), before),
        Err(QuoteStatusError::NotExpired { expires_at: expiry })
    );
    assert_eq!(Sent.at(Some(expiry), expiry), Expired);
    assert_eq!(Sent.at(Some(expiry), before), Sent);
    assert_eq!(Accepted.at(Some(expiry), expiry), Accepted);
}

#[test]
fn versions_supersede_and_final_states_stay() {
    use QuoteStatus::*;
    let now = Utc.with_ymd_and_hms(2025, 6, 20, 10, 0, 0).unwrap();
    assert_eq!(Draft.transition(Superseded, None, now), Ok(Superseded));
    assert_eq!(Sent.transition(Superseded, Some(now), now), Ok(Superseded));
    for from in [Accepted, Declined, Expired, Superseded] {
        for &to in QuoteStatus::ALL {
            assert_eq!(
                from.transition(to, Some(now), now),
                Err(QuoteStatusError::Illegal { from, to }),
                "{from} -> {to}"
            );
        }
    }
    assert!(Draft.transition(Accepted, None, now).is_err());
    assert!(Draft.transition(Declined, None, now).is_err());
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    fn any_extra_line() -> impl Strategy<Value = QuoteLineInput> {
        use QuoteLineKind::*;
        (
            proptest::sample::select(
                &[
                    Discount,
                    Accessory,
                    Insurance,
                    ExtendedWarranty,
                    RegistrationFee,
                    TradeInAllowance,
                ][..],
            ),
            0i64..5_000_000,
        )
            .prop_map(|(kind, amount_cents)| QuoteLineInput {
                kind,
                label: None,
                amount_cents,
            })
    }

    proptest! {
        /// Whatever the lines, a priced quote's total is the sum of its lines to the fen, and
        /// so is the sum of its subtotals by kind.
        #[test]
        fn totals_equal_the_sum_of_the_lines(
            price in 1i64..200_000_000,
            extras in proptest::collection::vec(any_extra_line(), 0..20),
            energy in proptest::sample::select(EnergyType::ALL),
            days in 0i64..(6 * 366),
        ) {
            let mut lines = vec![QuoteLineInput {
                kind: QuoteLineKind::VehiclePrice,
                label: None,
                amount_cents: price,
            }];
            lines.extend(extras);
            let date = on(2023, 1, 1) + TimeDelta::days(days);
            let rules = PurchaseTaxRules::default();
            if let Ok(quote) = price_quote(&input(lines, energy, date), &rules) {
                let sum: i64 = quote.lines.iter().map(|l| l.amount_cents).sum();
                prop_assert_eq!(quote.totals.total_cents, sum);
                prop_assert_eq!(quote.totals.by_kind.values().sum::<i64>(), sum);
                prop_assert!(quote.totals.total_cents >= 0);
                prop_assert_eq!(
                    quote.totals.by_kind[&QuoteLineKind::PurchaseTax],
                    quote.purchase_tax.payable_cents
                );
            }
        }
    }
}
