//! Just enough of the W3C WebDriver protocol to drive Chromium through ChromeDriver: a
//! session, navigation, finding, clicking and typing into elements, the page's source and
//! screenshots.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use serde_json::{json, Value};

/// The key WebDriver names element references by.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A ChromeDriver process and one headless Chromium session.
pub struct Browser {
    driver: Child,
    http: reqwest::Client,
    session: String,
    base: String,
}

/// An element of the current page.
pub struct Element(String);

impl Browser {
    /// Starts ChromeDriver on a free port and a headless Chromium (Debian's, at
    /// `/usr/bin/chromium`) that accepts the emulator's development certificate; `extra`:
    /// more command-line flags for Chromium.
    pub async fn start(extra: &[String]) -> Browser {
        let driver_path =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(&driver_path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{driver_path} does not start ({e}): install it with tests/browser/install.sh"
                )
            });
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            let ready = http.get(format!("{base}/status")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let user_data =
            std::env::temp_dir().join(format!("console-browser-{}-{port}", std::process::id()));
        // The flags Chromium needs here: as root without a sandbox, headless, and without the
        // background traffic a closed network refuses.
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--window-size=1366,1000".to_owned(),
            format!("--user-data-dir={}", user_data.display()),
        ]
        .into_iter()
        .chain(extra.iter().cloned())
        .collect::<Vec<_>>();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "acceptInsecureCerts": true,
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": args,
            }
        }}});
        let mut browser = Browser {
            driver,
            http,
            session: String::new(),
            base,
        };
        let created = browser.call("POST", "/session", Some(capabilities)).await;
        browser.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {created}"))
            .to_owned();
        browser
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = match method {
            "GET" => self.http.get(url),
            "DELETE" => self.http.delete(url),
            _ => self
                .http
                .post(url)
                .header("content-type", "application/json")
                .body(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let resp = req.send().await.expect("chromedriver answers");
        let status = resp.status();
        let bytes = resp.bytes().await.expect("chromedriver answers");
        let v: Value = serde_json::from_slice(&bytes).expect("chromedriver answers JSON");
        assert!(
            status.is_success(),
            "WebDriver {method} {path}: {status} {v}"
        );
        v.get("value").cloned().unwrap_or(v)
    }

    fn at(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    /// Opens `url` and waits for it to load.
    pub async fn go(&self, url: &str) {
        self.call("POST", &self.at("/url"), Some(json!({ "url": url })))
            .await;
    }

    /// The address of the current page.
    pub async fn url(&self) -> String {
        self.call("GET", &self.at("/url"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The address of the current page once `wanted` accepts it (a click's navigation may
    /// still be under way when the click returns); panics after 15 s.
    pub async fn url_when(&self, wanted: impl Fn(&str) -> bool) -> String {
        for _ in 0..150 {
            let url = self.url().await;
            if wanted(&url) {
                return url;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the browser stayed at {}", self.url().await);
    }

    /// The current page's HTML.
    pub async fn source(&self) -> String {
        self.call("GET", &self.at("/source"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// The first element matching a CSS selector.
    pub async fn find(&self, css: &str) -> Element {
        let v = self
            .call(
                "POST",
                &self.at("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        Element(
            v[ELEMENT]
                .as_str()
                .unwrap_or_else(|| panic!("no element {css}: {v}"))
                .to_owned(),
        )
    }

    /// Clicks an element (and waits for the navigation it starts).
    pub async fn click(&self, e: &Element) {
        self.call("POST", &self.at(&format!("/element/{}/click", e.0)), None)
            .await;
    }

    /// Types text into an element.
    pub async fn type_into(&self, e: &Element, text: &str) {
        self.call(
            "POST",
            &self.at(&format!("/element/{}/value", e.0)),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// A PNG of the whole page (not only the window), written to `path`.
    pub async fn screenshot(&self, path: &std::path::Path) {
        // Chromium draws beyond the window through the DevTools protocol.
        let metrics = self
            .call(
                "POST",
                &self.at("/goog/cdp/execute"),
                Some(json!({"cmd": "Page.getLayoutMetrics", "params": {}})),
            )
            .await;
        // A page still being laid out may report no size yet: the window's, then.
        let size = &metrics["cssContentSize"];
        let dimension =
            |name: &str, window: f64| size[name].as_f64().filter(|v| *v >= 1.0).unwrap_or(window);
        let (w, h) = (
            dimension("width", 1366.0),
            dimension("height", 1000.0).min(6000.0),
        );
        let shot = self
            .call(
                "POST",
                &self.at("/goog/cdp/execute"),
                Some(json!({"cmd": "Page.captureScreenshot", "params": {
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": {"x": 0, "y": 0, "width": w, "height": h, "scale": 1}
                }})),
            )
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().expect("a screenshot"))
            .unwrap();
        assert!(png.starts_with(b"\x89PNG"), "a PNG");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, png).unwrap();
    }

    /// Ends the session and ChromeDriver.
    pub async fn quit(mut self) {
        let _ = self
            .http
            .delete(format!("{}/session/{}", self.base, self.session))
            .send()
            .await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
