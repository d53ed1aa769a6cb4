//! `ecsc lsp`: a language server (LSP 3.17) over stdio.
//!
//! The server is synchronous. Messages are translated into a closed [`Event`]
//! enum and handled one at a time. Edits mark documents stale; analysis
//! ([`driver::analyze`] over open buffers layered on the disk) runs after
//! [`DEBOUNCE`] of quiet, and any request first runs pending analysis so
//! that it answers from fresh state. Diagnostics are published per file,
//! `[]` included when a file becomes clean. On save, a clean program is also
//! built ([`driver::build`]) so that problems of the generated template show
//! up in the editor too.
//!
//! Module map: `transport` (framing that survives garbage), `documents`
//! (open buffers, URIs), `convert` (the only `Span` ↔ `Range` conversion),
//! `cursor` (what is under the cursor), `handlers/*` (one feature each).
//! `lsp/` is the only module that names `lsp_types`.

pub mod convert;
mod cursor;
mod documents;
mod handlers;
mod text;
mod transport;

use crate::diagnostics::Diagnostics;
use crate::driver::{self, Analysis};
use documents::Documents;
use handlers::{Failure, World};
use lsp_server::{ErrorCode, Message, Notification, Request, RequestId};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    DidSaveTextDocumentParams, Uri,
};
use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use transport::Incoming;

/// Quiet time after an edit before analysis runs.
pub const DEBOUNCE: Duration = Duration::from_millis(75);
/// Longest time analysis is put off while edits keep coming.
const STARVATION: Duration = Duration::from_millis(500);

/// Runs the server on stdio until `exit`. Returns the process exit code:
/// 0 after `shutdown` then `exit`, 1 otherwise.
pub fn run() -> u8 {
    let receiver = transport::spawn_stdin_reader();
    let mut server = Server::default();
    server.serve(&receiver)
}

/// Everything the server loop reacts to.
#[derive(Debug)]
enum Event {
    /// `initialize`.
    Initialize(RequestId),
    /// `textDocument/didOpen`.
    Opened(DidOpenTextDocumentParams),
    /// `textDocument/didChange`.
    Changed(DidChangeTextDocumentParams),
    /// `textDocument/didClose`.
    Closed(DidCloseTextDocumentParams),
    /// `textDocument/didSave`.
    Saved(DidSaveTextDocumentParams),
    /// Any other request.
    Request(Request),
    /// `shutdown`.
    Shutdown(RequestId),
    /// `exit`.
    Exit,
    /// A notification with parameters that do not fit its method.
    BadNotification(String, String),
    /// A message that could not be read.
    Malformed(Option<RequestId>, String),
    /// Notifications and responses the server does not need.
    Ignored,
}

impl Event {
    fn from_message(message: Message) -> Event {
        match message {
            Message::Request(request) => match request.method.as_str() {
                req::Initialize::METHOD => Event::Initialize(request.id),
                req::Shutdown::METHOD => Event::Shutdown(request.id),
                _ => Event::Request(request),
            },
            Message::Notification(notification) => Event::from_notification(notification),
            Message::Response(_) => Event::Ignored,
        }
    }

    fn from_notification(notification: Notification) -> Event {
        fn parse<T: serde::de::DeserializeOwned>(
            notification: Notification,
            wrap: fn(T) -> Event,
        ) -> Event {
            match serde_json::from_value(notification.params) {
                Ok(params) => wrap(params),
                Err(error) => Event::BadNotification(notification.method, error.to_string()),
            }
        }
        match notification.method.as_str() {
            note::DidOpenTextDocument::METHOD => parse(notification, Event::Opened),
            note::DidChangeTextDocument::METHOD => parse(notification, Event::Changed),
            note::DidCloseTextDocument::METHOD => parse(notification, Event::Closed),
            note::DidSaveTextDocument::METHOD => parse(notification, Event::Saved),
            note::Exit::METHOD => Event::Exit,
            _ => Event::Ignored,
        }
    }
}

/// Where the session is in its life cycle.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    #[default]
    Uninitialized,
    Running,
    ShutDown,
}

/// The analysis of one open document (the root of its own program).
#[derive(Debug)]
struct Analyzed {
    analysis: Analysis,
    /// Diagnostics of the last build on save (dropped on the next edit).
    build: Option<Diagnostics>,
    /// URIs of imported files this root published diagnostics for.
    published: HashSet<Uri>,
}

