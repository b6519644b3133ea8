//! A time limit on a test step. A test that hangs would otherwise hold CI
//! until its own time runs out, saying nothing of where: past the limit,
//! every test binary under the step shows its threads' stacks (`gdb`, when
//! installed; `packages::TEST` installs it), then the step is killed and
//! fails, naming the tests the harness saw running too long.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// How often the step is looked at.
const POLL: Duration = Duration::from_secs(1);
/// How long one process's thread dump may take.
const DUMP_MAX_S: &str = "60";

/// Waits for `child`, the step `what`, at most `limit`. Past it, dumps the
/// stacks of its test binaries, kills every process under it, and errs.
pub fn wait_within(
    mut child: Child,
    what: &str,
    limit: Duration,
) -> Result<std::process::ExitStatus, String> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status),
            Ok(None) if started.elapsed() < limit => std::thread::sleep(POLL),
            Ok(None) => break,
            Err(e) => return Err(format!("cannot wait for `{what}`: {e}")),
        }
    }
    let tree = descendants(child.id());
    eprintln!(
        "xtask: `{what}` still runs after {} min: a test hangs. The stacks of its test binaries follow.",
        limit.as_secs() / 60
    );
    for pid in &tree {
        if is_test_binary(*pid) {
            dump_stacks(*pid);
        }
    }
    for pid in tree.iter().rev() {
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
    Err(format!(
        "`{what}` did not finish within {} min (hung; stacks above, and the \
         harness's \"has been running for over 60 seconds\" lines name the tests)",
        limit.as_secs() / 60
    ))
}

/// Every process under `root`, parents before children (from `/proc`).
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    if let Ok(dir) = std::fs::read_dir("/proc") {
        for entry in dir.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = parent_of(pid) {
                parents.push((pid, ppid));
            }
        }
    }
    let mut tree = Vec::new();
    let mut frontier = vec![root];
    while let Some(next) = frontier.pop() {
        for &(pid, ppid) in &parents {
            if ppid == next && !tree.contains(&pid) {
                tree.push(pid);
                frontier.push(pid);
            }
        }
    }
    tree
}

/// The parent of `pid`: the field after the command name, which is in
/// parentheses and may itself hold spaces or parentheses.
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// A test binary cargo built (`target/<profile>/deps/<name>-<hash>`).
fn is_test_binary(pid: u32) -> bool {
    std::fs::read_link(format!("/proc/{pid}/exe"))
        .is_ok_and(|exe| exe.parent().and_then(Path::file_name) == Some("deps".as_ref()))
}

fn dump_stacks(pid: u32) {
    eprintln!("xtask: threads of process {pid}:");
    let dumped = Command::new("timeout")
        .args([DUMP_MAX_S, "gdb", "-p", &pid.to_string(), "-batch", "-nx"])
        .args(["-ex", "thread apply all bt"])
        .status();
    if !dumped.is_ok_and(|s| s.success()) {
        eprintln!("xtask: no stacks for {pid} (is gdb installed?)");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_past_its_limit_is_killed_with_everything_under_it() {
        // A shell whose child sleeps: the grandchild must go too.
        let child = Command::new("sh")
            .args(["-c", "sleep 30 & wait"])
            .spawn()
            .unwrap();
        let shell = child.id();
        std::thread::sleep(Duration::from_millis(300));
        let under = descendants(shell);
        assert_eq!(under.len(), 1, "the sleep under the shell: {under:?}");
        let err = wait_within(child, "sleepy", Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("`sleepy` did not finish within"), "{err}");
        // Killed and reaped by init, or a zombie for a moment: not sleeping.
        std::thread::sleep(Duration::from_millis(300));
        let state = std::fs::read_to_string(format!("/proc/{}/stat", under[0]));
        assert!(
            state.is_err() || state.is_ok_and(|s| s.contains(") Z ")),
            "the sleep outlived its step"
        );
    }

    #[test]
    fn a_step_within_its_limit_gives_its_status() {
        let child = Command::new("sh").args(["-c", "exit 3"]).spawn().unwrap();
        let status = wait_within(child, "quick", Duration::from_secs(30)).unwrap();
        assert_eq!(status.code(), Some(3));
    }

    #[test]
    fn the_parent_is_read_from_proc() {
        assert_eq!(
            parent_of(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
