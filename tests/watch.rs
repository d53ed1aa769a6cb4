//! `ecsc watch` end to end: the real binary on a temporary directory.
//!
//! Each test starts `ecsc watch ... --no-clear`, edits files the way editors
//! save them (in place, temporary file renamed over, delete and recreate) and
//! reads the status lines (`✓ ...` / `✗ ...`) from its stdout. Waits poll
//! for up to ten seconds; "exactly one rebuild" is checked by waiting well
//! past the debounce window and counting status lines again.

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long any expected status line may take.
const TIMEOUT: Duration = Duration::from_secs(10);
/// Longer than the debounce window (50 ms) and its starvation cap (500 ms)
/// by a margin: a second rebuild for the same save would show up by then.
const SETTLE: Duration = Duration::from_millis(700);

/// A program with a service whose `count` the tests change.
fn program(count: u32) -> String {
    format!(
        r#"network main {{
  cidr  = "10.0.0.0/16"
  zones = 2
  nat   = single
}}

cluster prod {{
  network = main
}}

service web {{
  cluster = prod
  launch  = fargate
  cpu     = 0.25 vcpu
  memory  = 512 MiB
  count   = {count}

  container app {{
    image = "public.ecr.aws/nginx/nginx:1.27"
    port  = 80
  }}
}}
"#
    )
}

/// A running `ecsc watch`, killed when dropped.
struct Watch {
    child: Child,
    stdout: Arc<Mutex<Vec<(Instant, String)>>>,
    stderr: Arc<Mutex<String>>,
}

impl Watch {
    fn start(dir: &Path, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecsc"))
            .arg("watch")
            .args(args)
            .arg("--no-clear")
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start ecsc watch");
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&stdout);
        let pipe = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                lines.lock().unwrap().push((Instant::now(), line));
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let text = Arc::clone(&stderr);
        let mut pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                let chunk = String::from_utf8_lossy(buffer.get(..n).unwrap_or_default());
                text.lock().unwrap().push_str(&chunk);
            }
        });
        Self {
            child,
            stdout,
            stderr,
        }
    }

    /// The status lines so far, with the time each arrived.
    fn statuses(&self) -> Vec<(Instant, String)> {
        let lines = self.stdout.lock().unwrap();
        lines
            .iter()
            .filter(|(_, line)| line.starts_with('✓') || line.starts_with('✗'))
            .cloned()
            .collect()
    }

    /// Everything printed so far, for failure messages.
    fn transcript(&self) -> String {
        let stdout: Vec<String> = self
            .stdout
            .lock()
            .unwrap()
            .iter()
            .map(|(_, line)| line.clone())
            .collect();
        format!(
            "stdout:\n{}\nstderr:\n{}",
            stdout.join("\n"),
            self.stderr.lock().unwrap()
        )
    }

    /// Waits for status line number `n` (1-based) and returns it with its arrival time.
    fn wait_for(&self, n: usize) -> (Instant, String) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.statuses().get(n - 1) {
                return status.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no status line {n} within {TIMEOUT:?}\n{}",
                self.transcript()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Checks that no further run happens: there are still exactly `n` status lines.
    fn settle(&self, n: usize) {
        std::thread::sleep(SETTLE);
        assert_eq!(
            self.statuses().len(),
            n,
            "expected exactly {n} runs\n{}",
            self.transcript()
        );
    }

    /// Sends a signal with `kill(1)` and returns the exit status and how long exiting took.
    fn signal(mut self, name: &str) -> (ExitStatus, Duration) {
        let sent = Instant::now();
        let killed = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(killed.success());
        let deadline = sent + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return (status, sent.elapsed());
            }
            assert!(Instant::now() < deadline, "still running after {name}");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary directory holding `app.ecs` with `program(2)`.
fn project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("app.ecs");
    std::fs::write(&file, program(2)).expect("write program");
    (dir, file)
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read output")
}

fn desired_count(path: &Path) -> u64 {
    let json: serde_json::Value = serde_json::from_slice(&read(path)).expect("JSON template");
    json["Resources"]["WebService"]["Properties"]["DesiredCount"]
        .as_u64()
        .expect("DesiredCount")
}

/// One way of saving `text` to a file.
type Save = fn(&Path, &str);

