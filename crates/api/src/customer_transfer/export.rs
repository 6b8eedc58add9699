//! Customer export: the list's query and scope, page by page (keyset), each row with its
//! owner's and store's names and its tags; personal values masked as the list shows them.

use std::collections::HashMap;

use autocrm_domain::contact::Phone;
use autocrm_persistence::models::{AuditEntry, Customer, Store, StoreFilter, Tag};

use crate::app::{Change, Ctx, ServiceError, ServiceResult};
use crate::customers::service::{self as customers, CustomerQuery};

/// Rows per database read while an export runs.
pub const PAGE: i64 = 500;
/// Most rows of an XLSX export (built in memory); a larger one must be narrowed.
pub const MAX_XLSX_ROWS: usize = 100_000;

/// The columns of an export, in order.
pub const COLUMNS: [&str; 12] = [
    "id",
    "name",
    "kind",
    "phone",
    "email",
    "city",
    "source_channel",
    "lifecycle_stage",
    "owner",
    "store",
    "tags",
    "created_at",
];

/// One exported customer, as cells in [`COLUMNS`] order (the phone masked).
pub type Row = [String; 12];

fn row_of(
    c: Customer,
    owners: &HashMap<String, String>,
    stores: &HashMap<String, String>,
    tags: &[String],
) -> Row {
    // A name when the record is known, else its id.
    let name_of = |id: &Option<String>, names: &HashMap<String, String>| {
        id.as_ref()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| id.clone()))
            .unwrap_or_default()
    };
    let owner = name_of(&c.owner_id, owners);
    let store = name_of(&c.store_id, stores);
    let created_at = c
        .created_at
        .and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    [
        c.id,
        c.name,
        c.kind,
        c.phone_masked.unwrap_or_default(),
        c.email.unwrap_or_default(),
        c.city.unwrap_or_default(),
        c.source_channel.unwrap_or_default(),
        c.lifecycle_stage,
        owner,
        store,
        tags.join(";"),
        created_at,
    ]
}

/// One page of the export (`query.limit` rows at most) and where the next one starts.
/// `None` when the cursor's key does not fit the sort.
pub fn page(
    ctx: &mut Ctx,
    query: CustomerQuery,
) -> ServiceResult<Option<(Vec<Row>, Option<CustomerQuery>)>> {
    let sort = query.sort;
    let limit = query.limit;
    let Some(customers) = customers::list(ctx, query.clone())? else {
        return Ok(None);
    };
    let next = (customers.len() as i64 == limit)
        .then(|| customers.last().map(|c| c.keyset(sort)))
        .flatten()
        .map(|after| CustomerQuery {
            after: Some(after),
            ..query
        });
    let ids: Vec<String> = customers.iter().map(|c| c.id.clone()).collect();
    let mut owner_ids: Vec<String> = customers
        .iter()
        .filter_map(|c| c.owner_id.clone())
        .collect();
    owner_ids.sort_unstable();
    owner_ids.dedup();
    let owners: HashMap<String, String> =
        AuditEntry::actor_names(ctx.conn, ctx.org_id(), &owner_ids)?
            .into_iter()
            .collect();
    let stores: HashMap<String, String> = Store::list(
        ctx.conn,
        ctx.org_id(),
        &StoreFilter {
            limit: 10_000,
            ..StoreFilter::default()
        },
    )?
    .into_iter()
    .map(|s| (s.id, s.name))
    .collect();
    let mut tags: HashMap<String, Vec<String>> = HashMap::new();
    for (customer_id, name) in Tag::names_of_customers(ctx.conn, ctx.org_id(), &ids)? {
        tags.entry(customer_id).or_default().push(name);
    }
    let rows = customers
        .into_iter()
        .map(|c| {
            let own_tags = tags.remove(&c.id).unwrap_or_default();
            row_of(c, &owners, &stores, &own_tags)
        })
        .collect();
    Ok(Some((rows, next)))
}

/// How many rows the query would export (read page by page, as the export reads them).
pub fn count(ctx: &mut Ctx, query: CustomerQuery) -> ServiceResult<Option<usize>> {
    let mut query = CustomerQuery {
        limit: PAGE,
        ..query
    };
    let mut total = 0;
    loop {
        let sort = query.sort;
        let Some(rows) = customers::list(ctx, query.clone())? else {
            return Ok(None);
        };
        total += rows.len();
        match rows.last() {
            Some(last) if rows.len() as i64 == PAGE => query.after = Some(last.keyset(sort)),
            _ => return Ok(Some(total)),
        }
    }
}

/// The filters of an export as the audit log keeps them: a searched phone is masked.
pub fn described(query: &CustomerQuery) -> serde_json::Value {
    let text = query.text.as_deref().map(|t| match Phone::parse(t) {
        Ok(phone) => phone.masked(),
        Err(_) => t.to_owned(),
    });
    let mut filters = serde_json::json!({
        "q": text,
        "kind": query.kind.map(|k| k.as_str()),
        "stage": query.stage.map(|s| s.as_str()),
        "source_channel": query.source_channel.map(|s| s.as_str()),
        "city": &query.city,
        "owner_id": &query.owner_id,
        "store_id": &query.store_id,
        "status": query.status.map(|s| s.as_str()).unwrap_or("all"),
        "created_from": query.created_from.map(|t| t.and_utc().to_rfc3339()),
        "created_to": query.created_to.map(|t| t.and_utc().to_rfc3339()),
        "marketing_consent": query.marketing_consent,
        "tag": &query.tag,
        "sort": query.sort.as_str(),
    });
    if let Some(map) = filters.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    filters
}

/// Every export is audited (`customer.exported`), with its format, filters and row count.
pub fn record(
    ctx: &mut Ctx,
    format: &str,
    filters: serde_json::Value,
    rows: usize,
) -> ServiceResult<()> {
    let org = ctx.org_id().to_owned();
    ctx.record(
        Change::new("customer.exported", "customer", &org).detail(serde_json::json!({
            "format": format,
            "filters": filters,
            "rows": rows,
        })),
    )
}

/// An XLSX workbook of these rows: one sheet, the header in bold, text cells.
pub fn xlsx(rows: &[Row]) -> ServiceResult<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .set_name("customers")
        .map_err(ServiceError::internal)?;
    let bold = Format::new().set_bold();
    for (col, name) in COLUMNS.iter().enumerate() {
        sheet
            .write_string_with_format(0, col as u16, *name, &bold)
            .map_err(ServiceError::internal)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let at = u32::try_from(i + 1).map_err(ServiceError::internal)?;
        for (col, value) in row.iter().enumerate() {
            if !value.is_empty() {
                sheet
                    .write_string(at, col as u16, value)
                    .map_err(ServiceError::internal)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(ServiceError::internal)
}
