//! End-to-end tests of `ecsc lsp`: start the real binary and speak JSON-RPC
//! over stdio with `Content-Length` framing, as an editor does. Every read
//! has a timeout, so a hung server fails the test instead of hanging it.

#[path = "../benches/support/programs.rs"]
#[allow(dead_code)]
mod programs;

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

const PROGRAM: &str = r#"network main {
  nat = single
}

/// The production cluster.
cluster prod {
  network = main
}

/// The public API.
service api {
  cluster = prod
  cpu     = 0.5 vcpu
  memory  = 1 GiB
  launch  = fargat
  container web {
    image = "nginx:1.27"
  }
}

output cluster_name = prod.name
"#;

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    queue: VecDeque<Value>,
    next_id: i64,
    dir: tempfile::TempDir,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ecsc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start ecsc lsp");
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, messages) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            loop {
                let mut length = None;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(value) = line.strip_prefix("Content-Length: ") {
                        length = value.parse::<usize>().ok();
                    }
                }
                let mut body = vec![0; length.expect("Content-Length")];
                if reader.read_exact(&mut body).is_err() {
                    return;
                }
                let message: Value = serde_json::from_slice(&body).expect("server sent JSON");
                if sender.send(message).is_err() {
                    return;
                }
            }
        });
        let mut server = Server {
            child,
            stdin,
            messages,
            queue: VecDeque::new(),
            next_id: 0,
            dir: tempfile::tempdir().unwrap(),
        };
        let init = server.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "ecsc");
        server.notify("initialized", json!({}));
        server
    }

    fn uri(&self, name: &str) -> String {
        format!("file://{}", self.dir.path().join(name).display())
    }

    fn send_raw(&mut self, body: &[u8]) {
        write!(self.stdin, "Content-Length: {}\r\n\r\n", body.len()).unwrap();
        self.stdin.write_all(body).unwrap();
        self.stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        self.send_raw(message.to_string().as_bytes());
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self, deadline: Instant) -> Value {
        let wait = deadline.saturating_duration_since(Instant::now());
        match self.messages.recv_timeout(wait) {
            Ok(message) => message,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server in time"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// Sends a request and returns the whole response message.
    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        self.response(json!(id))
    }

    fn response(&mut self, id: Value) -> Value {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next(deadline);
            if message.get("id") == Some(&id) && message.get("method").is_none() {
                return message;
            }
            self.queue.push_back(message);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        if let Some(index) = self.queue.iter().position(matches) {
            let message = self.queue.remove(index).unwrap();
            return message["params"]["diagnostics"].as_array().unwrap().clone();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = self.next(deadline);
            if matches(&message) {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
            self.queue.push_back(message);
        }
    }

    /// The diagnostics published for `version` of `uri` (earlier ones skipped).
    fn published(&mut self, uri: &str, version: i32) -> Vec<Value> {
        let matches = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let message = match self.queue.iter().position(matches) {
                Some(index) => self.queue.remove(index).unwrap(),
                None => {
                    let message = self.next(deadline);
                    if !matches(&message) {
                        self.queue.push_back(message);
                        continue;
                    }
                    message
                }
            };
            if message["params"]["version"] == version {
                return message["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    fn open(&mut self, name: &str, text: &str) -> String {
        let uri = self.uri(name);
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "ecs", "version": 1, "text": text}}),
        );
        uri
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"text": text}]}),
        );
    }

    fn at(&mut self, method: &str, uri: &str, position: (u32, u32), extra: Value) -> Value {
        let mut params = json!({
            "textDocument": {"uri": uri},
            "position": {"line": position.0, "character": position.1},
        });
        if let (Some(params), Some(extra)) = (params.as_object_mut(), extra.as_object()) {
            params.extend(extra.clone());
        }
        self.request(method, params)
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the server did not exit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn shutdown(mut self) -> ExitStatus {
        let response = self.request("shutdown", Value::Null);
        assert_eq!(response["result"], Value::Null);
        assert!(response.get("error").is_none());
        self.notify("exit", Value::Null);
        self.wait_exit()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// 0-based (line, UTF-16 column) of the `nth` occurrence of `needle`, plus `shift` columns.
fn pos(text: &str, needle: &str, nth: usize, shift: u32) -> (u32, u32) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("`{needle}` not in text"))
        .0;
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let column = before.rsplit('\n').next().unwrap().encode_utf16().count() as u32;
    (line, column + shift)
}

