//! `ecsc lsp`: a language server (LSP 3.17) over stdio.
//!
//! The server is synchronous. Messages are translated into a closed [`Event`]
//! enum and handled one at a time. Edits mark documents stale; analysis
//! ([`driver::analyze_with`] over open buffers layered on the disk, with a
//! [`ParseCache`] per open document so that only the declarations an edit
//! touched are parsed again) runs as soon as no message is waiting: after an
//! edit, every message already received is handled first (so a burst of
//! edits is analysed once), and edits that arrive during an analysis are
//! coalesced into the next one. Any request first runs pending analysis so
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
use crate::syntax::ParseCache;
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
use std::sync::mpsc::{Receiver, TryRecvError};
use std::time::{Duration, Instant};
use transport::Incoming;

/// Longest time analysis is put off while messages keep arriving faster
/// than they are handled (each takes microseconds; this bounds a flood).
const STARVATION: Duration = Duration::from_millis(100);

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
    /// The parses of its program's declarations, for the next analysis.
    cache: ParseCache,
    /// Diagnostics of the last build on save (dropped on the next edit).
    build: Option<Diagnostics>,
    /// Imported files this root published diagnostics for.
    published: Vec<Uri>,
}

/// Maps and sets of documents are keyed by the URI's text (`Uri` itself
/// has interior mutability, which makes a poor hash key).
fn key(uri: &Uri) -> String {
    uri.as_str().to_string()
}

#[derive(Default)]
struct Server {
    phase: Phase,
    documents: Documents,
    analyzed: HashMap<String, Analyzed>,
    /// Documents whose analysis is stale.
    stale: HashSet<String>,
    /// Since when analysis has been pending (`None` when nothing is stale).
    stale_since: Option<Instant>,
    links: handlers::diagnostics::ExplainLinks,
}

