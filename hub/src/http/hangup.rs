//! A connection's hang-up: how a route whose response can no longer make
//! progress asks the server to close the connection now; and how it may
//! bound what the kernel holds unsent for that connection.
//!
//! hyper stops polling a response body while the connection cannot write,
//! so a body cannot end itself when its client stops reading: only the
//! connection's task can close it. The server (`crate::serve`) puts a
//! [`Hangup`] in every request's extensions and closes the connection when
//! it fires; other routes never touch it, so their timeouts are unchanged.

use std::sync::Arc;
use tokio::sync::Notify;

/// Closes the connection a request arrived on, when fired.
#[derive(Clone, Debug, Default)]
pub struct Hangup {
    notify: Arc<Notify>,
    /// The connection's socket, while its task serves the request that
    /// carries this (see [`Hangup::limit_unsent`]).
    #[cfg(unix)]
    socket: Option<std::os::fd::RawFd>,
}

impl Hangup {
    /// A hang-up for a connection on `socket`, which must outlive every
    /// request handler of the connection (the server's connection task
    /// owns it and runs the handlers).
    #[cfg(unix)]
    pub fn for_socket(socket: std::os::fd::RawFd) -> Hangup {
        Hangup {
            notify: Arc::default(),
            socket: Some(socket),
        }
    }

    /// Asks the connection's task to close the connection (at once, without
    /// finishing the response in flight). Safe from any thread, any time.
    pub fn fire(&self) {
        self.notify.notify_one();
    }

    /// Resolves once [`Hangup::fire`] was called (including before this
    /// was awaited).
    pub async fn fired(&self) {
        self.notify.notified().await;
    }

    /// Lets the kernel hold at most about `bytes` not yet sent on this
    /// connection (`TCP_NOTSENT_LOWAT`): the socket stops taking writes
    /// past it, so a slow client's backlog stays in the route's own queue
    /// (which can drop it) instead of in a send buffer of megabytes, whose
    /// bytes are seconds old when they leave. Bytes already sent and
    /// waiting for the client's acknowledgement are not counted. Call it
    /// from the request's handler only (the socket is the connection's).
    /// Linux only; elsewhere, and without a socket, it does nothing.
    #[allow(unsafe_code)]
    pub fn limit_unsent(&self, bytes: u32) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = self.socket {
            // SAFETY: `fd` is the connection's socket, open while its
            // handlers run (see `for_socket`), and only borrowed here.
            let fd = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
            socket2::SockRef::from(&fd).set_tcp_notsent_lowat(bytes)?;
        }
        #[cfg(not(target_os = "linux"))]
        let _ = bytes;
        #[cfg(all(unix, not(target_os = "linux")))]
        let _ = self.socket;
        Ok(())
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    #[test]
    fn the_unsent_limit_reaches_the_socket() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let before = socket2::SockRef::from(&server).tcp_notsent_lowat().unwrap();
        Hangup::for_socket(server.as_raw_fd())
            .limit_unsent(16 * 1024)
            .unwrap();
        assert_ne!(before, 16 * 1024);
        assert_eq!(
            socket2::SockRef::from(&server).tcp_notsent_lowat().unwrap(),
            16 * 1024
        );
        assert!(
            Hangup::default().limit_unsent(1).is_ok(),
            "no socket: nothing to do"
        );
        drop(client);
    }
}