fn range(start: (u32, u32), end: (u32, u32)) -> Value {
    json!({"start": {"line": start.0, "character": start.1},
           "end": {"line": end.0, "character": end.1}})
}

fn labels(completion: &Value) -> Vec<String> {
    completion["result"]["items"]
        .as_array()
        .expect("a completion list")
        .iter()
        .map(|item| item["label"].as_str().unwrap().to_string())
        .collect()
}

fn fixed() -> String {
    PROGRAM.replace("fargat\n", "fargate\n")
}

#[test]
fn diagnostics_are_published_and_cleared() {
    let mut server = Server::start();
    let uri = server.open("main.ecs", PROGRAM);
    let diagnostics = server.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let diagnostic = &diagnostics[0];
    assert_eq!(diagnostic["code"], "E2005");
    assert_eq!(diagnostic["severity"], 1);
    assert_eq!(diagnostic["source"], "ecsc");
    let start = pos(PROGRAM, "fargat", 0, 0);
    assert_eq!(diagnostic["range"], range(start, (start.0, start.1 + 6)));
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .starts_with("unknown value `fargat`")
    );
    let href = diagnostic["codeDescription"]["href"].as_str().unwrap_or("");
    assert!(href.ends_with("E2005.md"), "{href}");

    server.change(&uri, 2, &fixed());
    assert_eq!(server.diagnostics(&uri), Vec::<Value>::new());
    assert!(server.shutdown().success());
}

#[test]
fn broken_files_get_diagnostics_and_related_information() {
    let mut server = Server::start();
    let text = "network main {}\ncluster prod {\n  network = \n}\nservice api {\n  cluster = prod\n  launch = fargat\n  container web { image = \"x:1\" }\n}\n";
    let uri = server.open("broken.ecs", text);
    let diagnostics = server.diagnostics(&uri);
    let codes: Vec<&str> = diagnostics
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    // The syntax error does not hide what can be checked in the other declarations.
    assert!(codes.contains(&"E0001"), "{codes:?}");
    assert!(codes.contains(&"E2005"), "{codes:?}");
    let syntax = &diagnostics[0];
    assert_eq!(syntax["code"], "E0001");
    assert_eq!(syntax["range"], range((3, 0), (3, 1)));

    let text =
        "network main {}\ncluster prod { network = main }\ncluster prod { network = main }\n";
    server.change(&uri, 2, text);
    let diagnostics = server.diagnostics(&uri);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0]["code"], "E1002");
    let related = &diagnostics[0]["relatedInformation"][0];
    assert_eq!(related["location"]["uri"], uri.as_str());
    let first = pos(text, "prod", 0, 0);
    assert_eq!(
        related["location"]["range"],
        range(first, (first.0, first.1 + 4))
    );
}

