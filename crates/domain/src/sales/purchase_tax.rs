//! Vehicle purchase tax (车辆购置税): 10 % of the price net of 13 % VAT, with the new-energy
//! relief of 财政部 税务总局 工业和信息化部公告 2023 年第 10 号:
//!
//! - bought 2024-01-01 to 2025-12-31: exempt, at most 30,000 CNY of tax waived per car;
//! - bought 2026-01-01 to 2027-12-31: halved, at most 15,000 CNY waived per car.
//!
//! The purchase date is the date the sales invoice is issued. The relief needs a new-energy car
//! listed in 《减免车辆购置税的新能源汽车车型目录》; the caps are those for passenger cars
//! (乘用车). So a car up to 339,000 CNY with VAT pays no tax in 2024–2025, and above it pays on
//! the excess. A used car pays none: the tax was paid at its first registration.
//!
//! # Rounding
//! Everything is exact integer arithmetic on fen; each amount shown is rounded once, half-up to
//! the fen, from its exact value: the tax before relief, and the tax payable (exact tax − exact
//! relief). The relief shown is their difference, so `before − relief = payable` to the fen.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::financing::MAX_AMOUNT_CENTS;
use crate::leads::{Invalid, IssueCode, Issues};
use crate::vehicle::{Condition, EnergyType};

/// 100 % in basis points.
const WHOLE: i128 = 10_000;

/// A period of new-energy relief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NevRelief {
    /// First and last purchase dates, both included.
    pub from: NaiveDate,
    pub until: NaiveDate,
    /// Share of the tax waived: 10000 exempts, 5000 halves.
    pub relief_basis_points: u32,
    /// Most tax waived per car.
    pub cap_cents: i64,
}

/// Tax rules, configurable so that a change in law is a settings change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PurchaseTaxRules {
    pub rate_basis_points: u32,
    /// The VAT included in the invoice price, removed before the tax is applied.
    pub vat_basis_points: u32,
    /// In date order, not overlapping.
    pub nev_reliefs: Vec<NevRelief>,
}

impl Default for PurchaseTaxRules {
    fn default() -> Self {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        PurchaseTaxRules {
            rate_basis_points: 1_000,
            vat_basis_points: 1_300,
            nev_reliefs: vec![
                NevRelief {
                    from: date(2024, 1, 1),
                    until: date(2025, 12, 31),
                    relief_basis_points: 10_000,
                    cap_cents: 3_000_000,
                },
                NevRelief {
                    from: date(2026, 1, 1),
                    until: date(2027, 12, 31),
                    relief_basis_points: 5_000,
                    cap_cents: 1_500_000,
                },
            ],
        }
    }
}

impl PurchaseTaxRules {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut issues = Issues::default();
        issues.range("rate_basis_points", self.rate_basis_points, 0, 10_000);
        issues.range("vat_basis_points", self.vat_basis_points, 0, 10_000);
        for (i, relief) in self.nev_reliefs.iter().enumerate() {
            let at = |field: &str| format!("nev_reliefs[{i}].{field}");
            if relief.until < relief.from {
                issues.push(at("until"), IssueCode::NotSorted, "must not be before from");
            }
            if i > 0 && relief.from <= self.nev_reliefs[i - 1].until {
                issues.push(
                    at("from"),
                    IssueCode::NotSorted,
                    "must be after the previous period's end",
                );
            }
            issues.range(
                &at("relief_basis_points"),
                relief.relief_basis_points,
                1,
                10_000,
            );
            issues.range(&at("cap_cents"), relief.cap_cents, 0, MAX_AMOUNT_CENTS);
        }
        issues.finish()
    }

    fn relief_on(&self, date: NaiveDate) -> Option<&NevRelief> {
        self.nev_reliefs
            .iter()
            .find(|r| r.from <= date && date <= r.until)
    }
}

/// What the tax depends on besides the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxedVehicle {
    pub condition: Condition,
    pub energy: EnergyType,
    /// Listed in the relief catalogue (减免车辆购置税的新能源汽车车型目录).
    pub in_relief_catalogue: bool,
}

