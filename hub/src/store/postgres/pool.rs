//! A small pool of PostgreSQL connections with a blocking face.
//!
//! The store's traits are synchronous and run on blocking threads (see
//! `store/interface.rs`). The pool owns a two-thread tokio runtime that
//! drives every connection's socket; a store call takes a connection and
//! waits for each statement with `Runtime::block_on`. One runtime for the
//! whole pool, not one per connection as the `postgres` crate would make;
//! the same runtime carries the `LISTEN` connection (`listen.rs`).
//!
//! Each pooled connection caches its prepared statements (by their SQL
//! text, which is always a `&'static str`), so a statement costs one round
//! trip after its first use on that connection.

use crate::error::{HubError, Result};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::sync::{Condvar, Mutex};
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row, Statement, error::SqlState};

/// Connections open at most at once (per hub process).
const POOL_MAX: usize = 8;
/// How long a call waits for a free connection before failing.
const WAIT_MAX: Duration = Duration::from_secs(30);

/// One open connection and its prepared statements.
struct Pooled {
    client: Client,
    statements: HashMap<&'static str, Statement>,
}

/// The pool.
pub(super) struct Pool {
    rt: Option<tokio::runtime::Runtime>,
    config: Config,
    idle: Mutex<(Vec<Pooled>, usize)>,
    freed: Condvar,
}

/// A PostgreSQL error as the hub reports it: its SQLSTATE and message only
/// (never the DETAIL, which may quote a row's values).
pub(super) fn pg_error(e: &tokio_postgres::Error) -> HubError {
    match e.as_db_error() {
        Some(db) => {
            HubError::Internal(format!("PostgreSQL {}: {}", db.code().code(), db.message()))
        }
        None => HubError::Internal(format!("PostgreSQL: {e}")),
    }
}

impl Pool {
    /// A pool for `url`; connects once to check the server is there.
    pub(super) fn open(url: &str) -> Result<Pool> {
        let config: Config = url
            .parse()
            .map_err(|e| HubError::Internal(format!("not a PostgreSQL URL: {e}")))?;
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("farmlive-pg")
            .enable_all()
            .build()
            .map_err(|e| HubError::Internal(format!("cannot start the PostgreSQL runtime: {e}")))?;
        let pool = Pool {
            rt: Some(rt),
            config,
            idle: Mutex::new((Vec::new(), 0)),
            freed: Condvar::new(),
        };
        drop(pool.get()?);
        Ok(pool)
    }

    /// The server's address and credentials (for the `LISTEN` connection).
    pub(super) fn config(&self) -> &Config {
        &self.config
    }

    /// Runs `future` to completion on the pool's runtime (from a thread
    /// that is not one of a runtime's async threads).
    pub(super) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.rt().block_on(future)
    }

    /// Runs `future` in the background on the pool's runtime, until the
    /// pool is dropped.
    pub(super) fn spawn(&self, future: impl std::future::Future<Output = ()> + Send + 'static) {
        self.rt().spawn(future);
    }

    fn rt(&self) -> &tokio::runtime::Runtime {
        self.rt
            .as_ref()
            .unwrap_or_else(|| unreachable!("the runtime lives as long as the pool"))
    }

    fn connect(&self) -> Result<Pooled> {
        let config = self.config.clone();
        let rt = self.rt();
        let client = rt.block_on(async move {
            let (client, connection) = config.connect(NoTls).await.map_err(|e| pg_error(&e))?;
            tokio::spawn(async move {
                // Ends when the client is dropped or the server goes away;
                // the next statement on that client then fails.
                let _ = connection.await;
            });
            Ok::<_, HubError>(client)
        })?;
        Ok(Pooled {
            client,
            statements: HashMap::new(),
        })
    }

    /// A connection: an idle one, a new one while fewer than
    /// [`POOL_MAX`] are open, else the next one given back.
    pub(super) fn get(&self) -> Result<Conn<'_>> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(pooled) = idle.0.pop() {
                return Ok(self.conn(pooled));
            }
            if idle.1 < POOL_MAX {
                idle.1 += 1;
                drop(idle);
                return match self.connect() {
                    Ok(pooled) => Ok(self.conn(pooled)),
                    Err(e) => {
                        self.forget_one();
                        Err(e)
                    }
                };
            }
            let (next, timeout) = self
                .freed
                .wait_timeout(idle, WAIT_MAX)
                .unwrap_or_else(|p| p.into_inner());
            if timeout.timed_out() && next.0.is_empty() && next.1 >= POOL_MAX {
                return Err(HubError::Internal(
                    "no PostgreSQL connection came free in time".into(),
                ));
            }
            idle = next;
        }
    }

    fn conn(&self, pooled: Pooled) -> Conn<'_> {
        Conn {
            pool: self,
            pooled: Some(RefCell::new(pooled)),
            broken: Cell::new(false),
            retryable: Cell::new(false),
            last_code: RefCell::new(None),
            in_tx: Cell::new(false),
        }
    }

    fn forget_one(&self) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.1 = idle.1.saturating_sub(1);
        self.freed.notify_one();
    }

    fn give_back(&self, pooled: Pooled) {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        idle.0.push(pooled);
        self.freed.notify_one();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        // The pool may be dropped on an async thread (a hub shutting
        // down): a runtime must not block there.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// A connection taken from the pool, given back when dropped (or closed,
/// if it broke or was left inside a transaction).
pub(super) struct Conn<'a> {
    pool: &'a Pool,
    pooled: Option<RefCell<Pooled>>,
    broken: Cell<bool>,
    /// The last failure was a serialization failure or a deadlock: the
    /// whole transaction may be run again.
    retryable: Cell<bool>,
    last_code: RefCell<Option<SqlState>>,
    in_tx: Cell<bool>,
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        let Some(pooled) = self.pooled.take().map(RefCell::into_inner) else {
            return;
        };
        if self.broken.get() || self.in_tx.get() || pooled.client.is_closed() {
            drop(pooled);
            self.pool.forget_one();
        } else {
            self.pool.give_back(pooled);
        }
    }
}

