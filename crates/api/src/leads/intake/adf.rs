//! ADF XML 1.0 (Auto-lead Data Format), read leniently as real feeds are written: any
//! element order, optional parts missing, several `<prospect>`s per document, names matched
//! without their case. Each prospect becomes a lead body (the JSON shape every door reads),
//! validated like any other. A DTD is refused outright: no entity is ever defined, expanded
//! or fetched, so entity bombs and external entities cannot work.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

/// Most prospects in one document.
pub const PROSPECTS_MAX: usize = 500;
/// Deepest element nesting read.
const DEPTH_MAX: usize = 32;

/// Why a document is not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdfError {
    #[error("malformed XML at line {line}, column {column}: {message}")]
    Malformed {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("a DTD (<!DOCTYPE>) is not accepted: ADF needs none, and entities are never expanded")]
    Dtd,
    #[error("the root element is <{0}>, not <adf>")]
    NotAdf(String),
    #[error("no <prospect> in the document")]
    NoProspect,
    #[error("more than {PROSPECTS_MAX} prospects in one document")]
    TooManyProspects,
    #[error("elements nested deeper than {DEPTH_MAX}")]
    TooDeep,
}

/// One `<prospect>` as read: ids with their sources, and the lead body (without `source`
/// and `source_lead_id`, which the caller decides).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prospect {
    pub ids: Vec<(Option<String>, String)>,
    pub body: Value,
    /// `<provider><name>`.
    pub provider: Option<String>,
}

impl Prospect {
    /// The `<id>` whose `source` is `client` (ignoring case), else the first.
    pub fn source_lead_id(&self, client: &str) -> Option<&str> {
        self.ids
            .iter()
            .find(|(source, _)| {
                source
                    .as_deref()
                    .is_some_and(|s| s.trim().eq_ignore_ascii_case(client.trim()))
            })
            .or_else(|| self.ids.first())
            .map(|(_, id)| id.as_str())
    }
}

/// What one prospect's elements said, gathered in any order.
#[derive(Default)]
struct Gathered {
    ids: Vec<(Option<String>, String)>,
    vehicles: Vec<Vehicle>,
    names: Vec<(Option<String>, String)>,
    email: Option<String>,
    phones: Vec<String>,
    city: Option<String>,
    timeframe_description: Option<String>,
    earliest: Option<String>,
    latest: Option<String>,
    comments: Option<String>,
    vendor: Option<String>,
    provider: Option<String>,
    trade_in: Option<Vehicle>,
}

#[derive(Default, Clone)]
struct Vehicle {
    interest: Option<String>,
    status: Option<String>,
    year: Option<String>,
    make: Option<String>,
    model: Option<String>,
    vin: Option<String>,
    stock: Option<String>,
    price: Option<(Option<String>, String)>,
    odometer: Option<String>,
}

