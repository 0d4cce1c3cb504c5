//! Logon prompts on the terminal: profile chooser, hidden password input, service
//! settings (secrets hidden), and the retry / edit / skip / cancel choice after a failure.
//! Prompts go to the controlling terminal (`/dev/tty`), so piped stdin and stdout stay
//! free for data. An empty line at the profile chooser cancels the logon; hidden input
//! (passwords, secret settings) always leaves the terminal as it found it, Ctrl-C
//! included.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::sync::Mutex;

use mapi_engine::{FailureChoice, LogonUi, PromptField};
use mapi_spi::async_trait;
use mapi_types::Status;

use crate::printable::printable;

/// Prompts on the controlling terminal.
pub struct TerminalUi {
    tty: Mutex<Option<(BufReader<File>, File)>>,
}

impl TerminalUi {
    /// Opens `/dev/tty`; when there is none, every prompt is cancelled.
    pub fn new() -> TerminalUi {
        let open = || -> std::io::Result<(BufReader<File>, File)> {
            let r = OpenOptions::new().read(true).open("/dev/tty")?;
            let w = OpenOptions::new().write(true).open("/dev/tty")?;
            Ok((BufReader::new(r), w))
        };
        TerminalUi {
            tty: Mutex::new(open().ok()),
        }
    }

    fn say(&self, text: &str) {
        if let Ok(mut g) = self.tty.lock()
            && let Some((_, w)) = g.as_mut()
        {
            let _ = w.write_all(text.as_bytes());
            let _ = w.flush();
        }
    }

    /// Reads a line; `None` at end of input.
    fn ask(&self, prompt: &str) -> Option<String> {
        let mut g = self.tty.lock().ok()?;
        let (r, w) = g.as_mut()?;
        let _ = w.write_all(prompt.as_bytes());
        let _ = w.flush();
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
        }
    }

    /// Reads a line with echo off; the terminal is restored whatever ends the read
    /// (see `hidden_input`).
    fn ask_hidden(&self, prompt: &str) -> Option<String> {
        let mut g = self.tty.lock().ok()?;
        let (r, w) = g.as_mut()?;
        crate::hidden_input::read_hidden(r, w, prompt)
    }
}

impl Default for TerminalUi {
    fn default() -> Self {
        TerminalUi::new()
    }
}

#[async_trait]
impl LogonUi for TerminalUi {
    fn available(&self) -> bool {
        self.tty.lock().map(|g| g.is_some()).unwrap_or(false)
    }

    async fn choose_profile(&self, profiles: &[String], preselect: Option<&str>) -> Option<String> {
        if profiles.is_empty() {
            // The engine fails such a logon before asking (there is nothing to choose).
            return None;
        }
        self.say("Choose a profile:\n");
        for (i, p) in profiles.iter().enumerate() {
            let mark = if Some(p.as_str()) == preselect {
                " (default)"
            } else {
                ""
            };
            self.say(&format!("  {}. {}{mark}\n", i + 1, printable(p)));
        }
        loop {
            let answer = self.ask("Profile (number or name; Enter alone cancels): ")?;
            let answer = answer.trim();
            if answer.is_empty() {
                return None;
            }
            if let Ok(n) = answer.parse::<usize>()
                && (1..=profiles.len()).contains(&n)
            {
                return Some(profiles[n - 1].clone());
            }
            if let Some(p) = profiles.iter().find(|p| p.eq_ignore_ascii_case(answer)) {
                return Some(p.clone());
            }
            self.say(&format!("No profile \"{}\".\n", printable(answer)));
        }
    }

    async fn password(&self, profile: &str, attempt: u32) -> Option<String> {
        if attempt > 1 {
            self.say("Wrong password.\n");
        }
        self.ask_hidden(&format!("Password for profile \"{profile}\": "))
    }

    async fn service_settings(
        &self,
        service: &str,
        reason: &str,
        fields: &[PromptField],
    ) -> Option<Vec<(String, String)>> {
        self.say(&format!(
            "Settings of \"{}\" ({}). End of input cancels.\n",
            printable(service),
            printable(reason)
        ));
        let mut out = Vec::new();
        for f in fields {
            let need = if f.required { " (required)" } else { "" };
            let value = if f.secret {
                self.ask_hidden(&format!("  {}{need}: ", f.label))?
            } else {
                let cur = f
                    .current
                    .as_deref()
                    .map(|c| format!(" [{c}]"))
                    .unwrap_or_default();
                let v = self.ask(&format!("  {}{need}{cur}: ", f.label))?;
                if v.is_empty() {
                    match &f.current {
                        Some(c) => c.clone(),
                        None => continue,
                    }
                } else {
                    v
                }
            };
            if !value.is_empty() {
                out.push((f.key.clone(), value));
            }
        }
        Some(out)
    }

    async fn service_failed(&self, service: &str, status: Status, reason: &str) -> FailureChoice {
        self.say(&format!(
            "Service \"{}\" could not log on: {status}: {}\n",
            printable(service),
            printable(reason)
        ));
        loop {
            let Some(a) =
                self.ask("[r]etry, [e]dit settings, [s]kip this service, [c]ancel logon: ")
            else {
                return FailureChoice::Cancel;
            };
            match a.trim().to_ascii_lowercase().as_str() {
                "r" | "retry" => return FailureChoice::Retry,
                "e" | "edit" => return FailureChoice::Edit,
                "s" | "skip" => return FailureChoice::Skip,
                "c" | "cancel" => return FailureChoice::Cancel,
                _ => self.say("Please answer r, e, s or c.\n"),
            }
        }
    }

    fn progress(&self, service: &str, done: u64, total: Option<u64>, text: &str) {
        self.say(&progress_line(service, done, total, text));
    }
}

/// No prompts, but progress (a mailbox download under `MAPI_FORCE_DOWNLOAD`) drawn as a
/// bar on standard error.
pub struct ProgressOnly;

impl LogonUi for ProgressOnly {
    fn available(&self) -> bool {
        false
    }
    fn progress(&self, service: &str, done: u64, total: Option<u64>, text: &str) {
        eprint!("{}", progress_line(service, done, total, text));
    }
}

/// One redraw of a progress bar (carriage return first, newline when complete).
pub fn progress_line(service: &str, done: u64, total: Option<u64>, text: &str) -> String {
    let bar = match total {
        Some(t) if t > 0 => {
            let filled = (done.min(t) * 30 / t) as usize;
            format!(
                "[{}{}] {done}/{t}",
                "#".repeat(filled),
                " ".repeat(30 - filled)
            )
        }
        _ => format!("{done}"),
    };
    let end = if total.is_some_and(|t| done >= t) {
        "\n"
    } else {
        ""
    };
    format!("\r{service}: {bar} {text}{end}")
}