#[test]
fn hover_shows_docs_types_and_normalised_values() {
    let mut server = Server::start();
    let uri = server.open("main.ecs", &fixed());
    let text = fixed();
    let _ = server.diagnostics(&uri);

    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(&text, "cpu", 0, 1),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("Task CPU"), "{value}");
    assert!(value.contains("cpu: Cpu?"), "{value}");

    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(&text, "0.5 vcpu", 0, 2),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("512 CPU units"), "{value}");
    let start = pos(&text, "0.5 vcpu", 0, 0);
    assert_eq!(
        hover["result"]["range"],
        range(start, (start.0, start.1 + 8))
    );

    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(&text, "1 GiB", 0, 3),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("1024 MiB"), "{value}");

    // A reference shows the declaration it names, with its doc comment.
    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(&text, "= prod", 0, 3),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("cluster prod"), "{value}");
    assert!(value.contains("The production cluster."), "{value}");

    // A kind word shows the kind's doc comment.
    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(&text, "service", 0, 2),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("kind service(name)"), "{value}");

    // An attribute.
    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(&text, "prod.name", 0, 6),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("The cluster name."), "{value}");

    // Whitespace and positions past the end: nothing.
    let hover = server.at("textDocument/hover", &uri, (3, 0), json!({}));
    assert_eq!(hover["result"], Value::Null);
    let hover = server.at("textDocument/hover", &uri, (500, 3), json!({}));
    assert_eq!(hover["result"], Value::Null);
    assert!(server.shutdown().success());
}

