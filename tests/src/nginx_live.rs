//! nginx-rtmp as a live relay for many players: RTMP only (no HLS, no
//! recording), `worker_connections` sized for the benchmark's players. The
//! peer the hub's HTTP-FLV relay is measured against in the viewers
//! benchmark.

use crate::nginx::{RTMP_MODULE, free_port, launch};
use std::path::Path;
use std::process::Child;

/// A running nginx-rtmp (one process, no master), stopped when dropped.
pub struct NginxLive {
    /// RTMP port (application `live`).
    pub port: u16,
    dir: std::path::PathBuf,
    child: Child,
}

impl NginxLive {
    /// Starts nginx under `dir` (config and logs go there) allowing
    /// `connections` connections in its one worker.
    pub fn start(dir: &Path, connections: usize) -> NginxLive {
        let port = free_port();
        let conf = dir.join("nginx.conf");
        // master_process off: one process, so its CPU is the relay's.
        // multi_accept: the rtmp module's listen has no `backlog=` (511),
        // and a thousand players connecting in a second overflow it when
        // the worker accepts one connection per event loop turn.
        std::fs::write(
            &conf,
            format!(
                "load_module {RTMP_MODULE};\n\
                 daemon off;\nmaster_process off;\nworker_processes 1;\n\
                 worker_rlimit_nofile {files};\n\
                 error_log {dir}/error.log warn;\npid {dir}/nginx.pid;\n\
                 events {{ worker_connections {connections}; multi_accept on; }}\n\
                 rtmp {{ server {{ listen 127.0.0.1:{port}; chunk_size 4096;\n\
                   application live {{ live on; }}\n\
                 }} }}\n",
                files = connections + 64,
                dir = dir.display(),
            ),
        )
        .expect("nginx.conf");
        let child = launch(dir, &conf, &[port]);
        NginxLive {
            port,
            dir: dir.to_path_buf(),
            child,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// nginx's error log (warnings and worse).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }

    /// Where to publish or play stream `key`.
    pub fn url(&self, key: &str) -> String {
        format!("rtmp://127.0.0.1:{}/live/{key}", self.port)
    }
}

impl Drop for NginxLive {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