fn position(input: &str, offset: u64) -> (usize, usize) {
    let offset = usize::try_from(offset)
        .unwrap_or(input.len())
        .min(input.len());
    let before = &input.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

fn local(name: &[u8]) -> String {
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    match name.rsplit_once(':') {
        Some((_, local)) => local.to_owned(),
        None => name,
    }
}

fn attribute(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, quick_xml::Error> {
    for attr in e.attributes() {
        let attr = attr.map_err(quick_xml::Error::from)?;
        if local(attr.key.as_ref()) == name {
            return Ok(Some(attr.unescape_value()?.trim().to_owned()));
        }
    }
    Ok(None)
}

/// Reads an ADF document into its prospects. `today` reads relative purchase windows.
pub fn parse(input: &str, today: NaiveDate) -> Result<Vec<Prospect>, AdfError> {
    // Text is trimmed per element at its end, not per piece: an entity in the middle of a
    // text splits it, and the spaces beside it belong to it.
    let mut reader = Reader::from_str(input);
    let malformed = |reader: &Reader<&[u8]>, message: String, at_error: bool| {
        let offset = if at_error {
            reader.error_position()
        } else {
            reader.buffer_position()
        };
        let (line, column) = position(input, offset);
        AdfError::Malformed {
            line,
            column,
            message,
        }
    };
    let mut stack: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut prospects = Vec::new();
    let mut current: Option<Gathered> = None;
    let mut vehicle: Option<Vehicle> = None;
    let mut name_part: Option<String> = None;
    let mut id_source: Option<String> = None;
    let mut price_type: Option<String> = None;
    let mut saw_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| malformed(&reader, e.to_string(), true))?;
        match event {
            Event::DocType(_) => return Err(AdfError::Dtd),
            Event::Start(e) => {
                let name = local(e.name().as_ref());
                if !saw_root {
                    saw_root = true;
                    if name != "adf" {
                        return Err(AdfError::NotAdf(name));
                    }
                }
                if stack.len() >= DEPTH_MAX {
                    return Err(AdfError::TooDeep);
                }
                let attrs = |n: &str| {
                    attribute(&e, n).map_err(|err| malformed(&reader, err.to_string(), false))
                };
                match name.as_str() {
                    "prospect" => {
                        if prospects.len() >= PROSPECTS_MAX {
                            return Err(AdfError::TooManyProspects);
                        }
                        current = Some(Gathered::default());
                    }
                    "vehicle" => {
                        vehicle = Some(Vehicle {
                            interest: attrs("interest")?,
                            status: attrs("status")?,
                            ..Vehicle::default()
                        });
                    }
                    "name" => name_part = attrs("part")?,
                    "id" => id_source = attrs("source")?,
                    "price" => price_type = attrs("type")?,
                    _ => {}
                }
                stack.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = local(e.name().as_ref());
                if !saw_root {
                    return Err(AdfError::NotAdf(name));
                }
            }
            Event::Text(t) => {
                let decoded = t
                    .decode()
                    .map_err(|e| malformed(&reader, e.to_string(), false))?;
                text.push_str(&decoded);
            }
            Event::CData(t) => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(r) => {
                if let Some(c) = r
                    .resolve_char_ref()
                    .map_err(|e| malformed(&reader, e.to_string(), false))?
                {
                    text.push(c);
                } else {
                    let name = r
                        .decode()
                        .map_err(|e| malformed(&reader, e.to_string(), false))?;
                    let c = match name.as_ref() {
                        "lt" => '<',
                        "gt" => '>',
                        "amp" => '&',
                        "apos" => '\'',
                        "quot" => '"',
                        other => {
                            return Err(malformed(
                                &reader,
                                format!("undefined entity &{other};"),
                                false,
                            ));
                        }
                    };
                    text.push(c);
                }
            }
            Event::End(_) => {
                let Some(name) = stack.pop() else {
                    return Err(malformed(&reader, "unexpected end tag".into(), false));
                };
                let value = text.trim().to_owned();
                text.clear();
                let parent = stack.last().map(String::as_str).unwrap_or("");
                let grandparent = stack.iter().rev().nth(1).map(String::as_str).unwrap_or("");
                if name == "prospect" {
                    if let Some(g) = current.take() {
                        prospects.push(build(g, today));
                    }
                    continue;
                }
                if name == "vehicle" {
                    if let (Some(g), Some(v)) = (current.as_mut(), vehicle.take()) {
                        let trade = v.interest.as_deref().is_some_and(|i| {
                            i.eq_ignore_ascii_case("trade-in") || i.eq_ignore_ascii_case("sell")
                        });
                        if trade {
                            g.trade_in = Some(v);
                        } else {
                            g.vehicles.push(v);
                        }
                    }
                    continue;
                }
                let Some(g) = current.as_mut() else {
                    continue;
                };
                if value.is_empty() {
                    continue;
                }
                if let Some(v) = vehicle
                    .as_mut()
                    .filter(|_| stack.iter().any(|s| s == "vehicle"))
                {
                    match name.as_str() {
                        "year" => v.year = Some(value),
                        "make" => v.make = Some(value),
                        "model" => v.model = Some(value),
                        "vin" => v.vin = Some(value),
                        "stock" => v.stock = Some(value),
                        "price" => v.price = Some((price_type.take(), value)),
                        "odometer" => v.odometer = Some(value),
                        _ => {}
                    }
                    continue;
                }
                match (name.as_str(), parent) {
                    ("id", "prospect") => g.ids.push((id_source.take(), value)),
                    ("name", "contact") if grandparent == "customer" => {
                        g.names.push((name_part.take(), value));
                    }
                    ("email", "contact") if grandparent == "customer" => g.email = Some(value),
                    ("phone", "contact") if grandparent == "customer" => g.phones.push(value),
                    ("city", "address") if stack.iter().any(|s| s == "customer") => {
                        g.city = Some(value);
                    }
                    ("description", "timeframe") => g.timeframe_description = Some(value),
                    ("earliestdate", "timeframe") => g.earliest = Some(value),
                    ("latestdate", "timeframe") => g.latest = Some(value),
                    ("comments", "customer") => g.comments = Some(value),
                    ("vendorname", "vendor") => g.vendor = Some(value),
                    ("name", "provider") => g.provider = Some(value),
                    _ => {}
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        let (line, column) = position(input, reader.buffer_position());
        return Err(AdfError::Malformed {
            line,
            column,
            message: format!(
                "<{}> is not closed",
                stack.last().cloned().unwrap_or_default()
            ),
        });
    }
    if !saw_root {
        return Err(AdfError::NotAdf(String::new()));
    }
    if prospects.is_empty() {
        return Err(AdfError::NoProspect);
    }
    Ok(prospects)
}

/// Yuan (as written, decimals allowed) to fen; `None` for anything else.
fn fen(price: &str) -> Option<i64> {
    let cleaned: String = price
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '¥' | '￥'))
        .collect();
    let value = Decimal::from_str(&cleaned).ok()?;
    (value * Decimal::from(100)).round().try_into().ok()
}

fn date(text: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(text)
        .map(|d| d.date_naive())
        .ok()
        .or_else(|| NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok())
}

/// The purchase window a timeframe gives: by its latest date from `today`, else by words in
/// its description (English or Chinese).
fn timeframe(g: &Gathered, today: NaiveDate) -> Option<&'static str> {
    let days = g
        .latest
        .as_deref()
        .or(g.earliest.as_deref())
        .and_then(date)
        .map(|d| (d - today).num_days());
    let by_days = |d: i64| match d {
        ..=7 => "within_7_days",
        8..=15 => "within_15_days",
        16..=30 => "within_30_days",
        31..=90 => "within_90_days",
        _ => "later",
    };
    if let Some(d) = days {
        return Some(by_days(d));
    }
    let text = g.timeframe_description.as_deref()?.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| text.contains(w));
    Some(
        if has(&["week", "一周", "7天", "七天", "本周", "马上", "immediately"]) {
            "within_7_days"
        } else if has(&["two weeks", "半个月", "15天", "两周"]) {
            "within_15_days"
        } else if has(&["month", "一个月", "30天", "本月"]) {
            "within_30_days"
        } else if has(&["three months", "3个月", "三个月", "季度"]) {
            "within_90_days"
        } else {
            "unknown"
        },
    )
}