/// Saves by writing a temporary file next to `file` and renaming it over.
fn save_by_rename(file: &Path, text: &str) {
    let temp = file.with_extension("ecs.swp");
    std::fs::write(&temp, text).expect("write temp");
    std::fs::rename(&temp, file).expect("rename over");
}

/// Saves by deleting the file and creating it again.
fn save_by_recreate(file: &Path, text: &str) {
    std::fs::remove_file(file).expect("delete");
    std::fs::write(file, text).expect("recreate");
}

#[test]
fn every_kind_of_save_rebuilds_exactly_once() {
    let (dir, file) = project();
    let out = dir.path().join("out.json");
    let watch = Watch::start(dir.path(), &["app.ecs", "-o", "out.json"]);
    let (_, first) = watch.wait_for(1);
    assert!(first.starts_with("✓ built out.json in "), "{first}");
    assert!(first.ends_with(" resources, 0 warnings"), "{first}");
    assert_eq!(desired_count(&out), 2);
    watch.settle(1);

    let mut latencies = Vec::new();
    let mut runs = 1;
    let saves: [(&str, Save); 3] = [
        ("in place", |file, text| {
            std::fs::write(file, text).expect("write")
        }),
        ("rename over", save_by_rename),
        ("delete and recreate", save_by_recreate),
    ];
    for (count, (how, save)) in (3..).zip(saves) {
        // A good save changes the output.
        let saved = Instant::now();
        save(&file, &program(count));
        runs += 1;
        let (arrived, status) = watch.wait_for(runs);
        latencies.push((how, arrived - saved));
        assert!(status.starts_with('✓'), "{how}: {status}");
        assert_eq!(desired_count(&out), u64::from(count), "{how}");
        watch.settle(runs);

        // A broken save reports errors and leaves the output byte-identical.
        let good = read(&out);
        save(&file, "service web {{{\n");
        runs += 1;
        let (_, status) = watch.wait_for(runs);
        assert!(status.starts_with("✗ 1 error"), "{how}: {status}");
        assert!(status.contains("(out.json left as it was)"), "{status}");
        assert_eq!(read(&out), good, "{how}: output changed on error");
        watch.settle(runs);
    }
    // Garbage bytes are diagnosed too, and then the program recovers.
    std::fs::write(&file, [0xff, 0xfe, 0x00, 0x01]).expect("write garbage");
    runs += 1;
    let (_, status) = watch.wait_for(runs);
    assert!(status.starts_with('✗'), "{status}");
    std::fs::write(&file, program(7)).expect("write");
    runs += 1;
    let (_, status) = watch.wait_for(runs);
    assert!(status.starts_with('✓'), "{status}");
    assert_eq!(desired_count(&out), 7);
    assert!(
        watch.stderr.lock().unwrap().contains("E0004"),
        "{}",
        watch.transcript()
    );
    for (how, latency) in latencies {
        eprintln!("save ({how}) -> status line: {latency:?}");
        assert!(latency < Duration::from_secs(2), "{how}: {latency:?}");
    }
}

#[test]
fn a_deleted_file_is_reported_and_awaited() {
    let (dir, file) = project();
    let out = dir.path().join("out.json");
    let watch = Watch::start(dir.path(), &["app.ecs", "-o", "out.json"]);
    watch.wait_for(1);
    let good = read(&out);

    std::fs::remove_file(&file).expect("delete");
    let (_, status) = watch.wait_for(2);
    assert!(status.starts_with("✗ cannot read app.ecs"), "{status}");
    assert!(status.ends_with("waiting for it to change"), "{status}");
    watch.settle(2);
    assert_eq!(read(&out), good);

    std::fs::write(&file, program(5)).expect("recreate");
    let (_, status) = watch.wait_for(3);
    assert!(status.starts_with('✓'), "{status}");
    assert_eq!(desired_count(&out), 5);
}

#[test]
fn a_missing_file_at_start_is_awaited() {
    let dir = tempfile::tempdir().expect("temp dir");
    let watch = Watch::start(dir.path(), &["app.ecs", "-o", "out.json"]);
    let (_, status) = watch.wait_for(1);
    assert!(status.starts_with("✗ cannot read app.ecs"), "{status}");
    std::fs::write(dir.path().join("app.ecs"), program(4)).expect("create");
    let (_, status) = watch.wait_for(2);
    assert!(status.starts_with('✓'), "{status}");
    assert_eq!(desired_count(&dir.path().join("out.json")), 4);
}

