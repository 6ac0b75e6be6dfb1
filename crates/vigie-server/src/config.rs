//! Server configuration: built-in defaults, overridden by a TOML file (`--config FILE`), then
//! by environment variables, then by command-line flags.
//!
//! | key (TOML) | environment | flag | default |
//! |---|---|---|---|
//! | `listen` | `VIGIE_LISTEN` | `--listen` | `127.0.0.1:8080` |
//! | `data` | `VIGIE_DATA` | `--data` | `./vigie-data` |
//! | `banks` | `VIGIE_BANKS` | `--banks` | none (`DATA/banks` if it exists) |
//! | `body_limit` | `VIGIE_BODY_LIMIT` | `--body-limit` | 16 MiB |
//! | `batch_limit` | `VIGIE_BATCH_LIMIT` | `--batch-limit` | 1000 items |
//! | `media_limit` | `VIGIE_MEDIA_LIMIT` | `--media-limit` | 8 MiB per file |
//! | `rate_per_second` | `VIGIE_RATE_PER_SECOND` | `--rate-per-second` | 5000 (0: no limit) |
//! | `rate_burst` | `VIGIE_RATE_BURST` | `--rate-burst` | 10000 |
//! | `text_retention_days` | `VIGIE_TEXT_RETENTION_DAYS` | `--text-retention-days` | 30 |
//! | `webhook_urls` | `VIGIE_WEBHOOK_URLS` (comma separated) | `--webhook-url` (repeated) | none |
//! | `webhook_secret` | `VIGIE_WEBHOOK_SECRET` | (none: keep secrets off the command line) | none |
//! | `webhook_ca_file` | `VIGIE_WEBHOOK_CA_FILE` | `--webhook-ca-file` | none (Mozilla's roots only) |

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Everything `vigie serve` can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Folder holding the SQLite database (`vigie.db`, WAL mode).
    pub data: PathBuf,
    /// Folder of file banks (`docs/hash-banks.md`), imported once into a database that never
    /// held a bank; `None` uses `DATA/banks` when it exists.
    pub banks: Option<PathBuf>,
    /// Largest request body, in bytes (413 above).
    pub body_limit: usize,
    /// Most items in one `/v1/items:batch` request (413 above).
    pub batch_limit: usize,
    /// Largest uploaded media file, in bytes (413 above).
    pub media_limit: usize,
    /// Requests per second allowed per token, on average (0 disables the limit).
    pub rate_per_second: f64,
    /// Requests a token may make at once before the rate applies.
    pub rate_burst: u32,
    /// Days an item's text is kept before it is erased (decisions are kept).
    pub text_retention_days: u32,
    /// URLs that receive action webhooks.
    pub webhook_urls: Vec<String>,
    /// Secret for the `X-Vigie-Signature` HMAC-SHA256 of webhook bodies.
    pub webhook_secret: Option<String>,
    /// PEM file of extra root certificates trusted for `https://` webhooks (a private CA),
    /// on top of Mozilla's roots.
    pub webhook_ca_file: Option<PathBuf>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: PathBuf::from("./vigie-data"),
            banks: None,
            body_limit: 16 << 20,
            batch_limit: 1000,
            media_limit: 8 << 20,
            rate_per_second: 5000.0,
            rate_burst: 10000,
            text_retention_days: 30,
            webhook_urls: Vec::new(),
            webhook_secret: None,
            webhook_ca_file: None,
        }
    }
}

/// The flags of `vigie serve` (for the `vigie` binary to flatten into its subcommand).
#[derive(Debug, Clone, Default, clap::Args)]
#[command(after_long_help = ENV_HELP)]
pub struct ServeArgs {
    /// TOML configuration file (keys as in the environment variables, lower case without
    /// `VIGIE_`: `listen = "0.0.0.0:8080"`, `data = "/var/lib/vigie"`...).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on [env: VIGIE_LISTEN] [default: 127.0.0.1:8080].
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Data folder holding the SQLite database [env: VIGIE_DATA] [default: ./vigie-data].
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// File banks to import once into the database [env: VIGIE_BANKS] [default: DATA/banks if it exists].
    #[arg(long, value_name = "DIR")]
    pub banks: Option<PathBuf>,
    /// Largest request body in bytes [env: VIGIE_BODY_LIMIT] [default: 16777216].
    #[arg(long, value_name = "BYTES")]
    pub body_limit: Option<usize>,
    /// Most items in one batch request [env: VIGIE_BATCH_LIMIT] [default: 1000].
    #[arg(long, value_name = "N")]
    pub batch_limit: Option<usize>,
    /// Largest uploaded media file in bytes [env: VIGIE_MEDIA_LIMIT] [default: 8388608].
    #[arg(long, value_name = "BYTES")]
    pub media_limit: Option<usize>,
    /// Requests per second per token, 0 for no limit [env: VIGIE_RATE_PER_SECOND] [default: 5000].
    #[arg(long, value_name = "N")]
    pub rate_per_second: Option<f64>,
    /// Burst of requests per token [env: VIGIE_RATE_BURST] [default: 10000].
    #[arg(long, value_name = "N")]
    pub rate_burst: Option<u32>,
    /// Days item texts are kept [env: VIGIE_TEXT_RETENTION_DAYS] [default: 30].
    #[arg(long, value_name = "DAYS")]
    pub text_retention_days: Option<u32>,
    /// Webhook URL for actions, repeatable [env: VIGIE_WEBHOOK_URLS, comma separated].
    #[arg(long = "webhook-url", value_name = "URL")]
    pub webhook_urls: Vec<String>,
    /// PEM file of extra trusted root certificates for https:// webhooks [env:
    /// VIGIE_WEBHOOK_CA_FILE].
    #[arg(long, value_name = "FILE")]
    pub webhook_ca_file: Option<PathBuf>,
}

