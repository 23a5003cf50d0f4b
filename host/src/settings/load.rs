//! Building the effective settings: defaults, then the config file, then
//! environment variables and flags (which the command line parser has
//! already merged, flag over variable).

use super::{Settings, Spec};
use std::path::{Path, PathBuf};

/// Why the settings could not be built. Each names where the bad value
/// came from: the file and line, or the flag.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A syntax error, an unknown key or a wrong type; toml's message
    /// gives the line, the column and the key.
    #[error("bad config file {}: {message}", path.display())]
    File { path: PathBuf, message: String },
    #[error("{origin}: `{key}` {message}")]
    Value {
        origin: String,
        key: String,
        message: String,
    },
    #[error("--{flag}: {message}")]
    Flag { flag: String, message: String },
}

/// Values given by flag or environment variable, to lay over the file.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    values: Vec<(Spec, String)>,
}

impl Overrides {
    /// Sets `spec` to the flag's text.
    pub fn push(&mut self, spec: Spec, text: String) {
        self.values.push((spec, text));
    }

    fn apply(&self, table: &mut toml::Table) -> Result<(), SettingsError> {
        for (spec, text) in &self.values {
            let value = (spec.parse)(text).map_err(|message| SettingsError::Flag {
                flag: spec.flag.clone(),
                message,
            })?;
            let section = table
                .entry(spec.section)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let toml::Value::Table(section) = section {
                section.insert(spec.key.clone(), value);
            }
        }
        Ok(())
    }

    fn given(&self, spec: &Spec) -> bool {
        self.values
            .iter()
            .any(|(given, _)| given.section == spec.section && given.key == spec.key)
    }
}

/// Reads and checks a config file on its own.
pub fn parse_file(path: &Path) -> Result<Settings, SettingsError> {
    let text = read(path)?;
    let settings = from_text(path, &text)?;
    validate(&settings, &|spec| file_origin(path, &text, spec))?;
    Ok(settings)
}

/// The effective settings: defaults, overlaid by `file` (if given), then
/// by `overrides`.
pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Settings, SettingsError> {
    let text = file.map(read).transpose()?;
    let mut table = match (file, &text) {
        (Some(path), Some(text)) => {
            // Parsed once as settings for errors with lines and keys.
            let settings = from_text(path, text)?;
            match toml::Value::try_from(&settings).expect("settings serialize") {
                toml::Value::Table(table) => table,
                _ => unreachable!("settings serialize to a table"),
            }
        }
        _ => toml::Table::new(),
    };
    overrides.apply(&mut table)?;
    let settings: Settings =
        toml::Value::Table(table)
            .try_into()
            .map_err(|err| SettingsError::Flag {
                flag: "(flags)".into(),
                message: err.to_string(),
            })?;
    validate(&settings, &|spec| match (file, &text) {
        _ if overrides.given(spec) => format!("--{}", spec.flag),
        (Some(path), Some(text)) => file_origin(path, text, spec),
        _ => "default".into(),
    })?;
    Ok(settings)
}

fn read(path: &Path) -> Result<String, SettingsError> {
    std::fs::read_to_string(path).map_err(|source| SettingsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn from_text(path: &Path, text: &str) -> Result<Settings, SettingsError> {
    toml::from_str(text).map_err(|err| SettingsError::File {
        path: path.to_owned(),
        message: err.to_string().trim_end().to_owned(),
    })
}

/// `FILE line N` where the file sets `spec`, else just the file.
fn file_origin(path: &Path, text: &str, spec: &Spec) -> String {
    let mut section = "";
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim();
        } else if section == spec.section
            && line
                .split_once('=')
                .is_some_and(|(key, _)| key.trim() == spec.key)
        {
            return format!("{} line {}", path.display(), n + 1);
        }
    }
    path.display().to_string()
}

