//! Starts the real server on port 0 over a fresh database, and talks HTTP to it.

use std::collections::HashSet;
use std::fmt::{Debug, Display};
use std::sync::{Arc, OnceLock};

use autocrm_api::auth::password::PasswordHasher;
use autocrm_api::config::Settings;
use autocrm_api::startup::{Application, Runtime, open_database};
use autocrm_domain::time::{Clock, ManualClock};
use autocrm_persistence::test_db::TestDatabase;
use reqwest::{Method, RequestBuilder, Response};
use serde_json::{Value, json};

pub const JWT_SECRET: &str = "test-jwt-secret-0123456789abcdef0123456789";
pub const PII_KEY: &str = "test-pii-key-0123456789abcdef0123456789abcd";
pub const ADMIN_EMAIL: &str = "admin@acme.test";
pub const PASSWORD: &str = "correct-horse-9";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// The bootstrapped organisation.
    pub org_id: String,
    /// Its admin's access token.
    pub admin_token: String,
    pub db_url: String,
    /// The server's clock: tests move it instead of sleeping or back-dating rows.
    pub clock: Arc<ManualClock>,
    /// The server's job runner, which runs only when a test says so (`run_jobs`).
    pub runner: Arc<autocrm_api::jobs::Runner>,
    /// The server's data directory (attachments live under `attachments/`).
    pub data_dir: std::path::PathBuf,
    _files: TempDir,
    _db: TestDatabase,
}

/// A directory of the test's own, removed with it.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new(what: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("autocrm-{what}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).expect("a temporary directory");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// One bootstrap password hash per process: argon2 is slow on purpose.
fn tracing_once() {
    static INIT: OnceLock<()> = OnceLock::new();
    INIT.get_or_init(|| {
        if std::env::var("TEST_LOG").is_ok() {
            autocrm_api::telemetry::init("info", false);
        }
    });
}