#[test]
fn imports_are_watched_and_other_files_ignored() {
    let dir = tempfile::tempdir().expect("temp dir");
    let program = program(2);
    let (network, rest) = program.split_at(program.find("cluster").expect("cluster"));
    std::fs::create_dir(dir.path().join("lib")).expect("mkdir");
    std::fs::write(dir.path().join("lib/net.ecs"), network).expect("write import");
    std::fs::write(
        dir.path().join("app.ecs"),
        format!("import \"lib/net.ecs\"\n\n{rest}"),
    )
    .expect("write program");
    let out = dir.path().join("out.json");
    let watch = Watch::start(dir.path(), &["app.ecs", "-o", "out.json"]);
    let (_, status) = watch.wait_for(1);
    assert!(status.starts_with('✓'), "{status}");

    // Neither the output file nor unrelated files trigger a run.
    std::fs::write(&out, "{}").expect("write output");
    std::fs::write(dir.path().join("notes.txt"), "x").expect("write other");
    std::fs::write(dir.path().join("lib/other.ecs"), "x").expect("write other");
    watch.settle(1);

    // Editing the import does.
    save_by_rename(
        &dir.path().join("lib/net.ecs"),
        &network.replace("zones = 2", "zones = 3"),
    );
    let (_, status) = watch.wait_for(2);
    assert!(status.starts_with('✓'), "{status}");
    let template = String::from_utf8(read(&out)).expect("UTF-8");
    assert!(template.contains("\"MainPrivateSubnet3\""), "{template}");
    watch.settle(2);

    // A broken import is an error like any other.
    std::fs::remove_file(dir.path().join("lib/net.ecs")).expect("delete import");
    let (_, status) = watch.wait_for(3);
    assert!(status.starts_with("✗ "), "{status}");
    assert!(
        watch.stderr.lock().unwrap().contains("E1005"),
        "{}",
        watch.transcript()
    );
}

#[test]
fn without_output_it_only_checks() {
    let (dir, file) = project();
    let watch = Watch::start(dir.path(), &["app.ecs"]);
    let (_, status) = watch.wait_for(1);
    assert!(status.starts_with("✓ checked app.ecs in "), "{status}");
    std::fs::write(&file, "service {").expect("write");
    let (_, status) = watch.wait_for(2);
    assert!(status.starts_with('✗'), "{status}");
    assert!(!status.contains("left as it was"), "{status}");
    let entries = std::fs::read_dir(dir.path()).expect("read dir").count();
    assert_eq!(entries, 1, "watch without -o wrote a file");
}

#[test]
fn sigterm_and_sigint_stop_it_with_exit_zero() {
    for signal in ["TERM", "INT"] {
        let (dir, _file) = project();
        let watch = Watch::start(dir.path(), &["app.ecs", "-o", "out.json"]);
        watch.wait_for(1);
        let (status, took) = watch.signal(signal);
        assert_eq!(status.code(), Some(0), "SIG{signal}: {status:?}");
        assert!(took < Duration::from_secs(1), "SIG{signal} took {took:?}");
    }
}

#[test]
fn the_output_may_not_be_the_program() {
    let (dir, _file) = project();
    let status = Command::new(env!("CARGO_BIN_EXE_ecsc"))
        .args(["watch", "app.ecs", "-o", "./app.ecs"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run ecsc");
    assert_eq!(status.code(), Some(2));
}

#[test]
fn a_missing_import_directory_is_polled_until_it_appears() {
    let dir = tempfile::tempdir().expect("temp dir");
    let program = program(2);
    let (network, rest) = program.split_at(program.find("cluster").expect("cluster"));
    std::fs::write(
        dir.path().join("app.ecs"),
        format!("import \"lib/net.ecs\"\n\n{rest}"),
    )
    .expect("write program");
    let watch = Watch::start(dir.path(), &["app.ecs", "-o", "out.json"]);
    let (_, status) = watch.wait_for(1);
    assert!(status.starts_with('✗'), "{status}");
    std::fs::create_dir(dir.path().join("lib")).expect("mkdir");
    std::fs::write(dir.path().join("lib/net.ecs"), network).expect("write import");
    let (_, status) = watch.wait_for(2);
    assert!(status.starts_with('✓'), "{status}");
    assert_eq!(desired_count(&dir.path().join("out.json")), 2);
}
