//! What `/api/v1/finance-products` reads and writes. The terms' consistency (bands, limits,
//! promotion) is the domain's `ProductTerms::validate`, which the service runs.

use autocrm_domain::financing::{ProductTerms, Promotion, RateBand};
use autocrm_persistence::models::FinanceProduct;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use super::calculator::{MethodDto, decimal};
use crate::app::{FieldError, ServiceError, ServiceResult};
use crate::error::ApiError;
use crate::financing::service::products::{NewProduct, ProductChanges, stored_terms};
use crate::financing::stored::number;
use crate::http::pagination::Cursor;
use crate::validate::rules;
use crate::validate::schema::Text;

fn to_number(d: Decimal) -> serde_json::Number {
    serde_json::Number::from_f64(number(d)).unwrap_or_else(|| 0.into())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"max_term_months": 36, "annual_rate_percent": 4.85}))]
pub struct RateBandDto {
    /// The band covers terms up to this many months (1 to 120).
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 1, maximum = 120)]
    pub max_term_months: u32,
    /// 0 to 36, at most 4 decimals.
    #[schema(value_type = f64, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub annual_rate_percent: serde_json::Number,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"customer_annual_rate_percent": 0, "valid_terms_months": [12, 24]}))]
pub struct PromotionDto {
    /// The subsidised rate the customer pays (贴息), e.g. 0; at most the standard rate.
    #[schema(value_type = f64, minimum = 0, maximum = 36, multiple_of = 0.0001)]
    pub customer_annual_rate_percent: serde_json::Number,
    /// Terms the promotion applies to (at least one, each once, up to the product's
    /// `max_term_months`); other terms pay the standard rate.
    #[serde(default, deserialize_with = "crate::validate::integers")]
    #[schema(
        value_type = std::collections::BTreeSet<u32>,
        required = true,
        min_items = 1,
        minimum = 1,
        maximum = 120
    )]
    pub valid_terms_months: Vec<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lender": "平安银行汽车金融",
    "allowed_methods": ["equal_installment", "equal_principal"],
    "rate_bands": [{"max_term_months": 36, "annual_rate_percent": 4.85}],
    "min_down_payment_percent": 20,
    "max_term_months": 36
}))]
pub struct ProductTermsDto {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub lender: String,
    /// At least one, each once.
    #[schema(value_type = std::collections::BTreeSet<MethodDto>, min_items = 1)]
    pub allowed_methods: Vec<MethodDto>,
    /// Sorted by `max_term_months`, strictly ascending; the last reaches `max_term_months`.
    #[schema(min_items = 1)]
    pub rate_bands: Vec<RateBandDto>,
    /// At least 0, below 100.
    #[schema(value_type = f64, minimum = 0, exclusive_maximum = 100)]
    pub min_down_payment_percent: serde_json::Number,
    /// 1 to 120.
    #[serde(deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 1, maximum = 120)]
    pub max_term_months: u32,
    #[serde(default, deserialize_with = "crate::validate::integer")]
    #[schema(minimum = 0, maximum = 10_000_000_000_000i64)]
    pub fees_cents: i64,
    #[serde(default)]
    pub fees_financed: bool,
    /// Of the vehicle price, above 0 and below 100; null when balloons are not offered.
    #[schema(value_type = Option<f64>, exclusive_minimum = 0, exclusive_maximum = 100)]
    pub max_balloon_percent: Option<serde_json::Number>,
    pub promotion: Option<PromotionDto>,
}

impl ProductTermsDto {
    /// The terms, with every rate read exactly; their consistency is checked by the service.
    pub fn to_terms(&self) -> ServiceResult<ProductTerms> {
        let mut errors: Vec<FieldError> = Vec::new();
        let mut dec = |field: String, n: &serde_json::Number| {
            decimal(&field, n)
                .map_err(|e| errors.push(e))
                .unwrap_or_default()
        };
        let rate_bands = self
            .rate_bands
            .iter()
            .enumerate()
            .map(|(i, b)| RateBand {
                max_term_months: b.max_term_months,
                annual_rate_percent: dec(
                    format!("terms.rate_bands[{i}].annual_rate_percent"),
                    &b.annual_rate_percent,
                ),
            })
            .collect();
        let min_down = dec(
            "terms.min_down_payment_percent".into(),
            &self.min_down_payment_percent,
        );
        let max_balloon = self
            .max_balloon_percent
            .as_ref()
            .map(|n| dec("terms.max_balloon_percent".into(), n));
        let promotion = self.promotion.as_ref().map(|p| Promotion {
            customer_annual_rate_percent: dec(
                "terms.promotion.customer_annual_rate_percent".into(),
                &p.customer_annual_rate_percent,
            ),
            valid_terms_months: p.valid_terms_months.clone(),
        });
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        Ok(ProductTerms {
            lender: self.lender.trim().to_owned(),
            allowed_methods: self.allowed_methods.iter().map(|m| (*m).into()).collect(),
            rate_bands,
            min_down_payment_percent: min_down,
            max_term_months: self.max_term_months,
            fees_cents: self.fees_cents,
            fees_financed: self.fees_financed,
            max_balloon_percent: max_balloon,
            promotion,
        })
    }