/// How many times a transaction is run when PostgreSQL aborts it for a
/// serialization failure or a deadlock (another process won a race).
const TX_ATTEMPTS: u32 = 5;

impl Conn<'_> {
    fn pooled(&self) -> &RefCell<Pooled> {
        self.pooled
            .as_ref()
            .unwrap_or_else(|| unreachable!("taken only on drop"))
    }

    fn failed(&self, e: tokio_postgres::Error) -> HubError {
        let code = e.code();
        self.retryable.set(
            code == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
                || code == Some(&SqlState::T_R_DEADLOCK_DETECTED),
        );
        *self.last_code.borrow_mut() = code.cloned();
        if e.as_db_error().is_none() {
            // Not the server's answer: the connection itself failed.
            self.broken.set(true);
        }
        pg_error(&e)
    }

    fn statement(&self, sql: &'static str) -> Result<Statement> {
        if let Some(s) = self.pooled().borrow().statements.get(sql) {
            return Ok(s.clone());
        }
        let prepared = {
            let pooled = self.pooled().borrow();
            self.pool.rt().block_on(pooled.client.prepare(sql))
        };
        let statement = prepared.map_err(|e| self.failed(e))?;
        self.pooled()
            .borrow_mut()
            .statements
            .insert(sql, statement.clone());
        Ok(statement)
    }

    /// The rows `sql` returns.
    pub(super) fn query(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        let pooled = self.pooled().borrow();
        self.pool
            .rt()
            .block_on(pooled.client.query(&statement, params))
            .map_err(|e| self.failed(e))
    }

    /// The one row `sql` returns, if any (an error if more).
    pub(super) fn query_opt(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>> {
        let statement = self.statement(sql)?;
        let pooled = self.pooled().borrow();
        self.pool
            .rt()
            .block_on(pooled.client.query_opt(&statement, params))
            .map_err(|e| self.failed(e))
    }

    /// The one row `sql` returns.
    pub(super) fn query_one(
        &self,
        sql: &'static str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row> {
        self.query_opt(sql, params)?
            .ok_or_else(|| HubError::Internal("PostgreSQL: no row where one was expected".into()))
    }

    /// Runs `sql`; the rows it changed.
    pub(super) fn execute(&self, sql: &'static str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let statement = self.statement(sql)?;
        let pooled = self.pooled().borrow();
        self.pool
            .rt()
            .block_on(pooled.client.execute(&statement, params))
            .map_err(|e| self.failed(e))
    }

    /// Runs statements without parameters (transaction control).
    fn batch(&self, sql: &str) -> Result<()> {
        let pooled = self.pooled().borrow();
        self.pool
            .rt()
            .block_on(pooled.client.batch_execute(sql))
            .map_err(|e| self.failed(e))
    }

    /// Runs `work` in one transaction begun with `begin` (e.g. `BEGIN`,
    /// or `BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY`), committing
    /// if it returns `Ok`. A transaction that PostgreSQL aborted for a
    /// serialization failure or a deadlock is run again (up to
    /// [`TX_ATTEMPTS`] times): `work` must have no effect outside the
    /// database.
    pub(super) fn transaction<T>(
        &self,
        begin: &str,
        mut work: impl FnMut(&Self) -> Result<T>,
    ) -> Result<T> {
        let mut attempt = 1;
        loop {
            self.retryable.set(false);
            self.batch(begin)?;
            self.in_tx.set(true);
            let result = work(self).and_then(|value| self.batch("COMMIT").map(|()| value));
            match result {
                Ok(value) => {
                    self.in_tx.set(false);
                    return Ok(value);
                }
                Err(e) => {
                    let retry = self.retryable.get();
                    if self.batch("ROLLBACK").is_ok() {
                        self.in_tx.set(false);
                    }
                    if !retry || attempt >= TX_ATTEMPTS || self.in_tx.get() {
                        return Err(e);
                    }
                    attempt += 1;
                }
            }
        }
    }

    /// The SQLSTATE of the last statement that PostgreSQL refused.
    pub(super) fn last_code(&self) -> Option<SqlState> {
        self.last_code.borrow().clone()
    }
}