#[derive(Default)]
struct Server {
    phase: Phase,
    documents: Documents,
    analyzed: HashMap<Uri, Analyzed>,
    /// Documents whose analysis is stale.
    stale: HashSet<Uri>,
    /// When the stale analyses run, and since when they have been stale.
    deadline: Option<(Instant, Instant)>,
    links: handlers::diagnostics::ExplainLinks,
}

impl Server {
    fn serve(&mut self, receiver: &Receiver<Incoming>) -> u8 {
        loop {
            let incoming = match self.deadline {
                Some((at, _)) => {
                    let wait = at.saturating_duration_since(Instant::now());
                    match receiver.recv_timeout(wait) {
                        Ok(incoming) => incoming,
                        Err(RecvTimeoutError::Timeout) => {
                            self.analyze_stale();
                            continue;
                        }
                        Err(RecvTimeoutError::Disconnected) => return 1,
                    }
                }
                None => match receiver.recv() {
                    Ok(incoming) => incoming,
                    Err(_) => return 1,
                },
            };
            let t0 = Instant::now();
            let event = match incoming {
                Incoming::Message(message) => Event::from_message(message),
                Incoming::Malformed { id, error } => Event::Malformed(id, error),
            };
            let t1 = Instant::now();
            let result = self.handle(event);
            transport::log(&format!("TIMING event {:?} handle {:?}", t1 - t0, t1.elapsed()));
            if let Some(code) = result {
                return code;
            }
        }
    }

    /// Handles one event; `Some(code)` ends the loop.
    fn handle(&mut self, event: Event) -> Option<u8> {
        match (self.phase, event) {
            (_, Event::Exit) => return Some(if self.phase == Phase::ShutDown { 0 } else { 1 }),
            (_, Event::Malformed(id, error)) => {
                transport::log(&format!("dropped a malformed message: {error}"));
                if let Some(id) = id {
                    self.reply_error(id, ErrorCode::InvalidRequest, format!("malformed message: {error}"));
                }
            }
            (Phase::Uninitialized, Event::Initialize(id)) => {
                self.phase = Phase::Running;
                transport::send(transport::ok_response(id, handlers::initialize_result()).into());
            }
            (Phase::Uninitialized, Event::Request(request)) => self.reply_error(
                request.id,
                ErrorCode::ServerNotInitialized,
                "the server is not initialized".into(),
            ),
            (Phase::Uninitialized, Event::Shutdown(id)) => self.reply_error(
                id,
                ErrorCode::ServerNotInitialized,
                "the server is not initialized".into(),
            ),
            (Phase::ShutDown, Event::Request(Request { id, .. }))
            | (Phase::ShutDown, Event::Shutdown(id) | Event::Initialize(id)) => self.reply_error(
                id,
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            ),
            (Phase::Uninitialized | Phase::ShutDown, _) => {}
            (Phase::Running, Event::Initialize(id)) => {
                self.reply_error(id, ErrorCode::InvalidRequest, "already initialized".into());
            }
            (Phase::Running, Event::Shutdown(id)) => {
                self.phase = Phase::ShutDown;
                transport::send(transport::ok_response(id, ()).into());
            }
            (Phase::Running, Event::Opened(params)) => {
                let document = params.text_document;
                let uri = document.uri.clone();
                self.documents.open(document.uri, document.version, document.text);
                self.mark_stale(&uri);
                self.analyze_stale();
            }
            (Phase::Running, Event::Changed(params)) => {
                let uri = params.text_document.uri;
                let changed = self.documents.update(&uri, params.text_document.version, |text| {
                    for change in params.content_changes {
                        convert::apply_change(text, change.range, &change.text);
                    }
                });
                if changed {
                    self.mark_stale(&uri);
                }
            }
            (Phase::Running, Event::Closed(params)) => self.close(&params.text_document.uri),
            (Phase::Running, Event::Saved(params)) => self.saved(&params.text_document.uri),
            (Phase::Running, Event::Request(request)) => {
                self.analyze_stale();
                let world = World {
                    documents: &self.documents,
                    analyses: self.analyzed_map(),
                };
                let t0 = Instant::now();
                let response = handlers::dispatch(&world, request);
                transport::log(&format!("TIMING dispatch {:?}", t0.elapsed()));
                transport::send(response.into());
            }
            (Phase::Running, Event::BadNotification(method, error)) => {
                transport::log(&format!("ignored `{method}` with invalid parameters: {error}"));
            }
            (Phase::Running, Event::Ignored) => {}
        }
        None
    }