#[test]
fn definition_references_and_rename() {
    let mut server = Server::start();
    let text = fixed();
    let uri = server.open("main.ecs", &text);
    let _ = server.diagnostics(&uri);
    let declaration = pos(&text, "cluster prod", 0, 8);
    let uses = [pos(&text, "= prod", 0, 2), pos(&text, "prod.name", 0, 0)];

    let definition = server.at(
        "textDocument/definition",
        &uri,
        (uses[0].0, uses[0].1 + 2),
        json!({}),
    );
    assert_eq!(definition["result"]["uri"], uri.as_str());
    assert_eq!(
        definition["result"]["range"],
        range(declaration, (declaration.0, declaration.1 + 4))
    );

    let references = server.at(
        "textDocument/references",
        &uri,
        declaration,
        json!({"context": {"includeDeclaration": true}}),
    );
    let ranges: Vec<Value> = references["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["range"].clone())
        .collect();
    let expected: Vec<Value> = [declaration, uses[0], uses[1]]
        .iter()
        .map(|p| range(*p, (p.0, p.1 + 4)))
        .collect();
    assert_eq!(ranges, expected);

    let prepare = server.at("textDocument/prepareRename", &uri, uses[1], json!({}));
    assert_eq!(prepare["result"]["placeholder"], "prod");

    let rename = server.at(
        "textDocument/rename",
        &uri,
        uses[1],
        json!({"newName": "live"}),
    );
    let edits = rename["result"]["changes"][uri.as_str()]
        .as_array()
        .unwrap()
        .clone();
    let mut edited: Vec<Value> = edits.iter().map(|e| e["range"].clone()).collect();
    edited.sort_by_key(|r| {
        (
            r["start"]["line"].as_u64(),
            r["start"]["character"].as_u64(),
        )
    });
    assert_eq!(edited, expected);
    assert!(edits.iter().all(|e| e["newText"] == "live"));

    for bad in ["9lives", "let", "has space", "main"] {
        let rename = server.at(
            "textDocument/rename",
            &uri,
            uses[1],
            json!({"newName": bad}),
        );
        assert!(
            rename.get("error").is_some(),
            "renaming to {bad:?} should fail: {rename}"
        );
    }
    assert!(server.shutdown().success());
}

#[test]
fn completion_of_fields_values_and_units() {
    let mut server = Server::start();
    let text = fixed().replace("  launch  = fargate\n", "  launch  = fargate\n  \n");
    let uri = server.open("main.ecs", &text);
    let _ = server.diagnostics(&uri);

    // An empty line in the service block: fields not set yet.
    let blank = pos(&text, "  \n", 0, 2);
    let labels_here = labels(&server.at("textDocument/completion", &uri, blank, json!({})));
    for wanted in ["count", "subnets", "container", "log_retention"] {
        assert!(
            labels_here.contains(&wanted.to_string()),
            "{wanted} in {labels_here:?}"
        );
    }
    for set in ["cpu", "memory", "cluster", "launch"] {
        assert!(
            !labels_here.contains(&set.to_string()),
            "{set} in {labels_here:?}"
        );
    }

    // Half-typed input: the block does not parse.
    let half = fixed().replace("  cpu     = 0.5 vcpu\n  memory  = 1 GiB\n", "  launch = \n");
    let half = half.replace("  launch  = fargate\n", "");
    server.change(&uri, 2, &half);
    let _ = server.diagnostics(&uri);
    let at = pos(&half, "launch = ", 0, 9);
    let values = labels(&server.at("textDocument/completion", &uri, at, json!({})));
    assert_eq!(values, vec!["fargate", "ec2"]);

    // Fields, in a block that does not parse: `cpu` and `memory` are offered.
    let half = fixed().replace(
        "  cpu     = 0.5 vcpu\n  memory  = 1 GiB\n",
        "  m\n  count = \n",
    );
    server.change(&uri, 3, &half);
    let _ = server.diagnostics(&uri);
    let at = pos(&half, "  m\n", 0, 3);
    let fields = labels(&server.at("textDocument/completion", &uri, at, json!({})));
    assert!(fields.contains(&"memory".to_string()), "{fields:?}");
    assert!(fields.contains(&"cpu".to_string()), "{fields:?}");
    assert!(!fields.contains(&"cluster".to_string()), "{fields:?}");
    assert!(!fields.contains(&"launch".to_string()), "{fields:?}");

    // References of the expected kind.
    let half = fixed().replace("  cluster = prod\n", "  cluster = p\n");
    server.change(&uri, 4, &half);
    let _ = server.diagnostics(&uri);
    let at = pos(&half, "cluster = p", 0, 11);
    let names = labels(&server.at("textDocument/completion", &uri, at, json!({})));
    assert_eq!(names, vec!["prod"]);

    // Units after a number.
    let half = fixed().replace("1 GiB", "2");
    server.change(&uri, 5, &half);
    let _ = server.diagnostics(&uri);
    let at = pos(&half, "= 2\n", 0, 3);
    let completion = server.at("textDocument/completion", &uri, at, json!({}));
    assert_eq!(labels(&completion), vec!["MiB", "GiB"]);
    assert_eq!(
        completion["result"]["items"][1]["textEdit"]["newText"],
        " GiB"
    );

    // Top level: kinds and keywords.
    let top = format!("{}\n", fixed());
    server.change(&uri, 6, &top);
    let _ = server.diagnostics(&uri);
    let end = (top.matches('\n').count() as u32, 0);
    let kinds = labels(&server.at("textDocument/completion", &uri, end, json!({})));
    for wanted in [
        "service", "cluster", "network", "let", "param", "output", "import",
    ] {
        assert!(kinds.contains(&wanted.to_string()), "{wanted} in {kinds:?}");
    }
    assert!(server.shutdown().success());
}

#[test]
fn outline_folding_and_code_actions() {
    let mut server = Server::start();
    let uri = server.open("main.ecs", PROGRAM);
    let _ = server.diagnostics(&uri);

    let symbols = server.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["main", "prod", "api", "cluster_name"]);
    assert_eq!(symbols["result"][2]["children"][0]["name"], "web");
    assert_eq!(symbols["result"][2]["detail"], "service");

    let folding = server.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": uri}}),
    );
    let service = pos(PROGRAM, "service api", 0, 0).0;
    assert!(
        folding["result"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["startLine"] == service && r["endLine"] == service + 7),
        "{folding}"
    );

    let at = pos(PROGRAM, "fargat", 0, 0);
    let actions = server.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": range(at, at), "context": {"diagnostics": []}}),
    );
    let action = &actions["result"][0];
    assert_eq!(action["title"], "replace with `fargate`");
    assert_eq!(action["kind"], "quickfix");
    let edit = &action["edit"]["changes"][uri.as_str()][0];
    assert_eq!(edit["newText"], "fargate");
    assert_eq!(edit["range"], range(at, (at.0, at.1 + 6)));
    assert!(server.shutdown().success());
}

