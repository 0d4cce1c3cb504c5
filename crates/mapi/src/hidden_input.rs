//! Reading a line with echo off, and always putting the terminal back: on return, on
//! error, on unwinding, and when a signal (Ctrl-C's SIGINT, SIGQUIT, SIGTERM, SIGHUP)
//! ends the process in the middle of the prompt.
//!
//! Only echo is turned off (`ECHONL` on, so Enter still moves to the next line): line
//! editing and the signal keys work as at any other prompt. While the echo is off a
//! handler for those signals is installed; it restores the saved terminal modes (with
//! `tcsetattr`, which is async-signal-safe), puts the previous disposition back and raises
//! the signal again, so the process ends (or the application's own handler runs) exactly
//! as it would have, with the terminal as it was.

use std::io::{BufRead, Write};
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicI32, Ordering};

/// The signals whose default action ends the process and that a terminal user sends.
const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP];

/// The terminal to restore from a signal handler: its fd (-1: none) and saved modes.
static RESTORE_FD: AtomicI32 = AtomicI32::new(-1);
static mut SAVED: MaybeUninit<libc::termios> = MaybeUninit::uninit();
static mut PREVIOUS: [MaybeUninit<libc::sigaction>; 4] = [const { MaybeUninit::uninit() }; 4];

extern "C" fn on_signal(sig: libc::c_int) {
    let fd = RESTORE_FD.swap(-1, Ordering::AcqRel);
    // SAFETY: SAVED and PREVIOUS were written before RESTORE_FD was set (Release), and
    // are not written again while it is set; tcsetattr, sigaction and raise are
    // async-signal-safe.
    unsafe {
        if fd >= 0 {
            libc::tcsetattr(fd, libc::TCSANOW, (&raw const SAVED).cast());
        }
        if let Some(i) = SIGNALS.iter().position(|&s| s == sig) {
            let prev = (&raw const PREVIOUS).cast::<libc::sigaction>().add(i);
            libc::sigaction(sig, prev, std::ptr::null_mut());
        }
        libc::raise(sig);
    }
}

/// Echo off until dropped; the signal handlers installed meanwhile.
struct EchoOff {
    fd: libc::c_int,
}

impl EchoOff {
    /// Turns echo off on `fd`; `None` when it is not a terminal (nothing changed).
    fn new(fd: libc::c_int) -> Option<EchoOff> {
        let mut term = MaybeUninit::<libc::termios>::uninit();
        // SAFETY: tcgetattr fills `term` when it returns 0.
        if unsafe { libc::tcgetattr(fd, term.as_mut_ptr()) } != 0 {
            return None;
        }
        // SAFETY: initialised by tcgetattr above.
        let saved = unsafe { term.assume_init() };
        // SAFETY: no handler reads SAVED/PREVIOUS now (RESTORE_FD is -1: one hidden read
        // at a time, under TerminalUi's lock); they are written before RESTORE_FD is set.
        unsafe {
            (&raw mut SAVED).write(MaybeUninit::new(saved));
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            for (i, sig) in SIGNALS.iter().enumerate() {
                let prev = (&raw mut PREVIOUS).cast::<libc::sigaction>().add(i);
                libc::sigaction(*sig, &action, prev);
            }
        }
        RESTORE_FD.store(fd, Ordering::Release);
        let mut quiet = saved;
        quiet.c_lflag &= !libc::ECHO;
        quiet.c_lflag |= libc::ECHONL;
        // SAFETY: `quiet` is a valid termios for this fd. TCSANOW: input typed ahead is
        // kept (it is the answer).
        unsafe { libc::tcsetattr(fd, libc::TCSANOW, &quiet) };
        Some(EchoOff { fd })
    }
}

impl Drop for EchoOff {
    fn drop(&mut self) {
        if RESTORE_FD.swap(-1, Ordering::AcqRel) >= 0 {
            // SAFETY: SAVED and PREVIOUS hold what `new` wrote; the swap above keeps a
            // handler from using them concurrently.
            unsafe {
                libc::tcsetattr(self.fd, libc::TCSANOW, (&raw const SAVED).cast());
                for (i, sig) in SIGNALS.iter().enumerate() {
                    let prev = (&raw const PREVIOUS).cast::<libc::sigaction>().add(i);
                    libc::sigaction(*sig, prev, std::ptr::null_mut());
                }
            }
        }
    }
}

/// Writes `prompt` and reads one line from `input` with echo off on `terminal` (the
/// same device); `None` at end of input or on a read error.
pub(crate) fn read_hidden(
    input: &mut impl BufRead,
    terminal: &mut (impl Write + AsRawFd),
    prompt: &str,
) -> Option<String> {
    // Echo goes off before the prompt shows, so nothing typed after it is echoed.
    let _echo_off = EchoOff::new(terminal.as_raw_fd());
    let _ = terminal.write_all(prompt.as_bytes());
    let _ = terminal.flush();
    let mut line = String::new();
    match input.read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}
