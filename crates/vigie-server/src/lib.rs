//! Vigie's HTTP server (`vigie serve`): the engine, the store and the hash banks behind a JSON
//! API, with an OpenAPI document generated from the code at `/openapi.json`.
//!
//! Entry points for the CLI: [`serve_blocking`] (`vigie serve`), [`create_token`]
//! (`vigie token create`) and [`verify_audit`] (`vigie audit verify`). Configuration:
//! [`ServerConfig`] (defaults < TOML file < environment < flags, see [`config`]).

pub mod api;
pub mod auth;
pub mod banks;
pub mod body;
pub mod cli;
pub mod config;
pub mod console;
pub mod error;
pub mod evidence;
pub mod hma;
pub mod metrics;
pub mod openapi;
pub mod ratelimit;
pub mod reports;
pub mod review;
pub mod webhooks;

pub use auth::{Principal, Scope};
pub use cli::{run_audit_verify, run_serve, run_token_create, AuditVerifyArgs, TokenCreateArgs};
pub use config::{ServeArgs, ServerConfig};
pub use error::ApiError;

use anyhow::Context;
use std::path::Path;
use std::sync::Arc;
use vigie_engine::Engine;
use vigie_store::{RetentionPolicy, SqliteStore, Store, StoreOptions};

/// Everything the handlers share.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    engine: std::sync::RwLock<Arc<Engine>>,
    bank_set: std::sync::Mutex<Option<vigie_index::BankSet>>,
    store: Arc<dyn Store>,
    /// The same database, holding the hash banks.
    bank_store: Arc<dyn vigie_index::BankPersistence>,
    config: ServerConfig,
    metrics: metrics::Metrics,
    limiter: ratelimit::RateLimiter,
    /// Tokens recently authenticated, so most requests skip the database; an entry lives
    /// [`TOKEN_CACHE_TTL`], so a token revoked elsewhere stops working within that time.
    token_cache:
        std::sync::Mutex<std::collections::HashMap<String, (Principal, std::time::Instant)>>,
}

