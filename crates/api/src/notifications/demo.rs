//! The demo organisation's inboxes: a few notifications for its consultants and managers,
//! some already read, so the bell has something to show on first sign-in.

use autocrm_domain::notification::NotificationKind;
use autocrm_persistence::DbConn;
use autocrm_persistence::db::new_id;
use autocrm_persistence::models::{NotificationRow, User};
use chrono::{NaiveDateTime, TimeDelta};

use crate::app::ServiceResult;

/// (kind, title, body, minutes ago, read), oldest first: positions follow time.
const CONSULTANT: [(NotificationKind, &str, &str, i64, bool); 3] = [
    (
        NotificationKind::System,
        "欢迎使用 AutoCRM",
        "您的账号已开通。可在“通知偏好”中选择接收短信、邮件、App 推送或微信提醒。",
        2 * 24 * 60,
        true,
    ),
    (
        NotificationKind::LeadAssigned,
        "新线索已分配给您",
        "来自汽车之家的试驾预约，请在 30 分钟内首次联系。",
        45,
        false,
    ),
    (
        NotificationKind::FinancingStatusChanged,
        "贷款申请状态更新",
        "您提交的一笔贷款申请已由金融专员审批通过，请尽快联系客户签约。",
        20,
        false,
    ),
];

const MANAGER: [(NotificationKind, &str, &str, i64, bool); 2] = [
    (
        NotificationKind::System,
        "本周销售周报已生成",
        "门店线索转化率与顾问业绩已更新，请在报表中查看。",
        24 * 60,
        true,
    ),
    (
        NotificationKind::ReservationCancelled,
        "车辆预订已取消",
        "一笔门店车辆预订已被客户取消，定金退款待处理。",
        3 * 60,
        false,
    ),
];

/// Writes the demo notifications of the organisation's consultants and managers; returns how
/// many.
pub fn seed(conn: &mut DbConn, users: &[User], at: NaiveDateTime) -> ServiceResult<usize> {
    let mut written = 0;
    for user in users {
        let items: &[(NotificationKind, &str, &str, i64, bool)] = match user.role.as_str() {
            "sales_consultant" => &CONSULTANT,
            "sales_manager" => &MANAGER,
            _ => continue,
        };
        for (kind, title, body, minutes_ago, read) in items {
            let created_at = at - TimeDelta::minutes(*minutes_ago);
            NotificationRow {
                id: new_id(),
                org_id: user.org_id.clone(),
                user_id: user.id.clone(),
                position: NotificationRow::next_position(conn, &user.id)?,
                kind: kind.as_str().to_owned(),
                title: (*title).to_owned(),
                body: (*body).to_owned(),
                link: None,
                created_at,
                read_at: read.then_some(created_at + TimeDelta::minutes(5)),
            }
            .insert(conn)?;
            written += 1;
        }
    }
    Ok(written)
}