/// The environment variables, for `--help`.
pub const ENV_HELP: &str = "\
Configuration: built-in defaults < TOML file (--config) < environment < flags.
Environment variables:
  VIGIE_LISTEN               address to listen on (127.0.0.1:8080)
  VIGIE_DATA                 data folder with the SQLite database (./vigie-data)
  VIGIE_BANKS                file banks imported once (DATA/banks if it exists)
  VIGIE_BODY_LIMIT           largest request body in bytes (16777216)
  VIGIE_BATCH_LIMIT          most items per batch request (1000)
  VIGIE_MEDIA_LIMIT          largest uploaded media file in bytes (8388608)
  VIGIE_RATE_PER_SECOND      requests per second per token, 0 = unlimited (5000)
  VIGIE_RATE_BURST           burst per token (10000)
  VIGIE_TEXT_RETENTION_DAYS  days item texts are kept (30)
  VIGIE_WEBHOOK_URLS         webhook URLs, comma separated
  VIGIE_WEBHOOK_SECRET       HMAC-SHA256 secret for webhook signatures
  VIGIE_WEBHOOK_CA_FILE      PEM file of extra root certificates for https:// webhooks";

/// A configuration problem, naming the source and the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The TOML file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The TOML file is invalid.
    #[error("invalid config file {path}: {message}")]
    Toml {
        /// The file.
        path: PathBuf,
        /// The parser's message (names the key).
        message: String,
    },
    /// An environment variable has a bad value.
    #[error("invalid value for {var}: {message}")]
    Env {
        /// The variable.
        var: &'static str,
        /// Why.
        message: String,
    },
}

impl ServerConfig {
    /// Defaults < `args.config` < the process environment < `args`.
    pub fn load(args: &ServeArgs) -> Result<ServerConfig, ConfigError> {
        ServerConfig::load_with(args, |name| std::env::var(name).ok())
    }

