//! Reading the audit log. The log is written only through `Ctx::record`, in the transaction
//! of the change it records; nothing here (or anywhere) updates or deletes an entry.

use std::collections::HashMap;

use autocrm_persistence::models::{AuditEntry, AuditFilter};

use crate::app::{Change, Ctx, ServiceResult};

/// An entry with its actor's name, when the actor is a user or API client of the
/// organisation (the system's own jobs have none).
#[derive(Debug, Clone)]
pub struct AuditLine {
    pub entry: AuditEntry,
    pub actor_name: Option<String>,
}

/// A page of the organisation's audit log, newest first (`filter.limit` rows).
pub fn list(ctx: &mut Ctx, filter: &AuditFilter) -> ServiceResult<Vec<AuditLine>> {
    let entries = AuditEntry::list(ctx.conn, ctx.org_id(), filter)?;
    let mut actors: Vec<String> = entries.iter().filter_map(|e| e.actor_id.clone()).collect();
    actors.sort_unstable();
    actors.dedup();
    let names: HashMap<String, String> = AuditEntry::actor_names(ctx.conn, ctx.org_id(), &actors)?
        .into_iter()
        .collect();
    Ok(entries
        .into_iter()
        .map(|entry| AuditLine {
            actor_name: entry.actor_id.as_ref().and_then(|a| names.get(a).cloned()),
            entry,
        })
        .collect())
}

/// An export is itself audited (`audit_log.exported`), with the filters it used.
pub fn record_export(ctx: &mut Ctx, filters: serde_json::Value) -> ServiceResult<()> {
    let org = ctx.org_id().to_owned();
    ctx.record(
        Change::new("audit_log.exported", "audit_log", &org)
            .detail(serde_json::json!({ "format": "csv", "filters": filters })),
    )
}