/// How long an authenticated token is trusted without asking the store again.
pub const TOKEN_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(2);

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Opens the store under `config.data` (creating it and running migrations), loads the
    /// embedded engine and the hash banks (kept in the store; file banks in `--banks DIR` or
    /// `DATA/banks` are imported once, into a database that never held banks).
    pub fn open(config: ServerConfig) -> anyhow::Result<AppState> {
        let store = open_sqlite(&config)?;
        import_file_banks(&config, &store)?;
        let mut engine = Engine::embedded().context("loading the embedded engine data")?;
        let banks = vigie_index::BankSet::open_with(store.clone())
            .context("opening the hash banks in the database")?;
        for problem in banks.load_problems() {
            eprintln!("vigie: hash banks: {problem}");
        }
        if !banks.is_empty() {
            engine = engine.with_banks(Arc::new(banks));
        }
        Ok(AppState::from_parts(config, Arc::new(engine), store))
    }

    /// Like [`AppState::open`] with an engine already loaded (tests share one).
    pub fn with_engine(config: ServerConfig, engine: Arc<Engine>) -> anyhow::Result<AppState> {
        let store = open_sqlite(&config)?;
        import_file_banks(&config, &store)?;
        Ok(AppState::from_parts(config, engine, store))
    }

    fn from_parts(config: ServerConfig, engine: Arc<Engine>, sqlite: Arc<SqliteStore>) -> AppState {
        let store: Arc<dyn Store> = sqlite.clone();
        let limiter = ratelimit::RateLimiter::new(config.rate_per_second, config.rate_burst);
        AppState {
            inner: Arc::new(Inner {
                engine: std::sync::RwLock::new(engine),
                bank_set: std::sync::Mutex::new(None),
                store,
                bank_store: sqlite,
                config,
                metrics: metrics::Metrics::default(),
                limiter,
                token_cache: Default::default(),
            }),
        }
    }

    /// Revokes a token and forgets it at once (a token revoked by another process, such as
    /// `vigie token revoke`, stops working within [`TOKEN_CACHE_TTL`]).
    pub fn revoke_token(&self, token_id: i64, actor: &str) -> anyhow::Result<bool> {
        let revoked = self.store().revoke_token(token_id, actor)?;
        self.inner.token_cache.lock().expect("token cache").clear();
        Ok(revoked)
    }

    /// The engine in use (swapped when the banks change).
    pub fn engine(&self) -> Arc<Engine> {
        self.inner
            .engine
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The writable bank set (opened from the store on first use).
    pub fn bank_set(
        &self,
    ) -> anyhow::Result<std::sync::MutexGuard<'_, Option<vigie_index::BankSet>>> {
        let mut guard = self
            .inner
            .bank_set
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if guard.is_none() {
            let set = vigie_index::BankSet::open_with(self.inner.bank_store.clone())
                .context("opening the hash banks in the database")?;
            *guard = Some(set);
        }
        Ok(guard)
    }

    /// Rebuilds the engine over the banks as stored (`set` reopened) and swaps it in.
    pub fn reload_banks(&self, set: &vigie_index::BankSet) -> anyhow::Result<()> {
        let banks = set.reopen().context("reopening the hash banks")?;
        let engine = Engine::embedded()
            .context("loading the embedded engine data")?
            .with_banks(Arc::new(banks));
        *self.inner.engine.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(engine);
        Ok(())
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// The metrics.
    pub fn metrics(&self) -> &metrics::Metrics {
        &self.inner.metrics
    }

    /// Checks the bearer token, the scope and the token's rate limit.
    pub async fn authorize(
        &self,
        headers: &axum::http::HeaderMap,
        scope: Scope,
    ) -> Result<Principal, ApiError> {
        self.authorize_any(headers, &[scope]).await
    }

    /// Like [`AppState::authorize`], for endpoints any of several scopes opens.
    pub async fn authorize_any(
        &self,
        headers: &axum::http::HeaderMap,
        scopes: &[Scope],
    ) -> Result<Principal, ApiError> {
        let token = auth::bearer(headers)?.to_string();
        let cached = {
            let cache = self.inner.token_cache.lock().expect("token cache");
            cache
                .get(&token)
                .filter(|(_, at)| at.elapsed() < TOKEN_CACHE_TTL)
                .map(|(p, _)| p.clone())
        };
        let principal = match cached {
            Some(p) => p,
            None => {
                let state = self.clone();
                let key = token.clone();
                let p = tokio::task::spawn_blocking(move || state.store().authenticate(&key))
                    .await
                    .map_err(ApiError::internal)?
                    .map_err(ApiError::internal)?
                    .ok_or_else(|| auth::unauthorized("unknown or revoked token"))?;
                let mut cache = self.inner.token_cache.lock().expect("token cache");
                if cache.len() > 10_000 {
                    cache.retain(|_, (_, at)| at.elapsed() < TOKEN_CACHE_TTL);
                }
                cache.insert(token, (p.clone(), std::time::Instant::now()));
                p
            }
        };
        if !scopes.iter().any(|scope| principal.allows(*scope)) {
            return Err(auth::forbidden(scopes));
        }
        if let Err(wait) = self.inner.limiter.check(&principal.id.to_string()) {
            let mut err = ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "over the rate limit of {} requests per second (burst {}) for this token",
                    self.inner.config.rate_per_second, self.inner.config.rate_burst
                ),
            )
            .with_limit(self.inner.config.rate_per_second.ceil() as u64);
            err.retry_after = Some(wait);
            return Err(err);
        }
        Ok(principal)
    }
}

/// The whole API.
pub fn router(state: AppState) -> axum::Router {
    api::router(state)
}

/// Serves until SIGTERM or ctrl-c, then finishes the requests in flight.
pub async fn serve(config: ServerConfig) -> anyhow::Result<()> {
    let listen = config.listen;
    anyhow::ensure!(
        config.webhook_urls.is_empty() || config.webhook_secret.is_some(),
        "webhook URLs are set but no secret: set VIGIE_WEBHOOK_SECRET (or webhook_secret in the config file)"
    );
    if let Some(ca) = &config.webhook_ca_file {
        webhooks::tls_config(Some(ca)).map_err(|e| anyhow::anyhow!("webhook_ca_file: {e}"))?;
    }
    let state = tokio::task::spawn_blocking(move || AppState::open(config))
        .await
        .context("loading the server state")??;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    eprintln!(
        "vigie: listening on http://{}",
        listener.local_addr().unwrap_or(listen)
    );
    let worker = webhooks::spawn_worker(state.clone());
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("serving");
    worker.abort();
    served?;
    eprintln!("vigie: stopped");
    Ok(())
}