/// Why the tax is what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaxBasis {
    /// Full tax: not a new-energy car, or bought outside every relief period.
    Standard,
    NevRelief {
        relief: NevRelief,
        /// The cap, not the share, limited the relief.
        capped: bool,
    },
    /// A new-energy car missing from the relief catalogue pays in full.
    NevNotInCatalogue,
    /// Paid at first registration, never again.
    UsedVehicle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurchaseTax {
    /// The price net of VAT, rounded half-up (informative; the tax uses the exact value).
    pub taxable_price_cents: i64,
    pub tax_before_relief_cents: i64,
    pub relief_cents: i64,
    pub payable_cents: i64,
    pub basis: TaxBasis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the price must be between 0 and {MAX_AMOUNT_CENTS} fen")]
pub struct PriceOutOfRange;

/// The purchase tax on a car invoiced at `invoice_price_cents` (VAT included) on
/// `purchase_date`.
pub fn purchase_tax(
    invoice_price_cents: i64,
    vehicle: &TaxedVehicle,
    purchase_date: NaiveDate,
    rules: &PurchaseTaxRules,
) -> Result<PurchaseTax, PriceOutOfRange> {
    if !(0..=MAX_AMOUNT_CENTS).contains(&invoice_price_cents) {
        return Err(PriceOutOfRange);
    }
    let price = i128::from(invoice_price_cents);
    let gross = WHOLE + i128::from(rules.vat_basis_points);
    let taxable_price_cents = to_cents(round_half_up(price * WHOLE, gross));
    if vehicle.condition == Condition::Used {
        return Ok(PurchaseTax {
            taxable_price_cents,
            tax_before_relief_cents: 0,
            relief_cents: 0,
            payable_cents: 0,
            basis: TaxBasis::UsedVehicle,
        });
    }
    // The exact tax is `tax / gross` fen.
    let tax = price * i128::from(rules.rate_basis_points);
    let before = round_half_up(tax, gross);
    let relief = rules.relief_on(purchase_date).copied();
    let (payable, basis) = match relief {
        Some(relief) if vehicle.energy.is_new_energy() && vehicle.in_relief_catalogue => {
            // Over the common denominator gross × WHOLE.
            let share = tax * i128::from(relief.relief_basis_points);
            let cap = i128::from(relief.cap_cents) * gross * WHOLE;
            let capped = cap < share;
            let waived = share.min(cap);
            (
                round_half_up(tax * WHOLE - waived, gross * WHOLE),
                TaxBasis::NevRelief { relief, capped },
            )
        }
        Some(_) if vehicle.energy.is_new_energy() => (before, TaxBasis::NevNotInCatalogue),
        _ => (before, TaxBasis::Standard),
    };
    Ok(PurchaseTax {
        taxable_price_cents,
        tax_before_relief_cents: to_cents(before),
        relief_cents: to_cents(before - payable),
        payable_cents: to_cents(payable),
        basis,
    })
}

/// `num / den` rounded half-up, for `num >= 0` and `den > 0`.
fn round_half_up(num: i128, den: i128) -> i128 {
    (2 * num + den) / (2 * den)
}

/// Prices are capped at `MAX_AMOUNT_CENTS`, so every amount here fits.
fn to_cents(value: i128) -> i64 {
    i64::try_from(value).expect("bounded by MAX_AMOUNT_CENTS")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_car(energy: EnergyType) -> TaxedVehicle {
        TaxedVehicle {
            condition: Condition::New,
            energy,
            in_relief_catalogue: energy.is_new_energy(),
        }
    }

    fn on(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn tax(yuan: i64, vehicle: TaxedVehicle, date: NaiveDate) -> PurchaseTax {
        purchase_tax(yuan * 100, &vehicle, date, &PurchaseTaxRules::default()).unwrap()
    }

    #[test]
    fn the_defaults_are_valid() {
        PurchaseTaxRules::default().validate().unwrap();
    }

    #[test]
    fn ten_percent_of_the_price_net_of_vat() {
        let t = tax(200_000, new_car(EnergyType::Gasoline), on(2025, 3, 1));
        // 200,000 / 1.13 = 176,991.150…; × 10 % = 17,699.115… → 17,699.12.
        assert_eq!(t.taxable_price_cents, 17_699_115);
        assert_eq!(t.tax_before_relief_cents, 1_769_912);
        assert_eq!((t.relief_cents, t.payable_cents), (0, 1_769_912));
        assert_eq!(t.basis, TaxBasis::Standard);
    }

    #[test]
    fn new_energy_cars_are_exempt_up_to_30000_in_2024_and_2025() {
        let bev = new_car(EnergyType::Bev);
        let t = tax(200_000, bev, on(2024, 1, 1));
        assert_eq!((t.relief_cents, t.payable_cents), (1_769_912, 0));
        // 339,000 is where the tax reaches the cap exactly.
        let t = tax(339_000, bev, on(2025, 12, 31));
        assert_eq!((t.tax_before_relief_cents, t.payable_cents), (3_000_000, 0));
        // 400,000: tax 35,398.23, 30,000 waived.
        let t = tax(400_000, bev, on(2025, 6, 1));
        assert_eq!(t.tax_before_relief_cents, 3_539_823);
        assert_eq!((t.relief_cents, t.payable_cents), (3_000_000, 539_823));
        assert!(matches!(t.basis, TaxBasis::NevRelief { capped: true, .. }));
    }

    #[test]
    fn new_energy_tax_is_halved_up_to_15000_in_2026_and_2027() {
        let phev = new_car(EnergyType::Phev);
        // Tax 17,699.115…; half 8,849.557… → payable 8,849.56.
        let t = tax(200_000, phev, on(2026, 1, 1));
        assert_eq!((t.relief_cents, t.payable_cents), (884_956, 884_956));
        assert!(matches!(t.basis, TaxBasis::NevRelief { capped: false, .. }));
        // 400,000: half would be 17,699.12, the cap is 15,000.
        let t = tax(400_000, phev, on(2027, 12, 31));
        assert_eq!((t.relief_cents, t.payable_cents), (1_500_000, 2_039_823));
        // 2028 onwards: full tax.
        let t = tax(200_000, phev, on(2028, 1, 1));
        assert_eq!((t.payable_cents, t.basis), (1_769_912, TaxBasis::Standard));
        // Before 2024 the defaults hold no relief either (the earlier policy is not modelled).
        assert_eq!(
            tax(200_000, phev, on(2023, 12, 31)).basis,
            TaxBasis::Standard
        );
    }

    #[test]
    fn relief_needs_a_new_energy_car_in_the_catalogue() {
        let unlisted = TaxedVehicle {
            in_relief_catalogue: false,
            ..new_car(EnergyType::Erev)
        };
        let t = tax(200_000, unlisted, on(2025, 1, 1));
        assert_eq!(
            (t.payable_cents, t.basis),
            (1_769_912, TaxBasis::NevNotInCatalogue)
        );
        let hybrid = TaxedVehicle {
            in_relief_catalogue: true,
            ..new_car(EnergyType::Hev)
        };
        assert_eq!(
            tax(200_000, hybrid, on(2025, 1, 1)).basis,
            TaxBasis::Standard
        );
    }

    #[test]
    fn used_cars_pay_none() {
        let used = TaxedVehicle {
            condition: Condition::Used,
            ..new_car(EnergyType::Gasoline)
        };
        let t = tax(100_000, used, on(2025, 1, 1));
        assert_eq!((t.payable_cents, t.basis), (0, TaxBasis::UsedVehicle));
    }

    #[test]
    fn prices_out_of_range_are_refused() {
        let rules = PurchaseTaxRules::default();
        let car = new_car(EnergyType::Gasoline);
        assert_eq!(
            purchase_tax(-1, &car, on(2025, 1, 1), &rules),
            Err(PriceOutOfRange)
        );
        assert!(purchase_tax(MAX_AMOUNT_CENTS, &car, on(2025, 1, 1), &rules).is_ok());
    }

    #[test]
    fn overlapping_periods_are_refused() {
        let mut rules = PurchaseTaxRules::default();
        rules.nev_reliefs[1].from = on(2025, 12, 31);
        rules.nev_reliefs[0].relief_basis_points = 0;
        let fields: Vec<String> = rules
            .validate()
            .unwrap_err()
            .issues
            .into_iter()
            .map(|i| i.field)
            .collect();
        assert_eq!(
            fields,
            ["nev_reliefs[0].relief_basis_points", "nev_reliefs[1].from"]
        );
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;

        proptest! {
            #[test]
            fn relief_never_exceeds_its_share_or_cap(
                price in 0i64..2_000_000_000,
                days in 0i64..(6 * 366),
                energy in proptest::sample::select(EnergyType::ALL),
            ) {
                let rules = PurchaseTaxRules::default();
                let date = on(2023, 1, 1) + chrono::TimeDelta::days(days);
                let t = purchase_tax(price, &new_car(energy), date, &rules).unwrap();
                prop_assert_eq!(t.tax_before_relief_cents - t.relief_cents, t.payable_cents);
                prop_assert!(t.payable_cents >= 0 && t.relief_cents >= 0);
                if let TaxBasis::NevRelief { relief, .. } = t.basis {
                    prop_assert!(t.relief_cents <= relief.cap_cents);
                    // The share, allowing the one fen that rounding the payable amount may add.
                    let share = t.tax_before_relief_cents * i64::from(relief.relief_basis_points) / 10_000;
                    prop_assert!(t.relief_cents <= share + 1);
                } else {
                    prop_assert_eq!(t.relief_cents, 0);
                }
            }
        }
    }
}
