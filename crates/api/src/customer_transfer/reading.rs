//! Reading an import file: its encoding (UTF-8, or GBK/GB18030 as Excel in China saves
//! CSV), its CSV structure, and which column feeds which customer field (an explicit mapping,
//! or the header matched against field names and common Chinese headers).

use std::collections::{BTreeMap, BTreeSet};

use crate::app::FieldError;

/// Largest file accepted (bytes).
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Most data rows in one file: each is validated while the caller waits.
pub const MAX_ROWS: usize = 10_000;

/// The customer fields a column can feed: the create endpoint's own fields.
pub const FIELDS: [&str; 15] = [
    "name",
    "kind",
    "phone",
    "email",
    "gender",
    "birthday",
    "city",
    "region",
    "address",
    "source_channel",
    "source_detail",
    "lifecycle_stage",
    "notes",
    "wechat_openid",
    "id_card_number",
];

/// Headers understood without a mapping, besides the field names themselves.
const HEADERS: [(&str, &str); 40] = [
    ("姓名", "name"),
    ("客户姓名", "name"),
    ("客户名称", "name"),
    ("名称", "name"),
    ("类型", "kind"),
    ("客户类型", "kind"),
    ("手机", "phone"),
    ("手机号", "phone"),
    ("手机号码", "phone"),
    ("电话", "phone"),
    ("联系电话", "phone"),
    ("电话号码", "phone"),
    ("邮箱", "email"),
    ("电子邮箱", "email"),
    ("电子邮件", "email"),
    ("性别", "gender"),
    ("生日", "birthday"),
    ("出生日期", "birthday"),
    ("城市", "city"),
    ("所在城市", "city"),
    ("区域", "region"),
    ("地区", "region"),
    ("地址", "address"),
    ("联系地址", "address"),
    ("来源", "source_channel"),
    ("来源渠道", "source_channel"),
    ("客户来源", "source_channel"),
    ("渠道", "source_channel"),
    ("来源详情", "source_detail"),
    ("来源说明", "source_detail"),
    ("阶段", "lifecycle_stage"),
    ("客户阶段", "lifecycle_stage"),
    ("备注", "notes"),
    ("说明", "notes"),
    ("微信", "wechat_openid"),
    ("微信openid", "wechat_openid"),
    ("身份证", "id_card_number"),
    ("身份证号", "id_card_number"),
    ("身份证号码", "id_card_number"),
    ("证件号码", "id_card_number"),
];

/// How the file's bytes are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf8,
    Gbk,
    /// UTF-8 when the bytes are valid UTF-8, else GBK (read as GB18030, its superset).
    Auto,
}

impl Encoding {
    pub const NAMES: [&'static str; 3] = ["utf-8", "gbk", "auto"];

    pub fn parse(value: Option<&str>) -> Option<Encoding> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("auto") => Some(Encoding::Auto),
            Some("utf-8" | "utf8") => Some(Encoding::Utf8),
            Some("gbk" | "gb2312" | "gb18030") => Some(Encoding::Gbk),
            Some(_) => None,
        }
    }
}

/// Why a file cannot be read at all (nothing is imported from it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    /// The bytes are not text in the encoding asked for.
    Encoding(String),
    /// Not CSV: an unbalanced quote, a row with another number of cells than the header.
    Malformed(String),
    /// No header, or no column for `name`.
    Header(String),
    /// A mapping names a column the file lacks or a field that does not exist.
    Mapping(String),
    TooManyRows,
}

impl FileError {
    /// As the field error of a 422 answer.
    pub fn field_error(&self) -> FieldError {
        match self {
            FileError::Encoding(m) => FieldError::new("encoding", "invalid_encoding", m.clone()),
            FileError::Malformed(m) => FieldError::new("body", "malformed_csv", m.clone()),
            FileError::Header(m) => FieldError::new("body", "invalid_header", m.clone()),
            FileError::Mapping(m) => FieldError::new("mapping", "invalid_mapping", m.clone()),
            FileError::TooManyRows => FieldError::new(
                "body",
                "too_many_rows",
                format!("at most {MAX_ROWS} rows per file; split the file"),
            ),
        }
    }
}

/// A column and the field it feeds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[schema(example = json!({"header": "手机", "field": "phone"}))]
pub struct ColumnMapping {
    pub header: String,
    pub field: String,
}

/// One data row: its line in the file (1-based; the header is line 1) and its values by
/// field name, as written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawRow {
    pub line: u64,
    pub fields: BTreeMap<String, String>,
}

/// A file read: the encoding used, the columns used and ignored, the rows.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    pub encoding: &'static str,
    pub columns: Vec<ColumnMapping>,
    pub ignored_columns: Vec<String>,
    pub rows: Vec<RawRow>,
}

