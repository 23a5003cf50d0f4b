//! How one setting is described for the command line, the environment,
//! the config file and the docs, and the `sections!` macro that declares
//! every setting once and derives its [`Spec`].

use super::Settings;

/// One setting as the command line and the docs see it.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The config file's section: `limits`.
    pub section: &'static str,
    /// The key within it, in kebab case: `memory-limit-mib`.
    pub key: String,
    /// The flag, without `--`: `memory-limit-mib`.
    pub flag: String,
    pub help: &'static str,
    /// A switch: `--flag` sets it and `--no-flag` clears it.
    pub switch: bool,
    /// Turns a flag's text into the file's value, or says why it can't.
    pub parse: fn(&str) -> Result<toml::Value, String>,
}

impl Spec {
    /// The default as the config file writes it (`1048576`, `"token"`);
    /// `None` for settings that are unset by default.
    pub fn default_text(&self) -> Option<String> {
        let defaults = toml::Value::try_from(Settings::default()).expect("settings serialize");
        let value = defaults.get(self.section)?.get(&self.key)?;
        Some(value.to_string())
    }

    /// `SWITCHBOARD_` and the flag in upper snake case.
    pub fn env(&self) -> String {
        format!("SWITCHBOARD_{}", self.flag.replace('-', "_").to_uppercase())
    }
}

/// Declares the sections: each field's doc comment is its help, and
/// `flag = "..."` names its flag when that is not the section's prefix
/// plus the key.
macro_rules! sections {
    ($(
        $(#[doc = $sdoc:literal])*
        [$section:literal $Section:ident, prefix $prefix:literal] {$(
            $(#[doc = $doc:literal])*
            $field:ident: $ty:ty = $default:expr $(, flag = $flag:literal)?;
        )*}
    )*) => {$(
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
        pub struct $Section {$(
            $(#[doc = $doc])*
            pub $field: $ty,
        )*}

        impl Default for $Section {
            fn default() -> Self {
                $Section { $($field: $default,)* }
            }
        }

        impl $Section {
            /// The specs of this section's settings, in order.
            pub fn specs() -> Vec<Spec> {
                vec![$(Spec {
                    section: $section,
                    key: kebab_case(stringify!($field)),
                    flag: flag!($prefix, $field $(, $flag)?),
                    help: concat!($($doc),*).trim_ascii(),
                    switch: <$ty as Value>::SWITCH,
                    parse: <$ty as Value>::parse,
                },)*]
            }
        }
    )*};
}

macro_rules! flag {
    ($prefix:literal, $field:ident, $flag:literal) => {
        $flag.to_owned()
    };
    ($prefix:literal, $field:ident) => {
        kebab_case(concat!($prefix, stringify!($field)))
    };
}

/// `max_message_size` → `max-message-size`.
pub(super) fn kebab_case(name: &str) -> String {
    name.replace('_', "-")
}