#[test]
fn formatting_replaces_the_document() {
    let mut server = Server::start();
    let messy = "cluster   prod {\n network=main\n}\nnetwork main {}\n";
    let uri = server.open("fmt.ecs", messy);
    let _ = server.diagnostics(&uri);
    let response = server.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let edits = response["result"].as_array().expect("edits");
    assert_eq!(edits.len(), 1);
    let new_text = edits[0]["newText"].as_str().unwrap();
    assert!(
        new_text.starts_with("cluster prod {\n  network = main\n}\n"),
        "{new_text}"
    );
    assert_eq!(edits[0]["range"], range((0, 0), (4, 0)));
    assert!(server.shutdown().success());
}

#[test]
fn protocol_errors_do_not_kill_the_server() {
    let mut server = Server::start();
    // Unknown method.
    let response = server.request("textDocument/unknownThing", json!({}));
    assert_eq!(response["error"]["code"], -32601);
    // Malformed parameters.
    let response = server.request("textDocument/hover", json!({"textDocument": 3}));
    assert_eq!(response["error"]["code"], -32602);
    // Garbage bodies.
    server.send_raw(b"this is not json");
    server.send_raw(br#"{"jsonrpc":"2.0","id":99,"bogus":true}"#);
    let response = server.response(json!(99));
    assert_eq!(response["error"]["code"], -32600);
    // A document that is not open.
    let uri = server.uri("nowhere.ecs");
    let response = server.at("textDocument/hover", &uri, (0, 0), json!({}));
    assert_eq!(response["result"], Value::Null);
    let response = server.at("textDocument/completion", &uri, (0, 0), json!({}));
    assert_eq!(response["result"], Value::Null);
    // Still alive.
    let uri = server.open("main.ecs", PROGRAM);
    assert_eq!(server.diagnostics(&uri).len(), 1);
    assert!(server.shutdown().success());
}

#[test]
fn exit_without_shutdown_is_an_error() {
    let mut server = Server::start();
    server.notify("exit", Value::Null);
    let status = server.wait_exit();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn requests_after_shutdown_are_refused() {
    let mut server = Server::start();
    let response = server.request("shutdown", Value::Null);
    assert!(response.get("error").is_none());
    let response = server.request("textDocument/hover", json!({}));
    assert_eq!(response["error"]["code"], -32600);
    server.notify("exit", Value::Null);
    assert_eq!(server.wait_exit().code(), Some(0));
}

/// Measures (does not assert) how long a 5,000-line document (the program of
/// the LSP benchmark, `benches/support/programs.rs`) takes to get fresh
/// diagnostics after a one-character edit, as an editor sends it
/// (incremental sync), with the `ecsc` binary of this build. Run with
/// `cargo test --release --test lsp latency -- --nocapture` to see the numbers.
#[test]
fn latency_on_a_large_document() {
    let (_, text) = programs::program_with_lines(programs::LSP_LINES);
    let lines = text.lines().count();
    assert!(lines >= 4990);
    // A value in the middle of the file: `cpu = 60%` of a scaling target.
    let needle = "cpu      = 60%";
    let middle = text.len() / 2;
    let at = text[middle..].find(needle).map(|i| middle + i).unwrap();
    let line = text[..at].matches('\n').count() as u32;
    let column = (at - text[..at].rfind('\n').map_or(0, |n| n + 1)) as u32;
    let digit = (line, column + 11);
    let equals = (line, column + 9);
    let mut server = Server::start();
    let started = Instant::now();
    let uri = server.open("big.ecs", &text);
    assert_eq!(server.published(&uri, 1), Vec::<Value>::new());
    let open = started.elapsed();
    // Each round: change the digit, change it back, break the line
    // (`==`), repair it. Every edit waits for the diagnostics of its version.
    let edits = [
        (digit, (digit.0, digit.1 + 1), "7", false),
        (digit, (digit.0, digit.1 + 1), "6", false),
        (equals, equals, "=", true),
        (equals, (equals.0, equals.1 + 1), "", false),
    ];
    let (mut valid, mut broken) = (Vec::new(), Vec::new());
    let mut version = 1;
    for _ in 0..6 {
        for &(start, end, new, is_broken) in &edits {
            version += 1;
            let started = Instant::now();
            server.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": uri, "version": version},
                       "contentChanges": [{"range": range(start, end), "text": new}]}),
            );
            let diagnostics = server.published(&uri, version);
            let elapsed = started.elapsed();
            assert_eq!(!diagnostics.is_empty(), is_broken, "version {version}");
            if is_broken { &mut broken } else { &mut valid }.push(elapsed);
        }
    }
    // A request right after an edit runs the pending analysis first.
    version += 1;
    let started = Instant::now();
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": version},
               "contentChanges": [{"range": range(digit, (digit.0, digit.1 + 1)), "text": "7"}]}),
    );
    let _ = server.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let request = started.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let summary = |samples: &mut Vec<Duration>| {
        samples.sort();
        format!(
            "median {:.1} ms (min {:.1}, max {:.1}, {} edits)",
            ms(samples[samples.len() / 2]),
            ms(samples[0]),
            ms(samples[samples.len() - 1]),
            samples.len()
        )
    };
    eprintln!(
        "lsp latency on {lines} lines ({} binary): edit -> publishDiagnostics {}; \
         edit making a syntax error -> publishDiagnostics {}; \
         edit -> request answered {:.1} ms; open -> first diagnostics {:.1} ms",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        summary(&mut valid),
        summary(&mut broken),
        ms(request),
        ms(open),
    );
    assert!(server.shutdown().success());
}

