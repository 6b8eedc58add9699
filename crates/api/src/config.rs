//! Settings: built-in defaults, then an optional TOML file, then `AUTOCRM_*` variables.

use std::path::Path;

use serde::Deserialize;

/// Marked dev defaults: the server refuses them unless `dev` is on.
pub const DEV_JWT_SECRET: &str = "dev-only-jwt-secret-change-me-0123456789abcdef";
pub const DEV_PII_KEY: &str = "dev-only-pii-key-change-me-0123456789abcdef";

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub database_url: String,
    /// host:port to listen on.
    pub listen: String,
    /// Dev mode allows the built-in secrets. Never in production.
    pub dev: bool,
    pub jwt_secret: String,
    /// Key material for encrypting personal data and for its blind indexes.
    pub pii_key: String,
    /// The id recorded with values written under `pii_key`.
    pub pii_key_id: String,
    /// Earlier keys still readable, `id=secret,id=secret` (until `autocrm rotate-pii-key`).
    pub pii_old_keys: Vec<(String, String)>,
    pub access_token_ttl_secs: i64,
    pub refresh_token_ttl_days: i64,
    /// Lifetime of a customer's access token (mini-programs and apps sign in again after it;
    /// an archived, merged or erased customer's token stops at once regardless).
    pub customer_token_ttl_secs: i64,
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    pub pool_size: u32,
    /// 0 means one per core.
    pub workers: usize,
    pub cors_allowed_origins: Vec<String>,
    /// Sign-in requests (login, token, refresh) per client IP and minute; 0 turns it off.
    pub sign_in_rate_per_minute: u32,
    pub sign_in_burst: u32,
    /// Authenticated requests per caller (user or API client) and minute; 0 (default) is off.
    pub rate_limit_per_minute: u32,
    pub rate_limit_burst: u32,
    /// Behind a reverse proxy: the header it puts the client's address in (e.g.
    /// `X-Forwarded-For`; its last entry counts). Unset: the TCP peer's address.
    pub client_ip_header: Option<String>,
    pub log_json: bool,
    pub log_filter: String,
    /// Whether `autocrm serve` also runs background jobs (turn it off for API-only nodes
    /// beside `autocrm worker` nodes).
    pub run_jobs: bool,
    /// Where files live on local disk (attachments, unless an S3 store is configured).
    pub data_dir: String,
    /// The largest attachment accepted, in bytes (uploads stream: this is not held in memory).
    pub max_upload_bytes: u64,
    /// The kinds of file an attachment may be, by name (`pdf`, `png`) or media type
    /// (`image/png`); see `autocrm_domain::attachment::FileKind`.
    pub upload_types: Vec<String>,
    /// An S3-compatible store (AWS S3, MinIO, Aliyun OSS, Tencent COS) for attachments;
    /// local disk under `data_dir` when its endpoint is unset.
    pub s3: S3Settings,
    /// Waits between webhook delivery attempts, e.g. `5s,5m,30m,2h,5h,10h,10h` (the Standard
    /// Webhooks schedule, used when empty); after the last one a delivery is dead.
    pub webhook_retry_schedule: String,
    /// Lets webhooks reach loopback and private addresses and plain `http` (on-premises
    /// receivers, tests), in or out of dev mode. Other schemes are always refused.
    pub webhook_allow_private_targets: bool,
    /// How often an open notification stream looks for new notifications, in milliseconds
    /// (one indexed query per open stream and tick; also how often it checks its token).
    pub notification_poll_ms: u64,
    /// Seconds between the stream's heartbeat comments (keeps proxies from closing it).
    pub notification_heartbeat_secs: u64,
    /// Lifetime of a stream ticket (`POST /api/v1/me/notifications/stream-ticket`), seconds.
    pub notification_ticket_ttl_secs: i64,
    /// Reveals of personal data per user and day (`POST /customers/{id}/reveal`); then 429.
    pub reveal_daily_limit: u32,
    /// Where WeChat's `code2session` is served (`AUTOCRM_WECHAT_API_BASE`; tests point it at
    /// a local fake): mini-program sign-in exchanges its login code there.
    pub wechat_api_base: String,
}

