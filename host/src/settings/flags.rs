//! The command line overlay: one flag per setting, derived from the
//! specs, each also read from its `SWITCHBOARD_*` environment variable.
//! A switch `--KEY` has a `--no-KEY` twin.

use super::load::Overrides;
use super::{Settings, Spec};
use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};

/// The settings given on the command line or in the environment.
#[derive(Debug, Clone, Default)]
pub struct SettingFlags {
    pub overrides: Overrides,
}

/// Flags are grouped in `--help` under their section.
fn heading(section: &str) -> &'static str {
    match section {
        "listen" => "Listen",
        "connections" => "Connections",
        "limits" => "Limits per call",
        "store" => "Store",
        "components" => "Components",
        "jwt" => "JWT",
        "edge" => "Browser edge",
        _ => "Settings",
    }
}

impl Args for SettingFlags {
    fn augment_args(mut cmd: Command) -> Command {
        for spec in Settings::specs() {
            let help = match spec.default_text() {
                Some(default) => format!("{} [default: {default}]", spec.help),
                None => spec.help.to_owned(),
            };
            let arg = Arg::new(spec.flag.clone())
                .long(spec.flag.clone())
                .env(spec.env())
                .hide_env_values(true)
                .help(help)
                .help_heading(heading(spec.section));
            if spec.switch {
                let no = format!("no-{}", spec.flag);
                cmd = cmd
                    .arg(
                        arg.num_args(0..=1)
                            .require_equals(true)
                            .default_missing_value("true")
                            .value_name("BOOL")
                            .overrides_with(no.clone()),
                    )
                    .arg(
                        Arg::new(no.clone())
                            .long(no)
                            .action(ArgAction::SetTrue)
                            .help(format!("Sets {} to false", spec.flag))
                            .help_heading(heading(spec.section))
                            .overrides_with(spec.flag.clone()),
                    );
            } else {
                let name = spec.key.replace('-', "_").to_uppercase();
                // Given twice, the last one wins, so scripts can append.
                let arg = arg.value_name(name).overrides_with(spec.flag.clone());
                cmd = cmd.arg(arg);
            }
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for SettingFlags {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut flags = SettingFlags::default();
        for spec in Settings::specs() {
            if let Some(text) = given(matches, &spec) {
                flags.overrides.push(spec, text);
            }
        }
        Ok(flags)
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

/// The flag's text, if the command line or the environment gave it.
fn given(matches: &ArgMatches, spec: &Spec) -> Option<String> {
    if spec.switch {
        let no = format!("no-{}", spec.flag);
        if matches.get_flag(&no) {
            return Some("false".into());
        }
    }
    match matches.value_source(&spec.flag) {
        Some(ValueSource::CommandLine | ValueSource::EnvVariable) => {
            matches.get_one::<String>(&spec.flag).cloned()
        }
        _ => None,
    }
}
