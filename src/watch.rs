//! Watch mode: recompile a program on every save (`ecsc watch`).
//!
//! The loop follows Typst's: analyse with [`driver::analyze`], report, and on
//! a clean analysis [`driver::build`] and write the template atomically; then
//! watch the files that analysis read and wait for the next change. It uses
//! the same two driver functions as `ecsc build`, never a copy of them.
//!
//! - **What is watched.** The *directories* of the files the last analysis
//!   read (root and imports, including imports that could not be read), each
//!   non-recursively, so that editors that save by renaming a temporary file
//!   over the original, or by deleting and recreating it, are seen as well as
//!   in-place writes. Events are filtered to those files; `Access` and
//!   metadata-only events and the output file are ignored. Files in
//!   directories that do not exist (or cannot be watched) are polled every
//!   [`POLL`].
//! - **Debouncing.** After the first relevant event, events are collected
//!   until [`QUIET`] passes without one (or [`STARVATION_CAP`] after the
//!   first), so that one save gives exactly one recompile.
//! - **User errors never end the loop.** Diagnostics go to stderr, the last
//!   good output file is left untouched, and one status line goes to stdout
//!   per run: `✓ built OUT in 3.2 ms: 25 resources, 0 warnings` or
//!   `✗ 3 errors, 0 warnings in 1.1 ms (OUT left as it was)`.
//! - **Stopping.** SIGINT or SIGTERM makes [`run`] return `Ok(())`.
//!
//! This is an edge of the compiler, like `cli/`: it does I/O and reads the
//! clock; the pipeline behind `driver` does neither.

use crate::cli::Format;
use crate::cli::output::{print_diagnostics, write_atomic};
use crate::driver::{self, Analysis};
use crate::vfs::{DiskVfs, Vfs};
use notify::event::ModifyKind;
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

/// A burst of events ends after this long without a relevant one.
pub const QUIET: Duration = Duration::from_millis(50);
/// A burst never delays the recompile by more than this after its first event.
pub const STARVATION_CAP: Duration = Duration::from_millis(500);
/// How often files in directories that are not watched (missing ones) are read again.
pub const POLL: Duration = Duration::from_millis(250);

/// What to watch and where to write.
#[derive(Debug, Clone)]
pub struct Options {
    /// The program's root file.
    pub file: PathBuf,
    /// Where to write the template; `None` only checks (diagnostics and status).
    pub output: Option<PathBuf>,
    /// Clear the screen before each run (only done when stdout is a terminal).
    pub clear: bool,
}

/// Watches `options.file` until SIGINT or SIGTERM. Fails only when watching
/// cannot start (no file watcher, signals, or the output would overwrite the program).
pub fn run(options: &Options) -> Result<(), String> {
    if let Some(out) = &options.output {
        let key = |path: &Path| split(path).map(|(_, key)| key);
        if key(out).is_some() && key(out) == key(&options.file) {
            return Err(format!(
                "the output {} is the program itself",
                out.display()
            ));
        }
    }
    let (sender, receiver) = mpsc::channel();
    let events = sender.clone();
    let watcher = notify::recommended_watcher(move |event| {
        let _ = events.send(Message::Fs(event));
    })
    .map_err(|e| format!("cannot watch files: {e}"))?;
    stop_on_signals(sender).map_err(|e| format!("cannot handle signals: {e}"))?;
    let mut watches = Watches::new(watcher, options.output.as_deref());
    loop {
        let reads = compile(options);
        if watches.update(&reads) {
            continue;
        }
        match watches.wait(&receiver) {
            Wake::Changed => continue,
            Wake::Stop => return Ok(()),
        }
    }
}

/// What reaches the loop.
enum Message {
    /// A file system event (or a watcher error).
    Fs(notify::Result<notify::Event>),
    /// SIGINT or SIGTERM.
    Stop,
}

/// Why waiting ended.
enum Wake {
    /// A watched file changed (or a polled one did).
    Changed,
    /// Time to exit.
    Stop,
}

/// A content fingerprint: `None` when the file could not be read.
type Fingerprint = Option<u64>;

