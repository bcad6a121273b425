//! Test support: a real ECR stand-in (the sandbox server or plain moto) on a free loopback
//! port, and the real `berth` binary in a pseudo-terminal.
#![allow(dead_code)]

pub mod measure;
pub mod proxy;
pub mod pty;
pub mod run;
pub mod screen;
pub mod storage;

use std::io::{BufRead, BufReader};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The venv's Python (created by scripts/setup-venv).
pub fn python() -> PathBuf {
    std::env::var_os("BERTH_SANDBOX_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv/bin/python"))
}

fn require_venv() {
    assert!(
        python().exists(),
        "the sandbox venv is missing: run scripts/setup-venv (scripts/test does)"
    );
}

/// A running ECR stand-in. Stopped when dropped.
pub struct Sandbox {
    child: Child,
    pub endpoint: String,
    /// Scratch space of this sandbox; each test's home is a folder inside
    /// ([`Sandbox::test_home`]).
    pub home: tempfile::TempDir,
}

impl Sandbox {
    /// Seed `count` tagged images into a fresh repository through the sandbox's seed
    /// route (`immutable` sets the repository's tag mutability).
    pub fn seed_repository(&self, name: &str, count: usize, immutable: bool) {
        let body = serde_json::json!({
            "region": "us-east-1",
            "repositories": [{"name": name, "images": count, "tagged_fraction": 1.0, "immutable": immutable}]
        });
        let url = format!("{}/moto-api/berth/seed", self.endpoint);
        let status = Command::new(python())
            .args([
                "-c",
                "import sys, urllib.request; r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), headers={'Content-Type': 'application/json'})); sys.exit(0 if r.status == 200 else 1)",
                &url,
                &body.to_string(),
            ])
            .status()
            .expect("run the seed request");
        assert!(status.success(), "seeding {name} failed");
    }