/// Where an S3-compatible store is and how to sign for it. The secret key comes from the
/// environment only (`AUTOCRM_S3_SECRET_KEY`), never from a file.
#[derive(Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(default, deny_unknown_fields)]
pub struct S3Settings {
    /// e.g. `https://oss-cn-shanghai.aliyuncs.com`, `http://127.0.0.1:9000`; empty: no S3.
    pub endpoint: String,
    pub bucket: String,
    /// Signing region (`us-east-1` for MinIO unless set otherwise; `oss-cn-shanghai`, `ap-shanghai`...).
    pub region: String,
    pub access_key: String,
    #[serde(skip)]
    pub secret_key: String,
    /// `https://endpoint/bucket/key` (MinIO) instead of `https://bucket.endpoint/key` (OSS, COS).
    pub path_style: bool,
    /// Prepended to every object key, e.g. `autocrm/`.
    pub prefix: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("access_key", &self.access_key)
            .field("secret_key", &"***")
            .field("path_style", &self.path_style)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl S3Settings {
    pub fn is_configured(&self) -> bool {
        !self.endpoint.trim().is_empty()
    }
}

/// The default `upload_types`: documents and scans, photos, call recordings.
pub const DEFAULT_UPLOAD_TYPES: [&str; 8] =
    ["pdf", "jpeg", "png", "webp", "heic", "mp3", "m4a", "amr"];

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://data/autocrm.db".into(),
            listen: "127.0.0.1:8080".into(),
            dev: false,
            jwt_secret: DEV_JWT_SECRET.into(),
            pii_key: DEV_PII_KEY.into(),
            pii_key_id: crate::pii::DEFAULT_KEY_ID.into(),
            pii_old_keys: Vec::new(),
            access_token_ttl_secs: 15 * 60,
            refresh_token_ttl_days: 30,
            customer_token_ttl_secs: 7 * 24 * 3600,
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            pool_size: autocrm_persistence::PoolOptions::default().max_size,
            workers: 0,
            cors_allowed_origins: Vec::new(),
            // A store's staff share one IP at opening time: room for all of them at once.
            sign_in_rate_per_minute: 60,
            sign_in_burst: 30,
            rate_limit_per_minute: 0,
            rate_limit_burst: 120,
            client_ip_header: None,
            log_json: false,
            log_filter: "info".into(),
            run_jobs: true,
            data_dir: "data".into(),
            max_upload_bytes: 20 * 1024 * 1024,
            upload_types: DEFAULT_UPLOAD_TYPES
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            s3: S3Settings::default(),
            webhook_retry_schedule: String::new(),
            webhook_allow_private_targets: false,
            notification_poll_ms: 500,
            notification_heartbeat_secs: 15,
            notification_ticket_ttl_secs: 60,
            reveal_daily_limit: 100,
            wechat_api_base: crate::customer_auth::wechat::DEFAULT_API_BASE.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {0}: {1}")]
    Read(String, std::io::Error),
    #[error("invalid config file {0}: {1}")]
    Parse(String, String),
    #[error("invalid value for {0}: {1}")]
    Env(&'static str, String),
    #[error("{0}")]
    Insecure(String),
}

impl Settings {
    /// Layers the file named by `file` (or `AUTOCRM_CONFIG`) and the environment over the defaults.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_from(file, |name| std::env::var(name).ok())
    }

    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let file = file
            .map(Path::to_path_buf)
            .or_else(|| env("AUTOCRM_CONFIG").map(Into::into));
        let mut settings = match file {
            Some(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError::Read(shown.clone(), e))?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse(shown, e.to_string()))?
            }
            None => Settings::default(),
        };
        settings.apply_env(env)?;
        settings.upload_kinds()?;
        settings.check_s3()?;
        settings.outbound()?;
        if let Some(name) = &settings.client_ip_header
            && actix_web::http::header::HeaderName::try_from(name.as_str()).is_err()
        {
            return Err(ConfigError::Env("AUTOCRM_CLIENT_IP_HEADER", name.clone()));
        }
        Ok(settings)
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &'static str, v: String) -> Result<T, ConfigError> {
            v.trim().parse().map_err(|_| ConfigError::Env(name, v))
        }
        fn flag(name: &'static str, v: String) -> Result<bool, ConfigError> {
            match v.trim().to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => Ok(true),
                "0" | "false" | "no" | "off" | "" => Ok(false),
                _ => Err(ConfigError::Env(name, v)),
            }
        }
        // DATABASE_URL is the conventional name; the prefixed one wins when both are set.
        if let Some(v) = env("AUTOCRM_DATABASE_URL").or_else(|| env("DATABASE_URL")) {
            self.database_url = v;
        }
        if let Some(v) = env("AUTOCRM_LISTEN") {
            self.listen = v;
        }
        if let Some(v) = env("AUTOCRM_DEV") {
            self.dev = flag("AUTOCRM_DEV", v)?;
        }
        if let Some(v) = env("AUTOCRM_JWT_SECRET") {
            self.jwt_secret = v;
        }
        if let Some(v) = env("AUTOCRM_PII_KEY") {
            self.pii_key = v;
        }
        if let Some(v) = env("AUTOCRM_PII_KEY_ID") {
            self.pii_key_id = v.trim().to_owned();
        }
        if let Some(v) = env("AUTOCRM_PII_OLD_KEYS") {
            self.pii_old_keys = v
                .split(',')
                .map(str::trim)
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.split_once('=') {
                    Some((id, secret)) => Ok((id.trim().to_owned(), secret.to_owned())),
                    None => Err(ConfigError::Env(
                        "AUTOCRM_PII_OLD_KEYS",
                        "expected id=secret,...".into(),
                    )),
                })
                .collect::<Result<_, _>>()?;
        }
        if let Some(v) = env("AUTOCRM_REVEAL_DAILY_LIMIT") {
            self.reveal_daily_limit = parse("AUTOCRM_REVEAL_DAILY_LIMIT", v)?;
        }
        if let Some(v) = env("AUTOCRM_WECHAT_API_BASE") {
            self.wechat_api_base = v.trim().trim_end_matches('/').to_owned();
        }
        if let Some(v) = env("AUTOCRM_ACCESS_TOKEN_TTL_SECS") {
            self.access_token_ttl_secs = parse("AUTOCRM_ACCESS_TOKEN_TTL_SECS", v)?;
        }
        if let Some(v) = env("AUTOCRM_REFRESH_TOKEN_TTL_DAYS") {
            self.refresh_token_ttl_days = parse("AUTOCRM_REFRESH_TOKEN_TTL_DAYS", v)?;
        }
        if let Some(v) = env("AUTOCRM_CUSTOMER_TOKEN_TTL_SECS") {
            self.customer_token_ttl_secs = parse("AUTOCRM_CUSTOMER_TOKEN_TTL_SECS", v)?;
        }
        if let Some(v) = env("AUTOCRM_MAX_BODY_BYTES") {
            self.max_body_bytes = parse("AUTOCRM_MAX_BODY_BYTES", v)?;
        }
        if let Some(v) = env("AUTOCRM_REQUEST_TIMEOUT_SECS") {
            self.request_timeout_secs = parse("AUTOCRM_REQUEST_TIMEOUT_SECS", v)?;
        }
        if let Some(v) = env("AUTOCRM_POOL_SIZE") {
            self.pool_size = parse("AUTOCRM_POOL_SIZE", v)?;
        }
        if let Some(v) = env("AUTOCRM_WORKERS") {
            self.workers = parse("AUTOCRM_WORKERS", v)?;
        }
        if let Some(v) = env("AUTOCRM_CORS_ALLOWED_ORIGINS") {
            self.cors_allowed_origins = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        if let Some(v) = env("AUTOCRM_SIGN_IN_RATE_PER_MINUTE") {
            self.sign_in_rate_per_minute = parse("AUTOCRM_SIGN_IN_RATE_PER_MINUTE", v)?;
        }
        if let Some(v) = env("AUTOCRM_SIGN_IN_BURST") {
            self.sign_in_burst = parse("AUTOCRM_SIGN_IN_BURST", v)?;
        }
        if let Some(v) = env("AUTOCRM_RATE_LIMIT_PER_MINUTE") {
            self.rate_limit_per_minute = parse("AUTOCRM_RATE_LIMIT_PER_MINUTE", v)?;
        }
        if let Some(v) = env("AUTOCRM_RATE_LIMIT_BURST") {
            self.rate_limit_burst = parse("AUTOCRM_RATE_LIMIT_BURST", v)?;
        }
        if let Some(v) = env("AUTOCRM_CLIENT_IP_HEADER") {
            let v = v.trim().to_owned();
            self.client_ip_header = (!v.is_empty()).then_some(v);
        }
        if let Some(v) = env("AUTOCRM_RUN_JOBS") {
            self.run_jobs = flag("AUTOCRM_RUN_JOBS", v)?;
        }
        if let Some(v) = env("AUTOCRM_LOG_JSON") {
            self.log_json = flag("AUTOCRM_LOG_JSON", v)?;
        }
        if let Some(v) = env("AUTOCRM_LOG").or_else(|| env("RUST_LOG")) {
            self.log_filter = v;
        }
        if let Some(v) = env("AUTOCRM_DATA_DIR") {
            self.data_dir = v;
        }
        if let Some(v) = env("AUTOCRM_MAX_UPLOAD_BYTES") {
            self.max_upload_bytes = parse("AUTOCRM_MAX_UPLOAD_BYTES", v)?;
        }
        if let Some(v) = env("AUTOCRM_NOTIFICATION_POLL_MS") {
            self.notification_poll_ms = parse("AUTOCRM_NOTIFICATION_POLL_MS", v)?;
        }
        if let Some(v) = env("AUTOCRM_NOTIFICATION_HEARTBEAT_SECS") {
            self.notification_heartbeat_secs = parse("AUTOCRM_NOTIFICATION_HEARTBEAT_SECS", v)?;
        }
        if let Some(v) = env("AUTOCRM_NOTIFICATION_TICKET_TTL_SECS") {
            self.notification_ticket_ttl_secs = parse("AUTOCRM_NOTIFICATION_TICKET_TTL_SECS", v)?;
        }
        if let Some(v) = env("AUTOCRM_UPLOAD_TYPES") {
            self.upload_types = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
        }
        let s3 = &mut self.s3;
        for (name, field) in [
            ("AUTOCRM_S3_ENDPOINT", &mut s3.endpoint),
            ("AUTOCRM_S3_BUCKET", &mut s3.bucket),
            ("AUTOCRM_S3_REGION", &mut s3.region),
            ("AUTOCRM_S3_ACCESS_KEY", &mut s3.access_key),
            ("AUTOCRM_S3_SECRET_KEY", &mut s3.secret_key),
            ("AUTOCRM_S3_PREFIX", &mut s3.prefix),
        ] {
            if let Some(v) = env(name) {
                *field = v.trim().to_owned();
            }
        }
        if let Some(v) = env("AUTOCRM_S3_PATH_STYLE") {
            self.s3.path_style = flag("AUTOCRM_S3_PATH_STYLE", v)?;
        }
        if let Some(v) = env("AUTOCRM_WEBHOOK_RETRY_SCHEDULE") {
            self.webhook_retry_schedule = v.trim().to_owned();
        }
        if let Some(v) = env("AUTOCRM_WEBHOOK_ALLOW_PRIVATE_TARGETS") {
            self.webhook_allow_private_targets = flag("AUTOCRM_WEBHOOK_ALLOW_PRIVATE_TARGETS", v)?;
        }
        Ok(())
    }

    /// The webhook delivery settings; a malformed schedule is a configuration error.
    pub fn outbound(&self) -> Result<crate::outbound::OutboundSettings, ConfigError> {
        let retry_schedule = if self.webhook_retry_schedule.trim().is_empty() {
            crate::outbound::DEFAULT_RETRY_SCHEDULE.to_vec()
        } else {
            crate::outbound::parse_schedule(&self.webhook_retry_schedule)
                .map_err(|e| ConfigError::Env("AUTOCRM_WEBHOOK_RETRY_SCHEDULE", e))?
        };
        Ok(crate::outbound::OutboundSettings {
            retry_schedule,
            allow_private_targets: self.webhook_allow_private_targets,
        })
    }

    /// The personal-data key ring: the current key and the old ones still readable.
    pub fn pii_cipher(&self) -> Result<crate::pii::PiiCipher, ConfigError> {
        crate::pii::PiiCipher::with_old_keys(&self.pii_key_id, &self.pii_key, &self.pii_old_keys)
            .map_err(|e| ConfigError::Insecure(e.to_string()))
    }

    /// The file kinds `upload_types` names; an unknown name is a configuration error.
    pub fn upload_kinds(&self) -> Result<Vec<autocrm_domain::attachment::FileKind>, ConfigError> {
        use autocrm_domain::attachment::FileKind;
        let mut kinds = Vec::new();
        for name in &self.upload_types {
            let kind = FileKind::from_setting(name).ok_or_else(|| {
                ConfigError::Env(
                    "AUTOCRM_UPLOAD_TYPES",
                    format!("{name} (known: {})", FileKind::NAMES.join(", ")),
                )
            })?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }

    fn check_s3(&self) -> Result<(), ConfigError> {
        let s3 = &self.s3;
        if !s3.is_configured() {
            return Ok(());
        }
        let missing = [
            ("AUTOCRM_S3_BUCKET", &s3.bucket),
            ("AUTOCRM_S3_ACCESS_KEY", &s3.access_key),
            ("AUTOCRM_S3_SECRET_KEY", &s3.secret_key),
        ]
        .into_iter()
        .find(|(_, v)| v.is_empty());
        if let Some((name, _)) = missing {
            return Err(ConfigError::Env(
                name,
                "required when AUTOCRM_S3_ENDPOINT is set".into(),
            ));
        }
        match s3.endpoint.parse::<actix_web::http::Uri>() {
            Ok(uri) if matches!(uri.scheme_str(), Some("http" | "https")) => Ok(()),
            _ => Err(ConfigError::Env(
                "AUTOCRM_S3_ENDPOINT",
                format!("{} (an http or https URL)", s3.endpoint),
            )),
        }
    }

    /// Refuses the built-in secrets, or weak ones, outside dev mode.
    pub fn check_secrets(&self) -> Result<(), ConfigError> {
        if self.dev {
            return Ok(());
        }
        for (name, value, default) in [
            ("AUTOCRM_JWT_SECRET", &self.jwt_secret, DEV_JWT_SECRET),
            ("AUTOCRM_PII_KEY", &self.pii_key, DEV_PII_KEY),
        ] {
            if value == default {
                return Err(ConfigError::Insecure(format!(
                    "{name} is the built-in dev default; set a real secret, or AUTOCRM_DEV=true for a dev run"
                )));
            }
            if value.len() < 32 {
                return Err(ConfigError::Insecure(format!(
                    "{name} must be at least 32 characters"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn environment_overrides_file_overrides_defaults() {
        let dir = std::env::temp_dir().join(format!("autocrm-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("autocrm.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\npool_size = 3\n").unwrap();
        let s = Settings::load_from(Some(&file), env(&[("AUTOCRM_POOL_SIZE", "7")])).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.pool_size, 7);
        assert_eq!(s.database_url, "sqlite://data/autocrm.db");
    }

    #[test]
    fn unknown_file_keys_and_bad_values_are_errors() {
        let dir = std::env::temp_dir().join(format!("autocrm-cfg2-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("bad.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        assert!(matches!(
            Settings::load_from(Some(&file), env(&[])),
            Err(ConfigError::Parse(..))
        ));
        assert!(matches!(
            Settings::load_from(None, env(&[("AUTOCRM_POOL_SIZE", "many")])),
            Err(ConfigError::Env(..))
        ));
        assert!(matches!(
            Settings::load_from(None, env(&[("AUTOCRM_CLIENT_IP_HEADER", "X Forwarded")])),
            Err(ConfigError::Env(..))
        ));
    }

    #[test]
    fn old_pii_keys_are_read_as_id_secret_pairs() {
        let s = Settings::load_from(
            None,
            env(&[
                ("AUTOCRM_PII_KEY_ID", "k2"),
                ("AUTOCRM_PII_OLD_KEYS", "k1=first-secret, k0=zeroth-secret"),
            ]),
        )
        .unwrap();
        assert_eq!(s.pii_key_id, "k2");
        assert_eq!(
            s.pii_old_keys,
            [
                ("k1".to_owned(), "first-secret".to_owned()),
                ("k0".to_owned(), "zeroth-secret".to_owned())
            ]
        );
        assert_eq!(s.pii_cipher().unwrap().current_key_id(), "k2");
        assert!(matches!(
            Settings::load_from(None, env(&[("AUTOCRM_PII_OLD_KEYS", "no-equals")])),
            Err(ConfigError::Env(..))
        ));
        let clash = Settings::load_from(None, env(&[("AUTOCRM_PII_OLD_KEYS", "k1=x")])).unwrap();
        assert!(
            clash.pii_cipher().is_err(),
            "an old key cannot reuse the current id"
        );
    }

    #[test]
    fn uploads_and_the_file_store_are_configured_from_the_environment() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert_eq!(s.max_upload_bytes, 20 * 1024 * 1024);
        assert_eq!(s.upload_kinds().unwrap().len(), 8);
        assert!(!s.s3.is_configured());
        let s = Settings::load_from(
            None,
            env(&[
                ("AUTOCRM_UPLOAD_TYPES", "pdf, image/png,png"),
                ("AUTOCRM_MAX_UPLOAD_BYTES", "1048576"),
                ("AUTOCRM_DATA_DIR", "/var/lib/autocrm"),
                ("AUTOCRM_S3_ENDPOINT", "http://127.0.0.1:9000"),
                ("AUTOCRM_S3_BUCKET", "crm"),
                ("AUTOCRM_S3_ACCESS_KEY", "minio"),
                ("AUTOCRM_S3_SECRET_KEY", "minio-secret"),
                ("AUTOCRM_S3_PATH_STYLE", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(s.upload_kinds().unwrap().len(), 2);
        assert_eq!(s.max_upload_bytes, 1_048_576);
        assert_eq!(s.data_dir, "/var/lib/autocrm");
        assert!(s.s3.is_configured() && s.s3.path_style);
        assert!(!format!("{s:?}").contains("minio-secret"));
        for bad in [
            vec![("AUTOCRM_UPLOAD_TYPES", "pdf,exe")],
            vec![("AUTOCRM_MAX_UPLOAD_BYTES", "20MB")],
            vec![("AUTOCRM_S3_ENDPOINT", "http://127.0.0.1:9000")],
            vec![
                ("AUTOCRM_S3_ENDPOINT", "ftp://x"),
                ("AUTOCRM_S3_BUCKET", "b"),
                ("AUTOCRM_S3_ACCESS_KEY", "a"),
                ("AUTOCRM_S3_SECRET_KEY", "s"),
            ],
        ] {
            assert!(
                matches!(
                    Settings::load_from(None, env(&bad)),
                    Err(ConfigError::Env(..))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn dev_secrets_are_refused_outside_dev_mode() {
        let s = Settings::load_from(None, env(&[])).unwrap();
        assert!(s.check_secrets().is_err());
        let s = Settings::load_from(None, env(&[("AUTOCRM_DEV", "true")])).unwrap();
        assert!(s.check_secrets().is_ok());
        let s = Settings::load_from(
            None,
            env(&[
                (
                    "AUTOCRM_JWT_SECRET",
                    "a-real-secret-of-sufficient-length-123",
                ),
                ("AUTOCRM_PII_KEY", "another-real-secret-of-sufficient-len"),
            ]),
        )
        .unwrap();
        assert!(s.check_secrets().is_ok());
    }
}
