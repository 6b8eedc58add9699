//! Staff notifications: what a notification is about, the channels a person can receive it
//! on, and the outbound gateways an organisation configures for those channels.

crate::text_enum! {
    /// What a notification is about. Each capability adds its own kinds here; preferences are
    /// kept per kind.
    pub enum NotificationKind {
        /// A lead was assigned to the recipient.
        LeadAssigned = "lead.assigned",
        /// A lost request (战败申请) awaits the recipient's decision, or the recipient's was
        /// decided.
        LeadLostRequest = "lead.lost_request",
        /// A task was opened for the recipient (follow-up, trigger, reassignment).
        TaskAssigned = "task.assigned",
        /// An overdue task reached the recipient on the escalation ladder.
        TaskEscalated = "task.escalated",
        /// The recipient was invited to a deal (专家会诊) or @mentioned in its comments.
        DealMention = "deal.mention",
        /// A test drive was booked with the recipient, or changed.
        TestDriveBooked = "test_drive.booked",
        /// A vehicle reservation of the recipient's customer was cancelled.
        ReservationCancelled = "reservation.cancelled",
        /// A stock or aging rule fired (库存预警, 库龄预警) for a role the recipient holds.
        InventoryAlert = "inventory.alert",
        /// A transfer of a car to or from the recipient's store moved on.
        TransferUpdated = "transfer.updated",
        /// A financing application the recipient opened changed status.
        FinancingStatusChanged = "financing.status_changed",
        /// A message from the system or an administrator.
        System = "system",
        /// A colleague's customers, leads, tasks, deals and test drives were handed over to
        /// the recipient (离职交接): one summary per handover.
        HandoverReceived = "handover.received",
    }
}

crate::text_enum! {
    /// Where a person can receive a notification.
    pub enum NotificationChannel {
        /// The in-app list and its live stream.
        InApp = "in_app",
        Sms = "sms",
        Email = "email",
        /// A push service for the mobile apps (JPush, Getui, FCM style).
        AppPush = "app_push",
        /// WeChat template messages.
        Wechat = "wechat",
    }
}

crate::text_enum! {
    /// The outbound channels an organisation can configure a gateway for (one each).
    pub enum GatewayChannel {
        Sms = "sms",
        Email = "email",
        AppPush = "app_push",
        WechatTemplate = "wechat_template",
    }
}

impl NotificationChannel {
    /// The gateway that delivers this channel; `None` for the in-app channel.
    pub const fn gateway(self) -> Option<GatewayChannel> {
        match self {
            NotificationChannel::InApp => None,
            NotificationChannel::Sms => Some(GatewayChannel::Sms),
            NotificationChannel::Email => Some(GatewayChannel::Email),
            NotificationChannel::AppPush => Some(GatewayChannel::AppPush),
            NotificationChannel::Wechat => Some(GatewayChannel::WechatTemplate),
        }
    }

    /// The channels a person gets for a kind they never chose for: in-app only.
    pub const DEFAULT: &'static [NotificationChannel] = &[NotificationChannel::InApp];
}

/// Limits of a notification's texts (characters).
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_BODY_CHARS: usize = 2000;

/// A notification title or body cut to `max` characters (never mid-character).
pub fn clipped(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outbound_channel_has_a_gateway() {
        for channel in NotificationChannel::ALL {
            assert_eq!(
                channel.gateway().is_none(),
                *channel == NotificationChannel::InApp
            );
        }
        assert_eq!(
            "wechat_template".parse::<GatewayChannel>(),
            Ok(GatewayChannel::WechatTemplate)
        );
        assert_eq!(
            "lead.assigned".parse::<NotificationKind>(),
            Ok(NotificationKind::LeadAssigned)
        );
    }

    #[test]
    fn clipping_respects_characters() {
        assert_eq!(clipped("贷款申请已批准", 4), "贷款申请");
        assert_eq!(clipped("ok", 4), "ok");
    }
}
