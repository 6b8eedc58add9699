//! The `autocrm` binary: serve, worker, migrate, bootstrap, seed-demo, seed-bulk, rotate-pii-key,
//! openapi.

use std::path::PathBuf;
use std::process::ExitCode;

use autocrm_api::auth::password::PasswordHasher;
use autocrm_api::config::Settings;
use autocrm_api::organization::{bootstrap, demo};
use autocrm_api::startup::{self, Application};
use autocrm_domain::time::{Clock, SystemClock};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "autocrm",
    version,
    about = "AutoCRM: the CRM backend for car dealerships"
)]
struct Cli {
    /// A TOML settings file (also AUTOCRM_CONFIG); environment variables override it.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve the API (the default); runs background jobs too unless
    /// AUTOCRM_RUN_JOBS=false.
    Serve,
    /// Run background jobs only, with no HTTP (as many nodes as wanted on PostgreSQL; one on
    /// SQLite, and then not beside a `serve` that runs jobs).
    Worker,
    /// Run pending migrations and exit.
    Migrate,
    /// Create an organisation and its first admin.
    Bootstrap {
        #[arg(long)]
        org: String,
        #[arg(long)]
        admin_email: String,
        /// Prefer AUTOCRM_ADMIN_PASSWORD, which stays out of the shell history.
        #[arg(long, env = "AUTOCRM_ADMIN_PASSWORD", hide_env_values = true)]
        admin_password: String,
    },
    /// Create the demo organisation, unless it exists.
    SeedDemo {
        /// How many demo customers.
        #[arg(long, default_value_t = 300)]
        customers: usize,
    },
    /// Add many customers to the demo organisation, for benchmarks (after seed-demo; a
    /// million takes minutes on PostgreSQL). Numbered after the customers it has.
    SeedBulk {
        /// How many customers to add.
        #[arg(long, default_value_t = 100_000)]
        customers: usize,
        /// Customers per transaction.
        #[arg(long, default_value_t = 2_000)]
        batch: usize,
        /// Activities on the first new customer's timeline (the 360° view's benchmark).
        #[arg(long, default_value_t = 1_000)]
        timeline_entries: usize,
        /// Cars in stock to add as well (the matching benchmark), spread over the stores.
        #[arg(long, default_value_t = 0)]
        vehicles: usize,
    },
    /// Re-encrypt personal data under the current key (AUTOCRM_PII_KEY, AUTOCRM_PII_KEY_ID)
    /// and rebuild its blind indexes; the old keys stay in AUTOCRM_PII_OLD_KEYS until it is
    /// done. Safe while serving; resumable with --after (the last id it printed).
    RotatePiiKey {
        /// Resume after this customer id.
        #[arg(long)]
        after: Option<String>,
        /// Customers per batch.
        #[arg(long, default_value_t = 500)]
        batch: i64,
    },
    /// Print the OpenAPI document.
    Openapi,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Openapi) = cli.command {
        let doc = autocrm_api::openapi::document();
        return match doc.to_pretty_json() {
            Ok(json) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        };
    }
    let settings = match Settings::load(cli.config.as_deref()) {
        Ok(s) => s,
        Err(e) => return fail(e),
    };
    autocrm_api::telemetry::init(&settings.log_filter, settings.log_json);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(settings),
        Command::Worker => worker(settings),
        Command::Migrate => match startup::open_database(&settings) {
            Ok(_) => {
                eprintln!("migrations are up to date");
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        Command::Bootstrap {
            org,
            admin_email,
            admin_password,
        } => {
            let result = startup::open_database(&settings)
                .map_err(|e| e.to_string())
                .and_then(|pool| pool.get().map_err(|e| e.to_string()))
                .and_then(|mut conn| {
                    let hasher = PasswordHasher::production();
                    let now = SystemClock.now().naive_utc();
                    bootstrap::bootstrap(
                        &mut conn,
                        &hasher,
                        now,
                        &org,
                        &admin_email,
                        &admin_password,
                    )
                    .map_err(|e| e.to_string())
                });
            match result {
                Ok(done) => {
                    println!("organisation {} ({})", done.org.name, done.org.id);
                    println!("admin {} ({})", done.admin.email, done.admin.id);
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::SeedDemo { customers } => {
            if let Err(e) = settings.check_secrets() {
                return fail(e);
            }
            let pii = match settings.pii_cipher() {
                Ok(pii) => pii,
                Err(e) => return fail(e),
            };
            let pool = match startup::open_database(&settings) {
                Ok(pool) => pool,
                Err(e) => return fail(e),
            };
            let result = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                let hasher = PasswordHasher::production();
                let now = SystemClock.now().naive_utc();
                demo::seed(&mut conn, &pii, &hasher, now, customers).map_err(|e| e.to_string())
            });
            match result {
                Ok(summary) => {
                    if summary.created {
                        println!(
                            "demo organisation {:?} created with {} customers",
                            demo::DEMO_ORG,
                            summary.customers
                        );
                        match seed_demo_records(&settings, pool) {
                            Ok((trail, files)) => println!(
                                "  with an audit trail of {trail} entries and {files} attachments"
                            ),
                            Err(e) => return fail(e),
                        }
                    } else {
                        println!("demo organisation {:?} already exists", demo::DEMO_ORG);
                    }
                    println!("demo logins (password {}):", demo::DEMO_PASSWORD);
                    for (email, name, role, _) in demo::DEMO_USERS {
                        println!("  {email:<34} {role:<17} {name}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::SeedBulk {
            customers,
            batch,
            timeline_entries,
            vehicles,
        } => {
            if let Err(e) = settings.check_secrets() {
                return fail(e);
            }
            let pii = match settings.pii_cipher() {
                Ok(pii) => pii,
                Err(e) => return fail(e),
            };
            let pool = match startup::open_database(&settings) {
                Ok(pool) => pool,
                Err(e) => return fail(e),
            };
            let request = autocrm_api::customers::bulk_seed::BulkRequest {
                customers,
                batch,
                timeline_entries,
            };
            let started = std::time::Instant::now();
            if vehicles > 0 {
                let seeded = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                    let now = SystemClock.now().naive_utc();
                    autocrm_api::inventory::matching::bulk::seed_vehicles(
                        &mut conn,
                        now,
                        vehicles,
                        batch,
                        |done| {
                            if done % 50_000 == 0 || done == vehicles {
                                eprintln!(
                                    "  {done} vehicles ({:.0} s)",
                                    started.elapsed().as_secs_f64()
                                );
                            }
                        },
                    )
                    .map_err(|e| e.to_string())
                });
                match seeded {
                    Ok(n) => println!(
                        "added {n} vehicles in {:.1} s",
                        started.elapsed().as_secs_f64()
                    ),
                    Err(e) => return fail(e),
                }
            }
            let result = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                let now = SystemClock.now().naive_utc();
                let mut reported = 0;
                autocrm_api::customers::bulk_seed::seed(&mut conn, &pii, now, &request, |done| {
                    if done - reported >= 100_000 || done == customers {
                        reported = done;
                        eprintln!(
                            "  {done} customers ({:.0} s)",
                            started.elapsed().as_secs_f64()
                        );
                    }
                })
                .map_err(|e| e.to_string())
            });
            match result {
                Ok(summary) => {
                    println!(
                        "added {} customers in {:.1} s; the demo organisation has {}",
                        summary.customers,
                        started.elapsed().as_secs_f64(),
                        summary.total_in_org
                    );
                    if let Some(id) = summary.timeline_customer {
                        println!("customer with {timeline_entries} timeline entries: {id}");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::RotatePiiKey { after, batch } => {
            if let Err(e) = settings.check_secrets() {
                return fail(e);
            }
            let pii = match settings.pii_cipher() {
                Ok(pii) => pii,
                Err(e) => return fail(e),
            };
            let pool = match startup::open_database(&settings) {
                Ok(pool) => pool,
                Err(e) => return fail(e),
            };
            let result = pool.get().map_err(|e| e.to_string()).and_then(|mut conn| {
                autocrm_api::customers::rotation::rotate_customers(
                    &mut conn,
                    &pii,
                    after,
                    batch.max(1),
                    |last, report| {
                        println!(
                            "customers: {} seen, {} rewritten; resume with --after {last}",
                            report.seen, report.rewritten
                        )
                    },
                )
                .map_err(|e| e.to_string())
            });
            match result {
                Ok(report) => {
                    println!(
                        "done: {} customers, {} rewritten under key {:?}",
                        report.seen,
                        report.rewritten,
                        pii.current_key_id()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Command::Openapi => ExitCode::SUCCESS,
    }
}

fn serve(settings: Settings) -> ExitCode {
    if settings.dev {
        tracing::warn!("dev mode: built-in secrets are allowed; never run production like this");
    }
    let listen = settings.listen.clone();
    let app = match Application::build(settings) {
        Ok(app) => app,
        Err(e) => return fail(e),
    };
    tracing::info!(%listen, port = app.port(), "AutoCRM listening");
    let runtime = match actix_web::rt::System::new().block_on(app.run_until_stopped()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    };
    tracing::info!("stopped");
    runtime
}

fn worker(settings: Settings) -> ExitCode {
    if let Err(e) = settings.check_secrets() {
        return fail(e);
    }
    let pool = match startup::open_database(&settings) {
        Ok(pool) => pool,
        Err(e) => return fail(e),
    };
    let app = match startup::application(&settings, pool, std::sync::Arc::new(SystemClock)) {
        Ok(app) => app,
        Err(e) => return fail(e),
    };
    let runner = startup::job_runner(app);
    tracing::info!("AutoCRM worker running background jobs");
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return fail(e),
    };
    runtime.block_on(runner.run(startup::shutdown_signal()));
    tracing::info!("worker stopped");
    ExitCode::SUCCESS
}

/// The demo's audit trail and attachments (uploaded through the real pipeline, so they land
/// in the configured file store, encrypted).
fn seed_demo_records(
    settings: &Settings,
    pool: autocrm_persistence::DbPool,
) -> Result<(usize, usize), String> {
    let org = {
        let mut conn = pool.get().map_err(|e| e.to_string())?;
        let org =
            autocrm_persistence::models::Organization::find_by_name(&mut conn, demo::DEMO_ORG)
                .map_err(|e| e.to_string())?
                .ok_or("the demo organisation is missing")?;
        let trail =
            autocrm_api::audit::demo::seed_trail(&mut conn, &org.id).map_err(|e| e.to_string())?;
        (org.id, trail)
    };
    let app = startup::application(settings, pool, std::sync::Arc::new(SystemClock))
        .map_err(|e| e.to_string())?;
    // Leads first: their prospects are the newest customers, and the demo attachments go to
    // the newest.
    let system = autocrm_api::app::Actor::System {
        org_id: org.0.clone(),
        name: "demo",
    };
    app.write_now(
        &system,
        &autocrm_api::app::RequestMeta::default(),
        autocrm_api::leads::demo::seed,
    )
    .map_err(|e| e.to_string())?;
    app.write_now(
        &system,
        &autocrm_api::app::RequestMeta::default(),
        autocrm_api::sales::showroom::demo::seed,
    )
    .map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let files = runtime
        .block_on(autocrm_api::attachments::demo::seed(&app, &org.0))
        .map_err(|e| e.to_string())?;
    app.write_now(
        &system,
        &autocrm_api::app::RequestMeta::default(),
        autocrm_api::inventory::demo::seed,
    )
    .map_err(|e| e.to_string())?;
    Ok((org.1, files))
}

fn fail(e: impl std::fmt::Display) -> ExitCode {
    eprintln!("autocrm: {e}");
    ExitCode::FAILURE
}