    fn analyzed_map(&self) -> HashMap<Uri, &Analysis> {
        self.analyzed
            .iter()
            .map(|(uri, analyzed)| (uri.clone(), &analyzed.analysis))
            .collect()
    }

    fn reply_error(&self, id: RequestId, code: ErrorCode, message: String) {
        transport::send(transport::error_response(id, code, message).into());
    }

    /// Marks a document and every open document that reads it as stale.
    fn mark_stale(&mut self, uri: &Uri) {
        self.stale.insert(uri.clone());
        if let Some(path) = self.documents.get(uri).map(|d| d.path.clone()) {
            for (root, analyzed) in &self.analyzed {
                if analyzed.analysis.read_paths.contains(&path) {
                    self.stale.insert(root.clone());
                }
            }
        }
        let now = Instant::now();
        let since = self.deadline.map_or(now, |(_, since)| since);
        let at = (now + DEBOUNCE).min(since + STARVATION);
        self.deadline = Some((at, since));
    }

    /// Re-analyses every stale open document and publishes its diagnostics.
    fn analyze_stale(&mut self) {
        self.deadline = None;
        let mut stale: Vec<Uri> = self.stale.drain().collect();
        stale.sort();
        for uri in stale {
            let Some(document) = self.documents.get(&uri) else {
                continue;
            };
            let t0 = Instant::now();
            let analysis = driver::analyze(&self.documents.vfs(), &[document.path.clone()]);
            transport::log(&format!("TIMING analyze {:?}", t0.elapsed()));
            let previous = self.analyzed.remove(&uri).map(|a| a.published).unwrap_or_default();
            let mut analyzed = Analyzed {
                analysis,
                build: None,
                published: previous,
            };
            self.publish(&uri, &mut analyzed);
            self.analyzed.insert(uri, analyzed);
        }
    }

    fn publish(&mut self, uri: &Uri, analyzed: &mut Analyzed) {
        let batches = handlers::diagnostics::batches(
            &self.documents,
            uri,
            &analyzed.analysis,
            analyzed.build.as_ref(),
            &mut self.links,
        );
        let mut now_published = HashSet::new();
        for (target, diagnostics) in batches {
            if &target != uri {
                now_published.insert(target.clone());
            }
            self.notify_diagnostics(target, diagnostics);
        }
        for old in analyzed.published.difference(&now_published) {
            if self.documents.get(old).is_none() {
                self.notify_diagnostics(old.clone(), Vec::new());
            }
        }
        analyzed.published = now_published;
    }

    fn notify_diagnostics(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>) {
        let version = self.documents.get(&uri).map(|d| d.version);
        let params = lsp_types::PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        match serde_json::to_value(params) {
            Ok(params) => transport::send(
                Notification {
                    method: note::PublishDiagnostics::METHOD.into(),
                    params,
                }
                .into(),
            ),
            Err(error) => transport::log(&format!("cannot serialise diagnostics: {error}")),
        }
    }

    fn close(&mut self, uri: &Uri) {
        let Some(document) = self.documents.close(uri) else {
            return;
        };
        self.stale.remove(uri);
        if let Some(analyzed) = self.analyzed.remove(uri) {
            for other in analyzed.published {
                if self.documents.get(&other).is_none() {
                    self.notify_diagnostics(other, Vec::new());
                }
            }
        }
        self.notify_diagnostics(uri.clone(), Vec::new());
        // Importers now read the file from the disk.
        let importers: Vec<Uri> = self
            .analyzed
            .iter()
            .filter(|(_, a)| a.analysis.read_paths.contains(&document.path))
            .map(|(root, _)| root.clone())
            .collect();
        for root in importers {
            self.mark_stale(&root);
        }
    }

    /// On save, builds a clean program and publishes the build's problems.
    fn saved(&mut self, uri: &Uri) {
        self.analyze_stale();
        let Some(mut analyzed) = self.analyzed.remove(uri) else {
            return;
        };
        if !analyzed.analysis.diagnostics.has_errors() {
            analyzed.build = Some(match driver::build(&analyzed.analysis) {
                Ok(artifact) => artifact.warnings,
                Err(diagnostics) => diagnostics,
            });
            self.publish(uri, &mut analyzed);
        }
        self.analyzed.insert(uri.clone(), analyzed);
    }
}

impl From<Failure> for lsp_server::ResponseError {
    fn from(failure: Failure) -> Self {
        lsp_server::ResponseError {
            code: failure.code as i32,
            message: failure.message,
            data: None,
        }
    }
}