/// Values that parse but make no sense.
fn validate(settings: &Settings, origin: &dyn Fn(&Spec) -> String) -> Result<(), SettingsError> {
    let specs = Settings::specs();
    let fail = |section: &str, key: &str, message: &str| {
        let spec = specs
            .iter()
            .find(|s| s.section == section && s.key == key)
            .expect("validated keys exist");
        Err(SettingsError::Value {
            origin: origin(spec),
            key: format!("{section}.{key}"),
            message: message.to_owned(),
        })
    };
    let limits = &settings.limits;
    if limits.memory_limit_mib == 0 {
        return fail("limits", "memory-limit-mib", "must be at least 1");
    }
    if limits.max_concurrent_calls == 0 {
        return fail("limits", "max-concurrent-calls", "must be at least 1");
    }
    if !(limits.warm_idle_timeout >= 0.0 && limits.warm_idle_timeout.is_finite()) {
        return fail("limits", "warm-idle-timeout", "must be a number of seconds");
    }
    if limits.warm_max_calls == 0 {
        return fail("limits", "warm-max-calls", "must be at least 1");
    }
    if !["text", "json"].contains(&settings.log.format.as_str()) {
        return fail("log", "format", "must be `text` or `json`");
    }
    if settings.jobs.concurrency == 0 {
        return fail("jobs", "concurrency", "must be at least 1");
    }
    if settings.jobs.max_attempts == 0 {
        return fail("jobs", "max-attempts", "must be at least 1");
    }
    let connections = &settings.connections;
    if connections.read_buffer_size < 64 {
        return fail("connections", "read-buffer-size", "must be at least 64");
    }
    if connections.outbound_queue == 0 {
        return fail("connections", "outbound-queue", "must be at least 1");
    }
    if connections.max_message_size == 0 {
        return fail("connections", "max-message-size", "must be at least 1");
    }
    let edge = &settings.edge;
    if !(edge.message_rate >= 0.0 && edge.message_rate.is_finite()) {
        return fail(
            "edge",
            "message-rate",
            "must be 0 (off) or a positive number",
        );
    }
    if edge.message_rate > 0.0 && edge.message_burst == 0 {
        return fail("edge", "message-burst", "must be at least 1");
    }
    if edge.rate_limit_refusals == 0 {
        return fail("edge", "rate-limit-refusals", "must be at least 1");
    }
    if edge.max_connections == Some(0) {
        return fail("edge", "max-connections", "must be at least 1");
    }
    let jwt = &settings.jwt;
    let keys = [
        jwt.secret.is_some(),
        jwt.public_key.is_some(),
        jwt.jwks.is_some(),
        jwt.jwks_url.is_some(),
    ];
    if keys.iter().filter(|&&set| set).count() > 1 {
        return fail(
            "jwt",
            "secret",
            "is one of secret, public-key, jwks and jwks-url: give only one",
        );
    }
    if jwt.secret.as_deref() == Some("") {
        return fail("jwt", "secret", "is empty");
    }
    if jwt.allow_anonymous && !keys.contains(&true) {
        return fail(
            "jwt",
            "allow-anonymous",
            "needs a JWT key (secret, public-key, jwks or jwks-url)",
        );
    }
    for (key, set) in [("audience", &jwt.audience), ("issuer", &jwt.issuer)] {
        if !set.is_empty() && !keys.contains(&true) {
            return fail(
                "jwt",
                key,
                "needs a JWT key (secret, public-key, jwks or jwks-url)",
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(flag: &str) -> Spec {
        Settings::specs()
            .into_iter()
            .find(|s| s.flag == flag)
            .unwrap()
    }

    fn file(text: &str) -> tempfile_path::TempFile {
        tempfile_path::TempFile::new(text)
    }

    /// A file in the temp folder, removed on drop.
    mod tempfile_path {
        pub struct TempFile(pub std::path::PathBuf);
        impl TempFile {
            pub fn new(text: &str) -> TempFile {
                use std::sync::atomic::{AtomicU32, Ordering};
                static N: AtomicU32 = AtomicU32::new(0);
                let path = std::env::temp_dir().join(format!(
                    "switchboard-settings-{}-{}.toml",
                    std::process::id(),
                    N.fetch_add(1, Ordering::Relaxed)
                ));
                std::fs::write(&path, text).unwrap();
                TempFile(path)
            }
        }
        impl Drop for TempFile {
            fn drop(&mut self) {
                let _ = std::fs::remove_file(&self.0);
            }
        }
    }

    #[test]
    fn flags_beat_the_file_which_beats_defaults() {
        let f = file("[limits]\nfuel = 7\ntimeout = 3\n");
        let mut overrides = Overrides::default();
        overrides.push(spec("fuel"), "9".into());
        let settings = load(Some(&f.0), &overrides).unwrap();
        assert_eq!(settings.limits.fuel, 9);
        assert_eq!(settings.limits.timeout, 3);
        assert_eq!(settings.limits.memory_limit_mib, 64);
    }

    /// The error of loading `text` as the config file.
    fn load_error(text: &str) -> String {
        let f = file(text);
        load(Some(&f.0), &Overrides::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn unknown_keys_wrong_types_and_bad_values_name_their_line_and_key() {
        for (text, line, key) in [
            ("[limits]\nfuel = 7\nfule = 8\n", "line 3", "fule"),
            ("[listen]\naddr = 8080\n", "line 2", "addr"),
            (
                "[limits]\n\nmemory-limit-mib = 0\n",
                "line 3",
                "memory-limit-mib",
            ),
        ] {
            let err = load_error(text);
            assert!(err.contains(line) && err.contains(key), "{err}");
        }
    }

    #[test]
    fn a_bad_flag_is_named() {
        let mut overrides = Overrides::default();
        overrides.push(spec("listen"), "nowhere".into());
        let err = load(None, &overrides).unwrap_err().to_string();
        assert!(err.starts_with("--listen:"), "{err}");
    }

    #[test]
    fn printed_settings_read_back_the_same() {
        let mut settings = Settings::default();
        settings.limits.fuel = 42;
        settings.listen.admin = Some("127.0.0.1:9090".parse().unwrap());
        let f = file(&settings.to_toml());
        assert_eq!(parse_file(&f.0).unwrap(), settings);
    }

    #[test]
    fn every_flag_and_key_is_unique() {
        let specs = Settings::specs();
        for (i, a) in specs.iter().enumerate() {
            for b in &specs[i + 1..] {
                assert_ne!(a.flag, b.flag);
                assert!(a.section != b.section || a.key != b.key);
            }
        }
    }
}