impl Server {
    /// The loop: while analysis is pending, the messages already waiting
    /// are handled first (edits are coalesced), then analysis runs; with
    /// nothing pending, it waits for the next message.
    fn serve(&mut self, receiver: &Receiver<Incoming>) -> u8 {
        loop {
            let incoming = match self.stale_since {
                Some(since) if since.elapsed() >= STARVATION => {
                    self.analyze_stale();
                    continue;
                }
                Some(_) => match receiver.try_recv() {
                    Ok(incoming) => incoming,
                    Err(TryRecvError::Empty) => {
                        self.analyze_stale();
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => return 1,
                },
                None => match receiver.recv() {
                    Ok(incoming) => incoming,
                    Err(_) => return 1,
                },
            };
            let event = match incoming {
                Incoming::Message(message) => Event::from_message(message),
                Incoming::Malformed { id, error } => Event::Malformed(id, error),
            };
            if let Some(code) = self.handle(event) {
                return code;
            }
        }
    }

    /// Handles one event; `Some(code)` ends the loop.
    fn handle(&mut self, event: Event) -> Option<u8> {
        match (self.phase, event) {
            (phase, Event::Exit) => return Some(if phase == Phase::ShutDown { 0 } else { 1 }),
            (_, Event::Malformed(id, error)) => {
                transport::log(&format!("dropped a malformed message: {error}"));
                if let Some(id) = id {
                    let message = format!("malformed message: {error}");
                    self.reply_error(id, ErrorCode::InvalidRequest, message);
                }
            }
            (Phase::Uninitialized, event) => self.uninitialized(event),
            (Phase::Running, event) => self.running(event),
            (Phase::ShutDown, event) => {
                if let Event::Request(Request { id, .. })
                | Event::Shutdown(id)
                | Event::Initialize(id) = event
                {
                    let message = "the server is shutting down".into();
                    self.reply_error(id, ErrorCode::InvalidRequest, message);
                }
            }
        }
        None
    }

    /// Before `initialize`: requests are refused, notifications dropped.
    fn uninitialized(&mut self, event: Event) {
        match event {
            Event::Initialize(id) => {
                self.phase = Phase::Running;
                transport::send(transport::ok_response(id, handlers::initialize_result()).into());
            }
            Event::Request(Request { id, .. }) | Event::Shutdown(id) => {
                let message = "the server is not initialized".into();
                self.reply_error(id, ErrorCode::ServerNotInitialized, message);
            }
            _ => {}
        }
    }

    fn running(&mut self, event: Event) {
        match event {
            Event::Initialize(id) => {
                self.reply_error(id, ErrorCode::InvalidRequest, "already initialized".into());
            }
            Event::Shutdown(id) => {
                self.phase = Phase::ShutDown;
                transport::send(transport::ok_response(id, ()).into());
            }
            Event::Opened(params) => {
                let document = params.text_document;
                let uri = document.uri.clone();
                self.documents
                    .open(document.uri, document.version, document.text);
                self.mark_stale(&uri);
            }
            Event::Changed(params) => {
                let uri = params.text_document.uri;
                let version = params.text_document.version;
                let changed = self.documents.update(&uri, version, |text| {
                    for change in params.content_changes {
                        convert::apply_change(text, change.range, &change.text);
                    }
                });
                if changed {
                    self.mark_stale(&uri);
                }
            }
            Event::Closed(params) => self.close(&params.text_document.uri),
            Event::Saved(params) => self.saved(&params.text_document.uri),
            Event::Request(request) => {
                self.analyze_stale();
                let world = World {
                    documents: &self.documents,
                    analyses: self.analyzed_map(),
                };
                let response = handlers::dispatch(&world, request);
                transport::send(response.into());
            }
            Event::BadNotification(method, error) => {
                transport::log(&format!(
                    "ignored `{method}` with invalid parameters: {error}"
                ));
            }
            Event::Exit | Event::Malformed(..) | Event::Ignored => {}
        }
    }

    fn analyzed_map(&self) -> HashMap<String, &Analysis> {
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
        self.stale.insert(key(uri));
        if let Some(path) = self.documents.get(uri).map(|d| d.path.clone()) {
            for (root, analyzed) in &self.analyzed {
                if analyzed.analysis.read_paths.contains(&path) {
                    self.stale.insert(root.clone());
                }
            }
        }
        self.schedule();
    }

    /// Notes that analysis is pending: it runs once the messages waiting are
    /// handled (at most [`STARVATION`] later).
    fn schedule(&mut self) {
        if !self.stale.is_empty() {
            self.stale_since.get_or_insert_with(Instant::now);
        }
    }

    /// Re-analyses every stale open document and publishes its diagnostics.
    fn analyze_stale(&mut self) {
        self.stale_since = None;
        let mut stale: Vec<String> = self.stale.drain().collect();
        stale.sort();
        for uri in stale {
            let Some(document) = self.documents.get_by_key(&uri) else {
                continue;
            };
            let document_uri = document.uri.clone();
            let mut old = self.analyzed.remove(&uri);
            let mut cache = old
                .as_mut()
                .map(|old| std::mem::take(&mut old.cache))
                .unwrap_or_default();
            let analysis = driver::analyze_with(
                &self.documents.vfs(),
                std::slice::from_ref(&document.path),
                &mut cache,
            );
            let previous = match old {
                Some(old) => {
                    drop_later(old.analysis);
                    old.published
                }
                None => Vec::new(),
            };
            let mut analyzed = Analyzed {
                analysis,
                cache,
                build: None,
                published: previous,
            };
            self.publish(&document_uri, &mut analyzed);
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
        let mut now_published: Vec<Uri> = Vec::new();
        for (target, diagnostics) in batches {
            if &target != uri {
                now_published.push(target.clone());
            }
            self.notify_diagnostics(target, diagnostics);
        }
        for old in &analyzed.published {
            if !now_published.contains(old) && self.documents.get(old).is_none() {
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
        self.stale.remove(&key(uri));
        if let Some(analyzed) = self.analyzed.remove(&key(uri)) {
            for other in analyzed.published {
                if self.documents.get(&other).is_none() {
                    self.notify_diagnostics(other, Vec::new());
                }
            }
        }
        self.notify_diagnostics(uri.clone(), Vec::new());
        // Importers now read the file from the disk.
        let importers: Vec<String> = self
            .analyzed
            .iter()
            .filter(|(_, a)| a.analysis.read_paths.contains(&document.path))
            .map(|(root, _)| root.clone())
            .collect();
        self.stale.extend(importers);
        self.schedule();
    }

    /// On save, builds a clean program and publishes the build's problems.
    fn saved(&mut self, uri: &Uri) {
        self.analyze_stale();
        let Some(mut analyzed) = self.analyzed.remove(&key(uri)) else {
            return;
        };
        if !analyzed.analysis.diagnostics.has_errors() {
            analyzed.build = Some(match driver::build(&analyzed.analysis) {
                Ok(artifact) => artifact.warnings,
                Err(diagnostics) => diagnostics,
            });
            self.publish(uri, &mut analyzed);
        }
        self.analyzed.insert(key(uri), analyzed);
    }
}

/// Frees an old analysis on another thread: dropping a large syntax tree
/// and typed program takes a few milliseconds the editor need not wait for.
fn drop_later(analysis: Analysis) {
    // If no thread can be started, the analysis is dropped right here.
    let _ = std::thread::Builder::new()
        .name("ecsc-lsp-drop".into())
        .spawn(move || drop(analysis));
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