/// [`serve`] on a new multi-threaded runtime (for `vigie serve`).
pub fn serve_blocking(config: ServerConfig) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(serve(config))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    eprintln!("vigie: shutting down, finishing requests in flight");
}

/// Creates an API token in the store under `data_dir` and returns it (shown once; only its
/// hash is stored). `vigie token create --data DIR --scope SCOPE --name NAME` prints it alone.
pub fn create_token(
    data_dir: &Path,
    scopes: &[Scope],
    name: &str,
    trusted_flagger: bool,
) -> anyhow::Result<String> {
    anyhow::ensure!(!scopes.is_empty(), "a token needs at least one scope");
    anyhow::ensure!(
        !name.trim().is_empty(),
        "a token needs a name: it says who holds it"
    );
    let config = ServerConfig {
        data: data_dir.to_path_buf(),
        ..ServerConfig::default()
    };
    let token = open_store(&config)?.create_token(name, scopes, trusted_flagger)?;
    Ok(token)
}

/// Parses scope names (`ingest,search` or repeated flags) for `vigie token create`.
pub fn parse_scopes<S: AsRef<str>>(names: &[S]) -> anyhow::Result<Vec<Scope>> {
    let mut scopes = Vec::new();
    for name in names.iter().flat_map(|n| n.as_ref().split(',')) {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let scope: Scope = name.parse()?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    Ok(scopes)
}

/// Checks the hash chain of the audit log under `data_dir` (`vigie audit verify`).
pub fn verify_audit(data_dir: &Path) -> anyhow::Result<vigie_store::AuditReport> {
    let config = ServerConfig {
        data: data_dir.to_path_buf(),
        ..ServerConfig::default()
    };
    let report = open_store(&config)?.verify_audit()?;
    Ok(report)
}

/// Opens (creating, migrating) the SQLite store under `config.data`.
pub fn open_store(config: &ServerConfig) -> anyhow::Result<Arc<dyn Store>> {
    Ok(open_sqlite(config)?)
}

fn open_sqlite(config: &ServerConfig) -> anyhow::Result<Arc<SqliteStore>> {
    let options = StoreOptions {
        retention: RetentionPolicy {
            item_text_days: config.text_retention_days,
            item_days: None,
        },
        webhook_urls: config.webhook_urls.clone(),
        ..StoreOptions::default()
    };
    let store = SqliteStore::open(&config.data, options)
        .with_context(|| format!("opening the store in {}", config.data.display()))?;
    Ok(Arc::new(store))
}

/// Copies the file banks of `--banks DIR` or `DATA/banks` into the store, once: only when the
/// store has never held a bank. The files are left as they are and no longer read.
fn import_file_banks(config: &ServerConfig, store: &SqliteStore) -> anyhow::Result<()> {
    use vigie_index::BankPersistence;
    let Some(dir) = config.banks_dir().filter(|dir| dir.is_dir()) else {
        return Ok(());
    };
    if store
        .has_bank_history()
        .context("looking for hash banks in the store")?
    {
        return Ok(());
    }
    let files = vigie_index::BankSet::open(&dir)
        .with_context(|| format!("opening the file banks in {}", dir.display()))?;
    for problem in files.load_problems() {
        eprintln!("vigie: file banks: {problem}");
    }
    if files.is_empty() {
        return Ok(());
    }
    let mut entries = 0;
    for bank in files.banks() {
        let info = bank.info();
        let list: Vec<&vigie_index::Entry> = bank.entries().collect();
        entries += list.len();
        store
            .create_bank(&info)
            .and_then(|()| store.save_bank(&info, &list))
            .with_context(|| format!("importing bank {} into the store", info.name))?;
    }
    eprintln!(
        "vigie: imported {} hash bank(s), {entries} entries, from {} into the database; \
         the server now keeps its banks there and no longer reads these files",
        files.len(),
        dir.display()
    );
    Ok(())
}