/// One run: clear, analyse, build, write, print the status line. Returns
/// what the analysis read, with fingerprints.
fn compile(options: &Options) -> HashMap<PathBuf, Fingerprint> {
    if options.clear && std::io::stdout().is_terminal() {
        let _ = write!(std::io::stdout(), "\x1b[2J\x1b[H");
    }
    let started = Instant::now();
    let vfs = RecordingVfs::default();
    let analysis = driver::analyze(&vfs, std::slice::from_ref(&options.file));
    let status = build_and_write(options, &analysis, started);
    let _ = writeln!(std::io::stdout(), "{status}");
    vfs.reads.into_inner()
}

/// Builds a clean analysis, writes the output and returns the status line.
fn build_and_write(options: &Options, analysis: &Analysis, started: Instant) -> String {
    if let Some((path, error)) = analysis.io_errors.first() {
        return format!(
            "✗ cannot read {}: {error}; waiting for it to change",
            path.display()
        );
    }
    let artifact = match driver::build(analysis) {
        Ok(artifact) => artifact,
        Err(diags) => {
            print_diagnostics(&diags, &analysis.sources, Format::Human);
            let kept = options
                .output
                .as_ref()
                .map(|out| format!(" ({} left as it was)", out.display()))
                .unwrap_or_default();
            return format!(
                "✗ {}, {} in {}{kept}",
                plural(diags.error_count(), "error"),
                plural(diags.warning_count(), "warning"),
                millis(started),
            );
        }
    };
    print_diagnostics(&artifact.warnings, &analysis.sources, Format::Human);
    let done = match &options.output {
        Some(out) => match write_atomic(out, &artifact.text) {
            Ok(()) => format!("built {}", out.display()),
            Err(error) => return format!("✗ cannot write {}: {error}", out.display()),
        },
        None => format!("checked {}", options.file.display()),
    };
    format!(
        "✓ {done} in {}: {}, {}",
        millis(started),
        plural(artifact.template.resources.len(), "resource"),
        plural(artifact.warnings.warning_count(), "warning"),
    )
}

/// `1 error`, `2 errors`.
fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The time since `started`, as `3.2 ms`.
fn millis(started: Instant) -> String {
    format!("{:.1} ms", started.elapsed().as_secs_f64() * 1000.0)
}

/// The disk, remembering a fingerprint of every file read.
#[derive(Default)]
struct RecordingVfs {
    reads: RefCell<HashMap<PathBuf, Fingerprint>>,
}

impl Vfs for RecordingVfs {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        let result = DiskVfs.read(path);
        self.reads
            .borrow_mut()
            .insert(path.to_path_buf(), fingerprint(&result));
        result
    }
}

/// Hashes a read's bytes.
fn fingerprint(result: &std::io::Result<Vec<u8>>) -> Fingerprint {
    let bytes = result.as_ref().ok()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    Some(hasher.finish())
}

/// A file's canonical directory and its key (canonical directory joined
/// with its name, which is how the watcher names it), or `None` when the
/// directory does not exist.
fn split(path: &Path) -> Option<(PathBuf, PathBuf)> {
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(parent).ok()?;
    let key = dir.join(path.file_name()?);
    Some((dir, key))
}

/// The watcher and what it is watching.
struct Watches {
    watcher: RecommendedWatcher,
    /// Canonical directories being watched.
    dirs: HashSet<PathBuf>,
    /// Keys (see [`split`]) of the files whose events count.
    files: HashSet<PathBuf>,
    /// Files whose directory is not watched (it does not exist yet, or
    /// watching it failed), with their fingerprints: polled.
    polled: Vec<(PathBuf, Fingerprint)>,
    /// The output file, whose events never count.
    output: Option<PathBuf>,
}

impl Watches {
    fn new(watcher: RecommendedWatcher, output: Option<&Path>) -> Self {
        Self {
            watcher,
            dirs: HashSet::new(),
            files: HashSet::new(),
            polled: Vec::new(),
            output: output.and_then(split).map(|(_, key)| key),
        }
    }