    /// Like [`ServerConfig::load`], with the environment given as a lookup function.
    pub fn load_with(
        args: &ServeArgs,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ServerConfig, ConfigError> {
        let mut config = match &args.config {
            Some(path) => ServerConfig::from_toml_file(path)?,
            None => ServerConfig::default(),
        };
        config.apply_env(env)?;
        config.apply_args(args);
        Ok(config)
    }

    /// Reads a TOML file over the defaults.
    pub fn from_toml_file(path: &Path) -> Result<ServerConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        toml::from_str(&text).map_err(|e| ConfigError::Toml {
            path: path.to_path_buf(),
            message: e.to_string(),
        })
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(
            var: &'static str,
            value: Option<String>,
        ) -> Result<Option<T>, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            match value {
                None => Ok(None),
                Some(v) => v
                    .trim()
                    .parse()
                    .map(Some)
                    .map_err(|e: T::Err| ConfigError::Env {
                        var,
                        message: format!("{v:?}: {e}"),
                    }),
            }
        }
        if let Some(v) = parse("VIGIE_LISTEN", env("VIGIE_LISTEN"))? {
            self.listen = v;
        }
        if let Some(v) = env("VIGIE_DATA") {
            self.data = PathBuf::from(v);
        }
        if let Some(v) = env("VIGIE_BANKS") {
            self.banks = Some(PathBuf::from(v));
        }
        if let Some(v) = parse("VIGIE_BODY_LIMIT", env("VIGIE_BODY_LIMIT"))? {
            self.body_limit = v;
        }
        if let Some(v) = parse("VIGIE_BATCH_LIMIT", env("VIGIE_BATCH_LIMIT"))? {
            self.batch_limit = v;
        }
        if let Some(v) = parse("VIGIE_MEDIA_LIMIT", env("VIGIE_MEDIA_LIMIT"))? {
            self.media_limit = v;
        }
        if let Some(v) = parse("VIGIE_RATE_PER_SECOND", env("VIGIE_RATE_PER_SECOND"))? {
            self.rate_per_second = v;
        }
        if let Some(v) = parse("VIGIE_RATE_BURST", env("VIGIE_RATE_BURST"))? {
            self.rate_burst = v;
        }
        if let Some(v) = parse(
            "VIGIE_TEXT_RETENTION_DAYS",
            env("VIGIE_TEXT_RETENTION_DAYS"),
        )? {
            self.text_retention_days = v;
        }
        if let Some(v) = env("VIGIE_WEBHOOK_URLS") {
            self.webhook_urls = v
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect();
        }
        if let Some(v) = env("VIGIE_WEBHOOK_SECRET") {
            self.webhook_secret = Some(v);
        }
        if let Some(v) = env("VIGIE_WEBHOOK_CA_FILE") {
            self.webhook_ca_file = Some(PathBuf::from(v));
        }
        Ok(())
    }

    fn apply_args(&mut self, args: &ServeArgs) {
        if let Some(v) = args.listen {
            self.listen = v;
        }
        if let Some(v) = &args.data {
            self.data = v.clone();
        }
        if let Some(v) = &args.banks {
            self.banks = Some(v.clone());
        }
        if let Some(v) = args.body_limit {
            self.body_limit = v;
        }
        if let Some(v) = args.batch_limit {
            self.batch_limit = v;
        }
        if let Some(v) = args.media_limit {
            self.media_limit = v;
        }
        if let Some(v) = args.rate_per_second {
            self.rate_per_second = v;
        }
        if let Some(v) = args.rate_burst {
            self.rate_burst = v;
        }
        if let Some(v) = args.text_retention_days {
            self.text_retention_days = v;
        }
        if !args.webhook_urls.is_empty() {
            self.webhook_urls = args.webhook_urls.clone();
        }
        if let Some(v) = &args.webhook_ca_file {
            self.webhook_ca_file = Some(v.clone());
        }
    }

    /// The bank folder in use: `banks`, else `DATA/banks` when it exists.
    pub fn banks_dir(&self) -> Option<PathBuf> {
        match &self.banks {
            Some(dir) => Some(dir.clone()),
            None => {
                let dir = self.data.join("banks");
                dir.is_dir().then_some(dir)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn precedence_defaults_file_env_flags() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("vigie.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndata = \"/from-file\"\nbatch_limit = 10\nrate_burst = 7\n",
        )
        .unwrap();
        let env: HashMap<&str, &str> = [("VIGIE_DATA", "/from-env"), ("VIGIE_BATCH_LIMIT", "20")]
            .into_iter()
            .collect();
        let args = ServeArgs {
            config: Some(file),
            batch_limit: Some(30),
            ..ServeArgs::default()
        };
        let config = ServerConfig::load_with(&args, |k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:9000"); // file
        assert_eq!(config.data, PathBuf::from("/from-env")); // env over file
        assert_eq!(config.batch_limit, 30); // flag over env
        assert_eq!(config.rate_burst, 7); // file over default
        assert_eq!(config.body_limit, 16 << 20); // default
    }

    #[test]
    fn webhook_ca_file_from_env_then_flag() {
        let env = |k: &str| (k == "VIGIE_WEBHOOK_CA_FILE").then(|| "/env/ca.pem".to_string());
        let config = ServerConfig::load_with(&ServeArgs::default(), env).unwrap();
        assert_eq!(config.webhook_ca_file, Some(PathBuf::from("/env/ca.pem")));
        let args = ServeArgs {
            webhook_ca_file: Some(PathBuf::from("/flag/ca.pem")),
            ..ServeArgs::default()
        };
        let config = ServerConfig::load_with(&args, env).unwrap();
        assert_eq!(config.webhook_ca_file, Some(PathBuf::from("/flag/ca.pem")));
        let config: ServerConfig = toml::from_str("webhook_ca_file = \"/file/ca.pem\"").unwrap();
        assert_eq!(config.webhook_ca_file, Some(PathBuf::from("/file/ca.pem")));
        assert!(ENV_HELP.contains("VIGIE_WEBHOOK_CA_FILE"));
    }

    #[test]
    fn bad_values_name_the_source() {
        let err = ServerConfig::load_with(&ServeArgs::default(), |k| {
            (k == "VIGIE_LISTEN").then(|| "nowhere".to_string())
        })
        .unwrap_err();
        assert!(err.to_string().contains("VIGIE_LISTEN"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "lisen = \"x\"\n").unwrap();
        let err = ServerConfig::from_toml_file(&file).unwrap_err();
        assert!(err.to_string().contains("lisen"), "{err}");
    }
}