fn build(g: Gathered, today: NaiveDate) -> Prospect {
    let mut body = Map::new();
    let full = g
        .names
        .iter()
        .find(|(part, _)| {
            part.as_deref()
                .is_none_or(|p| p.eq_ignore_ascii_case("full"))
        })
        .map(|(_, n)| n.clone());
    let name = full.or_else(|| {
        let part = |p: &str| {
            g.names
                .iter()
                .find(|(k, _)| k.as_deref().is_some_and(|k| k.eq_ignore_ascii_case(p)))
                .map(|(_, n)| n.clone())
        };
        // Chinese order: family name first.
        match (part("last"), part("first")) {
            (Some(l), Some(f)) if l.is_ascii() && f.is_ascii() => Some(format!("{f} {l}")),
            (Some(l), Some(f)) => Some(format!("{l}{f}")),
            (l, f) => l.or(f),
        }
    });
    let mut customer = Map::new();
    if let Some(n) = name {
        customer.insert("name".into(), json!(n));
    }
    if let Some(p) = g.phones.first() {
        customer.insert("phone".into(), json!(p));
    }
    if let Some(e) = &g.email {
        customer.insert("email".into(), json!(e));
    }
    if let Some(c) = &g.city {
        customer.insert("city".into(), json!(c));
    }
    body.insert("customer".into(), Value::Object(customer));
    let wanted_vehicle = g
        .vehicles
        .iter()
        .find(|v| {
            v.interest
                .as_deref()
                .is_none_or(|i| i.eq_ignore_ascii_case("buy"))
        })
        .or(g.vehicles.first());
    if let Some(v) = wanted_vehicle {
        let mut wanted = Map::new();
        if let Some(s) = v.status.as_deref() {
            let s = s.to_ascii_lowercase();
            if s == "new" || s == "used" {
                wanted.insert("condition".into(), json!(s));
            }
        }
        for (key, value) in [
            ("brand", &v.make),
            ("model", &v.model),
            ("vin", &v.vin),
            ("stock_number", &v.stock),
        ] {
            if let Some(value) = value {
                wanted.insert(key.into(), json!(value));
            }
        }
        if let Some(max) = v.price.as_ref().and_then(|(_, p)| fen(p)) {
            wanted.insert("budget_max_cents".into(), json!(max));
        }
        body.insert("wanted".into(), Value::Object(wanted));
    }
    if let Some(t) = timeframe(&g, today) {
        body.insert("timeframe".into(), json!(t));
    }
    if let Some(v) = &g.trade_in {
        let mut trade = Map::new();
        if let Some(make) = &v.make {
            trade.insert("brand".into(), json!(make));
        }
        if let Some(model) = &v.model {
            trade.insert("model".into(), json!(model));
        }
        if let Some(year) = v.year.as_deref().and_then(|y| y.parse::<i32>().ok()) {
            trade.insert("year".into(), json!(year));
        }
        if let Some(km) = v.odometer.as_deref().and_then(|o| o.parse::<i64>().ok()) {
            trade.insert("mileage_km".into(), json!(km));
        }
        body.insert("trade_in".into(), Value::Object(trade));
    }
    if let Some(vendor) = &g.vendor {
        body.insert("store_name".into(), json!(vendor));
    }
    if let Some(c) = &g.comments {
        body.insert(
            "note".into(),
            json!(c.chars().take(1000).collect::<String>()),
        );
    }
    Prospect {
        ids: g.ids,
        body: Value::Object(body),
        provider: g.provider,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
    }

    const TWO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <customer>
      <contact primarycontact="1">
        <phone type="voice">13812345678</phone>
        <name part="full">张伟</name>
        <address><city>上海</city></address>
      </contact>
      <timeframe><description>一周内</description></timeframe>
      <comments>想了解 &amp; 试驾</comments>
    </customer>
    <id sequence="1" source="Dealer">D-1</id>
    <id sequence="2" source="Autohome">AH-777</id>
    <vehicle interest="buy" status="new">
      <make>BYD</make><model>Han EV</model><year>2026</year>
      <price type="quote" currency="CNY">219,800.00</price>
    </vehicle>
    <vehicle interest="trade-in" status="used"><make>大众</make><model>朗逸</model><year>2017</year><odometer>98000</odometer></vehicle>
    <vendor><vendorname>浦东店</vendorname></vendor>
    <provider><name>Autohome</name></provider>
  </prospect>
  <prospect><id>X-2</id><customer><contact><name part="first">Li</name><name part="last">Na</name><email>li.na@example.cn</email></contact></customer></prospect>
</adf>"#;

    #[test]
    fn prospects_are_read_in_any_order() {
        let ps = parse(TWO, today()).unwrap();
        assert_eq!(ps.len(), 2);
        let p = &ps[0];
        assert_eq!(p.source_lead_id("autohome"), Some("AH-777"));
        assert_eq!(p.source_lead_id("yiche"), Some("D-1"));
        assert_eq!(p.provider.as_deref(), Some("Autohome"));
        assert_eq!(
            p.body,
            json!({
                "customer": {"name": "张伟", "phone": "13812345678", "city": "上海"},
                "wanted": {"condition": "new", "brand": "BYD", "model": "Han EV", "budget_max_cents": 21980000},
                "timeframe": "within_7_days",
                "trade_in": {"brand": "大众", "model": "朗逸", "year": 2017, "mileage_km": 98000},
                "store_name": "浦东店",
                "note": "想了解 & 试驾"
            })
        );
        assert_eq!(
            ps[1].body["customer"],
            json!({"name": "Li Na", "email": "li.na@example.cn"})
        );
        assert_eq!(ps[1].source_lead_id("x"), Some("X-2"));
    }

    #[test]
    fn dtds_and_entities_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><adf><prospect><comments>&lol2;</comments></prospect></adf>"#;
        assert_eq!(parse(bomb, today()), Err(AdfError::Dtd));
        let xxe = r#"<!DOCTYPE adf [<!ENTITY x SYSTEM "file:///etc/passwd">]><adf/>"#;
        assert_eq!(parse(xxe, today()), Err(AdfError::Dtd));
        let undefined = "<adf><prospect><id>&x;</id></prospect></adf>";
        assert!(matches!(
            parse(undefined, today()),
            Err(AdfError::Malformed { .. })
        ));
    }

    #[test]
    fn malformed_documents_name_the_position() {
        let broken = "<adf>\n  <prospect>\n    <id>1</idx>\n</adf>";
        match parse(broken, today()) {
            Err(AdfError::Malformed { line, .. }) => assert_eq!(line, 3),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse("<adf><prospect>", today()),
            Err(AdfError::Malformed { .. })
        ));
        assert_eq!(
            parse("<lead/>", today()),
            Err(AdfError::NotAdf("lead".into()))
        );
        assert_eq!(parse("<adf></adf>", today()), Err(AdfError::NoProspect));
        assert!(matches!(parse("", today()), Err(AdfError::NotAdf(_))));
    }

    #[test]
    fn windows_come_from_dates_or_words() {
        let doc = |tf: &str| {
            format!(
                "<adf><prospect><customer><timeframe>{tf}</timeframe></customer></prospect></adf>"
            )
        };
        let tf = |tf: &str| parse(&doc(tf), today()).unwrap()[0].body["timeframe"].clone();
        assert_eq!(
            tf("<latestdate>2026-12-20</latestdate>"),
            json!("within_15_days")
        );
        assert_eq!(
            tf("<description>within a month</description>"),
            json!("within_30_days")
        );
        assert_eq!(tf("<description>不确定</description>"), json!("unknown"));
        assert_eq!(fen("¥199,800.5"), Some(19_980_050));
        assert_eq!(fen("abc"), None);
    }
}