    /// Watches the directories of `reads` (and of symlink targets among
    /// them) and nothing else. Returns true when a newly watched file has
    /// changed since it was read, i.e. a change may have been missed.
    fn update(&mut self, reads: &HashMap<PathBuf, Fingerprint>) -> bool {
        let mut wanted = HashSet::new();
        self.files.clear();
        for path in reads.keys() {
            let target = std::fs::read_link(path)
                .ok()
                .map(|link| match path.parent() {
                    Some(parent) => parent.join(link),
                    None => link,
                });
            for (dir, key) in std::iter::once(path)
                .chain(target.as_ref())
                .filter_map(|p| split(p))
            {
                wanted.insert(dir);
                self.files.insert(key);
            }
        }
        let stale: Vec<PathBuf> = self.dirs.difference(&wanted).cloned().collect();
        for dir in stale {
            self.forget(&dir);
        }
        let mut added = false;
        for dir in wanted {
            if self.dirs.contains(&dir) {
                continue;
            }
            match self.watcher.watch(&dir, RecursiveMode::NonRecursive) {
                Ok(()) => {
                    self.dirs.insert(dir);
                    added = true;
                }
                Err(error) => {
                    let _ = writeln!(
                        std::io::stderr(),
                        "warning: cannot watch {} ({error}); polling it",
                        dir.display()
                    );
                }
            }
        }
        self.polled = reads
            .iter()
            .filter(|(path, _)| !split(path).is_some_and(|(dir, _)| self.dirs.contains(&dir)))
            .map(|(path, seen)| (path.clone(), *seen))
            .collect();
        added
            && reads
                .iter()
                .any(|(path, seen)| fingerprint(&DiskVfs.read(path)) != *seen)
    }

    /// Stops watching a directory (it is watched again on the next update if still wanted).
    fn forget(&mut self, dir: &Path) {
        let _ = self.watcher.unwatch(dir);
        self.dirs.remove(dir);
    }

    /// Whether an event is about a watched file (or a watched directory itself).
    fn is_relevant(&mut self, event: &notify::Event) -> bool {
        if event.need_rescan() {
            return true;
        }
        if matches!(
            event.kind,
            EventKind::Access(_) | EventKind::Modify(ModifyKind::Metadata(_))
        ) {
            return false;
        }
        let mut relevant = false;
        for path in &event.paths {
            if self.output.as_ref() == Some(path) {
                continue;
            }
            if self.dirs.contains(path) {
                // The directory itself was removed or renamed: its watch is dead.
                self.forget(path);
                relevant = true;
            } else if self.files.contains(path) {
                relevant = true;
            }
        }
        relevant
    }

    /// Waits for a relevant change, then for the burst it starts to end.
    fn wait(&mut self, receiver: &Receiver<Message>) -> Wake {
        loop {
            let message = if self.polled.is_empty() {
                receiver.recv().map_err(|_| RecvTimeoutError::Disconnected)
            } else {
                receiver.recv_timeout(POLL)
            };
            match message {
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return Wake::Stop,
                Ok(Message::Fs(Ok(event))) if !self.is_relevant(&event) => {}
                Ok(Message::Fs(Ok(_))) => break,
                Ok(Message::Fs(Err(error))) => {
                    let _ = writeln!(std::io::stderr(), "warning: file watcher: {error}");
                    break;
                }
                Err(RecvTimeoutError::Timeout) => {
                    let changed = |(path, seen): &(PathBuf, Fingerprint)| {
                        fingerprint(&DiskVfs.read(path)) != *seen
                    };
                    if self.polled.iter().any(changed) {
                        return Wake::Changed;
                    }
                }
            }
        }
        let first = Instant::now();
        let mut last = first;
        loop {
            let deadline = (last + QUIET).min(first + STARVATION_CAP);
            let Some(left) = deadline.checked_duration_since(Instant::now()) else {
                return Wake::Changed;
            };
            match receiver.recv_timeout(left) {
                Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return Wake::Stop,
                Ok(Message::Fs(Ok(event))) if !self.is_relevant(&event) => {}
                Ok(Message::Fs(_)) => last = Instant::now(),
                Err(RecvTimeoutError::Timeout) => return Wake::Changed,
            }
        }
    }
}

/// Sends [`Message::Stop`] on the first SIGINT or SIGTERM; a second one
/// (while a run is stuck) exits at once.
#[cfg(unix)]
fn stop_on_signals(sender: Sender<Message>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::spawn(move || {
        let mut forever = signals.forever();
        if forever.next().is_some() {
            let _ = sender.send(Message::Stop);
        }
        if forever.next().is_some() {
            std::process::exit(0);
        }
    });
    Ok(())
}

/// Elsewhere Ctrl-C keeps its default meaning: the process ends.
#[cfg(not(unix))]
fn stop_on_signals(_sender: Sender<Message>) -> std::io::Result<()> {
    Ok(())
}
