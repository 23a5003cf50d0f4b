//! Loading a component: compiling it (or reading it from the cache),
//! checking the contract version it was built for, linking it, finding
//! its exports, and asking it for its config.

use super::Runtime;
use super::bindings::types::{HandlerConfig, Instances};
use super::bindings::{authenticate, handler, job, logging, presence, schedule};
use super::cache::{self, Origin};
use super::call::CallError;
use super::component::{Component, Exports, HandlerOptions};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use wasmtime::component::types::ComponentItem;
use wasmtime_wasi_http::p2::bindings::ProxyIndices;

/// The version of the WIT package this host implements.
macro_rules! contract_version {
    () => {
        "0.4.0"
    };
}

/// The name of an interface of the WIT package this host implements.
macro_rules! interface {
    ($name:literal) => {
        concat!("switchboard:socket/", $name, "@", contract_version!())
    };
}

const HANDLER: &str = interface!("handler");
const AUTHENTICATE: &str = interface!("authenticate");
const PRESENCE: &str = interface!("presence");
const LOGGING: &str = interface!("logging");
const JOB: &str = interface!("job");
const SCHEDULE: &str = interface!("schedule");
/// The standard export of `api/` handlers; any 0.2.x version links.
const INCOMING_HANDLER: &str = "wasi:http/incoming-handler@0.2";

/// Why a `.wasm` file cannot be served.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the file: {0}")]
    Read(#[from] std::io::Error),
    #[error("not a valid component: {0}")]
    Invalid(String),
    #[error("imports something the host does not provide: {0}")]
    Link(String),
    #[error(
        "was built for another version of the Switchboard contract (it uses `{0}`; this server implements switchboard:socket@{version}); rebuild it with the current SDK (`switchboard build`)",
        version = contract_version!()
    )]
    Contract(String),
    #[error("exports `{0}` with a signature this host does not understand: {1}")]
    WrongExport(&'static str, String),
    #[error(
        "exports none of `{HANDLER}`, `{AUTHENTICATE}`, `{PRESENCE}`, `{LOGGING}`, `{JOB}`, `{SCHEDULE}` or `wasi:http/incoming-handler@0.2.x`"
    )]
    NoExports,
    #[error("its config is not usable: {0}")]
    BadConfig(String),
    #[error("its `config` call failed: {0}")]
    Config(CallError),
    #[error("its logging `hooks` call failed: {0}")]
    Hooks(CallError),
}

impl Runtime {
    /// Reads and loads a component file; see [`Runtime::load`].
    pub async fn load_file(
        self: &Arc<Self>,
        name: &str,
        path: &Path,
    ) -> Result<Arc<Component>, LoadError> {
        let wasm = tokio::fs::read(path).await?;
        self.load(name, wasm).await
    }

    /// Compiles (off the async threads, or from the cache) and links a
    /// component, and asks its handler for its config.
    pub async fn load(
        self: &Arc<Self>,
        name: &str,
        wasm: Vec<u8>,
    ) -> Result<Arc<Component>, LoadError> {
        self.load_as(name, wasm, None).await
    }

