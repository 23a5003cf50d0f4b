//! The exports of `queues/` and `schedules/` components: the config each
//! declares, read once at load, and the `run` calls.

use super::Runtime;
use super::bindings::job;
use super::bindings::schedule::{self, ScheduleConfig};
use super::bindings::types::User;
use super::call::CallError;
use super::component::Component;
use super::load::LoadError;
use super::scope::CallScope;
use crate::backend::jobs::Job;
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds};
use std::time::Duration;

pub use schedule::Tick;

/// What a `queues/` component declared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobOptions {
    /// The server's default when absent.
    pub concurrency: Option<u32>,
    pub max_attempts: Option<u32>,
    pub timeout: Option<Duration>,
}

/// What a `schedules/` component declared, parsed.
#[derive(Debug, Clone)]
pub struct ScheduleOptions {
    /// The expression as written.
    pub expression: String,
    pub cron: Cron,
    pub timezone: Tz,
    pub timeout: Option<Duration>,
}

fn seconds(value: Option<u32>) -> Option<Duration> {
    value.map(|s| Duration::from_secs(s.max(1).into()))
}

impl Runtime {
    /// Asks a `queues/` component for its config; done once, at load.
    pub(super) async fn read_job_options(
        &self,
        component: &Component,
    ) -> Result<JobOptions, LoadError> {
        let (export, scope) = (component.job(), CallScope::detached());
        let config = self
            .call_hook(component, export, scope, async |store, guest| {
                guest.call_config(store).await
            })
            .await
            .map_err(LoadError::Config)?;
        if config.max_attempts == Some(0) || config.concurrency == Some(0) {
            return Err(LoadError::BadConfig(
                "concurrency and max-attempts must be at least 1".into(),
            ));
        }
        Ok(JobOptions {
            concurrency: config.concurrency,
            max_attempts: config.max_attempts,
            timeout: seconds(config.timeout_seconds),
        })
    }

    /// Asks a `schedules/` component for its config and parses it; done
    /// once, at load. A bad expression or zone keeps it unloaded.
    pub(super) async fn read_schedule_options(
        &self,
        component: &Component,
    ) -> Result<ScheduleOptions, LoadError> {
        let (export, scope) = (component.schedule(), CallScope::detached());
        let config = self
            .call_hook(component, export, scope, async |store, guest| {
                guest.call_config(store).await
            })
            .await
            .map_err(LoadError::Config)?;
        parse_schedule(config)
    }

    /// Runs one attempt of a job, acting for the user who pushed it.
    pub async fn run_job(
        &self,
        component: &Component,
        scope: CallScope,
        job: &Job,
    ) -> Result<(), CallError> {
        let user = job.user.as_ref().map(|user| User {
            id: user.id.clone(),
            claims: user.claims.clone(),
            expires_at: None,
        });
        let record = job::Job {
            id: job.id.clone(),
            payload: job.payload.clone(),
            user: user.clone(),
            attempt: job.attempt,
        };
        let scope = scope.for_job(user, job.attempt);
        let timeout = component
            .job_options
            .and_then(|options| options.timeout)
            .unwrap_or(self.limits.default_timeout());
        let export = component.job();
        self.call_export(component, export, scope, timeout, async |store, guest| {
            guest.call_run(store, &record).await
        })
        .await
        .0
    }

    /// Runs a schedule's tick.
    pub async fn run_schedule(
        &self,
        component: &Component,
        scope: CallScope,
        tick: Tick,
    ) -> Result<(), CallError> {
        let timeout = component
            .schedule_options
            .as_ref()
            .and_then(|options| options.timeout)
            .unwrap_or(self.limits.default_timeout());
        let (export, scope) = (component.schedule(), scope.for_schedule());
        self.call_export(component, export, scope, timeout, async |store, guest| {
            guest.call_run(store, tick).await
        })
        .await
        .0
    }
}

/// Checks a schedule's declared expression and zone.
fn parse_schedule(config: ScheduleConfig) -> Result<ScheduleOptions, LoadError> {
    let parser = CronParser::builder().seconds(Seconds::Optional).build();
    let cron = parser
        .parse(config.cron.trim())
        .map_err(|err| LoadError::BadConfig(format!("cron expression `{}`: {err}", config.cron)))?;
    let timezone = match &config.timezone {
        None => Tz::UTC,
        Some(name) => name.parse().map_err(|_| {
            LoadError::BadConfig(format!(
                "unknown time zone `{name}` (use an IANA name such as Europe/Paris)"
            ))
        })?,
    };
    Ok(ScheduleOptions {
        expression: config.cron,
        cron,
        timezone,
        timeout: seconds(config.timeout_seconds),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(cron: &str, timezone: Option<&str>) -> ScheduleConfig {
        ScheduleConfig {
            cron: cron.into(),
            timezone: timezone.map(Into::into),
            timeout_seconds: None,
        }
    }

    #[test]
    fn five_and_six_field_expressions_parse() {
        assert!(parse_schedule(config("*/5 * * * *", None)).is_ok());
        assert!(parse_schedule(config("* * * * * *", Some("Europe/Paris"))).is_ok());
    }

    #[test]
    fn bad_expressions_and_zones_are_refused() {
        let err = parse_schedule(config("every minute", None)).unwrap_err();
        assert!(
            err.to_string().contains("cron expression `every minute`"),
            "{err}"
        );
        let err = parse_schedule(config("* * * * *", Some("Mars/Olympus"))).unwrap_err();
        assert!(err.to_string().contains("unknown time zone"), "{err}");
    }
}
