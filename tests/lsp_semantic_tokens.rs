//! End-to-end tests of `textDocument/semanticTokens/full`: start the real
//! `ecsc lsp` binary and speak JSON-RPC over stdio, as `tests/lsp.rs` does
//! (this file carries a small copy of its harness), then decode the tokens
//! with the legend the server announced.

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(20);

struct Server {
    child: Child,
    stdin: ChildStdin,
    messages: Receiver<Value>,
    next_id: i64,
    dir: tempfile::TempDir,
    /// The legend from `initialize`: token types and modifiers.
    legend: (Vec<String>, Vec<String>),
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
            next_id: 0,
            dir: tempfile::tempdir().unwrap(),
            legend: (Vec::new(), Vec::new()),
        };
        let init = server.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        let provider = &init["result"]["capabilities"]["semanticTokensProvider"];
        assert_eq!(provider["full"], true, "{provider}");
        let strings = |value: &Value| -> Vec<String> {
            value
                .as_array()
                .expect("a list of names")
                .iter()
                .map(|name| name.as_str().unwrap().to_string())
                .collect()
        };
        server.legend = (
            strings(&provider["legend"]["tokenTypes"]),
            strings(&provider["legend"]["tokenModifiers"]),
        );
        server.notify("initialized", json!({}));
        server
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = json!(self.next_id);
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let message = self
                .messages
                .recv_timeout(TIMEOUT)
                .expect("a message from the server in time");
            if message.get("id") == Some(&id) && message.get("method").is_none() {
                return message;
            }
        }
    }

    fn uri(&self, name: &str) -> String {
        format!("file://{}", self.dir.path().join(name).display())
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

    /// The raw `data` of the tokens of `uri`.
    fn data(&mut self, uri: &str) -> Vec<u32> {
        let response = self.request(
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": uri}}),
        );
        assert!(response.get("error").is_none(), "{response}");
        response["result"]["data"]
            .as_array()
            .unwrap_or_else(|| panic!("no token data: {response}"))
            .iter()
            .map(|n| u32::try_from(n.as_u64().unwrap()).unwrap())
            .collect()
    }

    /// The tokens of `uri` in `text`, decoded: `line:column text type+modifier...`.
    fn tokens(&mut self, uri: &str, text: &str) -> Vec<String> {
        let data = self.data(uri);
        assert_eq!(data.len() % 5, 0);
        let lines: Vec<Vec<u16>> = text
            .split('\n')
            .map(|l| l.encode_utf16().collect())
            .collect();
        let (mut line, mut column) = (0u32, 0u32);
        let mut decoded = Vec::new();
        let mut previous_end = (0u32, 0u32);
        for token in data.chunks(5) {
            let &[delta_line, delta_start, length, ty, modifiers] = token else {
                unreachable!()
            };
            if delta_line > 0 {
                column = 0;
            }
            line += delta_line;
            column += delta_start;
            assert!(length > 0, "an empty token");
            assert!(
                (line, column) >= previous_end,
                "overlapping or unsorted tokens"
            );
            previous_end = (line, column + length);
            let units = &lines[line as usize][column as usize..(column + length) as usize];
            let mut entry = format!(
                "{line}:{column} {} {}",
                String::from_utf16(units).unwrap(),
                self.legend.0[ty as usize]
            );
            for (bit, name) in self.legend.1.iter().enumerate() {
                if modifiers & (1 << bit) != 0 {
                    entry.push('+');
                    entry.push_str(name);
                }
            }
            decoded.push(entry);
        }
        decoded
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const PROGRAM: &str = r#"/// The cluster.
cluster prod {}

let big = 2 GiB

service api {
  cluster = prod
  cpu     = 0.5 vcpu
  memory  = big
  launch  = fargate
  container web {
    image = "nginx:😀" // pinned
  }
}

/* two
   lines */
output name = prod.name
"#;

#[test]
fn tokens_of_a_small_program() {
    let mut server = Server::start();
    let uri = server.open("main.ecs", PROGRAM);
    let want = [
        "0:0 /// The cluster. comment+documentation",
        "1:0 cluster type",
        "1:8 prod variable+declaration",
        "3:0 let keyword",
        "3:4 big variable+declaration+readonly",
        "3:10 2 number",
        "3:12 GiB keyword",
        "5:0 service type",
        "5:8 api variable+declaration",
        "6:2 cluster property",
        "6:12 prod variable",
        "7:2 cpu property",
        "7:12 0.5 number",
        "7:16 vcpu keyword",
        "8:2 memory property",
        "8:12 big variable+readonly",
        "9:2 launch property",
        "9:12 fargate enumMember",
        "10:2 container type",
        "10:12 web variable+declaration",
        "11:4 image property",
        "11:12 \"nginx:😀\" string",
        // After a surrogate pair: UTF-16 columns.
        "11:23 // pinned comment",
        // A block comment is split per line.
        "15:0 /* two comment",
        "16:0    lines */ comment",
        "17:0 output keyword",
        "17:7 name variable+declaration",
        "17:14 prod variable",
        "17:19 name property",
    ];
    assert_eq!(server.tokens(&uri, PROGRAM), want);
}

#[test]
fn broken_and_unopened_documents() {
    let mut server = Server::start();
    let uri = server.open("main.ecs", PROGRAM);
    assert!(!server.data(&uri).is_empty());
    // Half-typed: an unclosed block and a dangling `let` around a good block.
    let broken =
        "// top\ncluster prod {\n  insights = tru\n\nservice api {\n  cpu = 1 vcpu\n}\n\nlet x =\n";
    server.change(&uri, 2, broken);
    let want = [
        "0:0 // top comment",
        "4:0 service type",
        "4:8 api variable+declaration",
        "5:2 cpu property",
        "5:8 1 number",
        "5:10 vcpu keyword",
    ];
    assert_eq!(server.tokens(&uri, broken), want);
    // A document that is not open has no tokens.
    let closed = server.uri("other.ecs");
    let response = server.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": closed}}),
    );
    assert_eq!(response["result"], json!({"data": []}));
}
