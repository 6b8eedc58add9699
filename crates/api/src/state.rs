//! What every handler shares: the application (pool, clock, PII cipher), the token keys, the
//! password hasher and the settings.

use std::sync::Arc;

use crate::app::App;
use crate::auth::jwt::JwtKeys;
use crate::auth::password::PasswordHasher;
use crate::config::Settings;

pub struct AppState {
    pub app: App,
    pub jwt: JwtKeys,
    pub passwords: PasswordHasher,
    pub settings: Arc<Settings>,
    /// The node's shared poller for open notification streams.
    pub notifications: Arc<crate::notifications::watch::Watcher>,
    /// WeChat's login-code exchange, for mini-program sign-in.
    pub wechat: Arc<crate::customer_auth::wechat::CodeExchange>,
}
