//! nginx with the RTMP module as an external media server: RTMP ingest on
//! one port, HLS (1 s fragments) served over HTTP on another. What a room
//! that names an external ingest and playback address uses, and the peer
//! the hub's own relay is compared with.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Debian's libnginx-mod-rtmp.
pub(crate) const RTMP_MODULE: &str = "/usr/lib/nginx/modules/ngx_rtmp_module.so";

/// Starts nginx under `dir` with `conf` and waits until it listens on
/// every port; the error log goes to `dir/error.log`.
pub(crate) fn launch(dir: &Path, conf: &Path, ports: &[u16]) -> Child {
    assert!(
        Path::new(RTMP_MODULE).exists(),
        "libnginx-mod-rtmp is missing: run `cargo xtask setup`"
    );
    let child = Command::new("nginx")
        .arg("-p")
        .arg(dir)
        .arg("-e")
        .arg(dir.join("error.log"))
        .arg("-c")
        .arg(conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx runs (libnginx-mod-rtmp: `cargo xtask setup`)");
    let deadline = Instant::now() + Duration::from_secs(10);
    for &port in ports {
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nginx did not listen on {port}: {}",
                std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    child
}

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A running nginx-rtmp, stopped when dropped.
pub struct NginxHls {
    /// RTMP port (application `live`).
    pub rtmp_port: u16,
    /// HTTP port serving `/hls/<key>.m3u8`.
    pub http_port: u16,
    dir: PathBuf,
    child: Child,
}

impl NginxHls {
    /// Starts nginx under `dir` (its config, logs and fragments go there).
    pub fn start(dir: &Path) -> NginxHls {
        let (rtmp_port, http_port) = (free_port(), free_port());
        let hls = dir.join("hls");
        std::fs::create_dir_all(&hls).expect("the HLS folder");
        let conf = dir.join("nginx.conf");
        // master_process off: one process, no privilege drop, so it writes
        // where the test can.
        std::fs::write(
            &conf,
            format!(
                "load_module {RTMP_MODULE};\n\
                 daemon off;\nmaster_process off;\nworker_processes 1;\n\
                 error_log {dir}/error.log info;\npid {dir}/nginx.pid;\n\
                 events {{ worker_connections 64; }}\n\
                 rtmp {{ server {{ listen 127.0.0.1:{rtmp_port}; chunk_size 4096;\n\
                   application live {{ live on; hls on; hls_path {hls};\n\
                     hls_fragment 1s; hls_playlist_length 6s; }}\n\
                 }} }}\n\
                 http {{ access_log off; client_body_temp_path {dir}/body;\n\
                   proxy_temp_path {dir}/proxy; fastcgi_temp_path {dir}/fastcgi;\n\
                   uwsgi_temp_path {dir}/uwsgi; scgi_temp_path {dir}/scgi;\n\
                   types {{ application/vnd.apple.mpegurl m3u8; video/mp2t ts; }}\n\
                   server {{ listen 127.0.0.1:{http_port};\n\
                     location /hls/ {{ alias {hls}/; add_header Cache-Control no-cache;\n\
                       add_header Access-Control-Allow-Origin *; }} }} }}\n",
                dir = dir.display(),
                hls = hls.display()
            ),
        )
        .expect("nginx.conf");
        let child = launch(dir, &conf, &[rtmp_port, http_port]);
        NginxHls {
            rtmp_port,
            http_port,
            dir: dir.to_path_buf(),
            child,
        }
    }

    /// Where to publish stream `key`.
    pub fn ingest(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.rtmp_port)
    }

    /// Where stream `key` plays as HLS.
    pub fn playback(&self, key: &str) -> String {
        format!("http://127.0.0.1:{}/hls/{key}.m3u8", self.http_port)
    }

    /// nginx's error log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for NginxHls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
