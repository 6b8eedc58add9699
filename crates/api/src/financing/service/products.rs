//! Finance products (lender offers) per organisation: terms, rates by term band, promotions.
//! Admins and finance staff manage them; the calculators and applications price with them.

use autocrm_domain::financing::ProductTerms;
use autocrm_persistence::db::{is_unique_violation, new_id};
use autocrm_persistence::models::{FinanceProduct, TenantRecord};

use super::domain_errors;
use crate::app::{Change, Ctx, ServiceError, ServiceResult, records};

pub struct NewProduct {
    pub name: String,
    pub terms: ProductTerms,
}

/// `None` leaves a field as it is; new terms replace the old ones as a whole.
#[derive(Default)]
pub struct ProductChanges {
    pub name: Option<String>,
    pub active: Option<bool>,
    pub terms: Option<ProductTerms>,
}

fn duplicate_name() -> ServiceError {
    ServiceError::duplicate("a finance product with this name already exists", None)
}

/// The product's own consistency (bands, promotion, limits), named under `terms.`.
fn check_terms(terms: &ProductTerms) -> ServiceResult<()> {
    terms
        .validate()
        .map_err(|e| domain_errors(e).prefixed("terms."))
}

fn terms_json(terms: &ProductTerms) -> ServiceResult<String> {
    serde_json::to_string(terms).map_err(ServiceError::internal)
}

/// The terms a product was stored with.
pub fn stored_terms(product: &FinanceProduct) -> ServiceResult<ProductTerms> {
    serde_json::from_str(&product.terms).map_err(ServiceError::internal)
}

/// The organisation's active product with this id; `None` for anything else, a malformed id
/// included.
pub fn active_product(ctx: &mut Ctx, id: &str) -> ServiceResult<Option<FinanceProduct>> {
    let Ok(id) = uuid::Uuid::parse_str(id) else {
        return Ok(None);
    };
    Ok(FinanceProduct::find(ctx.conn, ctx.org_id(), &id.to_string())?.filter(|p| p.active))
}

pub fn create(ctx: &mut Ctx, new: NewProduct) -> ServiceResult<FinanceProduct> {
    check_terms(&new.terms)?;
    let at = ctx.now();
    let product = FinanceProduct {
        id: new_id(),
        org_id: ctx.org_id().to_owned(),
        name: new.name,
        lender: new.terms.lender.clone(),
        terms: terms_json(&new.terms)?,
        active: true,
        version: 1,
        created_at: at,
        updated_at: at,
    };
    product.insert(ctx.conn).map_err(|e| {
        if is_unique_violation(&e) {
            duplicate_name()
        } else {
            e.into()
        }
    })?;
    ctx.record(
        Change::new("finance_product.created", "finance_product", &product.id)
            .detail(serde_json::json!({"name": product.name})),
    )?;
    Ok(product)
}

pub fn find(ctx: &mut Ctx, id: &str) -> ServiceResult<FinanceProduct> {
    records::find(ctx, id, |_: &FinanceProduct| true)
}

/// A page of products by id (and one more row, if there is one).
pub fn list(
    ctx: &mut Ctx,
    active: Option<bool>,
    after_id: Option<String>,
    limit: i64,
) -> ServiceResult<Vec<FinanceProduct>> {
    Ok(FinanceProduct::list(
        ctx.conn,
        ctx.org_id(),
        active,
        after_id.as_deref(),
        limit,
    )?)
}

pub fn update(
    ctx: &mut Ctx,
    id: &str,
    expected: Option<i64>,
    changes: ProductChanges,
) -> ServiceResult<FinanceProduct> {
    if let Some(terms) = &changes.terms {
        check_terms(terms)?;
    }
    let product = records::update(
        ctx,
        id,
        expected,
        |_: &FinanceProduct| true,
        |_, product| {
            if let Some(name) = changes.name {
                product.name = name;
            }
            if let Some(active) = changes.active {
                product.active = active;
            }
            if let Some(terms) = &changes.terms {
                product.lender = terms.lender.clone();
                product.terms = terms_json(terms)?;
            }
            Ok(())
        },
    )
    .map_err(|e| match e {
        ServiceError::Duplicate { .. } => duplicate_name(),
        other => other,
    })?;
    ctx.record(
        Change::new("finance_product.updated", "finance_product", &product.id)
            .detail(serde_json::json!({"active": product.active})),
    )?;
    Ok(product)
}