/// The text of the file in the encoding asked for; a UTF-8 byte-order mark is dropped.
pub fn decode(bytes: &[u8], encoding: Encoding) -> Result<(String, &'static str), FileError> {
    let utf8 = |bytes: &[u8]| {
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        std::str::from_utf8(bytes).map(str::to_owned)
    };
    let gbk = |bytes: &[u8]| {
        let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
        (!had_errors).then(|| text.into_owned())
    };
    match encoding {
        Encoding::Utf8 => utf8(bytes)
            .map(|t| (t, "utf-8"))
            .map_err(|e| FileError::Encoding(format!("the file is not valid UTF-8 ({e})"))),
        Encoding::Gbk => gbk(bytes)
            .map(|t| (t, "gbk"))
            .ok_or_else(|| FileError::Encoding("the file is not valid GBK text".into())),
        Encoding::Auto => match utf8(bytes) {
            Ok(text) => Ok((text, "utf-8")),
            Err(_) => gbk(bytes).map(|t| (t, "gbk")).ok_or_else(|| {
                FileError::Encoding("the file is neither UTF-8 nor GBK text".into())
            }),
        },
    }
}

/// A header as compared: trimmed, lower case, without inner spaces.
fn header_key(header: &str) -> String {
    header
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The field of each column (`None`: ignored).
fn resolve_columns(
    headers: &[String],
    mapping: Option<&BTreeMap<String, String>>,
) -> Result<Vec<Option<&'static str>>, FileError> {
    let field_named = |name: &str| FIELDS.iter().copied().find(|f| *f == name);
    let columns: Vec<Option<&'static str>> = match mapping {
        Some(mapping) => {
            for (header, field) in mapping {
                if field_named(field).is_none() {
                    return Err(FileError::Mapping(format!(
                        "{field} is not an importable field (one of {})",
                        FIELDS.join(", ")
                    )));
                }
                if !headers.iter().any(|h| h.trim() == header.trim()) {
                    return Err(FileError::Mapping(format!(
                        "the file has no column {header}"
                    )));
                }
            }
            headers
                .iter()
                .map(|h| {
                    mapping
                        .iter()
                        .find(|(header, _)| header.trim() == h.trim())
                        .and_then(|(_, field)| field_named(field))
                })
                .collect()
        }
        None => headers
            .iter()
            .map(|h| {
                let key = header_key(h);
                field_named(&key).or_else(|| {
                    HEADERS
                        .iter()
                        .find(|(header, _)| header_key(header) == key)
                        .map(|(_, field)| *field)
                })
            })
            .collect(),
    };
    let mut seen = BTreeSet::new();
    for field in columns.iter().flatten() {
        if !seen.insert(*field) {
            return Err(FileError::Header(format!(
                "two columns feed {field}; map one of them with `mapping`"
            )));
        }
    }
    if !seen.contains("name") {
        return Err(FileError::Header(
            "no column gives the customer's name (姓名 or name); map one with `mapping`".into(),
        ));
    }
    Ok(columns)
}

/// Reads a CSV text: the header, then every row (blank rows are skipped).
pub fn parse(
    text: &str,
    mapping: Option<&BTreeMap<String, String>>,
) -> Result<ParsedFile, FileError> {
    // RFC 4180: quotes come in pairs (an escaped quote is two), so an odd count is a quote
    // left open, which would otherwise swallow the rest of the file into one cell.
    if text.bytes().filter(|b| *b == b'"').count() % 2 == 1 {
        return Err(FileError::Malformed(
            "a quoted cell is never closed (unbalanced quote)".into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| FileError::Malformed(e.to_string()))?
        .iter()
        .map(str::to_owned)
        .collect();
    if headers.iter().all(|h| h.trim().is_empty()) {
        return Err(FileError::Header("the file has no header row".into()));
    }
    let columns = resolve_columns(&headers, mapping)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| match e.kind() {
            csv::ErrorKind::UnequalLengths {
                pos,
                expected_len,
                len,
            } => FileError::Malformed(format!(
                "line {} has {len} cells, the header has {expected_len}",
                pos.as_ref().map_or(0, |p| p.line())
            )),
            _ => FileError::Malformed(e.to_string()),
        })?;
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if rows.len() == MAX_ROWS {
            return Err(FileError::TooManyRows);
        }
        let line = record.position().map_or(0, csv::Position::line);
        let fields = columns
            .iter()
            .zip(record.iter())
            .filter_map(|(field, value)| field.map(|f| (f.to_owned(), value.to_owned())))
            .collect();
        rows.push(RawRow { line, fields });
    }
    Ok(ParsedFile {
        encoding: "",
        columns: headers
            .iter()
            .zip(&columns)
            .filter_map(|(h, f)| {
                f.map(|f| ColumnMapping {
                    header: h.clone(),
                    field: f.to_owned(),
                })
            })
            .collect(),
        ignored_columns: headers
            .iter()
            .zip(&columns)
            .filter(|(h, f)| f.is_none() && !h.trim().is_empty())
            .map(|(h, _)| h.clone())
            .collect(),
        rows,
    })
}

