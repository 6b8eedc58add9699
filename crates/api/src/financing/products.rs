//! Finance products (lender offers) per organisation: terms, rates by term band, promotions.

use autocrm_domain::financing::{self as fin, ProductTerms, Promotion, RateBand};
use autocrm_persistence::DbConn;
use autocrm_persistence::db::{is_unique_violation, lock_row, new_id, now, write_tx};
use autocrm_persistence::models::FinanceProduct;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::dto::{MethodDto, decimal, domain_errors};
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use crate::validate::Checks;
use crate::validate::schema::Text;

fn to_number(d: Decimal) -> serde_json::Number {
    serde_json::Number::from_f64(super::dto::number(d)).unwrap_or_else(|| 0.into())
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
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

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "lender": "平安银行汽车金融",
    "allowed_methods": ["equal_installment", "equal_principal"],
    "rate_bands": [{"max_term_months": 36, "annual_rate_percent": 4.85}],
    "min_down_payment_percent": 20,
    "max_term_months": 36
}))]
pub struct ProductTermsDto {
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
    pub fn to_domain(&self) -> Result<ProductTerms, ApiError> {
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
            return Err(ApiError::Validation(errors));
        }
        let terms = ProductTerms {
            lender: self.lender.trim().to_owned(),
            allowed_methods: self.allowed_methods.iter().map(|m| (*m).into()).collect(),
            rate_bands,
            min_down_payment_percent: min_down,
            max_term_months: self.max_term_months,
            fees_cents: self.fees_cents,
            fees_financed: self.fees_financed,
            max_balloon_percent: max_balloon,
            promotion,
        };
        let mut checks = Checks::new();
        checks.text("terms.lender", &self.lender, 100);
        checks.finish()?;
        terms.validate().map_err(|e| prefixed(e, "terms."))?;
        Ok(terms)
    }

    pub fn from_domain(t: &ProductTerms) -> Self {
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

/// Domain field names are relative; the API names them from the request's root.
pub fn prefixed(err: fin::FinancingError, prefix: &str) -> ApiError {
    let ApiError::Validation(mut errors) = domain_errors(err) else {
        return ApiError::internal("unexpected financing error shape");
    };
    for e in &mut errors {
        if !e.field.starts_with(prefix) {
            e.field = format!("{prefix}{}", e.field);
        }
    }
    ApiError::Validation(errors)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FinanceProductDto {
    pub id: String,
    pub name: String,
    pub active: bool,
    pub terms: ProductTermsDto,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn stored_terms(product: &FinanceProduct) -> Result<ProductTerms, ApiError> {
    serde_json::from_str(&product.terms).map_err(ApiError::internal)
}

impl FinanceProductDto {
    pub fn from_row(p: FinanceProduct) -> Result<Self, ApiError> {
        let terms = ProductTermsDto::from_domain(&stored_terms(&p)?);
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

#[derive(Debug, Deserialize, ToSchema)]
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
    #[schema(value_type = Text<100>, inline)]
    pub name: String,
    pub terms: ProductTermsDto,
}

#[derive(Debug, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct PatchFinanceProduct {
    #[schema(value_type = Option<Text<100>>, inline)]
    pub name: Option<String>,
    pub active: Option<bool>,
    /// Replaces the terms as a whole.
    pub terms: Option<ProductTermsDto>,
}

fn duplicate_name(e: diesel::result::Error) -> ApiError {
    if is_unique_violation(&e) {
        ApiError::conflict(
            "duplicate",
            "a finance product with this name already exists",
            None,
        )
    } else {
        e.into()
    }
}

pub fn create(
    conn: &mut DbConn,
    principal: &Principal,
    req: CreateFinanceProduct,
) -> Result<FinanceProduct, ApiError> {
    let mut checks = Checks::new();
    let name = checks.text("name", &req.name, 100);
    checks.finish()?;
    let terms = req.terms.to_domain()?;
    let at = now();
    let product = FinanceProduct {
        id: new_id(),
        org_id: principal.org_id.clone(),
        name,
        lender: terms.lender.clone(),
        terms: serde_json::to_string(&terms).map_err(ApiError::internal)?,
        active: true,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    write_tx(conn, |conn| {
        product.insert(conn).map_err(duplicate_name)?;
        audit::record(
            conn,
            principal,
            "finance_product.created",
            "finance_product",
            Some(&product.id),
            serde_json::json!({"name": product.name}),
        )?;
        Ok(product)
    })
}

pub fn update(
    conn: &mut DbConn,
    principal: &Principal,
    id: &str,
    expected: Option<i64>,
    patch: PatchFinanceProduct,
) -> Result<FinanceProduct, ApiError> {
    let mut checks = Checks::new();
    let name = patch.name.as_deref().map(|n| checks.text("name", n, 100));
    checks.finish()?;
    let terms = patch
        .terms
        .as_ref()
        .map(ProductTermsDto::to_domain)
        .transpose()?;
    write_tx(conn, |conn| {
        lock_row(conn, "finance_products", id)?;
        let mut product =
            FinanceProduct::find(conn, &principal.org_id, id)?.ok_or(ApiError::NotFound)?;
        let version = product.version;
        if expected.is_some_and(|v| v != version) {
            return Err(ApiError::PreconditionFailed {
                current_version: version,
            });
        }
        if let Some(name) = name {
            product.name = name;
        }
        if let Some(active) = patch.active {
            product.active = active;
        }
        if let Some(terms) = &terms {
            product.lender = terms.lender.clone();
            product.terms = serde_json::to_string(terms).map_err(ApiError::internal)?;
        }
        product.updated_at = now();
        if !product.save(conn, version).map_err(duplicate_name)? {
            return Err(ApiError::PreconditionFailed {
                current_version: version + 1,
            });
        }
        audit::record(
            conn,
            principal,
            "finance_product.updated",
            "finance_product",
            Some(&product.id),
            serde_json::json!({"active": product.active}),
        )?;
        Ok(product)
    })
}