    /// [`load`](Self::load), with the instance mode forced to `instances`
    /// whatever the component declared: for measuring one component both
    /// ways, never for serving.
    #[doc(hidden)]
    pub async fn load_as(
        self: &Arc<Self>,
        name: &str,
        wasm: Vec<u8>,
        instances: Option<Instances>,
    ) -> Result<Arc<Component>, LoadError> {
        let runtime = self.clone();
        let started = Instant::now();
        let (compiled, origin, hash) = tokio::task::spawn_blocking(move || {
            let hash = cache::content_hash(&wasm);
            let compiled = match &runtime.cache {
                Some(cache) => cache.load_or_compile(&runtime.engine, &wasm, &hash),
                None => wasmtime::component::Component::new(&runtime.engine, &wasm)
                    .map(|c| (c, Origin::Compiled)),
            };
            compiled.map(|(c, origin)| (c, origin, hash))
        })
        .await
        .expect("compiling a component does not panic")
        .map_err(|err| LoadError::Invalid(format!("{err:#}")))?;
        let load_time = started.elapsed();
        if self.cache.is_some() {
            self.metrics.compiled(origin == Origin::Cached);
        }

        let exported = exported_names(self, &compiled);
        check_contract(self, &compiled, &exported)?;
        let pre = self
            .linker
            .instantiate_pre(&compiled)
            .map_err(|err| LoadError::Link(format!("{err:#}")))?;
        let handler = indices(&exported, HANDLER, || handler::GuestIndices::new(&pre))?;
        let authenticate = indices(&exported, AUTHENTICATE, || {
            authenticate::GuestIndices::new(&pre)
        })?;
        let presence = indices(&exported, PRESENCE, || presence::GuestIndices::new(&pre))?;
        let logging = indices(&exported, LOGGING, || logging::GuestIndices::new(&pre))?;
        let job = indices(&exported, JOB, || job::GuestIndices::new(&pre))?;
        let schedule = indices(&exported, SCHEDULE, || schedule::GuestIndices::new(&pre))?;
        let http = match exported
            .iter()
            .find(|name| name.starts_with(INCOMING_HANDLER))
        {
            Some(name) => Some(ProxyIndices::new(&pre).map_err(|err| {
                LoadError::WrongExport("wasi:http/incoming-handler", format!("{name}: {err:#}"))
            })?),
            None => None,
        };
        let exports = Exports {
            handler: handler.is_some(),
            authenticate: authenticate.is_some(),
            presence: presence.is_some(),
            logging: logging.is_some(),
            http: http.is_some(),
            job: job.is_some(),
            schedule: schedule.is_some(),
        };
        if exports == Exports::default() {
            return Err(LoadError::NoExports);
        }
        let mut component = Component {
            name: name.into(),
            hash,
            exports,
            options: HandlerOptions::default(),
            hook_modes: None,
            job_options: None,
            schedule_options: None,
            loaded_at: SystemTime::now(),
            load_time,
            from_cache: origin == Origin::Cached,
            // Counted from when it serves; its load-time calls are not.
            calls: Default::default(),
            warm: None,
            pre,
            handler,
            authenticate,
            presence,
            logging,
            http,
            job,
            schedule,
        };
        if exports.handler {
            component.options = self.read_options(&component).await?;
        }
        if let Some(instances) = instances {
            component.options.instances = instances;
        }
        if component.options.instances == Instances::Warm {
            component.warm = Some(self.warm_pool());
        }
        if exports.logging {
            let modes = self.logging_hooks(&component).await;
            component.hook_modes = Some(modes.map_err(LoadError::Hooks)?);
        }
        if exports.job {
            component.job_options = Some(self.read_job_options(&component).await?);
        }
        if exports.schedule {
            component.schedule_options = Some(self.read_schedule_options(&component).await?);
        }
        component.calls = self.metrics.call_counters(name);
        Ok(Arc::new(component))
    }

    async fn read_options(&self, component: &Component) -> Result<HandlerOptions, LoadError> {
        let HandlerConfig {
            data_type,
            timeout_seconds,
            instances,
        } = self
            .handler_config(component)
            .await
            .map_err(LoadError::Config)?;
        Ok(HandlerOptions {
            data_type,
            timeout: timeout_seconds.map(|s| Duration::from_secs(s.max(1).into())),
            instances,
        })
    }
}

/// Refuses a component built against another version of the WIT package
/// with an error that says so, rather than a missing-import one.
fn check_contract(
    runtime: &Runtime,
    component: &wasmtime::component::Component,
    exported: &[String],
) -> Result<(), LoadError> {
    let ty = component.component_type();
    let imported = ty.imports(&runtime.engine).map(|(name, _)| name);
    let mut names = imported.chain(exported.iter().map(String::as_str));
    match names.find(|name| {
        name.starts_with("switchboard:socket/")
            && !name.ends_with(concat!("@", contract_version!()))
    }) {
        Some(name) => Err(LoadError::Contract(name.to_owned())),
        None => Ok(()),
    }
}

fn exported_names(runtime: &Runtime, component: &wasmtime::component::Component) -> Vec<String> {
    component
        .component_type()
        .exports(&runtime.engine)
        .filter(|(_, item)| matches!(item.ty, ComponentItem::ComponentInstance(_)))
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Export indices if the component exports `interface`; an error if it
/// does but with the wrong shape.
fn indices<T>(
    exported: &[String],
    interface: &'static str,
    new: impl FnOnce() -> wasmtime::Result<T>,
) -> Result<Option<T>, LoadError> {
    if !exported.iter().any(|name| name == interface) {
        return Ok(None);
    }
    new()
        .map(Some)
        .map_err(|err| LoadError::WrongExport(interface, format!("{err:#}")))
}