/// Decodes and parses a file.
pub fn read(
    bytes: &[u8],
    encoding: Encoding,
    mapping: Option<&BTreeMap<String, String>>,
) -> Result<ParsedFile, FileError> {
    let (text, used) = decode(bytes, encoding)?;
    let mut file = parse(&text, mapping)?;
    file.encoding = used;
    Ok(file)
}

/// What spreadsheets write for a field's values, as the create endpoint takes them:
/// 男/女, 个人/企业, the source channels and stages in Chinese, dates with `/` or `.`.
pub fn normalise(field: &str, value: &str) -> String {
    let value = value.trim();
    let translated = match field {
        "gender" => match value {
            "男" => Some("male"),
            "女" => Some("female"),
            _ => None,
        },
        "kind" => match value {
            "个人" => Some("individual"),
            "企业" | "公司" | "单位" => Some("business"),
            _ => None,
        },
        "source_channel" => match value {
            "到店" | "自然到店" => Some("walk_in"),
            "电话" | "来电" => Some("phone"),
            "官网" | "网站" => Some("website"),
            "微信" => Some("wechat"),
            "汽车之家" => Some("autohome"),
            "懂车帝" => Some("dongchedi"),
            "转介绍" | "推荐" => Some("referral"),
            "活动" => Some("event"),
            "其他" => Some("other"),
            "小程序" => Some("mini_program"),
            "易车" => Some("yiche"),
            "车展" => Some("car_show"),
            "社交媒体" => Some("social_media"),
            _ => None,
        },
        "lifecycle_stage" => match value {
            "潜客" | "潜在客户" => Some("prospect"),
            "客户" | "成交" => Some("customer"),
            "车主" => Some("owner"),
            "流失" => Some("lost"),
            _ => None,
        },
        _ => None,
    };
    match translated {
        Some(t) => t.to_owned(),
        None if field == "birthday" => {
            let formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"];
            formats
                .iter()
                .find_map(|f| chrono::NaiveDate::parse_from_str(value, f).ok())
                .map_or_else(|| value.to_owned(), |d| d.format("%Y-%m-%d").to_string())
        }
        None => value.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_is_read_when_the_file_is_not_utf8() {
        let (bytes, _, _) = encoding_rs::GBK.encode("姓名,手机\n张伟,13812345678\n");
        let file = read(&bytes, Encoding::Auto, None).unwrap();
        assert_eq!(file.encoding, "gbk");
        assert_eq!(file.rows[0].fields["name"], "张伟");
        assert_eq!(file.rows[0].fields["phone"], "13812345678");
        assert_eq!(file.rows[0].line, 2);
        assert!(read(&bytes, Encoding::Utf8, None).is_err());
    }

    #[test]
    fn a_bom_is_dropped_and_headers_are_matched() {
        let text = "\u{feff}Name, 手机号 ,备注,会员卡\n李娜,13900000001,老客户,VIP\n";
        let file = read(text.as_bytes(), Encoding::Auto, None).unwrap();
        assert_eq!(file.encoding, "utf-8");
        let fields: Vec<&str> = file.columns.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(fields, ["name", "phone", "notes"]);
        assert_eq!(file.ignored_columns, ["会员卡"]);
    }

    #[test]
    fn a_mapping_decides_the_columns() {
        let mapping: BTreeMap<String, String> = [
            ("客户".into(), "name".into()),
            ("联系方式".into(), "phone".into()),
        ]
        .into();
        let file = read(
            "客户,联系方式\n王芳,13700000002\n".as_bytes(),
            Encoding::Auto,
            Some(&mapping),
        )
        .unwrap();
        assert_eq!(file.rows[0].fields["name"], "王芳");
        let bad: BTreeMap<String, String> = [("客户".into(), "salary".into())].into();
        assert!(matches!(
            read("客户\n王芳\n".as_bytes(), Encoding::Auto, Some(&bad)),
            Err(FileError::Mapping(_))
        ));
    }

    #[test]
    fn malformed_files_are_refused() {
        let open_quote = "姓名,手机\n\"张伟,13812345678\n李娜,13900000001\n";
        assert!(matches!(
            read(open_quote.as_bytes(), Encoding::Auto, None),
            Err(FileError::Malformed(_))
        ));
        let short_row = "姓名,手机\n张伟\n";
        assert!(matches!(
            read(short_row.as_bytes(), Encoding::Auto, None),
            Err(FileError::Malformed(_))
        ));
        assert!(matches!(
            read("手机\n13812345678\n".as_bytes(), Encoding::Auto, None),
            Err(FileError::Header(_))
        ));
    }

    #[test]
    fn spreadsheet_values_are_normalised() {
        assert_eq!(normalise("gender", "男"), "male");
        assert_eq!(normalise("source_channel", "汽车之家"), "autohome");
        assert_eq!(normalise("birthday", "1988/3/12"), "1988-03-12");
        assert_eq!(normalise("birthday", "昨天"), "昨天");
        assert_eq!(normalise("city", " 上海 "), "上海");
    }
}