#[test]
fn imports_are_followed_across_files() {
    let mut server = Server::start();
    let other = "network main {}\n/// Shared cluster.\ncluster prod {\n  network = main\n  insigths = true\n}\n";
    std::fs::write(server.dir.path().join("other.ecs"), other).unwrap();
    let text = "import \"other.ecs\"\n\nservice api {\n  cluster = prod\n  cpu = 256\n  memory = 512 MiB\n  container web { image = \"nginx:1.27\" }\n}\n";
    let uri = server.open("main.ecs", text);
    let other_uri = server.uri("other.ecs");
    assert_eq!(server.diagnostics(&uri), Vec::<Value>::new());
    // The imported file is not open: its problems are published for it.
    let imported = server.diagnostics(&other_uri);
    assert_eq!(imported.len(), 1, "{imported:#?}");
    assert_eq!(imported[0]["code"], "E2001");

    let use_at = pos(text, "= prod", 0, 2);
    let definition = server.at("textDocument/definition", &uri, use_at, json!({}));
    assert_eq!(definition["result"]["uri"], other_uri.as_str());
    let declared = pos(other, "cluster prod", 0, 8);
    assert_eq!(
        definition["result"]["range"],
        range(declared, (declared.0, declared.1 + 4))
    );
    let hover = server.at("textDocument/hover", &uri, use_at, json!({}));
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("Shared cluster."), "{value}");
    // A bare number in a CPU field is CPU units.
    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(text, "256", 0, 1),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("256 CPU units = 0.25 vcpu"), "{value}");

    let rename = server.at(
        "textDocument/rename",
        &uri,
        use_at,
        json!({"newName": "shared"}),
    );
    let changes = rename["result"]["changes"].as_object().unwrap();
    assert_eq!(changes[uri.as_str()].as_array().unwrap().len(), 1);
    assert_eq!(changes[other_uri.as_str()].as_array().unwrap().len(), 1);
    assert!(server.shutdown().success());
}