pub fn settings(db_url: &str) -> Settings {
    Settings {
        database_url: db_url.to_owned(),
        listen: "127.0.0.1:0".into(),
        dev: false,
        jwt_secret: JWT_SECRET.into(),
        pii_key: PII_KEY.into(),
        workers: 1,
        pool_size: 4,
        max_body_bytes: 64 * 1024,
        // Tests run due jobs themselves, after moving the clock.
        run_jobs: false,
        ..Settings::default()
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    /// An app whose clock stands at `at`, with the admin logged in then, on tokens that last
    /// a week so that they outlive the clock's moves. For tests that count days in the
    /// organisation's time zone: pin a time of day there rather than read `Utc::now()`.
    pub async fn spawn_at(at: chrono::DateTime<chrono::Utc>) -> TestApp {
        let mut app = Self::spawn_with(|s| s.access_token_ttl_secs = 7 * 24 * 3600).await;
        app.clock.set(at);
        app.admin_token = app.login_ok(ADMIN_EMAIL, PASSWORD).await;
        app
    }

    pub async fn spawn_with(customise: impl FnOnce(&mut Settings)) -> TestApp {
        tracing_once();
        let db = TestDatabase::create();
        let files = TempDir::new("data");
        let mut settings = settings(&db.url);
        settings.data_dir = files.0.display().to_string();
        customise(&mut settings);
        let db_url = db.url.clone();
        let clock = Arc::new(ManualClock::new());
        let runtime = Runtime {
            clock: clock.clone(),
            passwords: PasswordHasher::insecure_fast(),
        };
        let (app, org_id) = tokio::task::spawn_blocking(move || {
            let pool = open_database(&settings).expect("open the test database");
            let mut conn = pool.get().expect("a connection");
            let done = autocrm_api::organization::bootstrap::bootstrap(
                &mut conn,
                &runtime.passwords,
                runtime.clock.now().naive_utc(),
                "Acme Motors",
                ADMIN_EMAIL,
                PASSWORD,
            )
            .expect("bootstrap");
            drop(conn);
            let app = Application::build_with(settings, pool, runtime).expect("build the app");
            (app, done.org.id)
        })
        .await
        .expect("start-up panicked");
        let address = format!("http://127.0.0.1:{}", app.port());
        let runner = app.runner();
        tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let mut test_app = TestApp {
            address,
            client,
            org_id,
            admin_token: String::new(),
            db_url,
            clock,
            runner,
            data_dir: files.0.clone(),
            _files: files,
            _db: db,
        };
        test_app.admin_token = test_app.login_ok(ADMIN_EMAIL, PASSWORD).await;
        test_app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, self.url(path));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token))
            .send()
            .await
            .unwrap()
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> Response {
        self.request(Method::POST, path, Some(token))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch(
        &self,
        path: &str,
        token: &str,
        body: &Value,
        if_match: Option<i64>,
    ) -> Response {
        let mut req = self.request(Method::PATCH, path, Some(token)).json(body);
        if let Some(v) = if_match {
            req = req.header("If-Match", format!("\"{v}\""));
        }
        req.send().await.unwrap()
    }

    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.request(Method::POST, "/api/v1/auth/login", None)
            .json(&json!({"login": login, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn login_ok(&self, login: &str, password: &str) -> String {
        let res = self.login(login, password).await;
        assert_eq!(res.status(), 200, "login of {login} failed");
        let body: Value = res.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    pub async fn create_store(&self, name: &str, city: &str) -> String {
        let res = self
            .post(
                "/api/v1/stores",
                &self.admin_token,
                &json!({"name": name, "city": city}),
            )
            .await;
        assert_eq!(res.status(), 201);
        res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Creates a user with `role` (in `store_id`, if given) and returns (id, access token).
    pub async fn user_with_role(&self, role: &str, store_id: Option<&str>) -> (String, String) {
        let email = format!("{role}.{}@acme.test", uuid::Uuid::now_v7().simple());
        let res = self
            .post(
                "/api/v1/users",
                &self.admin_token,
                &json!({"name": "测试用户", "email": email, "role": role, "store_id": store_id, "password": PASSWORD}),
            )
            .await;
        assert_eq!(
            res.status(),
            201,
            "create {role}: {}",
            res.text().await.unwrap()
        );
        let id = res.json::<Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        (id, self.login_ok(&email, PASSWORD).await)
    }

    /// A second organisation with its own admin, for isolation tests: returns its admin token.
    pub async fn other_tenant(&self) -> String {
        let email = format!("admin.{}@other.test", uuid::Uuid::now_v7().simple());
        let settings = settings(&self.db_url);
        let email2 = email.clone();
        let now = self.clock.now().naive_utc();
        tokio::task::spawn_blocking(move || {
            let pool = open_database(&settings).unwrap();
            let mut conn = pool.get().unwrap();
            autocrm_api::organization::bootstrap::bootstrap(
                &mut conn,
                &PasswordHasher::insecure_fast(),
                now,
                &format!("Other Dealer {}", uuid::Uuid::now_v7().simple()),
                &email2,
                PASSWORD,
            )
            .unwrap();
        })
        .await
        .unwrap();
        self.login_ok(&email, PASSWORD).await
    }

    pub async fn create_customer(&self, token: &str, body: &Value) -> Value {
        let res = self.post("/api/v1/customers", token, body).await;
        assert_eq!(
            res.status(),
            201,
            "create customer: {}",
            res.text().await.unwrap()
        );
        res.json().await.unwrap()
    }
}

impl TestApp {
    /// Writes an open lead of `customer_id` straight into the database (for tests of what
    /// comes after intake): owned by `owner_id` (`None`: in the pool of `store_id`), grade
    /// `grade` (h, a, b, c). Answers its id.
    pub async fn insert_lead(
        &self,
        customer_id: &str,
        owner_id: Option<&str>,
        store_id: Option<&str>,
        grade: &str,
    ) -> String {
        let now = self.clock_now().naive_utc();
        let lead = autocrm_persistence::models::Lead {
            id: autocrm_persistence::db::new_id(),
            org_id: self.org_id.clone(),
            store_id: store_id.map(str::to_owned),
            customer_id: customer_id.to_owned(),
            owner_id: owner_id.map(str::to_owned),
            status: "new".into(),
            grade: grade.into(),
            score: 50,
            score_detail: "{}".into(),
            source: "website".into(),
            source_lead_id: None,
            campaign_id: None,
            utm: None,
            referrer: None,
            // The purchase window that gives the grade, so that rescoring keeps it.
            needs: match grade {
                "h" => Some(r#"{"timeframe":"within_7_days"}"#.into()),
                "a" => Some(r#"{"timeframe":"within_15_days"}"#.into()),
                "b" => Some(r#"{"timeframe":"within_30_days"}"#.into()),
                _ => None,
            },
            raw_ciphertext: None,
            raw_expires_at: None,
            created_by: "test".into(),
            active_since: now,
            last_worked_at: Some(now),
            assigned_at: owner_id.map(|_| now),
            pool_since: owner_id.is_none().then_some(now),
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let id = lead.id.clone();
        self.with_db(move |conn| {
            use autocrm_persistence::models::TenantRecord;
            lead.insert(conn).unwrap()
        })
        .await;
        id
    }
}

/// Shared steps that several test files need.
impl TestApp {
    /// Runs the background jobs that are due by the server's clock (periodic ones included),
    /// as a worker would; returns how many ran.
    pub async fn run_jobs(&self) -> usize {
        self.runner
            .schedule_periodic()
            .await
            .expect("schedule periodic jobs");
        self.runner.run_due().await.expect("run due jobs")
    }

    /// Runs the due jobs on this node and on a second runner at the same time, as two nodes
    /// on one database would.
    pub async fn run_jobs_on_two_nodes(&self) {
        let second = self.second_runner().await;
        let _ = tokio::join!(self.run_jobs(), async {
            second.schedule_periodic().await.unwrap();
            second.run_due().await.unwrap()
        });
    }

    /// Registers a machine client with `scopes` and returns its access token.
    pub async fn integration_token(&self, scopes: &[&str]) -> String {
        let res = self
            .post(
                "/api/v1/api-clients",
                &self.admin_token,
                &json!({"name": "ERP 集成", "scopes": scopes}),
            )
            .await;
        assert_eq!(res.status(), 201);
        let client: Value = res.json().await.unwrap();
        let res = self
            .request(Method::POST, "/api/v1/auth/token", None)
            .json(&json!({"grant_type": "client_credentials",
                          "client_id": client["client_id"], "client_secret": client["client_secret"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json::<Value>().await.unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// Adds a car to inventory as the admin and returns it. `overrides` replace the
    /// defaults (a used 比亚迪 汉 in stock at 159,800 元).
    pub async fn create_vehicle(&self, overrides: &Value) -> Value {
        let mut body = json!({
            "vin": test_vin(),
            "condition": "used", "brand": "比亚迪", "model": "汉", "model_year": 2023,
            "body_type": "sedan", "energy_type": "bev", "transmission": "automatic",
            "seats": 5, "mileage_km": 18600, "first_registration_date": "2023-05-18",
            "colour": "汉宫红", "asking_price_cents": 15980000
        });
        for (key, value) in overrides.as_object().expect("an object") {
            body[key] = value.clone();
        }
        let res = self
            .post("/api/v1/vehicles", &self.admin_token, &body)
            .await;
        assert_eq!(
            res.status(),
            201,
            "create vehicle: {}",
            res.text().await.unwrap()
        );
        res.json().await.unwrap()
    }

    /// Customers of every status the admin can see (at most 200).
    pub async fn customer_count(&self) -> usize {
        let page: Value = self
            .get("/api/v1/customers?status=all&limit=200", &self.admin_token)
            .await
            .json()
            .await
            .unwrap();
        page["items"].as_array().unwrap().len()
    }
}

/// Asserts an RFC 9457 problem with this status and code, and returns it.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
    problem(res, status, code)
        .await
        .unwrap_or_else(|mismatch| panic!("{mismatch}"))
}

/// An RFC 9457 problem with this status and code (its body), or what was answered instead.
pub async fn problem(res: Response, status: u16, code: &str) -> Result<Value, String> {
    let content_type = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let (got, body) = status_and_body(res).await;
    if got != status {
        return Err(format!("status {got}, expected {status} ({code}): {body}"));
    }
    if !content_type.starts_with("application/problem+json") {
        return Err(format!("content type {content_type}: {body}"));
    }
    if body["status"] != status {
        return Err(format!(
            "problem status {}, expected {status}: {body}",
            body["status"]
        ));
    }
    if body["code"] != code {
        return Err(format!(
            "problem code {}, expected {code}: {body}",
            body["code"]
        ));
    }
    if !(body["title"].is_string() && body["type"].is_string()) {
        return Err(format!("a problem needs a title and a type: {body}"));
    }
    Ok(body)
}

/// The status and the JSON body (null when there is none, a string when it is not JSON).
pub async fn status_and_body(res: Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// The body of a response with this status, or what was answered instead.
pub async fn with_status(res: Response, status: u16) -> Result<Value, String> {
    let (got, body) = status_and_body(res).await;
    if got == status {
        Ok(body)
    } else {
        Err(format!("status {got}, expected {status}: {body}"))
    }
}

/// The (field, code) pairs of a validation problem.
pub fn field_errors(problem: &Value) -> Result<Vec<(String, String)>, String> {
    let errors = problem["errors"]
        .as_array()
        .ok_or_else(|| format!("no errors in {problem}"))?;
    Ok(errors
        .iter()
        .map(|e| {
            let text = |key: &str| e[key].as_str().unwrap_or_default().to_owned();
            (text("field"), text("code"))
        })
        .collect())
}

/// The ids of a page's items.
pub fn page_ids(page: &Value) -> Result<HashSet<String>, String> {
    let items = page["items"]
        .as_array()
        .ok_or_else(|| format!("not a page: {page}"))?;
    Ok(items
        .iter()
        .map(|item| item["id"].as_str().unwrap_or_default().to_owned())
        .collect())
}

// Table-driven checks: every case runs, then the test fails once, naming each case that
// did not go as expected, so that one failure does not hide the rest.

/// Collects what did not go as expected, each under the name of its case; `assert_none`
/// fails once with all of them. Dropping it with mismatches unreported fails too.
#[derive(Default)]
pub struct Mismatches(Vec<String>);

impl Mismatches {
    pub fn new() -> Mismatches {
        Mismatches::default()
    }

    /// Records the error of `outcome` under `case`; gives back its value when there was none.
    pub fn check<T>(&mut self, case: impl Display, outcome: Result<T, String>) -> Option<T> {
        match outcome {
            Ok(value) => Some(value),
            Err(mismatch) => {
                self.0.push(format!("{case}: {mismatch}"));
                None
            }
        }
    }

    /// Records a mismatch under `case` unless `actual == expected`.
    pub fn eq<A, E>(&mut self, case: impl Display, actual: A, expected: E) -> bool
    where
        A: PartialEq<E> + Debug,
        E: Debug,
    {
        let same = actual == expected;
        if !same {
            self.0
                .push(format!("{case}: got {actual:?}, expected {expected:?}"));
        }
        same
    }

    /// Records `detail` under `case` unless `ok`.
    pub fn that(&mut self, case: impl Display, ok: bool, detail: impl Display) -> bool {
        if !ok {
            self.0.push(format!("{case}: {detail}"));
        }
        ok
    }

    /// Fails once, listing every mismatch, if there was any.
    #[track_caller]
    pub fn assert_none(mut self) {
        let found = std::mem::take(&mut self.0);
        assert!(
            found.is_empty(),
            "{} mismatch(es):\n  - {}",
            found.len(),
            found.join("\n  - ")
        );
    }
}

impl Drop for Mismatches {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let list = self.0.join("\n  - ");
        if std::thread::panicking() {
            // Something else failed first: still show what had been found.
            eprintln!("mismatches before the failure:\n  - {list}");
        } else {
            panic!("mismatches never reported (assert_none):\n  - {list}");
        }
    }
}

/// Matches any code in `Expect::Invalid` and `Expect::InvalidExactly`.
pub const ANY: &str = "*";

/// The common answers of tables, as constants (each use is a fresh value).
pub const FORBIDDEN: Expect = Expect::Problem(403, "forbidden");
pub const NOT_FOUND: Expect = Expect::Problem(404, "not_found");
pub const VALIDATION_FAILED: Expect = Expect::Problem(422, "validation_failed");
pub const NO_ITEMS: Expect = Expect::Ids(Vec::new());

/// What a call must answer.
#[derive(Clone, Debug)]
pub enum Expect {
    /// This status, whatever the body.
    Status(u16),
    /// An RFC 9457 problem with this status and code.
    Problem(u16, &'static str),
    /// A 422 `validation_failed` naming at least these (field, code) pairs.
    Invalid(&'static [(&'static str, &'static str)]),
    /// A 422 `validation_failed` naming exactly these (field, code) pairs, in this order.
    InvalidExactly(&'static [(&'static str, &'static str)]),
    /// A 200 page whose items are exactly these ids.
    Ids(Vec<String>),
    /// A 200 page of this many items.
    Count(usize),
}

impl Expect {
    /// Checks `res`: its body when it is as expected, else what it was.
    pub async fn check(&self, res: Response) -> Result<Value, String> {
        match self {
            Expect::Status(status) => with_status(res, *status).await,
            Expect::Problem(status, code) => problem(res, *status, code).await,
            Expect::Invalid(expected) => {
                let body = problem(res, 422, "validation_failed").await?;
                let errors = field_errors(&body)?;
                match expected.iter().find(|(field, code)| {
                    !errors
                        .iter()
                        .any(|(f, c)| f == field && (*code == ANY || c == code))
                }) {
                    None => Ok(body),
                    Some((field, code)) => Err(format!("no {field}/{code} in {errors:?}")),
                }
            }
            Expect::InvalidExactly(expected) => {
                let body = problem(res, 422, "validation_failed").await?;
                let errors = field_errors(&body)?;
                let same = errors.len() == expected.len()
                    && errors
                        .iter()
                        .zip(expected.iter())
                        .all(|((f, c), (field, code))| f == field && (*code == ANY || c == code));
                if same {
                    Ok(body)
                } else {
                    Err(format!("errors {errors:?}, expected {expected:?}"))
                }
            }
            Expect::Ids(ids) => {
                let page = with_status(res, 200).await?;
                let expected: HashSet<String> = ids.iter().cloned().collect();
                let got = page_ids(&page)?;
                if got == expected {
                    Ok(page)
                } else {
                    Err(format!("ids {got:?}, expected {expected:?}"))
                }
            }
            Expect::Count(count) => {
                let page = with_status(res, 200).await?;
                let got = page_ids(&page)?.len();
                if got == *count {
                    Ok(page)
                } else {
                    Err(format!("{got} items, expected {count}: {page}"))
                }
            }
        }
    }
}

/// A check for `Call::and`: the body has these values at these keys (others may differ).
pub fn has(expected: Value) -> impl Fn(&Value) -> Result<(), String> {
    move |body| {
        let wrong: Vec<String> = expected
            .as_object()
            .expect("an object of expected values")
            .iter()
            .filter(|(key, value)| &body[key.as_str()] != *value)
            .map(|(key, value)| format!("{key} is {}, expected {value}", body[key.as_str()]))
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(wrong.join(", "))
        }
    }
}

type BodyCheck = Box<dyn Fn(&Value) -> Result<(), String>>;

/// One row of a table of calls: its name, who calls, what is sent and what must come back.
pub struct Call {
    name: String,
    method: Method,
    path: String,
    token: Option<String>,
    body: Option<Value>,
    if_match: Option<i64>,
    expect: Option<Expect>,
    and: Option<BodyCheck>,
}

impl Call {
    pub fn new(
        name: impl Into<String>,
        token: &str,
        method: Method,
        path: impl Into<String>,
    ) -> Call {
        Call {
            name: name.into(),
            method,
            path: path.into(),
            token: Some(token.to_owned()),
            body: None,
            if_match: None,
            expect: None,
            and: None,
        }
    }

    pub fn get(name: impl Into<String>, token: &str, path: impl Into<String>) -> Call {
        Call::new(name, token, Method::GET, path)
    }

    pub fn post(
        name: impl Into<String>,
        token: &str,
        path: impl Into<String>,
        body: Value,
    ) -> Call {
        Call::new(name, token, Method::POST, path).json(body)
    }

    pub fn patch(
        name: impl Into<String>,
        token: &str,
        path: impl Into<String>,
        body: Value,
    ) -> Call {
        Call::new(name, token, Method::PATCH, path).json(body)
    }

    /// Sends no bearer token.
    pub fn anonymous(mut self) -> Call {
        self.token = None;
        self
    }

    pub fn json(mut self, body: Value) -> Call {
        self.body = Some(body);
        self
    }

    pub fn if_match(mut self, version: i64) -> Call {
        self.if_match = Some(version);
        self
    }

    pub fn expect(mut self, expect: Expect) -> Call {
        self.expect = Some(expect);
        self
    }

    /// A further check of the body, once the expectation is met.
    pub fn and(mut self, check: impl Fn(&Value) -> Result<(), String> + 'static) -> Call {
        self.and = Some(Box::new(check));
        self
    }
}

impl TestApp {
    /// Makes the calls one after another and checks each, recording a mismatch under the
    /// call's name; gives back each call's body, or `None` where it was not as expected.
    pub async fn run_calls(
        &self,
        mismatches: &mut Mismatches,
        calls: impl IntoIterator<Item = Call>,
    ) -> Vec<Option<Value>> {
        let mut bodies = Vec::new();
        for call in calls {
            let case = format!("{} ({} {})", call.name, call.method, call.path);
            let expect = call
                .expect
                .unwrap_or_else(|| panic!("{case}: no expectation"));
            let mut req = self.request(call.method, &call.path, call.token.as_deref());
            if let Some(body) = &call.body {
                req = req.json(body);
            }
            if let Some(version) = call.if_match {
                req = req.header("If-Match", format!("\"{version}\""));
            }
            let res = req.send().await.unwrap();
            let outcome = match (expect.check(res).await, &call.and) {
                (Ok(body), Some(check)) => check(&body).map(|()| body),
                (outcome, _) => outcome,
            };
            bodies.push(mismatches.check(case, outcome));
        }
        bodies
    }

    /// Makes the calls one after another, then fails once naming every call that did not
    /// answer as expected.
    pub async fn check_calls(&self, calls: impl IntoIterator<Item = Call>) {
        let mut mismatches = Mismatches::new();
        self.run_calls(&mut mismatches, calls).await;
        mismatches.assert_none();
    }
}

impl TestApp {
    /// Runs `f` on a connection to the app's database, beside the server: for reading what
    /// the API does not show, or for setting up what only time would bring about.
    pub async fn with_db<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut autocrm_persistence::DbConn) -> T + Send + 'static,
    ) -> T {
        let url = self.db_url.clone();
        tokio::task::spawn_blocking(move || {
            let options = autocrm_persistence::PoolOptions {
                max_size: 1,
                ..Default::default()
            };
            let pool = autocrm_persistence::db::open_pool(&url, &options).unwrap();
            let mut conn = pool.get().unwrap();
            f(&mut conn)
        })
        .await
        .unwrap()
    }

    /// Every row of every table of the app's database as text, one string per row (sorted),
    /// by table: for tests that prove what is, or is no longer, stored anywhere. Tables come
    /// from `sqlite_master` or PostgreSQL's `information_schema`, so a table added later is
    /// read too.
    pub async fn all_rows(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        use diesel::prelude::*;
        use diesel::sql_types::Text;
        #[derive(QueryableByName)]
        struct Name {
            #[diesel(sql_type = Text)]
            name: String,
        }
        #[derive(QueryableByName)]
        struct Body {
            #[diesel(sql_type = Text)]
            body: String,
        }
        let postgres = self.db_url.starts_with("postgres");
        self.with_db(move |conn| {
            let tables = if postgres {
                "SELECT table_name::text AS name FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            } else {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            };
            let tables = diesel::sql_query(tables).load::<Name>(conn).unwrap();
            let mut out = std::collections::BTreeMap::new();
            for table in tables {
                let select = if postgres {
                    format!("SELECT t::text AS body FROM \"{}\" t", table.name)
                } else {
                    let columns = diesel::sql_query(format!(
                        "SELECT name FROM pragma_table_info('{}')",
                        table.name
                    ))
                    .load::<Name>(conn)
                    .unwrap();
                    let values: Vec<String> = columns
                        .iter()
                        .map(|c| format!("coalesce(quote(\"{}\"), '')", c.name))
                        .collect();
                    format!(
                        "SELECT {} AS body FROM \"{}\"",
                        values.join(" || '|' || "),
                        table.name
                    )
                };
                let mut rows: Vec<String> = diesel::sql_query(select)
                    .load::<Body>(conn)
                    .unwrap()
                    .into_iter()
                    .map(|r| r.body)
                    .collect();
                rows.sort();
                out.insert(table.name, rows);
            }
            out
        })
        .await
    }

    /// The audit log's actions on one record, oldest first (read from the database).
    pub async fn audit_actions(&self, entity_type: &str, entity_id: &str) -> Vec<String> {
        let org = self.org_id.clone();
        let (kind, id) = (entity_type.to_owned(), entity_id.to_owned());
        self.with_db(move |conn| {
            autocrm_persistence::models::AuditEntry::list_for_entity(conn, &org, &kind, &id)
                .unwrap()
                .into_iter()
                .map(|e| e.action)
                .collect()
        })
        .await
    }
}

/// Webhooks and the events feed.
impl TestApp {
    /// The server's time.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    /// A second node's application on the same database and clock, with webhooks allowed to
    /// reach loopback (as the apps of the webhook tests are).
    pub async fn second_node(&self) -> autocrm_api::app::App {
        let mut settings = settings(&self.db_url);
        settings.data_dir = self.data_dir.display().to_string();
        settings.webhook_allow_private_targets = true;
        settings.webhook_retry_schedule = "5s,5m".into();
        let clock: Arc<dyn Clock> = self.clock.clone();
        tokio::task::spawn_blocking(move || {
            let pool = open_database(&settings).expect("open the database");
            autocrm_api::startup::application(&settings, pool, clock).expect("app")
        })
        .await
        .unwrap()
    }

    /// A second node's job runner (see `second_node`).
    pub async fn second_runner(&self) -> Arc<autocrm_api::jobs::Runner> {
        autocrm_api::startup::job_runner(self.second_node().await)
    }
}

/// What the database holds, as text.
impl TestApp {
    /// Every row of every table as text (PostgreSQL), or the raw database files (SQLite):
    /// for checking that a value is never stored in clear.
    pub async fn stored_text(&self) -> String {
        if self.db_url.starts_with("postgres") {
            let rows = self.all_rows().await;
            return rows.into_values().flatten().collect::<Vec<_>>().join("\n");
        }
        let path = self.db_url.trim_start_matches("sqlite://").to_owned();
        let mut bytes = Vec::new();
        for file in [path.clone(), format!("{path}-wal")] {
            if let Ok(b) = std::fs::read(&file) {
                bytes.extend(b);
            }
        }
        assert!(bytes.len() > 4096, "the database file was read");
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

/// A fresh VIN with a valid check digit (a BYD WMI, model year 2023, a random serial).
pub fn test_vin() -> String {
    let serial = uuid::Uuid::now_v7().as_u128() % 1_000_000;
    autocrm_domain::vehicle::Vin::with_computed_check_digit(&format!("LGXCE6CB0P0{serial:06}"))
        .expect("a well-formed VIN")
        .as_str()
        .to_owned()
}
