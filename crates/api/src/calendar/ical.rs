//! The few lines of iCalendar (RFC 5545) the feed needs, written by hand: CRLF line ends,
//! lines folded at 75 octets (never inside a UTF-8 character), TEXT values escaped
//! (`\\`, `;`, `,`, newlines), times in UTC (`…Z`).

use chrono::{DateTime, Utc};

/// One event of the feed.
pub struct Event {
    pub uid: String,
    pub stamp: DateTime<Utc>,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub description: String,
    pub location: Option<String>,
    /// CONFIRMED, TENTATIVE or CANCELLED.
    pub status: &'static str,
    /// Increases whenever the event changes.
    pub sequence: i64,
}

/// A TEXT value with its special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, each line ended by CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
    out
}

pub fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A whole calendar.
pub fn calendar(name: &str, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |l: String| out.push_str(&fold(&l));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//AutoCRM//Test drives//ZH".into());
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    line(format!("X-WR-CALNAME:{}", escape(name)));
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape(&e.uid)));
        line(format!("DTSTAMP:{}", utc(e.stamp)));
        line(format!("DTSTART:{}", utc(e.start)));
        line(format!("DTEND:{}", utc(e.end)));
        line(format!("SEQUENCE:{}", e.sequence.max(0)));
        line(format!("STATUS:{}", e.status));
        line(format!("SUMMARY:{}", escape(&e.summary)));
        line(format!("DESCRIPTION:{}", escape(&e.description)));
        if let Some(location) = &e.location {
            line(format!("LOCATION:{}", escape(location)));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_specials() {
        assert_eq!(escape("a,b;c\\d\ne\r\nf"), "a\\,b\\;c\\\\d\\ne\\nf");
        assert_eq!(escape("试驾：比亚迪 汉"), "试驾：比亚迪 汉");
    }

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let long = format!("SUMMARY:{}", "试".repeat(60));
        let folded = fold(&long);
        assert!(folded.ends_with("\r\n"));
        for l in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        // Unfolding gives the line back.
        assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), long);
        assert_eq!(fold("VERSION:2.0"), "VERSION:2.0\r\n");
        let exact = "X".repeat(75);
        assert_eq!(fold(&exact), format!("{exact}\r\n"));
        assert_eq!(
            fold(&"X".repeat(76)),
            format!("{}\r\n X\r\n", "X".repeat(75))
        );
    }

    #[test]
    fn a_calendar_has_its_required_properties() {
        let t = DateTime::parse_from_rfc3339("2026-12-12T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let text = calendar(
            "试驾日程",
            &[Event {
                uid: "x@autocrm".into(),
                stamp: t,
                start: t,
                end: t + chrono::TimeDelta::minutes(30),
                summary: "试驾, 汉".into(),
                description: "第一行\n第二行".into(),
                location: None,
                status: "CONFIRMED",
                sequence: 1,
            }],
        );
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART:20261212T020000Z\r\n"));
        assert!(text.contains("DTEND:20261212T023000Z\r\n"));
        assert!(text.contains("SUMMARY:试驾\\, 汉\r\n"));
        assert!(text.contains("DESCRIPTION:第一行\\n第二行\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
    }
}