    pub fn from_terms(t: &ProductTerms) -> Self {
        Self {
            lender: t.lender.clone(),
            allowed_methods: t.allowed_methods.iter().map(|m| (*m).into()).collect(),
            rate_bands: t
                .rate_bands
                .iter()
                .map(|b| RateBandDto {
                    max_term_months: b.max_term_months,
                    annual_rate_percent: to_number(b.annual_rate_percent),
                })
                .collect(),
            min_down_payment_percent: to_number(t.min_down_payment_percent),
            max_term_months: t.max_term_months,
            fees_cents: t.fees_cents,
            fees_financed: t.fees_financed,
            max_balloon_percent: t.max_balloon_percent.map(to_number),
            promotion: t.promotion.as_ref().map(|p| PromotionDto {
                customer_annual_rate_percent: to_number(p.customer_annual_rate_percent),
                valid_terms_months: p.valid_terms_months.clone(),
            }),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a5c4-6f1e-7cc0-9d2a-4b1f0e3c2a30", "name": "12期免息", "active": true,
    "terms": {
        "lender": "平安银行汽车金融",
        "allowed_methods": ["equal_installment", "equal_principal"],
        "rate_bands": [
            {"max_term_months": 12, "annual_rate_percent": 3.5},
            {"max_term_months": 36, "annual_rate_percent": 4.85}
        ],
        "min_down_payment_percent": 20.0, "max_term_months": 36, "fees_cents": 0,
        "fees_financed": false, "max_balloon_percent": null,
        "promotion": {"customer_annual_rate_percent": 0.0, "valid_terms_months": [12]}
    },
    "version": 2, "created_at": "2026-11-05T02:00:00Z", "updated_at": "2026-11-28T06:30:00Z"
}))]
pub struct FinanceProductDto {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub terms: ProductTermsDto,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl FinanceProductDto {
    pub fn from_row(p: FinanceProduct) -> Result<Self, ApiError> {
        let terms = ProductTermsDto::from_terms(&stored_terms(&p)?);
        Ok(Self {
            id: p.id,
            name: p.name,
            active: p.active,
            terms,
            version: p.version,
            created_at: p.created_at.and_utc(),
            updated_at: p.updated_at.and_utc(),
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "36期低息贷",
    "terms": {
        "lender": "平安银行汽车金融",
        "allowed_methods": ["equal_installment", "equal_principal"],
        "rate_bands": [{"max_term_months": 36, "annual_rate_percent": 4.85}],
        "min_down_payment_percent": 20,
        "max_term_months": 36
    }
}))]
pub struct CreateFinanceProduct {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    #[validate(nested)]
    pub terms: ProductTermsDto,
}

impl CreateFinanceProduct {
    pub fn to_command(&self) -> ServiceResult<NewProduct> {
        Ok(NewProduct {
            name: self.name.trim().to_owned(),
            terms: self.terms.to_terms()?,
        })
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate, Default)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "36期低息贷（新）", "active": false}))]
pub struct PatchFinanceProduct {
    #[validate(length(max = 100), custom(function = "rules::text"))]
    #[schema(value_type = Option<Text<100>>, inline)]
    pub name: Option<String>,
    pub active: Option<bool>,
    /// Replaces the terms as a whole.
    #[validate(nested)]
    pub terms: Option<ProductTermsDto>,
}

impl PatchFinanceProduct {
    pub fn to_changes(&self) -> ServiceResult<ProductChanges> {
        Ok(ProductChanges {
            name: self.name.as_deref().map(|n| n.trim().to_owned()),
            active: self.active,
            terms: self
                .terms
                .as_ref()
                .map(ProductTermsDto::to_terms)
                .transpose()?,
        })
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProductListQuery {
    /// 1 to 200, default 50.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    #[param(value_type = Option<Cursor>, inline)]
    pub cursor: Option<String>,
    pub active: Option<bool>,
}
