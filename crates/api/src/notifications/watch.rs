//! One poller per node for every open notification stream: each tick it asks, in one
//! statement, for the last notification position of every person with a stream open on this
//! node (`notification_counters`, by primary key), and wakes the streams of those whose
//! position moved; only those streams then read their new notifications. The counter row is
//! written in the same transaction as the notification, so a position the poller sees is a
//! notification the stream can read. Idle streams cost the database nothing.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use autocrm_persistence::models::NotificationRow;
use tokio::sync::watch;

use crate::app::App;

/// People asked about per statement.
const CHUNK: usize = 500;

struct Watched {
    last: i64,
    tx: watch::Sender<i64>,
    streams: usize,
}

#[derive(Default)]
struct State {
    users: HashMap<String, Watched>,
    polling: bool,
}

/// The node's shared poller (in `AppState`); it runs while at least one stream is open.
#[derive(Default)]
pub struct Watcher {
    state: Mutex<State>,
}

/// A stream's interest in one person: the receiver holds the newest position seen.
pub struct Subscription {
    watcher: Arc<Watcher>,
    user_id: String,
    pub latest: watch::Receiver<i64>,
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let mut state = self.watcher.lock();
        if let Some(watched) = state.users.get_mut(&self.user_id) {
            watched.streams -= 1;
            if watched.streams == 0 {
                state.users.remove(&self.user_id);
            }
        }
    }
}

impl Watcher {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain data behind: carry on with it.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Watches `user_id`, whose last position is `known` (read by the caller just now);
    /// starts the poller if it is not running.
    pub fn subscribe(
        self: &Arc<Self>,
        app: &App,
        poll: Duration,
        user_id: &str,
        known: i64,
    ) -> Subscription {
        let (latest, start) = {
            let mut state = self.lock();
            let watched = state
                .users
                .entry(user_id.to_owned())
                .or_insert_with(|| Watched {
                    last: known,
                    tx: watch::channel(known).0,
                    streams: 0,
                });
            watched.streams += 1;
            if known > watched.last {
                watched.last = known;
                watched.tx.send_replace(known);
            }
            let latest = watched.tx.subscribe();
            let start = !state.polling;
            state.polling = true;
            (latest, start)
        };
        if start {
            tokio::spawn(self.clone().poll(app.clone(), poll));
        }
        Subscription {
            watcher: self.clone(),
            user_id: user_id.to_owned(),
            latest,
        }
    }

    /// Polls until no stream is left.
    async fn poll(self: Arc<Self>, app: App, every: Duration) {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            let users: Vec<String> = {
                let mut state = self.lock();
                if state.users.is_empty() {
                    state.polling = false;
                    return;
                }
                state.users.keys().cloned().collect()
            };
            for chunk in users.chunks(CHUNK) {
                let ids = chunk.to_vec();
                let positions = app
                    .connection(move |conn| Ok(NotificationRow::last_positions(conn, &ids)?))
                    .await;
                match positions {
                    Ok(positions) => {
                        let mut state = self.lock();
                        for (user, last) in positions {
                            if let Some(watched) = state.users.get_mut(&user)
                                && last > watched.last
                            {
                                watched.last = last;
                                watched.tx.send_replace(last);
                            }
                        }
                    }
                    // A database away for a moment: the next tick asks again.
                    Err(e) => tracing::warn!(error = %e, "notification poller failed"),
                }
            }
        }
    }
}
