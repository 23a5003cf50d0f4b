//! A compiled component: its instance template, what it exports, and the
//! config its handler declared. Loading one is [`load`](super::load).

use super::bindings::types::{DataType, HookModes, Instances};
use super::bindings::{authenticate, handler, job, logging, presence, schedule};
use super::exports::Export;
use super::jobs::{JobOptions, ScheduleOptions};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use wasmtime::component::InstancePre;
use wasmtime_wasi_http::p2::bindings::ProxyIndices;

/// Which of the host's interfaces a component exports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Exports {
    pub handler: bool,
    pub authenticate: bool,
    pub presence: bool,
    pub logging: bool,
    /// `wasi:http/incoming-handler`: an `api/` handler.
    pub http: bool,
    /// A `queues/` job runner.
    pub job: bool,
    /// A `schedules/` scheduled job.
    pub schedule: bool,
}

impl Exports {
    pub fn names(&self) -> Vec<&'static str> {
        let mut names = Vec::new();
        if self.handler {
            names.push("handler");
        }
        if self.authenticate {
            names.push("authenticate");
        }
        if self.presence {
            names.push("presence");
        }
        if self.logging {
            names.push("logging");
        }
        if self.http {
            names.push("wasi:http/incoming-handler");
        }
        if self.job {
            names.push("job");
        }
        if self.schedule {
            names.push("schedule");
        }
        names
    }
}

/// How a handler wants its messages, as declared by its `config` export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandlerOptions {
    pub data_type: DataType,
    pub timeout: Option<Duration>,
    /// Whether instances are kept between calls; for all the
    /// component's exports.
    pub instances: Instances,
}

impl HandlerOptions {
    /// The data type as written in the WIT: `json`, `text`, `binary` or
    /// `frame`.
    pub fn data_type_name(&self) -> &'static str {
        match self.data_type {
            DataType::Json => "json",
            DataType::Text => "text",
            DataType::Binary => "binary",
            DataType::Frame => "frame",
        }
    }

    /// The instance mode as written in the WIT: `fresh` or `warm`.
    pub fn instances_name(&self) -> &'static str {
        match self.instances {
            Instances::Fresh => "fresh",
            Instances::Warm => "warm",
        }
    }
}

impl Default for HandlerOptions {
    fn default() -> Self {
        HandlerOptions {
            data_type: DataType::Json,
            timeout: None,
            instances: Instances::Fresh,
        }
    }
}

/// A loaded component, ready to instantiate once per call.
pub struct Component {
    /// The file it came from, relative to `socket/`; tags its logs.
    pub name: Arc<str>,
    /// Hex SHA-256 of the `.wasm` bytes.
    pub hash: String,
    pub exports: Exports,
    pub options: HandlerOptions,
    /// The logging hooks it takes part in, if it exports `logging`.
    pub hook_modes: Option<HookModes>,
    /// What it declared, if it exports `job`.
    pub job_options: Option<JobOptions>,
    /// Its schedule, if it exports `schedule`.
    pub schedule_options: Option<ScheduleOptions>,
    pub loaded_at: SystemTime,
    /// How long compiling (or loading from the cache) took.
    pub load_time: Duration,
    pub from_cache: bool,
    /// Its calls' counters, by outcome.
    pub(super) calls: crate::metrics::CallCounters,
    /// Its idle instances, if it is warm.
    pub(super) warm: Option<Arc<super::warm::WarmPool>>,
    pub(super) pre: InstancePre<super::call::CallState>,
    pub(super) handler: Option<handler::GuestIndices>,
    pub(super) authenticate: Option<authenticate::GuestIndices>,
    pub(super) presence: Option<presence::GuestIndices>,
    pub(super) logging: Option<logging::GuestIndices>,
    pub(super) http: Option<ProxyIndices>,
    pub(super) job: Option<job::GuestIndices>,
    pub(super) schedule: Option<schedule::GuestIndices>,
}

impl Component {
    /// Instances idle in its warm pool, and the memory they hold; `None`
    /// for a fresh component.
    pub fn warm_usage(&self) -> Option<super::WarmUsage> {
        self.warm.as_ref().map(|pool| pool.usage())
    }

    /// Drops its warm instances and keeps none from now on: it was
    /// swapped out or removed.
    pub fn retire(&self) {
        if let Some(pool) = &self.warm {
            pool.retire();
        }
    }

    pub(super) fn handler(&self) -> Export<'_, handler::GuestIndices> {
        Export {
            name: "handler",
            indices: self.handler.as_ref(),
        }
    }

    pub(super) fn authenticate(&self) -> Export<'_, authenticate::GuestIndices> {
        Export {
            name: "authenticate",
            indices: self.authenticate.as_ref(),
        }
    }

    pub(super) fn presence(&self) -> Export<'_, presence::GuestIndices> {
        Export {
            name: "presence",
            indices: self.presence.as_ref(),
        }
    }

    pub(super) fn logging(&self) -> Export<'_, logging::GuestIndices> {
        Export {
            name: "logging",
            indices: self.logging.as_ref(),
        }
    }

    pub(super) fn job(&self) -> Export<'_, job::GuestIndices> {
        Export {
            name: "job",
            indices: self.job.as_ref(),
        }
    }

    pub(super) fn schedule(&self) -> Export<'_, schedule::GuestIndices> {
        Export {
            name: "schedule",
            indices: self.schedule.as_ref(),
        }
    }

    pub(super) fn http(&self) -> Export<'_, ProxyIndices> {
        Export {
            name: "wasi:http/incoming-handler",
            indices: self.http.as_ref(),
        }
    }
}
