//! What the command-line tests share: a real `techmarket serve` process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// Starts `serve` (the command with its global flags set, `serve --listen 127.0.0.1:0` added) and
/// returns the process and its base URL, read from the first line it prints.
pub fn serve(mut command: Command) -> (Child, String) {
    let mut child = command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in `{line}`"))
        .trim_end_matches('/')
        .to_string();
    // Keep reading stdout so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in out.lines() {});
    (child, url)
}
