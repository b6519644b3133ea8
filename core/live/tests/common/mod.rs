//! Real peers for the live tests: nginx with libnginx-mod-rtmp on a free
//! loopback port with its own prefix, and ffprobe/ffmpeg to check what arrived.
//! Missing tools are a failure, not a skip: `cargo xtask test` installs them.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const RTMP_MODULE: &str = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

pub fn need(tool: &str) {
    let ok = Command::new(tool)
        .arg(if tool == "nginx" { "-v" } else { "-version" })
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{tool} is missing: run `cargo xtask setup` (apt-get install nginx libnginx-mod-rtmp ffmpeg)"
    );
    if tool == "nginx" {
        assert!(
            Path::new(RTMP_MODULE).exists(),
            "libnginx-mod-rtmp is missing: run `cargo xtask setup`"
        );
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An nginx-rtmp ingest on 127.0.0.1:`port`, recording every publish to its own file.
pub struct Nginx {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
}

impl Nginx {
    pub fn start(dir: &Path) -> Nginx {
        Nginx::start_on(dir, free_port())
    }

    pub fn start_on(dir: &Path, port: u16) -> Nginx {
        need("nginx");
        let rec = dir.join("rec");
        std::fs::create_dir_all(&rec).unwrap();
        let conf = dir.join("nginx.conf");
        // master_process off: one process, no privilege drop, so it can write
        // where the test can (nginx runs as whoever runs the tests).
        std::fs::write(
            &conf,
            format!(
                "load_module {RTMP_MODULE};\n\
                 daemon off;\nmaster_process off;\nworker_processes 1;\n\
                 error_log {dir}/error.log info;\npid {dir}/nginx.pid;\n\
                 events {{ worker_connections 64; }}\n\
                 rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
                   application live {{ live on; record all; record_path {rec}; record_unique on; }}\n\
                 }} }}\n",
                dir = dir.display(),
                rec = rec.display()
            ),
        )
        .unwrap();
        let child = Command::new("nginx")
            .arg("-p")
            .arg(dir)
            .arg("-e")
            .arg(dir.join("error.log"))
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nginx could not start");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Nginx {
            port,
            dir: dir.to_path_buf(),
            child: Some(child),
        }
    }

    pub fn url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Recordings, oldest first.
    pub fn recordings(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.join("rec"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "flv"))
            .collect();
        files.sort_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).unwrap());
        files
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn ffprobe(args: &[&str], file: &Path) -> String {
    need("ffprobe");
    let out = Command::new("ffprobe")
        .args(["-v", "error"])
        .args(args)
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ffprobe failed on {}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// (codec, width, height) of each stream.
pub fn streams(file: &Path) -> Vec<(String, String, String)> {
    ffprobe(
        &[
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
        ],
        file,
    )
    .lines()
    .map(|l| {
        let mut p = l.split(',').map(str::to_string);
        (
            p.next().unwrap_or_default(),
            p.next().unwrap_or_default(),
            p.next().unwrap_or_default(),
        )
    })
    .collect()
}

/// Decoded video frames (ffprobe -count_frames).
pub fn video_frames(file: &Path) -> u64 {
    ffprobe(
        &[
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=nb_read_frames",
            "-of",
            "csv=p=0",
        ],
        file,
    )
    .trim()
    .parse()
    .unwrap()
}

/// Packet decode timestamps of one stream ("v:0" or "a:0"), in file order.
pub fn dts(file: &Path, stream: &str) -> Vec<f64> {
    ffprobe(
        &[
            "-select_streams",
            stream,
            "-show_entries",
            "packet=dts_time",
            "-of",
            "csv=p=0",
        ],
        file,
    )
    .lines()
    .filter_map(|l| l.trim().trim_end_matches(',').parse().ok())
    .collect()
}

/// True when ffmpeg decodes the whole file without an error.
pub fn decodes(file: &Path) -> bool {
    need("ffmpeg");
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-f", "null", "-"])
        .output()
        .unwrap();
    let clean = out.status.success() && out.stderr.is_empty();
    if !clean {
        // What ffmpeg objected to, so that a failure says why.
        eprintln!(
            "ffmpeg decoding {}: {}\n{}",
            file.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    clean
}
