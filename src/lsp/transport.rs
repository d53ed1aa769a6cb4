//! JSON-RPC over stdio with `Content-Length` framing.
//!
//! `lsp-server`'s own stdio transport stops reading at the first malformed
//! payload, which would take the server down with it. This reader keeps the
//! framing in sync instead: a body that is not a valid message is reported
//! as [`Incoming::Malformed`] (with its request id when one can be read, so
//! the request still gets an error response) and reading goes on. Only the
//! end of input, or a header block that cannot be framed, ends the stream.

use lsp_server::{Message, RequestId, Response, ResponseError};
use std::io::{self, BufRead, Write};
use std::sync::mpsc::{Receiver, Sender, channel};

/// What the reader thread hands to the server loop.
#[derive(Debug)]
pub enum Incoming {
    /// A well-formed message.
    Message(Message),
    /// A body that is not a JSON-RPC message.
    Malformed {
        /// The request id, if the body had one.
        id: Option<RequestId>,
        /// What was wrong, for the log.
        error: String,
    },
}

/// Starts a thread that reads messages from standard input. The channel
/// disconnects when the input ends.
pub fn spawn_stdin_reader() -> Receiver<Incoming> {
    let (sender, receiver) = channel();
    let spawned = std::thread::Builder::new()
        .name("ecsc-lsp-reader".into())
        .spawn(move || {
            let stdin = io::stdin();
            let mut input = stdin.lock();
            read_all(&mut input, &sender);
        });
    if let Err(error) = spawned {
        log(&format!("cannot start the reader thread: {error}"));
    }
    receiver
}

/// Reads framed messages until the input ends or the receiver hangs up.
pub fn read_all(input: &mut impl BufRead, sender: &Sender<Incoming>) {
    loop {
        let incoming = match read_frame(input) {
            Ok(Some(body)) => parse(&body),
            Ok(None) => return,
            Err(error) if error.kind() == io::ErrorKind::InvalidData => Incoming::Malformed {
                id: None,
                error: error.to_string(),
            },
            Err(error) => {
                log(&format!("stopped reading: {error}"));
                return;
            }
        };
        if sender.send(incoming).is_err() {
            return;
        }
    }
}

/// One `Content-Length` framed body; `None` at the end of the input.
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return if saw_header {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "input ended in a header",
                ))
            } else {
                Ok(None)
            };
        }
        let trimmed = line.trim_end_matches(['\r', '\n']);
        if trimmed.is_empty() {
            if saw_header {
                break;
            }
            continue; // Stray blank lines between messages.
        }
        saw_header = true;
        if let Some((name, value)) = trimmed.split_once(':')
            && name.trim().eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok();
        }
    }
    let Some(length) = length else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a message without a valid Content-Length header",
        ));
    };
    if length > crate::syntax::MAX_BYTES * 4 {
        return Err(io::Error::other("a message larger than 64 MiB"));
    }
    let mut body = vec![0u8; length];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

fn parse(body: &[u8]) -> Incoming {
    match serde_json::from_slice::<Message>(body) {
        Ok(message) => Incoming::Message(message),
        Err(error) => {
            let id = serde_json::from_slice::<serde_json::Value>(body)
                .ok()
                .and_then(|value| value.get("id").cloned())
                .and_then(|id| serde_json::from_value::<RequestId>(id).ok());
            Incoming::Malformed {
                id,
                error: error.to_string(),
            }
        }
    }
}

/// Writes one message to standard output.
pub fn send(message: Message) {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if let Err(error) = message.write(&mut out).and_then(|()| out.flush()) {
        log(&format!("cannot write a message: {error}"));
    }
}

/// A successful response; a result that cannot be serialised becomes an
/// internal error.
pub fn ok_response(id: RequestId, result: impl serde::Serialize) -> Response {
    match serde_json::to_value(result) {
        Ok(value) => Response {
            id,
            response_result: Ok(value),
        },
        Err(error) => error_response(
            id,
            lsp_server::ErrorCode::InternalError,
            format!("cannot serialise the result: {error}"),
        ),
    }
}

/// An error response.
pub fn error_response(id: RequestId, code: lsp_server::ErrorCode, message: String) -> Response {
    Response {
        id,
        response_result: Err(ResponseError {
            code: code as i32,
            message,
            data: None,
        }),
    }
}

/// Writes a line to standard error (the editor's log for the server).
pub fn log(message: &str) {
    let _ = writeln!(io::stderr(), "ecsc lsp: {message}");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn framed(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    #[test]
    fn garbage_between_messages_keeps_the_stream_in_sync() {
        let input = format!(
            "{}{}{}",
            framed(r#"{"jsonrpc":"2.0","id":1,"method":"a"}"#),
            framed("this is not json"),
            framed(r#"{"jsonrpc":"2.0","id":7,"nonsense":true}"#),
        ) + &framed(r#"{"jsonrpc":"2.0","method":"b"}"#);
        let (sender, receiver) = channel();
        read_all(&mut input.as_bytes(), &sender);
        drop(sender);
        let got: Vec<Incoming> = receiver.iter().collect();
        assert_eq!(got.len(), 4);
        assert!(matches!(&got[0], Incoming::Message(Message::Request(r)) if r.method == "a"));
        assert!(matches!(&got[1], Incoming::Malformed { id: None, .. }));
        assert!(
            matches!(&got[2], Incoming::Malformed { id: Some(id), .. } if *id == RequestId::from(7))
        );
        assert!(matches!(&got[3], Incoming::Message(Message::Notification(n)) if n.method == "b"));
    }
}
