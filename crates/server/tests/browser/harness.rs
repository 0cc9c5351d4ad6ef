//! The browser under test: Debian's chromedriver (one process shared by the tests running at
//! the same time, killed when the last of them drops it), a headless Chromium session with a
//! fresh profile per test, the real server over a fresh SQLite database, and helpers to read
//! the page and save screenshots under `target/screenshots/`.

use crate::client::TestServer;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

/// The two widths every page is checked and photographed at: a laptop and a phone.
pub const DESKTOP: (u32, u32) = (1440, 900);
pub const PHONE: (u32, u32) = (375, 812);

/// How long a page may take to show what a test waits for.
const PATIENCE: Duration = Duration::from_secs(10);

const INSTALL: &str = "install Debian's chromium, chromium-driver and fonts-noto-cjk \
     (`apt-get install -y chromium chromium-driver fonts-noto-cjk`; .ci/run does it), \
     or point CHROMEDRIVER / CHROMIUM at them";

/// An executable named by the environment variable `var`, else the first of `names` found on
/// the PATH or in /usr/bin. A missing browser fails the test: it never skips.
fn executable(var: &str, names: &[&str]) -> PathBuf {
    if let Some(p) = std::env::var_os(var) {
        let p = PathBuf::from(p);
        assert!(p.is_file(), "{var}={} is not a file: {INSTALL}", p.display());
        return p;
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .collect();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{} not found: {INSTALL}", names.join(" or ")))
}

/// Whether Debian's packages for the browser tests are all here (or the environment names
/// its own browser).
fn browser_installed() -> bool {
    let on_path = |name: &str| {
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .chain([PathBuf::from("/usr/bin")])
            .any(|d| d.join(name).is_file())
    };
    let fonts = Path::new("/usr/share/fonts/opentype/noto").is_dir();
    std::env::var_os("CHROMEDRIVER").is_some() || (on_path("chromedriver") && on_path("chromium") && fonts)
}

/// The README's test command works on a fresh machine: when chromium, chromium-driver or
/// fonts-noto-cjk is missing and this user may install Debian's packages (root with apt-get),
/// the first browser test installs them (as `.ci/run` does); otherwise the test fails saying
/// what to install. Never a silent skip.
fn ensure_browser() {
    static DONE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    DONE.get_or_init(|| {
        if browser_installed() {
            return;
        }
        let root = Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if !root || !Path::new("/usr/bin/apt-get").is_file() {
            return; // `executable` fails the test with what to install.
        }
        eprintln!("browser tests: installing chromium, chromium-driver and fonts-noto-cjk with apt-get (once) …");
        let apt = |args: &[&str]| {
            Command::new("apt-get")
                .args(args)
                .env("DEBIAN_FRONTEND", "noninteractive")
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        let install = ["install", "-y", "-q", "chromium", "chromium-driver", "fonts-noto-cjk"];
        if !apt(&install) {
            assert!(
                apt(&["update", "-q"]) && apt(&install),
                "apt-get could not install them: {INSTALL}"
            );
        }
    });
}

/// A free TCP port on 127.0.0.1 (the listener is closed before chromedriver takes it).
fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A running chromedriver, killed when dropped.
pub struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start() -> Driver {
        ensure_browser();
        let exe = executable("CHROMEDRIVER", &["chromedriver"]);
        let port = free_port();
        let child = Command::new(&exe)
            .arg(format!("--port={port}"))
            .arg("--log-level=SEVERE")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; {INSTALL}", exe.display()));
        let mut driver = Driver { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!("chromedriver exited at start ({status}): {INSTALL}");
            }
            assert!(started.elapsed() < PATIENCE, "chromedriver does not listen on {port}");
            std::thread::sleep(Duration::from_millis(20));
        }
        driver
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Ends a session without the async runtime (from `Drop`, maybe while a test panics), so
    /// chromedriver closes its Chromium: a plain HTTP/1.1 DELETE.
    fn delete_session(&self, id: &str) {
        let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return;
        };
        let _ = s.set_read_timeout(Some(PATIENCE));
        let request = format!(
            "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        );
        // chromedriver answers once Chromium has quit; its status line is enough (it may keep
        // the connection open).
        if s.write_all(request.as_bytes()).is_ok() {
            let _ = s.read(&mut [0; 64]);
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The chromedriver of the tests running now: started by the first, shared by the others.
fn driver() -> Arc<Driver> {
    static SHARED: Mutex<Weak<Driver>> = Mutex::new(Weak::new());
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(d) = shared.upgrade() {
        return d;
    }
    let d = Arc::new(Driver::start());
    *shared = Arc::downgrade(&d);
    d
}

/// `<workspace>/target/screenshots/`, or under `CARGO_TARGET_DIR` when it is set.
pub fn screenshot_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => workspace.join(t), // an absolute path replaces the base
        None => workspace.join("target"),
    };
    target.join("screenshots")
}

/// A headless Chromium session on the real server.
pub struct Browser {
    pub client: Client,
    /// Shared by the browsers of one test (see [`Browser::another`]).
    pub server: Arc<TestServer>,
    session: String,
    driver: Arc<Driver>,
    _profile: tempfile::TempDir,
    started: Instant,
}

impl Browser {
    /// A fresh server and a fresh browser (its own profile: no cookies) at 1440×900, asking
    /// for Chinese as a browser in China does.
    pub async fn start() -> Browser {
        Browser::on(Arc::new(TestServer::start().await), true).await
    }

    /// Another browser (its own profile: another person's session) on the same server.
    pub async fn another(&self) -> Browser {
        Browser::on(self.server.clone(), true).await
    }

    /// Another browser on the same server with JavaScript turned off, as some people browse:
    /// the page's own scripts never run (the test still reads the page through WebDriver).
    pub async fn without_javascript(&self) -> Browser {
        Browser::on(self.server.clone(), false).await
    }

    async fn on(server: Arc<TestServer>, javascript: bool) -> Browser {
        let started = Instant::now();
        let driver = driver();
        let profile = tempfile::tempdir().unwrap();
        let chromium = executable("CHROMIUM", &["chromium", "chromium-browser", "google-chrome"]);
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--lang=zh-CN",
        ]
        .map(String::from)
        .to_vec();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push(format!("--window-size={},{}", DESKTOP.0, DESKTOP.1));
        let mut prefs = json!({"intl": {"accept_languages": "zh-CN,zh"}});
        if !javascript {
            prefs["profile"] = json!({"managed_default_content_settings": {"javascript": 2}});
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": args,
                "prefs": prefs,
            },
        });
        let Value::Object(caps) = caps else { unreachable!() };
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("no Chromium session from chromedriver: {e}; {INSTALL}"));
        let session = client.session_id().await.unwrap().expect("a session id");
        let b = Browser {
            client,
            server,
            session,
            driver,
            _profile: profile,
            started,
        };
        b.viewport(DESKTOP).await;
        b
    }

    /// The server's address of `path`.
    pub fn url(&self, path: &str) -> String {
        self.server.url(path)
    }

    /// Opens `path` on the server.
    pub async fn open(&self, path: &str) {
        self.client.goto(&self.url(path)).await.unwrap();
    }

    /// The current address as `path?query#fragment`.
    pub async fn here(&self) -> String {
        let u = self.client.current_url().await.unwrap();
        let mut s = u.path().to_string();
        if let Some(q) = u.query() {
            s = format!("{s}?{q}");
        }
        if let Some(f) = u.fragment() {
            s = format!("{s}#{f}");
        }
        s
    }

    /// Waits until the address satisfies `done` (a click's page has loaded), returning it.
    pub async fn wait_until_at(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let here = self.here().await;
            if done(&here) && self.ready().await {
                return here;
            }
            if started.elapsed() > PATIENCE {
                let main = self.text("main").await;
                panic!("still at {here}, waiting for {what}; the page says: {main}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    async fn ready(&self) -> bool {
        self.client
            .execute("return document.readyState", vec![])
            .await
            .is_ok_and(|v| v == "complete")
    }

    /// The one element under `css` (waiting for it to appear).
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("no {css} on {}: {e}", self.here().await),
        }
    }

    /// The elements under `css`, now (none is an answer).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client.find_all(Locator::Css(css)).await.unwrap()
    }

    /// The visible texts of the elements under `css`, whitespace collapsed.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self.all(css).await {
            let t = e.text().await.unwrap();
            out.push(t.split_whitespace().collect::<Vec<_>>().join(" "));
        }
        out
    }

    /// The texts under `css` joined with ` | `.
    pub async fn text(&self, css: &str) -> String {
        self.texts(css).await.join(" | ")
    }

    /// A property of the first element under `css` (`value` of a field as it is now).
    pub async fn prop(&self, css: &str, name: &str) -> Option<String> {
        self.find(css).await.prop(name).await.unwrap()
    }

    /// Clicks the element under `css` (a checkbox, a link within the page).
    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Clicks the link or button under `css` and waits for the page it loads (a new document,
    /// even at the same address, so nothing is read off the old one).
    pub async fn follow(&self, css: &str) {
        self.js("window.__leaving = true").await;
        self.click(css).await;
        let started = Instant::now();
        loop {
            let gone = self
                .client
                .execute("return !window.__leaving && document.readyState === 'complete'", vec![])
                .await
                .is_ok_and(|v| v == true);
            if gone {
                return;
            }
            if started.elapsed() > PATIENCE {
                panic!("{css} did not load a page; still at {}", self.here().await);
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Replaces what the field under `css` holds with `text`, typed.
    pub async fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear().await.unwrap();
        e.send_keys(text).await.unwrap();
    }

    /// Runs a script and returns its value.
    pub async fn js(&self, script: &str) -> Value {
        self.client.execute(script, vec![]).await.unwrap()
    }

    /// Presses one key as the keyboard does (to whatever has the focus).
    pub async fn press(&self, key: Key) {
        let k: char = key.into();
        let keys = KeyActions::new("keyboard".into())
            .then(KeyAction::Down { value: k })
            .then(KeyAction::Up { value: k });
        self.client.perform_actions(keys).await.unwrap();
    }

    /// Sizes the window so the page's viewport is `width`×`height` CSS pixels.
    pub async fn viewport(&self, (width, height): (u32, u32)) {
        self.client.set_window_size(width, height).await.unwrap();
        let inner = self.js("return [window.innerWidth, window.innerHeight]").await;
        let (w, h) = (inner[0].as_u64().unwrap() as u32, inner[1].as_u64().unwrap() as u32);
        if (w, h) != (width, height) {
            self.client
                .set_window_size(2 * width - w, 2 * height - h)
                .await
                .unwrap();
        }
        let inner = self.js("return window.innerWidth").await;
        assert_eq!(inner, width, "the viewport is {width} px wide");
    }

    /// How wide the page is: more than the viewport means it scrolls sideways.
    pub async fn scroll_width(&self) -> u64 {
        self.js("return document.documentElement.scrollWidth")
            .await
            .as_u64()
            .unwrap()
    }

    /// Saves what the window shows as `target/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png).unwrap();
        path
    }

    /// The current page photographed at both widths (`<name>-1440.png`, `<name>-375.png`),
    /// checking on the phone that nothing scrolls sideways; leaves the window at 1440.
    pub async fn screenshots(&self, name: &str) {
        for size in [DESKTOP, PHONE] {
            self.viewport(size).await;
            if size == PHONE {
                let here = self.here().await;
                let w = self.scroll_width().await;
                assert!(w <= u64::from(PHONE.0), "{here} is {w} px wide at {} px", PHONE.0);
            }
            self.screenshot(&format!("{name}-{}", size.0)).await;
        }
        self.viewport(DESKTOP).await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium must not outlive the test, even one that failed half way.
        self.driver.delete_session(&self.session);
        eprintln!("browser session: {:.1?}", self.started.elapsed());
    }
}