#[test]
fn incremental_changes_are_applied() {
    let mut server = Server::start();
    let uri = server.open("main.ecs", PROGRAM);
    assert_eq!(server.diagnostics(&uri).len(), 1);
    // Insert the missing `e` of `fargat`.
    let end = pos(PROGRAM, "fargat", 0, 6);
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2},
               "contentChanges": [{"range": range(end, end), "text": "e"}]}),
    );
    assert_eq!(server.diagnostics(&uri), Vec::<Value>::new());
    // Non-ASCII text before the edit: columns are UTF-16 code units.
    server.change(
        &uri,
        3,
        "/// Ünïcödé 😀 docs\nnetwork main { nat = singel }\n",
    );
    assert_eq!(server.diagnostics(&uri).len(), 1);
    let singel = (1, 21);
    server.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 4},
               "contentChanges": [{"range": range(singel, (1, 27)), "text": "single"}]}),
    );
    assert_eq!(server.diagnostics(&uri), Vec::<Value>::new());
    server.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": uri}}),
    );
    assert_eq!(server.diagnostics(&uri), Vec::<Value>::new());
    let hover = server.at("textDocument/hover", &uri, (1, 2), json!({}));
    assert_eq!(hover["result"], Value::Null);
    assert!(server.shutdown().success());
}

/// Edits sent in a burst are coalesced: diagnostics come for versions in
/// order, the last for the last version, and they describe its text.
#[test]
fn a_burst_of_edits_ends_with_the_last_version() {
    let mut server = Server::start();
    let uri = server.open("main.ecs", PROGRAM);
    assert_eq!(server.diagnostics(&uri).len(), 1);
    let fargat = pos(PROGRAM, "fargat", 0, 0);
    for version in 2..=30 {
        // Even versions say `fargate` (clean), odd ones `fargat` (E-code).
        let text = if version % 2 == 0 {
            "fargate"
        } else {
            "fargat"
        };
        let old_end = (fargat.0, fargat.1 + if version % 2 == 0 { 6 } else { 7 });
        server.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version},
                   "contentChanges": [{"range": range(fargat, old_end), "text": text}]}),
        );
    }
    let mut versions = Vec::new();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let message = server.next(deadline);
        if message["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        let version = message["params"]["version"].as_i64().unwrap();
        versions.push(version);
        if version == 30 {
            assert_eq!(message["params"]["diagnostics"], json!([]));
            break;
        }
        let count = message["params"]["diagnostics"].as_array().unwrap().len();
        assert_eq!(count, usize::from(version % 2 == 1), "version {version}");
    }
    assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
    assert!(server.shutdown().success());
}

#[test]
fn completion_in_nested_broken_blocks_and_attributes() {
    let mut server = Server::start();
    let text = "network main {}\ncluster prod { network = main }\nservice api {\n  cluster = prod\n  container web {\n    image = \"nginx:1.27\"\n    \n    essential = \n  }\n}\noutput n = prod.\n// a comment: \n";
    let uri = server.open("main.ecs", text);
    let _ = server.diagnostics(&uri);
    let blank = pos(text, "    \n", 0, 4);
    let fields = labels(&server.at("textDocument/completion", &uri, blank, json!({})));
    assert!(fields.contains(&"command".to_string()), "{fields:?}");
    assert!(fields.contains(&"env".to_string()), "{fields:?}");
    assert!(!fields.contains(&"image".to_string()), "{fields:?}");
    assert!(!fields.contains(&"essential".to_string()), "{fields:?}");
    assert!(!fields.contains(&"cluster".to_string()), "{fields:?}");

    let attrs = labels(&server.at(
        "textDocument/completion",
        &uri,
        pos(text, "prod.", 0, 5),
        json!({}),
    ));
    assert!(attrs.contains(&"name".to_string()), "{attrs:?}");
    assert!(attrs.contains(&"arn".to_string()), "{attrs:?}");

    // Hover still explains a field in the block that does not parse.
    let hover = server.at(
        "textDocument/hover",
        &uri,
        pos(text, "essential = ", 0, 3),
        json!({}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("essential: Bool = true"), "{value}");

    let comment = labels(&server.at(
        "textDocument/completion",
        &uri,
        pos(text, "comment: ", 0, 9),
        json!({}),
    ));
    assert_eq!(comment, Vec::<String>::new());
    assert!(server.shutdown().success());
}