    /// One standard sandbox shared by every test of a test binary, started on first use;
    /// it exits with the process. For tests that only read.
    pub fn shared() -> &'static Sandbox {
        static SHARED: std::sync::OnceLock<Sandbox> = std::sync::OnceLock::new();
        SHARED.get_or_init(Sandbox::standard)
    }

    /// A blocking-friendly tokio runtime for reading the sandbox with aws-sdk-ecr.
    pub fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    /// The sandbox server with the standard seed.
    pub fn standard() -> Sandbox {
        Sandbox::server(&["--seed", "standard"])
    }

    /// The sandbox server with the organization seed: a management account and member
    /// accounts reached through OrganizationAccountAccessRole (scripts/sandbox/README.md).
    pub fn organization() -> Sandbox {
        Sandbox::server(&["--seed", "organization"])
    }

    /// The sandbox server with no data.
    pub fn empty() -> Sandbox {
        Sandbox::server(&["--seed", "empty"])
    }

    /// The sandbox server (`scripts/sandbox/server.py`) with extra arguments.
    pub fn server(args: &[&str]) -> Sandbox {
        require_venv();
        let mut child = Command::new(python())
            .arg(root().join("scripts/sandbox/server.py"))
            .args(["--host", "127.0.0.1", "--port", "0", "--exit-on-stdin-eof"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the sandbox server");
        let stdout = child.stdout.take().expect("sandbox stdout");
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if let Some(url) = line.strip_prefix("BERTH_SANDBOX_READY ") {
                    let _ = sender.send(url.trim().to_string());
                }
            }
        });
        let endpoint = match receiver.recv_timeout(Duration::from_secs(90)) {
            Ok(url) => url,
            Err(_) => {
                let _ = child.kill();
                panic!("the sandbox server did not report ready within 90 s");
            }
        };
        Sandbox {
            child,
            endpoint,
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Plain, uncorrected `moto_server`, as other people run it.
    pub fn plain_moto() -> Sandbox {
        require_venv();
        let port = free_port();
        let moto = python().with_file_name("moto_server");
        let child = Command::new(moto)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Sandbox {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
            home: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// This test's own scratch home, created on first use: its AWS config files and berth's
    /// HOME and XDG folders. libtest runs each test on a thread named after it, so tests
    /// sharing one sandbox never see each other's last location, history or audit log,
    /// while the berth runs of one test (a restart) share them.
    pub fn test_home(&self) -> PathBuf {
        let thread = std::thread::current();
        let name = thread
            .name()
            .map(|n| n.replace("::", "."))
            .unwrap_or_else(|| format!("{:?}", thread.id()));
        let dir = self.home.path().join("tests").join(name);
        std::fs::create_dir_all(&dir).expect("create the test's home");
        dir
    }

    /// Environment that points berth (or any AWS SDK) at this sandbox, isolated from the
    /// machine's own AWS configuration and from other tests: see [`Sandbox::test_home`].
    pub fn env(&self) -> Vec<(String, String)> {
        self.env_in(&self.test_home())
    }

    /// [`Sandbox::env`] with `home` as the home folder, for a test that chooses its own:
    /// runs given the same `home` share berth's state, as after a restart. Empty AWS config
    /// files are written there unless the test wrote them first.
    pub fn env_in(&self, home: &Path) -> Vec<(String, String)> {
        endpoint_env(&self.endpoint, home)
    }

    /// An aws-sdk-ecr client for this sandbox, to read the truth independently of berth.
    pub async fn ecr(&self, region: &str) -> aws_sdk_ecr::Client {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_string()))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_ecr::config::Credentials::new(
                "sandbox", "sandbox", None, None, "tests",
            ))
            .load()
            .await;
        aws_sdk_ecr::Client::new(&config)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Environment that points berth (or any AWS SDK) at the ECR, ECS and Lambda endpoint
/// `endpoint`, with dummy credentials, isolated from the machine's own AWS configuration:
/// `home` is HOME and holds the XDG folders, so runs given the same `home` share berth's
/// state. Empty AWS config files are written there unless the test wrote them first.
pub fn endpoint_env(endpoint: &str, home: &Path) -> Vec<(String, String)> {
    let config = home.join("aws-config");
    let credentials = home.join("aws-credentials");
    for file in [&config, &credentials] {
        if !file.exists() {
            let _ = std::fs::write(file, "");
        }
    }
    [
        ("AWS_ENDPOINT_URL_ECR", endpoint.to_string()),
        ("AWS_ENDPOINT_URL_ECS", endpoint.to_string()),
        ("AWS_ENDPOINT_URL_LAMBDA", endpoint.to_string()),
        // Member accounts (`--organization`): ListAccounts and AssumeRole.
        ("AWS_ENDPOINT_URL_STS", endpoint.to_string()),
        ("AWS_ENDPOINT_URL_ORGANIZATIONS", endpoint.to_string()),
        ("AWS_ACCESS_KEY_ID", "sandbox".into()),
        ("AWS_SECRET_ACCESS_KEY", "sandbox".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_CONFIG_FILE", config.display().to_string()),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            credentials.display().to_string(),
        ),
        // Never reach for instance metadata from a test.
        ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ("HOME", home.display().to_string()),
        ("XDG_CONFIG_HOME", home.join("config").display().to_string()),
        ("XDG_STATE_HOME", home.join("state").display().to_string()),
        ("XDG_CACHE_HOME", home.join("cache").display().to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// POST `body` to one of the sandbox's routes and return its JSON answer. The body goes
/// through stdin (5,000 repositories are too long for an argument), and the route may
/// take minutes.
pub fn post_json(url: &str, body: &serde_json::Value) -> serde_json::Value {
    let mut child = Command::new(python())
        .args([
            "-c",
            "import sys, urllib.request; r = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=sys.stdin.buffer.read(), headers={'Content-Type': 'application/json'}), timeout=900); sys.stdout.write(r.read().decode())",
            url,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the request");
    std::io::Write::write_all(
        &mut child.stdin.take().expect("request stdin"),
        body.to_string().as_bytes(),
    )
    .expect("send the request body");
    let output = child.wait_with_output().expect("the request finishes");
    assert!(
        output.status.success(),
        "POST {url} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the route answers JSON")
}

/// An endpoint on a loopback port nothing listens on: every call is refused.
pub fn closed_endpoint() -> String {
    format!("http://127.0.0.1:{}", free_port())
}

/// Push a small Docker image (a config and one 5 MB layer, both named by `n`) to
/// `repository` tagged `tag`; its digest as the registry answered.
pub async fn put_small_image(
    client: &aws_sdk_ecr::Client,
    repository: &str,
    n: u64,
    tag: &str,
) -> String {
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                   "size": 1000 + n, "digest": format!("sha256:{:064x}", n + 1)},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 5_000_000, "digest": format!("sha256:{:064x}", n + 100)}]
    });
    let out = client
        .put_image()
        .repository_name(repository)
        .image_manifest(manifest.to_string())
        .image_tag(tag)
        .send()
        .await
        .expect("PutImage");
    out.image()
        .and_then(|i| i.image_id())
        .and_then(|id| id.image_digest())
        .expect("PutImage names the image")
        .to_string()
}

/// The audit log berth writes for a run whose HOME (and XDG folders) is `home`.
pub fn audit_log_path(home: &Path) -> PathBuf {
    home.join("state/berth/audit.jsonl")
}

/// The audit log's lines under `home`, parsed; none when berth never wrote it.
pub fn audit_log_lines(home: &Path) -> Vec<serde_json::Value> {
    match std::fs::read_to_string(audit_log_path(home)) {
        Ok(text) => text
            .lines()
            .map(|line| serde_json::from_str(line).expect("an audit-log line is JSON"))
            .collect(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(err) => panic!("cannot read the audit log: {err}"),
    }
}

/// The digest of `bytes` as a registry names it (`sha256:` + 64 hex).
pub fn digest_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// A loopback port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind a free port")
}

/// Every image of a repository, whatever its storage class (archived images are
/// listed only when asked for), read through the SDK with full pagination.
pub async fn all_images(
    client: &aws_sdk_ecr::Client,
    repository: &str,
) -> Vec<aws_sdk_ecr::types::ImageDetail> {
    let mut images = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .describe_images()
            .repository_name(repository)
            .filter(
                aws_sdk_ecr::types::DescribeImagesFilter::builder()
                    .image_status(aws_sdk_ecr::types::ImageStatusFilter::Any)
                    .build(),
            )
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .expect("DescribeImages");
        images.extend(page.image_details().iter().cloned());
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return images;
        }
    }
}

/// Every repository name of a registry, read through the SDK.
pub async fn all_repositories(client: &aws_sdk_ecr::Client) -> Vec<String> {
    let mut names = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .describe_repositories()
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .expect("DescribeRepositories");
        names.extend(
            page.repositories()
                .iter()
                .filter_map(|r| r.repository_name().map(str::to_string)),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            return names;
        }
    }
}
