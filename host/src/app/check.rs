//! `switchboard check`: loads every component of an app against the WIT
//! contract, without serving, and reports what it found.

use super::App;
use super::paths::PathRoute;
use super::routing::Route;
use crate::runtime::{Component, Runtime};
use crate::settings::CallLimits;
use std::fmt;
use std::path::Path;
use std::time::Duration;

/// One row per component file of the app.
#[derive(Debug, Clone)]
pub struct Row {
    pub file: String,
    pub route: String,
    pub exports: String,
    pub config: String,
    pub problem: String,
}

/// The result of checking an app.
#[derive(Debug, Clone)]
pub struct Report {
    pub rows: Vec<Row>,
}

impl Report {
    pub fn has_problems(&self) -> bool {
        self.rows.iter().any(|row| !row.problem.is_empty())
    }
}

/// Loads the app at `app_dir` (compiling without the cache, as a fresh
/// server would) and describes each component.
pub async fn check(app_dir: &Path) -> anyhow::Result<Report> {
    let runtime = Runtime::new(CallLimits::default(), None)?;
    let app = App::load(app_dir, &runtime).await?;
    let mut rows: Vec<Row> = app
        .components
        .iter()
        .map(|(file, component)| Row {
            file: file.clone(),
            route: route_name(file),
            exports: component.exports.names().join(", "),
            config: config(component),
            problem: String::new(),
        })
        .collect();
    for problem in &app.problems {
        match rows.iter_mut().find(|row| row.file == problem.file) {
            Some(row) => row.problem = problem.reason.clone(),
            None => rows.push(Row {
                file: problem.file.clone(),
                route: route_name(&problem.file),
                exports: "-".into(),
                config: "-".into(),
                problem: problem.reason.clone(),
            }),
        }
    }
    rows.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(Report { rows })
}

/// What the component declared, for the CONFIG column.
fn config(component: &Component) -> String {
    let seconds = |timeout: Option<Duration>| {
        timeout.map_or("default".into(), |t| format!("{}s", t.as_secs()))
    };
    let or_default = |value: Option<u32>| value.map_or("default".into(), |v| v.to_string());
    if let Some(options) = &component.schedule_options {
        return format!(
            "cron=\"{}\" tz={} timeout={}",
            options.expression,
            options.timezone,
            seconds(options.timeout)
        );
    }
    if let Some(options) = component.job_options {
        return format!(
            "concurrency={} attempts={} timeout={}",
            or_default(options.concurrency),
            or_default(options.max_attempts),
            seconds(options.timeout)
        );
    }
    match component.exports.handler {
        true => format!(
            "data={} timeout={}",
            component.options.data_type_name(),
            seconds(component.options.timeout)
        ),
        false => "-".into(),
    }
}

/// How a component's file is routed: a message route, an `api/` URL
/// pattern, `queue NAME`, `schedule NAME`, or `(middleware)`.
pub fn route_name(file: &str) -> String {
    if let Some((kind, name)) = super::job_name(file) {
        let kind = kind.trim_end_matches('s');
        return format!("{kind} {name}");
    }
    if let Some(relative) = file.strip_prefix("api/") {
        return match PathRoute::parse(Path::new(relative)) {
            Ok(Some(route)) => route.pattern(),
            Ok(None) => "(not a route)".into(),
            Err(_) => "-".into(),
        };
    }
    match Route::parse(Path::new(file)) {
        Ok(Some(route)) => route.name,
        Ok(None) => "(middleware)".into(),
        Err(_) => "-".into(),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = Row {
            file: "FILE".into(),
            route: "ROUTE".into(),
            exports: "EXPORTS".into(),
            config: "CONFIG".into(),
            problem: "PROBLEM".into(),
        };
        let all: Vec<&Row> = std::iter::once(&header).chain(&self.rows).collect();
        let width = |get: fn(&Row) -> &str| all.iter().map(|r| get(r).len()).max().unwrap_or(0);
        let widths = [
            width(|r| &r.file),
            width(|r| &r.route),
            width(|r| &r.exports),
            width(|r| &r.config),
        ];
        for row in all {
            writeln!(
                f,
                "{:w0$}  {:w1$}  {:w2$}  {:w3$}  {}",
                row.file,
                row.route,
                row.exports,
                row.config,
                if row.problem.is_empty() {
                    "ok"
                } else {
                    &row.problem
                },
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3],
            )?;
        }
        Ok(())
    }
}
